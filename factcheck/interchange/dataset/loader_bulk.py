"""The bulk loader's means: the natural keys of what the database has and a load adds, inserts
in bulk with their revisions, and the report of what was added and skipped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from ...inserts import insert_many
from ...models import Evidence, Verdict, utcnow
from ...publication_lock import check as check_publication_lock
from ...revisions import record_inserts
from .records import SECTIONS, Record, reference, slug

CHUNK = 500  # rows per look-up of existing keys
STAMPS = {"created_at", "updated_at", "archived_at"}  # times a row is given when it is added
BATCH = 1000  # records loaded at a time
BATCH_CHARACTERS = 32_000_000  # text held in a batch at most, beyond its last record's

Progress = Callable[[int], None]


@dataclass
class LoadReport:
    added: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)  # what the reading of the file had to say

    def add(self, other: LoadReport) -> None:
        """Count what another load (a later batch of one file) added and skipped."""
        self.added.update(other.added)
        self.skipped.update(other.skipped)

    def as_dict(self) -> dict[str, dict[str, int]]:
        kinds = [
            kind
            for kind in (*SECTIONS[:3], "appearances", "evidence", "verdicts", *SECTIONS[3:])
            if kind in self.added or kind in self.skipped
        ]
        return {kind: {"added": self.added[kind], "skipped": self.skipped[kind]} for kind in kinds}


class Keys:
    """Natural keys → ids, for what this load has looked up in the database or added: the slugs
    that a load names, never the whole table."""

    def __init__(self, session: Session, model: Any, earlier: set[str] | None = None) -> None:
        self.session, self.model = session, model
        self.ids: dict[str, int] = {}
        self.added: set[str] = set()  # the slugs of records this load adds
        self.skipped: set[str] = set()  # and of those it found in the database
        # The slugs an earlier batch of the same import added or found (formats.Batches): met
        # again, they are the same thing named twice in one file, counted once.
        self.earlier = earlier if earlier is not None else set()
        self.nested: set[tuple[Any, ...]] = set()  # evidence and verdicts met by earlier batches, likewise

    def look_up(self, slugs: Iterable[str]) -> None:
        """Learn which of these slugs the database has, and their ids."""
        missing = sorted({slug for slug in slugs if slug not in self.ids})
        for start in range(0, len(missing), CHUNK):
            found = select(self.model.slug, self.model.id).where(self.model.slug.in_(missing[start : start + CHUNK]))
            self.ids.update({slug: id_ for slug, id_ in self.session.execute(found)})

    def resolve(self, record: Record, name: str, value: str | None) -> str:
        """`value`, a slug that record's field `name` refers to, checked to exist."""
        found = (value or "").strip()
        if found not in self.ids:
            self.look_up([found])
        if found not in self.ids:
            noun = self.model.__name__.lower()
            raise record.fail(f"field {name!r}: no {noun} {found!r} in the database or the dataset")
        return found

    def id(self, record: Record, name: str, *, required: bool = False) -> int | None:
        """The id of what the record's field `name` refers to, if it refers to something."""
        ref = reference(record, name)
        if ref is None and required:
            raise record.fail(f"missing required field {name!r}")
        return self.ids[self.resolve(record, name, ref)] if ref else None


def fresh_records(records: list[Record], keys: Keys, report: LoadReport, kind: str) -> Iterator[Record]:
    """The records whose slug is not in the database yet (nor earlier in the dataset)."""
    keys.look_up(slug(record) for record in records)
    for record in records:
        key = slug(record)
        if key in keys.added:
            raise record.fail(f"slug {key!r} appears twice in the dataset")
        if key in keys.ids:
            report.skipped[kind] += key not in keys.earlier
            keys.skipped.add(key)
        else:
            keys.added.add(key)
            yield record


def mentioned(items: Iterable[dict[str, Any]], *fields: str) -> set[str]:
    """The slugs that these fields of these records name (a slug or a list of them), to look up
    in one go; values of the wrong kind are left to the fields' own checks."""
    found: set[str] = set()
    for item in items:
        for name in fields:
            value = item.get(name)
            for ref in value if isinstance(value, list) else [value]:
                if isinstance(ref, str) and ref.strip():
                    found.add(ref.strip())
    return found


