"""The one place that knows where the database is and how to open and migrate it (whole-database
operations, backup, roles and copies, are in maintenance.py)."""

from __future__ import annotations

import math
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .errors import DatabaseProblem

__all__ = [
    "DatabaseProblem",
    "can_write",
    "current_revision",
    "get_engine",
    "new_revision",
    "resolve_url",
    "session_scope",
    "upgrade",
    "downgrade",
]

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.orm import Session

DEFAULT_FILENAME = "factcheck.db"
ENV_DB = "FACTCHECK_DB"
ENV_BUSY_TIMEOUT = "FACTCHECK_BUSY_TIMEOUT"  # seconds a writer waits for another one
DEFAULT_BUSY_TIMEOUT = 5.0
MAX_BUSY_TIMEOUT = 3600.0  # an hour: longer is a mistake, not patience

# The newest Alembic revision. Kept here so that ordinary commands can check a database's schema
# without loading the migration scripts; tests/test_migrations.py keeps it equal to the scripts' head.
SCHEMA_HEAD = "0017"
BULK_LOADED = "bulk_loaded"  # session.info key: a path that wrote many rows asks for after_bulk_load


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


def _patience() -> str:
    return f"{busy_timeout():g} s (set {ENV_BUSY_TIMEOUT} to wait longer)"


def busy_timeout() -> float:
    """Seconds a writer waits for another one: $FACTCHECK_BUSY_TIMEOUT, from 0 to an hour."""
    raw = os.environ.get(ENV_BUSY_TIMEOUT, "").strip()
    if not raw:
        return DEFAULT_BUSY_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (0 <= seconds <= MAX_BUSY_TIMEOUT):  # also refuses nan
        raise DatabaseProblem(
            f"{ENV_BUSY_TIMEOUT}={raw!r} is not allowed: give a number of seconds from 0 to {MAX_BUSY_TIMEOUT:g}"
        )
    return seconds


def get_engine(url: str, *, read_only: bool = False) -> Engine:
    """One engine per database URL, with SQLite set up for safe concurrent use.

    A `read_only` engine never writes to the file, and works where the file or its folder is
    read-only."""
    return _engine(url, busy_timeout(), read_only)


