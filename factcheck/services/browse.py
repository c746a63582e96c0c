"""Browsing the claims of a large database: filters (the web view's query string, `claim list`'s
options), the counts of each facet's values under them, and pages that go on by keyset.

Values of one filter are alternatives (`rating=false&rating=mostly-false`); different filters
must all hold. A page is cut by a cursor (`after`) naming the last claim shown and where it stands
in the chosen order, never by an offset, so that a page costs the same at any depth and claims
added meanwhile neither repeat nor push others off the page."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, or_, select, true, tuple_, union
from sqlalchemy.orm import Session, joinedload, selectinload

from ..errors import InvalidInput
from ..limits import MAX_ID, MAX_NAME, MAX_QUERY
from ..models import Actor, Claim, Evidence, QuoteStatus, Rating, Tag, Verdict, claim_tags
from ..search import claims_matching, plain_terms
from .claim_lists import list_rows
from .common import checked_characters, choice, slugify
from .views import ClaimRow

FILTERS = ("tag", "rating", "reviewer", "claimant", "language", "year", "quote_status", "q", "text")
FACETS = ("tag", "rating", "reviewer", "claimant", "language", "year")
SORTS = ("date", "evidence", "changed")
MAX_VALUES = 20  # values of one filter
PAGE_SIZE = 50
MAX_PAGE_SIZE = 1_000  # as the web view's other limits
FACET_VALUES = 10  # the most frequent values a facet shows
DATED_KEY = (bool, str, int)  # what a cursor of dated_page holds: undated?, the date (or ""), the id


@dataclass(frozen=True)
class Filters:
    """Checked filters: each filter's values, in the order given, each once."""

    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "date"

    def pairs(self) -> list[tuple[str, str]]:
        """The filters as query-string pairs, in FILTERS order."""
        return [(name, value) for name in FILTERS for value in self.values.get(name, ())]

    def toggled(self, name: str, value: str) -> Filters:
        """These filters with `value` of `name` added, or removed when it is there."""
        now = self.values.get(name, ())
        changed = tuple(v for v in now if v != value) if value in now else (*now, value)
        values = {key: got for key, got in {**self.values, name: changed}.items() if got}
        return Filters(values, self.sort)

    def without(self, name: str) -> Filters:
        """These filters but `name`'s."""
        return Filters({key: values for key, values in self.values.items() if key != name}, self.sort)

    def view(self) -> dict[str, Any]:
        return {"filters": {name: list(values) for name, values in self.values.items()}, "sort": self.sort}


def read_filters(pairs: Iterable[tuple[str, str]], *, sort: str | None = None, ignore: Iterable[str] = ()) -> Filters:
    """Filters from (name, value) pairs, such as a query string's; an unknown name, a value of the
    wrong kind or too many values is refused, naming it and what is allowed. `ignore`: names that
    are not filters but belong to the caller (`after`, `size`)."""
    values = collect(pairs, FILTERS, _checked, ignore=ignore)
    if len(values.get("q", ())) > 1:
        raise InvalidInput("give the full-text query 'q' once")
    order = sort or "date"
    if order not in SORTS:
        raise InvalidInput(f"cannot sort by {order!r}: allowed: {', '.join(SORTS)}")
    return Filters(values, order)


def collect(
    pairs: Iterable[tuple[str, str]],
    allowed: Sequence[str],
    checked: Callable[[str, str], str],
    *,
    ignore: Iterable[str] = (),
    of: str = "",
) -> dict[str, tuple[str, ...]]:
    """Each allowed filter's values (each once, in the order given, `checked(name, raw)` made
    right), in the order of `allowed`; an unknown name, or more than MAX_VALUES values of one, is
    refused. Names in `ignore` belong to the caller. `of`: what is filtered, for messages."""
    skipped = set(ignore)
    values: dict[str, list[str]] = {}
    for name, raw in pairs:
        if name in skipped:
            continue
        if name not in allowed:
            raise InvalidInput(f"unknown filter {name!r}{of}: allowed: {', '.join(allowed)}")
        value = checked(name, raw)
        given = values.setdefault(name, [])
        if value not in given:
            given.append(value)
        if len(given) > MAX_VALUES:
            raise InvalidInput(f"too many values of {name!r}: at most {MAX_VALUES}")
    return {name: tuple(values[name]) for name in allowed if name in values}


