"""The desk's work on claims: statuses (a vocabulary the desk extends), assignment to a desk
member, publication with its corrections, the queue of claims in work, and the desk's figures.

Every change is an ordinary write of a claim or of a row beside it, so the history records it (who,
when, from, to) and `restore` can take it back. What a publication freezes, and how a published
claim may still change, is the publication lock's (factcheck/publication_lock.py)."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..errors import Conflict, InvalidInput
from ..models import (
    PUBLISHED_STATUS,
    Actor,
    ActorKind,
    Claim,
    DeskStatus,
    Evidence,
    Publication,
    Tag,
    Verdict,
    claim_tags,
    utcnow,
)
from ..publication_lock import PUBLISHING
from .common import get, optional_text, required_text
from .desk_views import member_slugs

STATUS_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
MAX_STATUS = 40
QUEUE_LIMIT = 50  # claims `queue` lists unless told


# --- statuses -----------------------------------------------------------------------------------


def statuses(session: Session) -> list[dict[str, Any]]:
    """The desk's statuses in the order they were made, each with how many claims have it."""
    counts = dict(session.execute(select(Claim.status, func.count()).group_by(Claim.status)).all())
    return [
        {"name": status.name, "open": status.open, "claims": counts.get(status.name, 0)}
        for status in session.scalars(select(DeskStatus).order_by(DeskStatus.id))
    ]


def add_status(session: Session, name: str, *, closed: bool = False) -> DeskStatus:
    """Add a status to the desk's vocabulary: open (claims in work) unless `closed`."""
    name = name.strip()
    if not STATUS_NAME.fullmatch(name) or len(name) > MAX_STATUS:
        raise InvalidInput(
            f"bad status name {name[:60]!r}: use lowercase letters, digits and single hyphens, "
            f"starting with a letter (at most {MAX_STATUS} characters)"
        )
    if session.scalar(select(DeskStatus.id).where(DeskStatus.name == name)) is not None:
        raise Conflict(f"the desk has a status {name!r} already: see `factcheck desk statuses`")
    status = DeskStatus(name=name, open=not closed)
    session.add(status)
    session.flush()
    return status


def _known_status(session: Session, name: str) -> DeskStatus:
    found = session.scalar(select(DeskStatus).where(DeskStatus.name == name.strip()))
    if found is None:
        known = ", ".join(session.scalars(select(DeskStatus.name).order_by(DeskStatus.id)))
        raise InvalidInput(
            f"unknown status {name.strip()[:60]!r}: allowed: {known} (add one with `desk statuses --add`)"
        )
    return found


# --- a claim's status, assignee and publication -------------------------------------------------


def set_status(session: Session, ref: str | int, status: str, *, note: str | None = None) -> Claim:
    """Move a claim to another status, with a note of why (both in its history)."""
    claim = get(session, Claim, ref)
    wanted = _known_status(session, status).name
    if wanted == claim.status:
        raise Conflict(f"claim {claim.slug} is {wanted} already: give another status")
    if wanted == PUBLISHED_STATUS:
        raise Conflict(f"a claim becomes {PUBLISHED_STATUS} by publishing it, which freezes what was published")
    if claim.status == PUBLISHED_STATUS:
        raise Conflict(f"claim {claim.slug} is published: unpublish it, with the reason, to move it on")
    claim.status, claim.status_note = wanted, optional_text(note, "the status note")
    session.flush()
    return claim


def assign(session: Session, ref: str | int, actor: str | int | None) -> tuple[Claim, Actor | None]:
    """Assign a claim to a desk member (an actor of kind person), or with None, to nobody; returns
    the claim and the member."""
    claim = get(session, Claim, ref)
    member = None if actor is None else get(session, Actor, actor)
    if member is not None and member.kind != ActorKind.PERSON:
        raise InvalidInput(
            f"{member.slug} is {'an' if member.kind.value[0] in 'aeiou' else 'a'} {member.kind.value}: "
            "claims are assigned to desk members, actors of kind person"
        )
    if (member.id if member else None) == claim.assignee_id:
        who = f"assigned to {member.slug}" if member else "unassigned"
        raise Conflict(f"claim {claim.slug} is {who} already")
    claim.assignee_id = member.id if member else None
    session.flush()
    return claim, member


