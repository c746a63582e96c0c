"""The formats factcheck reads and writes: one registry, one entry a format. Each entry names the
functions that read and write it by import string, so that the CLI can list the formats in its help
without loading them; a new format is a module of its family's package and an entry here.

The families: our dataset (`dataset/`: YAML, JSON, CSV), fact-checkers' reviews (`claimreview/`:
ClaimReview JSON-LD, ClaimsKG CSV) and argument maps (`argmaps/`: Argdown, AIF, DOT).

A reader is `read(session, path, rating_map) -> (records by section, notes)`; a writer of one file
is `write(session, *, claims, tags) -> text chunks`, and of a folder `write(session, folder) ->
{file name: rows}`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..dates import date_order as reading_dates
from ..errors import InvalidInput
from ..files import atomic_output

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .dataset.loader_bulk import LoadReport
    from .dataset.records import Record

_HOME = "factcheck.interchange."


@dataclass(frozen=True)
class Format:
    name: str
    reader: str | None = None  # "module:function" that reads a file in this format
    writer: str | None = None  # "module:function" that writes it
    suffixes: tuple[str, ...] = ()  # file names an import guesses this format from
    folders: bool = False  # reads a folder of such files
    files: tuple[str, ...] = ()  # writes these files into a folder, rather than one text
    subset: bool = False  # can write only some claims (--claim, --tag)
    labels: bool = False  # holds fact-checkers' labels, read as ratings (--rating-map)

    def targets(self, output: Path | None) -> list[Path]:
        """The files an export to `output` writes, to check before anything is written."""
        if output is None:
            return []
        if self.files:  # a folder that does not exist yet is made, empty
            return [output / name for name in self.files] if output.is_dir() else []
        return [output]

    def read(
        self,
    ) -> Callable[[Session, Path, Path | None], tuple[Mapping[str, Iterable[Record]] | Batches, list[str]]]:
        return _function(self.reader)

    def write(self) -> Callable[..., Any]:
        return _function(self.writer)


def _function(reference: str | None) -> Callable[..., Any]:
    module, _, name = (reference or "").partition(":")
    return getattr(import_module(_HOME + module), name)


FORMATS = {
    fmt.name: fmt
    for fmt in (
        Format(
            "yaml",
            "dataset.records:read_file",
            "dataset.export:write_yaml",
            suffixes=(".yaml", ".yml"),
            folders=True,
            subset=True,
        ),
        Format("json", "dataset.records:read_file", "dataset.export:write_json", suffixes=(".json",), subset=True),
        Format("claimreview", "claimreview.read:read_file", "claimreview.write:write_file", labels=True),
        Format("claimskg", "claimreview.claimskg:read_file", suffixes=(".csv",), labels=True),
        Format("csv", writer="dataset.csvfiles:write_csv", files=("claims.csv", "evidence.csv")),
        Format(
            "argdown",
            "argmaps.argdown:read_file",
            "argmaps.argdown:write_file",
            suffixes=(".argdown", ".ad"),
            subset=True,
        ),
        Format("aif", writer="argmaps.aif:write_file", subset=True),
        Format("dot", writer="argmaps.dot:write_file", subset=True),
    )
}
EXPORT_FORMATS = {name: fmt for name, fmt in FORMATS.items() if fmt.writer}
IMPORT_FORMATS = {name: fmt for name, fmt in FORMATS.items() if fmt.reader}
GUESSED = "json"  # what a file no format claims is read as


class Batches:
    """What a reader gives for a file too large to hold: its records a batch at a time, each batch
    loaded before the next is read (so that it finds what the earlier ones added). Its notes are
    complete once every batch has been read."""

    def __init__(self, batches: Iterable[Mapping[str, Iterable[Record]]]) -> None:
        self.batches = batches

    def __iter__(self) -> Iterator[Mapping[str, Iterable[Record]]]:
        return iter(self.batches)


@dataclass
class Exported:
    """What an export made: its text (when no output file was given) or the files it wrote."""

    text: str | None = None
    written: dict[str, int | None] | None = None  # file → rows (None: one document)


def export_format(name: str, *, subset: bool = False, output: Path | None = None) -> Format:
    """The format called `name`, checked against the options given with it."""
    fmt = EXPORT_FORMATS.get(name.strip().lower())
    if fmt is None:
        raise InvalidInput(f"unknown format {name!r}: allowed: {', '.join(EXPORT_FORMATS)}")
    if subset and not fmt.subset:
        allowed = " or ".join(other.name for other in EXPORT_FORMATS.values() if other.subset)
        raise InvalidInput(f"only some claims (--claim, --tag) can be exported as {allowed}, not {fmt.name}")
    if fmt.files:
        listed = " and ".join(fmt.files)
        if output is None:
            raise InvalidInput(f"{fmt.name} writes {listed}: give a folder with -o DIR")
        if output.exists() and not output.is_dir():
            raise InvalidInput(f"{output} is a file: {fmt.name} writes {listed} into a folder; give one with -o DIR")
    return fmt


def export_data(
    session: Session,
    fmt: Format,
    *,
    output: Path | None = None,
    claims: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
    stream: TextIO | None = None,
) -> Exported:
    """Export in `fmt`: to `output` when given (a file, or a folder for csv), else to `stream`, else
    as text. A file appears only once it is complete."""

    if fmt.files:
        assert output is not None  # export_format asked for a folder
        return Exported(written=dict(fmt.write()(session, output)))
    chunks = export_chunks(session, fmt, claims=claims, tags=tags)
    if output is None and stream is None:
        return Exported(text="".join(chunks))
    with atomic_output(output) if output is not None else nullcontext(stream) as out:
        assert out is not None
        for chunk in chunks:
            out.write(chunk)
    return Exported(written={str(output): None} if output is not None else {})


def export_chunks(
    session: Session, fmt: Format, *, claims: Iterable[str] | None = None, tags: Iterable[str] | None = None
) -> Iterator[str]:
    """The text of an export in a one-file format, piece by piece as it is read."""
    chunks: Iterator[str] = fmt.write()(session, claims=claims, tags=tags)
    return chunks


def import_format(path: Path, name: str | None = None) -> Format:
    """The format to read `path` in: `name`, or the one its name suggests (a folder is a dataset)."""
    if name is None:
        suffix = path.suffix.lower()
        for fmt in IMPORT_FORMATS.values():
            if (fmt.folders and path.is_dir()) or suffix in fmt.suffixes:
                return fmt
        return IMPORT_FORMATS[GUESSED]
    chosen = IMPORT_FORMATS.get(name.strip().lower())
    if chosen is None:
        raise InvalidInput(f"unknown format {name!r}: allowed: {', '.join(IMPORT_FORMATS)}")
    return chosen


def _read(
    session: Session, path: Path, format: str | None, rating_map: Path | None
) -> tuple[Mapping[str, Iterable[Record]] | Batches, list[str]]:
    """The records, and what the reading has to say about them (labels not understood)."""
    fmt = import_format(path, format)
    if rating_map is not None and not fmt.labels:
        labelled = " and ".join(name for name, other in IMPORT_FORMATS.items() if other.labels)
        raise InvalidInput(f"--rating-map reads fact-checkers' labels: it is for {labelled} files")
    return fmt.read()(session, path, rating_map)


def import_file(
    session: Session,
    path: Path,
    *,
    format: str | None = None,
    texts: Path | None = None,
    date_order: str | None = None,
    rating_map: Path | None = None,
    progress: Callable[[int], Callable[[int], None]] | None = None,
    index: bool = True,
) -> LoadReport:
    """Read and load a file in one go: what the database has already is skipped. `date_order`
    ("dmy" or "mdy") reads ambiguous numeric dates; `rating_map` (and factcheck-ratings.yaml in the
    current folder) maps reviewers' labels to ratings; `progress(total)` gives a tick for each step;
    `index` writes the new claims' sentence vectors too."""

    from .dataset.loader import load_records  # the registry itself stays light: --help lists it
    from .dataset.loader_bulk import LoadReport

    with reading_dates(date_order.strip().lower()) if date_order else nullcontext():
        records, notes = _read(session, path, format, rating_map)
        if isinstance(records, Batches):
            report, earlier = LoadReport(), dict[str, set[Any]]()
            for batch in records:
                report.add(load_records(session, batch, texts=texts, index=index, earlier=earlier))
        else:
            tick = progress(count(records)) if progress else None
            report = load_records(session, records, texts=texts, progress=tick, index=index)
    report.notes = notes
    return report


def count(records: Mapping[str, Iterable[Record]]) -> int:
    """How many records a load will go through (a claim's evidence and verdicts are part of it)."""
    total = getattr(records, "total", None)  # files read record by record know it in advance
    if total is None:
        total = sum(len(items) for items in records.values())  # type: ignore[arg-type,misc]  # lists in memory
    return int(total)