@lru_cache(maxsize=16)
def _engine(url: str, timeout: float, read_only: bool) -> Engine:
    from sqlalchemy import create_engine, event

    if not url.startswith("sqlite"):
        return _server_engine(url, timeout, read_only)

    path = _sqlite_path(url)
    if read_only and path is not None:
        engine = create_engine(url, creator=lambda: _open_for_reading(path, timeout))
    else:
        engine = create_engine(url, connect_args={"timeout": timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
        elif path is not None:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writer takes the write lock up front, so that it waits its turn (busy_timeout)
        # instead of failing when a read transaction is upgraded to a write.
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql:", "postgresql+", "postgres:"))


def _server_engine(url: str, timeout: float, read_only: bool) -> Engine:
    """PostgreSQL through psycopg 3 (the `postgres` extra), sessions in UTC; a reader's
    transactions are read-only on the server too, and a writer waits `timeout` for a lock."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not is_postgres(url):
        return create_engine(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        import psycopg  # noqa: F401  (only to name the missing driver clearly)
    except ImportError:
        raise DatabaseProblem('PostgreSQL needs the psycopg driver: pip install "factcheck[postgres]"') from None
    options = f"-c timezone=UTC -c lock_timeout={max(1, int(timeout * 1000))}"
    if read_only:
        options += " -c default_transaction_read_only=on"
    connect_args = {"options": options, "connect_timeout": 10, "application_name": "factcheck"}
    return create_engine(parsed, connect_args=connect_args, pool_pre_ping=True)


def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///"))
    return None


def _open_for_reading(path: Path, timeout: float, *, strict: bool = False) -> sqlite3.Connection:
    """A connection that cannot write, and needs no write access to the file or its folder.

    Where both are writable it is an ordinary connection (query_only is set on connect), which
    tidies the write-ahead log away when it closes; `strict` makes it `mode=ro` there too.
    Otherwise `mode=ro`; and where the folder is read-only and holds no write-ahead log,
    `immutable=1`, since WAL needs its -shm file and no writer can work there anyway."""

    folder_writable = os.access(path.parent, os.W_OK)
    if folder_writable and os.access(path, os.W_OK) and not strict:
        mode = "mode=rw"
    elif folder_writable or (_sidecar(path, "-wal").exists() and _sidecar(path, "-shm").exists()):
        mode = "mode=ro"
    else:
        mode = "mode=ro&immutable=1"
    return sqlite3.connect(f"file:{quote(str(path))}?{mode}", uri=True, timeout=timeout, check_same_thread=False)


def open_read_only(url: str) -> sqlite3.Connection:
    """A plain sqlite3 connection to a SQLite database file that the operating system will not let
    write to it (`mode=ro`), for work that needs temporary tables beside a read-only database."""
    path = _sqlite_path(url)
    if path is None:
        raise DatabaseProblem(f"{describe(url)} is not a SQLite file")
    with _checked(url):
        return _open_for_reading(path, busy_timeout(), strict=True)


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def can_write(url: str) -> bool:
    """Whether this process may write to the database (SQLite: the file and its folder)."""
    path = _sqlite_path(url)
    if path is None:
        return True
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


# --- migrations ---------------------------------------------------------------------------------


def migrations_dir() -> Path:
    """The Alembic scripts: inside the installed wheel, or at the top of a source checkout."""
    from .resources import bundled

    return bundled("_migrations", "migrations", "env.py")


def alembic_config(url: str, connection: Connection | None = None, *, scripts: Path | None = None) -> Config:
    """An Alembic configuration built in code, so an installed wheel needs no alembic.ini.

    New revision files are named `NNNN_slug.py` and formatted with `ruff format` (a test extra)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(scripts or migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.set_section_option("post_write_hooks", "hooks", "ruff_format")
    config.set_section_option("post_write_hooks", "ruff_format.type", "module")
    config.set_section_option("post_write_hooks", "ruff_format.module", "ruff")
    config.set_section_option("post_write_hooks", "ruff_format.options", "format --quiet REVISION_SCRIPT_FILENAME")
    config.attributes["connection"] = connection
    return config


def new_revision(message: str, *, autogenerate: bool = True, scripts: Path | None = None) -> Path:
    """Write the next migration script, numbered after the newest (0005 → 0006), and return its path.

    With `autogenerate`, Alembic compares the models with a scratch database at the newest revision
    and writes the difference; review it before committing."""
    import tempfile

    from alembic import command

    number = int(_scripts_head(scripts)) + 1
    with tempfile.TemporaryDirectory() as scratch:
        url = resolve_url(str(Path(scratch) / "scratch.db"))
        if autogenerate:
            _migrate(url, "upgrade", "head")
        written = command.revision(
            alembic_config(url, scripts=scripts), message=message, autogenerate=autogenerate, rev_id=f"{number:04d}"
        )
    script = written[0] if isinstance(written, list) else written
    assert script is not None
    return Path(script.path)


def _scripts_head(scripts: Path | None) -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://", scripts=scripts)).get_current_head()
    if head is None or not head.isdigit():
        raise DatabaseProblem(f"the newest migration's id {head!r} is not a number: name revisions 0001, 0002, ...")
    return head


def current_revision(url: str) -> str | None:
    """The schema revision the database is at; None for an empty database or a missing file.

    It only reads: a missing file is not created, an empty one is not written to."""
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        return None
    if path is not None and path.is_dir():
        raise DatabaseProblem(f"{describe(url)} is a folder: give --db a database file")
    with _checked(url), get_engine(url, read_only=True).connect() as connection:
        return _revision(connection)


def _revision(connection: Connection) -> str | None:
    """The revision recorded in this connection's database, None when it has none: one query, the
    table's absence told by its error (a query to look for it first costs a round trip per session)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        if "alembic_version" in str(exc.orig) and (
            "no such table" in str(exc.orig) or getattr(exc.orig, "sqlstate", None) == "42P01"
        ):
            return None
        raise


def known_revisions() -> list[str]:
    """The revisions this factcheck's migration scripts know, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def is_newer(found: str | None) -> bool:
    """Whether a database's revision is one this factcheck does not know: made by a newer one."""
    return found is not None and found != SCHEMA_HEAD and found not in known_revisions()


def _newer(url: str, found: str) -> DatabaseProblem:
    return DatabaseProblem(
        f"{describe(url)} is at schema revision {found}, which this factcheck does not know "
        f"(newest it knows: {SCHEMA_HEAD}): it was made by a newer factcheck; upgrade factcheck "
        "(pip install --upgrade factcheck) to use it"
    )


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
    if is_newer(before):
        raise _newer(url, before)  # type: ignore[arg-type]
    engine = get_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    with _checked(url), engine.connect() as connection:
        # Batch migrations rebuild tables; with foreign keys on, dropping the old table would
        # cascade-delete the rows that point at it. Checked again before the commit instead.
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                if before is not None and direction == "upgrade":
                    _require_tables(url, connection, before)
                if engine.dialect.name == "postgresql" and direction == "upgrade":
                    _require_extensions(url, connection)
                getattr(command, direction)(alembic_config(url, connection), revision)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise DatabaseProblem(f"{direction} would break foreign keys; nothing changed")
        except CommandError as exc:
            raise DatabaseProblem(f"cannot {direction} to {revision!r}: {exc}") from None
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]
    return before, current_revision(url)


def _require_tables(url: str, connection: Connection, found: str) -> None:
    """Refuse to upgrade (or call up to date) a database whose tables of its revision are gone."""
    from sqlalchemy import inspect

    from .models import Base

    expected = {table.name for table in Base.metadata.sorted_tables} if found == SCHEMA_HEAD else {"claims", "sources"}
    missing = sorted(expected - set(inspect(connection).get_table_names()))
    if missing:
        raise DatabaseProblem(
            f"{describe(url)} is at schema {found} but has no table {', '.join(missing)}: it is damaged; "
            "restore it from a backup (nothing was changed)"
        )


# Contrib extensions the PostgreSQL schema needs (migration 0006: accent-blind search).
POSTGRES_EXTENSIONS = ("unaccent",)


def _require_extensions(url: str, connection: Connection) -> None:
    from sqlalchemy import text

    available = set(connection.execute(text("SELECT name FROM pg_available_extensions")).scalars())
    missing = [name for name in POSTGRES_EXTENSIONS if name not in available]
    if missing:
        raise DatabaseProblem(
            f"the PostgreSQL server of {describe(url)} lacks the {', '.join(missing)} extension: install the "
            "server's contrib package (e.g. apt install postgresql-contrib), then run `factcheck init` again"
        )


def require_current(url: str) -> None:
    """Refuse to work on a database that is missing or at another schema revision."""
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        raise DatabaseProblem(f"no database at {path}: run `factcheck init` to create one")
    _require_head(url, current_revision(url))


def _require_head(url: str, found: str | None) -> None:
    """Refuse a database found at schema revision `found` unless it is this factcheck's newest."""
    if found == SCHEMA_HEAD:
        return
    if found is None:
        raise DatabaseProblem(f"{describe(url)} is not a factcheck database: run `factcheck init` to set it up")
    if is_newer(found):
        raise _newer(url, found)
    raise DatabaseProblem(
        f"{describe(url)} is at schema revision {found}, this factcheck needs {SCHEMA_HEAD}: "
        "run `factcheck db backup FILE` then `factcheck db upgrade`"
    )


# --- sessions -----------------------------------------------------------------------------------


@contextmanager
def session_scope(
    url: str,
    *,
    write: bool = False,
    by: str | None = None,
    correction: str | None = None,
    on_open: Callable[[Session], None] | None = None,
    read_only: bool | None = None,
) -> Iterator[Session]:
    """A session that is one transaction: committed if the block ends normally, else rolled back.
    `write` takes SQLite's write lock at the start, and makes every change the session flushes land
    in the history (factcheck.revisions), whoever calls; `by` is the author recorded in revisions;
    `correction` is the note that lets its changes to published claims through (publication_lock);
    `on_open` is called with the new session before the transaction starts. (factcheck.api's
    write sessions add the upkeep after a bulk load: see BULK_LOADED.)
    A session that does not `write` is `read_only` unless told otherwise: it cannot write, and
    works on a file or in a folder this process may not write to."""
    from sqlalchemy.orm import Session

    path = _sqlite_path(url)
    # Before the engine would create it, or write its first page into an empty file.
    if path is not None and (not path.exists() or path.is_dir() or path.stat().st_size == 0):
        require_current(url)
    engine = get_engine(url, read_only=not write if read_only is None else read_only)
    if write and engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_immediate=True)
    # "url": as given (the engine's own is re-rendered, its path percent-encoded): the site's second process opens it
    with _checked(url), Session(engine, expire_on_commit=False, info={"by": by, "url": url}) as session:
        if write or read_only is False:  # whatever can write records what it writes, and keeps the lock
            from .publication_lock import CORRECTION, guard
            from .revisions import record_revisions  # which imports this module

            record_revisions(session)
            guard(session)
            session.info[CORRECTION] = correction
        if on_open is not None:
            on_open(session)
        with session.begin():
            # The schema is checked in the session's own transaction: no connection of its own.
            _require_head(url, _revision(session.connection()))
            yield session


@contextmanager
def _checked(url: str) -> Iterator[None]:
    """Turn the database driver's failures into one clear DatabaseProblem."""
    from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError

    try:
        yield
    except DBAPIError as exc:
        if is_postgres(url):
            from .server_errors import postgres_problem

            raise postgres_problem(url, exc, where=describe(url), patience=_patience()) from None
        if not isinstance(exc, OperationalError):
            if isinstance(exc, DatabaseError):
                raise DatabaseProblem(
                    f"{describe(url)} is not a usable SQLite database ({exc.orig}); "
                    "give --db a factcheck database or a new file name"
                ) from None
            raise
        message = str(exc.orig)
        if "locked" in message or "busy" in message:
            raise DatabaseProblem(
                f"database is busy: another process held {describe(url)} for longer than {_patience()}; "
                "nothing was written"
            ) from None
        if "readonly" in message or "unable to open" in message:
            raise DatabaseProblem(
                f"cannot use {describe(url)}: {message} (reading needs the file; writing also needs write access "
                "to the file and its folder); nothing was written"
            ) from None
        raise DatabaseProblem(f"cannot use {describe(url)}: {message}") from None
