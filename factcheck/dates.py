"""Partial ISO-8601 dates: ``1990``, ``2021-12``, ``2021-12-17``.

Stored as strings, which sort correctly (a year sorts before any month of it)."""

from __future__ import annotations

import datetime as dt
import re

from .errors import InvalidInput

_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
ALLOWED = "YYYY, YYYY-MM or YYYY-MM-DD (or a written date such as '17 December 2021')"


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


def parse_partial_date(raw: str | int | dt.date | None) -> str | None:
    """Normalise a full or partial date to ISO-8601; ``None`` or blank stays ``None``.

    Written dates ("December 2021", "17 Dec 2021") are parsed with python-dateutil, keeping only
    the parts that were actually given."""
    if raw is None:
        return None
    if isinstance(raw, dt.date):
        return raw.isoformat()[:10]
    text = str(raw).strip()
    if not text:
        return None
    match = _ISO_PARTIAL.match(text)
    if match:
        year, month, day = match.groups()
        return _check(int(year), int(month) if month else None, int(day) if day else None, text)
    from dateutil import parser

    # Parse twice with different defaults: a part that changes with the default was not given.
    try:
        first = parser.parse(text, default=dt.datetime(1, 1, 1))
        second = parser.parse(text, default=dt.datetime(2, 2, 2))
    except (ValueError, OverflowError):
        raise InvalidInput(f"malformed date {text!r}: expected {ALLOWED}") from None
    if first.year != second.year:
        raise InvalidInput(f"date {text!r} has no year: expected {ALLOWED}")
    month = first.month if first.month == second.month else None
    day = first.day if first.day == second.day and month is not None else None
    return _check(first.year, month, day, text)
