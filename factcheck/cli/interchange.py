"""`factcheck export` and `factcheck import`: datasets, ClaimReview and CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import ForceFlag, console, ensure_writable, say, say_loaded
from .state import reading, writing

EXPORT_FORMATS = ("json", "yaml", "claimreview", "csv")
IMPORT_FORMATS = ("json", "yaml", "claimreview")


def export(
    ctx: typer.Context,
    format: Annotated[str, typer.Option("--format", help="json, yaml, claimreview or csv.")] = "yaml",
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
    import json

    from ..errors import InvalidInput
    from ..interchange.claimreview import export_claimreview
    from ..interchange.csvfiles import write_csv
    from ..interchange.dataset import dump, export_dataset

    if format not in EXPORT_FORMATS:
        raise InvalidInput(f"unknown format {format!r}: allowed: {', '.join(EXPORT_FORMATS)}")
    if (claim or tag) and format not in ("json", "yaml"):
        raise InvalidInput("--claim and --tag go with --format json or yaml")
    if format == "csv":
        if output is None:
            raise InvalidInput("csv writes claims.csv and evidence.csv: give a folder with -o DIR")
        if output.is_dir():
            for name in ("claims.csv", "evidence.csv"):
                ensure_writable(output / name, force=force)
    elif output is not None:
        ensure_writable(output, force=force)
    with reading(ctx) as session:
        if format == "csv":
            counts = write_csv(session, output)  # type: ignore[arg-type]
            say("Wrote " + ", ".join(f"{name} ({rows} rows)" for name, rows in counts.items()) + f" to {output}.")
            return
        if format == "claimreview":
            text = json.dumps(export_claimreview(session), ensure_ascii=False, indent=2) + "\n"
        else:
            text = dump(export_dataset(session, claims=claim, tags=tag), format)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        say(f"Wrote {output}.")


def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The file (or dataset folder) to read.", exists=True)],
    format: Annotated[
        str | None, typer.Option("--format", help="json, yaml or claimreview [default: from the file name].")
    ] = None,
    texts: Annotated[
        Path | None, typer.Option(help="Folder with the documents the sources name.", exists=True, file_okay=False)
    ] = None,
) -> None:
    """Import a dataset or ClaimReview file in one transaction; what is already there is skipped."""
    from ..errors import InvalidInput
    from ..interchange.claimreview import read_claimreview
    from ..interchange.dataset import load_records, read_dataset

    chosen = format or ("yaml" if file.is_dir() or file.suffix.lower() in (".yaml", ".yml") else "json")
    if chosen not in IMPORT_FORMATS:
        raise InvalidInput(f"unknown format {chosen!r}: allowed: {', '.join(IMPORT_FORMATS)}")
    with writing(ctx) as session:
        records = read_claimreview(session, file) if chosen == "claimreview" else read_dataset(file)
        total = sum(len(items) for items in records.values()) + sum(
            len(r.data.get("evidence") or []) for r in records["claims"]
        )
        with _progress(total) as tick:
            report = load_records(session, records, texts=texts, progress=tick)
    say_loaded(file, report.as_dict())


class _progress:
    """A Rich progress bar on a terminal, for large imports; nothing when output is piped."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar = None

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not console.is_terminal or self.total < 1000:
            return lambda _n: None
        from rich.progress import Progress

        self.bar = Progress(console=console, transient=True)
        self.bar.start()
        task = self.bar.add_task("Importing", total=self.total)
        return lambda n: self.bar.advance(task, n)  # type: ignore[union-attr]

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
