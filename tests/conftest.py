"""Every test starts from a real database made by the real migrations: a SQLite file in tmp_path,
or, on the PostgreSQL leg (FACTCHECK_TEST_BACKEND=postgresql, which CI runs after the main run),
a fresh PostgreSQL database for each test that uses `cli`, `db_url` or `dump`. Tests that read the
SQLite file itself (`db_path`) run on the SQLite leg only, and say so when skipped."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factcheck import db
from factcheck.cli import app


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FACTCHECK_DB", raising=False)
    monkeypatch.setenv("FACTCHECK_USER", "tester")
    monkeypatch.setenv("COLUMNS", "200")  # tables wide enough that words are not wrapped apart
    monkeypatch.chdir(tmp_path)


ON_POSTGRES = os.environ.get("FACTCHECK_TEST_BACKEND", "sqlite").strip().lower() in ("postgresql", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): a test of SQLite itself, skipped on the PostgreSQL leg")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On the PostgreSQL leg, tests of SQLite itself are skipped before any fixture is made."""
    for item in items if ON_POSTGRES else []:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {marker.args[0]}"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    if ON_POSTGRES:
        pytest.skip("reads the SQLite file itself: runs on the SQLite leg")
    path = tmp_path / "test.db"
    db.upgrade(db.resolve_url(str(path)))
    return path


@pytest.fixture
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of the test's database: the SQLite file, or on the PostgreSQL leg a fresh database."""
    if ON_POSTGRES:
        return str(request.getfixturevalue("pg_migrated_url"))
    return db.resolve_url(str(request.getfixturevalue("db_path")))


class Run:
    """The real CLI against one database file."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return self.runner.invoke(app, ["--db", str(self.path), *args], input=input)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, f"{args} failed: {result.stderr or result.output}"
        return result.stdout

    def json(self, *args: str):  # type: ignore[no-untyped-def]
        return json.loads(self.ok(*args, "--json"))

    def fails(self, *args: str, code: int = 1) -> str:
        """Run a command that must fail cleanly; returns its one-line error."""
        result = self(*args)
        assert result.exit_code == code, f"{args} exited {result.exit_code}: {result.output}"
        assert "Traceback" not in result.output
        assert "internal error" not in result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 if code == 1 else lines, result.stderr
        return result.stderr.strip()


@pytest.fixture
def cli(request: pytest.FixtureRequest) -> Run:
    """The real CLI against the test's database (`path`: the SQLite file, or the PostgreSQL URL)."""
    return Run(request.getfixturevalue("db_url" if ON_POSTGRES else "db_path"))


@pytest.fixture
def dump(request: pytest.FixtureRequest, db_url: str) -> Callable[[], list[str]]:
    """Every row of the database as text (on SQLite, its schema too), to check that a failed
    command changed nothing."""
    if not ON_POSTGRES:
        import sqlite3

        path = request.getfixturevalue("db_path")

        def rows() -> list[str]:
            connection = sqlite3.connect(path)
            try:
                return list(connection.iterdump())
            finally:
                connection.close()

        return rows

    def server_rows() -> list[str]:
        import psycopg
        from sqlalchemy.engine import make_url

        parsed = make_url(db_url)
        with psycopg.connect(
            host=parsed.host, port=parsed.port or 5432, user=parsed.username, dbname=parsed.database
        ) as c:
            tables = [row[0] for row in c.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            return sorted(
                f"{table}: {row!r}" for table in tables for row in c.execute(f'SELECT * FROM "{table}"').fetchall()
            )

    return server_rows


# --- PostgreSQL -----------------------------------------------------------------------------------
# Tests that need a server get a fresh database with a random name, dropped afterwards. Without a
# reachable server they are skipped with the reason shown, unless FACTCHECK_REQUIRE_POSTGRES=1
# (CI), which makes that a failure.

POSTGRES_SERVER = "FACTCHECK_TEST_POSTGRES"  # a URL of the server's maintenance database
DEFAULT_POSTGRES_SERVER = "postgresql://root@127.0.0.1/postgres"
_server_problem: dict[str, str | None] = {}


def _admin_connection(server: str):  # type: ignore[no-untyped-def]
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(server)
    return psycopg.connect(
        host=parsed.host or "",
        port=parsed.port or 5432,
        user=parsed.username or "",
        password=parsed.password or "",
        dbname=parsed.database or "postgres",
        autocommit=True,
        connect_timeout=5,
    )


def _unreachable(server: str) -> str | None:
    """Why the test server cannot be used, or None; asked once per run."""
    if server not in _server_problem:
        try:
            _admin_connection(server).close()
            _server_problem[server] = None
        except ImportError:
            _server_problem[server] = 'psycopg is not installed (pip install -e ".[test]")'
        except Exception as error:  # any failure to connect is a reason to skip
            _server_problem[server] = " ".join(str(error).split())
    return _server_problem[server]


@contextmanager
def fresh_postgres(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database on the test server (empty, or a copy of the `template` database),
    dropped afterwards; skips (or fails, with FACTCHECK_REQUIRE_POSTGRES=1) without a server."""
    import os
    import secrets

    from sqlalchemy.engine import make_url

    server = os.environ.get(POSTGRES_SERVER) or DEFAULT_POSTGRES_SERVER
    problem = _unreachable(server)
    if problem is not None:
        message = f"no PostgreSQL server at {server} ({problem}): set {POSTGRES_SERVER} to a server URL"
        if os.environ.get("FACTCHECK_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    name = f"factcheck_test_{secrets.token_hex(6)}"
    with _admin_connection(server) as connection:
        copied = f' TEMPLATE "{make_url(template).database}"' if template else ""
        connection.execute(f'CREATE DATABASE "{name}"{copied}')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with _admin_connection(server) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test."""
    with fresh_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A database at the newest schema, made once by `factcheck init` in its own process (so that
    no connection to it stays open), that each test's database copies."""
    import subprocess
    import sys

    with fresh_postgres() as url:
        subprocess.run([sys.executable, "-m", "factcheck", "--db", url, "init"], check=True, capture_output=True)
        yield url


@pytest.fixture
def pg_migrated_url(pg_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database at the newest schema, for one test."""
    with fresh_postgres(template=pg_template) as url:
        yield url


@pytest.fixture
def pg_cli(pg_url: str) -> Run:
    """The real CLI against a PostgreSQL database at the newest schema."""
    db.upgrade(pg_url)
    return Run(pg_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_cli(request: pytest.FixtureRequest) -> Run:
    """The real CLI against a new database at the newest schema, once on each backend."""
    if ON_POSTGRES:
        pytest.skip("runs on both backends on the SQLite leg")
    if request.param == "sqlite":
        return request.getfixturevalue("cli")
    return request.getfixturevalue("pg_cli")
