"""Full-text search (FTS5, kept in step by triggers) and finding claims that say the same thing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck import db
from factcheck.errors import InvalidInput
from factcheck.search import backend
from tests.conftest import Run

ARTICLE = Path(__file__).parent / "articles" / "saved-page.html"


@pytest.fixture
def seeded(cli):  # type: ignore[no-untyped-def]
    cli.ok("seed")
    return cli


def test_search_ranks_claims_sources_and_quotes_with_highlights(seeded) -> None:  # type: ignore[no-untyped-def]
    hits = seeded.json("search", "Budapest")
    assert [(hit["kind"], hit["slug"]) for hit in hits] == [
        ("claims", "budapest-declaration-2008"),
        ("evidence", "budapest-declaration-2008"),
    ]
    assert "**Budapest**" in hits[0]["snippet"]
    quotes = seeded.json("search", '"five waves"', "--in", "evidence")
    assert [hit["slug"] for hit in quotes] == ["west-deceived-russia-five-waves"]
    sources = seeded.json("search", "Moscow Times", "--in", "sources")
    assert sources[0]["slug"] == "moscow-times-russia-issues-demands"
    assert seeded.json("search", "discrepancy", "--in", "claims")  # tags are searched too
    assert "budapest-declaration-2008" in seeded.ok("search", "Budapest")


def test_the_index_follows_every_change(seeded) -> None:  # type: ignore[no-untyped-def]
    seeded.ok(
        "claim",
        "edit",
        "budapest-declaration-2008",
        "--text",
        "The 2008 promise is called the Sofia Declaration",
        "--tag",
        "geography slips",
    )
    assert seeded.json("search", "Sofia")[0]["slug"] == "budapest-declaration-2008"
    assert not seeded.json("search", "Budapest", "--in", "claims")
    assert seeded.json("search", "geography", "--in", "claims")[0]["slug"] == "budapest-declaration-2008"
    seeded.ok("claim", "edit", "budapest-declaration-2008", "--untag", "geography slips")
    assert not seeded.json("search", "geography", "--in", "claims")
    seeded.ok("claim", "delete", "budapest-declaration-2008", "--cascade")
    assert not seeded.json("search", "Sofia") and not seeded.json("search", "Budapest")
    seeded.ok("source", "add", "--html-file", str(ARTICLE), "--slug", "saved")
    assert seeded.json("search", "misinterpreted", "--in", "sources")[0]["slug"] == "saved"
    seeded.ok("source", "delete", "saved")
    assert not seeded.json("search", "misinterpreted", "--in", "sources")


@pytest.mark.parametrize(
    "query",
    [
        "NOT",
        '"',
        "(",
        "a)",
        "*",
        "NATO OR",
        "NEAR(",
        "title:NATO",
        "-east",
        "Baker's",
        "AND AND",
        '"unclosed phrase',
        "x" * 5000,
        "東 NATO ü",
        "NATO; DROP TABLE claims; --",
        "\x00\x01",
    ],
)
def test_plain_queries_never_break(seeded, query) -> None:  # type: ignore[no-untyped-def]
    result = seeded("search", "--json", "--", query)  # "--": a query may start with a hyphen
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert result.exit_code in (0, 1)
    if result.exit_code == 1:
        assert "nothing to search for" in result.stderr or "at most 1,000 are allowed" in result.stderr


@pytest.mark.sqlite_only("FTS5 query syntax")
def test_advanced_queries_expose_fts5_and_report_bad_syntax(seeded) -> None:  # type: ignore[no-untyped-def]
    assert seeded.json("search", "NEAR(five waves, 2)", "--advanced", "--in", "evidence")
    assert seeded.json("search", "Buda*", "--advanced", "--in", "claims")[0]["slug"] == "budapest-declaration-2008"
    error = seeded.fails("search", "five AND (waves", "--advanced")
    assert "malformed search" in error and "without --advanced" in error
    assert "allowed: claims, sources, evidence" in seeded.fails("search", "NATO", "--in", "tweets")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=60))
def test_any_text_is_a_safe_plain_query(seeded_url, query: str) -> None:  # type: ignore[no-untyped-def]
    with db.session_scope(seeded_url) as session:
        try:
            backend(session).search(query)
        except InvalidInput as error:
            assert "nothing to search for" in str(error)


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("search") / "seeded.db"
    Run(path).ok("init", "--seed")
    return db.resolve_url(str(path))


def test_the_migration_indexes_rows_that_were_already_there(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = db.resolve_url(str(path))
    db.upgrade(url, "0001")
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO claims (slug, text, created_at, updated_at)"
            " VALUES ('old', 'An old claim about Bucharest', '2021', '2021')"
        )
    db.upgrade(url)
    assert Run(path).json("search", "Bucharest")[0]["slug"] == "old"


def test_similar_finds_a_paraphrase(seeded) -> None:  # type: ignore[no-untyped-def]
    matches = seeded.json("similar", "NATO pledged not to expand east")
    assert matches[0]["slug"] == "nato-promised-no-eastward-expansion"
    assert matches[0]["score"] > matches[-1]["score"]
    assert seeded.json("similar", "The Budapest Declaration of 2008")[0]["slug"] == "budapest-declaration-2008"


def test_claim_add_refuses_a_near_duplicate_unless_forced(seeded, dump) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    error = seeded.fails("claim", "add", "NATO vowed not to expand eastward")
    assert "nato-promised-no-eastward-expansion" in error and "--force" in error
    assert dump() == before
    seeded.ok("claim", "add", "NATO vowed not to expand eastward", "--force")
    seeded.ok("claim", "add", "Ukraine held a referendum on NATO membership in 2019")  # nothing like it


def test_a_new_source_lists_the_claims_its_text_speaks_to(seeded) -> None:  # type: ignore[no-untyped-def]
    output = seeded.ok("source", "add", "--html-file", str(ARTICLE))
    assert "appears to speak to" in output
    assert "baker-assurance-only-east-germany" in output
