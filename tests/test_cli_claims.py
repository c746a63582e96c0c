"""Recording a claim, its sources, evidence, counterclaims and verdicts, and looking them up."""

from __future__ import annotations

import re
import sqlite3

import pytest

CLAIM = "nato-promised-no-eastward-expansion"


@pytest.fixture
def story(cli):  # type: ignore[no-untyped-def]
    """A small version of the running example, entered through the CLI."""
    cli.ok("actor", "add", "Vladimir Putin", "--role", "President of Russia")
    cli.ok("actor", "add", "James Sherr", "--role", "Senior Fellow, ICDS")
    cli.ok(
        "source",
        "add",
        "What’s Behind Russia’s Latest Demands",
        "--publisher",
        "Foreign Policy",
        "--author",
        "Amy Mackinnon",
        "--date",
        "2022-01-07",
        "--url",
        "https://example.org/fp",
    )
    cli.ok(
        "source",
        "add",
        "Expert comment: Putin's demands",
        "--kind",
        "analysis",
        "--publisher",
        "ICDS",
        "--date",
        "December 2021",
        "--slug",
        "icds-comment",
    )
    cli.ok(
        "claim",
        "add",
        "NATO promised no eastward expansion",
        "--claimant",
        "vladimir-putin",
        "--date",
        "2021-12-23",
        "--tag",
        "NATO enlargement",
        "--source",
        "icds-comment",
    )
    cli.ok(
        "claim",
        "add",
        "No guarantee on NATO enlargement was sought or given",
        "--claimant",
        "james-sherr",
        "--date",
        "2021-12",
        "--slug",
        "no-guarantee-given",
    )
    cli.ok("claim", "link", "no-guarantee-given", "rebuts", CLAIM)
    cli.ok(
        "evidence",
        "add",
        CLAIM,
        "whats-behind-russias-latest-demands",
        "--stance",
        "supports",
        "--quote",
        "We were fooled by five waves of NATO’s eastward expansion.",
        "--speaker",
        "vladimir-putin",
    )
    cli.ok(
        "evidence",
        "add",
        CLAIM,
        "whats-behind-russias-latest-demands",
        "--stance",
        "refutes",
        "--quote",
        "no formal guarantees were ever put down in writing",
    )
    cli.ok(
        "evidence",
        "add",
        "no-guarantee-given",
        "icds-comment",
        "--stance",
        "supports",
        "--quote",
        "no guarantee regarding NATO’s future enlargement was sought or given",
        "--speaker",
        "james-sherr",
    )
    return cli


def test_show_gathers_evidence_by_stance_and_counterclaims(story) -> None:  # type: ignore[no-untyped-def]
    dossier = story.json("claim", "show", CLAIM)
    assert dossier["claim"]["text"] == "NATO promised no eastward expansion"
    assert dossier["claim"]["claimant"]["name"] == "Vladimir Putin"
    assert dossier["claim"]["stated_on"] == "2021-12-23"
    assert dossier["claim"]["tags"] == ["nato-enlargement"]
    assert [e["quote"] for e in dossier["evidence"]["supports"]] == [
        "We were fooled by five waves of NATO’s eastward expansion."
    ]
    assert dossier["evidence"]["supports"][0]["speaker"]["name"] == "Vladimir Putin"
    assert dossier["evidence"]["refutes"][0]["source"]["publisher"] == "Foreign Policy"
    assert dossier["evidence_counts"] == {"supports": 1, "refutes": 1, "qualifies": 0, "context": 0}
    (counter,) = dossier["counterclaims"]
    assert counter["slug"] == "no-guarantee-given"
    assert counter["direction"] == "incoming"
    assert counter["evidence_counts"]["supports"] == 1
    assert dossier["verdict"] is None
    assert dossier["last_change"]["by"] == "tester"

    # Counterclaims show from both ends of the link.
    other = story.json("claim", "show", "no-guarantee-given")
    assert other["counterclaims"][0]["slug"] == CLAIM
    assert other["counterclaims"][0]["direction"] == "outgoing"


