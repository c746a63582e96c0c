"""Long computations run outside the write lock (issue 13, item 13; issue 14, "write transactions
only write"): while one process anchors a quote or looks for the claims a new text speaks to,
another process can write.

A second Python process runs the real CLI with the long computation wrapped so that, once it is
done, it pauses until the test says go. While it is paused, this process writes through the CLI with a short busy
timeout: a lock held during the computation would make that write fail as "database is busy",
whatever the speed of the machine. A control pauses inside the write transaction instead and
shows that the test sees a held lock."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

PAUSING = """
import importlib, sys, time
from pathlib import Path

module_name, function, started, go = sys.argv[1:5]
module = importlib.import_module(module_name)
real = getattr(module, function)

def paused(*args, **kwargs):
    result = real(*args, **kwargs)  # pausing after the call: any SQL it runs has begun its transaction
    Path(started).touch()
    while not Path(go).exists():
        time.sleep(0.01)
    return result

setattr(module, function, paused)
from factcheck.cli import app
sys.exit(app(sys.argv[5:], prog_name="factcheck"))
"""
DEADLOCK_GUARD = 120  # seconds: only ever reached when something is broken


class Paused:
    """The CLI in another process, paused in `module.function` until `release()`."""

    def __init__(self, tmp_path: Path, db_path: Path, target: str, *args: str) -> None:
        module, function = target.rsplit(".", 1)
        script = tmp_path / "pausing.py"
        script.write_text(PAUSING)
        self.started, self.go = tmp_path / f"started-{function}", tmp_path / f"go-{function}"
        command = [sys.executable, str(script), module, function, str(self.started), str(self.go)]
        self.process = subprocess.Popen(
            [*command, "--db", str(db_path), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def wait_until_paused(self) -> None:
        deadline = time.monotonic() + DEADLOCK_GUARD
        while not self.started.exists():
            if self.process.poll() is not None:
                pytest.fail(f"the command ended without reaching the pause: {self.process.communicate()}")
            assert time.monotonic() < deadline, "the command never reached the pause"
            time.sleep(0.01)

    def release(self) -> tuple[int, str, str]:
        self.go.touch()
        stdout, stderr = self.process.communicate(timeout=DEADLOCK_GUARD)
        return self.process.returncode, stdout, stderr


@pytest.fixture
def world(cli, tmp_path):  # type: ignore[no-untyped-def]
    text = tmp_path / "long.txt"
    sentences = (
        f"Passage {n} says that the alliance met in city number {n} to talk about security." for n in range(300)
    )
    text.write_text(" ".join(sentences))
    cli.ok("claim", "add", "The alliance met to talk about security", "--slug", "met")
    cli.ok("source", "add", "Minutes", "--slug", "minutes", "--text-file", str(text))
    return cli


@pytest.fixture
def short_busy_timeout(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FACTCHECK_BUSY_TIMEOUT", "0.2")


MISQUOTE = "Passage 250 says that the alliance met in town number 250 to talk about security and trade. " * 20


@pytest.mark.parametrize(
    ("target", "command", "done"),
    [
        (
            "factcheck.services.evidence.anchor_quote",
            ("evidence", "add", "met", "minutes", "--stance", "supports", "--quote", MISQUOTE, "--allow-unverified"),
            "Added evidence",
        ),
        ("factcheck.services.scan.suggestions_for", ("source", "add", "Copy", "--text-file", "long.txt"), "Added"),
        ("factcheck.services.evidence.anchor_quote", ("verify",), "Quotes now"),
    ],
    ids=["evidence add", "source add", "verify"],
)
def test_another_process_can_write_during_the_long_computation(
    world, db_path, tmp_path, short_busy_timeout, target, command, done
) -> None:  # type: ignore[no-untyped-def]
    if command[0] == "verify":  # something for verify to re-check
        world.ok("evidence", "add", "met", "minutes", "--stance", "supports", "--quote", "Passage 7 says")
    paused = Paused(tmp_path, db_path, target, *command)
    paused.wait_until_paused()
    try:
        world.ok("claim", "add", "Written while the other command computes", "--slug", "meanwhile")
    finally:
        code, stdout, stderr = paused.release()
    assert code == 0, stderr
    assert done in stdout
    assert world.json("claim", "show", "meanwhile")["claim"]["slug"] == "meanwhile"


def test_the_test_sees_a_lock_held_during_a_write(world, db_path, tmp_path, short_busy_timeout, dump) -> None:  # type: ignore[no-untyped-def]
    """Control: paused inside the write transaction, the other command does hold the lock."""
    command = ("evidence", "add", "met", "minutes", "--stance", "supports", "--quote", "Passage 7 says")
    paused = Paused(tmp_path, db_path, "factcheck.services.evidence.add_evidence", *command)
    paused.wait_until_paused()
    try:
        before = dump()
        assert "database is busy" in world.fails("claim", "add", "Blocked", "--slug", "blocked")
        assert dump() == before
    finally:
        code, stdout, stderr = paused.release()
    assert code == 0 and "Added evidence" in stdout, stderr


def test_evidence_is_not_added_when_the_text_changed_while_its_quote_was_checked(
    world, db_path, tmp_path, short_busy_timeout
) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other.txt"
    other.write_text("A different text altogether, where Passage 7 says nothing of the kind.")
    command = ("evidence", "add", "met", "minutes", "--stance", "supports", "--quote", "Passage 8 says")
    paused = Paused(tmp_path, db_path, "factcheck.services.evidence.check_quote", *command)
    paused.wait_until_paused()
    try:
        world.ok("source", "edit", "minutes", "--text-file", str(other))
    finally:
        code, _stdout, stderr = paused.release()
    assert code == 1 and "the archived text of source 'minutes' changed while the quote was being checked" in stderr
    assert world.json("evidence", "list") == []


def test_verify_writes_nothing_for_a_source_whose_text_changed_while_it_was_checked(
    world, db_path, tmp_path, short_busy_timeout
) -> None:  # type: ignore[no-untyped-def]
    world.ok("evidence", "add", "met", "minutes", "--stance", "supports", "--quote", "Passage 7 says")
    other = tmp_path / "other.txt"
    other.write_text("A different text altogether, which says nothing of the kind.")
    world.ok("source", "edit", "minutes", "--text-file", str(other))  # the quote is no longer there
    # ... which the edit found; say it had not (as after an import), so that verify has a change to write.
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE evidence SET quote_status = 'verified'")
    connection.close()
    paused = Paused(tmp_path, db_path, "factcheck.services.evidence.check_source_quotes", "verify")
    paused.wait_until_paused()
    try:
        world.ok("source", "edit", "minutes", "--text-file", "long.txt")  # and now it is again
    finally:
        code, _stdout, stderr = paused.release()
    assert code == 1 and "changed while its quotes were being checked" in stderr
    assert [row["quote_status"] for row in world.json("evidence", "list")] == ["verified"]
