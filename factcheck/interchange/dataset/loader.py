"""Loading dataset records (from our YAML/JSON files or from ClaimReview) into the database.

Loading is one transaction, checked in full before it is committed, and idempotent: records whose
natural key (slug; claim + source + quote for evidence; claim + rating + rationale + reviewer for
verdicts; from + relation + to for links) is already in the database are skipped. New rows go in
with executemany-style inserts, with their revisions, so large datasets load at bulk speed; the
rules that single additions obey (a URL is one source's, no republication loops, no claim linked
to itself) are the services' own functions.

Its parts: loader_bulk (natural keys, bulk inserts with revisions, the report) and loader_evidence
(evidence and verdicts)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ...db import BULK_LOADED
from ...limits import MAX_ARCHIVED_TEXT, MAX_NAME, check_length
from ...models import (
    Actor,
    Claim,
    ClaimLink,
    Event,
    Source,
    SourceVersion,
    Tag,
    claim_appearances,
    claim_tags,
    event_sources,
    utcnow,
)
from ...services.articles import read_text_file
from ...services.claims import check_link
from ...services.common import slugify
from ...services.fields import ACTOR, CLAIM, EVENT, LINK, SOURCE
from ...services.source_versions import text_size
from ...services.sources import check_republishes, check_url_free
from ...services.vectors import matching_texts, refresh_reviewed, store_vectors
from .desk import load_desk, load_desk_statuses
from .loader_bulk import (
    BATCH,
    CHUNK,
    Keys,
    LoadReport,
    Progress,
    batches,
    existing_rows,
    fresh_records,
    insert_rows,
    mentioned,
    record_with_collections,
)
from .loader_evidence import load_appearance_sentences, load_evidence_and_verdicts, load_source_versions
from .records import (
    Record,
    about,
    column_values,
    field_value,
    nested_records,
    raw_text,
    read_dataset,
    reference,
    slug,
    text,
    text_list,
)


def load_dataset(
    session: Session, path: Path, *, texts: Path | None = None, progress: Progress | None = None
) -> LoadReport:
    """Add what the dataset has and the database lacks. `texts`, a folder holding the files that
    sources name in `document`, archives those texts with the sources."""
    return load_records(session, read_dataset(path), texts=texts, progress=progress)


def load_records(
    session: Session,
    records: Mapping[str, Iterable[Record]],
    *,
    texts: Path | None = None,
    progress: Progress | None = None,
    index: bool = True,
    earlier: dict[str, set[Any]] | None = None,
) -> LoadReport:
    """Load the records of each section, in batches (see loader_bulk.batches); `progress` is told
    how many records each batch held. With `index`, each batch of new claims gets its sentence
    vectors (see services.vectors) in the same transaction; without the model, none. `earlier`
    carries, from one of a file's batches to the next (formats.Batches), the slugs they added."""
    report = LoadReport()
    tick = progress or (lambda _n: None)
    earlier = earlier if earlier is not None else {}
    actors, sources, claims, events = keys = (
        Keys(session, Actor, earlier.setdefault("actors", set())),
        Keys(session, Source, earlier.setdefault("sources", set())),
        Keys(session, Claim, earlier.setdefault("claims", set())),
        Keys(session, Event, earlier.setdefault("events", set())),
    )
    claims.nested = earlier.setdefault("evidence and verdicts", set())
    for batch in batches(records["actors"]):
        _load_actors(session, batch, actors, report)
        tick(len(batch))
    _load_sources(session, records["sources"], sources, report, texts, tick, index=index)
    tags = dict(session.execute(select(Tag.slug, Tag.id)).all())
    for batch in batches(records["claims"]):
        added = _load_claims(session, batch, actors, sources, claims, tags, report)
        if index:
            store_vectors(session, matching_texts(session, [claim_id for claim_id, _text in added]))
        tick(len(batch))
    for batch in batches(records["links"]):
        _load_links(session, batch, claims, report)
        tick(len(batch))
    for batch in batches(records["events"]):
        _load_events(session, batch, sources, events, report)
        tick(len(batch))
    # Last, as they name the quotes each earlier text held; a dataset from elsewhere may have none.
    for batch in batches(records.get("source_versions", ())):
        load_source_versions(session, batch, sources, claims, report)
        tick(len(batch))
    for batch in batches(records.get("appearance_sentences", ())):
        load_appearance_sentences(session, batch, sources, claims, report)
        tick(len(batch))
    for batch in batches(records.get("desk_statuses", ())):
        load_desk_statuses(session, batch, report)
        tick(len(batch))
    for batch in batches(records.get("desk", ())):
        load_desk(session, batch, claims, actors, report)
        tick(len(batch))
    if sum(report.added.values()) >= BATCH:  # the server's statistics are out of date once committed
        session.info[BULK_LOADED] = True
    for loaded in keys:
        loaded.earlier |= loaded.added | loaded.skipped
    return report


