"""Commands that read a whole table read it a page at a time, and say the same as when they read it
at once: `verify` (a source's quotes in pages), `db check` (ids counted as they stream by)."""

from __future__ import annotations

import sqlite3

from factcheck.services import evidence

TEXT = "The minister said the border would stay open. " * 3 + "Later the talks in Geneva broke down without a date."
QUOTES = ["the border would stay open", "the talks in Geneva broke down", "The minister said", "without a date"]


def test_verify_checks_a_source_a_page_at_a_time_with_the_same_result(cli, db_path, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "minutes.txt"
    text.write_text(TEXT, encoding="utf-8")
    cli.ok("source", "add", "Minutes", "--slug", "minutes", "--text-file", str(text))
    cli.ok("claim", "add", "The border stays open", "--slug", "open")
    for number in range(7):
        cli.ok("evidence", "add", "open", "minutes", "--stance", "supports", "--quote", QUOTES[number % 4])
    # Quotes whose stored places no longer hold: moved offsets, a status gone stale.
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute(
            "UPDATE evidence SET start_offset = start_offset + 1, end_offset = end_offset + 1 WHERE id % 3 = 0"
        )
        connection.execute("UPDATE evidence SET quote_status = 'not-found' WHERE id % 2 = 0")
    whole = tmp_path / "whole.db"
    with sqlite3.connect(whole) as copy:
        connection.backup(copy)
    connection.close()

    monkeypatch.setattr(evidence, "CHECK_PAGE", 2)
    paged = cli.json("verify")
    monkeypatch.undo()
    at_once = type(cli)(whole).json("verify")
    assert paged == at_once
    assert len(paged["changed"]) == 4 and paged["totals"]["verified"] == 7
    assert cli.json("verify")["changed"] == []  # what changed was written


def test_db_check_names_the_first_ten_of_many_and_counts_the_rest(cli, db_path) -> None:  # type: ignore[no-untyped-def]
    for number in range(1, 16):
        cli.ok("claim", "add", f"Claim number {number} about the border", "--slug", f"claim-{number}", "--force")
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute("DELETE FROM claims_fts")
    connection.close()
    result = cli("db", "check", "--json")
    assert result.exit_code == 1
    assert "search index: claims missing from the search index: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 5 more" in (
        result.stdout
    )
