"""Evidence: excerpts of sources that bear on claims, with their stance and speaker."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, object_session, undefer

from ..errors import Conflict, InvalidInput, NotFound, Remedy
from ..models import Actor, Claim, Evidence, QuoteStatus, Source, SourceVersion
from .captures import default_locator, has_scans, layouts, moment_url, place_quotes, position
from .common import get
from .fields import EVIDENCE
from .quotes import Anchor, anchor_quote
from .views import EvidenceView, OriginalSource


def evidence_view(row: Evidence) -> EvidenceView:
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
        "page": row.page,
        "page_label": row.page_label,
        "media_time": row.media_time,
        "place": default_locator({"page": row.page, "page_label": row.page_label, "media_time": row.media_time}),
        "moment_url": moment_url(source.url, row.media_time),
        "quote_status": row.quote_status.value,
        # The version of the source's text since which a quote found in an earlier one is missing.
        "orphaned_since": _orphaned_since(row),
        "note": row.note,
    }


def _orphaned_since(row: Evidence) -> int | None:
    """Only a quote not found now can be orphaned: asked only then (one query), so that showing a
    claim costs no more queries than before while its quotes hold."""
    session = object_session(row)
    if row.quote_status is not QuoteStatus.NOT_FOUND or session is None:
        return None
    last = found_before(session, row.source_id).get(row.id)
    return None if last is None else last + 1


def found_before(session: Session, source_id: int) -> dict[int, int]:
    """Evidence id → the newest earlier version of the source's text it was found in."""
    found: dict[int, int] = {}
    rows = session.execute(
        select(SourceVersion.number, SourceVersion.quotes)
        .where(SourceVersion.source_id == source_id, SourceVersion.quotes.is_not(None))
        .order_by(SourceVersion.number)
    )
    for number, quotes in rows:
        for evidence_id in quotes or {}:
            found[int(evidence_id)] = number
    return found


def orphaned_quotes(session: Session, source_id: int) -> list[dict[str, Any]]:
    """The quotes of a source found in an earlier version of its text but not in the current one,
    each with the version since which it is missing."""
    found = found_before(session, source_id)
    if not found:
        return []
    rows = session.execute(
        select(Evidence.id, Claim.slug, Source.slug, Evidence.quote)
        .join(Claim, Claim.id == Evidence.claim_id)
        .join(Source, Source.id == Evidence.source_id)
        .where(Evidence.source_id == source_id, Evidence.quote_status == QuoteStatus.NOT_FOUND)
        .order_by(Evidence.id)
    )
    return [
        {"evidence": id_, "claim": claim, "source": source, "quote": quote, "orphaned_since": found[id_] + 1}
        for id_, claim, source, quote in rows
        if id_ in found
    ]


def _original(source: Source | None) -> OriginalSource | None:
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


@dataclass(frozen=True)
class CheckedQuote:
    """A quote anchored in a source's archived text as that text was when read (`text_sha256`).
    Anchoring a long quote in a long text takes time, so it is done before the write transaction,
    and add_evidence uses the result only while the text is unchanged."""

    source_id: int
    text_sha256: str | None
    quote: str
    prefix: str | None
    suffix: str | None
    anchor: Anchor


