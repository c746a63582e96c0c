"""Evidence: excerpts of sources that bear on claims, with their stance and speaker."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..errors import NotFound
from ..models import Actor, Claim, Evidence, QuoteStatus, Source, Stance
from .common import choice, get, optional_text, required_text


def evidence_view(row: Evidence) -> dict[str, Any]:
    source = row.source
    return {
        "id": row.id,
        "stance": row.stance.value,
        "quote": row.quote,
        "prefix": row.prefix,
        "suffix": row.suffix,
        "start": row.start_offset,
        "end": row.end_offset,
        "speaker": {"slug": row.speaker.slug, "name": row.speaker.name, "role": row.speaker.role}
        if row.speaker
        else None,
        "source": {
            "slug": source.slug,
            "title": source.title,
            "publisher": source.publisher,
            "published_on": source.published_on,
            "url": source.url,
            "republishes": _original(source.republishes),
        },
        "locator": row.locator,
        "quote_status": row.quote_status.value,
        "note": row.note,
    }


def _original(source: Source | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {"slug": source.slug, "title": source.title, "publisher": source.publisher,
            "published_on": source.published_on}


def event_date(source: Source) -> str:
    """The date a source speaks for: a republication carries its original's date."""
    original = source.republishes
    return (original.published_on if original else None) or source.published_on or ""


def add_evidence(
    session: Session,
    claim: str | int,
    source: str | int,
    *,
    stance: str,
    quote: str,
    speaker: str | int | None = None,
    locator: str | None = None,
    prefix: str | None = None,
    suffix: str | None = None,
    note: str | None = None,
) -> Evidence:
    """Link what a source says to a claim. Without archived text, the quote stays `unverified`."""
    stance_value = choice(Stance, stance, "stance")
    quote_text = required_text(quote, "quote")
    row = Evidence(
        claim=get(session, Claim, claim),
        source=get(session, Source, source, options=(joinedload(Source.republishes),)),
        stance=stance_value,
        quote=quote_text,
        prefix=prefix or None,
        suffix=suffix or None,
        speaker=get(session, Actor, speaker) if speaker else None,
        locator=optional_text(locator),
        note=optional_text(note),
        quote_status=QuoteStatus.UNVERIFIED,
    )
    session.add(row)
    session.flush()
    return row


def list_evidence(
    session: Session, *, claim: str | int | None = None, source: str | int | None = None
) -> list[dict[str, Any]]:
    query = select(Evidence).options(
        joinedload(Evidence.source).joinedload(Source.republishes),
        joinedload(Evidence.speaker),
        joinedload(Evidence.claim),
    )
    if claim is not None:
        query = query.where(Evidence.claim_id == get(session, Claim, claim).id)
    if source is not None:
        query = query.where(Evidence.source_id == get(session, Source, source).id)
    rows = session.scalars(query.order_by(Evidence.claim_id, Evidence.id))
    return [{**evidence_view(row), "claim": row.claim.slug} for row in rows]


def delete_evidence(session: Session, evidence_id: int) -> Evidence:
    row = session.get(Evidence, evidence_id)
    if row is None:
        raise NotFound(f"no evidence with id {evidence_id}: see `factcheck evidence list`")
    session.delete(row)
    session.flush()
    return row
