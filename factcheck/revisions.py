"""Revisions: every insert, update and delete of a tracked row is recorded in the same transaction.

Every write session records them (db.session_scope installs `record_revisions`), whichever door the
write came through: the CLI, the web view, a script, import, restore or dedupe. On SQLite this
module writes them; on PostgreSQL the database does, by trigger (migration 0014), so that a psql
session leaves the same trail and no role but the owner can write the history: this module then
only tells the server who is writing and which flush, and learns the transaction's batch.

This module is a foundation so that the database module can: the history's readers and `restore`
are in services/history.py."""

from __future__ import annotations

import datetime as dt
import enum
import getpass
import json
import os
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import column as sql_column
from sqlalchemy import event, insert, inspect
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session

from .inserts import insert_many
from .models import (
    Actor,
    AppearanceSentence,
    Claim,
    ClaimLink,
    Correction,
    DeskStatus,
    Event,
    Evidence,
    Publication,
    Revision,
    RevisionAction,
    Source,
    SourceVersion,
    Tag,
    Verdict,
    utcnow,
)

TRACKED = (
    Claim,
    Source,
    SourceVersion,
    Actor,
    Evidence,
    ClaimLink,
    Verdict,
    Tag,
    Event,
    AppearanceSentence,
    DeskStatus,
    Publication,
    Correction,
)
# Columns left out of revisions: a source version's text is in the source's own revisions.
UNRECORDED = {"source_versions": ("text",)}

# The claim and source whose history a revision belongs to, in indexed columns (what `history
# CLAIM` and `history SOURCE` look up), from the recorded row's columns; migration 0009 fills them
# alike for older revisions. A link belongs to both its claims.
SUBJECTS = ("claim_id", "linked_claim_id", "source_id")
_SUBJECT_FIELDS = {
    "claims": {"claim_id": "id"},
    "sources": {"source_id": "id"},
    "source_versions": {"source_id": "source_id"},
    "evidence": {"claim_id": "claim_id", "source_id": "source_id"},
    "appearance_sentences": {"claim_id": "claim_id", "source_id": "source_id"},
    "verdicts": {"claim_id": "claim_id"},
    "claim_links": {"claim_id": "from_claim_id", "linked_claim_id": "to_claim_id"},
    "publications": {"claim_id": "claim_id"},
    "corrections": {"claim_id": "claim_id"},
}


def subjects(entity: str, value: Callable[[str], Any]) -> dict[str, Any]:
    """The revision's claim_id, linked_claim_id and source_id, given the recorded row's `value` of a column."""
    fields = _SUBJECT_FIELDS.get(entity, {})
    return {column: value(fields[column]) if column in fields else None for column in SUBJECTS}


ENV_USER = "FACTCHECK_USER"


def default_author() -> str:
    """Who a change is recorded as made by when nobody says: $FACTCHECK_USER, or the OS user."""
    try:
        return os.environ.get(ENV_USER) or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def record_revisions(session: Session) -> None:
    """Make `session` write a Revision for each change it flushes (on PostgreSQL, have the server
    write it), authored by session.info['by'] (else `default_author`) and marked with one batch id
    for the whole transaction (on PostgreSQL, the server's)."""
    session.info.setdefault("batch", uuid.uuid4().hex)
    session.info["by"] = session.info.get("by") or default_author()
    if event.contains(session, "after_begin", _tell_server):  # once, however many callers ask
        return
    event.listen(session, "after_begin", _tell_server)
    event.listen(session, "before_flush", _next_flush)
    event.listen(session, "after_flush", _after_flush)


# What migration 0014's factcheck_batch() computes, in plain SQL so that it also runs on a database
# at an older schema (which session_scope then refuses in one line).
SERVER_BATCH = "md5(txid_current()::text || ':' || pg_postmaster_start_time()::text)"


def _on_server(session: Session) -> bool:
    """Whether the database records the history itself (PostgreSQL, by trigger)."""
    return session.get_bind().dialect.name == "postgresql"


def _tell_server(session: Session, _transaction: Any, connection: Any) -> None:
    """Who writes, for the server's history triggers, for this transaction only; and the batch the
    server gives this transaction's revisions (no client chooses it)."""
    if connection.dialect.name == "postgresql":
        session.info["batch"] = connection.exec_driver_sql(
            f"SELECT set_config('factcheck.by', %(by)s, true), {SERVER_BATCH}", {"by": session.info["by"]}
        ).one()[1]