def _checked(name: str, raw: str) -> str:
    value = checked_characters(raw, f"filter {name!r}").strip()
    if not value:
        raise InvalidInput(f"filter {name!r} is empty: give a value, or leave it out")
    if len(value) > (MAX_QUERY if name in ("q", "text") else MAX_NAME):
        raise InvalidInput(f"filter {name!r} is too long")
    if name == "q":
        plain_terms(value)  # words to search for, or one line saying there are none
    if name == "tag":  # a tag's name or its slug
        return slugify(value)
    if name == "rating":
        return choice(Rating, value, "rating").value
    if name == "quote_status":
        return choice(QuoteStatus, value, "quote status").value
    if name == "year" and not (len(value) == 4 and value.isascii() and value.isdigit()):
        raise InvalidInput(f"year {value!r} is not a year: give four digits, such as 2021")
    return value


def _newest_rating() -> Any:
    newest = select(Verdict.rating).where(Verdict.claim_id == Claim.id).order_by(Verdict.id.desc()).limit(1)
    return newest.scalar_subquery()


def conditions(session: Session, filters: Filters) -> list[ColumnElement[bool]]:
    """What a claim must meet for `filters`, as SQL conditions on Claim."""
    found: list[ColumnElement[bool]] = []
    for name, values in filters.values.items():
        if name == "tag":
            tagged = select(claim_tags.c.claim_id).join(Tag, Tag.id == claim_tags.c.tag_id).where(Tag.slug.in_(values))
            found.append(Claim.id.in_(tagged))
        elif name == "rating":
            found.append(_newest_rating().in_([Rating(value) for value in values]))
        elif name == "reviewer":
            reviewers = select(Actor.id).where(Actor.slug.in_(values))
            found.append(exists().where(Verdict.claim_id == Claim.id, Verdict.reviewer_id.in_(reviewers)))
        elif name == "claimant":
            found.append(Claim.claimant_id.in_(select(Actor.id).where(Actor.slug.in_(values))))
        elif name == "language":
            found.append(Claim.language.in_(values))
        elif name == "year":
            reviewed = exists().where(Verdict.claim_id == Claim.id, func.substr(Verdict.reviewed_on, 1, 4).in_(values))
            found.append(or_(func.substr(Claim.stated_on, 1, 4).in_(values), reviewed))
        elif name == "quote_status":
            statuses = [QuoteStatus(value) for value in values]
            found.append(exists().where(Evidence.claim_id == Claim.id, Evidence.quote_status.in_(statuses)))
        elif name == "q":
            found.append(Claim.id.in_(claims_matching(session, values[0])))
        elif name == "text":  # "%" and "_" are literal
            found.append(or_(*(Claim.text.icontains(value, autoescape=True) for value in values)))
    return found


def facets(session: Session, filters: Filters, *, top: int = FACET_VALUES) -> dict[str, list[dict[str, Any]]]:
    """Each facet's `top` values among the claims `filters` select, most claims first (ties by
    value): {"value", "label", "count", "selected"}. A claim counts once per value it has. Each
    facet is counted without its own filter, whose values are alternatives: its counts are what
    choosing one more of its values would add (`tag=a&tag=b`), not only the chosen ones."""
    queries = {name: _facet_query(session, name, filters.without(name)) for name in FACETS}
    counted: dict[str, list[dict[str, Any]]] = {}
    for name in FACETS:
        query = queries[name].subquery()
        value, label, count = query.c
        rows = session.execute(select(query).order_by(count.desc(), value).limit(top)).all()
        selected = set(filters.values.get(name, ()))
        counted[name] = [
            {
                "value": _word(found),
                "label": shown or _word(found),
                "count": number,
                "selected": _word(found) in selected,
            }
            for found, shown, number in rows
        ]
    return counted


