"""Bad input: one line on stderr naming what is wrong and what is allowed, exit 1, nothing written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Run

CLAIM = "nato-promised-no-eastward-expansion"


@pytest.fixture
def world(cli):  # type: ignore[no-untyped-def]
    cli.ok("actor", "add", "Vladimir Putin")
    cli.ok("source", "add", "Foreign Policy article", "--url", "https://example.org/fp", "--slug", "fp")
    cli.ok("claim", "add", "NATO promised no eastward expansion", "--claimant", "vladimir-putin")
    cli.ok("claim", "add", "No guarantee was given", "--slug", "no-guarantee")
    cli.ok("claim", "link", "no-guarantee", "rebuts", CLAIM)
    return cli


CASES = [
    # (arguments, words the error must contain)
    (("claim", "show", "nato-promised-no-eastwards-expansion"), ["no claim", f"did you mean: {CLAIM}"]),
    (("evidence", "add", CLAIM, "foreign-policy", "--stance", "supports", "--quote", "x"), ["no source", "fp"]),
    (("claim", "add", "A claim", "--claimant", "putin"), ["no actor 'putin'", "vladimir-putin"]),
    (
        ("evidence", "add", CLAIM, "fp", "--stance", "agrees", "--quote", "x"),
        ["unknown stance 'agrees'", "supports, refutes, qualifies, context"],
    ),
    (
        ("claim", "link", CLAIM, "contradicts", "no-guarantee"),
        ["unknown relation", "rebuts, supports, qualifies, duplicates"],
    ),
    (("claim", "rate", CLAIM, "pants-on-fire", "--rationale", "r"), ["unknown rating", "mostly-true", "unproven"]),
    (("claim", "add", "A claim", "--date", "next tuesday-ish"), ["date 'next tuesday-ish'", "YYYY-MM-DD"]),
    (("claim", "add", "A claim", "--date", "2021-02-30"), ["impossible date", "YYYY"]),
    (("claim", "add", "A claim", "--date", "17 December"), ["has no year"]),
    (("claim", "add", "   "), ["claim text is empty"]),
    (("claim", "add", "A claim", "--slug", "Bad Slug!"), ["bad slug"]),
    (("claim", "add", "A claim", "--slug", "no-guarantee"), ["is taken"]),
    (("claim", "link", CLAIM, "rebuts", CLAIM), ["cannot be linked to itself"]),
    (("claim", "link", "no-guarantee", "rebuts", CLAIM), ["recorded already"]),
    (("source", "add", "Same page again", "--url", "https://example.org/fp"), ["already has the URL", "'fp'"]),
    (("source", "add", "A source", "--kind", "blog"), ["unknown source kind", "article"]),
    (("source", "edit", "fp", "--republishes", "fp"), ["cannot republish itself"]),
    (("evidence", "add", CLAIM, "fp", "--stance", "supports", "--quote", " "), ["quote is empty"]),
    (("evidence", "delete", "999"), ["no evidence with id 999"]),
    (("claim", "rate", CLAIM, "false", "--rationale", ""), ["rationale is empty"]),
    (("actor", "add", "Someone", "--kind", "robot"), ["unknown actor kind", "person"]),
    # texts empty to a reader, and what no database stores alike (one rule, both backends)
    (("claim", "add", "\u200b\u200b"), ["claim text is empty", "only invisible characters"]),
    (("claim", "add", "\u200f\u200e \u2060"), ["claim text is empty", "only invisible characters"]),
    (("claim", "add", "\ufeff"), ["claim text is empty", "only invisible characters"]),
    (("claim", "add", "A claim\x00 with a NUL"), ["NUL character (U+0000)", "no database stores it"]),
    (("claim", "add", "A claim", "--language", "e" * 17), ["language is 17 characters long", "at most 16"]),
    (("source", "add", "A source", "--language", "English (United Kingdom)"), ["language is 24 characters"]),
    (("claim", "add", "A claim", "--date", "2021-12-17T25:00"), ["impossible time", "00-23"]),
]


@pytest.mark.parametrize(("args", "expected"), CASES, ids=[" ".join(args[:3]) for args, _ in CASES])
def test_bad_input_is_refused_cleanly(world, dump, args, expected) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    error = world.fails(*args)
    assert error.startswith("Error: ")
    for words in expected:
        assert words in error
    assert dump() == before


def test_usage_errors_exit_2(world) -> None:  # type: ignore[no-untyped-def]
    world.fails("claim", "show", code=2)
    world.fails("evidence", "add", CLAIM, "fp", "--stance", "supports", code=2)  # no --quote


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"\x00\x01 binary junk " * 100)
    before = notes.read_bytes()
    error = Run(notes).fails("claim", "list")
    assert "not a usable SQLite database" in error
    assert notes.read_bytes() == before
    empty = tmp_path / "empty.db"  # an empty file is not rewritten by a command that needs a database
    empty.touch()
    for command in (("claim", "list"), ("claim", "add", "A claim"), ("source", "add", "A source")):
        assert "empty.db is not a factcheck database: run `factcheck init`" in Run(empty).fails(*command)
        assert empty.stat().st_size == 0


def test_a_database_locked_by_another_writer(world, db_path, dump, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    monkeypatch.setenv("FACTCHECK_BUSY_TIMEOUT", "0.2")
    other_writer = sqlite3.connect(db_path, isolation_level=None)
    other_writer.execute("BEGIN IMMEDIATE")
    try:
        error = world.fails("claim", "add", "A claim made while the database is locked")
    finally:
        other_writer.execute("ROLLBACK")
        other_writer.close()
    assert "database is busy" in error and "FACTCHECK_BUSY_TIMEOUT" in error
    assert dump() == before
    world.ok("claim", "add", "A claim made after the lock is released")


def test_a_text_file_of_invisible_characters_is_no_source(world, dump, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blank = tmp_path / "blank.txt"
    blank.write_text("\ufeff\u200b\u200f\n\u2060", encoding="utf-8")
    before = dump()
    assert "holds only invisible characters" in world.fails("source", "add", "Blank", "--text-file", str(blank))
    assert "holds only invisible characters" in world.fails("source", "edit", "fp", "--text-file", str(blank))
    assert dump() == before


def test_a_url_is_one_source_compared_as_written(world, dump) -> None:  # type: ignore[no-untyped-def]
    """The decision README states: the same URL twice is refused, by every door; URLs that differ
    in any character are not guessed to be one page."""
    before = dump()
    assert "source 'fp' already has the URL https://example.org/fp" in world.fails(
        "source", "add", "Again", "--url", "https://example.org/fp"
    )
    world.ok("source", "add", "Another", "--slug", "another")
    assert "already has the URL" in world.fails("source", "edit", "another", "--url", "https://example.org/fp")
    assert dump() != before  # `another` was added; nothing else
    for url in (
        "https://EXAMPLE.org/fp",
        "https://example.org/fp#part",
        "https://example.org/fp/",
        "http://example.org/fp",
    ):
        world.ok("source", "add", f"Variant {url}", "--url", url)


def test_source_list_text_is_matched_as_written(world) -> None:  # type: ignore[no-untyped-def]
    world.ok("source", "add", "100% sure_thing", "--slug", "sure")
    assert [s["slug"] for s in world.json("source", "list", "--text", "%")] == ["sure"]
    assert [s["slug"] for s in world.json("source", "list", "--text", "_")] == ["sure"]
    assert [s["slug"] for s in world.json("source", "list", "--text", "FOREIGN policy")] == ["fp"]
