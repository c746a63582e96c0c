"""The dataset format: human-editable YAML (or JSON) of actors, sources, claims (with their
evidence and verdicts), links and events; see seeds/README.md.

Loading is one transaction, checked in full before anything is written, and idempotent: records
whose natural key (slug; claim + source + quote for evidence; claim + rating + rationale + reviewer
for verdicts; from + relation + to for links) is already in the database are skipped. New rows go
in with executemany-style inserts, with their revisions, so large datasets load at bulk speed."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from ..dates import parse_partial_date
from ..errors import DatabaseProblem, FactcheckError, InvalidInput
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
from ..resources import bundled
from ..services.common import check_slug, choice, optional_text, required_text, slugify
from ..services.history import record_inserts
from ..services.quotes import anchor_quote

SECTIONS = ("actors", "sources", "claims", "links", "events")
FIELDS = {
    "actors": ("slug", "name", "kind", "role", "aliases"),
    "sources": (
        "slug",
        "title",
        "kind",
        "publisher",
        "authors",
        "url",
        "archive_url",
        "published_on",
        "accessed_on",
        "language",
        "republishes",
        "note",
        "document",
        "text",
    ),
    "claims": (
        "slug",
        "text",
        "claimant",
        "stated_on",
        "stated_in",
        "appearances",
        "tags",
        "language",
        "note",
        "evidence",
        "verdicts",
    ),
    "evidence": ("source", "stance", "quote", "prefix", "suffix", "speaker", "locator", "note"),
    "verdicts": (
        "rating",
        "rationale",
        "textual_rating",
        "reviewer",
        "review_url",
        "reviewed_on",
        "rating_value",
        "best_rating",
        "worst_rating",
    ),
    "links": ("from", "relation", "to", "note"),
    "events": ("slug", "title", "description", "occurred_on", "sources"),
}
REQUIRED = {
    "actors": ("slug", "name"),
    "sources": ("slug", "title"),
    "claims": ("slug", "text"),
    "evidence": ("source", "stance", "quote"),
    "verdicts": ("rating", "rationale"),
    "links": ("from", "relation", "to"),
    "events": ("slug", "title"),
}
CHUNK = 500  # rows per look-up of existing keys

Progress = Callable[[int], None]


def default_seeds_dir() -> Path:
    """The dataset that ships with factcheck: the December 2021 NATO-demands story."""
    return bundled("_seeds", "seeds", "claims.yaml")


@dataclass
class LoadReport:
    added: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, dict[str, int]]:
        kinds = [
            kind
            for kind in (*SECTIONS[:3], "evidence", "verdicts", *SECTIONS[3:])
            if kind in self.added or kind in self.skipped
        ]
        return {kind: {"added": self.added[kind], "skipped": self.skipped[kind]} for kind in kinds}


@dataclass
class Record:
    file: str
    section: str
    index: int
    data: dict[str, Any]

    @property
    def name(self) -> str:
        key = self.data.get("slug") or self.data.get("quote") or self.data.get("rating")
        label = f" {str(key)[:40]!r}" if key else ""
        return f"{self.file}: {self.section} #{self.index + 1}{label}"

    def fail(self, problem: str) -> InvalidInput:
        return InvalidInput(f"{self.name}: {problem}")


# --- reading ------------------------------------------------------------------------------------


def _parse(file: Path) -> Any:
    import yaml

    try:
        raw = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{file.name}: not UTF-8 text") from None
    except OSError as error:
        raise InvalidInput(f"cannot read {file}: {error.strerror}") from None
    if file.suffix.lower() == ".json":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as error:
            raise InvalidInput(f"{file.name}: not valid JSON at line {error.lineno}: {error.msg}") from None
    try:
        return yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}" if where else ""
        raise InvalidInput(f"{file.name}: not valid YAML{at}: {getattr(error, 'problem', error)}") from None


def read_dataset(path: Path) -> dict[str, list[Record]]:
    """Parse a dataset folder (its .yaml/.yml/.json files, in name order) or one file, and check
    its shape: every record a mapping of known fields with its required ones."""
    if path.is_dir():
        files = sorted(file for file in path.iterdir() if file.suffix.lower() in (".yaml", ".yml", ".json"))
    else:
        files = [path]
    if not files or not all(file.is_file() for file in files):
        raise InvalidInput(f"no dataset at {path}: give a folder of .yaml files or one .yaml/.json file")
    records: dict[str, list[Record]] = {section: [] for section in SECTIONS}
    for file in files:
        document = _parse(file)
        if document is not None:
            add_records(records, document, file.name)
    return records


def add_records(records: dict[str, list[Record]], document: Any, name: str) -> dict[str, list[Record]]:
    """Check the shape of one parsed dataset document (named `name` in errors) and add its records."""
    if not isinstance(document, dict) or not set(document) <= set(SECTIONS):
        raise InvalidInput(f"{name}: expected a mapping with the sections {', '.join(SECTIONS)}")
    for section, items in document.items():
        if not isinstance(items, list):
            raise InvalidInput(f"{name}: section {section!r} must be a list")
        for index, item in enumerate(items):
            record = Record(name, section, index, item)
            check_shape(record, section)
            for part in ("evidence", "verdicts") if section == "claims" else ():
                if not isinstance(item.get(part) or [], list):
                    raise record.fail(f"{part!r} must be a list")
                for number, nested in enumerate(item.get(part) or []):
                    check_shape(Record(name, f"{record.name} {part}", number, nested), part)
            records[section].append(record)
    return records


def check_shape(record: Record, kind: str) -> None:
    if not isinstance(record.data, dict):
        raise record.fail("expected a mapping of fields")
    unknown = set(record.data) - set(FIELDS[kind])
    if unknown:
        raise record.fail(f"unknown field {sorted(unknown)[0]!r}; allowed: {', '.join(FIELDS[kind])}")
    for name in REQUIRED[kind]:
        if record.data.get(name) in (None, ""):
            raise record.fail(f"missing required field {name!r}")


# --- loading ------------------------------------------------------------------------------------


def _value(record: Record, name: str, check: Callable[[Any], Any]) -> Any:
    """A field's value checked by `check`; a problem names the record and the field."""
    try:
        return check(record.data.get(name))
    except FactcheckError as error:
        raise record.fail(f"field {name!r}: {error}") from None