def _next_flush(session: Session, _context: Any, _instances: Any) -> None:
    """A flush's changes to one row are one revision, as this module records them on SQLite."""
    if _on_server(session) and (session.new or session.dirty or session.deleted):
        session.info["flush"] = session.info.get("flush", 0) + 1
        session.connection().exec_driver_sql(
            "SELECT set_config('factcheck.flush', %(flush)s, true)", {"flush": str(session.info["flush"])}
        )


def _stamp(session: Session) -> dict[str, Any]:
    return {"at": utcnow(), "by": session.info.get("by"), "batch": session.info.get("batch")}


def jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    return value


def _columns(row: Any, *, inserted: bool = False) -> dict[str, Any]:
    """A row's columns; a column not loaded is left out (a deferred text nobody asked for), but
    one never set on a row just inserted is NULL (no column has a server-side default)."""
    state = inspect(row)
    unrecorded = UNRECORDED.get(state.mapper.local_table.name, ())
    columns: dict[str, Any] = {}
    for column in state.mapper.column_attrs:
        if column.key in unrecorded:
            continue
        if column.key not in state.unloaded:
            columns[column.key] = jsonable(getattr(row, column.key))
        elif inserted and not column.deferred:
            columns[column.key] = None
    return columns


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
    unrecorded = UNRECORDED.get(state.mapper.local_table.name, ())
    for column in state.mapper.column_attrs:
        if column.key in ("updated_at", "created_at", *unrecorded):
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
    if _on_server(session):
        return
    rows: list[dict[str, Any]] = []
    stamp = _stamp(session)

    def add(row: Any, action: RevisionAction, changes: dict[str, Any]) -> None:
        entity = type(row).__tablename__
        rows.append(
            {
                "entity": entity,
                "entity_id": row.id,
                "action": action,
                "changes": changes,
                **stamp,
                **subjects(entity, lambda name: getattr(row, name)),
            }
        )

    for row in session.new:
        if isinstance(row, TRACKED):
            changes = _columns(row, inserted=True)
            changes.update(_collections(row, only_changed=False))
            add(row, RevisionAction.INSERT, changes)
    for row in session.dirty:
        if isinstance(row, TRACKED) and session.is_modified(row):
            changes = _updates(row)
            if changes:
                add(row, RevisionAction.UPDATE, changes)
    for row in session.deleted:
        if isinstance(row, TRACKED):
            changes = _columns(row)
            changes.update(_collections(row, only_changed=False))
            add(row, RevisionAction.DELETE, changes)
    if rows:
        session.connection().execute(insert(Revision), rows)


def _json_default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot record {type(value).__name__} in a revision")


# The revisions table without column types: bulk revisions arrive already serialised, so that
# large imports skip per-row type processing.
_PLAIN_REVISIONS = sql_table(
    "revisions",
    *(sql_column(name) for name in ("entity", "entity_id", "action", "changes", "at", "by", "batch", *SUBJECTS)),
)


def record_inserts(session: Session, entity: str, rows: list[dict[str, Any]]) -> None:
    """Revisions for rows inserted in bulk (each a dict of its columns, with its id), written with
    one executemany in the same transaction (on PostgreSQL the server's triggers have recorded them)."""
    if not rows or _on_server(session):
        return
    unrecorded = UNRECORDED.get(entity, ())
    stamp = _stamp(session)
    to_database = Revision.__table__.c.at.type.bind_processor(session.get_bind().dialect)
    at = to_database(stamp["at"]) if to_database else stamp["at"]
    insert_many(
        session,
        _PLAIN_REVISIONS,
        [
            {
                "entity": entity,
                "entity_id": row["id"],
                "action": RevisionAction.INSERT.value,
                "changes": json.dumps(
                    {name: value for name, value in row.items() if name not in unrecorded},
                    default=_json_default,
                    ensure_ascii=False,
                ),
                "at": at,
                "by": stamp["by"],
                "batch": stamp["batch"],
                **subjects(entity, row.get),
            }
            for row in rows
        ],
    )
