"""The claims `claim show`, the web view and the static site suggest as possible duplicates of a
claim: those scoring SUGGEST or more with it (as `similar` scores them) that are not linked to it
already. One claim at a time for a page, or a block of claims at once for the whole site."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from ..models import Claim, ClaimLink
from ..search import CandidateSearch
from ..wordindex import bulk_search
from . import claims, vectors
from .similar import CANDIDATES, SUGGEST, candidates_each, candidates_of, query_texts, rank, shown
from .vector_passes import nearest_pools
from .vectors import vectors_of
from .views import Dossier

SUGGESTIONS = 3  # unlinked look-alikes a claim's page lists
BLOCK = 500  # claims whose suggestions are found together: their scores of one vector chunk take 4 MB


def suggested_duplicates(
    session: Session, claim_id: int, text: str, linked: set[str], *, search: CandidateSearch | None = None
) -> list[dict[str, Any]]:
    """Claims scoring SUGGEST or more with this claim that are not among the `linked` slugs, best
    first, at most SUGGESTIONS, from the claim's stored vector if any (so a claim already indexed
    does not load the model), finding paraphrases and translations too."""

    stored = vectors_of(session, [claim_id]).get(claim_id)
    found = candidates_of(session, text, exclude=claim_id, vector=stored, search=search)
    return _unlinked(rank(text, *found, floor=SUGGEST, limit=SUGGESTIONS + len(linked)), linked)


def suggestions_each(
    session: Session, claims: list[tuple[int, str, set[str]]], search: CandidateSearch | None = None
) -> list[list[dict[str, Any]]]:
    """suggested_duplicates of each (id, text, linked slugs) of a block of claims, their nearest
    vectors found together in one pass over the stored ones (vector_passes.nearest_pools) rather
    than a search a claim, and the rest of their candidates read together (candidates_each). The
    vectors' candidates are the exact nearest, which on a table of more than vectors.RESCORE
    claims may add some that a single search's codes pass over. `search` finds the full-text
    candidates (wordindex.bulk_search: the same ones, faster)."""

    if vectors.model_name() is None or not claims:  # by words alone, as a single claim is
        return [suggested_duplicates(session, *claim, search=search) for claim in claims]
    stored = vectors.vectors_of(session, [claim_id for claim_id, _text, _linked in claims])
    unindexed = [text for claim_id, text, _linked in claims if claim_id not in stored]
    fresh = vectors.embed([query_texts(text)[1] for text in unindexed]) if unindexed else None
    embedded = iter(fresh if fresh is not None else [])
    import numpy as np

    queries = np.stack([stored[claim_id] if claim_id in stored else next(embedded) for claim_id, _t, _l in claims])
    ids = [claim_id for claim_id, _text, _linked in claims]
    pools = nearest_pools(session, queries, limit=CANDIDATES, exclude=ids)
    texts = [text for _id, text, _linked in claims]
    found = candidates_each(session, texts, exclude=ids, queries=queries, pools=pools, search=search)
    return [
        _unlinked(rank(text, *candidates, floor=SUGGEST, limit=SUGGESTIONS + len(linked)), linked)
        for (_id, text, linked), candidates in zip(claims, found, strict=True)
    ]


def linked_slugs(dossier: Dossier) -> set[str]:
    """The slugs of the claims a dossier's claim is linked to, either way: never suggested as its duplicates."""
    related = (dossier["counterclaims"], *dossier["related"].values())
    return {item["slug"] for items in related for item in items}


def _unlinked(ranked: list[dict[str, Any]], linked: set[str]) -> list[dict[str, Any]]:
    """The best SUGGESTIONS of `ranked` that score SUGGEST or more and are not `linked`, as
    similar_claims(limit=SUGGESTIONS + len(linked)) then leaving out the linked ones gave them."""
    return [hit for hit in shown(ranked, SUGGEST, SUGGESTIONS + len(linked)) if hit["slug"] not in linked][:SUGGESTIONS]


def show_claim(session: Session, ref: str | int) -> Dossier:
    """claims.show_claim's document and "suggested_duplicates": claims that may say the same and
    are not linked to it (see suggested_duplicates), as `claim show` and a claim's page show it."""
    dossier = claims.show_claim(session, ref)
    claim = dossier["claim"]
    dossier["suggested_duplicates"] = suggested_duplicates(session, claim["id"], claim["text"], linked_slugs(dossier))
    return dossier


