"""Versions of a source's archived text: a replaced text is kept, quotes are re-anchored in the new
one, and a quote found before but not now is reported as orphaned (issue 19)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

FIRST = (
    "The minister spoke first.\n"
    "No troops will be stationed east of the river.\n"
    "Budgets were discussed.\n"
    "The meeting closed at noon.\n"
)
SECOND = (
    "Preface added by the editors.\nThe minister spoke first.\nBudgets were discussed.\nThe meeting closed at noon.\n"
)
REMOVED = "No troops will be stationed east of the river."


@pytest.fixture
def minutes(cli, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A source with two quotes: one the second text drops, one it keeps further down."""
    (tmp_path / "first.txt").write_text(FIRST, encoding="utf-8")
    (tmp_path / "second.txt").write_text(SECOND, encoding="utf-8")
    cli.ok("source", "add", "Minutes", "--slug", "minutes", "--text-file", str(tmp_path / "first.txt"))
    cli.ok("claim", "add", "No troops east of the river", "--slug", "east")
    cli.ok("evidence", "add", "east", "minutes", "--stance", "supports", "--quote", REMOVED)
    cli.ok("evidence", "add", "east", "minutes", "--stance", "context", "--quote", "Budgets were discussed.")
    return cli


def test_replacing_the_text_keeps_the_old_version_and_reports_the_orphan(minutes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = minutes("source", "edit", "minutes", "--text-file", str(tmp_path / "second.txt"))
    assert result.exit_code == 0, result.output
    assert "Archived version 2 of the text (version 1 kept)" in result.stdout
    assert "1 verified, 1 not-found" in result.stdout
    assert "evidence 1 (east): quote orphaned since version 2" in result.stderr

    first, second = minutes.json("source", "versions", "minutes")
    assert (first["version"], first["current"], first["quotes"], first["evidence"]) == (1, False, 2, [1, 2])
    assert (second["version"], second["current"], second["quotes"], second["evidence"]) == (2, True, 1, [2])
    assert first["size"] == len(FIRST.encode()) and second["size"] == len(SECOND.encode())
    assert first["text_kept"] and first["sha256"] != second["sha256"] and first["archived_at"] <= second["archived_at"]

    # The kept quote was re-anchored where it now stands; the dropped one is not-found.
    rows = {row["id"]: row for row in minutes.json("evidence", "list")}
    assert rows[2]["quote_status"] == "verified" and rows[2]["start"] == SECOND.index("Budgets")
    assert rows[1]["quote_status"] == "not-found"

    verified = minutes.json("verify")
    assert verified["orphaned"] == [
        {"evidence": 1, "claim": "east", "source": "minutes", "quote": REMOVED, "orphaned_since": 2}
    ]
    assert "orphaned since version 2" in minutes.ok("verify", "minutes")
    shown = minutes.json("claim", "show", "east")
    marks = {e["id"]: e["orphaned_since"] for stance in shown["evidence"].values() for e in stance}
    assert marks == {1: 2, 2: None}
    # Marked wherever the claim is shown: the terminal, its report and its web page.
    assert "(orphaned since version 2)" in " ".join(minutes.ok("claim", "show", "east").split())
    report = minutes.ok("report", "east")
    assert report.count("orphaned since version 2 of the source's text") == 1
    from starlette.testclient import TestClient

    from factcheck import db
    from factcheck.web.app import create_app

    page = (
        TestClient(create_app(db.resolve_url(str(minutes.path))), base_url="http://127.0.0.1").get("/claims/east").text
    )
    assert page.count("orphaned since version 2 of the source's text") == 1


def test_source_diff_shows_the_removed_sentence_and_the_quotes_lost_and_moved(minutes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    minutes.ok("source", "edit", "minutes", "--text-file", str(tmp_path / "second.txt"))
    found = minutes.json("source", "diff", "minutes")
    assert (found["from"], found["to"]) == (1, 2)
    assert f"-{REMOVED}" in found["diff"].splitlines()
    assert "+Preface added by the editors." in found["diff"].splitlines()
    assert [(q["evidence"], q["from"], q["to"]) for q in found["quotes_lost"]] == [
        (1, {"start": FIRST.index(REMOVED), "end": FIRST.index(REMOVED) + len(REMOVED)}, None)
    ]
    assert [(q["evidence"], q["to"]["start"]) for q in found["quotes_moved"]] == [(2, SECOND.index("Budgets"))]
    assert found["quotes_found"] == []
    shown = minutes.ok("source", "diff", "minutes", "1", "2")
    assert f"-{REMOVED}" in shown and "Quotes lost" in shown and "Quotes moved" in shown
    # The other way round, the sentence comes back, and so does the quote.
    back = minutes.json("source", "diff", "minutes", "2", "1")
    assert f"+{REMOVED}" in back["diff"].splitlines() and [q["evidence"] for q in back["quotes_found"]] == [1]


def test_a_quote_found_again_in_a_later_version_is_no_longer_orphaned(minutes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    minutes.ok("source", "edit", "minutes", "--text-file", str(tmp_path / "second.txt"))
    minutes.ok("source", "edit", "minutes", "--text-file", str(tmp_path / "first.txt"))
    assert [v["version"] for v in minutes.json("source", "versions", "minutes")] == [1, 2, 3]
    assert minutes.json("verify")["orphaned"] == []
    assert {row["quote_status"] for row in minutes.json("evidence", "list")} == {"verified"}
    assert minutes.json("source", "diff", "minutes", "1", "3")["diff"] == ""
    assert "have the same text" in minutes.ok("source", "diff", "minutes", "1", "3")


def test_the_same_text_again_makes_no_version(minutes, tmp_path: Path, dump) -> None:  # type: ignore[no-untyped-def]
    out = minutes.ok("source", "edit", "minutes", "--text-file", str(tmp_path / "first.txt"))
    assert "same as before: no new version" in out
    assert len(minutes.json("source", "versions", "minutes")) == 1


def test_refusals_change_nothing(minutes, tmp_path: Path, dump) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    assert "has one version of its text: nothing to compare it with yet" in minutes.fails("source", "diff", "minutes")
    assert "has no version 2 of its text: it has version 1" in minutes.fails("source", "diff", "minutes", "1", "2")
    assert "has no version 7 of its text" in minutes.fails("source", "diff", "minutes", "1", "7")
    assert "no source 'nowhere'" in minutes.fails("source", "versions", "nowhere")
    (tmp_path / "blank.txt").write_text("   \n", encoding="utf-8")
    assert "is empty" in minutes.fails("source", "edit", "minutes", "--text-file", str(tmp_path / "blank.txt"))
    assert dump() == before
    minutes.ok("source", "add", "No text", "--slug", "bare")
    before = dump()
    assert minutes.json("source", "versions", "bare") == []
    assert "source 'bare' has no archived text" in minutes.fails("source", "diff", "bare")
    assert dump() == before


def test_a_text_archived_without_versions_becomes_version_1_when_replaced(minutes, db_path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # As an import leaves it (it writes sources' texts in bulk and keeps no versions).
    with sqlite3.connect(db_path) as connection:
        connection.execute("DELETE FROM source_versions")
    connection.close()
    (listed,) = minutes.json("source", "versions", "minutes")
    assert (listed["version"], listed["current"], listed["quotes"]) == (1, True, 2)
    minutes.ok("source", "edit", "minutes", "--text-file", str(tmp_path / "second.txt"))
    assert [(v["version"], v["quotes"]) for v in minutes.json("source", "versions", "minutes")] == [(1, 2), (2, 1)]
    assert minutes.json("verify")["orphaned"][0]["orphaned_since"] == 2


def test_a_check_made_before_a_quote_was_added_is_not_used(db_url: str, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The CLI anchors the quotes in the new text before taking the write lock; evidence added in
    between must be re-anchored too, not left as it stood in the old text."""
    from factcheck import db
    from factcheck.services.evidence import check_source_quotes
    from factcheck.services.source_versions import replace_text
    from factcheck.services.sources import get_source

    (tmp_path / "first.txt").write_text(FIRST, encoding="utf-8")
    cli.ok("source", "add", "Minutes", "--slug", "minutes", "--text-file", str(tmp_path / "first.txt"))
    cli.ok("claim", "add", "No troops east of the river", "--slug", "east")
    with db.session_scope(db_url) as session:
        check = check_source_quotes(session, get_source(session, "minutes").id, SECOND)
    cli.ok("evidence", "add", "east", "minutes", "--stance", "supports", "--quote", REMOVED)
    with db.session_scope(db_url, write=True) as session:
        replaced = replace_text(session, get_source(session, "minutes"), SECOND, check)
        assert replaced is not None and replaced.check is not check
    (row,) = cli.json("evidence", "list")
    assert row["quote_status"] == "not-found"
    assert cli.json("verify")["orphaned"][0]["evidence"] == row["id"]


def test_db_copy_keeps_the_versions(minutes, db_path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from factcheck.cli import app

    minutes.ok("source", "edit", "minutes", "--text-file", str(tmp_path / "second.txt"))
    copy = tmp_path / "copy.db"
    minutes.ok("db", "copy", str(db_path), str(copy))
    runner = CliRunner()
    listed = runner.invoke(app, ["--db", str(copy), "source", "versions", "minutes", "--json"])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout == minutes.ok("source", "versions", "minutes", "--json")
    diffed = runner.invoke(app, ["--db", str(copy), "source", "diff", "minutes", "--json"])
    assert f"-{REMOVED}" in diffed.stdout


def test_the_migration_gives_each_archived_text_its_version_1(minutes, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from factcheck import db

    before = minutes.json("source", "versions", "minutes")
    db.downgrade(db_url)  # the table goes
    db.upgrade(db_url)  # and comes back with each source's text as version 1
    (after,) = minutes.json("source", "versions", "minutes")
    assert {**after, "archived_at": None} == {**before[0], "archived_at": None}


def test_versions_go_out_and_back_in_with_evidence_ids_mapped(minutes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """What factcheck/interchange needs to carry versions through export and import."""
    from typer.testing import CliRunner

    from factcheck import db
    from factcheck.cli import app
    from factcheck.errors import InvalidInput
    from factcheck.services.source_versions import restore_versions, version_records
    from factcheck.services.sources import get_source

    minutes.ok("source", "edit", "minutes", "--text-file", str(tmp_path / "second.txt"))
    with db.session_scope(db.resolve_url(str(minutes.path))) as session:
        records = version_records(session, get_source(session, "minutes").id)
    assert [r.get("text") for r in records] == [FIRST, None] and records[0]["quotes"].keys() == {"1", "2"}

    other = tmp_path / "other.db"
    url = db.resolve_url(str(other))
    db.upgrade(url)
    run = lambda *args: CliRunner().invoke(app, ["--db", str(other), *args])  # noqa: E731
    assert (
        run("source", "add", "Minutes", "--slug", "minutes", "--text-file", str(tmp_path / "second.txt")).exit_code == 0
    )
    run("claim", "add", "No troops east of the river", "--slug", "east")
    run("evidence", "add", "east", "minutes", "--stance", "context", "--quote", "Budgets were discussed.")  # id 1 here
    run("evidence", "add", "east", "minutes", "--stance", "supports", "--quote", REMOVED, "--allow-unverified")
    broken = [{**records[0], "text": FIRST + "changed"}, records[1]]
    with pytest.raises(InvalidInput, match="does not match its SHA-256"), db.session_scope(url, write=True) as session:
        restore_versions(session, get_source(session, "minutes"), broken, {1: 2, 2: 1})
    assert len(json.loads(run("source", "versions", "minutes", "--json").stdout)) == 1  # nothing written
    with db.session_scope(url, write=True) as session:
        restore_versions(session, get_source(session, "minutes"), records, {1: 2, 2: 1})
    listed = json.loads(run("source", "versions", "minutes", "--json").stdout)
    assert [(v["version"], v["sha256"], v["evidence"]) for v in listed] == [
        (1, records[0]["sha256"], [1, 2]),
        (2, records[1]["sha256"], [1]),
    ]
    orphans = json.loads(run("verify", "--json").stdout)["orphaned"]
    assert [(o["evidence"], o["orphaned_since"]) for o in orphans] == [(2, 2)]


def test_db_copy_carries_the_versions_and_the_orphans(minutes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import Run

    minutes.ok("source", "edit", "minutes", "--text-file", str(tmp_path / "second.txt"))
    copy = tmp_path / "copy.db"
    minutes.ok("db", "copy", str(minutes.path), str(copy))
    copied = Run(copy)
    assert copied.json("source", "versions", "minutes") == minutes.json("source", "versions", "minutes")
    assert copied.json("verify")["orphaned"] == minutes.json("verify")["orphaned"] != []
    assert copied.json("source", "diff", "minutes") == minutes.json("source", "diff", "minutes")


TAMPERED = [
    ("beyond the text", lambda v: v[0]["quotes"][0].update(start=90, end=900), "past the end of the text"),
    ("absurdly large", lambda v: v[0]["quotes"][0].update(end=10**15), "past the end of the text"),
    ("backwards", lambda v: v[0]["quotes"][0].update(start=40, end=20), "field 'end': 20 is before the start, 40"),
    ("at the wrong place", lambda v: v[0]["quotes"][0].update(start=0, end=24), "verified quote is not at 0-24"),
    ("no current version", lambda v: v[1].pop("current"), "mark none as current"),
    ("the current not last", lambda v: (v[0].update(current=True), v[1].pop("current")), "mark [1] as current"),
    ("two current", lambda v: v[0].update(current=True), "mark [1, 2] as current"),
]


@pytest.mark.parametrize(("what", "tamper", "expected"), TAMPERED, ids=[what for what, _, _ in TAMPERED])
def test_tampered_versions_in_a_dataset_are_refused(minutes, tmp_path: Path, what, tamper, expected) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import Run

    minutes.ok("source", "edit", "minutes", "--text-file", str(tmp_path / "second.txt"))
    exported = json.loads(minutes.ok("export", "--format", "json"))
    tamper(exported["source_versions"][0]["versions"])
    dataset = tmp_path / "tampered.json"
    dataset.write_text(json.dumps(exported))
    fresh = Run(tmp_path / "fresh.db")
    fresh.ok("init")
    message = fresh.fails("import", str(dataset))
    assert expected in message and "tampered.json" in message, what
    assert fresh.json("claim", "list") == []  # nothing imported


def test_db_check_sees_a_kept_version_that_is_not_what_it_says(minutes, tmp_path: Path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from factcheck import db

    minutes.ok("source", "edit", "minutes", "--text-file", str(tmp_path / "second.txt"))
    assert minutes.json("db", "check")["ok"]
    with db.get_engine(db_url).begin() as connection:  # as an admin's plain SQL, or a damaged file, might
        place = '{"1": {"start": 0, "end": 5000, "status": "verified"}}'
        connection.execute(text(f"UPDATE source_versions SET quotes = '{place}' WHERE number = 1"))
    checked = minutes("db", "check", "--json")
    assert checked.exit_code == 1
    assert json.loads(checked.stdout)["problems"] == [
        f"version 1 of source 1: evidence 1's quote is placed at 0-5000, past the end of the text ({len(FIRST)})"
    ]


def test_an_imported_text_is_its_sources_first_version_as_source_add_keeps_it(cli, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine, text

    cli.ok("source", "add", "Typed in", "--text-file", str(_file(tmp_path / "typed.txt", "Typed in here.")))
    dataset = tmp_path / "dataset.yaml"
    dataset.write_text("sources:\n- {slug: imported, title: Imported, text: Imported here.}\n")
    cli.ok("import", str(dataset))
    engine = create_engine(db_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT s.slug, v.number, v.text_sha256 = s.text_sha256, v.size FROM source_versions v "
                "JOIN sources s ON s.id = v.source_id ORDER BY s.slug"
            )
        ).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("imported", 1, True, 14), ("typed-in", 1, True, 14)]


def _file(path, content: str):  # type: ignore[no-untyped-def]
    path.write_text(content, encoding="utf-8")
    return path