def _facet_query(session: Session, name: str, filters: Filters) -> Select[Any, Any, Any]:
    """(value, label, claims) of facet `name` among the claims `filters` select."""
    chosen = select(Claim.id).where(*conditions(session, filters)).scalar_subquery()
    within = Claim.id.in_(chosen) if filters.values else true()
    if name == "tag":
        tagged = (
            select(claim_tags).join(Tag, Tag.id == claim_tags.c.tag_id).join(Claim, Claim.id == claim_tags.c.claim_id)
        )
        return tagged.with_only_columns(Tag.slug, Tag.slug, func.count()).where(within).group_by(Tag.slug)
    if name == "rating":
        rated = select(Claim.id, _newest_rating().label("rating")).where(within).subquery()
        return (
            select(rated.c.rating, literal(None), func.count())
            .where(rated.c.rating.is_not(None))
            .group_by(rated.c.rating)
        )
    if name == "reviewer":
        reviewed = select(Actor.slug, Actor.name, func.count(Verdict.claim_id.distinct()))
        reviewed = reviewed.join(Verdict, Verdict.reviewer_id == Actor.id).join(Claim, Claim.id == Verdict.claim_id)
        return reviewed.where(within).group_by(Actor.slug, Actor.name)
    if name == "claimant":
        made = select(Actor.slug, Actor.name, func.count()).join(Claim, Claim.claimant_id == Actor.id)
        return made.where(within).group_by(Actor.slug, Actor.name)
    if name == "language":
        found = select(Claim.language, literal(None), func.count()).where(within, Claim.language.is_not(None))
        return found.group_by(Claim.language)
    stated = select(Claim.id.label("claim_id"), func.substr(Claim.stated_on, 1, 4).label("year")).where(
        within, Claim.stated_on.is_not(None)
    )
    reviewed_in = (
        select(Verdict.claim_id.label("claim_id"), func.substr(Verdict.reviewed_on, 1, 4).label("year"))
        .join(Claim, Claim.id == Verdict.claim_id)
        .where(within, Verdict.reviewed_on.is_not(None))
    )
    years = union(stated, reviewed_in).subquery()  # a claim stated and reviewed in one year counts once
    return select(years.c.year, literal(None), func.count()).group_by(years.c.year)


def _word(value: Any) -> str:
    return str(getattr(value, "value", value))


# --- pages --------------------------------------------------------------------------------------


def _evidence_count() -> Any:
    return select(func.count()).where(Evidence.claim_id == Claim.id).scalar_subquery()


def _order(sort: str) -> list[tuple[Any, bool]]:
    """The columns the `evidence` or `changed` sort orders by, each with whether it descends; the
    claim's id last (unique). (By `date`, dated_page reads the claims in two parts.)"""
    if sort == "evidence":
        return [(_evidence_count(), True), (Claim.id, False)]
    return [(Claim.updated_at, True), (Claim.id, True)]


MAX_CURSOR = 12_000  # characters: a key holding a name of MAX_NAME characters of 4 UTF-8 bytes each


def encode_cursor(sort: str, key: list[Any]) -> str:
    text = json.dumps([sort, *key], separators=(",", ":"), ensure_ascii=False, default=str)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


_KEYS = {"date": DATED_KEY, "evidence": (int, int), "changed": (str, int)}  # what a claims cursor holds


def decode_cursor(cursor: str, name: str, kinds: tuple[type, ...]) -> list[Any]:
    """The key a cursor of the list `name` holds, each value of its kind: refused when it is not
    one this module made for that list."""
    bad = InvalidInput("the cursor 'after' is malformed or was altered: follow a page's 'next' link")
    if len(cursor) > MAX_CURSOR:
        raise bad
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad from None
    if not isinstance(decoded, list) or len(decoded) != len(kinds) + 1 or decoded[0] != name:
        raise bad
    key = decoded[1:]
    if any(type(value) is not kind for value, kind in zip(key, kinds, strict=True)):
        raise bad
    if any(type(value) is int and not 0 <= value <= MAX_ID for value in key):  # no id or count is out there
        raise bad
    try:  # no text the database holds has a NUL or half a surrogate pair
        for value in key:
            if type(value) is str:
                checked_characters(value, "the cursor")
    except InvalidInput:
        raise bad from None
    return key


