"""`factcheck scan`: which known claims does a new text repeat, and where?"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..jsontext import to_json_line
from ..limits import MAX_ID
from .output import JsonFlag, escape, output_failure, print_json, print_table, say, warn, write_out
from .state import reading

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sqlalchemy.orm import Session

    Text = tuple[str, str, dict[str, Any] | None, str | None]  # name, text, layout, language

SHOWN = 3  # sentences shown in the table for each claim found (--json has them all)
# A file's reader by its suffix; anything else is read as UTF-8 text.
READERS = {".pdf": "pdf", ".vtt": "transcript", ".srt": "transcript", ".html": "html", ".htm": "html"}


def scan(
    ctx: typer.Context,
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files (text, HTML, PDF, WebVTT, SRT), folders of them, - for standard input, or stored "
            "sources (id or slug).",
            show_default=False,
        ),
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="The texts' language, e.g. ru (a stored source's own by default).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, max=MAX_ID, help="At most this many claims a text.")] = None,
    min_score: Annotated[
        float | None, typer.Option("--min-score", min=0, max=100, help="Claims scoring this or more.")
    ] = None,
    as_json: JsonFlag = False,
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON line a text, as each is scanned.")] = False,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="Record each claim labelled duplicate as repeated in the scanned source (one stored source), "
            "with its sentence, in one history batch.",
        ),
    ] = False,
    confirm: Annotated[
        list[str] | None,
        typer.Option("--confirm", help="With --apply: record this claim too, found below the duplicate threshold."),
    ] = None,
    undo: Annotated[
        str | None, typer.Option("--undo", help="Take back what `scan --apply` recorded in this history batch.")
    ] = None,
) -> None:
    """Which known claims do these texts repeat: each text split into sentences in any language,
    every sentence matched against the claims as `similar` matches, and for each claim found its
    best sentences, with score, label and place (offsets; page or time where the source has them).
    Reads only, unless --apply or --undo."""
    from ..errors import FactcheckError, InvalidInput
    from ..services.scan import scan_text
    from ..services.similar import SUGGEST
    from ..services.vectors import notice

    if as_json and as_jsonl:
        raise InvalidInput("give --json (one document) or --jsonl (a line a text), not both")
    if undo is not None:
        if targets or apply or confirm:
            raise InvalidInput("--undo takes only the batch: give no text to scan beside it")
        _undo(ctx, undo)
        return
    if not targets:
        raise InvalidInput("give a file, a folder, - (standard input) or a stored source to scan")
    if confirm and not apply:
        raise InvalidInput("--confirm goes with --apply")
    floor = SUGGEST if min_score is None else min_score
    if apply:
        if as_jsonl or limit:
            raise InvalidInput("--apply records every claim labelled duplicate: --jsonl and --limit do not go with it")
        _apply(ctx, targets, language=language, min_score=floor, confirm=confirm or [], as_json=as_json)
        return
    results: list[dict[str, Any]] = []
    failed: list[str] = []
    with reading(ctx) as session:
        note = notice(session)
        if note:
            warn(note)
        try:
            # A text at a time, read just before it is scanned: memory holds one text, whatever their number.
            for name, read in _texts(session, targets):
                try:
                    name, text, layout, own_language = read()
                    progress = _Progress(name) if not (as_json or as_jsonl) and sys.stderr.isatty() else None
                    try:
                        scanned = scan_text(
                            session,
                            text,
                            language=language or own_language,
                            layout=layout,
                            min_score=floor,
                            limit=limit,
                            on_progress=progress,
                        )
                    finally:
                        if progress:
                            progress.stop()
                except FactcheckError as error:
                    if len(targets) == 1 and not Path(targets[0]).is_dir():
                        raise
                    warn(f"{name}: not scanned: {error}")  # the others still are
                    failed.append(name)
                    continue
                result = {"scanned": name, **scanned.view()}
                if as_jsonl:
                    write_out(to_json_line(result))
                    if output_failure():
                        return
                elif as_json:
                    results.append(result)
                else:
                    _print(result)
        except KeyboardInterrupt:
            if as_json:
                print_json(results)
            warn(f"interrupted after {len(results) + len(failed)} texts; nothing was written")
            raise typer.Exit(130) from None
    if as_json:
        print_json(results)
    if failed:
        raise InvalidInput(f"{len(failed)} of the texts could not be scanned: {', '.join(failed[:5])}")


def _apply(
    ctx: typer.Context,
    targets: list[str],
    *,
    language: str | None,
    min_score: float,
    confirm: list[str],
    as_json: bool,
) -> None:
    """Scan one stored source (reading) and record what it repeats (writing, briefly)."""
    from ..errors import InvalidInput
    from ..services.scan import apply_scan, scan_text, source_text
    from .state import writing

    if len(targets) != 1 or targets[0] == "-" or Path(targets[0]).exists():
        raise InvalidInput(
            "--apply records appearances in a stored source: give one source (id or slug), not a file; "
            "add the file as a source first (`factcheck source add`)"
        )
    with reading(ctx) as session:
        name, text, layout, own_language = source_text(session, targets[0])
        scanned = scan_text(session, text, language=language or own_language, layout=layout, min_score=min_score)
    with writing(ctx) as session:
        applied = apply_scan(session, name, scanned, confirm)
    if as_json:
        print_json(applied)
        return
    rows = [(item["score"], item["claim"], item["sentence"]) for item in applied["applied"]]
    print_table(
        f"Recorded as repeated in {escape(applied['source'])}",
        ("score", "claim", "sentence"),
        rows,
        empty="nothing new to record",
        ratios={"claim": 2, "sentence": 4},
    )
    if applied["recorded_already"]:
        say(f"Recorded already: {escape(', '.join(applied['recorded_already']))}.")
    if applied["to_confirm"]:
        listed = ", ".join(f"{item['claim']} ({item['score']}, {item['label']})" for item in applied["to_confirm"])
        say(f"To confirm by a person (record one with --confirm CLAIM): {escape(listed)}")
    if applied["batch"]:
        say(f"History batch {applied['batch']}: take it back with `factcheck scan --undo {applied['batch']}`.")


def _undo(ctx: typer.Context, batch: str) -> None:
    from ..services.scan import undo_scan
    from .state import writing

    with writing(ctx) as session:
        undone = undo_scan(session, batch)
    removed = undone["removed"]
    gone = f" ({undone['gone']} of the batch's were gone already)" if undone["gone"] else ""
    say(f"Took back {len(removed)} appearance{'s' if len(removed) != 1 else ''}: {escape(', '.join(removed))}{gone}.")
    if undone["batch"]:
        say(f"Recorded as history batch {undone['batch']}.")


def _texts(session: Session, targets: list[str]) -> Iterator[tuple[str, Callable[[], Text]]]:
    """Each text the targets name, as (name, a function that reads it): standard input, a file,
    the files of a folder (hidden ones and those in hidden folders left out), or a stored
    source's archived text."""
    from ..errors import InvalidInput

    for target in targets:
        path = Path(target)
        if target == "-":
            yield "-", _standard_input
        elif path.is_dir():
            files = [
                child
                for child in sorted(path.rglob("*"))
                if child.is_file() and not any(part.startswith(".") for part in child.relative_to(path).parts)
            ]
            if not files:
                raise InvalidInput(f"folder {path} has no files to scan")
            for child in files:
                yield str(child), functools.partial(_file, child)
        elif path.exists():
            yield str(path), functools.partial(_file, path)
        else:
            from ..services.scan import source_text

            yield target, functools.partial(source_text, session, target)


