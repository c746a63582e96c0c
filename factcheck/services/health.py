"""`db check`: is the database whole, consistent, and are its quotes sound?"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ..models import (
    Actor,
    Claim,
    ClaimLink,
    Evidence,
    QuoteStatus,
    Source,
    Tag,
    Verdict,
    claim_appearances,
    claim_tags,
    event_sources,
)


def check_database(session: Session) -> dict[str, Any]:
    """Problems (which make the check fail) and notes (worth a look), with quote statuses."""
    problems: list[str] = []
    notes: list[str] = []
    if session.get_bind().dialect.name == "sqlite":
        integrity = [row[0] for row in session.connection().exec_driver_sql("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems += [f"integrity: {line}" for line in integrity]
        for table, rowid, parent, _ in session.connection().exec_driver_sql("PRAGMA foreign_key_check"):
            problems.append(f"foreign key: {table} row {rowid} points to a missing {parent} row")
        from ..search import index_problems

        problems += index_problems(session)

    first, second = aliased(Claim), aliased(Claim)
    dangling = session.scalars(
        select(ClaimLink.id)
        .outerjoin(first, first.id == ClaimLink.from_claim_id)
        .outerjoin(second, second.id == ClaimLink.to_claim_id)
        .where((first.id.is_(None)) | (second.id.is_(None)))
    ).all()
    problems += [f"dangling link {link}: one of its claims is gone" for link in dangling]

    unused_sources = session.scalars(
        select(Source.slug).where(
            Source.id.not_in(select(Evidence.source_id)),
            Source.id.not_in(select(Claim.stated_in_id).where(Claim.stated_in_id.is_not(None))),
            Source.id.not_in(select(claim_appearances.c.source_id)),
            Source.id.not_in(select(event_sources.c.source_id)),
            Source.id.not_in(select(Source.republishes_id).where(Source.republishes_id.is_not(None))),
        )
    ).all()
    notes += [f"source {slug} is cited by nothing" for slug in unused_sources]
    unused_actors = session.scalars(
        select(Actor.slug).where(
            Actor.id.not_in(select(Claim.claimant_id).where(Claim.claimant_id.is_not(None))),
            Actor.id.not_in(select(Evidence.speaker_id).where(Evidence.speaker_id.is_not(None))),
            Actor.id.not_in(select(Verdict.reviewer_id).where(Verdict.reviewer_id.is_not(None))),
        )
    ).all()
    notes += [f"actor {slug} neither claims, speaks nor reviews" for slug in unused_actors]
    unused_tags = session.scalars(select(Tag.slug).where(Tag.id.not_in(select(claim_tags.c.tag_id)))).all()
    notes += [f"tag {slug} is on no claim" for slug in unused_tags]
    bare = session.scalar(select(func.count()).where(Claim.id.not_in(select(Evidence.claim_id))))
    if bare:
        notes.append(f"{bare} claims have no evidence yet")

    statuses = {status.value: 0 for status in QuoteStatus}
    for status, count in session.execute(select(Evidence.quote_status, func.count()).group_by(Evidence.quote_status)):
        statuses[status.value] = count
    if statuses[QuoteStatus.NOT_FOUND.value]:
        notes.append(f"{statuses['not-found']} quotes are not in their source's archived text: see `factcheck verify`")
    return {"ok": not problems, "problems": problems, "notes": notes, "quotes": statuses}
