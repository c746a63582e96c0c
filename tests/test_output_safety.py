"""Output that cannot be turned against the reader or the user: escape sequences in user text never
reach a terminal raw, markup in paths and values is shown literally, a failure to print after a
commit says the change was saved, and CSV cells never run as spreadsheet formulas."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factcheck import db
from factcheck.cli import app

# Screen clear, a window title (OSC … BEL), a hyperlink (OSC 8), a one-byte CSI, a carriage return
# and the bidi override and isolates that reorder text.
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\\x9b31m\r\u202e\u2066\u2069"
UNSAFE = ["\x1b", "\x07", "\r", "\x9b", "\u202e", "\u2066", "\u2069"]
SHOWN = ["\\x1b[2J", "\\x07", "\\x9b", "\\x0d", "\\u202e", "\\u2066", "\\u2069"]


def assert_safe(output: bytes) -> None:
    """No byte of the output, read as the UTF-8 a terminal reads, is a control or bidi character."""
    text = output.decode("utf-8")
    for character in UNSAFE:
        assert character not in text, f"{character!r} reached the terminal raw"


@pytest.fixture
def hostile(cli):  # type: ignore[no-untyped-def]
    """A claim, source, actor, tag and evidence whose every text carries escape sequences."""
    cli.ok("actor", "add", f"Mallory {ESCAPES}", "--slug", "mallory", "--role", f"role {ESCAPES}")
    cli.ok("source", "add", f"Title {ESCAPES}", "--slug", "src", "--publisher", f"pub {ESCAPES}")
    cli.ok("claim", "add", f"Hostile claim {ESCAPES}", "--slug", "hostile", "--claimant", "mallory")
    cli.ok("claim", "edit", "hostile", "--tag", f"tag {ESCAPES}", "--note", f"note {ESCAPES}")
    cli.ok("evidence", "add", "hostile", "src", "--stance", "refutes", "--quote", f"quote {ESCAPES}")
    cli.ok("claim", "rate", "hostile", "false", "--rationale", f"because {ESCAPES}", "--label", f"label {ESCAPES}")
    return cli


READS = [
    ("claim", "show", "hostile"),
    ("claim", "list"),
    ("similar", f"Hostile claim {ESCAPES}"),
    ("search", "hostile"),
    ("search", "quote", "--in", "evidence"),
    ("source", "show", "src"),
    ("source", "list"),
    ("actor", "show", "mallory"),
    ("actor", "list"),
    ("history",),
    ("history", "hostile"),
]


@pytest.mark.parametrize("command", READS, ids=" ".join)
def test_escape_sequences_are_shown_not_obeyed(hostile, command) -> None:  # type: ignore[no-untyped-def]
    result = hostile(*command)
    assert result.exit_code == 0, result.output
    assert_safe(result.stdout_bytes)
    # Shown visibly, so the reader sees something is there (history shows changes as JSON).
    assert "\\x1b" in result.stdout or "\\u001b" in result.stdout


def test_claim_show_shows_every_character_visibly(hostile) -> None:  # type: ignore[no-untyped-def]
    shown = hostile.ok("claim", "show", "hostile")
    for form in SHOWN:
        assert form in shown
    assert "\\x1b]0;pwned\\x07" in shown


def test_json_output_stays_exact(hostile) -> None:  # type: ignore[no-untyped-def]
    result = hostile("claim", "show", "hostile", "--json")
    assert result.exit_code == 0
    assert_safe(result.stdout_bytes)  # escaped the JSON way ...
    assert json.loads(result.stdout)["claim"]["text"] == f"Hostile claim {ESCAPES}"  # ... and exact once read
    assert hostile.json("actor", "show", "mallory")["name"] == f"Mallory {ESCAPES}"
    assert hostile.json("source", "list")[0]["title"] == f"Title {ESCAPES}"


def test_messages_and_errors_are_safe(hostile) -> None:  # type: ignore[no-untyped-def]
    added = hostile("actor", "add", f"Eve {ESCAPES}", "--slug", "eve")
    assert added.exit_code == 0
    assert_safe(added.stdout_bytes)
    assert "Eve \\x1b[2J" in added.stdout
    missing = hostile("claim", "show", f"nope{ESCAPES}")
    assert missing.exit_code == 1
    assert_safe(missing.stderr_bytes)
    assert "nope\\x1b[2J" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1
    usage = hostile("claim", "list", f"--x{ESCAPES}")  # an unknown option: Typer quotes it back
    assert usage.exit_code == 2
    assert_safe(usage.stderr_bytes)


def test_markup_in_values_and_paths_is_shown_literally(cli, tmp_path, dump) -> None:  # type: ignore[no-untyped-def]
    cli.ok("claim", "add", "A claim about [draft] texts :warning: [/b]", "--slug", "drafts")
    assert "[draft] texts :warning: [/b]" in cli.ok("claim", "show", "drafts")
    assert "[draft] texts :warning: [/b]" in cli.ok("claim", "list")
    assert "no claim '[/b][draft]'" in cli.fails("claim", "show", "[/b][draft]")
    folder = tmp_path / "[draft] a[/b]"
    folder.mkdir(parents=True)
    target = folder / "[bold]report[draft].md"
    assert cli.ok("report", "drafts", "-o", str(target)) == f"Wrote {target}.\n"
    assert target.read_text().startswith("# A claim about")
    # A dataset folder whose name is markup: seeded, and named as typed.
    cli.ok("export", "--format", "yaml", "-o", str(folder / "data.yaml"))
    other = tmp_path / "other.db"
    assert CliRunner().invoke(app, ["--db", str(other), "init"]).exit_code == 0
    said = CliRunner().invoke(app, ["--db", str(other), "seed", str(folder)])
    assert said.exit_code == 0, said.output
    assert said.stdout.startswith(f"Loaded {folder}: added 1 claims")


def factcheck(*args: str, stdout: int | None = None, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real console command in a second process, so that its stdout can be /dev/full."""
    environment = {**os.environ, "FACTCHECK_USER": "tester"}
    environment.pop("FACTCHECK_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "factcheck", *args],
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=120,
    )