def _standard_input() -> Text:
    from ..limits import MAX_FILE_BYTES
    from ..services.articles import decode_text

    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        from ..errors import InvalidInput

        raise InvalidInput(f"standard input is over {MAX_FILE_BYTES:,} bytes: at most {MAX_FILE_BYTES:,} are read")
    return "-", decode_text(data, Path("standard input")), None, None


def _file(path: Path) -> Text:
    from ..services.sources import read_source_file

    kind = READERS.get(path.suffix.lower())
    article = read_source_file(
        text_file=path if kind is None else None,
        html_file=path if kind == "html" else None,
        pdf_file=path if kind == "pdf" else None,
        transcript_file=path if kind == "transcript" else None,
    )
    assert article is not None
    return str(path), article.text, article.layout, article.language


class _Progress:
    """A progress bar on standard error for one text's sentences, stopped whatever happens."""

    def __init__(self, name: str) -> None:
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(stderr=True, highlight=False, emoji=False), transient=True)
        self.task = self.bar.add_task(f"scanning {escape(name)}", total=None)
        self.bar.start()

    def __call__(self, done: int, total: int) -> None:
        self.bar.update(self.task, completed=done, total=total)

    def stop(self) -> None:
        self.bar.stop()


def _print(result: dict[str, Any]) -> None:
    claims = result["claims"]
    say(
        f"[bold]{escape(result['scanned'])}[/bold]: {result['sentences']:,} sentences, "
        f"{len(claims)} known claim{'s' if len(claims) != 1 else ''} found"
    )
    rows = [
        (
            claim["score"],
            claim["label"] or "-",
            claim["slug"],
            # Each sentence with its place, in one cell: a column of places would not keep to its sentence.
            "\n".join(f"“{said['sentence']}” ({_place(said)})" for said in claim["sentences"][:SHOWN]),
        )
        for claim in claims
    ]
    if rows:
        print_table(
            None, ("score", "label", "claim", "sentence (place)"), rows, ratios={"claim": 2, "sentence (place)": 5}
        )


def _place(said: dict[str, Any]) -> str:
    return str(said["place"] or f"{said['start']}-{said['end']}")
