"""Partial ISO-8601 dates: ``1990``, ``2021-12``, ``2021-12-17``.

Stored as strings, which sort correctly (a year sorts before any month of it). Dates are never
guessed: a numeric date that reads two ways (``03/04/2022``) is refused unless a date order is
given, a two-digit year is refused, and a written date keeps only the parts it gives."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import InvalidInput, Remedy

_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# An ISO date with a time ("2022-02-17 01:47", "2022-02-17T01:47:00+02:00"): the date is kept,
# once the time is one that exists.
_ISO_WITH_TIME = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):?(\d{2}))?$"
)
# Day and month in either order, then the year: 03/04/2022, 13.10.2017, 3-4-22.
_NUMERIC = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d+)$")
# A four-digit year first cannot be read two ways, padded or not: 2021/7/16, 2021.07, 2021-7-16.
_YEAR_FIRST = re.compile(r"^(\d{4})([./-])(\d{1,2})(?:\2(\d{1,2}))?$")
_MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

DATE_ORDERS = ("dmy", "mdy")
ALLOWED = "YYYY, YYYY-MM or YYYY-MM-DD (or a written date such as '17 December 2021')"

_order: ContextVar[str | None] = ContextVar("date_order", default=None)


@contextmanager
def date_order(order: str | None) -> Iterator[None]:
    """Within the block, ambiguous numeric dates are read day-first ("dmy") or month-first ("mdy")."""
    if order is not None and order not in DATE_ORDERS:
        raise InvalidInput(f"unknown date order {order!r}: allowed: {', '.join(DATE_ORDERS)}")
    token = _order.set(order)
    try:
        yield
    finally:
        _order.reset(token)


def _check(year: int, month: int | None, day: int | None, raw: str) -> str:
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        raise InvalidInput(f"impossible date {raw!r}: expected {ALLOWED}") from None
    if day is not None:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if month is not None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


def _written(day: int, month: int, year: int) -> str:
    return f"{day} {_MONTH_NAMES[month - 1]} {year}"


def _numeric(first: int, second: int, year_text: str, raw: str, order: str | None) -> str:
    """A day and a month in an order the text does not say: read only when it cannot be otherwise."""
    if len(year_text) != 4:
        raise InvalidInput(f"date {raw!r} has a {len(year_text)}-digit year: write the full year, e.g. as YYYY-MM-DD")
    year = int(year_text)
    if order is None:
        if first > 12 and second > 12:
            raise InvalidInput(f"impossible date {raw!r}: neither number is a month; expected {ALLOWED}")
        if first > 12 or first == second:
            order = "dmy"
        elif second > 12:
            order = "mdy"
        else:
            day_first, month_first = _written(first, second, year), _written(second, first, year)
            raise InvalidInput(
                f"ambiguous date {raw!r}: it reads as {day_first} (--date-order dmy) or as {month_first} "
                "(--date-order mdy): give the order, or write it as YYYY-MM-DD",
                remedy=Remedy.DATE_ORDER,
            )
    day, month = (first, second) if order == "dmy" else (second, first)
    return _check(year, month, day, raw)


def parse_partial_date(raw: str | int | dt.date | None, order: str | None = None) -> str | None:
    """Normalise a full or partial date to ISO-8601; ``None`` or blank stays ``None``.

    `order` ("dmy" or "mdy", default: the one `date_order` set) reads numeric dates whose day and
    month could be swapped. Written dates ("December 2021", "17 Dec 2021") are parsed with
    python-dateutil, keeping only the parts that were actually given."""
    if raw is None:
        return None
    if isinstance(raw, dt.date):
        return raw.isoformat()[:10]
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise InvalidInput(f"a date must be text such as 2021-12-17, not {type(raw).__name__} {raw!r}")
    text = str(raw).strip()
    if not text:
        return None
    order = order or _order.get()
    if match := _ISO_PARTIAL.match(text):
        year, month, day = match.groups()
        return _check(int(year), int(month) if month else None, int(day) if day else None, text)
    if match := _ISO_WITH_TIME.match(text):
        hour, minute, seconds, offset_hours, offset_minutes = (int(part or 0) for part in match.groups()[1:])
        if hour > 23 or minute > 59 or seconds > 60 or offset_hours > 23 or offset_minutes > 59:
            raise InvalidInput(f"impossible time in {text!r}: expected hours 00-23 and minutes 00-59")
        return parse_partial_date(match.group(1))
    if match := _YEAR_FIRST.match(text):
        year, _separator, month, day = match.groups()
        return _check(int(year), int(month), int(day) if day else None, text)
    if match := _NUMERIC.match(text):
        first, _separator, second, year = match.groups()
        return _numeric(int(first), int(second), year, text, order)
    if not re.search(r"[^\W\d_]", text):
        # Digits and punctuation that fit no form above ("99", "2021/13", "1.2.3.4"): nothing to guess from.
        raise InvalidInput(f"malformed date {text!r}: expected {ALLOWED}")
    return _written_date(text)


def _written_date(text: str) -> str:
    from dateutil import parser

    if not re.search(r"(?<!\d)\d{4}(?!\d)", text):
        raise InvalidInput(f"date {text!r} has no year (with four digits): expected {ALLOWED}")
    # Parse twice with different defaults: a part that changes with the default was not given.
    try:
        first = parser.parse(text, default=dt.datetime(1, 1, 1))
        second = parser.parse(text, default=dt.datetime(2, 2, 2))
    except (ValueError, OverflowError):
        raise InvalidInput(f"malformed date {text!r}: expected {ALLOWED}") from None
    if first.year != second.year:
        raise InvalidInput(f"date {text!r} has no year: expected {ALLOWED}")
    if sum(1 for token in re.findall(r"\d+", text) if len(token) <= 2) > 1:
        # "3 4 2022 Mon": two small numbers and a word; dateutil would pick an order silently.
        raise InvalidInput(f"ambiguous date {text!r}: write it as YYYY-MM-DD")
    month = first.month if first.month == second.month else None
    day = first.day if first.day == second.day and month is not None else None
    return _check(first.year, month, day, text)
