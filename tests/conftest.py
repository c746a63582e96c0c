"""Every test starts from a real SQLite file in tmp_path, made by the real migrations."""

from __future__ import annotations

import json
from collections.abc import Callable
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

    def __init__(self, path: Path) -> None:
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
