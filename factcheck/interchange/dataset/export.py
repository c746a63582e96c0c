"""Writing the database (or some of its claims) as a dataset: the sections and fields that the
loader reads, as YAML or JSON.

The export streams: rows are read in pages of PAGE and each record is written as soon as it is
made, so that memory does not grow with the database. The text is the same, byte for byte, as
dumping the whole document at once would give."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from ...jsontext import json_list
from ...models import (
    Actor,
    AppearanceSentence,
    Claim,
    ClaimLink,
    Event,
    Evidence,
    Source,
    SourceVersion,
    Verdict,
    claim_appearances,
)
from ...services.fields import ACTOR, CLAIM, EVENT, EVIDENCE, SOURCE, VERDICT
from ...services.graphs import chosen_claim_ids
from ...services.source_versions import version_records
from .desk import desk_sections
from .records import compact

PAGE = 500  # rows read at a time
Records = Iterator[dict[str, Any]]
Sections = Iterable[tuple[str, Iterable[dict[str, Any]]]]


def export_dataset(
    session: Session, *, claims: Iterable[str] | None = None, tags: Iterable[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The database (or the given claims and tagged claims, with everything they reference) as a
    dataset in memory: the same sections and fields that `load_dataset` reads."""
    return {name: list(records) for name, records in dataset_sections(session, claims=claims, tags=tags)}


def dataset_sections(
    session: Session, *, claims: Iterable[str] | None = None, tags: Iterable[str] | None = None
) -> Iterator[tuple[str, Records]]:
    """The dataset's sections in order, each an iterator of its records, read page by page. With
    `claims` or `tags`, only those claims, the actors and sources they reference (with the originals
    of republished sources), the links among them and the events all of whose sources are kept."""
    if claims is None and tags is None:
        yield "actors", (_actor_record(a) for a in _pages(session, select(Actor)))
        yield "sources", (_source_record(s) for s in _pages(session, _source_query()))
        yield "claims", (_claim_record(c) for c in _pages(session, _claim_query()))
        yield "links", _links(session, None)
        yield "events", (_event_record(e) for e in _pages(session, _event_query()))
        yield from _versions_section(session, None, None)
        yield from _sentences_section(session, None)
        yield from desk_sections(session, None)
        return
    claim_ids = sorted(chosen_claim_ids(session, claims, tags))
    actor_ids, source_ids = _referenced(session, claim_ids)
    kept = set(source_ids)
    yield "actors", (_actor_record(a) for a in _pages(session, select(Actor), actor_ids))
    yield "sources", (_source_record(s) for s in _pages(session, _source_query(), source_ids))
    yield "claims", (_claim_record(c) for c in _pages(session, _claim_query(), claim_ids))
    yield "links", _links(session, set(claim_ids))
    events = (e for e in _pages(session, _event_query()) if {s.id for s in e.sources} <= kept)
    yield "events", (_event_record(e) for e in events)
    yield from _versions_section(session, kept, set(claim_ids))
    yield from _sentences_section(session, claim_ids)
    yield from desk_sections(session, claim_ids)


def _pages(session: Session, query: Select[Any], ids: Sequence[int] | None = None) -> Iterator[Any]:
    """The query's objects in id order, read a page at a time: all of them, or those with `ids`
    (sorted). The session holds its objects weakly, so a page is freed once written."""
    model = query.column_descriptions[0]["entity"]
    if ids is not None:
        for start in range(0, len(ids), PAGE):
            yield from session.scalars(query.where(model.id.in_(ids[start : start + PAGE])).order_by(model.id)).unique()
        return
    last = 0
    while page := session.scalars(query.where(model.id > last).order_by(model.id).limit(PAGE)).unique().all():
        yield from page
        last = page[-1].id