def _text_list(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput("expected a list")
    return [str(item).strip() for item in value if str(item).strip()]


def _number(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{value!r} is not a number") from None


class _Keys:
    """Natural keys → ids, for what is in the database and what this load adds."""

    def __init__(self, session: Session, model: Any) -> None:
        self.model = model
        self.ids: dict[str, int] = dict(session.execute(select(model.slug, model.id)).all())

    def resolve(self, record: Record, name: str, value: Any, *, planned: set[str] = frozenset()) -> str:  # type: ignore[assignment]
        slug = str(value).strip()
        if slug not in self.ids and slug not in planned:
            noun = self.model.__name__.lower()
            raise record.fail(f"field {name!r}: no {noun} {slug!r} in the database or the dataset")
        return slug


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

    # Actors.
    new_actors = []
    for record in _fresh(records["actors"], actors, report, "actors"):
        slug = _value(record, "slug", lambda v: check_slug(str(v)))
        new_actors.append(
            {
                "slug": slug,
                "name": _value(record, "name", lambda v: required_text(str(v), "name")),
                "kind": _value(record, "kind", lambda v: choice(ActorKind, v or "person", "actor kind")),
                "role": optional_text(record.data.get("role")),
                "aliases": _value(record, "aliases", _text_list),
            }
        )
    _insert(session, Actor, new_actors, actors.ids, report, "actors")

    # Sources, then who republishes whom.
    new_sources, republishing = [], []
    urls = dict(session.execute(select(Source.url, Source.slug).where(Source.url.is_not(None))).all())
    planned_sources = {str(r.data["slug"]) for r in records["sources"]}
    for record in _fresh(records["sources"], sources, report, "sources"):
        slug = _value(record, "slug", lambda v: check_slug(str(v)))
        url = optional_text(record.data.get("url"))
        if url and urls.setdefault(url, slug) != slug:
            raise record.fail(f"field 'url': source {urls[url]!r} already has the URL {url}")
        text = record.data.get("text")
        if text is None:
            text = _document_text(texts, record.data.get("document"))
        row = {
            "slug": slug,
            "title": _value(record, "title", lambda v: required_text(str(v), "title")),
            "kind": _value(record, "kind", lambda v: choice(SourceKind, v or "article", "source kind")),
            "publisher": optional_text(record.data.get("publisher")),
            "authors": _value(record, "authors", _text_list),
            "url": url,
            "archive_url": optional_text(record.data.get("archive_url")),
            "published_on": _value(record, "published_on", parse_partial_date),
            "accessed_on": _value(record, "accessed_on", parse_partial_date),
            "language": optional_text(record.data.get("language")),
            "note": optional_text(record.data.get("note")),
            "text": text,
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest() if text else None,
        }
        if record.data.get("republishes"):
            original = sources.resolve(record, "republishes", record.data["republishes"], planned=planned_sources)
            if original == slug:
                raise record.fail("field 'republishes': a source cannot republish itself")
            republishing.append((slug, original))
        new_sources.append(row)
    _insert(session, Source, new_sources, sources.ids, report, "sources")
    if republishing:
        session.execute(
            update(Source),
            [{"id": sources.ids[copy], "republishes_id": sources.ids[original]} for copy, original in republishing],
        )
    tick(len(new_actors) + len(new_sources))

    _load_claims(session, records["claims"], actors, sources, claims, report, tick)
    _load_links(session, records["links"], claims, report)
    _load_events(session, records["events"], sources, report)
    return report


def _fresh(records: list[Record], keys: _Keys, report: LoadReport, kind: str) -> Iterator[Record]:
    """The records whose slug is not in the database yet (nor earlier in the dataset)."""
    seen: set[str] = set()
    for record in records:
        slug = str(record.data["slug"]).strip()
        if slug in keys.ids:
            report.skipped[kind] += 1
        elif slug in seen:
            raise record.fail(f"slug {slug!r} appears twice in the dataset")
        else:
            seen.add(slug)
            yield record


def _insert(
    session: Session, model: Any, rows: list[dict[str, Any]], ids: dict[str, int], report: LoadReport, kind: str
) -> list[int]:
    """Insert rows in bulk, learn their ids, and record their revisions."""
    if not rows:
        return []
    # One executemany, then the ids back in insertion order: ids grow, and the write transaction
    # holds SQLite's write lock, so the new rows are exactly those above the old maximum.
    before = session.scalar(select(func.max(model.id))) or 0
    session.execute(insert(model.__table__), rows)  # Core executemany: no ORM bookkeeping
    new_ids = list(session.scalars(select(model.id).where(model.id > before).order_by(model.id)))
    if len(new_ids) != len(rows):
        raise DatabaseProblem(f"another writer added {model.__tablename__} during the import; nothing was written")
    for row, new_id in zip(rows, new_ids, strict=True):
        row["id"] = new_id
        if "slug" in row:
            ids[row["slug"]] = new_id
    record_inserts(session, model.__tablename__, [{k: v for k, v in row.items() if k != "text"} for row in rows])
    report.added[kind] += len(rows)
    return new_ids


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
        data = record.data
        row = {
            "slug": _value(record, "slug", lambda v: check_slug(str(v))),
            "text": _value(record, "text", lambda v: required_text(str(v), "claim text")),
            "language": optional_text(data.get("language")),
            "claimant_id": actors.ids[actors.resolve(record, "claimant", data["claimant"])]
            if data.get("claimant")
            else None,
            "stated_on": _value(record, "stated_on", parse_partial_date),
            "stated_in_id": sources.ids[sources.resolve(record, "stated_in", data["stated_in"])]
            if data.get("stated_in")
            else None,
            "note": optional_text(data.get("note")),
        }
        for name in _value(record, "tags", _text_list):
            slug = slugify(name)
            if slug not in tags:
                tags[slug] = -1  # made below
                new_tags.append({"slug": slug, "name": name})
            tag_rows.append((row["slug"], slug))
        for ref in _value(record, "appearances", _text_list):
            appearance_rows.append((row["slug"], sources.resolve(record, "appearances", ref)))
        new_claims.append(row)
    tag_ids: dict[str, int] = {slug: id_ for slug, id_ in tags.items() if id_ != -1}
    _insert(session, Tag, new_tags, tag_ids, report, "tags")
    _insert(session, Claim, new_claims, claims.ids, report, "claims")
    if tag_rows:
        session.execute(
            insert(claim_tags),
            [{"claim_id": claims.ids[claim], "tag_id": tag_ids[tag]} for claim, tag in dict.fromkeys(tag_rows)],
        )
    if appearance_rows:
        session.execute(
            insert(claim_appearances),
            [
                {"claim_id": claims.ids[claim], "source_id": sources.ids[source]}
                for claim, source in dict.fromkeys(appearance_rows)
            ],
        )
    tick(len(new_claims))

    # Evidence and verdicts of every claim in the dataset, new or already there.
    existing_ids = [claims.ids[str(r.data["slug"]).strip()] for r in records]
    have_evidence = _existing(
        session, (Evidence.claim_id, Evidence.source_id, Evidence.quote), Evidence.claim_id, existing_ids
    )
    have_verdicts = _existing(
        session,
        (Verdict.claim_id, Verdict.rating, Verdict.rationale, Verdict.reviewer_id),
        Verdict.claim_id,
        existing_ids,
    )
    texts = _source_texts(session, records, sources)
    evidence_rows, verdict_rows = [], []
    for record in records:
        claim_id = claims.ids[str(record.data["slug"]).strip()]
        for number, item in enumerate(record.data.get("evidence") or []):
            nested = Record(record.file, f"{record.name} evidence", number, item)
            row = _evidence_row(nested, claim_id, actors, sources)
            key = (claim_id, row["source_id"], row["quote"])
            if key in have_evidence:
                report.skipped["evidence"] += 1
                continue
            have_evidence.add(key)
            evidence_rows.append(row)
        for number, item in enumerate(record.data.get("verdicts") or []):
            nested = Record(record.file, f"{record.name} verdicts", number, item)
            row = _verdict_row(nested, claim_id, actors)
            key = (claim_id, row["rating"], row["rationale"], row["reviewer_id"])
            if key in have_verdicts:
                report.skipped["verdicts"] += 1
                continue
            have_verdicts.add(key)
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
        sources.ids[str(item["source"]).strip()]
        for record in records
        for item in record.data.get("evidence") or []
        if str(item.get("source", "")).strip() in sources.ids
    }
    texts: dict[int, str] = {}
    ids = sorted(cited)
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Source.id, Source.text).where(Source.id.in_(ids[start : start + CHUNK]), Source.text.is_not(None))
        )
        texts.update(dict(rows.all()))
    return texts


