"""Whole-database operations: an online backup of a SQLite file, PostgreSQL roles for a team, and a
copy of a database between any two URLs."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .db import (
    SCHEMA_HEAD,
    _checked,
    _newer,
    _open_for_reading,
    _sqlite_path,
    busy_timeout,
    current_revision,
    describe,
    get_engine,
    is_newer,
    is_postgres,
    require_current,
    upgrade,
)
from .errors import DatabaseProblem, Remedy

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


# --- backup -------------------------------------------------------------------------------------


def backup(url: str, destination: Path, *, force: bool = False) -> int:
    """Copy the database through SQLite's online backup API, consistent even while others write.

    Returns the size of the copy in bytes."""
    source_path = _sqlite_path(url)
    if source_path is None:
        raise DatabaseProblem("backup works on SQLite files; use your server's own tools for others")
    require_current(url)
    destination = destination.expanduser().resolve()
    if destination == source_path:
        raise DatabaseProblem("the backup file must not be the database itself")
    if destination.exists() and not force:
        raise DatabaseProblem(f"{destination} exists: overwrite it, or choose another file", remedy=Remedy.FORCE)
    if not destination.parent.is_dir():
        raise DatabaseProblem(f"cannot write {destination}: folder does not exist")
    partial = destination.with_name(destination.name + ".partial")
    source = _open_for_reading(source_path, busy_timeout())
    try:
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
            # The copy is checked, not the original: it is a consistent snapshot nobody writes to.
            report = "\n".join(row[0] for row in target.execute("PRAGMA integrity_check(5)"))
        finally:
            target.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseProblem(f"backup of {source_path} failed: {exc}; nothing was written") from None
    finally:
        source.close()
    if report != "ok":
        partial.unlink(missing_ok=True)
        # The report may open with a "*** in database main ***" heading: name the first damage.
        damage = next(line for line in report.splitlines() if not line.startswith("***"))
        raise DatabaseProblem(
            f"{describe(url)} is damaged ({damage}): not backed up; keep the file and the backups you have"
        )
    # Only a complete, sound copy takes the destination's name.
    partial.replace(destination)
    return destination.stat().st_size


# --- PostgreSQL roles ---------------------------------------------------------------------------

ACCESS_LEVELS = ("read", "write", "admin")
# Tables no writer writes: the schema's revision, and what the server's triggers keep (migration 0014).
SERVERS_OWN = ("alembic_version", "revisions", "claims_fts", "sources_fts", "evidence_fts")
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_$-]{0,62}")


def grant(url: str, role: str, level: str) -> bool:
    """Give a PostgreSQL role `read`, `write` or `admin` access to a factcheck database, creating
    the role (LOGIN, no password) if it does not exist; returns whether it was created.

    Readers may SELECT everything. Writers may also add, change and delete rows, and the server
    records each change in the history (migration 0014's triggers): they may not write the history
    themselves, nor change the schema. Admins become members of the role that owns the tables:
    everything, migrations included. Any earlier level of the role is replaced. Only an admin (a
    member of the owner's role, or a superuser) may grant."""
    from sqlalchemy import inspect, text

    if level not in ACCESS_LEVELS:
        raise DatabaseProblem(f"unknown access level {level!r}: allowed: {', '.join(ACCESS_LEVELS)}")
    if not is_postgres(url):
        raise DatabaseProblem("db grant works on PostgreSQL; who may use a SQLite file is up to the file's permissions")
    if not _ROLE_NAME.fullmatch(role):
        raise DatabaseProblem(
            f"{role!r} is not a role name this command makes: use lower-case letters, digits, _ and -, "
            "starting with a letter (at most 63)"
        )
    require_current(url)
    engine = get_engine(url)
    with _checked(url), engine.begin() as connection:
        quote = connection.dialect.identifier_preparer.quote
        who, database = quote(role), quote(connection.execute(text("SELECT current_database()")).scalar_one())
        owner = connection.execute(
            text("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'claims'")
        ).scalar_one()
        granter = connection.execute(text("SELECT current_user")).scalar_one()
        if not connection.execute(
            text("SELECT pg_has_role(current_user, :owner, 'MEMBER')"), {"owner": owner}
        ).scalar():
            raise DatabaseProblem(
                f"{granter} may not grant access: only an admin (the tables' owner {owner}, a member of it, "
                f"or a superuser) can run `factcheck db grant`; nothing was changed"
            )
        if role == owner:
            raise DatabaseProblem(f"{role} owns the database's tables: it has every right already")
        created = not connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}).first()
        if created:
            connection.execute(text(f"CREATE ROLE {who} LOGIN"))
        member = connection.execute(
            text("SELECT pg_has_role(:role, :owner, 'MEMBER')"), {"role": role, "owner": owner}
        ).scalar_one()
        if member and level != "admin":
            connection.execute(text(f"REVOKE {quote(owner)} FROM {who}"))
        tables = ", ".join(quote(name) for name in inspect(connection).get_table_names())
        statements = [
            f"REVOKE ALL ON {tables} FROM {who}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA current_schema FROM {who}",
            f"GRANT CONNECT ON DATABASE {database} TO {who}",
            f"GRANT USAGE ON SCHEMA current_schema TO {who}",
            f"GRANT SELECT ON {tables} TO {who}",
        ]
        if level == "write":
            written = ", ".join(
                quote(name) for name in inspect(connection).get_table_names() if name not in SERVERS_OWN
            )
            statements += [  # the history and the search index: written by the server's triggers alone
                f"GRANT INSERT, UPDATE, DELETE ON {written} TO {who}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA current_schema TO {who}",
                f"REVOKE ALL ON SEQUENCE revisions_id_seq FROM {who}",
            ]
        elif level == "admin":
            statements.append(f"GRANT {quote(owner)} TO {who}")
        for statement in statements:
            connection.execute(text(statement.replace("current_schema", quote(_schema(connection)))))
    return created


