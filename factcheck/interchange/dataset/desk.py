"""The desk's work in a dataset: the statuses a desk added (`desk_statuses`), and for each claim
whose work has begun its status, assignee, publications and corrections (`desk`). Both are written
only when there is something to write, so a dataset without desk work reads as it always did; an
import restores them for claims the database has not begun work on, and skips the others."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ...errors import FactcheckError
from ...models import (
    DEFAULT_STATUSES,
    NEW_STATUS,
    PUBLISHED_STATUS,
    Actor,
    ActorKind,
    Claim,
    Correction,
    DeskStatus,
    Publication,
)
from ...publication_lock import PUBLISHING
from .loader_bulk import Keys, LoadReport
from .records import Record, nested_records, text

PAGE = 500

# --- export -------------------------------------------------------------------------------------


def desk_sections(session: Session, claim_ids: Sequence[int] | None) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
    """The statuses the desk added, and the desk's work on the claims (all, or `claim_ids`)."""
    added = session.scalars(
        select(DeskStatus).where(DeskStatus.name.not_in(list(DEFAULT_STATUSES))).order_by(DeskStatus.id)
    ).all()
    if added:
        yield "desk_statuses", iter([{"name": status.name, "open": status.open} for status in added])
    begun = or_(
        Claim.status != NEW_STATUS,
        Claim.assignee_id.is_not(None),
        Claim.id.in_(select(Publication.claim_id)),
    )
    chunks = [None] if claim_ids is None else [claim_ids[i : i + PAGE] for i in range(0, len(claim_ids), PAGE)]
    found = (
        claim
        for chunk in chunks
        for claim in session.scalars(
            select(Claim).where(begun, *(() if chunk is None else (Claim.id.in_(chunk),))).order_by(Claim.id)
        )
    )
    first = next(found, None)
    if first is not None:
        yield "desk", _desk_records(session, [first], found)


def _desk_records(session: Session, head: list[Claim], rest: Iterator[Claim]) -> Iterator[dict[str, Any]]:
    page = head
    while page:
        ids = [claim.id for claim in page]
        members = {claim.assignee_id for claim in page} - {None}
        slugs = dict(session.execute(select(Actor.id, Actor.slug).where(Actor.id.in_(members))).all())
        publications: dict[int, list[Publication]] = {}
        for publication in session.scalars(
            select(Publication).where(Publication.claim_id.in_(ids)).order_by(Publication.number)
        ):
            publications.setdefault(publication.claim_id, []).append(publication)
        numbers = {p.id: p.number for kept in publications.values() for p in kept}
        corrections: dict[int, list[Correction]] = {}
        for correction in session.scalars(
            select(Correction).where(Correction.claim_id.in_(ids)).order_by(Correction.number)
        ):
            corrections.setdefault(correction.claim_id, []).append(correction)
        for claim in page:
            record = {
                "claim": claim.slug,
                "status": claim.status,
                "status_note": claim.status_note,
                "assignee": slugs.get(claim.assignee_id) if claim.assignee_id is not None else None,
                "publications": [_publication(p) for p in publications.get(claim.id, [])],
                "corrections": [_correction(c, numbers[c.publication_id]) for c in corrections.get(claim.id, [])],
            }
            yield _compact(record)
        page = [claim for _, claim in zip(range(PAGE), rest, strict=False)]


def _publication(publication: Publication) -> dict[str, Any]:
    return _compact(
        {
            "number": publication.number,
            "published_at": publication.published_at.isoformat(),
            "published_by": publication.published_by,
            "version": publication.version,
            "unpublished_at": publication.unpublished_at.isoformat() if publication.unpublished_at else None,
            "unpublished_by": publication.unpublished_by,
            "unpublish_reason": publication.unpublish_reason,
        }
    )


def _correction(correction: Correction, publication: int) -> dict[str, Any]:
    return _compact(
        {
            "number": correction.number,
            "publication": publication,
            "note": correction.note,
            "changed": correction.changed,
            "at": correction.at.isoformat(),
            "by": correction.by,
        }
    )


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if value not in (None, "", [])}


# --- import -------------------------------------------------------------------------------------