def _evidence_row(record: Record, claim_id: int, actors: _Keys, sources: _Keys) -> dict[str, Any]:
    data = record.data
    source_id = sources.ids[sources.resolve(record, "source", data["source"])]
    return {
        "claim_id": claim_id,
        "source_id": source_id,
        "stance": _value(record, "stance", lambda v: choice(Stance, v, "stance")),
        "quote": _value(record, "quote", lambda v: required_text(str(v), "quote")),
        "prefix": data.get("prefix") or None,
        "suffix": data.get("suffix") or None,
        "speaker_id": actors.ids[actors.resolve(record, "speaker", data["speaker"])] if data.get("speaker") else None,
        "locator": optional_text(data.get("locator")),
        "note": optional_text(data.get("note")),
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
    data = record.data
    return {
        "claim_id": claim_id,
        "rating": _value(record, "rating", lambda v: choice(Rating, v, "rating")),
        "rationale": _value(record, "rationale", lambda v: required_text(str(v), "rationale")),
        "textual_rating": optional_text(data.get("textual_rating")),
        "reviewer_id": actors.ids[actors.resolve(record, "reviewer", data["reviewer"])]
        if data.get("reviewer")
        else None,
        "review_url": optional_text(data.get("review_url")),
        "reviewed_on": _value(record, "reviewed_on", parse_partial_date),
        "rating_value": _value(record, "rating_value", _number),
        "best_rating": _value(record, "best_rating", _number),
        "worst_rating": _value(record, "worst_rating", _number),
        "created_at": utcnow(),
    }


def _load_links(session: Session, records: list[Record], claims: _Keys, report: LoadReport) -> None:
    existing = {
        tuple(row)
        for row in session.execute(select(ClaimLink.from_claim_id, ClaimLink.to_claim_id, ClaimLink.relation))
    }
    rows = []
    for record in records:
        first = claims.ids[claims.resolve(record, "from", record.data["from"])]
        second = claims.ids[claims.resolve(record, "to", record.data["to"])]
        relation = _value(record, "relation", lambda v: choice(Relation, v, "relation"))
        if first == second:
            raise record.fail("a claim cannot be linked to itself")
        if (first, second, relation) in existing:
            report.skipped["links"] += 1
            continue
        existing.add((first, second, relation))
        rows.append(
            {
                "from_claim_id": first,
                "to_claim_id": second,
                "relation": relation,
                "note": optional_text(record.data.get("note")),
                "created_at": utcnow(),
            }
        )
    _insert(session, ClaimLink, rows, {}, report, "links")


def _load_events(session: Session, records: list[Record], sources: _Keys, report: LoadReport) -> None:
    events = _Keys(session, Event)
    rows, links = [], []
    for record in _fresh(records, events, report, "events"):
        row = {
            "slug": _value(record, "slug", lambda v: check_slug(str(v))),
            "title": _value(record, "title", lambda v: required_text(str(v), "event title")),
            "description": optional_text(record.data.get("description")),
            "occurred_on": _value(record, "occurred_on", parse_partial_date),
        }
        links += [
            (row["slug"], sources.resolve(record, "sources", ref)) for ref in _value(record, "sources", _text_list)
        ]
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


def _document_text(texts: Path | None, document: str | None) -> str | None:
    if texts is None or not document:
        return None
    file = texts / document
    return file.read_text(encoding="utf-8") if file.is_file() else None


# --- writing ------------------------------------------------------------------------------------


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """Drop empty fields, so that exported files read like hand-written ones."""
    return {key: value for key, value in record.items() if value not in (None, "", [])}


def export_dataset(
    session: Session, *, claims: Iterable[str] | None = None, tags: Iterable[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The database (or the given claims and tagged claims, with everything they reference) as a
    dataset: the same sections and fields that `load_dataset` reads."""
    from sqlalchemy.orm import joinedload, selectinload

    from ..services.common import get

    subset = claims is not None or tags is not None
    query = (
        select(Claim)
        .order_by(Claim.id)
        .options(
            joinedload(Claim.claimant),
            joinedload(Claim.stated_in),
            selectinload(Claim.tags),
            selectinload(Claim.appearances),
            selectinload(Claim.evidence).options(joinedload(Evidence.source), joinedload(Evidence.speaker)),
            selectinload(Claim.verdicts).joinedload(Verdict.reviewer),
        )
    )
    if subset:
        wanted = {get(session, Claim, ref).id for ref in claims or []}
        tag_slugs = [slugify(tag) for tag in tags or []]
        if tag_slugs:
            wanted |= set(
                session.scalars(
                    select(claim_tags.c.claim_id)
                    .join(Tag, Tag.id == claim_tags.c.tag_id)
                    .where(Tag.slug.in_(tag_slugs))
                )
            )
        query = query.where(Claim.id.in_(wanted))
    claim_rows = session.scalars(query).all()
    claim_ids = {claim.id for claim in claim_rows}

    actor_ids: set[int] = set()
    source_ids: set[int] = set()
    for claim in claim_rows:
        actor_ids |= (
            {claim.claimant_id} | {e.speaker_id for e in claim.evidence} | {v.reviewer_id for v in claim.verdicts}
        )
        source_ids |= {claim.stated_in_id} | {s.id for s in claim.appearances} | {e.source_id for e in claim.evidence}
    actor_ids.discard(None)  # type: ignore[arg-type]
    source_ids.discard(None)  # type: ignore[arg-type]

    source_query = select(Source).options(joinedload(Source.republishes), _undefer_text()).order_by(Source.id)
    actor_query = select(Actor).order_by(Actor.id)
    if subset:
        originals = dict(session.execute(select(Source.id, Source.republishes_id)).all())
        frontier = set(source_ids)
        while frontier:  # originals of republications, and their originals
            frontier = {originals[i] for i in frontier if originals.get(i)} - source_ids
            source_ids |= frontier
        source_query = source_query.where(Source.id.in_(source_ids))  # only these texts are read
        actor_query = actor_query.where(Actor.id.in_(actor_ids))
    sources_out = session.scalars(source_query).all()
    actors_out = session.scalars(actor_query).all()

    links = session.scalars(
        select(ClaimLink)
        .options(joinedload(ClaimLink.from_claim), joinedload(ClaimLink.to_claim))
        .order_by(ClaimLink.id)
    ).all()
    events = session.scalars(select(Event).options(selectinload(Event.sources)).order_by(Event.id)).all()
    kept_sources = {source.id for source in sources_out}
    return {
        "actors": [
            _compact(
                {"slug": a.slug, "name": a.name, "kind": a.kind.value, "role": a.role, "aliases": list(a.aliases or [])}
            )
            for a in actors_out
        ],
        "sources": [_source_record(source) for source in sources_out],
        "claims": [_claim_record(claim) for claim in claim_rows],
        "links": [
            _compact(
                {
                    "from": link.from_claim.slug,
                    "relation": link.relation.value,
                    "to": link.to_claim.slug,
                    "note": link.note,
                }
            )
            for link in links
            if link.from_claim_id in claim_ids and link.to_claim_id in claim_ids
        ],
        "events": [
            _compact(
                {
                    "slug": event.slug,
                    "title": event.title,
                    "description": event.description,
                    "occurred_on": event.occurred_on,
                    "sources": sorted(s.slug for s in event.sources),
                }
            )
            for event in events
            if not subset or {s.id for s in event.sources} <= kept_sources
        ],
    }


def _undefer_text() -> Any:
    from sqlalchemy.orm import undefer

    return undefer(Source.text)


def _source_record(source: Source) -> dict[str, Any]:
    return _compact(
        {
            "slug": source.slug,
            "title": source.title,
            "kind": source.kind.value,
            "publisher": source.publisher,
            "authors": list(source.authors or []),
            "url": source.url,
            "archive_url": source.archive_url,
            "published_on": source.published_on,
            "accessed_on": source.accessed_on,
            "language": source.language,
            "republishes": source.republishes.slug if source.republishes else None,
            "note": source.note,
            "text": source.text,
        }
    )


def _claim_record(claim: Claim) -> dict[str, Any]:
    return _compact(
        {
            "slug": claim.slug,
            "text": claim.text,
            "claimant": claim.claimant.slug if claim.claimant else None,
            "stated_on": claim.stated_on,
            "stated_in": claim.stated_in.slug if claim.stated_in else None,
            "appearances": sorted(source.slug for source in claim.appearances),
            "tags": sorted(tag.name for tag in claim.tags),
            "language": claim.language,
            "note": claim.note,
            "evidence": [
                _compact(
                    {
                        "source": e.source.slug,
                        "stance": e.stance.value,
                        "quote": e.quote,
                        "prefix": e.prefix,
                        "suffix": e.suffix,
                        "speaker": e.speaker.slug if e.speaker else None,
                        "locator": e.locator,
                        "note": e.note,
                    }
                )
                for e in sorted(claim.evidence, key=lambda e: e.id)
            ],
            "verdicts": [
                _compact(
                    {
                        "rating": v.rating.value,
                        "rationale": v.rationale,
                        "textual_rating": v.textual_rating,
                        "reviewer": v.reviewer.slug if v.reviewer else None,
                        "review_url": v.review_url,
                        "reviewed_on": v.reviewed_on,
                        "rating_value": v.rating_value,
                        "best_rating": v.best_rating,
                        "worst_rating": v.worst_rating,
                    }
                )
                for v in sorted(claim.verdicts, key=lambda v: v.id)
            ],
        }
    )


def dump(document: dict[str, Any], format: str) -> str:
    """A dataset as YAML or JSON text."""
    if format == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: much faster
    return yaml.dump(document, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)
