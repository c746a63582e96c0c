"""Loading dataset records (from our YAML/JSON files or from ClaimReview) into the database.

Loading is one transaction, checked in full before it is committed, and idempotent: records whose
natural key (slug; claim + source + quote for evidence; claim + rating + rationale + reviewer for
verdicts; from + relation + to for links) is already in the database are skipped. New rows go in
with executemany-style inserts, with their revisions, so large datasets load at bulk speed; the
rules that single additions obey (a URL is one source's, no republication loops, no claim linked
to itself) are the services' own functions."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ..limits import MAX_ARCHIVED_TEXT, MAX_NAME, MAX_TEXT, check_length
from ..models import (
    Actor,
    ActorKind,
    Claim,
    ClaimLink,
    Event,
    Evidence,
    Rating,
    Relation,
    Source,
    SourceKind,
    Stance,
    Tag,
    Verdict,
    claim_appearances,
    claim_tags,
    event_sources,
    utcnow,
)
from ..services.articles import read_text_file
from ..services.claims import check_link
from ..services.common import slugify
from ..services.history import record_inserts
from ..services.quotes import anchor_quote
from ..services.sources import check_republishes, check_url_free
from .records import (
    SECTIONS,
    Record,
    about,
    date,
    nested_records,
    number,
    raw_text,
    read_dataset,
    reference,
    slug,
    text,
    text_list,
    word,
)

CHUNK = 500  # rows per look-up of existing keys

Progress = Callable[[int], None]


@dataclass
class LoadReport:
    added: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)  # what the reading of the file had to say

    def as_dict(self) -> dict[str, dict[str, int]]:
        kinds = [
            kind
            for kind in (*SECTIONS[:3], "appearances", "evidence", "verdicts", *SECTIONS[3:])
            if kind in self.added or kind in self.skipped
        ]
        return {kind: {"added": self.added[kind], "skipped": self.skipped[kind]} for kind in kinds}


class _Keys:
    """Natural keys → ids, for what is in the database and what this load adds."""

    def __init__(self, session: Session, model: Any) -> None:
        self.model = model
        self.ids: dict[str, int] = dict(session.execute(select(model.slug, model.id)).all())

    def resolve(self, record: Record, name: str, value: str | None, *, planned: frozenset[str] = frozenset()) -> str:
        """`value`, a slug that record's field `name` refers to, checked to exist."""
        found = (value or "").strip()
        if found not in self.ids and found not in planned:
            noun = self.model.__name__.lower()
            raise record.fail(f"field {name!r}: no {noun} {found!r} in the database or the dataset")
        return found

    def id(self, record: Record, name: str, *, required: bool = False) -> int | None:
        """The id of what the record's field `name` refers to, if it refers to something."""
        ref = reference(record, name)
        if ref is None and required:
            raise record.fail(f"missing required field {name!r}")
        return self.ids[self.resolve(record, name, ref)] if ref else None


def load_dataset(
    session: Session, path: Path, *, texts: Path | None = None, progress: Progress | None = None
) -> LoadReport:
    """Add what the dataset has and the database lacks. `texts`, a folder holding the files that
    sources name in `document`, archives those texts with the sources."""
    return load_records(session, read_dataset(path), texts=texts, progress=progress)


def load_records(
    session: Session,
    records: dict[str, list[Record]],
    *,
    texts: Path | None = None,
    progress: Progress | None = None,
) -> LoadReport:
    report = LoadReport()
    tick = progress or (lambda _n: None)
    actors, sources, claims = _Keys(session, Actor), _Keys(session, Source), _Keys(session, Claim)

    new_actors = [
        {
            "slug": slug(record),
            "name": text(record, "name", "actor name", MAX_NAME, required=True),
            "kind": word(record, "kind", ActorKind, "actor kind", default="person"),
            "role": text(record, "role", "actor role", MAX_NAME),
            "aliases": text_list(record, "aliases", "alias"),
        }
        for record in _fresh(records["actors"], actors, report, "actors")
    ]
    _insert(session, Actor, new_actors, actors.ids, report, "actors")
    new_sources = _load_sources(session, records["sources"], sources, report, texts)
    tick(len(new_actors) + len(new_sources))
    _load_claims(session, records["claims"], actors, sources, claims, report, tick)
    _load_links(session, records["links"], claims, report)
    _load_events(session, records["events"], sources, report)
    return report


