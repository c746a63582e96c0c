"""Evidence: excerpts of sources that bear on claims, with their stance and speaker."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, undefer

from ..errors import InvalidInput, NotFound
from ..models import Actor, Claim, Evidence, QuoteStatus, Source, Stance
from .common import choice, get, optional_text, required_text
from .quotes import anchor_quote


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
            "authors": list(source.authors or []),
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
    return {
        "slug": source.slug,
        "title": source.title,
        "publisher": source.publisher,
        "authors": list(source.authors or []),
        "published_on": source.published_on,
        "url": source.url,
    }


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
    allow_unverified: bool = False,
) -> Evidence:
    """Link what a source says to a claim. The quote is anchored in the source's archived text:
    a quote that is not there is refused unless `allow_unverified` (then it is kept as
    `not-found`); without archived text it stays `unverified`."""
    stance_value = choice(Stance, stance, "stance")
    quote_text = required_text(quote, "quote")
    cited = get(session, Source, source, options=(joinedload(Source.republishes), undefer(Source.text)))
    anchor = anchor_quote(cited.text, quote_text, prefix=prefix, suffix=suffix)
    if anchor.status is QuoteStatus.NOT_FOUND and not allow_unverified:
        closest = f"; the closest passage ({anchor.score:g}% alike) reads {anchor.passage!r}" if anchor.passage else ""
        raise InvalidInput(
            f"quote not found in the archived text of source {cited.slug!r}{closest}: "
            "correct the quote, or pass --allow-unverified to record it as not-found"
        )
    row = Evidence(
        claim=get(session, Claim, claim),
        source=cited,
        stance=stance_value,
        quote=quote_text,
        prefix=anchor.prefix or prefix or None,
        suffix=anchor.suffix or suffix or None,
        start_offset=anchor.start,
        end_offset=anchor.end,
        speaker=get(session, Actor, speaker) if speaker else None,
        locator=optional_text(locator),
        note=optional_text(note),
        quote_status=anchor.status,
    )
    session.add(row)
    session.flush()
    return row


def verify_quotes(session: Session, source: str | int | None = None) -> dict[str, Any]:
    """Re-anchor every quote (of one source, or all) in the archived texts as they are now, and
    record what changed. Returns the changes and a count of quotes by status."""
    query = select(Evidence).options(joinedload(Evidence.source).undefer(Source.text), joinedload(Evidence.claim))
    if source is not None:
        query = query.where(Evidence.source_id == get(session, Source, source).id)
    changes: list[dict[str, Any]] = []
    totals: dict[str, int] = {status.value: 0 for status in QuoteStatus}
    for row in session.scalars(query.order_by(Evidence.source_id, Evidence.id)):
        anchor = anchor_quote(
            row.source.text,
            row.quote,
            prefix=row.prefix,
            suffix=row.suffix,
            start=row.start_offset,
            end=row.end_offset,
        )
        totals[anchor.status.value] += 1
        moved = (anchor.start, anchor.end) != (row.start_offset, row.end_offset) and anchor.start is not None
        if anchor.status is row.quote_status and not moved:
            continue
        changes.append(
            {
                "evidence": row.id,
                "claim": row.claim.slug,
                "source": row.source.slug,
                "before": row.quote_status.value,
                "after": anchor.status.value,
                "start": anchor.start,
                "end": anchor.end,
                "passage": anchor.passage,
                "score": anchor.score,
            }
        )
        row.quote_status = anchor.status
        if anchor.start is not None:
            row.start_offset, row.end_offset = anchor.start, anchor.end
            row.prefix, row.suffix = anchor.prefix, anchor.suffix
    session.flush()
    return {"changed": changes, "totals": totals}


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