def publish(session: Session, ref: str | int) -> tuple[Claim, Publication]:
    """Publish a claim: its status becomes `published`, and its text, current verdicts and evidence
    are frozen as the published version, changed from then on only by corrections."""
    from .claims import current_verdicts

    claim = _locked(session, get(session, Claim, ref))
    if claim.status == PUBLISHED_STATUS:
        raise Conflict(f"claim {claim.slug} is published already: correct it with a correction note")
    # Read under the lock, and from the database (this session's own changes flushed first): what
    # a claim loaded earlier in the session holds may be out of date.
    rated = session.scalars(
        select(Verdict).where(Verdict.claim_id == claim.id).options(joinedload(Verdict.reviewer)).order_by(Verdict.id)
    ).all()
    cited = session.scalars(
        select(Evidence)
        .where(Evidence.claim_id == claim.id)
        .options(joinedload(Evidence.source), joinedload(Evidence.speaker))
        .order_by(Evidence.id)
    ).all()
    verdicts = current_verdicts(sorted(rated, key=lambda v: v.id, reverse=True))
    if not verdicts:
        raise Conflict(f"claim {claim.slug} has no verdict: rate it before publishing it")
    number = session.scalar(select(func.max(Publication.number)).where(Publication.claim_id == claim.id)) or 0
    version = {  # what the lock freezes (publication_lock.FROZEN_*), as readers were shown it
        "text": claim.text,
        "verdicts": [
            {
                "id": v.id,
                "rating": v.rating.value,
                "label": v.textual_rating,
                "rationale": v.rationale,
                "reviewer": v.reviewer.slug if v.reviewer else None,
                "reviewed_on": v.reviewed_on,
            }
            for v in verdicts
        ],
        "evidence": [
            {
                "id": e.id,
                "source": e.source.slug,
                "stance": e.stance.value,
                "quote": e.quote,
                "speaker": e.speaker.slug if e.speaker else None,
                "locator": e.locator,
                "note": e.note,
            }
            for e in cited
        ],
    }
    publication = Publication(claim_id=claim.id, number=number + 1, published_at=utcnow(), version=version)
    publication.published_by = session.info.get("by")
    session.add(publication)
    _moved_by_publishing(session, claim, PUBLISHED_STATUS)
    return claim, publication


def unpublish(session: Session, ref: str | int, reason: str) -> tuple[Claim, Publication]:
    """Take a claim's publication back, saying why: it returns to `in-progress` and may change freely."""
    claim = _locked(session, get(session, Claim, ref))
    reason = required_text(reason, "the reason for unpublishing")
    publication = session.scalar(
        select(Publication).where(Publication.claim_id == claim.id).order_by(Publication.number.desc()).limit(1)
    )
    if claim.status != PUBLISHED_STATUS or publication is None:
        raise Conflict(f"claim {claim.slug} is not published (it is {claim.status})")
    publication.unpublished_at, publication.unpublished_by = utcnow(), session.info.get("by")
    publication.unpublish_reason = reason
    _moved_by_publishing(session, claim, "in-progress")
    return claim, publication


def _locked(session: Session, claim: Claim) -> Claim:
    """The claim with its status read again under a row lock (PostgreSQL: another writer publishing
    it waits for this transaction, then sees what it did; SQLite's writers take turns already)."""
    session.refresh(claim, ["status"], with_for_update=True)
    return claim


def _moved_by_publishing(session: Session, claim: Claim, status: str) -> None:
    session.info[PUBLISHING] = True
    try:
        claim.status, claim.status_note = status, None
        session.flush()
    finally:
        session.info[PUBLISHING] = False


# --- the queue and the desk's figures -----------------------------------------------------------


