"""Every test starts from a real SQLite file in tmp_path, made by the real migrations."""

from __future__ import annotations

import json
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


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "test.db"
    db.upgrade(db.resolve_url(str(path)))
    return path


@pytest.fixture
def db_url(db_path: Path) -> str:
    return db.resolve_url(str(db_path))


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
def cli(db_path: Path) -> Run:
    return Run(db_path)


@pytest.fixture
def dump(db_path: Path) -> Callable[[], list[str]]:
    """Every row of the database as text, to check that a failed command changed nothing."""
    import sqlite3

    def rows() -> list[str]:
        connection = sqlite3.connect(db_path)
        try:
            return list(connection.iterdump())
        finally:
            connection.close()

    return rows


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
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server, dropped afterwards; skips (or fails,
    with FACTCHECK_REQUIRE_POSTGRES=1) without a server."""
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
        connection.execute(f'CREATE DATABASE "{name}"')
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


@pytest.fixture
def pg_cli(pg_url: str) -> Run:
    """The real CLI against a PostgreSQL database at the newest schema."""
    db.upgrade(pg_url)
    return Run(pg_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_cli(request: pytest.FixtureRequest) -> Run:
    """The real CLI against a new database at the newest schema, once on each backend."""
    if request.param == "sqlite":
        return request.getfixturevalue("cli")
    return request.getfixturevalue("pg_cli")
