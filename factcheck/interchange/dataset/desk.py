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
from ...services.desk_views import member_slugs
from .loader_bulk import Keys, LoadReport
from .records import Record, compact, nested_records, text

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
        for claim in session.scalars(  # a page of claims in memory at a time
            select(Claim)
            .where(begun, *(() if chunk is None else (Claim.id.in_(chunk),)))
            .order_by(Claim.id)
            .execution_options(yield_per=PAGE)
        )
    )
    first = next(found, None)
    if first is not None:
        yield "desk", _desk_records(session, [first], found)


def _desk_records(session: Session, head: list[Claim], rest: Iterator[Claim]) -> Iterator[dict[str, Any]]:
    page = head
    while page:
        ids = [claim.id for claim in page]
        slugs = member_slugs(session, [claim.assignee_id for claim in page])
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
                "opened": claim.created_at.isoformat(),
                "status": claim.status,
                "status_note": claim.status_note,
                "assignee": slugs.get(claim.assignee_id) if claim.assignee_id is not None else None,
                "publications": [_publication(p) for p in publications.get(claim.id, [])],
                "corrections": [_correction(c, numbers[c.publication_id]) for c in corrections.get(claim.id, [])],
            }
            yield compact(record)
        page = [claim for _, claim in zip(range(PAGE), rest, strict=False)]


