"""Adding sources from saved articles, checking quotes against them, and re-verifying."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

ARTICLES = Path(__file__).parent / "articles"
PAGE = ARTICLES / "saved-page.html"
COMMENT = ARTICLES / "expert-comment.txt"
SLUG = "russia-lays-out-demands-for-a-sweeping-new-security-deal-with-nato"


@pytest.fixture
def claims(cli):  # type: ignore[no-untyped-def]
    cli.ok("claim", "add", "No assurance against NATO expansion was ever put in writing", "--slug", "no-writing")
    cli.ok("claim", "add", "No guarantee about NATO enlargement was sought or given", "--slug", "no-guarantee")
    return cli


def test_html_page_keeps_the_article_and_its_metadata_and_drops_the_rest(claims, db_path) -> None:  # type: ignore[no-untyped-def]
    output = claims.ok("source", "add", "--html-file", str(PAGE))
    assert SLUG in output and "characters of text archived" in output
    source = claims.json("source", "show", SLUG)
    assert source["title"] == "Russia Lays Out Demands for a Sweeping New Security Deal With NATO"
    assert source["publisher"] == "The Daily Example"
    assert source["published_on"] == "2021-12-17"
    assert source["url"] == "https://example.org/2021/12/17/russia-nato-demands.html"
    assert len(source["authors"]) == 2 and source["authors"][1] == "Steven Erlanger"
    (text,) = sqlite3.connect(db_path).execute("SELECT text FROM sources WHERE slug = ?", (SLUG,)).fetchone()
    assert "never put in writing" in text
    for boilerplate in ("Subscribe now", "UK Mortgage Rates", "Great article", "cookies", "All rights reserved"):
        assert boilerplate not in text


def test_command_line_flags_win_over_extracted_metadata(claims) -> None:  # type: ignore[no-untyped-def]
    claims.ok(
        "source",
        "add",
        "My title",
        "--html-file",
        str(PAGE),
        "--publisher",
        "The New York Times",
        "--date",
        "2021-12-18",
        "--slug",
        "nyt",
    )
    source = claims.json("source", "show", "nyt")
    assert (source["title"], source["publisher"], source["published_on"]) == (
        "My title",
        "The New York Times",
        "2021-12-18",
    )
    assert source["url"] == "https://example.org/2021/12/17/russia-nato-demands.html"


def test_quotes_are_verified_fuzzy_or_refused(claims, dump) -> None:  # type: ignore[no-untyped-def]
    claims.ok("source", "add", "Expert comment", "--text-file", str(COMMENT), "--slug", "comment")
    exact = claims.ok(
        "evidence",
        "add",
        "no-guarantee",
        "comment",
        "--stance",
        "supports",
        "--quote",
        "The declassified documents are clear: no guarantee regarding NATO's future enlargement was sought or given.",
    )
    assert "quote verified" in exact
    fuzzy = claims.ok(
        "evidence",
        "add",
        "no-guarantee",
        "comment",
        "--stance",
        "supports",
        "--quote",
        "the declassified documents are clear: no guarantee regarding NATO's future enlargment was sought",
    )
    assert "quote fuzzy" in fuzzy and "The declassified documents are clear" in fuzzy
    rows = claims.json("evidence", "list", "--source", "comment")
    assert [row["quote_status"] for row in rows] == ["verified", "fuzzy"]
    assert rows[0]["prefix"].endswith("coercive intimidation. ") and rows[0]["start"] > 0

    before = dump()
    error = claims.fails(
        "evidence",
        "add",
        "no-guarantee",
        "comment",
        "--stance",
        "supports",
        "--quote",
        "Gorbachev received a written promise from Baker",
    )
    assert "quote not found" in error and "--allow-unverified" in error
    assert dump() == before
    claims.ok(
        "evidence",
        "add",
        "no-guarantee",
        "comment",
        "--stance",
        "supports",
        "--quote",
        "Gorbachev received a written promise from Baker",
        "--allow-unverified",
    )
    assert claims.json("evidence", "list", "--source", "comment")[-1]["quote_status"] == "not-found"


def test_verify_reports_quotes_whose_status_changed(claims, tmp_path) -> None:  # type: ignore[no-untyped-def]
    claims.ok("source", "add", "Expert comment", "--text-file", str(COMMENT), "--slug", "comment")
    claims.ok("source", "add", "Unarchived", "--slug", "bare")
    claims.ok(
        "evidence",
        "add",
        "no-guarantee",
        "comment",
        "--stance",
        "supports",
        "--quote",
        "no guarantee regarding NATO’s future enlargement was sought or given",
    )
    claims.ok("evidence", "add", "no-guarantee", "bare", "--stance", "context", "--quote", "anything")
    assert claims.json("verify")["changed"] == []

    edited = tmp_path / "edited.txt"
    edited.write_text(COMMENT.read_text().replace("was sought or given", "was ever sought"))
    assert "factcheck verify" in claims.ok("source", "edit", "comment", "--text-file", str(edited))
    result = claims.json("verify", "comment")
    (change,) = result["changed"]
    assert (change["before"], change["after"]) == ("verified", "not-found")
    assert result["totals"]["not-found"] == 1
    assert claims.json("evidence", "list", "--source", "comment")[0]["quote_status"] == "not-found"
    assert "No quote changed status" in claims.ok("verify")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"caf\xe9 in Latin-1", "is not UTF-8 text"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00binary", "is a binary file"),
        (b"   \n\n ", "is empty"),
    ],
)
def test_unreadable_text_files_are_refused(cli, dump, tmp_path, content, expected) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    before = dump()
    assert expected in cli.fails("source", "add", "Bad", "--text-file", str(bad))
    assert dump() == before


def test_missing_file_and_title(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert "no file" in cli.fails("source", "add", "X", "--text-file", str(tmp_path / "missing.txt"))
    assert "pass one as TITLE" in cli.fails("source", "add", "--text-file", str(COMMENT))
    assert "not both" in cli.fails("source", "add", "X", "--text-file", str(COMMENT), "--html-file", str(PAGE))


# --- rules every path that adds or edits sources keeps (services/sources.py) ---------------------------


def test_a_republication_cycle_is_refused(cli, dump) -> None:  # type: ignore[no-untyped-def]
    for slug in ("a", "b", "c"):
        cli.ok("source", "add", f"Source {slug}", "--slug", slug)
    cli.ok("source", "edit", "b", "--republishes", "a")
    cli.ok("source", "edit", "c", "--republishes", "b")
    before = dump()
    error = cli.fails("source", "edit", "a", "--republishes", "b")
    assert "source 'a' cannot republish 'b'" in error and "already republishes 'a'" in error
    error = cli.fails("source", "edit", "a", "--republishes", "c")  # a → c → b → a
    assert "source 'a' cannot republish 'c'" in error
    assert "cannot republish itself" in cli.fails("source", "edit", "a", "--republishes", "a")
    assert dump() == before
    cli.ok("source", "edit", "c", "--republishes", "a")  # moving along the chain closes no loop
    assert cli.json("source", "show", "c")["republishes"] == "a"


def test_a_url_belongs_to_one_source(cli, dump) -> None:  # type: ignore[no-untyped-def]
    cli.ok("source", "add", "First", "--slug", "first", "--url", "https://example.org/page")
    cli.ok("source", "add", "Second", "--slug", "second")
    before = dump()
    error = cli.fails("source", "edit", "second", "--url", "https://example.org/page")
    assert "source 'first' already has the URL https://example.org/page" in error
    assert dump() == before
    cli.ok("source", "edit", "first", "--url", "https://example.org/page")  # its own URL again
    assert dump() == before
