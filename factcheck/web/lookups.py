"""Read-only lookups the web pages need and the services do not give yet: a source's archived
text with its quotes' stored offsets, the events recorded by a claim's sources, and a claim's
ClaimReview documents. Each costs a few small queries; they belong in the services (and the
ClaimReview export could take the claims to export) once another command needs them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from ..models import Claim, Event, Evidence, Source, event_sources
from ..services.common import get


def archived_text(session: Session, ref: str | int) -> tuple[str | None, dict[int, tuple[int, int]]]:
    """A source's archived text and, for each of its quotes anchored in it, (start, end)."""
    source = get(session, Source, ref, options=(undefer(Source.text),))
    rows = session.execute(
        select(Evidence.id, Evidence.start_offset, Evidence.end_offset).where(
            Evidence.source_id == source.id, Evidence.start_offset.is_not(None), Evidence.end_offset.is_not(None)
        )
    )
    offsets = {evidence_id: (start, end) for evidence_id, start, end in rows if start is not None and end is not None}
    return source.text, offsets


def events_for_sources(session: Session, source_slugs: list[str]) -> list[dict[str, Any]]:
    """The dated events that any of these sources records, oldest first."""
    if not source_slugs:
        return []
    recorded = (
        select(event_sources.c.event_id)
        .join(Source, Source.id == event_sources.c.source_id)
        .where(Source.slug.in_(source_slugs))
    )
    events = session.scalars(
        select(Event).where(Event.id.in_(recorded), Event.occurred_on.is_not(None)).order_by(Event.occurred_on)
    )
    return [
        {"slug": event.slug, "title": event.title, "description": event.description, "occurred_on": event.occurred_on}
        for event in events
    ]


def claim_reviews(session: Session, claim_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The ClaimReview JSON-LD of these claims, by claim id, exactly as `factcheck export --format
    claimreview` writes it: a few small queries, whatever the size of the database."""
    from ..interchange.claimreview import CLAIM_ID
    from ..interchange.claimreview_write import export_claimreview

    rows = session.execute(select(Claim.slug, Claim.id).where(Claim.id.in_(claim_ids)))
    ids = {slug: claim_id for slug, claim_id in rows}
    reviews: dict[int, list[dict[str, Any]]] = {claim_id: [] for claim_id in claim_ids}
    for review in export_claimreview(session, claim_ids):
        reviews[ids[review["itemReviewed"]["@id"].removeprefix(CLAIM_ID)]].append(review)
    return reviews
