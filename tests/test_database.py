"""Opening, protecting and backing up the database file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from factcheck import db


def test_sqlite_pragmas_are_on(db_url: str) -> None:
    with db.get_engine(db_url).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0


def test_foreign_keys_are_enforced(db_url: str) -> None:
    with pytest.raises(IntegrityError), db.get_engine(db_url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO evidence (claim_id, source_id, stance, quote, quote_status, created_at,"
                " updated_at) VALUES (999, 999, 'supports', 'q', 'unverified', '2021', '2021')"
            )
        )


def test_resolve_url_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert db.resolve_url() == f"sqlite:///{tmp_path / 'factcheck.db'}"
    monkeypatch.setenv("FACTCHECK_DB", "other.db")
    assert db.resolve_url() == f"sqlite:///{tmp_path / 'other.db'}"
    assert db.resolve_url("given.db") == f"sqlite:///{tmp_path / 'given.db'}"
    assert db.resolve_url("postgresql://u:p@host/x") == "postgresql://u:p@host/x"


def test_init_creates_then_reports_up_to_date(tmp_path: Path) -> None:
    from tests.conftest import Run

    run = Run(tmp_path / "new.db")
    assert "Created" in run.ok("init")
    assert "up to date" in run.ok("init")
    assert run.json("db", "current")["revision"] == db.SCHEMA_HEAD


def test_backup_holds_the_same_rows(cli, db_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    connection = sqlite3.connect(db_path)
    connection.execute(
        "INSERT INTO actors (slug, name, kind, aliases, created_at, updated_at)"
        " VALUES ('baker', 'James Baker', 'person', '[]', '2021', '2021')"
    )
    connection.commit()
    connection.close()
    copy = tmp_path / "copy.db"
    assert "Backed up" in cli.ok("db", "backup", str(copy))
    read = lambda path: list(sqlite3.connect(path).iterdump())  # noqa: E731
    assert read(copy) == read(db_path)
    assert "exists" in cli.fails("db", "backup", str(copy))
    cli.ok("db", "backup", str(copy), "--force")


def test_not_a_database_is_one_clean_error(tmp_path: Path) -> None:
    from tests.conftest import Run

    bad = tmp_path / "notes.db"
    bad.write_text("these are my notes, not a database\n" * 20)
    before = bad.read_bytes()
    assert "not a usable SQLite database" in Run(bad).fails("init")
    assert bad.read_bytes() == before


def test_missing_database_says_run_init(tmp_path: Path) -> None:
    from tests.conftest import Run

    error = Run(tmp_path / "missing.db").fails("db", "backup", str(tmp_path / "x.db"))
    assert "factcheck init" in error
    assert not (tmp_path / "missing.db").exists()


def test_out_of_date_database_is_refused_until_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = db.resolve_url(str(path))
    db.upgrade(url)
    with sqlite3.connect(path) as connection:  # pretend the database is from an older release
        connection.execute("UPDATE alembic_version SET version_num = '0000'")
    with pytest.raises(db.DatabaseProblem, match="db upgrade"):
        db.require_current(url)


def test_downgrade_needs_confirmation(cli, dump) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    assert "--yes" in cli.fails("db", "downgrade", "base")
    assert dump() == before
