"""Claims listed: a page at a time, with their newest ratings (`claim list`, the index pages,
the CSV export, the browse view's rows)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import exists, func, select, tuple_
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import Actor, Claim, Evidence, Rating, Stance, Tag, Verdict, claim_tags
from .common import choice, get, slugify
from .views import ClaimRow

# Claims a page of `list_claims` reads at once: a long list holds one page, not the table.
LIST_PAGE = 500


def list_claims(
    session: Session,
    *,
    tag: str | None = None,
    claimant: str | int | None = None,
    rating: str | None = None,
    text: str | None = None,
    limit: int | None = None,
    ids: Any = None,
    untagged: bool = False,
) -> Iterator[ClaimRow]:
    """Claims sorted by date (undated last), then id, with evidence counts and the newest verdict.
    Read a page at a time as the rows are taken, so a list of every claim holds one page; the
    counts are taken for each page only, so a page costs the same in a large database."""
    newest_rating = (
        select(Verdict.rating)
        .where(Verdict.claim_id == Claim.id)
        .order_by(Verdict.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = select(Claim).options(joinedload(Claim.claimant), selectinload(Claim.tags))
    if tag:
        query = query.where(_tagged(session, tag, LIST_PAGE if limit is None else min(limit, LIST_PAGE)))
    if claimant:
        query = query.where(Claim.claimant_id == get(session, Actor, claimant).id)
    if rating:
        query = query.where(newest_rating == choice(Rating, rating, "rating"))
    if text:
        query = query.where(Claim.text.icontains(text.strip(), autoescape=True))  # "%" and "_" are literal
    if ids is not None:  # a subquery of claim ids
        query = query.where(Claim.id.in_(ids))
    if untagged:  # asked claim by claim through the tags' key: a subquery would be read again for each page
        query = query.where(~exists().where(claim_tags.c.claim_id == Claim.id))
    return _listed(session, query, limit)


def _tagged(session: Session, tag: str, page: int) -> Any:
    """The condition "the claim has this tag", in the form that reads least for a page of `page`
    claims. A tag that many claims have is met soonest walking the claims in list order (the date
    index) and keeping the tagged ones: about page * claims / tagged steps. A rare one is quicker
    to take whole and sort (about `tagged` rows), as walking might read every claim to fill a page.
    SQLite plans both forms as written; PostgreSQL, which keeps statistics per tag, plans either well."""
    has_tag = claim_tags.c.tag_id == select(Tag.id).where(Tag.slug == slugify(tag)).scalar_subquery()
    tagged, highest = session.execute(  # ids are never reused: the highest is no fewer than the claims
        select(select(func.count()).where(has_tag).scalar_subquery(), select(func.max(Claim.id)).scalar_subquery())
    ).one()
    if tagged * tagged > page * (highest or 0):
        return exists().where(claim_tags.c.claim_id == Claim.id, has_tag)
    return Claim.id.in_(select(claim_tags.c.claim_id).where(has_tag))


def _listed(session: Session, query: Any, limit: int | None) -> Iterator[ClaimRow]:
    """The claims of `query` in list order, in keyset pages: the dated ones by (stated_on, id),
    then the undated by id, both in the order of an index (rather than sorting on `stated_on IS
    NULL`, which no index serves)."""
    parts = (
        (query.where(Claim.stated_on.is_not(None)), (Claim.stated_on, Claim.id)),
        (query.where(Claim.stated_on.is_(None)), (Claim.id,)),
    )
    left = limit
    for part, key in parts:
        after: tuple[Any, ...] | None = None
        while left is None or left > 0:
            size = LIST_PAGE if left is None else min(LIST_PAGE, left)
            page = part if after is None else part.where(tuple_(*key) > tuple_(*after))
            claims = session.scalars(page.order_by(*key).limit(size)).all()
            rows = list_rows(session, claims)
            if rows:  # read before handing them over: the caller may expunge or commit meanwhile
                last: dict[str, Any] = dict(rows[-1])
                after = tuple(last[column.key] for column in key)
            yield from rows
            if left is not None:
                left -= len(rows)
            if len(rows) < size:
                break


def list_rows(session: Session, claims: Sequence[Claim]) -> list[ClaimRow]:
    claim_ids = [claim.id for claim in claims]
    counts = stance_counts(session, claim_ids)
    ratings = newest_ratings(session, claim_ids)
    return [
        {
            "id": claim.id,
            "slug": claim.slug,
            "text": claim.text,
            "claimant": claim.claimant.name if claim.claimant else None,
            "stated_on": claim.stated_on,
            "tags": sorted(tag.slug for tag in claim.tags),
            "supports": counts[claim.id]["supports"],
            "refutes": counts[claim.id]["refutes"],
            "evidence": sum(counts[claim.id].values()),
            "rating": ratings[claim.id].value if claim.id in ratings else None,
        }
        for claim in claims
    ]


def newest_ratings(session: Session, claim_ids: list[int]) -> dict[int, Rating]:
    ratings: dict[int, Rating] = {}
    for chunk in chunks(claim_ids):
        newest = select(func.max(Verdict.id)).where(Verdict.claim_id.in_(chunk)).group_by(Verdict.claim_id)
        rows = session.execute(select(Verdict.claim_id, Verdict.rating).where(Verdict.id.in_(newest)))
        ratings.update((claim_id, rating) for claim_id, rating in rows)
    return ratings


def chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    """Id lists cut to a size every database accepts in one IN (...)."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def stance_counts(session: Session, claim_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {stance.value: 0 for stance in Stance})
    for chunk in chunks(claim_ids):
        rows = session.execute(
            select(Evidence.claim_id, Evidence.stance, func.count())
            .where(Evidence.claim_id.in_(chunk))
            .group_by(Evidence.claim_id, Evidence.stance)
        )
        for claim_id, stance, count in rows:
            counts[claim_id][stance.value] = count
    return counts