def _fresh(records: list[Record], keys: _Keys, report: LoadReport, kind: str) -> Iterator[Record]:
    """The records whose slug is not in the database yet (nor earlier in the dataset)."""
    seen: set[str] = set()
    for record in records:
        key = slug(record)
        if key in keys.ids:
            report.skipped[kind] += 1
        elif key in seen:
            raise record.fail(f"slug {key!r} appears twice in the dataset")
        else:
            seen.add(key)
            yield record


def _insert(
    session: Session, model: Any, rows: list[dict[str, Any]], ids: dict[str, int], report: LoadReport, kind: str
) -> list[int]:
    """Insert rows in bulk, learn their ids, and record their revisions."""
    if not rows:
        return []
    # Core executemany (no ORM bookkeeping) with the ids the database gave, in the rows' order
    # (RETURNING): other writers may take ids in between on PostgreSQL, so none is guessed.
    table = model.__table__
    new_ids = list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
    for row, new_id in zip(rows, new_ids, strict=True):
        row["id"] = new_id
        if "slug" in row:
            ids[row["slug"]] = new_id
    record_inserts(session, model.__tablename__, [{k: v for k, v in row.items() if k != "text"} for row in rows])
    report.added[kind] += len(rows)
    return new_ids


def _load_sources(
    session: Session, records: list[Record], sources: _Keys, report: LoadReport, texts: Path | None
) -> list[dict[str, Any]]:
    """New sources, then who republishes whom."""
    rows, republishing = [], []
    # check_url_free is the rule; it is asked only about URLs the database has (read here in one
    # query), so that a large load does not pay a query per source.
    taken = set(session.scalars(select(Source.url).where(Source.url.is_not(None))))
    in_dataset: dict[str, str] = {}
    planned = frozenset(reference(record, "slug") or "" for record in records)
    for record in _fresh(records, sources, report, "sources"):
        key = slug(record)
        url = text(record, "url", "source URL", MAX_NAME)
        if url in taken:
            with about(record, "url"):
                check_url_free(session, url)
        if url is not None and in_dataset.setdefault(url, key) != key:
            raise record.fail(f"field 'url': source {in_dataset[url]!r} in the dataset has the URL {url} already")
        archived = raw_text(record, "text")
        if archived is not None:
            with about(record, "text"):
                check_length(archived, "text", MAX_ARCHIVED_TEXT)
        else:
            archived = _document_text(record, texts)
        archived = archived if archived and archived.strip() else None
        rows.append(
            {
                "slug": key,
                "title": text(record, "title", "source title", MAX_NAME, required=True),
                "kind": word(record, "kind", SourceKind, "source kind", default="article"),
                "publisher": text(record, "publisher", "publisher", MAX_NAME),
                "authors": text_list(record, "authors", "author"),
                "url": url,
                "archive_url": text(record, "archive_url", "archive URL", MAX_NAME),
                "published_on": date(record, "published_on"),
                "accessed_on": date(record, "accessed_on"),
                "language": text(record, "language", "language", MAX_NAME),
                "note": text(record, "note", "note"),
                "text": archived,
                "text_sha256": hashlib.sha256(archived.encode("utf-8")).hexdigest() if archived else None,
            }
        )
        original = reference(record, "republishes")
        if original:
            republishing.append((record, key, sources.resolve(record, "republishes", original, planned=planned)))
    _insert(session, Source, rows, sources.ids, report, "sources")
    if republishing:
        pairs = [(record, sources.ids[copy], sources.ids[first]) for record, copy, first in republishing]
        session.execute(update(Source), [{"id": copy_id, "republishes_id": first_id} for _, copy_id, first_id in pairs])
        # Every pair is written first: a loop among them is then found from any of its pairs.
        for record, copy_id, first_id in pairs:
            with about(record, "republishes"):
                check_republishes(session, copy_id, first_id)
    return rows