@pytest.fixture
def dev_full():  # type: ignore[no-untyped-def]
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    with open("/dev/full", "w") as full:
        yield full.fileno()


def test_a_write_whose_output_fails_says_it_was_saved(cli, db_path, tmp_path, dev_full) -> None:  # type: ignore[no-untyped-def]
    result = factcheck("--db", str(db_path), "claim", "add", "Saved though unprinted", stdout=dev_full, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "Error: the change was saved, but its output could not be written (No space left on device)\n"
    )
    assert [claim["text"] for claim in cli.json("claim", "list")] == ["Saved though unprinted"]


def test_a_read_whose_output_fails_says_so(cli, db_path, tmp_path, dev_full) -> None:  # type: ignore[no-untyped-def]
    cli.ok("claim", "add", "Something to list")
    commands = [("claim", "list"), ("claim", "list", "--json"), ("report", "1"), ("export", "--format", "json")]
    for command in [*commands, ("--help",), ("claim", "--help"), ("claim", "add", "--help")]:
        result = factcheck("--db", str(db_path), *command, stdout=dev_full, cwd=tmp_path)
        assert result.returncode == 1, command
        assert result.stderr == "Error: the output could not be written (No space left on device)\n", command


def test_init_seed_seeds_when_output_fails(tmp_path, dev_full) -> None:  # type: ignore[no-untyped-def]
    database = tmp_path / "full.db"
    result = factcheck("--db", str(database), "init", "--seed", stdout=dev_full, cwd=tmp_path)
    assert result.returncode == 1
    assert "saved, but its output could not be written" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    listed = factcheck("--db", str(database), "claim", "list", "--json", cwd=tmp_path)
    assert len(json.loads(listed.stdout)) == 26