def check_quote(
    session: Session, source: str | int, quote: str, *, prefix: str | None = None, suffix: str | None = None
) -> CheckedQuote:
    """Anchor `quote` in the archived text of `source` (reads only)."""
    quote_text = EVIDENCE["quote"].check(quote)
    prefix, suffix = EVIDENCE["prefix"].check(prefix), EVIDENCE["suffix"].check(suffix)
    cited = get(session, Source, source, options=(undefer(Source.text),))
    anchor = anchor_quote(cited.text, quote_text, prefix=prefix, suffix=suffix)
    return CheckedQuote(cited.id, cited.text_sha256, quote_text, prefix, suffix, anchor)


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
    checked: CheckedQuote | None = None,
) -> Evidence:
    """Link what a source says to a claim. The quote is anchored in the source's archived text:
    a quote that is not there is refused unless `allow_unverified` (then it is kept as
    `not-found`); without archived text it stays `unverified`. `checked` is the anchoring done
    beforehand by check_quote; without it, the quote is anchored here."""
    given = {"stance": stance, "quote": quote, "prefix": prefix, "suffix": suffix, "locator": locator, "note": note}
    values = EVIDENCE.checked(given)
    stance_value, quote_text, prefix, suffix = values["stance"], values["quote"], values["prefix"], values["suffix"]
    cited = get(session, Source, source, options=(joinedload(Source.republishes),))
    if checked is None:
        checked = check_quote(session, cited.id, quote_text, prefix=prefix, suffix=suffix)
    elif (checked.source_id, checked.quote, checked.prefix, checked.suffix) != (cited.id, quote_text, prefix, suffix):
        raise InvalidInput("the quote was checked against another source or with other words")
    elif checked.text_sha256 != cited.text_sha256:
        raise Conflict(
            f"the archived text of source {cited.slug!r} changed while the quote was being checked: "
            "nothing was written; add the evidence again"
        )
    anchor = checked.anchor
    layout = layouts(session, {cited.id}).get(cited.id)
    placed = position(layout, anchor.start)
    if anchor.status is QuoteStatus.NOT_FOUND and not allow_unverified:
        closest = f"; the closest passage ({anchor.score:g}% alike) reads {anchor.passage!r}" if anchor.passage else ""
        scans = (layout or {}).get("pages_without_text", [])
        unread = f" (its pages {', '.join(map(str, scans[:10]))} have no text: a scan?)" if scans else ""
        raise InvalidInput(
            f"quote not found in the archived text of source {cited.slug!r}{unread}{closest}: "
            "correct the quote, or record it as " + ("unverified" if scans else "not-found"),
            remedy=Remedy.ALLOW_UNVERIFIED,
        )
    if anchor.status is QuoteStatus.NOT_FOUND and has_scans(layout):
        anchor = Anchor(QuoteStatus.UNVERIFIED)  # it may stand on a page with no text to check it in
    row = Evidence(
        claim=get(session, Claim, claim),
        source=cited,
        stance=stance_value,
        quote=quote_text,
        prefix=anchor.prefix or prefix,
        suffix=anchor.suffix or suffix,
        start_offset=anchor.start,
        end_offset=anchor.end,
        speaker=get(session, Actor, speaker) if speaker else None,
        locator=values["locator"] or default_locator(placed),
        note=values["note"],
        quote_status=anchor.status,
        **placed,
    )
    session.add(row)
    session.flush()
    return row


@dataclass
class QuoteCheck:
    """The quotes of one source re-anchored in its archived text as read (`text_sha256`): what
    changed, the count of quotes by status, and the rows to update."""

    source_id: int
    source: str
    text_sha256: str | None
    changed: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=lambda: {status.value: 0 for status in QuoteStatus})
    updates: list[dict[str, Any]] = field(default_factory=list)
    # Checked against a text not yet archived: the source's text when read, and every quote as it
    # was then (replace_text uses the check only if neither changed since).
    stored_sha256: str | None = None
    seen: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    scanned: bool = False  # the text has pages without text (a scan): a quote not found may be there


def sources_to_verify(session: Session, source: str | int | None = None) -> list[int]:
    """The ids of the sources whose quotes `verify` re-checks: the one given, or every one cited."""
    if source is not None:
        return [get(session, Source, source).id]
    return list(session.scalars(select(Evidence.source_id).distinct().order_by(Evidence.source_id)))


# Quotes of one source read at once by check_source_quotes: a source quoted a million times is
# checked a page at a time, as plain rows rather than ORM objects.
CHECK_PAGE = 1000