def load_desk_statuses(session: Session, records: list[Record], report: LoadReport) -> None:
    """The statuses a desk added: those the database lacks are added, the others skipped."""
    from ...services.desk import add_status

    known = set(session.scalars(select(DeskStatus.name)))
    for record in records:
        name = text(record, "name", "the status name", required=True)
        assert name is not None
        if not isinstance(record.data.get("open"), bool):
            raise record.fail("field 'open' must be true (claims with it are in work) or false")
        if name in known:
            report.skipped["desk_statuses"] += 1
            continue
        try:
            add_status(session, name, closed=not record.data["open"])
        except FactcheckError as error:  # the one rule for a status's name
            raise record.fail(f"field 'name': {error}") from None
        known.add(name)
        report.added["desk_statuses"] += 1


def load_desk(session: Session, records: list[Record], claims: Keys, actors: Keys, report: LoadReport) -> None:
    """Each claim's status, assignee, publications and corrections, for the claims whose work has
    not begun in the database (new, unassigned, never published); the others are skipped."""
    claims.look_up({r.data["claim"] for r in records if isinstance(r.data.get("claim"), str)})
    actors.look_up({r.data["assignee"] for r in records if isinstance(r.data.get("assignee"), str)})
    known = set(session.scalars(select(DeskStatus.name)))
    for record in records:
        claim_id = claims.id(record, "claim", required=True)
        claim = session.get(Claim, claim_id)
        assert claim is not None
        published_before = session.scalar(select(Publication.id).where(Publication.claim_id == claim.id).limit(1))
        if claim.status != NEW_STATUS or claim.assignee_id is not None or published_before is not None:
            report.skipped["desk"] += 1
            continue
        status = text(record, "status", "the status", required=True)
        if status not in known:
            raise record.fail(f"field 'status': unknown status {status!r}: allowed: {', '.join(sorted(known))}")
        assignee_id = actors.id(record, "assignee")
        if assignee_id is not None and session.get(Actor, assignee_id).kind != ActorKind.PERSON:  # type: ignore[union-attr]
            raise record.fail("field 'assignee': claims are assigned to desk members, actors of kind person")
        publications = [_load_publication(record, item, claim.id) for item in nested_records(record, "publications")]
        live = publications and publications[-1].unpublished_at is None
        if (status == PUBLISHED_STATUS) != bool(live):
            raise record.fail(
                "field 'status': a claim is published exactly when its last publication is not unpublished"
            )
        session.add_all(publications)
        session.flush()
        by_number = {p.number: p.id for p in publications}
        for item in nested_records(record, "corrections"):
            session.add(_load_correction(record, item, claim.id, by_number))
        session.info[PUBLISHING] = True  # as publishing does: into `published`
        try:
            claim.status, claim.status_note, claim.assignee_id = (
                status,
                text(record, "status_note", "the note"),
                assignee_id,
            )
            session.flush()
        finally:
            session.info[PUBLISHING] = False
        report.added["desk"] += 1


def _moment(record: Record, data: dict[str, Any], name: str, *, required: bool = False) -> dt.datetime | None:
    value = data.get(name)
    if value is None and not required:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise record.fail(f"field {name!r}: {str(value)[:40]!r} is not an ISO 8601 date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _number(record: Record, data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise record.fail(f"field {name!r} must be a whole number from 1")
    return value


def _load_publication(record: Record, data: dict[str, Any], claim_id: int) -> Publication:
    if not isinstance(data.get("version"), dict):
        raise record.fail("field 'version' of a publication must be a mapping (text, verdicts, evidence)")
    return Publication(
        claim_id=claim_id,
        number=_number(record, data, "number"),
        published_at=_moment(record, data, "published_at", required=True),
        published_by=_text(record, data, "published_by"),
        version=data["version"],
        unpublished_at=_moment(record, data, "unpublished_at"),
        unpublished_by=_text(record, data, "unpublished_by"),
        unpublish_reason=_text(record, data, "unpublish_reason"),
    )


def _load_correction(record: Record, data: dict[str, Any], claim_id: int, publications: dict[int, int]) -> Correction:
    publication = _number(record, data, "publication")
    if publication not in publications:
        raise record.fail(f"a correction names publication {publication}, which the record does not hold")
    changed = data.get("changed")
    if not isinstance(changed, list) or not all(isinstance(item, str) for item in changed):
        raise record.fail("field 'changed' of a correction must be a list of texts")
    return Correction(
        claim_id=claim_id,
        number=_number(record, data, "number"),
        publication_id=publications[publication],
        note=_text(record, data, "note", required=True),
        changed=changed,
        at=_moment(record, data, "at", required=True),
        by=_text(record, data, "by"),
    )


def _text(record: Record, data: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    """A text field of a record's publication or correction."""
    return text(Record(record.file, record.section, record.index, data), name, f"the {name}", required=required)
