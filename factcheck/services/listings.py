"""Browsing sources and actors as the claims are browsed (browse.py): filters on their own
fields, each field's counts under them, and pages that go on by cursor: sources by date (undated
last), actors by name, as `source list` and `actor list` have always listed them."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, tuple_
from sqlalchemy.orm import Session, joinedload

from ..errors import InvalidInput
from ..limits import MAX_NAME, MAX_QUERY
from ..models import Actor, ActorKind, Capture, Source, SourceKind, SourceVersion
from .actors import actor_view
from .browse import (
    DATED_KEY,
    FACET_VALUES,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Page,
    collect,
    dated_key,
    dated_page,
    decode_cursor,
    encode_cursor,
)
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
    vocabularies some of them take, the columns the `text` filter searches, the order (`date`: a
    date column, undated last; or a name), and how a row is shown."""

    name: str
    model: Any
    columns: Callable[[], dict[str, Any]]
    vocabularies: dict[str, type[enum.Enum]]
    searched: Callable[[], tuple[Any, ...]]
    dated: bool
    order: Callable[[], Any]
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
    lambda: (Source.title, Source.publisher),
    True,
    lambda: Source.published_on,
    source_view,
    (joinedload(Source.republishes),),
)
ACTORS = Listing(
    "actors",
    Actor,
    lambda: {"kind": Actor.kind},
    {"kind": ActorKind},
    lambda: (Actor.name,),
    False,
    lambda: Actor.name,
    actor_view,
)
LISTINGS = {listing.name: listing for listing in (SOURCES, ACTORS)}
TEXT = "text"  # the filter of rows whose searched columns contain its words (not a facet)


def read_filters(
    listing: Listing, pairs: Iterable[tuple[str, str]], ignore: Iterable[str] = ()
) -> dict[str, tuple[str, ...]]:
    """Filters of `listing` from (name, value) pairs; an unknown name or value, or too many values,
    is refused naming it and what is allowed."""

    def checked(name: str, raw: str) -> str:
        value = checked_characters(raw, f"filter {name!r}").strip()
        if not value or len(value) > (MAX_QUERY if name == TEXT else MAX_NAME):
            raise InvalidInput(f"filter {name!r} must be 1 to {MAX_QUERY if name == TEXT else MAX_NAME} characters")
        if name in listing.vocabularies:
            return choice(listing.vocabularies[name], value, f"{listing.name[:-1]} {name}").value
        return value

    return collect(pairs, [*listing.columns(), TEXT], checked, ignore=ignore, of=f" of {listing.name}")


def _conditions(listing: Listing, filters: dict[str, tuple[str, ...]]) -> list[ColumnElement[bool]]:
    columns = listing.columns()
    found = []
    for name, values in filters.items():
        if name == TEXT:  # "%" and "_" are literal
            found.append(
                or_(*(column.icontains(value, autoescape=True) for value in values for column in listing.searched()))
            )
            continue
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
    """A page of the rows `filters` select, in the listing's order, after the row `after` names."""
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"a page holds 1 to {MAX_PAGE_SIZE} {listing.name}, not {size}")
    model, order = listing.model, listing.order()
    query = select(model).options(*listing.loaded).where(*_conditions(listing, filters))
    key = None if after is None else decode_cursor(after, listing.name, DATED_KEY if listing.dated else (str, int))
    if listing.dated:
        rows = dated_page(session, query, order, model.id, key, size)
    else:
        if key is not None:
            query = query.where(tuple_(order, model.id) > tuple_(*key))
        rows = list(session.scalars(query.order_by(order, model.id).limit(size + 1)).unique().all())
    shown = rows[:size]
    cursor = None
    if len(rows) > size:
        last = shown[-1]
        held = getattr(last, order.key)
        cursor = encode_cursor(listing.name, dated_key(held, last.id) if listing.dated else [held, last.id])
    return Page([listing.view(row) for row in shown], cursor)


def every(
    session: Session, listing: Listing, filters: dict[str, tuple[str, ...]], *, size: int = MAX_PAGE_SIZE
) -> Iterator[Any]:
    """Every row `filters` select, in the listing's order, a page at a time (downloads, the CLI)."""
    after: str | None = None
    while True:
        found = page(session, listing, filters, after=after, size=size)
        yield from found.rows
        if found.next is None:
            return
        after = found.next
        session.expunge_all()
