"""Opening, protecting and backing up the database file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from factcheck import db


@pytest.mark.sqlite_only("its pragmas")
def test_sqlite_pragmas_are_on(db_url: str) -> None:
    with db.get_engine(db_url).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0


@pytest.mark.sqlite_only("the foreign_keys pragma; PostgreSQL always enforces them")
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


def test_init_notices_a_dropped_table(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """A database at the newest revision that lacks a table is damaged: not "up to date"."""
    with db.get_engine(db_url).begin() as connection:
        connection.execute(text("DROP TABLE event_sources"))
        connection.execute(text("DROP TABLE events"))
    for command in (("init",), ("db", "upgrade")):
        message = cli.fails(*command)
        assert f"is at schema {db.SCHEMA_HEAD} but has no table event_sources, events: it is damaged" in message


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
    db.upgrade(url, db.known_revisions()[0])  # a database an older release made
    with pytest.raises(db.DatabaseProblem, match="db upgrade"):
        db.require_current(url)
    from tests.conftest import Run

    Run(path).ok("db", "upgrade")
    db.require_current(url)


def test_downgrade_needs_confirmation(cli, dump) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    assert "--yes" in cli.fails("db", "downgrade", "base")
    assert dump() == before


# --- issue 13 items 15-17: settings, the search index check, read-only files, schema, damage ----


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "3601", "1e9", "soon"])
def test_busy_timeout_out_of_range_is_one_clear_line(cli, dump, monkeypatch, value: str) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    monkeypatch.setenv("FACTCHECK_BUSY_TIMEOUT", value)
    for command in (("claim", "list"), ("claim", "add", "A claim made while misconfigured", "--force")):
        error = cli.fails(*command)
        assert f"FACTCHECK_BUSY_TIMEOUT={value!r}" in error
        assert "number of seconds from 0 to 3600" in error
    assert dump() == before


def test_busy_timeout_within_range_is_used(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FACTCHECK_BUSY_TIMEOUT", "0.5")
    assert db.busy_timeout() == 0.5
    cli.ok("claim", "add", "A claim written with a short wait", "--force")


def _tamper(path: Path, *statements: str) -> None:
    connection = sqlite3.connect(path)
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()


# (tampering, what db check says on a writable database, what it says on a read-only one)
TAMPERING = [
    ("UPDATE claims_fts SET text = 'words nobody said' WHERE rowid = 3", "text differs in the search index: 3", None),
    ("UPDATE claims_fts SET tags = 'invented' WHERE rowid = 2", "tags differ in the search index: 2", None),
    ("UPDATE claims_fts SET reviews = 'invented' WHERE rowid = 2", "headlines differ in the search index: 2", None),
    ("DELETE FROM claims_fts WHERE rowid = 4", "claims missing from the search index: 4", None),
    ("INSERT INTO claims_fts(rowid, text, tags) VALUES (999, 'ghost', '')", "claims that do not exist: 999", None),
    (
        "INSERT INTO sources_fts(rowid, title, publisher, text) VALUES (2, 'ghost', 'nobody', 'invented')",
        "sources_fts fails its integrity check",
        "sources_fts does not match what it indexes",
    ),
    (
        "INSERT INTO evidence_fts(evidence_fts, rowid, quote) SELECT 'delete', id, quote FROM evidence WHERE id = 5",
        "evidence_fts fails its integrity check",
        "evidence_fts does not match what it indexes",
    ),
    (
        "UPDATE claims_fts_data SET block = zeroblob(length(block)) WHERE id = (SELECT max(id) FROM claims_fts_data)",
        "claims_fts fails its integrity check",
        "claims_fts does not match what it indexes",
    ),
]


@pytest.mark.parametrize(("statement", "expected", "_"), TAMPERING)
def test_db_check_reads_the_search_index_content(cli, dump, db_path: Path, statement: str, expected: str, _) -> None:  # type: ignore[no-untyped-def]
    cli.ok("seed")
    assert "The database is sound." in cli.ok("db", "check")
    _tamper(db_path, statement)
    before = dump()
    result = cli("db", "check", "--json")
    assert result.exit_code == 1
    assert any(expected in problem for problem in json.loads(result.stdout)["problems"]), result.stdout
    assert dump() == before


@pytest.mark.parametrize(("statement", "writable", "read_only"), TAMPERING)
def test_db_check_on_a_read_only_database_rebuilds_and_compares(  # type: ignore[no-untyped-def]
    cli, dump, db_path: Path, db_url: str, statement: str, writable: str, read_only: str | None
) -> None:
    from factcheck.services.health import check_database

    cli.ok("seed")
    # A read-only session cannot run FTS5's integrity check (an INSERT), so the check rebuilds
    # each index and compares; on read-only files and folders this is the path that runs
    # (test_reading_needs_no_write_access).
    with db.session_scope(db_url, read_only=True) as session:
        report = check_database(session)
    assert report["ok"] and not any("search ind" in note for note in report["notes"]), report
    _tamper(db_path, statement)
    before = dump()
    with db.session_scope(db_url, read_only=True) as session:
        report = check_database(session)
    assert not report["ok"] and any((read_only or writable) in problem for problem in report["problems"]), report
    assert not any("search ind" in note for note in report["notes"]), report["notes"]
    assert dump() == before


def test_db_check_ignores_the_order_of_tags_in_the_index(cli, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli.ok("claim", "add", "A claim with two tags", "--tag", "first", "--tag", "second", "--force")
    _tamper(db_path, "UPDATE claims_fts SET tags = 'second first'")
    assert "The database is sound." in cli.ok("db", "check")


def test_newer_schema_says_upgrade_factcheck(cli, dump, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    _tamper(db_path, "UPDATE alembic_version SET version_num = '9999'")  # as a future release would leave it
    before = dump()
    for command in (("claim", "list"), ("db", "upgrade"), ("init",), ("db", "backup", "copy.db"), ("db", "check")):
        error = cli.fails(*command)
        assert "made by a newer factcheck" in error and "upgrade factcheck" in error, error
        assert "db upgrade" not in error
    assert "made by a newer factcheck" in cli.ok("db", "current")
    assert dump() == before
    assert not Path("copy.db").exists()


@pytest.mark.parametrize("exists", [True, False])
def test_db_current_neither_creates_nor_writes_a_file(tmp_path: Path, exists: bool) -> None:
    from tests.conftest import Run

    path = tmp_path / "empty.db"
    if exists:
        path.touch()
    assert "not initialised" in Run(path).ok("db", "current")
    assert Run(path).json("db", "current")["revision"] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == (["empty.db"] if exists else [])
    if exists:
        assert path.stat().st_size == 0


def test_backup_refuses_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    from tests.conftest import Run

    notes = tmp_path / "notes.db"
    notes.write_bytes(b"not a database at all\n" * 300)
    assert "not a usable SQLite database" in Run(notes).fails("db", "backup", str(tmp_path / "copy.db"))
    assert not (tmp_path / "copy.db").exists()


def test_backup_refuses_a_damaged_database(cli, db_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli.ok("seed")
    # An index that no longer matches its table: PRAGMA integrity_check finds every claim missing from it.
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA writable_schema = ON")
    connection.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_claims_claimant_id ON claims (text)'"
        " WHERE name = 'ix_claims_claimant_id'"
    )
    connection.commit()
    connection.close()
    before = db_path.read_bytes()
    error = cli.fails("db", "backup", str(tmp_path / "copy.db"))
    assert "is damaged (row 1 missing from index ix_claims_claimant_id)" in error and "not backed up" in error
    assert sorted(p.name for p in tmp_path.glob("copy.db*")) == []
    assert db_path.read_bytes() == before


# Read-only files and folders. Tests run as root here, and root ignores file permissions, so a
# read-only folder is made with the immutable attribute (chattr +i), which binds root too; as an
# ordinary user, chmod does. The CLI runs in a fresh process, as a user would run it, so that no
# connection pooled by an earlier command in this process is reused.


@pytest.fixture
def read_only(tmp_path: Path):  # type: ignore[no-untyped-def]
    import shutil
    import subprocess

    made: list[Path] = []

    def protect(path: Path) -> None:
        if os.geteuid() != 0:
            path.chmod(0o555 if path.is_dir() else 0o444)
        elif shutil.which("chattr") and _chattr("+i", path):
            made.append(path)
        else:
            pytest.skip("running as root where chattr +i does not work: cannot make a read-only file")
        with pytest.raises(OSError):  # the protection holds for this process too
            if path.is_dir():
                (path / "probe").touch()
            else:
                path.open("ab").close()

    yield protect
    for path in reversed(made):
        subprocess.run(["chattr", "-i", str(path)], check=True)
    for path in tmp_path.rglob("*"):
        if os.geteuid() != 0:
            path.chmod(0o755 if path.is_dir() else 0o644)


def _chattr(flag: str, path: Path) -> bool:
    return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0


# Runs CLI commands in one fresh process (nothing pooled from before the files were protected).
COMMANDS = """
import json, sys
from typer.testing import CliRunner
from factcheck.cli import app
results = []
for args in json.loads(sys.argv[2]):
    result = CliRunner().invoke(app, ["--db", sys.argv[1], *args])
    results.append({"code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr})
print(json.dumps(results))
"""


def _factcheck(path: Path, *commands: tuple[str, ...]) -> list[dict[str, Any]]:
    """Exit code, stdout and stderr of each command, run in a new process in that order."""
    process = subprocess.run(
        [sys.executable, "-c", COMMANDS, str(path), json.dumps(commands)],
        capture_output=True,
        text=True,
        cwd=path.parent.parent,
        env={**os.environ, "COLUMNS": "200"},
        check=True,
    )
    return json.loads(process.stdout)


READS = [
    ("claim", "show", "bucharest-summit-2008-promise"),
    ("claim", "list"),
    ("db", "current"),
    ("export", "--format", "json"),
]


@pytest.mark.parametrize("what", ["file", "folder"])
def test_reading_needs_no_write_access(tmp_path: Path, read_only, what: str) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import Run

    folder = tmp_path / "shelf"
    folder.mkdir()
    path = folder / "facts.db"
    Run(path).ok("init", "--seed")
    expected = {args: Run(path).ok(*args) for args in READS}
    url = db.resolve_url(str(path))
    for read_only_engine in (False, True):  # close this process's pooled connections
        db.get_engine(url, read_only=read_only_engine).dispose()
    assert sorted(p.name for p in folder.iterdir()) == ["facts.db"]  # WAL files tidied away
    before = path.read_bytes()
    read_only(path)
    if what == "folder":
        read_only(folder)
    backup = ("db", "backup", str(tmp_path / "copy.db"))
    write = ("claim", "add", "Nobody may write this", "--force")
    *reads, check, copy, refused = _factcheck(path, *READS, ("db", "check"), backup, write)
    for args, result in zip(READS, reads, strict=True):
        assert result["code"] == 0, (args, result["stderr"])
        assert result["stdout"] == expected[args]
    assert check["code"] == 0, check["stdout"] + check["stderr"]
    assert "The database is sound." in check["stdout"]
    assert "problem" not in check["stdout"]
    assert "search index" not in check["stdout"]  # checked by rebuilding, not skipped
    assert copy["code"] == 0, copy["stderr"]
    copied = sqlite3.connect(tmp_path / "copy.db")
    assert copied.execute("SELECT count(*) FROM claims").fetchone()[0] > 0
    copied.close()
    assert refused["code"] == 1 and "Traceback" not in refused["stderr"]
    assert "write access" in refused["stderr"] and "nothing was written" in refused["stderr"], refused["stderr"]
    assert path.read_bytes() == before
    if what == "folder":
        assert sorted(p.name for p in folder.iterdir()) == ["facts.db"]


def test_read_only_folder_with_a_write_ahead_log_shows_its_changes(tmp_path: Path, read_only) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import Run

    folder = tmp_path / "shelf"
    folder.mkdir()
    path = folder / "facts.db"
    Run(path).ok("init", "--seed")
    for read_only_engine in (False, True):
        db.get_engine(db.resolve_url(str(path)), read_only=read_only_engine).dispose()
    # Another process keeps the database open: its last change is still only in facts.db-wal.
    keeper = sqlite3.connect(path)
    try:
        keeper.execute("UPDATE claims SET text = text || ' (edited)' WHERE slug = 'bucharest-summit-2008-promise'")
        keeper.commit()
        assert (folder / "facts.db-wal").stat().st_size > 0
        read_only(folder)
        (shown,) = _factcheck(path, ("claim", "show", "bucharest-summit-2008-promise", "--json"))
        assert shown["code"] == 0, shown["stderr"]
        assert json.loads(shown["stdout"])["claim"]["text"].endswith("(edited)")
    finally:
        keeper.close()


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    from tests.conftest import Run

    (tmp_path / "shelf").mkdir()
    for command in (("claim", "list"), ("db", "current"), ("init",)):
        assert "shelf is a folder: give --db a database file" in Run(tmp_path / "shelf").fails(*command)
    assert list((tmp_path / "shelf").iterdir()) == []
