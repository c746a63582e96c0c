"""Rendering: the same rows become a Rich table on a terminal, or JSON with --json."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console(highlight=False)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")]
ForceFlag = Annotated[bool, typer.Option("--force", help="Overwrite what -o names.")]


def print_json(document: Any) -> None:
    """Only JSON on stdout, whatever the terminal."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")


def print_table(
    title: str | None,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    empty: str = "nothing",
    no_wrap: Sequence[str] = ("id", "slug"),
    ratios: dict[str, int] | None = None,
) -> None:
    """Rows as a Rich table; `ratios` share the width among the columns that hold prose."""
    from rich.table import Table
    from rich.text import Text

    if not rows:
        console.print(f"[dim]{empty}[/dim]")
        return
    table = Table(title=title, title_justify="left", show_lines=False, expand=bool(ratios))
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column in no_wrap, ratio=(ratios or {}).get(column))
    for row in rows:
        # Text, not markup: a user's "[bold]" stays literal.
        table.add_row(*(cell if isinstance(cell, Text) else Text("" if cell is None else str(cell)) for cell in row))
    console.print(table)


def print_rows(
    items: Sequence[Any],
    as_json: bool,
    columns: Sequence[str],
    row: Callable[[Any], Sequence[Any]],
    **table: Any,
) -> None:
    """One listing, two renderings from the same items: JSON with --json, else a table of row(item)."""
    if as_json:
        print_json(items)
    else:
        print_table(table.pop("title", None), columns, [row(item) for item in items], **table)


def say(message: str) -> None:
    console.print(message, soft_wrap=True)


def escape(text: str | None) -> str:
    """User text shown inside Rich markup, so `[bold]` in a claim stays literal."""
    from rich.markup import escape as rich_escape

    return rich_escape(text or "")


def counted(counts: dict[str, int]) -> str:
    """{"evidence": 2, "links": 1} → "2 evidence, 1 links"."""
    return ", ".join(f"{count} {what}" for what, count in counts.items())


def say_loaded(what: object, counts: dict[str, dict[str, int]]) -> None:
    """What a dataset load or import added, and how much was there already."""
    added = counted({kind: c["added"] for kind, c in counts.items() if c["added"]})
    skipped = sum(c["skipped"] for c in counts.values())
    say(f"Loaded {what}: added {added or 'nothing'}" + (f"; {skipped} already present" if skipped else "") + ".")


def say_deleted(what: str, dependents: dict[str, int]) -> None:
    say(f"Deleted {what}" + (f" (with {counted(dependents)})" if dependents else "") + ".")


def ensure_writable(path: Path, *, force: bool) -> None:
    """Refuse to write over a file the user did not ask to overwrite (nor into a folder's name)."""
    from ..errors import InvalidInput

    if path.is_dir():
        raise InvalidInput(f"{path} is a folder: give a file name")
    if path.exists() and not force:
        raise InvalidInput(f"{path} exists: pass --force to overwrite it")
    if not path.parent.is_dir():
        raise InvalidInput(f"cannot write {path}: folder {path.parent} does not exist")