def _load_actors(session: Session, records: list[Record], actors: Keys, report: LoadReport) -> None:
    rows = [
        {"slug": slug(record), **column_values(record, ACTOR)}
        for record in fresh_records(records, actors, report, "actors")
    ]
    insert_rows(session, Actor, rows, actors.ids, report, "actors")


def _load_sources(
    session: Session,
    records: Iterable[Record],
    sources: Keys,
    report: LoadReport,
    texts: Path | None,
    tick: Callable[[int], None],
    *,
    index: bool,
) -> None:
    """New sources, batch by batch, then who republishes whom (an original may come later). With
    `index`, the claims already reviewed at a new source's URL get their vectors again: it is their
    review's page, and its title their headline (this load's own verdicts come later, with their
    claims' vectors)."""
    republishing: list[tuple[Record, str, str]] = []
    for batch in batches(records):
        rows: list[dict[str, Any]] = []
        urls: dict[str, tuple[str, Record]] = {}
        for record in fresh_records(batch, sources, report, "sources"):
            key = slug(record)
            url = field_value(record, SOURCE["url"])
            if url is not None and urls.setdefault(url, (key, record))[0] != key:
                raise record.fail(f"field 'url': source {urls[url][0]!r} in the dataset has the URL {url} already")
            rows.append(_source_row(record, key, url, texts))
            original = reference(record, "republishes")
            if original:  # kept without its text: only its place, for messages
                republishing.append((Record(record.file, record.section, record.index, {"slug": key}), key, original))
        # check_url_free is the rule; it is asked only about the URLs the database has (found here
        # in one query a chunk), so that a large load does not pay a query per source.
        listed = sorted(urls)
        for start in range(0, len(listed), CHUNK):
            for url in session.scalars(select(Source.url).where(Source.url.in_(listed[start : start + CHUNK]))):
                with about(urls[url or ""][1], "url"):
                    check_url_free(session, url)
        insert_rows(session, Source, rows, sources.ids, report, "sources")
        # A source's text is its first version, as `source add` keeps it (not counted apart).
        first = [
            {"source_id": row["id"], "number": 1, "text_sha256": row["text_sha256"], "size": text_size(row["text"])}
            for row in rows
            if row["text"] is not None
        ]
        insert_rows(session, SourceVersion, first, {}, LoadReport(), "source_versions")
        if index:
            refresh_reviewed(session, listed)
        tick(len(batch))
    if republishing:
        pairs = [
            (record, sources.ids[copy], sources.ids[sources.resolve(record, "republishes", first)])
            for record, copy, first in republishing
        ]
        session.execute(update(Source), [{"id": copy_id, "republishes_id": first_id} for _, copy_id, first_id in pairs])
        # Every pair is written first: a loop among them is then found from any of its pairs.
        for record, copy_id, first_id in pairs:
            with about(record, "republishes"):
                check_republishes(session, copy_id, first_id)


def _source_row(record: Record, key: str, url: str | None, texts: Path | None) -> dict[str, Any]:
    archived = raw_text(record, "text")
    if archived is not None:
        with about(record, "text"):
            check_length(archived, "text", MAX_ARCHIVED_TEXT)
    else:
        archived = _document_text(record, texts)
    archived = archived if archived and archived.strip() else None
    return {
        "slug": key,
        **column_values(record, SOURCE, skip=["url"]),
        "url": url,
        "text": archived,
        "text_sha256": hashlib.sha256(archived.encode("utf-8")).hexdigest() if archived else None,
    }