def _publication(publication: Publication) -> dict[str, Any]:
    return compact(
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
    return compact(
        {
            "number": correction.number,
            "publication": publication,
            "note": correction.note,
            "changed": correction.changed,
            "at": correction.at.isoformat(),
            "by": correction.by,
        }
    )


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
    not begun in the database (new, unassigned, never published); the others are skipped. A record
    must tell one consistent story: publications numbered in order, each but the last unpublished
    (with its reason, after it was published), the claim published exactly when the last is not
    and then rated, each correction after the publication it names; nothing in the future."""
    from ...models import Verdict

    claims.look_up({r.data["claim"] for r in records if isinstance(r.data.get("claim"), str)})
    actors.look_up({r.data["assignee"] for r in records if isinstance(r.data.get("assignee"), str)})
    known = set(session.scalars(select(DeskStatus.name)))
    for record in records:
        claim = session.get(Claim, claims.id(record, "claim", required=True))
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
        opened = _moment(record, record.data, "opened")
        if opened is None and record.data.get("publications"):
            raise record.fail("field 'opened' is needed with publications: when the claim's work began")
        publications = _publications(record, claim.id, opened)
        live = bool(publications) and publications[-1].unpublished_at is None
        if (status == PUBLISHED_STATUS) != live:
            raise record.fail(
                "field 'status': a claim is published exactly when its last publication is not unpublished"
            )
        if live and session.scalar(select(Verdict.id).where(Verdict.claim_id == claim.id).limit(1)) is None:
            raise record.fail("field 'status': a claim with no verdict cannot be published")
        session.add_all(publications)
        session.flush()
        for correction in _corrections(record, claim.id, publications):
            session.add(correction)
        session.info[PUBLISHING] = True  # as publishing does: into `published`
        try:
            claim.status, claim.assignee_id = status, assignee_id
            claim.status_note = text(record, "status_note", "the status note")
            if opened is not None:
                claim.created_at = opened
            session.flush()
        finally:
            session.info[PUBLISHING] = False
        report.added["desk"] += 1


def _publications(record: Record, claim_id: int, opened: dt.datetime | None) -> list[Publication]:
    found: list[Publication] = []
    for index, data in enumerate(nested_records(record, "publications")):
        part = Record(record.file, f"{record.where} publications", index, data)
        version = data.get("version")
        _plain_texts(part, "version", version)
        if not isinstance(version, dict) or not isinstance(version.get("text"), str):
            raise part.fail(
                "field 'version' must be a mapping with the claim's text as published (text, verdicts, evidence)"
            )
        publication = Publication(
            claim_id=claim_id,
            number=_number(part, "number"),
            published_at=_moment(part, data, "published_at", required=True, after=opened),
            published_by=text(part, "published_by", "who published it"),
            version=version,
            unpublished_at=None,
            unpublished_by=text(part, "unpublished_by", "who unpublished it"),
            unpublish_reason=text(part, "unpublish_reason", "the reason for unpublishing"),
        )
        publication.unpublished_at = _moment(part, data, "unpublished_at", after=publication.published_at)
        taken_back = (publication.unpublished_at, publication.unpublish_reason, publication.unpublished_by)
        if (taken_back[0] is None) != (taken_back[1] is None) or (taken_back[0] is None and taken_back[2]):
            raise part.fail("fields 'unpublished_at' and 'unpublish_reason' come together: when and why")
        if publication.number != index + 1 or (found and found[-1].unpublished_at is None):
            raise part.fail("publications are numbered 1, 2, ... in order, and each but the last was unpublished")
        if found and publication.published_at < (found[-1].unpublished_at or publication.published_at):
            raise part.fail("a publication comes after the one before it was unpublished")
        found.append(publication)
    return found


def _corrections(record: Record, claim_id: int, publications: list[Publication]) -> list[Correction]:
    by_number = {publication.number: publication for publication in publications}
    found: list[Correction] = []
    for index, data in enumerate(nested_records(record, "corrections")):
        part = Record(record.file, f"{record.where} corrections", index, data)
        publication = by_number.get(_number(part, "publication"))
        if publication is None:
            raise part.fail("field 'publication' names no publication of this record")
        changed = data.get("changed")
        _plain_texts(part, "changed", changed)
        if not isinstance(changed, list) or not changed or not all(isinstance(item, str) for item in changed):
            raise part.fail("field 'changed' must be a list of texts: what the correction changed")
        correction = Correction(
            claim_id=claim_id,
            number=_number(part, "number"),
            publication_id=publication.id,
            note=text(part, "note", "the correction note", required=True),
            changed=changed,
            at=_moment(part, data, "at", required=True, after=publication.published_at),
            by=text(part, "by", "who corrected it"),
        )
        if correction.number != index + 1 or (found and correction.at < found[-1].at):
            raise part.fail("corrections are numbered 1, 2, ... in the order they were made")
        if publication.unpublished_at is not None and correction.at > publication.unpublished_at:
            raise part.fail("field 'at': a correction comes while its publication stands, before it was unpublished")
        found.append(correction)
    return found


def _plain_texts(record: Record, name: str, value: Any) -> None:
    """Every text in a field's value storable on both backends (no NUL, no lone surrogate)."""
    from ...services.common import checked_characters

    texts = [value]
    while texts:
        item = texts.pop()
        if isinstance(item, dict):
            texts += [*item, *item.values()]
        elif isinstance(item, list):
            texts += item
        elif isinstance(item, str):
            try:
                checked_characters(item, f"a text in field {name!r}")
            except FactcheckError as error:
                raise record.fail(str(error)) from None


EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def _moment(
    record: Record, data: dict[str, Any], name: str, *, required: bool = False, after: dt.datetime | None = None
) -> dt.datetime | None:
    """An ISO 8601 moment (UTC unless it says), from 1900 until now, not before `after`."""
    value = data.get(name)
    if value is None and not required:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise record.fail(f"field {name!r}: {str(value)[:40]!r} is not an ISO 8601 date and time") from None
    try:
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    except OverflowError:
        moment = dt.datetime.min.replace(tzinfo=dt.UTC)  # before the first moment UTC can tell
    if not EARLIEST <= moment <= dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
        raise record.fail(f"field {name!r}: {str(value)[:40]!r} is before 1900 or in the future")
    if after is not None and moment < after:
        raise record.fail(f"field {name!r}: {str(value)[:40]!r} is before {after.isoformat()}, which it follows")
    return moment


def _number(record: Record, name: str) -> int:
    value = record.data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**31:
        raise record.fail(f"field {name!r} must be a whole number from 1")
    return value