def check_source_quotes(
    session: Session, source_id: int, text: str | None = None, layout: dict[str, Any] | None = None
) -> QuoteCheck:
    """Re-anchor every quote of one source in its archived text as it is now, or in `text`, a
    text about to replace it whose layout is `layout` (reads only). The text is read once; the
    quotes a page at a time."""
    cited = session.execute(select(Source.slug, Source.text, Source.text_sha256).where(Source.id == source_id)).one()
    against = cited.text if text is None else text
    sha256 = cited.text_sha256 if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()
    if text is None:
        layout = layouts(session, {source_id}).get(source_id)
    check = QuoteCheck(source_id, cited.slug, sha256, stored_sha256=cited.text_sha256, scanned=has_scans(layout))
    quotes = (
        select(
            Evidence.id,
            Evidence.quote,
            Evidence.prefix,
            Evidence.suffix,
            Evidence.start_offset,
            Evidence.end_offset,
            Evidence.quote_status,
            Claim.slug.label("claim"),
        )
        .join(Claim, Claim.id == Evidence.claim_id)
        .where(Evidence.source_id == source_id)
        .order_by(Evidence.id)
        .limit(CHECK_PAGE)
    )
    last = 0
    while rows := session.execute(quotes.where(Evidence.id > last)).all():
        for row in rows:
            _check_quote(check, against, row)
        last = rows[-1].id
    return check


def _check_quote(check: QuoteCheck, against: str | None, row: Any) -> None:
    """Anchor one quote (a row of check_source_quotes) and note what changed."""
    check.seen[row.id] = quote_state(row)
    anchor = anchor_quote(
        against, row.quote, prefix=row.prefix, suffix=row.suffix, start=row.start_offset, end=row.end_offset
    )
    if anchor.status is QuoteStatus.NOT_FOUND and check.scanned and row.quote_status is QuoteStatus.UNVERIFIED:
        anchor = Anchor(QuoteStatus.UNVERIFIED)  # recorded as on a page with no text, which has none still
    check.totals[anchor.status.value] += 1
    moved = (anchor.start, anchor.end) != (row.start_offset, row.end_offset) and anchor.start is not None
    if anchor.status is row.quote_status and not moved:
        return
    check.changed.append(
        {
            "evidence": row.id,
            "claim": row.claim,
            "source": check.source,
            "before": row.quote_status.value,
            "after": anchor.status.value,
            "start": anchor.start,
            "end": anchor.end,
            "passage": anchor.passage,
            "score": anchor.score,
        }
    )
    update: dict[str, Any] = {"id": row.id, "quote": row.quote, "quote_status": anchor.status}
    if anchor.start is not None:
        update.update(start_offset=anchor.start, end_offset=anchor.end, prefix=anchor.prefix, suffix=anchor.suffix)
    check.updates.append(update)


def quote_state(row: Any) -> tuple[Any, ...]:
    """What anchoring a quote depends on, to tell whether a check made earlier still holds (of an
    Evidence, or a row with its columns)."""
    return (row.quote, row.prefix, row.suffix, row.start_offset, row.end_offset, row.quote_status)


def record_quote_check(session: Session, check: QuoteCheck) -> None:
    """Write what check_source_quotes found, if the source's text is still the one it read.
    Evidence deleted or re-quoted since then is left alone."""
    cited = session.get(Source, check.source_id)
    if cited is None or cited.text_sha256 != check.text_sha256:
        raise Conflict(
            f"the archived text of source {check.source!r} changed while its quotes were being checked: "
            "the sources before it were saved; verify it again"
        )
    for update in check.updates:
        row = session.get(Evidence, update["id"])
        if row is None or row.quote != update["quote"]:
            continue
        for name, value in update.items():
            if name not in ("id", "quote"):
                setattr(row, name, value)
    place_quotes(session, check.source_id)
    session.flush()


def verify_quotes(session: Session, source: str | int | None = None) -> dict[str, Any]:
    """Re-anchor every quote (of one source, or all) in the archived texts as they are now, and
    record what changed, in one transaction. Returns the changes and a count of quotes by status.
    (The CLI checks outside the write transaction and writes source by source instead.)"""
    changes: list[dict[str, Any]] = []
    totals: dict[str, int] = {status.value: 0 for status in QuoteStatus}
    for source_id in sources_to_verify(session, source):
        check = check_source_quotes(session, source_id)
        record_quote_check(session, check)
        changes.extend(check.changed)
        for status, count in check.totals.items():
            totals[status] += count
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
