"""`factcheck export` and `factcheck import`: the formats in factcheck.interchange.formats."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..interchange.formats import EXPORT_FORMATS, IMPORT_FORMATS
from .claim_desk import CorrectionNote
from .output import ForceFlag, console, ensure_writable, escape, say, say_loaded
from .state import reading, writing

if TYPE_CHECKING:
    from rich.progress import Progress


def export(
    ctx: typer.Context,
    format: Annotated[str, typer.Option("--format", help=f"{', '.join(EXPORT_FORMATS)}.")] = "yaml",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (a folder for csv) [default: stdout].")
    ] = None,
    claim: Annotated[
        list[str] | None, typer.Option(help="Only this claim, with what it references (repeatable).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Only claims with this tag (repeatable).")] = None,
    force: ForceFlag = False,
) -> None:
    """Write the database (or some claims) as a dataset, ClaimReview JSON-LD, or CSV files."""
    from ..interchange.formats import export_data, export_format

    fmt = export_format(format, subset=bool(claim or tag), output=output)
    for target in fmt.targets(output):
        ensure_writable(target, force=force)
    stdout = None if output else typer.get_text_stream("stdout")  # written as it is read
    with reading(ctx) as session:
        exported = export_data(session, fmt, output=output, claims=claim, tags=tag, stream=stdout)
    if output is None:
        return
    if fmt.files:
        files = ", ".join(f"{name} ({rows} rows)" for name, rows in (exported.written or {}).items())
        say(f"Wrote {escape(files)} to {escape(str(output))}.")
    else:
        say(f"Wrote {escape(str(output))}.")


def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The file (or dataset folder) to read.", exists=True)],
    format: Annotated[
        str | None,
        typer.Option("--format", help=f"{', '.join(IMPORT_FORMATS)} [default: from the file name]."),
    ] = None,
    texts: Annotated[
        Path | None, typer.Option(help="Folder with the documents the sources name.", exists=True, file_okay=False)
    ] = None,
    date_order: Annotated[
        str | None,
        typer.Option(
            "--date-order",
            help="Read the file's numeric dates such as 03/04/2022 day-first (dmy) or month-first (mdy); "
            "without it (here or before the command), such dates are refused.",
            show_default=False,
        ),
    ] = None,
    rating_map: Annotated[
        Path | None,
        typer.Option(
            "--rating-map",
            help='YAML file mapping reviewers\' labels to ratings ("Pinocchio andante": false), used before '
            "the built-in vocabulary; ./factcheck-ratings.yaml is read too when it exists.",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    no_index: Annotated[
        bool,
        typer.Option(
            "--no-index",
            help="Do not compute the new claims' sentence vectors (the slow part of a large import); "
            "run `factcheck index rebuild` later.",
        ),
    ] = False,
    correction: CorrectionNote = None,
) -> None:
    """Import a dataset, ClaimReview or ClaimsKG file in one transaction; what is already there is skipped."""
    from ..interchange.formats import import_file

    with writing(ctx, correction=correction) as session, _Progress() as progress:
        report = import_file(
            session,
            file,
            format=format,
            texts=texts,
            date_order=date_order,
            rating_map=rating_map,
            progress=progress.start,
            index=not no_index,
        )
    say_loaded(file, report.as_dict())
    for note in report.notes:
        say(escape(note))
    if no_index and report.added["claims"]:
        say("The new claims have no sentence vectors: run `factcheck index rebuild` (meanwhile they match by words).")


class _Progress:
    """A Rich progress bar on a terminal, for large imports; nothing when output is piped."""

    def __init__(self) -> None:
        self.bar: Progress | None = None

    def __enter__(self) -> _Progress:
        return self

    def start(self, total: int) -> Callable[[int], None]:
        if not console.is_terminal or total < 1000:
            return lambda _n: None
        from rich.progress import Progress

        bar = self.bar = Progress(console=console, transient=True)
        bar.start()
        task = bar.add_task("Importing", total=total)
        return lambda n: bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
