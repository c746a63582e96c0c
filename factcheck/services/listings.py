"""Browsing sources and actors as the claims are browsed (browse.py): filters on their own
fields, each field's counts under them, and pages by id that go on by cursor."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, joinedload

from ..errors import InvalidInput
from ..limits import MAX_NAME
from ..models import Actor, ActorKind, Capture, Source, SourceKind, SourceVersion
from .actors import actor_view
from .browse import FACET_VALUES, MAX_PAGE_SIZE, PAGE_SIZE, Page, collect, decode_cursor, encode_cursor
from .common import checked_characters, choice
from .sources import source_view


def _capture_kind() -> Any:
    """How the source's newest text came: web, pdf, transcript (None when typed in or imported)."""
    newest = (
        select(Capture.kind)
        .join(SourceVersion, SourceVersion.capture_sha256 == Capture.sha256)
        .where(SourceVersion.source_id == Source.id)
        .order_by(SourceVersion.number.desc())
        .limit(1)
    )
    return newest.scalar_subquery()


@dataclass(frozen=True)
class Listing:
    """What can be browsed of one kind of row: each filter's column (also its facet), the
    vocabularies some of them take, and how a row is shown."""

    name: str
    model: Any
    columns: Callable[[], dict[str, Any]]
    vocabularies: dict[str, type[enum.Enum]]
    view: Callable[[Any], Any]
    loaded: tuple[Any, ...] = ()


SOURCES = Listing(
    "sources",
    Source,
    lambda: {
        "kind": Source.kind,
        "publisher": Source.publisher,
        "language": Source.language,
        "capture": _capture_kind(),
    },
    {"kind": SourceKind},
    source_view,
    (joinedload(Source.republishes),),
)
ACTORS = Listing("actors", Actor, lambda: {"kind": Actor.kind}, {"kind": ActorKind}, actor_view)
LISTINGS = {listing.name: listing for listing in (SOURCES, ACTORS)}


def read_filters(
    listing: Listing, pairs: Iterable[tuple[str, str]], ignore: Iterable[str] = ()
) -> dict[str, tuple[str, ...]]:
    """Filters of `listing` from (name, value) pairs; an unknown name or value, or too many values,
    is refused naming it and what is allowed."""

    def checked(name: str, raw: str) -> str:
        value = checked_characters(raw, f"filter {name!r}").strip()
        if not value or len(value) > MAX_NAME:
            raise InvalidInput(f"filter {name!r} must be 1 to {MAX_NAME} characters")
        if name in listing.vocabularies:
            return choice(listing.vocabularies[name], value, f"{listing.name[:-1]} {name}").value
        return value

    return collect(pairs, list(listing.columns()), checked, ignore=ignore, of=f" of {listing.name}")


def _conditions(listing: Listing, filters: dict[str, tuple[str, ...]]) -> list[ColumnElement[bool]]:
    columns = listing.columns()
    found = []
    for name, values in filters.items():
        vocabulary = listing.vocabularies.get(name)
        found.append(columns[name].in_([vocabulary(value) for value in values] if vocabulary else values))
    return found


def facets(session: Session, listing: Listing, filters: dict[str, tuple[str, ...]]) -> dict[str, list[dict[str, Any]]]:
    """Each field's FACET_VALUES most frequent values among the rows `filters` select, each field
    counted without its own filter (as browse.facets counts the claims')."""
    counted = {}
    for name, column in listing.columns().items():
        others = _conditions(listing, {key: values for key, values in filters.items() if key != name})
        value = column.label("value")
        grouped = select(value, func.count().label("count")).where(*others, column.is_not(None)).group_by(column)
        query = grouped.subquery()
        rows = session.execute(select(query).order_by(query.c.count.desc(), query.c.value).limit(FACET_VALUES))
        selected = set(filters.get(name, ()))
        counted[name] = [
            {"value": word, "label": word, "count": count, "selected": word in selected}
            for word, count in ((str(getattr(found, "value", found)), count) for found, count in rows)
        ]
    return counted


def page(
    session: Session,
    listing: Listing,
    filters: dict[str, tuple[str, ...]],
    *,
    after: str | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """A page of the rows `filters` select, by id, after the row `after` names."""
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"a page holds 1 to {MAX_PAGE_SIZE} {listing.name}, not {size}")
    model = listing.model
    query = select(model).options(*listing.loaded).where(*_conditions(listing, filters))
    if after is not None:
        (last,) = decode_cursor(after, listing.name, (int,))
        query = query.where(model.id > last)
    rows = session.scalars(query.order_by(model.id).limit(size + 1)).unique().all()
    shown = rows[:size]
    more = len(rows) > size
    return Page([listing.view(row) for row in shown], encode_cursor(listing.name, [shown[-1].id]) if more else None)


def every(session: Session, listing: Listing, filters: dict[str, tuple[str, ...]]) -> Iterator[Any]:
    """Every row `filters` select, by id, a page at a time (downloads)."""
    after: str | None = None
    while True:
        found = page(session, listing, filters, after=after, size=MAX_PAGE_SIZE)
        yield from found.rows
        if found.next is None:
            return
        after = found.next
        session.expunge_all()