def _document_text(record: Record, texts: Path | None) -> str | None:
    """The text of the file a source's `document` names, which must be inside the `texts` folder."""
    document = text(record, "document", "document name", MAX_NAME)
    if texts is None or document is None:
        return None
    name = Path(document)
    if name.is_absolute() or ".." in name.parts:
        raise record.fail(f"field 'document': {document!r} is not a file name inside the --texts folder")
    folder = texts.resolve()
    file = (folder / name).resolve()
    if not file.is_relative_to(folder):
        raise record.fail(f"field 'document': {document!r} leads outside the --texts folder (a symbolic link)")
    if not file.is_file():
        raise record.fail(f"field 'document': no file {document!r} in the --texts folder {texts}")
    with about(record, "document"):
        return check_length(read_text_file(file), "the document's text", MAX_ARCHIVED_TEXT)


def _load_claims(
    session: Session,
    records: list[Record],
    actors: _Keys,
    sources: _Keys,
    claims: _Keys,
    report: LoadReport,
    tick: Callable[[int], None],
) -> None:
    tags = dict(session.execute(select(Tag.slug, Tag.id)).all())
    new_claims, tag_rows, appearance_rows, new_tags = [], [], [], []
    for record in _fresh(records, claims, report, "claims"):
        key = slug(record)
        row = {
            "slug": key,
            "text": text(record, "text", "claim text", MAX_TEXT, required=True),
            "language": text(record, "language", "language", MAX_NAME),
            "claimant_id": actors.id(record, "claimant"),
            "stated_on": date(record, "stated_on"),
            "stated_in_id": sources.id(record, "stated_in"),
            "note": text(record, "note", "note"),
        }
        for name in text_list(record, "tags", "tag"):
            tag = slugify(name)
            if tag not in tags:
                tags[tag] = -1  # made below
                new_tags.append({"slug": tag, "name": name})
            tag_rows.append((key, tag))
        new_claims.append(row)
    tag_ids: dict[str, int] = {tag: id_ for tag, id_ in tags.items() if id_ != -1}
    _insert(session, Tag, new_tags, tag_ids, report, "tags")
    _insert(session, Claim, new_claims, claims.ids, report, "claims")
    if tag_rows:
        session.execute(
            insert(claim_tags),
            [{"claim_id": claims.ids[claim], "tag_id": tag_ids[tag]} for claim, tag in dict.fromkeys(tag_rows)],
        )
    # Appearances of every claim in the file, new or already there: a review may name new places
    # where a known claim appeared.
    for record in records:
        for ref in text_list(record, "appearances", "appearance"):
            appearance_rows.append((claims.ids[slug(record)], sources.ids[sources.resolve(record, "appearances", ref)]))
    have = _existing(
        session,
        (claim_appearances.c.claim_id, claim_appearances.c.source_id),
        claim_appearances.c.claim_id,
        sorted({claim for claim, _source in appearance_rows}),
    )
    fresh = [pair for pair in dict.fromkeys(appearance_rows) if pair not in have]
    if fresh:
        session.execute(insert(claim_appearances), [{"claim_id": c, "source_id": s} for c, s in fresh])
        new_ids = {row["id"] for row in new_claims}
        # Counted only for claims already there: a new claim's appearances are part of it.
        report.added["appearances"] += sum(1 for claim, _source in fresh if claim not in new_ids)
    tick(len(new_claims))
    _load_evidence_and_verdicts(session, records, actors, sources, claims, report, tick)


