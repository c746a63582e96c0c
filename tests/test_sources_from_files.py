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
    # The edit re-anchors the quotes in the new text (issue 19): verify then finds nothing to change,
    # and names the quote orphaned since the new version.
    edit = claims("source", "edit", "comment", "--text-file", str(edited))
    assert "re-anchored: 1 not-found" in edit.stdout and "orphaned since version 2" in edit.stderr
    result = claims.json("verify", "comment")
    assert result["changed"] == [] and result["orphaned"][0]["orphaned_since"] == 2
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
    assert "give one file to read the text from, not --html-file and --text-file" in cli.fails(
        "source", "add", "X", "--text-file", str(COMMENT), "--html-file", str(PAGE)
    )


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


# --- character sets (issue 13, item 9) ---------------------------------------------------------------


def _stored_text(db_path: Path, slug: str) -> str:
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute("SELECT text FROM sources WHERE slug = ?", (slug,)).fetchone()[0]
    finally:
        connection.close()


def test_a_windows_1252_page_is_read_in_the_charset_it_declares(cli, db_path) -> None:  # type: ignore[no-untyped-def]
    cli.ok("source", "add", "--html-file", str(ARTICLES / "cp1252-page.html"), "--slug", "budget")
    text = _stored_text(db_path, "budget")
    assert "\ufffd" not in text
    assert "5 milliards d’€" in text and "l’OTAN" in text and "« C’est un engagement ferme »" in text
    source = cli.json("source", "show", "budget")
    assert source["title"] == "Le budget de défense" and source["publisher"] == "Le Quotidien d’Exemple"


def test_a_page_labelled_latin_1_is_read_as_browsers_read_it(cli, db_path) -> None:  # type: ignore[no-untyped-def]
    cli.ok("source", "add", "--html-file", str(ARTICLES / "latin1-page.html"), "--slug", "europa")
    text = _stored_text(db_path, "europa")
    assert "\ufffd" not in text
    assert "»Wir müssen größere Anstrengungen unternehmen«" in text and "2 Milliarden £" in text
    assert "Señor García" in text


def test_a_utf8_text_file_with_a_byte_order_mark_is_read_without_it(cli, db_path) -> None:  # type: ignore[no-untyped-def]
    cli.ok("source", "add", "BOM", "--text-file", str(ARTICLES / "utf8-bom.txt"), "--slug", "bom")
    expected = "L’OTAN n’a jamais promis de ne pas s’élargir : le coût dépasse 5 milliards d’€.\n"
    assert _stored_text(db_path, "bom") == expected


def test_a_utf16_text_file_with_a_byte_order_mark_is_read(cli, db_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    wide = tmp_path / "wide.txt"
    wide.write_text("Ein Text über NATO.\n", encoding="utf-16")
    cli.ok("source", "add", "Wide", "--text-file", str(wide), "--slug", "wide")
    assert _stored_text(db_path, "wide") == "Ein Text über NATO.\n"


def _page(body: str, head: str = "") -> str:
    paragraph = "<p>The minister said the alliance had never promised not to grow, and repeated it twice. </p>"
    return f"<html><head>{head}<title>A page</title></head><body><article>{body}{paragraph * 3}</article></body></html>"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # No declaration and not UTF-8: charset detection has more than one reading, so none is chosen.
        (
            _page("<p>Le café coûte 5 € – c’est « cher ».</p>").encode("cp1252"),
            "declares no character set: it could be",
        ),
        # Declared windows-1252, but byte 0x81 has no character there (and it is not UTF-8 either).
        (_page("<p>caf\x81</p>", '<meta charset="windows-1252">').encode("latin-1"), "the character set it declares"),
    ],
)
def test_a_page_whose_characters_cannot_be_known_is_refused(cli, dump, tmp_path, content, expected) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "page.html"
    page.write_bytes(content)
    before = dump()
    error = cli.fails("source", "add", "--html-file", str(page))
    assert expected in error and "UTF-8" in error
    assert dump() == before