def _referenced(session: Session, claim_ids: list[int]) -> tuple[list[int], list[int]]:
    """The actors and sources that the given claims (and their evidence and verdicts) refer to,
    with the originals that referenced sources republish."""
    actor_ids: set[int | None] = set()
    cited: set[int | None] = set()
    for start in range(0, len(claim_ids), PAGE):
        chunk = claim_ids[start : start + PAGE]
        for claimant, stated_in, assignee in session.execute(
            select(Claim.claimant_id, Claim.stated_in_id, Claim.assignee_id).where(Claim.id.in_(chunk))
        ):
            actor_ids.update((claimant, assignee))
            cited.add(stated_in)
        for speaker, source in session.execute(
            select(Evidence.speaker_id, Evidence.source_id).where(Evidence.claim_id.in_(chunk))
        ):
            actor_ids.add(speaker)
            cited.add(source)
        actor_ids.update(session.scalars(select(Verdict.reviewer_id).where(Verdict.claim_id.in_(chunk))))
        cited.update(
            session.scalars(select(claim_appearances.c.source_id).where(claim_appearances.c.claim_id.in_(chunk)))
        )
    source_ids = {id_ for id_ in cited if id_ is not None}
    pairs = session.execute(select(Source.id, Source.republishes_id).where(Source.republishes_id.is_not(None)))
    originals: dict[int, int] = {copy: first for copy, first in pairs if first is not None}
    frontier = set(source_ids)
    while frontier:  # originals of republications, and their originals
        frontier = {originals[i] for i in frontier if i in originals} - source_ids
        source_ids |= frontier
    return sorted(id_ for id_ in actor_ids if id_ is not None), sorted(source_ids)


def _source_query() -> Select[Any]:
    from sqlalchemy.orm import joinedload, undefer

    return select(Source).options(joinedload(Source.republishes), undefer(Source.text))


def _claim_query() -> Select[Any]:
    from sqlalchemy.orm import joinedload, selectinload

    return select(Claim).options(
        joinedload(Claim.claimant),
        joinedload(Claim.stated_in),
        selectinload(Claim.tags),
        selectinload(Claim.appearances),
        selectinload(Claim.evidence).options(joinedload(Evidence.source), joinedload(Evidence.speaker)),
        selectinload(Claim.verdicts).joinedload(Verdict.reviewer),
    )


def _event_query() -> Select[Any]:
    from sqlalchemy.orm import selectinload

    return select(Event).options(selectinload(Event.sources))


def _links(session: Session, claim_ids: set[int] | None) -> Records:
    """Links by id, with their claims' slugs; for a subset, those whose two claims are in it."""
    start, end = aliased(Claim), aliased(Claim)
    rows = session.execute(
        select(start.slug, ClaimLink.relation, end.slug, ClaimLink.note, start.id, end.id)
        .join(start, start.id == ClaimLink.from_claim_id)
        .join(end, end.id == ClaimLink.to_claim_id)
        .order_by(ClaimLink.id)
        .execution_options(yield_per=PAGE)
    )
    for from_slug, relation, to_slug, note, from_id, to_id in rows:
        if claim_ids is None or (from_id in claim_ids and to_id in claim_ids):
            yield compact({"from": from_slug, "relation": relation.value, "to": to_slug, "note": note})


def _versions_section(
    session: Session, source_ids: set[int] | None, claim_ids: set[int] | None
) -> Iterator[tuple[str, Records]]:
    """The earlier texts of sources whose text was replaced: a last section, written only when
    there are any, so that the export of a database without them stays as it was."""
    records = _source_versions(session, source_ids, claim_ids)
    first = next(records, None)
    if first is not None:
        yield "source_versions", itertools.chain([first], records)


def _source_versions(session: Session, source_ids: set[int] | None, claim_ids: set[int] | None) -> Records:
    """Each source's versions (of those kept, for a subset), the quotes each held named by claim
    slug and quote (see loader_evidence.load_source_versions); a source of one version has none to carry."""

    versioned = session.scalars(
        select(SourceVersion.source_id)
        .group_by(SourceVersion.source_id)
        .having(func.count() > 1)
        .order_by(SourceVersion.source_id)
    ).all()
    for source_id in versioned:
        if source_ids is not None and source_id not in source_ids:
            continue
        records = version_records(session, source_id)
        cited = {
            str(id_): (slug, quote)
            for id_, slug, quote, claim_id in session.execute(
                select(Evidence.id, Claim.slug, Evidence.quote, Claim.id)
                .join(Claim, Claim.id == Evidence.claim_id)
                .where(Evidence.source_id == source_id)
            )
            if claim_ids is None or claim_id in claim_ids
        }
        for record in records:
            held = record.pop("quotes", None) or {}
            quotes = [
                {"claim": cited[id_][0], "quote": cited[id_][1], **place} for id_, place in held.items() if id_ in cited
            ]
            record["quotes"] = sorted(quotes, key=lambda quote: (quote["claim"], quote["quote"]))
        yield {
            "source": session.scalar(select(Source.slug).where(Source.id == source_id)),
            "versions": [compact(r) for r in records],
        }