def test_init_seed_with_markup_in_the_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "a[/b]"
    folder.mkdir(parents=True)
    database = folder / "x.db"
    result = factcheck("--db", str(database), "init", "--seed", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Loaded the bundled seed dataset: added" in result.stdout
    listed = factcheck("--db", str(database), "claim", "list", "--json", cwd=tmp_path)
    assert len(json.loads(listed.stdout)) == 26


def test_csv_cells_never_run_as_formulas(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    formulas = ['=HYPERLINK("http://evil/","click")', "+1+1", "-2+3", "@SUM(A1)"]
    for number, formula in enumerate(formulas):
        cli.ok("claim", "add", "--slug", f"formula-{number}", "--force", "--", formula)
    cli.ok("source", "add", "A source", "--slug", "src")
    cli.ok("evidence", "add", "formula-0", "src", "--stance", "refutes", "--quote", "=1+2")
    out = tmp_path / "csv"
    cli.ok("export", "--format", "csv", "-o", str(out))
    with (out / "claims.csv").open(newline="", encoding="utf-8") as file:
        texts = {row["slug"]: row["text"] for row in csv.DictReader(file)}
    assert [texts[f"formula-{number}"] for number in range(len(formulas))] == ["'" + f for f in formulas]
    with (out / "evidence.csv").open(newline="", encoding="utf-8") as file:
        (row,) = list(csv.DictReader(file))
    assert row["quote"] == "'=1+2"
    assert row["id"] == "1" and row["start"] == ""  # numbers and empty cells are left alone


def test_csv_cells_starting_with_a_tab_or_carriage_return_are_inert() -> None:
    # The services strip leading whitespace from what the CLI stores; the writer must not rely on it.
    from factcheck.interchange.dataset.csvfiles import inert

    assert [inert(cell) for cell in ("\tx", "\r=1", "text", "", None, -3)] == ["'\tx", "'\r=1", "text", "", None, -3]


def test_warnings_are_plain_and_safe(capsys: pytest.CaptureFixture[str]) -> None:
    from factcheck.cli.output import warn

    warn(f"date [draft] {ESCAPES}")
    written = capsys.readouterr().err
    assert written.startswith("Warning: date [draft] \\x1b[2J")
    assert_safe(written.encode())


def test_on_a_real_terminal_only_our_own_styles_are_sent(hostile, db_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With a terminal on stdout Rich sends colour codes of its own; nothing else may get through."""
    import pty
    import re

    for command in (("claim", "show", "hostile"), ("source", "show", "src"), ("actor", "show", "mallory")):
        leader, follower = pty.openpty()
        try:
            environment = {**os.environ, "COLUMNS": "200", "TERM": "xterm-256color"}
            environment.pop("NO_COLOR", None)
            process = subprocess.run(
                [sys.executable, "-m", "factcheck", "--db", str(db_path), *command],
                stdout=follower,
                stderr=subprocess.PIPE,
                cwd=tmp_path,
                env=environment,
                timeout=120,
            )
            os.close(follower)
            follower = -1
            received = b""
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the terminal closed: everything was read
                    break
                if not chunk:
                    break
                received += chunk
        finally:
            os.close(leader)
            if follower != -1:
                os.close(follower)
        assert process.returncode == 0, process.stderr
        text = received.decode("utf-8")
        assert "\x1b[" in text, "Rich did not see a terminal: the test proves nothing"
        styles_removed = re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\r\n", "\n")
        assert_safe(styles_removed.encode())
        assert "\\x1b]0;pwned\\x07" in styles_removed


def test_database_messages_show_paths_literally(tmp_path, dev_full) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "[draft]").mkdir()  # the tests run in tmp_path: paths are shown relative to it

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.stdout

    assert run("--db", "[draft]/x.db", "init") == f"Created [draft]/x.db (schema {db.SCHEMA_HEAD}).\n"
    assert run("--db", "[draft]/x.db", "db", "backup", "[draft]/[b]copy.db").startswith(
        "Backed up [draft]/x.db to [draft]/[b]copy.db ("
    )
    assert run("--db", "[draft]/x.db", "db", "current").startswith(f"[draft]/x.db: schema {db.SCHEMA_HEAD}")
    result = factcheck("--db", "new.db", "init", stdout=dev_full, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "Error: the change was saved, but its output could not be written (No space left on device)\n"
    )
    assert run("--db", "new.db", "db", "current").startswith(f"new.db: schema {db.SCHEMA_HEAD}")