def test_an_undeclared_page_is_read_when_charset_detection_has_only_one_reading(cli, db_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sentence = "部长表示，联盟从未承诺不向东扩张，并在会议上重复了两次。这是一个重要的声明。"
    page = tmp_path / "gb.html"
    page.write_bytes(_page(f"<p>{sentence}</p>" * 3).encode("gb2312"))
    cli.ok("source", "add", "--html-file", str(page), "--slug", "gb")
    assert sentence in _stored_text(db_path, "gb")


# --- dates in page metadata (issue 13, item 10) ------------------------------------------------------


def _dated_page(tmp_path: Path, date: str) -> Path:
    page = tmp_path / "dated.html"
    page.write_text(_page("<h1>A page</h1>", f'<meta property="article:published_time" content="{date}">'))
    return page


@pytest.mark.parametrize(("date", "stored"), [("2021-02", "2021-02"), ("2019", "2019"), ("2021-12-17", "2021-12-17")])
def test_a_partial_date_in_a_page_stays_partial(cli, tmp_path, date, stored) -> None:  # type: ignore[no-untyped-def]
    result = cli("source", "add", "--html-file", str(_dated_page(tmp_path, date)), "--slug", "dated")
    assert result.exit_code == 0 and not result.stderr
    assert cli.json("source", "show", "dated")["published_on"] == stored


@pytest.mark.parametrize(("date", "why"), [("2021-02-30", "impossible date '2021-02-30'"), ("03/04/2022", "ambiguous")])
def test_an_unreadable_date_in_a_page_is_left_out_with_a_warning(cli, tmp_path, date, why) -> None:  # type: ignore[no-untyped-def]
    result = cli("source", "add", "--html-file", str(_dated_page(tmp_path, date)), "--slug", "dated")
    assert result.exit_code == 0 and "Added source dated" in result.stdout
    assert result.stderr.startswith("Warning: left out the page's publication date") and why in result.stderr
    assert cli.json("source", "show", "dated")["published_on"] is None


def test_a_date_given_wins_over_the_page_and_silences_its_warning(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = _dated_page(tmp_path, "2021-02-30")
    result = cli("source", "add", "--html-file", str(page), "--slug", "dated", "--date", "2021-03")
    assert result.exit_code == 0 and not result.stderr
    assert cli.json("source", "show", "dated")["published_on"] == "2021-03"
    result = cli("--date-order", "dmy", "source", "add", "--html-file", str(_dated_page(tmp_path, "03/04/2022")))
    assert result.exit_code == 0 and not result.stderr
    assert cli.json("source", "list")[-1]["published_on"] == "2022-04-03"


# --- hostile files and sizes (issue 13, items 11 and 17) ---------------------------------------------


def test_dev_zero_is_refused_at_once(cli, dump) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    assert "/dev/zero is a binary file" in cli.fails("source", "add", "Zeros", "--text-file", "/dev/zero")
    assert dump() == before


def test_a_nul_byte_anywhere_makes_a_file_binary(cli, dump, tmp_path) -> None:  # type: ignore[no-untyped-def]
    late = tmp_path / "late.txt"
    late.write_bytes(b"plain words " * 100_000 + b"\x00 and more")  # the NUL is past the first megabyte
    before = dump()
    assert "is a binary file" in cli.fails("source", "add", "Late", "--text-file", str(late))
    assert "is a binary file" in cli.fails("source", "add", "--html-file", str(late))
    assert dump() == before


def test_files_over_the_size_limit_are_refused(cli, dump, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from factcheck import limits

    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1_000)
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 1_001)
    before = dump()
    error = cli.fails("source", "add", "Big", "--text-file", str(big))
    assert "big.txt is over 1,000 bytes: at most 1,000 are allowed" in error
    cli.ok("source", "add", "Small", "--slug", "small")
    assert "is over 1,000 bytes" in cli.fails("source", "edit", "small", "--text-file", str(big))
    big.write_bytes(b"a" * 1_000)
    cli.ok("source", "edit", "small", "--text-file", str(big))
    assert before != dump()


def test_a_text_over_the_archived_text_limit_is_refused(cli, dump, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from factcheck import limits

    monkeypatch.setattr(limits, "MAX_ARCHIVED_TEXT", 100)
    long = tmp_path / "long.txt"
    long.write_text("é" * 101)  # 202 bytes, 101 characters: the limit counts characters
    before = dump()
    error = cli.fails("source", "add", "L", "--text-file", str(long))
    assert "is 101 characters long: at most 100 are allowed" in error
    assert dump() == before


def test_field_limits_are_enforced(cli, dump) -> None:  # type: ignore[no-untyped-def]
    from factcheck.limits import MAX_NAME, MAX_TEXT

    cli.ok("claim", "add", "A claim about something", "--slug", "c")
    cli.ok("source", "add", "A source", "--slug", "s")
    before = dump()
    long_title = "t" * (MAX_NAME + 1)
    assert f"source title is {MAX_NAME + 1:,} characters long" in cli.fails("source", "add", long_title)
    assert "source title is" in cli.fails("source", "edit", "s", "--title", long_title)
    assert "publisher is" in cli.fails("source", "add", "T", "--publisher", long_title)
    assert "author is" in cli.fails("source", "add", "T", "--author", long_title)
    assert "source URL is" in cli.fails("source", "add", "T", "--url", "https://x/" + long_title)
    quote = "q" * (MAX_TEXT + 1)
    error = cli.fails("evidence", "add", "c", "s", "--stance", "supports", "--quote", quote, "--allow-unverified")
    assert f"quote is {MAX_TEXT + 1:,} characters long: at most {MAX_TEXT:,} are allowed" in error
    error = cli.fails("evidence", "add", "c", "s", "--stance", "supports", "--quote", "q", "--locator", long_title)
    assert "locator is" in error
    assert dump() == before


def test_a_long_text_is_compared_with_the_claims_up_to_a_bound(claims, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from factcheck.services import scan

    monkeypatch.setattr(scan, "MAX_SUGGESTED_SENTENCES", 4)
    text = tmp_path / "long.txt"
    filler = [f"Paragraph {n} is about the weather in the mountains and nothing else." for n in range(7)]
    text.write_text("\n\n".join(["No assurance against NATO expansion was ever put in writing by anyone.", *filler]))
    output = claims.ok("source", "add", "Long", "--text-file", str(text))
    assert "4 of its 8 sentences, spread over it, were compared" in output
    assert "no-writing" in output
    monkeypatch.setattr(scan, "MAX_SUGGESTED_SENTENCES", 8)
    output = claims.ok("source", "add", "Long again", "--text-file", str(text))
    assert "were compared" not in output and "no-writing" in output


def test_a_failed_lookup_of_related_claims_after_the_commit_says_the_source_was_saved(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from factcheck.errors import DatabaseProblem
    from factcheck.services import scan

    def fails(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise DatabaseProblem("database is busy")

    monkeypatch.setattr(scan, "suggestions_for", fails)
    result = cli("source", "add", "Comment", "--text-file", str(COMMENT), "--slug", "comment")
    assert result.exit_code == 0 and "Added source comment" in result.stdout
    assert (
        "Warning: source comment was saved, but the claims its text speaks to could not be looked up" in result.stderr
    )
    assert cli.json("source", "show", "comment")["has_text"]
