"""Source versions travel with export and import: a source's earlier texts, with where each quote
stood in them, go out in a `source_versions` section and come back in (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from factcheck import db

FIRST = (
    "The minister spoke first.\n"
    "No troops will be stationed east of the river.\n"
    "Budgets were discussed.\n"
    "The meeting closed at noon.\n"
)
SECOND = "Preface added by the editors.\nThe minister spoke first.\nBudgets were discussed.\n"
THIRD = "A second preface.\n" + SECOND
REMOVED = "No troops will be stationed east of the river."


def _replaced_twice(run, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A source whose text was replaced twice, quoted by two claims; one quote is lost on the way."""
    for name, text in (("first.txt", FIRST), ("second.txt", SECOND), ("third.txt", THIRD)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    run.ok("source", "add", "Minutes", "--slug", "minutes", "--text-file", str(tmp_path / "first.txt"))
    run.ok("source", "add", "Other page", "--slug", "other", "--text-file", str(tmp_path / "first.txt"))
    run.ok("claim", "add", "No troops east of the river", "--slug", "east")
    run.ok("claim", "add", "The budget was on the agenda", "--slug", "budget")
    run.ok("evidence", "add", "east", "minutes", "--stance", "supports", "--quote", REMOVED)
    run.ok("evidence", "add", "budget", "minutes", "--stance", "supports", "--quote", "Budgets were discussed.")
    run.ok("evidence", "add", "budget", "other", "--stance", "context", "--quote", "The minister spoke first.")
    run.ok("source", "edit", "minutes", "--text-file", str(tmp_path / "second.txt"))
    run.ok("source", "edit", "minutes", "--text-file", str(tmp_path / "third.txt"))
    return run


def _empty(path: Path):  # type: ignore[no-untyped-def]
    from tests.conftest import Run

    db.upgrade(db.resolve_url(str(path)))
    return Run(path)


@pytest.mark.parametrize("format", ["yaml", "json"])
def test_export_import_export_gives_the_same_file_and_versions(cli, tmp_path: Path, format: str) -> None:  # type: ignore[no-untyped-def]
    _replaced_twice(cli, tmp_path)
    exported = tmp_path / f"out.{format}"
    exported.write_text(cli.ok("export", "--format", format), encoding="utf-8")
    copy = _empty(tmp_path / "copy.db")
    assert "1 source versions" in copy.ok("import", str(exported))

    assert copy.ok("export", "--format", format) == exported.read_text(encoding="utf-8")
    before, after = cli.json("source", "versions", "minutes"), copy.json("source", "versions", "minutes")
    keys = ("version", "archived_at", "size", "sha256", "current", "text_kept", "quotes")
    assert [[v[k] for k in keys] for v in after] == [[v[k] for k in keys] for v in before]
    assert [v["quotes"] for v in after] == [2, 1, 1]
    # The other source, never replaced, has one version and carries none.
    assert len(copy.json("source", "versions", "other")) == 1

    diff = copy.json("source", "diff", "minutes", "1", "2")
    assert "-" + REMOVED in diff["diff"].splitlines()
    assert [(q["claim"], q["quote"]) for q in diff["quotes_lost"]] == [("east", REMOVED)]
    orphans = copy.json("verify")["orphaned"]
    assert [(o["claim"], o["orphaned_since"]) for o in orphans] == [("east", 2)]

    # Loading it again adds nothing: the source keeps its versions already.
    assert "added nothing" in copy.ok("import", str(exported))
    assert len(copy.json("source", "versions", "minutes")) == 3


def test_an_export_without_replaced_texts_has_no_versions_section(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "first.txt").write_text(FIRST, encoding="utf-8")
    cli.ok("source", "add", "Minutes", "--slug", "minutes", "--text-file", str(tmp_path / "first.txt"))
    assert "source_versions" not in cli.ok("export", "--format", "yaml")
    assert "source_versions" not in cli.ok("export", "--format", "json")


def test_a_subset_carries_the_quotes_of_its_own_claims_only(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _replaced_twice(cli, tmp_path)
    document = yaml.safe_load(cli.ok("export", "--claim", "east"))
    (carried,) = document["source_versions"]
    assert carried["source"] == "minutes"
    assert [[q["claim"] for q in v.get("quotes", [])] for v in carried["versions"]] == [["east"], [], []]
    assert [v.get("current") for v in carried["versions"]] == [None, None, True]


def test_versions_on_both_backends(any_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Into PostgreSQL (or SQLite) and back out: the same file, the same versions."""
    source = _replaced_twice(_empty(tmp_path / "source.db"), tmp_path)
    exported = tmp_path / "out.yaml"
    exported.write_text(source.ok("export"), encoding="utf-8")
    any_cli.ok("import", str(exported))
    assert any_cli.ok("export") == exported.read_text(encoding="utf-8")
    assert any_cli.json("source", "versions", "minutes") == source.json("source", "versions", "minutes")
    assert any_cli.json("source", "diff", "minutes", "1", "2")["quotes_lost"][0]["quote"] == REMOVED


def _broken(document: dict, what: str) -> dict:  # type: ignore[type-arg]
    first, second, third = document["source_versions"][0]["versions"]
    if what == "text":
        first["text"] = first["text"].replace("noon", "one")
    elif what == "numbers":
        first["number"], second["number"] = 2, 1
    elif what == "quote":
        first["quotes"][0]["quote"] = "Words nobody wrote."
    elif what == "claim":
        first["quotes"][0]["claim"] = "nowhere"
    elif what == "offset":
        first["quotes"][0]["start"] = "twelve"
    elif what == "last":
        third["sha256"] = second["sha256"]
    elif what == "field":
        second["page"] = 3
    return document


@pytest.mark.parametrize(
    ("what", "expected"),
    [
        ("text", "source_versions #1 'minutes': field 'versions': version 1 of source 'minutes': the text does not"),
        ("numbers", "field 'versions': the versions of source 'minutes' are not numbered in rising order"),
        ("quote", "versions #1 quotes #1 'Words nobody wrote.': field 'quote': no evidence of claim 'budget'"),
        ("claim", "quotes #1 'Budgets were discussed.': field 'claim': no claim 'nowhere'"),
        ("offset", "quotes #1 'Budgets were discussed.': field 'start' is text: expected a whole number"),
        ("last", "field 'versions': the last version of source 'minutes' is not the source's text"),
        ("field", "versions #2: unknown field 'page'"),
    ],
)
def test_a_bad_version_loads_nothing_and_says_where(cli, dump, tmp_path: Path, what: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    source = _empty(tmp_path / "source.db")
    _replaced_twice(source, tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_broken(yaml.safe_load(source.ok("export")), what), sort_keys=False))
    before = dump()
    error = cli.fails("import", str(bad))
    assert error.startswith("Error: bad.yaml: ") and expected in error, error
    assert dump() == before