def batches(records: Iterable[Record], size: int = BATCH, characters: int = BATCH_CHARACTERS) -> Iterator[list[Record]]:
    """Records in lists of `size`, or fewer when their texts reach `characters` (sources with
    long archived texts): memory holds a batch, never the whole dataset."""
    batch: list[Record] = []
    held = 0
    for record in records:
        batch.append(record)
        held += _characters(record.data)
        if len(batch) >= size or held >= characters:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _characters(value: Any) -> int:
    """The length of the texts a record holds, nested ones too (a source's earlier texts)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_characters(item) for item in value.values())
    if isinstance(value, list):
        return sum(_characters(item) for item in value)
    return 0


def insert_rows(
    session: Session,
    model: Any,
    rows: list[dict[str, Any]],
    ids: dict[str, int],
    report: LoadReport,
    kind: str,
    *,
    recorded: bool = True,
) -> list[int]:
    """Insert rows in bulk, learn their ids, and (unless the caller records them with their
    collections, see `record_with_collections`) record their revisions."""
    if not rows:
        return []
    if model is Evidence or model is Verdict:  # around the ORM: the lock is checked here
        changed: dict[int, list[str]] = {}
        for row in rows:
            changed.setdefault(row["claim_id"], []).append(f"{kind} imported")
        check_publication_lock(session, changed)
    # Core executemany (no ORM bookkeeping) with ids the database gives: other writers may take
    # ids in between on PostgreSQL, so none is guessed.
    table = model.__table__
    now = utcnow()
    for row in rows:  # every column, as a row added one at a time has it (and its revision records)
        for column in table.c:
            if column.key != "id" and column.key not in row:
                if column.key in STAMPS:
                    row[column.key] = now
                elif column.default is None:
                    row[column.key] = None
                elif column.default.is_scalar:  # a claim's status
                    row[column.key] = column.default.arg
    if session.get_bind().dialect.name == "postgresql":
        # Ids taken from the table's sequence first, then the rows sent by COPY: INSERT ... RETURNING
        # would be one statement of a thousand rows' values, which the driver parses anew each time.
        new_ids = sorted(
            session.scalars(
                text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
                {"table": table.name, "count": len(rows)},
            )
        )
        for row, new_id in zip(rows, new_ids, strict=True):
            row["id"] = new_id
        insert_many(session, table, rows)
    else:  # SQLite: one writer at a time, ids in the rows' order (RETURNING)
        new_ids = list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
        for row, new_id in zip(rows, new_ids, strict=True):
            row["id"] = new_id
    for row in rows:
        if "slug" in row:
            ids[row["slug"]] = row["id"]
    if recorded:
        record_inserts(session, model.__tablename__, rows)
    report.added[kind] += len(rows)
    return new_ids


def existing_rows(
    session: Session, columns: tuple[Any, ...], claim_column: Any, claim_ids: list[int]
) -> set[tuple[Any, ...]]:
    found: set[tuple[Any, ...]] = set()
    for start in range(0, len(claim_ids), CHUNK):
        chunk = claim_ids[start : start + CHUNK]
        found.update(tuple(row) for row in session.execute(select(*columns).where(claim_column.in_(chunk))))
    return found


def record_with_collections(
    session: Session, table: str, rows: list[dict[str, Any]], members: dict[str, list[tuple[int, int]]]
) -> None:
    """The revisions of rows inserted with `recorded=False`, each with its collections (a claim's
    tags and appearances, an event's sources: name → (row id, member id) pairs, in the order they
    were added), as a row added one at a time records them."""
    collected: dict[int, dict[str, list[int]]] = {row["id"]: {name: [] for name in members} for row in rows}
    for name, pairs in members.items():
        for owner, member in pairs:
            if owner in collected:
                collected[owner][name].append(member)
    record_inserts(session, table, [{**row, **collected[row["id"]]} for row in rows])
