"""The one place that knows where the database is and how to open, migrate and back it up."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DatabaseProblem

__all__ = ["DatabaseProblem", "resolve_url", "get_engine", "session_scope", "upgrade", "downgrade"]

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.orm import Session

DEFAULT_FILENAME = "factcheck.db"
ENV_DB = "FACTCHECK_DB"
ENV_BUSY_TIMEOUT = "FACTCHECK_BUSY_TIMEOUT"  # seconds a writer waits for another one
DEFAULT_BUSY_TIMEOUT = 5.0

# The newest Alembic revision. Kept here so that ordinary commands can check a database's schema
# without loading the migration scripts; tests/test_migrations.py keeps it equal to the scripts' head.
SCHEMA_HEAD = "0004"


def resolve_url(db: str | None = None) -> str:
    """`--db`, else $FACTCHECK_DB, else factcheck.db here; a plain path or any SQLAlchemy URL."""
    target = db or os.environ.get(ENV_DB) or DEFAULT_FILENAME
    if "://" in target:
        return target
    return f"sqlite:///{Path(target).expanduser().resolve()}"


def describe(url: str) -> str:
    """The database as the user would name it: a file path, or the URL without its password."""
    path = _sqlite_path(url)
    if path is not None:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def busy_timeout() -> float:
    raw = os.environ.get(ENV_BUSY_TIMEOUT)
    try:
        return float(raw) if raw else DEFAULT_BUSY_TIMEOUT
    except ValueError:
        raise DatabaseProblem(f"{ENV_BUSY_TIMEOUT}={raw!r} is not a number of seconds") from None


def get_engine(url: str) -> Engine:
    """One engine per database URL, with SQLite set up for safe concurrent use."""
    return _engine(url, busy_timeout())


@lru_cache(maxsize=8)
def _engine(url: str, timeout: float) -> Engine:
    from sqlalchemy import create_engine, event

    if not url.startswith("sqlite"):
        return create_engine(url)

    engine = create_engine(url, connect_args={"timeout": timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if url not in ("sqlite://", "sqlite:///:memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        # A writer takes the write lock up front, so that it waits its turn (busy_timeout)
        # instead of failing when a read transaction is upgraded to a write.
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///"))
    return None


# --- migrations ---------------------------------------------------------------------------------


def migrations_dir() -> Path:
    """The Alembic scripts: inside the installed wheel, or at the top of a source checkout."""
    from .resources import bundled

    return bundled("_migrations", "migrations", "env.py")


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    """An Alembic configuration built in code, so an installed wheel needs no alembic.ini."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def current_revision(url: str) -> str | None:
    """The schema revision the database is at; None for an empty database or a missing file
    (which this does not create)."""
    from sqlalchemy import inspect, text

    path = _sqlite_path(url)
    if path is not None and not path.exists():
        return None
    with _checked(url), get_engine(url).connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database to `revision` (creating it if new); returns (before, after)."""
    return _migrate(url, "upgrade", revision)


def downgrade(url: str, revision: str = "-1") -> tuple[str | None, str | None]:
    """Take the database back to `revision` ("base" drops every table); returns (before, after)."""
    return _migrate(url, "downgrade", revision)


def _migrate(url: str, direction: str, revision: str) -> tuple[str | None, str | None]:
    from alembic import command
    from alembic.util.exc import CommandError

    path = _sqlite_path(url)
    if path is not None and not path.parent.is_dir():
        raise DatabaseProblem(f"cannot create {path}: folder {path.parent} does not exist")
    before = current_revision(url)
    engine = get_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    with _checked(url), engine.connect() as connection:
        # Batch migrations rebuild tables; with foreign keys on, dropping the old table would
        # cascade-delete the rows that point at it. Checked again before the commit instead.
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            with connection.begin():
                getattr(command, direction)(alembic_config(url, connection), revision)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise DatabaseProblem(f"{direction} would break foreign keys; nothing changed")
        except CommandError as exc:
            raise DatabaseProblem(f"cannot {direction} to {revision!r}: {exc}") from None
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")
    return before, current_revision(url)


def require_current(url: str) -> None:
    """Refuse to work on a database that is missing or at another schema revision."""
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        raise DatabaseProblem(f"no database at {path}: run `factcheck init` to create one")
    found = current_revision(url)
    if found == SCHEMA_HEAD:
        return
    if found is None:
        raise DatabaseProblem(f"{describe(url)} is not a factcheck database: run `factcheck init` to set it up")
    raise DatabaseProblem(
        f"{describe(url)} is at schema revision {found}, this factcheck needs {SCHEMA_HEAD}: "
        "run `factcheck db backup FILE` then `factcheck db upgrade`"
    )


# --- sessions -----------------------------------------------------------------------------------


@contextmanager
def session_scope(url: str, *, write: bool = False, by: str | None = None) -> Iterator[Session]:
    """A session that is one transaction: committed if the block ends normally, else rolled back.

    `write` takes SQLite's write lock at the start; `by` is the author recorded in revisions."""
    from sqlalchemy.orm import Session

    require_current(url)
    engine = get_engine(url)
    if write and engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_immediate=True)
    with _checked(url), Session(engine, expire_on_commit=False, info={"by": by}) as session:
        if write:
            from .services.history import record_revisions

            record_revisions(session)
        with session.begin():
            yield session


@contextmanager
def _checked(url: str) -> Iterator[None]:
    """Turn the database driver's failures into one clear DatabaseProblem."""
    from sqlalchemy.exc import DatabaseError, OperationalError

    try:
        yield
    except OperationalError as exc:
        message = str(exc.orig)
        if "locked" in message or "busy" in message:
            raise DatabaseProblem(
                f"database is busy: another process held {describe(url)} for longer than "
                f"{busy_timeout():g} s (set {ENV_BUSY_TIMEOUT} to wait longer); nothing was written"
            ) from None
        raise DatabaseProblem(f"cannot use {describe(url)}: {message}") from None
    except DatabaseError as exc:
        raise DatabaseProblem(
            f"{describe(url)} is not a usable SQLite database ({exc.orig}); "
            "give --db a factcheck database or a new file name"
        ) from None


# --- backup -------------------------------------------------------------------------------------


def backup(url: str, destination: Path, *, force: bool = False) -> int:
    """Copy the database through SQLite's online backup API, consistent even while others write.

    Returns the size of the copy in bytes."""
    import sqlite3

    source_path = _sqlite_path(url)
    if source_path is None:
        raise DatabaseProblem("backup works on SQLite files; use your server's own tools for others")
    require_current(url)
    destination = destination.expanduser().resolve()
    if destination == source_path:
        raise DatabaseProblem("the backup file must not be the database itself")
    if destination.exists() and not force:
        raise DatabaseProblem(f"{destination} exists; pass --force to overwrite it")
    if not destination.parent.is_dir():
        raise DatabaseProblem(f"cannot write {destination}: folder does not exist")
    partial = destination.with_name(destination.name + ".partial")
    source = sqlite3.connect(source_path, timeout=busy_timeout())
    try:
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseProblem(f"backup of {source_path} failed: {exc}") from None
    finally:
        source.close()
    # Only a complete copy takes the destination's name.
    partial.replace(destination)
    return destination.stat().st_size
