"""The bulk loader's evidence and verdicts: those of every claim in the dataset, new or already
there, skipped when their natural key is in the database; quotes anchored in their sources' texts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...limits import MAX_TEXT
from ...models import Evidence, QuoteStatus, Source, SourceVersion, Verdict, utcnow
from ...services.fields import EVIDENCE, VERDICT, require_rationale
from ...services.quotes import anchor_quote
from ...services.source_versions import restore_versions
from .loader_bulk import CHUNK, Keys, LoadReport, existing_rows, insert_rows, mentioned
from .records import (
    Record,
    about,
    column_values,
    describe,
    nested_records,
    reference,
    slug,
    text,
    word,
)


def load_evidence_and_verdicts(
    session: Session,
    records: list[Record],
    actors: Keys,
    sources: Keys,
    claims: Keys,
    report: LoadReport,
) -> None:
    """The evidence and verdicts of every claim in the dataset, new or already there."""
    existing_ids = [claims.ids[slug(r)] for r in records]
    have_evidence = existing_rows(
        session, (Evidence.claim_id, Evidence.source_id, Evidence.quote), Evidence.claim_id, existing_ids
    )
    have_verdicts = existing_rows(
        session,
        (
            Verdict.claim_id,
            Verdict.rating,
            Verdict.rationale,
            Verdict.reviewer_id,
            Verdict.review_url,
            Verdict.textual_rating,
        ),
        Verdict.claim_id,
        existing_ids,
    )
    texts = _source_texts(session, records, sources)
    evidence_rows, verdict_rows = [], []
    for record in records:
        claim_id = claims.ids[slug(record)]
        for number_, item in enumerate(nested_records(record, "evidence")):
            row = _evidence_row(
                Record(record.file, f"{record.where} evidence", number_, item), claim_id, actors, sources
            )
            evidence_key = (claim_id, row["source_id"], row["quote"])
            if evidence_key in have_evidence:
                report.skipped["evidence"] += evidence_key not in claims.nested  # once, however many batches
                claims.nested.add(evidence_key)
                continue
            have_evidence.add(evidence_key)
            claims.nested.add(evidence_key)
            evidence_rows.append(row)
        for number_, item in enumerate(nested_records(record, "verdicts")):
            row = _verdict_row(Record(record.file, f"{record.where} verdicts", number_, item), claim_id, actors)
            # An outlet's reviews of one claim in two languages (two pages) are two verdicts.
            verdict_key = (
                claim_id,
                row["rating"],
                row["rationale"],
                row["reviewer_id"],
                row["review_url"],
                row["textual_rating"],
            )
            if verdict_key in have_verdicts:
                report.skipped["verdicts"] += verdict_key not in claims.nested
                claims.nested.add(verdict_key)
                continue
            have_verdicts.add(verdict_key)
            claims.nested.add(verdict_key)
            verdict_rows.append(row)
    # Anchored source by source, so that each archived text is normalised once.
    for row in sorted(evidence_rows, key=lambda row: row["source_id"]):
        _anchor(row, texts.get(row["source_id"]))
    insert_rows(session, Evidence, evidence_rows, {}, report, "evidence")
    insert_rows(session, Verdict, verdict_rows, {}, report, "verdicts")


def _source_texts(session: Session, records: list[Record], sources: Keys) -> dict[int, str]:
    """The archived texts of the sources this dataset's evidence cites, to anchor its quotes."""
    cited = {
        sources.ids[item["source"].strip()]
        for record in records
        for item in nested_records(record, "evidence")
        if isinstance(item.get("source"), str) and item["source"].strip() in sources.ids
    }
    texts: dict[int, str] = {}
    ids = sorted(cited)
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Source.id, Source.text).where(Source.id.in_(ids[start : start + CHUNK]), Source.text.is_not(None))
        )
        texts.update((id_, archived) for id_, archived in rows if archived is not None)
    return texts


def _evidence_row(record: Record, claim_id: int, actors: Keys, sources: Keys) -> dict[str, Any]:
    return {
        "claim_id": claim_id,
        "source_id": sources.id(record, "source", required=True),
        **column_values(record, EVIDENCE),
        "speaker_id": actors.id(record, "speaker"),
    }


def _anchor(row: dict[str, Any], text: str | None) -> None:
    """Place an evidence row's quote in its source's archived text (see services.quotes)."""
    anchor = anchor_quote(text, row["quote"], prefix=row["prefix"], suffix=row["suffix"])
    row.update(
        prefix=anchor.prefix or row["prefix"],
        suffix=anchor.suffix or row["suffix"],
        start_offset=anchor.start,
        end_offset=anchor.end,
        quote_status=anchor.status,
    )


def _verdict_row(record: Record, claim_id: int, actors: Keys) -> dict[str, Any]:
    values = column_values(record, VERDICT)
    with about(record, "rationale"):
        require_rationale(values, record.data)
    return {"claim_id": claim_id, **values, "reviewer_id": actors.id(record, "reviewer"), "created_at": utcnow()}