def test_show_on_a_terminal_names_quotes_speakers_and_sources(story) -> None:  # type: ignore[no-untyped-def]
    screen = story.ok("claim", "show", CLAIM)
    for expected in (
        "NATO promised no eastward expansion",
        "Supports (1)",
        "Refutes (1)",
        "Vladimir Putin",
        "Foreign Policy",
        "Counterclaims",
        "no-guarantee-given",
    ):
        assert expected in screen
    assert not screen.lstrip().startswith("{")


def test_claim_by_id_or_slug(story) -> None:  # type: ignore[no-untyped-def]
    by_slug = story.json("claim", "show", CLAIM)
    assert story.json("claim", "show", str(by_slug["claim"]["id"])) == by_slug


def test_verdicts_are_appended_and_newest_is_current(story) -> None:  # type: ignore[no-untyped-def]
    story.ok("actor", "add", "Fact Desk", "--kind", "outlet")
    story.ok("claim", "rate", CLAIM, "mixed", "--rationale", "Disputed by historians.")
    story.ok("claim", "rate", CLAIM, "false", "--rationale", "No written guarantee.", "--label", "Pants on fire")
    story.ok("claim", "rate", CLAIM, "misleading", "--rationale", "Verbal remarks only.", "--reviewer", "fact-desk")
    dossier = story.json("claim", "show", CLAIM)
    assert dossier["verdict"]["rating"] == "misleading"
    assert [v["rating"] for v in dossier["current_verdicts"]] == ["misleading", "false"]
    assert dossier["current_verdicts"][1]["textual_rating"] == "Pants on fire"
    assert [v["rating"] for v in dossier["verdict_history"]] == ["misleading", "false", "mixed"]
    assert "misleading" in story.ok("claim", "show", CLAIM)


def test_list_filters_sorts_and_counts(story) -> None:  # type: ignore[no-untyped-def]
    story.ok("claim", "add", "An undated claim about Budapest")
    claims = story.json("claim", "list")
    assert [c["slug"] for c in claims] == ["no-guarantee-given", CLAIM, "an-undated-claim-about-budapest"]
    first = next(c for c in claims if c["slug"] == CLAIM)
    assert (first["supports"], first["refutes"], first["rating"]) == (1, 1, None)
    assert [c["slug"] for c in story.json("claim", "list", "--tag", "NATO enlargement")] == [CLAIM]
    assert [c["slug"] for c in story.json("claim", "list", "--claimant", "james-sherr")] == ["no-guarantee-given"]
    assert [c["slug"] for c in story.json("claim", "list", "--text", "budapest")] == ["an-undated-claim-about-budapest"]
    story.ok("claim", "rate", CLAIM, "false", "--rationale", "No written guarantee.")
    assert [c["slug"] for c in story.json("claim", "list", "--rating", "false")] == [CLAIM]
    assert story.json("claim", "list", "--limit", "1")[0]["slug"] == "no-guarantee-given"


def test_edit_changes_only_what_is_given(story) -> None:  # type: ignore[no-untyped-def]
    story.ok("claim", "edit", CLAIM, "--date", "2021-12-01", "--tag", "ultimatum", "--untag", "NATO enlargement")
    claim = story.json("claim", "show", CLAIM)["claim"]
    assert claim["stated_on"] == "2021-12-01"
    assert claim["tags"] == ["ultimatum"]
    assert claim["text"] == "NATO promised no eastward expansion"
    story.ok("source", "edit", "icds-comment", "--publisher", "International Centre for Defence and Security")
    assert story.json("source", "show", "icds-comment")["publisher"].startswith("International Centre")


def test_slugs_are_made_from_text_and_stay_unique(cli) -> None:  # type: ignore[no-untyped-def]
    cli.ok("claim", "add", "Russia’s demands are an ultimatum!")
    cli.ok("claim", "add", "Russia's demands are an ultimatum", "--force")
    slugs = [c["slug"] for c in cli.json("claim", "list")]
    assert slugs == ["russias-demands-are-an-ultimatum", "russias-demands-are-an-ultimatum-2"]


