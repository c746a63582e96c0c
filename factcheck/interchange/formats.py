"""The export and import formats: which exist, what each can do, and the functions that write or
read them. A new format is added here (and in its own module); the CLI only lists these.

Heavy libraries (SQLAlchemy, PyYAML) are imported inside the functions, so that the CLI can name
the formats in its help without loading them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .loader_bulk import LoadReport
    from .records import Record


@dataclass(frozen=True)
class ExportFormat:
    name: str
    folder: bool = False  # writes several files into a folder, rather than one text
    subset: bool = False  # can write only some claims (--claim, --tag)

    def targets(self, output: Path | None) -> list[Path]:
        """The files an export to `output` writes, to check before anything is written."""
        if output is None:
            return []
        if self.folder:  # a folder that does not exist yet is made, empty
            return [output / name for name in CSV_FILES] if output.is_dir() else []
        return [output]


EXPORT_FORMATS = {
    fmt.name: fmt
    for fmt in (
        ExportFormat("yaml", subset=True),
        ExportFormat("json", subset=True),
        ExportFormat("claimreview"),
        ExportFormat("csv", folder=True),
        ExportFormat("argdown", subset=True),
        ExportFormat("aif", subset=True),
        ExportFormat("dot", subset=True),
    )
}
GRAPH_FORMATS = ("argdown", "aif", "dot")  # argument maps: written by factcheck.interchange.graph's writers
IMPORT_FORMATS = ("yaml", "json", "claimreview", "claimskg", "argdown")
REVIEW_FORMATS = ("claimreview", "claimskg")  # fact-checkers' reviews: their labels are read as ratings
CSV_FILES = ("claims.csv", "evidence.csv")


@dataclass
class Exported:
    """What an export made: its text (when no output file was given) or the files it wrote."""

    text: str | None = None
    written: dict[str, int | None] | None = None  # file → rows (None: one document)


def export_format(name: str, *, subset: bool = False, output: Path | None = None) -> ExportFormat:
    """The format called `name`, checked against the options given with it."""
    fmt = EXPORT_FORMATS.get(name.strip().lower())
    if fmt is None:
        raise InvalidInput(f"unknown format {name!r}: allowed: {', '.join(EXPORT_FORMATS)}")
    if subset and not fmt.subset:
        allowed = " or ".join(other.name for other in EXPORT_FORMATS.values() if other.subset)
        raise InvalidInput(f"only some claims (--claim, --tag) can be exported as {allowed}, not {fmt.name}")
    if fmt.folder:
        listed = " and ".join(CSV_FILES)
        if output is None:
            raise InvalidInput(f"{fmt.name} writes {listed}: give a folder with -o DIR")
        if output.exists() and not output.is_dir():
            raise InvalidInput(f"{output} is a file: {fmt.name} writes {listed} into a folder; give one with -o DIR")
    return fmt


def export_data(
    session: Session,
    fmt: ExportFormat,
    *,
    output: Path | None = None,
    claims: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
    stream: TextIO | None = None,
) -> Exported:
    """Export in `fmt`: to `output` when given (a file, or a folder for csv), else to `stream`, else
    as text. A file appears only once it is complete."""
    from ..files import atomic_output

    if fmt.name == "csv":
        from .csvfiles import write_csv

        return Exported(written=dict(write_csv(session, output)))  # type: ignore[arg-type]
    chunks = export_chunks(session, fmt, claims=claims, tags=tags)
    if output is None and stream is None:
        return Exported(text="".join(chunks))
    with atomic_output(output) if output is not None else nullcontext(stream) as out:
        for chunk in chunks:
            out.write(chunk)  # type: ignore[union-attr]
    return Exported(written={str(output): None} if output is not None else {})


def export_chunks(
    session: Session, fmt: ExportFormat, *, claims: Iterable[str] | None = None, tags: Iterable[str] | None = None
) -> Iterator[str]:
    """The text of an export in a one-file format, piece by piece as it is read."""
    if fmt.name == "claimreview":
        from .claimreview_write import export_claimreview
        from .export import json_list

        return json_list(export_claimreview(session))
    if fmt.name in GRAPH_FORMATS:  # an argument map is drawn whole: it is made for some claims
        from .graph import write_graph

        return iter([write_graph(session, fmt.name, claims=claims, tags=tags)])
    from .export import dataset_chunks, dataset_sections

    return dataset_chunks(dataset_sections(session, claims=claims, tags=tags), fmt.name)


def import_format(path: Path, name: str | None = None) -> str:
    """The format to read `path` in: `name`, or one its name suggests (a folder is a YAML dataset,
    a .csv file ClaimsKG's CSV)."""
    if name is None:
        if path.suffix.lower() == ".csv":
            return "claimskg"
        if path.suffix.lower() in (".argdown", ".ad"):
            return "argdown"
        return "yaml" if path.is_dir() or path.suffix.lower() in (".yaml", ".yml") else "json"
    chosen = name.strip().lower()
    if chosen not in IMPORT_FORMATS:
        raise InvalidInput(f"unknown format {name!r}: allowed: {', '.join(IMPORT_FORMATS)}")
    return chosen


def read_import(
    session: Session, path: Path, format: str | None = None, *, rating_map: Path | None = None
) -> Mapping[str, Iterable[Record]]:
    """The dataset records in a file (or dataset folder), checked for shape, nothing written yet."""
    return _read(session, path, format, rating_map)[0]


def _read(
    session: Session, path: Path, format: str | None, rating_map: Path | None
) -> tuple[Mapping[str, Iterable[Record]], list[str]]:
    """The records, and what the reading has to say about them (labels not understood)."""
    fmt = import_format(path, format)
    if fmt in REVIEW_FORMATS:
        from .ratings import not_understood_summary, rating_reader

        ratings = rating_reader(rating_map)
        if fmt == "claimreview":
            from .claimreview_read import read_claimreview

            read = read_claimreview(session, path, ratings)
        else:
            from .claimskg import read_claimskg

            read = read_claimskg(session, path, ratings)
        notes = [note for note in [not_understood_summary(read.unread_labels)] if note]
        if read.aliases_not_added:
            names = ", ".join(f"“{name}”" for name in dict.fromkeys(read.aliases_not_added))
            notes.append(f"Reviewers already in the database were matched by their site; other names seen: {names}")
        if read.from_headlines:
            notes.append(
                f"{read.from_headlines} claim(s) took their text from their review's headline (the review states "
                "no claim): their note says so; reword them with `factcheck claim edit`"
            )
        return read.records, notes
    if fmt == "argdown" and rating_map is None:
        from .argdown import read_argdown

        return read_argdown(path)
    if rating_map is not None:
        raise InvalidInput(f"--rating-map reads fact-checkers' labels: it is for {' and '.join(REVIEW_FORMATS)} files")
    from .records import read_dataset

    return read_dataset(path), []


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
    from ..dates import date_order as reading_dates
    from .loader import load_records

    with reading_dates(date_order.strip().lower()) if date_order else nullcontext():
        records, notes = _read(session, path, format, rating_map)
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
