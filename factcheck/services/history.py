"""Revisions: every insert, update and delete of a tracked row is recorded in the same transaction."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from ..models import (
    Actor,
    Claim,
    ClaimLink,
    Event,
    Evidence,
    Revision,
    RevisionAction,
    Source,
    Tag,
    Verdict,
    utcnow,
)

TRACKED = (Claim, Source, Actor, Evidence, ClaimLink, Verdict, Tag, Event)


def record_revisions(session: Session) -> None:
    """Make `session` write a Revision for each change it flushes, authored by session.info['by']."""
    event.listen(session, "after_flush", _after_flush)


def jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    return value


def _columns(row: Any) -> dict[str, Any]:
    state = inspect(row)
    return {
        column.key: jsonable(getattr(row, column.key))
        for column in state.mapper.column_attrs
        if column.key not in state.unloaded  # a deferred column nobody asked for
    }


def _collections(row: Any, *, only_changed: bool) -> dict[str, Any]:
    """Many-to-many collections (tags, appearances) as ids, with what was added and removed."""
    changes: dict[str, Any] = {}
    state = inspect(row)
    for relationship in state.mapper.relationships:
        if relationship.secondary is None:
            continue
        history = state.attrs[relationship.key].history
        if only_changed and not history.has_changes():
            continue
        if only_changed:
            changes[relationship.key] = {
                "added": [item.id for item in history.added],
                "removed": [item.id for item in history.deleted],
            }
        else:
            changes[relationship.key] = [item.id for item in history.sum()]
    return changes


def _updates(row: Any) -> dict[str, Any]:
    state = inspect(row)
    changes: dict[str, Any] = {}
    for column in state.mapper.column_attrs:
        if column.key in ("updated_at", "created_at"):
            continue
        history = state.attrs[column.key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changes[column.key] = [jsonable(old), jsonable(new)]
    changes.update(_collections(row, only_changed=True))
    return changes


def _after_flush(session: Session, _context: Any) -> None:
    rows: list[dict[str, Any]] = []
    by = session.info.get("by")
    at = utcnow()

    def add(row: Any, action: RevisionAction, changes: dict[str, Any]) -> None:
        rows.append(
            {
                "entity": type(row).__tablename__,
                "entity_id": row.id,
                "action": action,
                "changes": changes,
                "at": at,
                "by": by,
            }
        )

    for row in session.new:
        if isinstance(row, TRACKED):
            changes = _columns(row)
            changes.update(_collections(row, only_changed=False))
            add(row, RevisionAction.INSERT, changes)
    for row in session.dirty:
        if isinstance(row, TRACKED) and session.is_modified(row):
            changes = _updates(row)
            if changes:
                add(row, RevisionAction.UPDATE, changes)
    for row in session.deleted:
        if isinstance(row, TRACKED):
            add(row, RevisionAction.DELETE, _columns(row))
    if rows:
        session.connection().execute(insert(Revision), rows)


def record_inserts(session: Session, entity: str, rows: list[dict[str, Any]]) -> None:
    """Revisions for rows inserted in bulk (each a dict of its columns, with its id), written with
    one executemany in the same transaction."""
    if not rows:
        return
    at, by = utcnow(), session.info.get("by")
    session.execute(
        insert(Revision),
        [
            {
                "entity": entity,
                "entity_id": row["id"],
                "action": RevisionAction.INSERT,
                "changes": {key: jsonable(value) for key, value in row.items()},
                "at": at,
                "by": by,
            }
            for row in rows
        ],
    )


def list_history(
    session: Session, *, entity: str | None = None, entity_id: int | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    from sqlalchemy import select

    query = select(Revision).order_by(Revision.id.desc()).limit(limit)
    if entity:
        query = query.where(Revision.entity == entity)
    if entity_id is not None:
        query = query.where(Revision.entity_id == entity_id)
    return [
        {
            "id": revision.id,
            "entity": revision.entity,
            "entity_id": revision.entity_id,
            "action": revision.action.value,
            "changes": revision.changes,
            "at": revision.at.isoformat(),
            "by": revision.by,
        }
        for revision in session.scalars(query)
    ]