class Beside(Protocol):
    """Suggestions found elsewhere: the static site's second process (web/site_helper.py)."""

    def ready(self) -> bool:
        """Whether `block` answers at once."""
        ...

    def block(self, ids: list[int]) -> list[list[dict[str, Any]]] | None:
        """The suggestions of the claims of its next block (these `ids`), None if it has not found them."""
        ...


def suggested_dossiers(session: Session, beside: Beside | None = None) -> Iterator[list[Dossier]]:
    """show_claim of every claim, BLOCK claims at a time in id order: their dossiers in a few
    queries and their suggestions in one pass over the vectors. With `beside`, the blocks are
    taken from both ends: from the first, with its suggestions, whenever it has them ready, and
    from the last, found here, while it has not; the two processes share the work, whatever its
    parts cost at that size."""
    blocks = id_blocks(session)
    front, back, search = 0, len(blocks), None
    while front < back:
        here = beside is not None and not beside.ready()
        if here:
            back -= 1
        first, last = blocks[back if here else front]
        front += not here
        found = _claims_between(session, first, last, *claims.DOSSIER)
        dossiers = claims.claim_dossiers(session, found)
        suggested = beside.block([claim.id for claim in found]) if beside and not here else None
        if suggested is None:
            search = search or bulk_search(session)
            suggested = _suggested_block(session, found, dossiers, search)
        for dossier, suggestions in zip(dossiers, suggested, strict=True):
            dossier["suggested_duplicates"] = suggestions
        yield dossiers
        session.expunge_all()


def suggested_blocks(session: Session) -> Iterator[tuple[list[Claim], list[list[dict[str, Any]]]]]:
    """Every claim with its suggestions, in the blocks suggested_dossiers reads, without their
    dossiers: the slugs each is linked to are read alone."""
    search = bulk_search(session)
    source, target = aliased(Claim), aliased(Claim)
    for first, last in id_blocks(session):
        found = _claims_between(session, first, last)
        ids = [claim.id for claim in found]
        linked: dict[int, set[str]] = {claim_id: set() for claim_id in ids}
        for from_id, to_id, from_slug, to_slug in session.execute(
            select(ClaimLink.from_claim_id, ClaimLink.to_claim_id, source.slug, target.slug)
            .join(source, source.id == ClaimLink.from_claim_id)
            .join(target, target.id == ClaimLink.to_claim_id)
            .where(or_(ClaimLink.from_claim_id.in_(ids), ClaimLink.to_claim_id.in_(ids)))
        ):
            if from_id in linked:  # as linked_slugs reads a dossier: the other end of each link
                linked[from_id].add(to_slug)
            if to_id in linked and to_id != from_id:
                linked[to_id].add(from_slug)
        yield found, suggestions_each(session, [(claim.id, claim.text, linked[claim.id]) for claim in found], search)
        session.expunge_all()


def id_blocks(session: Session) -> list[tuple[int, int]]:
    """The first and last claim id of each block of BLOCK claims, in id order: the blocks both
    processes of the static site read, each from its own read of the claims (8 bytes a claim,
    while they are read)."""
    from array import array

    ids = array("q", session.scalars(select(Claim.id).order_by(Claim.id)))
    return [(ids[start], ids[min(start + BLOCK, len(ids)) - 1]) for start in range(0, len(ids), BLOCK)]


def _claims_between(session: Session, first: int, last: int, *options: Any) -> list[Claim]:
    """The claims with ids from `first` to `last`, in id order, loaded with `options`."""
    return list(
        session.scalars(select(Claim).where(Claim.id.between(first, last)).order_by(Claim.id).options(*options))
    )


def _suggested_block(
    session: Session, found: list[Claim], dossiers: list[Dossier], search: CandidateSearch
) -> list[list[dict[str, Any]]]:
    block = [(claim.id, claim.text, linked_slugs(dossier)) for claim, dossier in zip(found, dossiers, strict=True)]
    return suggestions_each(session, block, search)
