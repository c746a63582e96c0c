"""Dates are never guessed: partial dates stay partial, ambiguous numeric dates are refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factcheck.dates import date_order, parse_partial_date
from factcheck.errors import InvalidInput

READ = [
    ("2021", "2021"),
    ("2021-12", "2021-12"),
    ("2021-12-17", "2021-12-17"),
    ("17 December 2021", "2021-12-17"),
    ("December 17, 2021", "2021-12-17"),
    ("December 2021", "2021-12"),
    ("13.10.2017", "2017-10-13"),  # the day cannot be a month: one reading only
    ("10/13/2017", "2017-10-13"),
    ("04/04/2022", "2022-04-04"),  # both readings agree
    ("2022/03/04", "2022-03-04"),
    ("2022-02-17 01:47", "2022-02-17"),  # ClaimReview datePublished with a time
    ("2022-02-17T01:47:00+02:00", "2022-02-17"),
    ("2021-12-17T10:00:00Z", "2021-12-17"),
    ("2021-7-16", "2021-07-16"),  # a four-digit year first reads one way only, padded or not
    ("2021-7", "2021-07"),
    ("2021.7.6", "2021-07-06"),
    ("2021-7-16T09:05:00+05:30", "2021-07-16"),
    ("2021-12-31T23:59:60Z", "2021-12-31"),  # a leap second exists
]


@pytest.mark.parametrize(("raw", "expected"), READ)
def test_unambiguous_dates_are_read(raw: str, expected: str) -> None:
    assert parse_partial_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("03/04/2022", ["3 April 2022", "4 March 2022", "--date-order"]),
        ("03.10.2017", ["3 October 2017", "10 March 2017"]),
        ("12/11/10", ["2-digit year"]),
        ("99", ["malformed date"]),
        ("13/14/2022", ["impossible date"]),
        ("2021-02-30", ["impossible date"]),
        ("Feb 3 21", ["has no year"]),
        ("2021-7-32", ["impossible date"]),
        ("2021-12-17T25:00", ["impossible time", "00-23"]),  # a time that does not exist: its date is not kept
        ("2021-12-17T10:61", ["impossible time"]),
        ("2021-12-17T10:00+24:00", ["impossible time"]),
    ],
)
def test_ambiguous_or_short_dates_are_refused(raw: str, words: list[str]) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_partial_date(raw)
    for word in words:
        assert word in str(error.value)


def test_a_date_order_reads_ambiguous_dates() -> None:
    with date_order("dmy"):
        assert parse_partial_date("03.10.2017") == "2017-10-03"
    with date_order("mdy"):
        assert parse_partial_date("03/04/2022") == "2022-03-04"
    with pytest.raises(InvalidInput):
        parse_partial_date("03/04/2022")  # the order does not outlive its block


@given(st.dates(min_value=__import__("datetime").date(1000, 1, 1)))
def test_numeric_dates_with_a_day_over_12_need_no_order(day: object) -> None:
    import datetime as dt

    assert isinstance(day, dt.date)
    text = f"{day.day:02d}.{day.month:02d}.{day.year}"
    if day.day > 12:
        assert parse_partial_date(text) == day.isoformat()
    elif day.day != day.month:
        with pytest.raises(InvalidInput):
            parse_partial_date(text)
    with date_order("dmy"):
        assert parse_partial_date(text) == day.isoformat()


def test_cli_refuses_an_ambiguous_date_and_writes_nothing(cli, dump) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    error = cli.fails("claim", "add", "A claim with a date", "--date", "03/04/2022")
    assert "3 April 2022" in error and "4 March 2022" in error and "--date-order" in error
    assert dump() == before
    cli.ok("--date-order", "dmy", "claim", "add", "A claim with a date", "--date", "03/04/2022")
    assert cli.json("claim", "show", "a-claim-with-a-date")["claim"]["stated_on"] == "2022-04-03"
    cli.ok("--date-order", "mdy", "claim", "edit", "a-claim-with-a-date", "--date", "03/04/2022")
    assert cli.json("claim", "show", "a-claim-with-a-date")["claim"]["stated_on"] == "2022-03-04"
    assert "unknown date order" in cli.fails("--date-order", "ymd", "claim", "list")