def test_delete_is_refused_while_something_depends_on_it(story, dump) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    error = story.fails("claim", "delete", CLAIM)
    assert "2 evidence" in error and "1 links" in error and "--cascade" in error
    error = story.fails("source", "delete", "whats-behind-russias-latest-demands")
    assert "2 evidence" in error and "--cascade" in error
    assert dump() == before

    story.ok("claim", "delete", CLAIM, "--cascade")
    assert [c["slug"] for c in story.json("claim", "list")] == ["no-guarantee-given"]
    assert story.json("claim", "show", "no-guarantee-given")["counterclaims"] == []
    assert story.json("evidence", "list", "--source", "whats-behind-russias-latest-demands") == []
    story.ok("source", "delete", "whats-behind-russias-latest-demands")  # nothing depends on it now
    story.ok("source", "delete", "icds-comment", "--cascade")
    assert story.json("claim", "show", "no-guarantee-given")["evidence_counts"]["supports"] == 0


def test_evidence_list_and_delete(story) -> None:  # type: ignore[no-untyped-def]
    rows = story.json("evidence", "list", "--claim", CLAIM)
    assert {row["stance"] for row in rows} == {"supports", "refutes"}
    assert all(row["quote_status"] == "unverified" for row in rows)
    story.ok("evidence", "delete", str(rows[0]["id"]))
    assert len(story.json("evidence", "list", "--claim", CLAIM)) == 1


def test_actor_and_source_lookups(story) -> None:  # type: ignore[no-untyped-def]
    putin = story.json("actor", "show", "vladimir-putin")
    assert putin["claims"][0]["slug"] == CLAIM and putin["quoted_in_evidence"] == 1
    assert [a["slug"] for a in story.json("actor", "list")] == ["james-sherr", "vladimir-putin"]
    source = story.json("source", "show", "whats-behind-russias-latest-demands")
    assert source["authors"] == ["Amy Mackinnon"] and len(source["evidence"]) == 2
    assert [s["slug"] for s in story.json("source", "list")] == ["icds-comment", "whats-behind-russias-latest-demands"]
    assert "Foreign Policy" in story.ok("source", "show", "whats-behind-russias-latest-demands")


def test_every_write_is_recorded_with_its_author(story, db_path) -> None:  # type: ignore[no-untyped-def]
    story.ok("claim", "edit", CLAIM, "--date", "2021-12-21")
    rows = (
        sqlite3.connect(db_path)
        .execute("SELECT entity, action, changes, by FROM revisions WHERE entity = 'claims' ORDER BY id")
        .fetchall()
    )
    assert [(entity, action) for entity, action, _, _ in rows] == [
        ("claims", "insert"),
        ("claims", "insert"),
        ("claims", "update"),
    ]
    assert '"stated_on": ["2021-12-23", "2021-12-21"]' in rows[-1][2]
    assert {by for *_, by in rows} == {"tester"}


def test_a_long_list_is_printed_in_parts_under_one_header(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`claim list` renders its table TABLE_ROWS rows at a time (memory bounded by a part, not by
    the database): every claim is there, once, under one header."""
    from factcheck.cli import output

    cli.ok("init", "--seed")
    monkeypatch.setattr(output, "TABLE_ROWS", 4)
    printed = cli.ok("claim", "list")
    assert printed.count("claimant") == 1  # the header, once
    ids = [int(found) for found in re.findall(r"^│ *(\d+) *│", printed, flags=re.MULTILINE)]
    assert ids == [claim["id"] for claim in cli.json("claim", "list")]


def test_a_verdict_typed_in_gives_its_reasons_whatever_else_it_names(story) -> None:  # type: ignore[no-untyped-def]
    for more in (["--label", "Nope"], ["--reviewer", "james-sherr"], ["--url", "https://checks.example/1"]):
        assert "rationale is empty" in story.fails("claim", "rate", CLAIM, "false", "--rationale", " ", *more)


def test_an_empty_word_is_refused_not_read_as_the_default(story) -> None:  # type: ignore[no-untyped-def]
    slug = story.json("source", "list")[0]["slug"]
    assert "source kind" in story.fails("source", "edit", slug, "--kind", "")
    assert "actor kind" in story.fails("actor", "add", "Someone", "--kind", "")