def _load_evidence_and_verdicts(
    session: Session,
    records: list[Record],
    actors: _Keys,
    sources: _Keys,
    claims: _Keys,
    report: LoadReport,
    tick: Callable[[int], None],
) -> None:
    """The evidence and verdicts of every claim in the dataset, new or already there."""
    existing_ids = [claims.ids[slug(r)] for r in records]
    have_evidence = _existing(
        session, (Evidence.claim_id, Evidence.source_id, Evidence.quote), Evidence.claim_id, existing_ids
    )
    have_verdicts = _existing(
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
                report.skipped["evidence"] += 1
                continue
            have_evidence.add(evidence_key)
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
                report.skipped["verdicts"] += 1
                continue
            have_verdicts.add(verdict_key)
            verdict_rows.append(row)
    # Anchored source by source, so that each archived text is normalised once.
    for row in sorted(evidence_rows, key=lambda row: row["source_id"]):
        _anchor(row, texts.get(row["source_id"]))
    for start in range(0, len(evidence_rows), 10 * CHUNK):
        chunk = evidence_rows[start : start + 10 * CHUNK]
        _insert(session, Evidence, chunk, {}, report, "evidence")
        tick(len(chunk))
    _insert(session, Verdict, verdict_rows, {}, report, "verdicts")


def _existing(
    session: Session, columns: tuple[Any, ...], claim_column: Any, claim_ids: list[int]
) -> set[tuple[Any, ...]]:
    found: set[tuple[Any, ...]] = set()
    for start in range(0, len(claim_ids), CHUNK):
        chunk = claim_ids[start : start + CHUNK]
        found.update(tuple(row) for row in session.execute(select(*columns).where(claim_column.in_(chunk))))
    return found


def _source_texts(session: Session, records: list[Record], sources: _Keys) -> dict[int, str]:
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


def _context(record: Record, name: str) -> str | None:
    """A quote's prefix or suffix, kept as written (its spaces are part of it)."""
    value = raw_text(record, name)
    if not value:
        return None
    with about(record, name):
        return check_length(value, name, MAX_TEXT)


def _evidence_row(record: Record, claim_id: int, actors: _Keys, sources: _Keys) -> dict[str, Any]:
    return {
        "claim_id": claim_id,
        "source_id": sources.id(record, "source", required=True),
        "stance": word(record, "stance", Stance, "stance"),
        "quote": text(record, "quote", "quote", MAX_TEXT, required=True),
        "prefix": _context(record, "prefix"),
        "suffix": _context(record, "suffix"),
        "speaker_id": actors.id(record, "speaker"),
        "locator": text(record, "locator", "locator", MAX_NAME),
        "note": text(record, "note", "note"),
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


def _verdict_row(record: Record, claim_id: int, actors: _Keys) -> dict[str, Any]:
    return {
        "claim_id": claim_id,
        "rating": word(record, "rating", Rating, "rating"),
        # A reviewer's own label stands for its reasons when an imported review gives none.
        "rationale": text(record, "rationale", "rationale", MAX_TEXT, required=not record.data.get("textual_rating")),
        "textual_rating": text(record, "textual_rating", "textual rating", MAX_NAME),
        "reviewer_id": actors.id(record, "reviewer"),
        "review_url": text(record, "review_url", "review URL", MAX_NAME),
        "reviewed_on": date(record, "reviewed_on"),
        "rating_value": number(record, "rating_value"),
        "best_rating": number(record, "best_rating"),
        "worst_rating": number(record, "worst_rating"),
        "created_at": utcnow(),
    }


def _load_links(session: Session, records: list[Record], claims: _Keys, report: LoadReport) -> None:
    existing = {
        tuple(row)
        for row in session.execute(select(ClaimLink.from_claim_id, ClaimLink.to_claim_id, ClaimLink.relation))
    }
    rows = []
    for record in records:
        first, second = claims.id(record, "from", required=True), claims.id(record, "to", required=True)
        relation = word(record, "relation", Relation, "relation")
        with about(record, "to"):
            check_link(first, second, reference(record, "from"))  # type: ignore[arg-type]
        if (first, second, relation) in existing:
            report.skipped["links"] += 1
            continue
        existing.add((first, second, relation))
        rows.append(
            {
                "from_claim_id": first,
                "to_claim_id": second,
                "relation": relation,
                "note": text(record, "note", "note"),
                "created_at": utcnow(),
            }
        )
    _insert(session, ClaimLink, rows, {}, report, "links")


def _load_events(session: Session, records: list[Record], sources: _Keys, report: LoadReport) -> None:
    events = _Keys(session, Event)
    rows, links = [], []
    for record in _fresh(records, events, report, "events"):
        key = slug(record)
        row = {
            "slug": key,
            "title": text(record, "title", "event title", MAX_NAME, required=True),
            "description": text(record, "description", "event description"),
            "occurred_on": date(record, "occurred_on"),
        }
        links += [(key, sources.resolve(record, "sources", ref)) for ref in text_list(record, "sources", "source")]
        rows.append(row)
    _insert(session, Event, rows, events.ids, report, "events")
    if links:
        session.execute(
            insert(event_sources),
            [
                {"event_id": events.ids[event], "source_id": sources.ids[source]}
                for event, source in dict.fromkeys(links)
            ],
        )
