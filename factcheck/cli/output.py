"""Rendering: the same rows become a Rich table on a terminal, or JSON with --json.

Everything the CLI prints goes through here, so that two promises hold in one place:
- user text never reaches a terminal raw: control characters, escape sequences and bidi overrides
  are shown visibly (`\\x1b`, `\\u202e`) in tables, panels and messages, and JSON escapes them;
- a failure to write the output never stops a command half-way nor reads as "internal error":
  it is noted, the command finishes, and the CLI's handler says whether the change was saved."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from ..controls import UNSAFE, visible
from ..jsontext import json_list, to_json

if TYPE_CHECKING:
    from rich.text import Text

# Emoji codes off: a claim mentioning ":warning:" must not turn into a picture.
console = Console(highlight=False, emoji=False)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")]
ForceFlag = Annotated[bool, typer.Option("--force", help="Overwrite what -o names.")]


def visible_text(text: Text) -> Text:
    """A Rich Text with its characters made visible, styles kept."""
    from rich.text import Text

    if not UNSAFE.search(text.plain):
        return text
    safe = Text(justify=text.justify, overflow=text.overflow, no_wrap=text.no_wrap)
    for segment in text.render(console, end=""):
        safe.append(visible(segment.text), segment.style)
    return safe


class _Output:
    """What happened to this command's output and data, for the CLI's handler."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.failure: OSError | None = None
        self.saved = False


_state = _Output()


def begin_command() -> None:
    _state.reset()


def mark_saved() -> None:
    """Called once a change is committed: from here on, a failure to print must say it was saved."""
    _state.saved = True


def output_failure() -> str | None:
    """The one line to show when the output could not be written, or None."""
    if _state.failure is None:
        return None
    reason = _state.failure.strerror or type(_state.failure).__name__
    if _state.saved:
        return f"the change was saved, but its output could not be written ({reason})"
    return f"the output could not be written ({reason})"


def output_failed(error: OSError) -> bool:
    """Whether `error` is a failure to write output printed outside this module (--help, an export
    echoed by Typer, a file on a full disk): if so it is noted as this command's output failure."""
    import errno

    if error.errno not in {errno.EPIPE, errno.ENOSPC, errno.EIO, errno.EDQUOT}:
        return False
    _state.failure = _state.failure or error
    return True


def silence_stdout() -> None:
    """After a failed write, point stdout at /dev/null so that the interpreter's last flush of the
    unwritten buffer does not fail again at exit."""
    import os

    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (tests capture stdout): nothing is flushed at exit
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, descriptor)
    finally:
        os.close(null)


@contextmanager
def _writing_out() -> Iterator[bool]:
    """Yields whether to write at all; a failed write is noted, not raised (see the module doc)."""
    if _state.failure is not None:
        yield False
        return
    try:
        yield True
    except OSError as error:  # /dev/full, a closed pipe, a full disk
        _state.failure = error


def write_out(text: str) -> None:
    """Text exactly as given (a report, an export) on stdout."""
    with _writing_out() as ok:
        if ok:
            sys.stdout.write(text)
            sys.stdout.flush()


def write_lines(lines: Iterable[str]) -> None:
    """Lines of text (JSON lines, CSV) on stdout as they come, a few hundred a write."""
    pieces: list[str] = []
    for line in lines:
        pieces.append(line)
        if len(pieces) >= 256:
            write_out("".join(pieces))
            pieces.clear()
    write_out("".join(pieces))


def print_json(document: Any) -> None:
    """Only JSON on stdout, whatever the terminal. The data stays exact; characters that could
    steer a terminal are written as JSON escapes (`\\u202e`), which read back the same."""
    write_out(to_json(document))


def print_json_list(items: Iterable[Any]) -> None:
    """print_json of a list, written item by item as it is read: a long listing is never held whole."""
    pieces: list[str] = []
    for piece in json_list(items):
        pieces.append(piece)
        if len(pieces) >= 256:  # a few hundred rows a write, not one write a row
            write_out("".join(pieces))
            pieces.clear()
    write_out("".join(pieces))


def _print(renderable: Any, **options: Any) -> None:
    with _writing_out() as ok:
        if ok:
            console.print(renderable, **options)