def _sentences_section(session: Session, claim_ids: Sequence[int] | None) -> Iterator[tuple[str, Records]]:
    """The sentences `scan --apply` kept for claims' appearances (of the chosen claims: their
    appearances' sources are exported with them): a last section, written only when there are any."""
    claim, source = aliased(Claim), aliased(Source)
    query = (
        select(claim.slug, source.slug, AppearanceSentence)
        .join(claim, claim.id == AppearanceSentence.claim_id)
        .join(source, source.id == AppearanceSentence.source_id)
        .order_by(AppearanceSentence.id)
        .execution_options(yield_per=PAGE)
    )
    if claim_ids is None:
        rows = iter(session.execute(query))
    else:  # PAGE claims at a time: a server takes only so many parameters in one statement
        chunks = (claim_ids[start : start + PAGE] for start in range(0, len(claim_ids), PAGE))
        rows = (row for chunk in chunks for row in session.execute(query.where(AppearanceSentence.claim_id.in_(chunk))))
    first = next(rows, None)
    if first is not None:
        yield "appearance_sentences", (_sentence_record(*row) for row in itertools.chain([first], rows))


def _sentence_record(claim: str, source: str, said: AppearanceSentence) -> dict[str, Any]:
    return {
        "claim": claim,
        "source": source,
        "sentence": said.sentence,
        "start": said.start_offset,
        "end": said.end_offset,
        "score": said.score,
    }


def _actor_record(actor: Actor) -> dict[str, Any]:
    return ACTOR.record(actor)


def _event_record(event: Event) -> dict[str, Any]:
    return EVENT.record(event)


def _source_record(source: Source) -> dict[str, Any]:
    return SOURCE.record(source)


def _claim_record(claim: Claim) -> dict[str, Any]:
    nested = {
        "evidence": [EVIDENCE.record(e) for e in sorted(claim.evidence, key=lambda e: e.id)],
        "verdicts": [VERDICT.record(v) for v in sorted(claim.verdicts, key=lambda v: v.id)],
    }
    return CLAIM.record(claim, nested=nested.__getitem__)


# --- text ---------------------------------------------------------------------------------------


def _yaml_document(sections: Sections) -> Iterator[str]:
    # A block sequence under a top-level key is written unindented, so each record dumped as a
    # one-item list is exactly its part of the whole document.
    dump_item = _yaml_dumper()
    for name, records in sections:
        empty = True
        for record in records:
            if empty:
                yield f"{name}:\n"
                empty = False
            yield dump_item([record])
        if empty:
            yield f"{name}: []\n"


def _yaml_dumper() -> Callable[[Any], str]:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: much faster
    return lambda value: yaml.dump(value, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)


def _json_document(sections: Sections) -> Iterator[str]:
    yield "{"
    for number, (name, records) in enumerate(sections):
        yield f"{',' if number else ''}\n  {json.dumps(name)}: "
        yield from json_list(records, depth=2)
    yield "\n}\n"


def write_yaml(
    session: Session, *, claims: Iterable[str] | None = None, tags: Iterable[str] | None = None
) -> Iterator[str]:
    """`factcheck export --format yaml`: the dataset (or some claims with what they reference)."""
    return _yaml_document(dataset_sections(session, claims=claims, tags=tags))


def write_json(
    session: Session, *, claims: Iterable[str] | None = None, tags: Iterable[str] | None = None
) -> Iterator[str]:
    """`factcheck export --format json`: the dataset as JSON, as `write_yaml`."""
    return _json_document(dataset_sections(session, claims=claims, tags=tags))