def _document_text(record: Record, texts: Path | None) -> str | None:
    """The text of the file a source's `document` names, which must be inside the `texts` folder."""
    document = text(record, "document", SOURCE["document"].label, MAX_NAME)
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
    actors: Keys,
    sources: Keys,
    claims: Keys,
    tags: dict[str, int],
    report: LoadReport,
) -> list[tuple[int, str]]:
    """A batch of claims, with their tags, appearances, evidence and verdicts; `tags` are the
    tags' ids, kept from batch to batch. Returns the new claims' ids and texts."""
    nested = [item for record in records for part in ("evidence", "verdicts") for item in nested_records(record, part)]
    data = [record.data for record in records]
    actors.look_up(mentioned(data, "claimant") | mentioned(nested, "speaker", "reviewer"))
    sources.look_up(mentioned(data, "stated_in", "appearances") | mentioned(nested, "source"))
    new_claims, tag_rows, appearance_rows, new_tags = [], [], [], []
    for record in fresh_records(records, claims, report, "claims"):
        key = slug(record)
        row = {
            "slug": key,
            **column_values(record, CLAIM),
            "claimant_id": actors.id(record, "claimant"),
            "stated_in_id": sources.id(record, "stated_in"),
        }
        for name in text_list(record, "tags", CLAIM["tags"].label):
            tag = slugify(name)
            if tag not in tags:
                tags[tag] = -1  # made below
                new_tags.append({"slug": tag, "name": name})
            tag_rows.append((key, tag))
        new_claims.append(row)
    tag_ids: dict[str, int] = {tag: id_ for tag, id_ in tags.items() if id_ != -1}
    insert_rows(session, Tag, new_tags, tag_ids, report, "tags")
    tags.update(tag_ids)
    added_ids = insert_rows(session, Claim, new_claims, claims.ids, report, "claims", recorded=False)
    tagged = [(claims.ids[claim], tag_ids[tag]) for claim, tag in dict.fromkeys(tag_rows)]
    if tagged:
        session.execute(insert(claim_tags), [{"claim_id": claim, "tag_id": tag} for claim, tag in tagged])
    # Appearances of every claim in the file, new or already there: a review may name new places
    # where a known claim appeared.
    for record in records:
        for ref in text_list(record, "appearances", "appearance"):
            appearance_rows.append((claims.ids[slug(record)], sources.ids[sources.resolve(record, "appearances", ref)]))
    have = existing_rows(
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
    record_with_collections(session, "claims", new_claims, {"tags": tagged, "appearances": fresh})
    load_evidence_and_verdicts(session, records, actors, sources, claims, report)
    return [(claim_id, str(row["text"])) for claim_id, row in zip(added_ids, new_claims, strict=True)]


def _load_links(session: Session, records: list[Record], claims: Keys, report: LoadReport) -> None:
    claims.look_up(reference(record, end) or "" for record in records for end in ("from", "to"))
    planned = []
    for record in records:
        first, second = claims.id(record, "from", required=True), claims.id(record, "to", required=True)
        relation = field_value(record, LINK["relation"])
        with about(record, "to"):
            check_link(first, second, reference(record, "from"))  # type: ignore[arg-type]
        planned.append((record, (first, second, relation)))
    # What the database has (earlier batches of this load included) for the links' first claims.
    existing = existing_rows(
        session,
        (ClaimLink.from_claim_id, ClaimLink.to_claim_id, ClaimLink.relation),
        ClaimLink.from_claim_id,
        sorted({key[0] for _record, key in planned}),  # type: ignore[misc]
    )
    rows = []
    for record, key in planned:
        if key in existing:
            report.skipped["links"] += 1
            continue
        existing.add(key)
        first, second, relation = key
        rows.append(
            {
                "from_claim_id": first,
                "to_claim_id": second,
                "relation": relation,
                "note": field_value(record, LINK["note"]),
                "created_at": utcnow(),
            }
        )
    insert_rows(session, ClaimLink, rows, {}, report, "links")


def _load_events(session: Session, records: list[Record], sources: Keys, events: Keys, report: LoadReport) -> None:
    rows, links = [], []
    for record in fresh_records(records, events, report, "events"):
        key = slug(record)
        row = {"slug": key, **column_values(record, EVENT)}
        links += [(key, sources.resolve(record, "sources", ref)) for ref in text_list(record, "sources", "source")]
        rows.append(row)
    insert_rows(session, Event, rows, events.ids, report, "events", recorded=False)
    pairs = [(events.ids[event], sources.ids[source]) for event, source in dict.fromkeys(links)]
    if pairs:
        session.execute(insert(event_sources), [{"event_id": event, "source_id": source} for event, source in pairs])
    record_with_collections(session, "events", rows, {"sources": pairs})
