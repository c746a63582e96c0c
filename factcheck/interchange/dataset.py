"""The dataset format: human-editable YAML files of actors, sources, claims (with their evidence
and verdicts), links and events. Loading is one transaction and idempotent: records whose natural
key (slug; claim+source+quote for evidence; claim+rating+rationale for verdicts; from+relation+to
for links) is already in the database are skipped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import FactcheckError, InvalidInput
from ..models import Actor, Claim, ClaimLink, Event, Evidence, Rating, Relation, Source, Verdict
from ..resources import bundled
from ..services import actors, claims, evidence, sources
from ..services.common import choice, get, required_text

SECTIONS = ("actors", "sources", "claims", "links", "events")
FIELDS = {
    "actors": {"slug", "name", "kind", "role", "aliases"},
    "sources": {
        "slug", "title", "kind", "publisher", "authors", "url", "archive_url", "published_on",
        "accessed_on", "language", "republishes", "note", "document",
    },
    "claims": {
        "slug", "text", "claimant", "stated_on", "stated_in", "appearances", "tags", "language", "note",
        "evidence", "verdicts",
    },
    "evidence": {"source", "stance", "quote", "prefix", "suffix", "speaker", "locator", "note"},
    "verdicts": {"rating", "rationale", "textual_rating", "reviewer", "review_url", "reviewed_on"},
    "links": {"from", "relation", "to", "note"},
    "events": {"slug", "title", "description", "occurred_on", "sources"},
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


def default_seeds_dir() -> Path:
    """The dataset that ships with factcheck: the December 2021 NATO-demands story."""
    return bundled("_seeds", "seeds", "claims.yaml")


@dataclass
class LoadReport:
    added: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, dict[str, int]]:
        kinds = list(dict.fromkeys([*self.added, *self.skipped]))
        return {kind: {"added": self.added[kind], "skipped": self.skipped[kind]} for kind in kinds}


@dataclass
class _Record:
    file: str
    section: str
    index: int
    data: dict[str, Any]

    @property
    def name(self) -> str:
        key = self.data.get("slug") or self.data.get("quote") or self.data.get("rating")
        label = f" {str(key)[:40]!r}" if key else ""
        return f"{self.file}: {self.section} #{self.index + 1}{label}"


def read_dataset(path: Path) -> dict[str, list[_Record]]:
    """Parse and check the shape of a dataset folder (or one file): every record a mapping with
    known fields and its required ones. Errors name the file, the record and the field."""
    import yaml

    files = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml")) if path.is_dir() else [path]
    if not files or not all(file.is_file() for file in files):
        raise InvalidInput(f"no dataset at {path}: give a folder of .yaml files or one .yaml/.json file")
    records: dict[str, list[_Record]] = {section: [] for section in SECTIONS}
    for file in files:
        try:
            document = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            where = getattr(error, "problem_mark", None)
            at = f" at line {where.line + 1}" if where else ""
            raise InvalidInput(f"{file.name}: not valid YAML{at}: {getattr(error, 'problem', error)}") from None
        if document is None:
            continue
        if not isinstance(document, dict) or not set(document) <= set(SECTIONS):
            raise InvalidInput(f"{file.name}: expected a mapping with the sections {', '.join(SECTIONS)}")
        for section, items in document.items():
            if not isinstance(items, list):
                raise InvalidInput(f"{file.name}: section {section!r} must be a list")
            for index, item in enumerate(items):
                record = _Record(file.name, section, index, item)
                _check_shape(record, section, item)
                for part in ("evidence", "verdicts") if section == "claims" else ():
                    for number, nested in enumerate(item.get(part) or []):
                        _check_shape(_Record(file.name, f"{record.name} {part}", number, nested), part, nested)
                records[section].append(record)
    return records


def _check_shape(record: _Record, kind: str, item: Any) -> None:
    if not isinstance(item, dict):
        raise InvalidInput(f"{record.name}: expected a mapping of fields")
    unknown = set(item) - FIELDS[kind]
    if unknown:
        raise InvalidInput(
            f"{record.name}: unknown field {sorted(unknown)[0]!r}; allowed: {', '.join(sorted(FIELDS[kind]))}"
        )
    for name in REQUIRED[kind]:
        if item.get(name) in (None, ""):
            raise InvalidInput(f"{record.name}: missing required field {name!r}")


@contextmanager
def _about(record: _Record) -> Iterator[None]:
    """Name the record in any error its values cause."""
    try:
        yield
    except FactcheckError as error:
        raise InvalidInput(f"{record.name}: {error}") from None


def _exists(session: Session, model: Any, slug: str) -> bool:
    return session.scalar(select(model.id).where(model.slug == str(slug))) is not None


def load_dataset(session: Session, path: Path, *, texts: Path | None = None) -> LoadReport:
    """Add what the dataset has and the database lacks. `texts`, a folder holding the files that
    sources name in `document`, archives those texts with the sources."""
    records = read_dataset(path)
    report = LoadReport()

    for record in records["actors"]:
        data = record.data
        with _about(record):
            if _exists(session, Actor, data["slug"]):
                report.skipped["actors"] += 1
                continue
            actors.add_actor(
                session, data["name"], kind=data.get("kind", "person"), role=data.get("role"),
                aliases=data.get("aliases"), slug=str(data["slug"]),
            )
            report.added["actors"] += 1

    new_sources: list[_Record] = []
    for record in records["sources"]:
        data = record.data
        with _about(record):
            if _exists(session, Source, data["slug"]):
                report.skipped["sources"] += 1
                continue
            text = _document_text(texts, data.get("document"))
            sources.add_source(
                session, data["title"], kind=data.get("kind", "article"), publisher=data.get("publisher"),
                authors=data.get("authors"), url=data.get("url"), archive_url=data.get("archive_url"),
                published_on=data.get("published_on"), accessed_on=data.get("accessed_on"),
                language=data.get("language"), note=data.get("note"), slug=str(data["slug"]), text=text,
            )
            new_sources.append(record)
            report.added["sources"] += 1
    for record in new_sources:  # after all sources exist, so a source may republish a later one
        if record.data.get("republishes"):
            with _about(record):
                sources.edit_source(session, record.data["slug"], republishes=record.data["republishes"])

    for record in records["claims"]:
        _load_claim(session, record, report)

    for record in records["links"]:
        data = record.data
        with _about(record):
            first, second = get(session, Claim, data["from"]), get(session, Claim, data["to"])
            relation = choice(Relation, data["relation"], "relation")
            found = session.scalar(
                select(ClaimLink.id).where(
                    ClaimLink.from_claim_id == first.id, ClaimLink.to_claim_id == second.id,
                    ClaimLink.relation == relation,
                )
            )
            if found is not None:
                report.skipped["links"] += 1
                continue
            claims.link_claims(session, first.id, relation.value, second.id, note=data.get("note"))
            report.added["links"] += 1

    for record in records["events"]:
        data = record.data
        with _about(record):
            if _exists(session, Event, data["slug"]):
                report.skipped["events"] += 1
                continue
            session.add(
                Event(
                    slug=str(data["slug"]),
                    title=required_text(data["title"], "event title"),
                    description=data.get("description"),
                    occurred_on=data.get("occurred_on"),
                    sources=[get(session, Source, ref) for ref in data.get("sources") or []],
                )
            )
            session.flush()
            report.added["events"] += 1
    return report


def _load_claim(session: Session, record: _Record, report: LoadReport) -> None:
    data = record.data
    with _about(record):
        if _exists(session, Claim, data["slug"]):
            claim = get(session, Claim, data["slug"])
            report.skipped["claims"] += 1
        else:
            claim = claims.add_claim(
                session, data["text"], claimant=data.get("claimant"), stated_on=data.get("stated_on"),
                stated_in=data.get("stated_in"), appearances=data.get("appearances"), tags=data.get("tags"),
                language=data.get("language"), note=data.get("note"), slug=str(data["slug"]),
                force=True,  # a dataset's claims are deliberate, however alike
            )
            report.added["claims"] += 1

    for number, item in enumerate(data.get("evidence") or []):
        nested = _Record(record.file, f"{record.name} evidence", number, item)
        with _about(nested):
            source = get(session, Source, item["source"])
            found = session.scalar(
                select(Evidence.id).where(
                    Evidence.claim_id == claim.id, Evidence.source_id == source.id,
                    Evidence.quote == str(item["quote"]).strip(),
                )
            )
            if found is not None:
                report.skipped["evidence"] += 1
                continue
            evidence.add_evidence(
                session, claim.id, source.id, stance=item["stance"], quote=str(item["quote"]),
                speaker=item.get("speaker"), locator=item.get("locator"), prefix=item.get("prefix"),
                suffix=item.get("suffix"), note=item.get("note"),
            )
            report.added["evidence"] += 1

    for number, item in enumerate(data.get("verdicts") or []):
        nested = _Record(record.file, f"{record.name} verdicts", number, item)
        with _about(nested):
            reviewer = get(session, Actor, item["reviewer"]) if item.get("reviewer") else None
            rating = choice(Rating, item["rating"], "rating")
            found = session.scalar(
                select(Verdict.id).where(
                    Verdict.claim_id == claim.id, Verdict.rating == rating,
                    Verdict.rationale == str(item["rationale"]).strip(),
                    Verdict.reviewer_id == (reviewer.id if reviewer else None),
                )
            )
            if found is not None:
                report.skipped["verdicts"] += 1
                continue
            claims.rate_claim(
                session, claim.id, rating.value, rationale=item["rationale"],
                reviewer=reviewer.id if reviewer else None, textual_rating=item.get("textual_rating"),
                review_url=item.get("review_url"), reviewed_on=item.get("reviewed_on"),
            )
            report.added["verdicts"] += 1


def _document_text(texts: Path | None, document: str | None) -> str | None:
    if texts is None or not document:
        return None
    file = texts / document
    if not file.is_file():
        return None
    return file.read_text(encoding="utf-8")
