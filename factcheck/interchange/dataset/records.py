"""The dataset's records: their sections and fields, reading them from files, and checking each
field's value, so that a problem names the file, the record and the field (see seeds/README.md)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ...dates import parse_partial_date
from ...errors import FactcheckError, InvalidInput
from ...limits import MAX_NAME, MAX_TEXT
from ...services.common import check_slug, choice, optional_text, required_text
from ...services.fields import CHOICE, DATE, ENTITIES, NAMES, NUMBER, WHOLE, Field, Fields
from .streaming import ListsFile

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

E = TypeVar("E", bound=enum.Enum)

SECTIONS = (
    "actors",
    "sources",
    "claims",
    "links",
    "events",
    "source_versions",
    "appearance_sentences",
    "desk_statuses",
    "desk",
)
# The entities' fields are described once, in services/fields.py; a source's kept versions are
# the dataset's own (see services/source_versions.py).
FIELDS = {
    **{section: fields.names for section, fields in ENTITIES.items()},
    # A source's earlier texts, after the claims, since they name the quotes each text held.
    "source_versions": ("source", "versions"),
    "versions": ("number", "sha256", "size", "archived_at", "current", "text", "quotes"),
    "quotes": ("claim", "quote", "start", "end", "status"),
    # The sentence `scan --apply` kept for a claim's appearance in a source, at its place in the
    # source's text: last, after the texts are final.
    "appearance_sentences": ("claim", "source", "sentence", "start", "end", "score"),
    # The desk's work (dataset/desk.py): the statuses it added, then each claim's status, assignee,
    # publications (with the version each froze) and corrections.
    "desk_statuses": ("name", "open"),
    "desk": ("claim", "opened", "status", "status_note", "assignee", "publications", "corrections"),
    "publications": (
        "number",
        "published_at",
        "published_by",
        "version",
        "unpublished_at",
        "unpublished_by",
        "unpublish_reason",
    ),
    "corrections": ("number", "publication", "note", "changed", "at", "by"),
}
REQUIRED = {
    **{section: fields.required for section, fields in ENTITIES.items()},
    "source_versions": ("source", "versions"),
    "versions": ("number", "sha256"),
    "quotes": ("claim", "quote", "start", "end", "status"),
    "appearance_sentences": ("claim", "source", "sentence", "start", "end", "score"),
    "desk_statuses": ("name", "open"),
    "desk": ("claim", "status"),
    "publications": ("number", "published_at", "version"),
    "corrections": ("number", "publication", "note", "changed", "at"),
}
NESTED = {
    "claims": ("evidence", "verdicts"),
    "source_versions": ("versions",),
    "versions": ("quotes",),
    "desk": ("publications", "corrections"),
}
DATASET_SUFFIXES = (".yaml", ".yml", ".json")
MAX_OPEN_FILES = 16  # a dataset folder's files kept open between the sections read from them


@dataclass
class Record:
    file: str
    section: str
    index: int
    data: dict[str, Any]

    @property
    def where(self) -> str:
        """Where the record is in its file: "claims #3 'its-slug'"."""
        data = self.data if isinstance(self.data, dict) else {}
        key = next(
            (data[k] for k in ("slug", "quote", "rating", "source") if isinstance(data.get(k), str) and data[k]), None
        )
        label = f" {key[:40]!r}" if key else ""
        return f"{self.section} #{self.index + 1}{label}"

    @property
    def name(self) -> str:
        """The file and where the record is in it: "claims.yaml: claims #3 'its-slug'"."""
        return f"{self.file}: {self.where}"

    def fail(self, problem: str) -> InvalidInput:
        return InvalidInput(f"{self.name}: {problem}")


def compact(record: dict[str, Any]) -> dict[str, Any]:
    """Drop empty fields, so that exported files read like hand-written ones."""
    return {key: value for key, value in record.items() if value not in (None, "", [])}


# --- reading ------------------------------------------------------------------------------------


class DatasetFiles(Mapping[str, Iterable[Record]]):
    """A dataset's files (a folder's .yaml/.yml/.json files in name order, or one file), read
    section by section and record by record when the loader asks: `files[section]` gives the
    section's records from every file, each checked for shape as it is read. Opening reads each file
    once to learn its sections (and to find a syntax error before anything is loaded)."""

    def __init__(self, path: Path) -> None:
        if path.is_dir():
            files = sorted(file for file in path.iterdir() if file.suffix.lower() in DATASET_SUFFIXES)
        else:
            files = [path]
        if not files or not all(file.is_file() for file in files):
            raise InvalidInput(f"no dataset at {path}: give a folder of .yaml files or one .yaml/.json file")
        self.files = [ListsFile(file, SECTIONS) for file in files]

    def __getitem__(self, section: str) -> Iterator[Record]:
        for lists in self.files:
            for index, item in enumerate(lists.items(section)):
                yield shaped(Record(lists.file.name, section, index, item))
            # A file is kept open between sections (its next one is read on from there), but only
            # a few at a time: a folder of thousands of files must not run out of file handles.
            open_now = [other for other in self.files if other.holds_open and other is not lists]
            for other in open_now[: max(0, len(open_now) - MAX_OPEN_FILES + 1)]:
                other.close()

    def __iter__(self) -> Iterator[str]:
        return iter(SECTIONS)

    def __len__(self) -> int:
        return len(SECTIONS)

    @property
    def total(self) -> int:
        """How many records the files hold (a claim's evidence and verdicts not counted apart)."""
        return sum(sum(lists.counts.values()) for lists in self.files)


def read_dataset(path: Path) -> DatasetFiles:
    """A dataset folder (its .yaml/.yml/.json files, in name order) or one file, to be read record
    by record; each record is checked for shape as it is read: a mapping of known fields with its
    required ones."""
    return DatasetFiles(path)


def add_records(records: dict[str, list[Record]], document: Any, name: str) -> dict[str, list[Record]]:
    """Check the shape of one parsed dataset document (named `name` in errors) and add its records."""
    if not isinstance(document, dict) or not set(document) <= set(SECTIONS):
        raise InvalidInput(f"{name}: expected a mapping with the sections {', '.join(SECTIONS)}")
    for section, items in document.items():
        if not isinstance(items, list):
            raise InvalidInput(f"{name}: section {section!r} must be a list")
        records[section].extend(shaped(Record(name, section, index, item)) for index, item in enumerate(items))
    return records


def shaped(record: Record) -> Record:
    """The record, checked for shape, with its nested records (a claim's evidence and verdicts, a
    source's versions and the quotes each held)."""
    check_shape(record, record.section)
    return record


def check_shape(record: Record, kind: str) -> None:
    _check_fields(record, kind)
    for part in NESTED.get(kind, ()):
        for number, nested in enumerate(nested_records(record, part)):
            check_shape(Record(record.file, f"{record.where} {part}", number, nested), part)


def _check_fields(record: Record, kind: str) -> None:
    if not isinstance(record.data, dict):
        raise record.fail(f"expected a mapping of fields, not {describe(record.data)}")
    unknown = set(record.data) - set(FIELDS[kind])
    if unknown:
        raise record.fail(f"unknown field {sorted(unknown, key=str)[0]!r}; allowed: {', '.join(FIELDS[kind])}")
    for name in REQUIRED[kind]:
        if record.data.get(name) in (None, ""):
            raise record.fail(f"missing required field {name!r}")


def nested_records(record: Record, part: str) -> list[Any]:
    """A claim's evidence or verdicts: a list, or nothing."""
    items = record.data.get(part)
    if items is None:
        return []
    if not isinstance(items, list):
        raise record.fail(f"field {part!r} is {describe(items)}: expected a list")
    return items


# --- checking fields ----------------------------------------------------------------------------


def describe(value: Any) -> str:
    """What kind of value a file gave, for messages: 'a number (2021)', 'a mapping'."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    return f"a value of type {type(value).__name__}"


def _not_text(name: str, value: Any) -> str:
    quote = "; put it in quotes to keep it as text" if isinstance(value, int | float) else ""
    return f"field {name} is {describe(value)}: expected text{quote}"


@contextmanager
def about(record: Record, name: str) -> Iterator[None]:
    """Within the block, a problem with a value is told as one with the record's field `name`."""
    try:
        yield
    except FactcheckError as error:
        raise record.fail(f"field {name!r}: {error}") from None


def raw_text(record: Record, name: str) -> str | None:
    """A field that must be text, if present, as it is."""
    value = record.data.get(name)
    if value is not None and not isinstance(value, str):
        raise record.fail(_not_text(repr(name), value))
    return value


def text(record: Record, name: str, what: str, limit: int = MAX_TEXT, *, required: bool = False) -> str | None:
    """A text field within `limit` characters (whitespace trimmed; blank is None unless required)."""
    value = raw_text(record, name)
    with about(record, name):
        return required_text(value, what, limit) if required else optional_text(value, what, limit)


def text_list(record: Record, name: str, what: str, limit: int = MAX_NAME) -> list[str]:
    """A list of texts (names, tags, slugs), blanks dropped."""
    value = record.data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise record.fail(f"field {name!r} is {describe(value)}: expected a list of texts")
    items = []
    for number, item in enumerate(value):
        if not isinstance(item, str):
            raise record.fail(_not_text(f"{name!r}, item {number + 1},", item))
        with about(record, name):
            items.append(optional_text(item, what, limit))
    return [item for item in items if item]


def slug(record: Record, name: str = "slug") -> str:
    value = raw_text(record, name) or ""
    with about(record, name):
        return check_slug(value)


def reference(record: Record, name: str) -> str | None:
    """The slug a field refers to (an actor, a source, a claim), if given."""
    value = raw_text(record, name)
    return value.strip() if value and value.strip() else None


def word(record: Record, name: str, vocabulary: type[E], what: str, default: str | None = None) -> E:
    """One of a vocabulary's words; YAML's true and false are read as the words "true", "false"."""
    value = record.data.get(name)
    if isinstance(value, bool):
        value = str(value).lower()
    if value in (None, "") and default is not None:
        value = default
    if not isinstance(value, str):
        allowed = ", ".join(member.value for member in vocabulary)
        raise record.fail(f"field {name!r} is {describe(value)}: expected one of {allowed}")
    with about(record, name):
        return choice(vocabulary, value, what)


def date(record: Record, name: str) -> str | None:
    """A full or partial date (see factcheck.dates); an ambiguous one names both readings."""
    with about(record, name):
        return parse_partial_date(record.data.get(name))


def read_file(session: Session, path: Path, rating_map: Path | None) -> tuple[DatasetFiles, list[str]]:
    """`factcheck import --format yaml|json`: the records, read as they are loaded; nothing to say."""
    return read_dataset(path), []


def column_values(record: Record, fields: Fields, *, skip: Iterable[str] = ()) -> dict[str, Any]:
    """The record's values of the entity's column fields (see services.fields), each checked by its
    field's one rule after the file's value is checked to be of the right type."""
    left_out = set(skip)
    return {field.name: field_value(record, field) for field in fields if field.column and field.name not in left_out}


def field_value(record: Record, field: Field) -> Any:
    name, value = field.name, record.data.get(field.name)
    if field.kind == CHOICE:
        if isinstance(value, bool):  # YAML's true and false are the words "true" and "false"
            value = str(value).lower()
        if value == "":  # a blank field in a file is an absent one
            value = None
        if value not in (None, "") and not isinstance(value, str):
            allowed = ", ".join(member.value for member in field.choices or ())
            raise record.fail(f"field {name!r} is {describe(value)}: expected one of {allowed}")
    elif field.kind in (NUMBER, WHOLE):
        if isinstance(value, bool) or not isinstance(value, int | float | str | None):
            raise record.fail(f"field {name!r} is {describe(value)}: expected a number")
    elif field.kind == NAMES:
        return text_list(record, name, field.label)
    elif field.kind != DATE:
        raw_text(record, name)
    with about(record, name):
        return field.check(value)