def dated_page(
    session: Session, query: Select[Any], date: Any, row_id: Any, key: list[Any] | None, size: int
) -> list[Any]:
    """Up to size + 1 rows of `query` by date after `key` (DATED_KEY): the dated rows by (date,
    id), then the undated by id, each read in the order of an index (as `claim list` and
    `source list` read them), rather than sorting every match on its date."""
    parts = [
        (date.is_not(None), (date, row_id), None if key is None else key[1:]),
        (date.is_(None), (row_id,), None if key is None or not key[0] else key[2:]),
    ]
    found: list[Any] = []
    for number, (where, columns, last) in enumerate(parts):
        if number == 0 and key is not None and key[0]:
            continue  # the cursor is among the undated already
        part = query.where(where) if last is None else query.where(where, tuple_(*columns) > tuple_(*last))
        found += session.scalars(part.order_by(*columns).limit(size + 1 - len(found))).unique().all()
        if len(found) > size:
            break
    return found


def dated_key(date: str | None, row_id: int) -> list[Any]:
    return [date is None, date or "", row_id]


def _key_of(session: Session, sort: str, claim: Claim) -> list[Any]:
    """Where a claim stands in the order of `sort`, as a cursor holds it."""
    if sort == "date":
        return dated_key(claim.stated_on, claim.id)
    row = session.execute(select(*(column for column, _down in _order(sort))).where(Claim.id == claim.id)).one()
    return [value.isoformat() if hasattr(value, "isoformat") else value for value in row]


def _after(sort: str, key: list[Any]) -> ColumnElement[bool]:
    """Claims after `key` in the order of `sort`: a row comparison, each column's way."""
    columns = _order(sort)
    if sort == "changed":  # the cursor holds the time as ISO text
        try:
            key = [dt.datetime.fromisoformat(key[0]), key[1]]
        except ValueError:
            raise InvalidInput("the cursor 'after' is malformed or was altered: follow a page's 'next' link") from None
    if all(down for _column, down in columns):
        return tuple_(*(column for column, _down in columns)) < tuple_(*key)
    # Mixed: (a desc, b asc) after (x, y) is a < x, or a = x and b > y.
    (first, _), (second, _) = columns
    return or_(first < key[0], and_(first == key[0], second > key[1]))


@dataclass
class Page:
    rows: list[Any]  # claim rows here; sources' and actors' views in listings.py
    next: str | None  # the cursor of the page after, if any


def page(session: Session, filters: Filters, *, after: str | None = None, size: int = PAGE_SIZE) -> Page:
    """A page of the claims `filters` select, in their order, after the claim `after` names."""
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"a page holds 1 to {MAX_PAGE_SIZE} claims, not {size}")
    loaded = select(Claim).options(joinedload(Claim.claimant), selectinload(Claim.tags))
    query = loaded.where(*conditions(session, filters))
    key = None if after is None else decode_cursor(after, filters.sort, _KEYS[filters.sort])
    claims: list[Claim] = []
    if filters.sort == "date":
        claims = dated_page(session, query, Claim.stated_on, Claim.id, key, size)
    else:
        if key is not None:
            query = query.where(_after(filters.sort, key))
        order = [column.desc() if down else column for column, down in _order(filters.sort)]
        claims = list(session.scalars(query.order_by(*order).limit(size + 1)).unique().all())
    shown = claims[:size]
    more = len(claims) > size
    return Page(
        list_rows(session, shown),
        encode_cursor(filters.sort, _key_of(session, filters.sort, shown[-1])) if more else None,
    )


def every(session: Session, filters: Filters, *, size: int = MAX_PAGE_SIZE) -> Iterator[ClaimRow]:
    """Every claim `filters` select, in their order, read a page at a time (downloads)."""
    after: str | None = None
    while True:
        found = page(session, filters, after=after, size=size)
        yield from found.rows
        if found.next is None:
            return
        after = found.next
        session.expunge_all()  # a page's claims are not kept once handed over


RECENT_CHANGES = 10  # revisions the overview lists


def overview(session: Session) -> dict[str, Any]:
    """What the database holds (how many claims, sources, actors and verdicts), its most used tags,
    ratings and years (as facets: each a way into the claims), and its latest changes."""
    from ..models import Source
    from .history import list_history

    counts = {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in (("claims", Claim), ("sources", Source), ("actors", Actor), ("verdicts", Verdict))
    }
    counted = facets(session, Filters())
    return {
        "counts": counts,
        "facets": {name: counted[name] for name in ("tag", "rating", "year")},
        "recent": list_history(session, limit=RECENT_CHANGES)["revisions"],
    }