def load_source_versions(
    session: Session, records: list[Record], sources: Keys, claims: Keys, report: LoadReport
) -> None:
    """Each source's earlier texts, unless the database keeps more than one version of it already.
    A version names the quotes it held by claim slug and quote, the natural key of evidence within
    a source: a dataset's evidence has no id, and a quote's position in its claim shifts when a
    claim already in the database gains evidence from another file."""

    sources.look_up(mentioned([record.data for record in records], "source"))
    for record in records:
        source_id = sources.id(record, "source", required=True)
        assert source_id is not None
        kept = select(func.count()).where(SourceVersion.source_id == source_id)
        if session.scalar(kept) > 1:  # type: ignore[operator]
            report.skipped["source_versions"] += 1
            continue
        cited = {
            (claim_id, quote): id_
            for id_, claim_id, quote in session.execute(
                select(Evidence.id, Evidence.claim_id, Evidence.quote).where(Evidence.source_id == source_id)
            )
        }
        versions = []
        for number_, item in enumerate(nested_records(record, "versions")):
            version = Record(record.file, f"{record.where} versions", number_, item)
            held = [
                Record(version.file, f"{version.where} quotes", n, quote)
                for n, quote in enumerate(nested_records(version, "quotes"))
            ]
            claims.look_up(mentioned([quote.data for quote in held], "claim"))
            versions.append({**item, "quotes": dict(_held_quote(quote, source_id, claims, cited) for quote in held)})
        source = session.get(Source, source_id)
        assert source is not None
        with about(record, "versions"):
            restore_versions(session, source, versions, {id_: id_ for id_ in cited.values()})
        report.added["source_versions"] += 1


def _held_quote(
    record: Record, source_id: int, claims: Keys, cited: dict[tuple[int, str], int]
) -> tuple[int, dict[str, Any]]:
    """A quote an earlier text held: its evidence's id, and where it stood."""
    claim_id = claims.id(record, "claim", required=True)
    quote = text(record, "quote", "quote", MAX_TEXT, required=True)
    evidence_id = cited.get((claim_id, quote))  # type: ignore[arg-type]
    if evidence_id is None:
        raise record.fail(
            f"field 'quote': no evidence of claim {reference(record, 'claim')!r} quotes this from the source"
        )
    start, end = _offset(record, "start"), _offset(record, "end")
    if end < start:
        raise record.fail(f"field 'end': {end} is before the start, {start}")
    status = word(record, "status", QuoteStatus, "quote status").value
    return evidence_id, {"start": start, "end": end, "status": status}


def _offset(record: Record, name: str) -> int:
    value = record.data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise record.fail(f"field {name!r} is {describe(value)}: expected a whole number, 0 or more")
    return value


def load_appearance_sentences(
    session: Session, records: list[Record], sources: Keys, claims: Keys, report: LoadReport
) -> None:
    """The sentences `scan --apply` kept for claims' appearances: each must name an appearance the
    database has (the claim's `appearances` list it) and stand at its offsets in the source's
    text, as the database now holds it; one kept already for the pair is skipped."""
    from ...models import AppearanceSentence, claim_appearances

    sources.look_up(mentioned([record.data for record in records], "source"))
    claims.look_up(mentioned([record.data for record in records], "claim"))
    pairs = [(claims.id(r, "claim", required=True), sources.id(r, "source", required=True)) for r in records]
    claim_ids = sorted({claim_id for claim_id, _source in pairs if claim_id is not None})
    source_ids = sorted({source_id for _claim, source_id in pairs if source_id is not None})
    appearing: set[tuple[int | None, int | None]] = set(
        session.execute(
            select(claim_appearances.c.claim_id, claim_appearances.c.source_id).where(
                claim_appearances.c.claim_id.in_(claim_ids)
            )
        )
    )
    kept: set[tuple[int | None, int | None]] = set(
        session.execute(
            select(AppearanceSentence.claim_id, AppearanceSentence.source_id).where(
                AppearanceSentence.claim_id.in_(claim_ids)
            )
        )
    )
    texts: dict[int, str | None] = {
        source_id: archived
        for source_id, archived in session.execute(select(Source.id, Source.text).where(Source.id.in_(source_ids)))
    }
    for record, pair in zip(records, pairs, strict=True):
        if pair not in appearing:
            raise record.fail(
                f"claim {reference(record, 'claim')!r} does not appear in source {reference(record, 'source')!r}: "
                "a sentence is kept only for a source the claim's 'appearances' list"
            )
        if pair in kept:
            report.skipped["appearance_sentences"] += 1
            continue
        claim_id, source_id = pair
        assert claim_id is not None and source_id is not None  # both required, and found
        sentence = text(record, "sentence", "the sentence", MAX_TEXT, required=True)
        start, end = _offset(record, "start"), _offset(record, "end")
        archived = texts.get(source_id)
        if archived is None or " ".join(archived[start:end].split()) != sentence:  # kept with its spaces folded
            raise record.fail(
                f"field 'sentence' is not the text of source {reference(record, 'source')!r} from {start} to {end}"
            )
        score = record.data.get("score")
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100:
            raise record.fail(f"field 'score' is {describe(score)}: expected a number from 0 to 100")
        session.add(
            AppearanceSentence(
                claim_id=claim_id,
                source_id=source_id,
                sentence=sentence,
                start_offset=start,
                end_offset=end,
                score=score,
            )
        )
        kept.add(pair)
        report.added["appearance_sentences"] += 1
    session.flush()