def _schema(connection: Connection) -> str:
    from sqlalchemy import text

    return str(connection.execute(text("SELECT current_schema()")).scalar_one())


# --- copying between databases ------------------------------------------------------------------

COPY_BATCH = 1_000  # rows read and written at a time: memory stays flat whatever the size


def copy(
    source_url: str,
    target_url: str,
    *,
    replace: bool = False,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Copy every row of a factcheck database into another, on any two backends, and return the
    rows copied per table. The target is created or upgraded to the newest schema; one that holds
    rows is refused unless `replace`, whose rows are then deleted first. The copy is one
    transaction on the target (all or nothing) read from one consistent snapshot of the source;
    rows stream through in batches. `on_progress(table, rows_done, rows_in_table)` follows it.

    Ids are kept, so history and references stay right, and each id counter is set above every id
    the source ever gave out (deleted rows' ids, named in the history, included)."""
    from sqlalchemy import func, insert, select, update

    from .models import Base, Revision

    if source_url == target_url:
        raise DatabaseProblem("the source and the target are the same database")
    require_current(source_url)
    found = current_revision(target_url)
    if found is not None and found != SCHEMA_HEAD:
        if is_newer(found):
            raise _newer(target_url, found)
        raise DatabaseProblem(
            f"{describe(target_url)} is at schema revision {found}, not {SCHEMA_HEAD}: upgrade it first "
            f"(factcheck --db {describe(target_url)} db upgrade), or copy into an empty database"
        )
    tables = Base.metadata.sorted_tables
    if found is not None:
        with _checked(target_url), get_engine(target_url, read_only=True).connect() as connection:
            held = {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one() for table in tables
            }
        occupied = {name: count for name, count in held.items() if count}
        if occupied and not replace:
            summary = f"{sum(occupied.values()):,} rows: " + ", ".join(
                f"{held[name]} {name}" for name in ("claims", "sources", "revisions")
            )
            raise DatabaseProblem(
                f"{describe(target_url)} is not empty ({summary}): pass --replace to delete its rows and copy "
                "over them, or give an empty database"
            )
    else:
        upgrade(target_url)

    source = get_engine(source_url, read_only=True)
    target = get_engine(target_url)
    if target.dialect.name == "sqlite":
        target = target.execution_options(sqlite_immediate=True)
    copied: dict[str, int] = {}
    with _checked(source_url), source.connect() as reading:
        if source.dialect.name == "postgresql":
            reading = reading.execution_options(isolation_level="REPEATABLE READ")
        with reading.begin(), _checked(target_url), target.connect() as writing, writing.begin():
            history_triggers(writing, enabled=False)  # the rows come with their history: not recorded again
            for table in reversed(tables):
                writing.execute(table.delete())
            for table in tables:
                total = reading.execute(select(func.count()).select_from(table)).scalar_one()
                own = [c for c in table.columns for fk in c.foreign_keys if fk.column.table is table]
                done = 0
                if on_progress:
                    on_progress(table.name, 0, total)
                result = reading.execution_options(stream_results=True, yield_per=COPY_BATCH).execute(
                    select(table).order_by(*table.primary_key.columns)
                )
                for batch in result.mappings().partitions(COPY_BATCH):
                    rows = [dict(row) for row in batch]
                    # A row may point at a later row of its own table: such links are set afterwards.
                    writing.execute(insert(table), [{**row, **{c.name: None for c in own}} for row in rows])
                    for column in own:
                        key = table.primary_key.columns.values()[0]
                        for row in rows:
                            if row[column.name] is not None:
                                writing.execute(
                                    update(table).where(key == row[key.name]).values({column.name: row[column.name]})
                                )
                    done += len(rows)
                    if on_progress:
                        on_progress(table.name, done, total)
                copied[table.name] = done
            _counters_above_every_id(writing, tables, Revision)
            history_triggers(writing, enabled=True)
    after_bulk_load(target_url)
    return copied


def history_triggers(connection: Connection, *, enabled: bool) -> None:
    """Turn PostgreSQL's history triggers off or on (and the one that stamps a revision with its
    writer: copied revisions keep theirs), inside the caller's transaction, so that they are off
    for no other session: the tables stay locked until it ends. Only the owner may."""
    from sqlalchemy import text

    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer.quote
    triggers = connection.execute(
        text(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname IN (c.relname || '_history', c.relname || '_history_inserts', 'revisions_db_user') "
            "AND c.relnamespace = current_schema()::regnamespace"
        )
    ).all()
    for table, trigger in triggers:
        toggle = "ENABLE" if enabled else "DISABLE"
        connection.execute(text(f"ALTER TABLE {quote(table)} {toggle} TRIGGER {quote(trigger)}"))


def after_bulk_load(url: str) -> None:
    """On PostgreSQL, VACUUM ANALYZE the tables once a bulk load has committed. Until autovacuum
    comes by, the planner knows nothing of the new rows (it read the sources' documents one by
    one instead of using their full-text index) and each full-text index keeps its new entries in
    a pending list that every search reads: search at 10,000 claims took 11 ms, then 6 ms. The
    server skips, with a warning, the tables this role does not own. Nothing to do on SQLite."""
    from sqlalchemy import text

    from .models import Base
    from .search import FTS_TABLES

    if not is_postgres(url):
        return
    names = [table.name for table in Base.metadata.sorted_tables] + list(FTS_TABLES)
    with _checked(url), get_engine(url).connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")  # VACUUM runs outside a transaction
        connection.execute(text("VACUUM (ANALYZE) " + ", ".join(f'"{name}"' for name in names)))


def _counters_above_every_id(connection: Connection, tables: list[Any], revision: Any) -> None:
    """Start each table's id counter above its largest id and every id its history names."""
    from sqlalchemy import func, select, text

    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not keys[0].autoincrement or keys[0].name != "id":
            continue
        highest = max(
            connection.execute(select(func.max(keys[0]))).scalar() or 0,
            connection.execute(select(func.max(revision.entity_id)).where(revision.entity == table.name)).scalar() or 0,
        )
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :value, :called)"),
                {"table": table.name, "value": max(highest, 1), "called": highest > 0},
            )
        elif connection.dialect.name == "sqlite" and highest:
            connection.execute(text("DELETE FROM sqlite_sequence WHERE name = :table"), {"table": table.name})
            connection.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES (:table, :value)"),
                {"table": table.name, "value": highest},
            )
