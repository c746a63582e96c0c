"""The output of the list commands (`claim list`, `source list`, `actor list`): one listing in the
format asked for, or the facet counts of what the filters select."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Annotated, Any

import typer

from ..errors import InvalidInput
from ..jsontext import to_json_line
from .output import print_json, print_rows, print_table, write_lines

FORMATS = ("table", "json", "jsonl", "csv")
Facets = Annotated[bool, typer.Option("--facets", help="Count each facet's values instead of listing.")]
Format = Annotated[
    str | None, typer.Option("--format", help="table, json, jsonl or csv (--json is json).", show_default=False)
]


def output_kind(as_json: bool, output_format: str | None, *, facets: bool, limit: int | None) -> str:
    """The format a list command writes, its options checked against each other."""
    if as_json and output_format not in (None, "json"):
        raise InvalidInput(f"give --json or --format {output_format}, not both")
    kind = "json" if as_json else output_format or "table"
    if kind not in FORMATS:
        raise InvalidInput(f"--format takes {', '.join(FORMATS[:-1])} or {FORMATS[-1]}, not {output_format!r}")
    if facets and (limit is not None or kind in ("jsonl", "csv")):
        raise InvalidInput("--facets counts every row the filters select, as a table or JSON: no --limit, jsonl or csv")
    return kind


def page_size(limit: int | None, largest: int) -> int:
    """Rows read at a time for at most `limit` shown: no more read than shown."""
    return min(limit or largest, largest)


def print_listing(
    kind: str,
    rows: Iterator[Any],
    limit: int | None,
    csv_columns: Sequence[str],
    columns: Sequence[str],
    row: Callable[[Any], Sequence[Any]],
    **table: Any,
) -> None:
    """The first `limit` rows as a table, JSON, JSON lines or CSV (export's columns, cells inert)."""
    from ..interchange.dataset.csvfiles import rows_csv

    shown = itertools.islice(rows, limit)
    if kind == "csv":
        write_lines(rows_csv((dict(item) for item in shown), csv_columns))
    elif kind == "jsonl":
        write_lines(to_json_line(item) for item in shown)
    else:
        print_rows(shown, kind == "json", columns, row, **table)


def print_facets(kind: str, filters: dict[str, Any], counted: dict[str, list[dict[str, Any]]], noun: str) -> None:
    """Each facet's values with how many `noun` have each: a table a facet, or JSON with the filters."""
    if kind != "table":
        print_json({**filters, "facets": counted})
        return
    for name, values in counted.items():
        if values:
            print_table(name, ("value", noun), ((item["label"], item["count"]) for item in values))


def pairs(given: Mapping[str, Iterable[str] | None]) -> list[tuple[str, str]]:
    """Options' values as the (name, value) pairs filters are read from; a blank one is no filter,
    as a blank box of the web view's form."""
    return [(name, value) for name, values in given.items() for value in values or () if value.strip()]


def print_list_of(
    session: Any,
    name: str,
    given: Mapping[str, Iterable[str] | None],
    kind: str,
    *,
    facets: bool,
    limit: int | None,
    columns: Sequence[str],
    row: Callable[[Any], Sequence[Any]],
) -> None:
    """`source list` or `actor list` (listings.LISTINGS[name]): the rows the `given` filters
    select, or their facet counts."""
    from ..interchange.dataset.csvfiles import LIST_COLUMNS
    from ..services import listings

    listing = listings.LISTINGS[name]
    filters = listings.read_filters(listing, pairs(given))
    if facets:
        print_facets(kind, {"filters": filters}, listings.facets(session, listing, filters), name)
        return
    rows = listings.every(session, listing, filters, size=page_size(limit, listings.MAX_PAGE_SIZE))
    print_listing(kind, rows, limit, LIST_COLUMNS[name], columns, row, empty=f"no {name}")
