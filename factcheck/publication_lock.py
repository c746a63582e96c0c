"""The publication lock: once the desk has published a claim (services/desk.publish), its text,
verdicts and evidence change only with a correction, a note that says what changed and why, which
is recorded and shown wherever the claim is.

Checked as each change is flushed, whichever door it came through (the CLI, the web view, a script,
import, restore), so that no path forgets it: db.session_scope installs `guard` on every session
that writes, and the bulk loader, which inserts around the ORM, calls `check` itself. A writer
gives its correction note as session.info[CORRECTION] (Database.write(correction=...)); only
publishing and unpublishing (session.info[PUBLISHING]) move a claim into or out of `published`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from .errors import Conflict, Remedy
from .models import PUBLISHED_STATUS, Claim, Correction, Evidence, Publication, Verdict, utcnow

CORRECTION = "correction"
CHUNK = 5000  # claim ids a query names at most
PUBLISHING = "publishing"

# What a publication freezes of a claim and of each piece of its evidence; every column of a verdict.
# (Whether a quote was found in its source, and where: its offsets, page, time and locator, are
# worked out again as the source's text changes.)
FROZEN_CLAIM = ("text",)
FROZEN_EVIDENCE = ("claim_id", "source_id", "stance", "quote", "speaker_id", "note")
CORRECTED = "corrected"  # session.info: the correction this transaction records, by publication


def guard(session: Session) -> None:
    """Check every flush of `session` against the publication lock (once, however many ask)."""
    if not event.contains(session, "before_flush", _before_flush):
        event.listen(session, "before_flush", _before_flush)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    changed: dict[int, list[str]] = {}

    def note(claim_id: int | None, what: str) -> None:
        if claim_id is not None:
            changed.setdefault(claim_id, []).append(what)

    for row in session.new:
        if isinstance(row, Claim) and row.status == PUBLISHED_STATUS and not session.info.get(PUBLISHING):
            raise Conflict(f"claim {row.slug}: a claim is published by publishing it, not made published")
        if isinstance(row, Evidence):
            note(_claim_of(row), f"evidence added: {row.stance}")
        elif isinstance(row, Verdict):
            note(_claim_of(row), f"verdict added: {row.rating}")
    for row in session.dirty:
        if not session.is_modified(row):
            continue
        if isinstance(row, Claim):
            _check_status(session, row)
            if _changed(row, FROZEN_CLAIM):
                note(row.id, "text")
        elif isinstance(row, Evidence) and _changed(row, FROZEN_EVIDENCE):
            for claim_id in _values(row, "claim_id"):
                note(claim_id, f"evidence {row.id} changed")
        elif isinstance(row, Verdict):
            for claim_id in _values(row, "claim_id"):
                note(claim_id, f"verdict {row.id} changed")
    for row in session.deleted:
        if isinstance(row, Claim) and _loaded(row, "status") == PUBLISHED_STATUS:
            raise Conflict(f"claim {row.slug} is published: unpublish it (with the reason) before deleting it")
        if isinstance(row, Evidence):
            note(row.claim_id, f"evidence {row.id} removed")
        elif isinstance(row, Verdict):
            note(row.claim_id, f"verdict {row.id} removed")
    if changed:
        with session.no_autoflush:
            check(session, changed)


def check(session: Session, changed: dict[int, list[str]]) -> None:
    """Refuse changes (what changed, by claim id) to published claims unless the session carries a
    correction note; with one, record a correction for each published claim among them."""
    ids = sorted(changed)
    published = {
        claim_id: (slug, publication_id)
        for start in range(0, len(ids), CHUNK)
        for claim_id, slug, publication_id in session.execute(
            select(Claim.id, Claim.slug, func.max(Publication.id))
            .join(Publication, Publication.claim_id == Claim.id)
            .where(Claim.id.in_(ids[start : start + CHUNK]), Claim.status == PUBLISHED_STATUS)
            .group_by(Claim.id, Claim.slug)
        )
    }
    if not published:
        return
    correction = session.info.get(CORRECTION)
    if correction is None:
        slug = sorted(slug for slug, _ in published.values())[0]
        raise Conflict(
            f"claim {slug} is published: its text, verdicts and evidence change only by a correction "
            "that says what changed and why (or unpublish it first, with the reason)",
            remedy=Remedy.CORRECTION,
        )
    # Correctors of one claim take turns (on PostgreSQL; SQLite's writers do already), so that the
    # corrections are numbered in the order they were made.
    session.execute(select(Claim.id).where(Claim.id.in_(sorted(published))).with_for_update())
    # One correction a publication a transaction: a later flush adds what it changed to the one made
    # already, unless a savepoint rolled that back (it is no longer in the session).
    recorded: dict[int, Correction] = session.info.setdefault(CORRECTED, {})
    for claim_id, (_slug, publication_id) in list(published.items()):
        earlier = recorded.get(publication_id)
        if earlier is not None and (inspect(earlier).pending or inspect(earlier).persistent):
            earlier.changed = [*earlier.changed, *changed[claim_id]]
            del published[claim_id]
    numbers = dict(
        session.execute(
            select(Correction.claim_id, func.max(Correction.number))
            .where(Correction.claim_id.in_(list(published)))
            .group_by(Correction.claim_id)
        ).all()
    )
    for claim_id, (_slug, publication_id) in sorted(published.items()):
        recorded[publication_id] = Correction(
            claim_id=claim_id,
            number=(numbers.get(claim_id) or 0) + 1,
            publication_id=publication_id,
            note=correction,
            changed=changed[claim_id],
            at=utcnow(),
            by=session.info.get("by"),
        )
        session.add(recorded[publication_id])


def _check_status(session: Session, claim: Claim) -> None:
    """Into and out of `published` only by publishing and unpublishing."""
    moved = (_loaded(claim, "status") == PUBLISHED_STATUS) != (_now(claim, "status") == PUBLISHED_STATUS)
    if moved and not session.info.get(PUBLISHING):
        raise Conflict(
            f"claim {claim.slug}: only publishing sets the status {PUBLISHED_STATUS!r}, and only unpublishing "
            "(with the reason) takes it away"
        )


def _claim_of(row: Evidence | Verdict) -> int | None:
    """The claim a new row is for, given by id or by the claim itself (not yet flushed into the id)."""
    if row.claim_id is not None:
        return row.claim_id
    claim = row.__dict__.get("claim")  # set, never loaded: the relationship raises on a load
    return claim.id if claim is not None else None


def _changed(row: Any, columns: tuple[str, ...]) -> bool:
    state = inspect(row)
    return any(state.attrs[name].history.has_changes() for name in columns)


def _values(row: Any, column: str) -> list[Any]:
    """A column's value now and, if it moved, as it was loaded (a piece of evidence moved from one
    claim to another changes both)."""
    history = inspect(row).attrs[column].history
    return [*history.added, *history.deleted] if history.added else list(history.unchanged)


def _loaded(row: Any, column: str) -> Any:
    history = inspect(row).attrs[column].history
    return (history.deleted or history.unchanged or [None])[0]


def _now(row: Any, column: str) -> Any:
    history = inspect(row).attrs[column].history
    return (history.added or history.unchanged or [None])[0]