TABLE_ROWS = 1_000  # rows rendered as one table: a listing of any length is printed in bounded memory


def print_table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    empty: str = "nothing",
    no_wrap: Sequence[str] = ("id", "slug"),
    ratios: dict[str, int] | None = None,
) -> None:
    """Rows as a Rich table; `ratios` share the width among the columns that hold prose. A long
    listing is printed TABLE_ROWS rows at a time, as tables that follow on under one header."""
    from itertools import islice

    from rich.table import Table
    from rich.text import Text

    printed, remaining = False, iter(rows)
    while part := list(islice(remaining, TABLE_ROWS)):
        table = Table(
            title=Text(visible(title)) if title and not printed else None,
            title_justify="left",
            show_lines=False,
            show_header=not printed,
            expand=bool(ratios),
        )
        for column in columns:
            table.add_column(column, overflow="fold", no_wrap=column in no_wrap, ratio=(ratios or {}).get(column))
        for row in part:
            # Text, not markup: a user's "[bold]" stays literal.
            table.add_row(
                *(
                    visible_text(cell) if isinstance(cell, Text) else Text(visible("" if cell is None else str(cell)))
                    for cell in row
                )
            )
        _print(table)
        printed = True
    if not printed:
        _print(Text(visible(empty), style="dim"))


def print_rows(
    items: Iterable[Any],
    as_json: bool,
    columns: Sequence[str],
    row: Callable[[Any], Sequence[Any]],
    **table: Any,
) -> None:
    """One listing, two renderings from the same items: JSON with --json (written as the items come),
    else a table of row(item)."""
    if as_json:
        print_json_list(items)
    else:
        print_table(table.pop("title", None), columns, (row(item) for item in items), **table)


def print_rich(renderable: Any) -> None:
    """A Rich renderable (a Panel of Text built with `visible`)."""
    _print(renderable)


def say(message: str | Text) -> None:
    """A message in Rich markup; user text in it goes through `escape`. Should a caller forget, the
    message is still safe: control characters are made visible, and markup that does not parse
    is printed as typed rather than failing after the work is done."""
    from rich.errors import MarkupError
    from rich.text import Text

    if isinstance(message, Text):
        _print(visible_text(message), soft_wrap=True)
        return
    shown = visible(message)
    try:
        rendered = console.render_str(shown)
    except MarkupError:
        rendered = Text(shown)
    _print(rendered, soft_wrap=True)


def warn(message: str) -> None:
    """A warning on stderr, as plain text: nothing in it is read as markup or obeyed by a terminal."""
    sys.stderr.write(f"Warning: {visible(message)}\n")


def escape(text: Any) -> str:
    """User text shown inside Rich markup, so `[bold]` in a claim stays literal and an escape
    sequence is shown, not obeyed."""
    from rich.markup import escape as rich_escape

    return rich_escape(visible("" if text is None else str(text)))


def counted(counts: dict[str, int]) -> str:
    """{"evidence": 2, "source_versions": 1} → "2 evidence, 1 source versions"."""
    return ", ".join(f"{count} {what.replace('_', ' ')}" for what, count in counts.items())


def say_loaded(what: object, counts: dict[str, dict[str, int]]) -> None:
    """What a dataset load or import added, and how much was there already."""
    added = counted({kind: c["added"] for kind, c in counts.items() if c["added"]})
    skipped = sum(c["skipped"] for c in counts.values())
    say(
        f"Loaded {escape(what)}: added {added or 'nothing'}" + (f"; {skipped} already present" if skipped else "") + "."
    )


def say_deleted(what: str, dependents: dict[str, int]) -> None:
    """`what` is plain text ("claim REF"), shown literally."""
    say(f"Deleted {escape(what)}" + (f" (with {counted(dependents)})" if dependents else "") + ".")


def ensure_writable(path: Path, *, force: bool) -> None:
    """Refuse to write over a file the user did not ask to overwrite (nor into a folder's name)."""
    from ..errors import InvalidInput

    if path.is_dir():
        raise InvalidInput(f"{path} is a folder: give a file name")
    if path.exists() and not force:
        raise InvalidInput(f"{path} exists: pass --force to overwrite it")
    if not path.parent.is_dir():
        raise InvalidInput(f"cannot write {path}: folder {path.parent} does not exist")