def queue(
    session: Session,
    *,
    status: str | None = None,
    assignee: str | int | None = None,
    unassigned: bool = False,
    tag: str | None = None,
    limit: int = QUEUE_LIMIT,
) -> dict[str, Any]:
    """Claims in work (an open status, or the one given), oldest first, with their evidence counts
    and current ratings: the first `limit`, and how many there are in all."""
    from .claim_lists import newest_ratings

    status, tag = (status or "").strip() or None, (tag or "").strip() or None  # blank: no filter
    assignee = None if assignee is None or not str(assignee).strip() else assignee
    if assignee is not None and unassigned:
        raise InvalidInput("give an assignee or ask for the unassigned claims, not both")
    if limit < 1:
        raise InvalidInput(f"the limit must be a whole number from 1, not {limit}")
    query = select(Claim)
    if status is not None:
        query = query.where(Claim.status == _known_status(session, status).name)
    else:
        query = query.where(Claim.status.in_(select(DeskStatus.name).where(DeskStatus.open)))
    if assignee is not None:
        query = query.where(Claim.assignee_id == get(session, Actor, assignee).id)
    elif unassigned:
        query = query.where(Claim.assignee_id.is_(None))
    if tag is not None:
        tag_id = get(session, Tag, tag).id
        query = query.where(Claim.id.in_(select(claim_tags.c.claim_id).where(claim_tags.c.tag_id == tag_id)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    claims = session.scalars(query.order_by(Claim.created_at, Claim.id).limit(limit)).all()
    ids = [claim.id for claim in claims]
    evidence = dict(
        session.execute(
            select(Evidence.claim_id, func.count()).where(Evidence.claim_id.in_(ids)).group_by(Evidence.claim_id)
        ).all()
    )
    ratings = newest_ratings(session, ids)
    names = member_slugs(session, [claim.assignee_id for claim in claims])
    rows = [
        {
            "id": claim.id,
            "slug": claim.slug,
            "text": claim.text,
            "status": claim.status,
            "assignee": names.get(claim.assignee_id) if claim.assignee_id is not None else None,
            "opened": claim.created_at.isoformat(),
            "evidence": evidence.get(claim.id, 0),
            "rating": ratings[claim.id].value if claim.id in ratings else None,
        }
        for claim in claims
    ]
    return {"total": total, "claims": rows}


def since_date(text: str | None) -> dt.datetime | None:
    """The moment a date (2026, 2026-12 or 2026-12-01) begins, in UTC."""
    from ..dates import parse_partial_date

    day = parse_partial_date(text)
    if day is None:
        return None
    year, month, date = (int(part) for part in (day.split("-") + ["1", "1"])[:3])
    return dt.datetime(year, month, date, tzinfo=dt.UTC)


def desk_stats(session: Session, *, since: dt.datetime | None = None) -> dict[str, Any]:
    """The figures a desk editor reports: claims opened and published (since `since`), the median
    days from a claim's opening to its first publication, and the backlog by status and assignee.
    The database does the counting and the arithmetic: a few rows come back, and one number a claim."""
    opened = select(func.count()).select_from(Claim)
    first = (
        select(Publication.claim_id, func.min(Publication.published_at).label("at"))
        .group_by(Publication.claim_id)
        .subquery()
    )
    waited = select(_days_between(session, Claim.created_at, first.c.at)).join(first, first.c.claim_id == Claim.id)
    if since is not None:
        opened = opened.where(Claim.created_at >= since)
        waited = waited.where(first.c.at >= since)
    days = [float(days) for days in session.scalars(waited)]  # PostgreSQL counts them in decimals
    in_work = select(DeskStatus.name).where(DeskStatus.open)
    by_status = dict(session.execute(select(Claim.status, func.count()).group_by(Claim.status)).all())
    by_member = session.execute(
        select(Claim.assignee_id, func.count()).where(Claim.status.in_(in_work)).group_by(Claim.assignee_id)
    ).all()
    slugs = member_slugs(session, [member for member, _count in by_member])
    by_assignee = [(slugs.get(member) if member is not None else None, count) for member, count in by_member]
    return {
        "since": since.isoformat() if since else None,
        "opened": session.scalar(opened) or 0,
        "published": len(days),
        "median_days_to_publish": round(statistics.median(days), 2) if days else None,
        "backlog": {
            "by_status": {name: by_status.get(name, 0) for name in session.scalars(in_work.order_by(DeskStatus.id))},
            "by_assignee": {slug or "(unassigned)": count for slug, count in sorted(by_assignee, key=_assignee_order)},
        },
    }


def _days_between(session: Session, earlier: Any, later: Any) -> Any:
    """Days from one moment to another, worked out by the database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400
    return func.julianday(later) - func.julianday(earlier)


def _assignee_order(row: Any) -> tuple[bool, str]:
    return (row[0] is None, row[0] or "")
