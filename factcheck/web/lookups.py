"""Read-only lookups the web pages need and the services do not give yet: a source's archived
text with its quotes' stored offsets, the events recorded by a claim's sources, and a claim's
ClaimReview documents. Each is one small query; they belong in the services (and the ClaimReview
export could take a claim to export) once another command needs them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from ..models import Event, Evidence, Revision, Source, event_sources
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


def claim_reviews(session: Session, slug: str, text: str) -> list[dict[str, Any]]:
    """The ClaimReview JSON-LD of one claim, exactly as `factcheck export --format claimreview`
    writes it: the export's own output, kept until the database next changes (every change adds a
    revision), so that a page costs one small query while nothing changes."""
    version = session.scalar(select(func.max(Revision.id)))
    key = (str(session.get_bind().engine.url), version)
    with _lock:
        reviews = _reviews.get(key)
    if reviews is None:
        from ..interchange.claimreview import export_claimreview

        reviews = _Reviews()
        for review in export_claimreview(session):
            item_id = (review.get("itemReviewed") or {}).get("@id")
            if item_id:  # the export names each claim by an id that ends in its slug
                reviews.by_slug.setdefault(str(item_id).rpartition(":claim:")[2], []).append(review)
            reviews.by_text.setdefault(review.get("claimReviewed"), []).append(review)
        with _lock:
            _reviews.clear()  # one version of one database at a time: memory stays flat
            _reviews[key] = reviews
    if reviews.by_slug:
        return reviews.by_slug.get(slug, [])
    return reviews.by_text.get(text, [])


@dataclass
class _Reviews:
    by_slug: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    by_text: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)


_lock = threading.Lock()
_reviews: dict[tuple[str, int | None], _Reviews] = {}
