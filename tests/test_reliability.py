"""Nothing lost, nothing half-written: concurrent writers, a killed import, arbitrary input."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck.services.common import visible
from tests.conftest import Run

ROOT = Path(__file__).resolve().parents[1]
WRITER = """
import sys
from factcheck import db
from factcheck.errors import DatabaseProblem
from factcheck.services import claims
from factcheck.revisions import record_revisions
url, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
done = busy = 0
for i in range(count):
    try:
        with db.session_scope(url, write=True, by=name, on_open=record_revisions) as session:
            claims.add_claim(session, f"{name} writes claim number {i}", slug=f"{name}-{i}", force=True)
        done += 1
    except DatabaseProblem as error:
        assert "database is busy" in str(error), error
        busy += 1
print(done, busy)
"""


def _count(path: Path, sql: str) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def test_two_processes_writing_at_once_lose_nothing(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, url, name, "40"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        for name in ("alpha", "beta")
    ]
    results = [tuple(map(int, writer.communicate(timeout=120)[0].split())) for writer in writers]
    assert all(writer.returncode == 0 for writer in writers)
    done = sum(result[0] for result in results)
    assert done + sum(result[1] for result in results) == 80
    assert _count(db_path, "SELECT count(*) FROM claims") == done
    assert _count(db_path, "SELECT count(*) FROM revisions WHERE entity = 'claims'") == done
    assert _count(db_path, "SELECT count(*) FROM claims_fts") == done
    connection = sqlite3.connect(db_path)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    connection.close()


# Runs `factcheck import` and stops it at a known point: every row written, the commit not yet
# made. It prints how many claims its transaction sees, then waits to be killed.
PAUSED_IMPORT = """
import sys
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from factcheck.cli import main
from factcheck.models import Claim

def pause(session):
    print(session.scalar(select(func.count()).select_from(Claim)), flush=True)
    sys.stdin.read()  # until killed

event.listen(Session, "before_commit", pause)
sys.argv = ["factcheck", *sys.argv[1:]]
main()
"""


@pytest.mark.sqlite_only("a SQLite file killed midway; tests/test_postgres.py kills a PostgreSQL connection")
def test_an_import_killed_midway_leaves_the_database_as_it_was(tmp_path: Path, dump) -> None:  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    big = tmp_path / "big.json"
    big.write_text(json.dumps(generate(300, evidence_per_claim=4)))
    run = Run(tmp_path / "test.db")
    run.ok("seed")
    seeded = _count(tmp_path / "test.db", "SELECT count(*) FROM claims")
    before = dump()
    process = subprocess.Popen(
        [sys.executable, "-c", PAUSED_IMPORT, "--db", str(tmp_path / "test.db"), "import", str(big)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    # No clock: the line arrives when the import has written everything and is about to commit.
    written = process.stdout.readline()
    assert written.strip() == str(seeded + 300), f"the import did not reach its commit: {written!r}"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert dump() == before
    assert "The database is sound." in run.ok("db", "check")
    run.ok("claim", "add", "Written after the crash", "--force")


def test_db_check_finds_what_is_broken(cli, db_path) -> None:  # type: ignore[no-untyped-def]
    cli.ok("seed")
    assert "The database is sound." in cli.ok("db", "check")
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA foreign_keys = OFF")
    connection.execute("DROP TRIGGER claims_fts_delete")  # a claim deleted behind the index's back
    connection.execute("DELETE FROM claims WHERE slug = 'bucharest-summit-2008-promise'")
    connection.commit()
    connection.close()
    result = cli(*["db", "check", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    problems = " ".join(report["problems"])
    assert (
        "foreign key" in problems
        and "dangling link" in problems
        and "search index rows for claims that do not exist" in problems
    )
    assert report["quotes"]["unverified"] == 89  # the orphaned quote is still counted


FREE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),  # argv cannot carry NUL
    min_size=0,
    max_size=300,
) | st.sampled_from(
    [
        "",
        " ",
        "| a | b |",
        "**bold**",
        "<script>x</script>",
        "'; DROP TABLE claims; --",
        "é" * 5000,
        "line\nbreak\r\n",
        "\t\x07\x1b[31mred",
        "-leading-dash",
        "Ǆ ﬁ Ⅻ",
        "[^1]: note",
    ]
)


# A budget: each example runs up to seven commands and compares whole-database dumps, so 15
# examples keep this test to a few seconds; run with more (e.g. 500) when changing input handling.
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(text=FREE_TEXT, note=FREE_TEXT, role=FREE_TEXT, quote=FREE_TEXT)
def test_arbitrary_text_round_trips_or_fails_cleanly(cli, dump, text: str, note: str, role: str, quote: str) -> None:  # type: ignore[no-untyped-def]
    calls = [
        (("actor", "add", "--role", role, "--", text), "actor"),
        (("source", "add", "--publisher", note, "--", text), "source"),
        (("claim", "add", "--note", note, "--force", "--", text), "claim"),
    ]
    for args, kind in calls:
        before = dump()
        result = cli(*args)
        assert "Traceback" not in result.output and "internal error" not in result.output, result.output
        if result.exit_code != 0:
            assert result.exit_code in (1, 2) and len(result.stderr.strip().splitlines()) == 1, result.stderr
            assert dump() == before
            continue
        slug = result.stdout.split()[2]
        shown = cli.json(kind, "show", slug)
        stored = shown.get("name") or shown.get("title") or shown["claim"]["text"]
        assert stored == text.strip()
        if kind == "claim":
            assert shown["claim"]["note"] == (note.strip() if visible(note) else None)  # else empty to a reader
        if kind == "claim" and visible(quote):
            evidence = cli("evidence", "add", slug, "1", "--stance", "context", "--quote", quote)
            if evidence.exit_code == 0:
                assert cli.json("evidence", "list", "--claim", slug)[-1]["quote"] == quote.strip()
