"""Duplicate claims across the database: `dedupe` finds clusters of claims that say the same
thing, as `similar` judges a pair (see similar.py), links each to its cluster's oldest claim in
one history batch, and takes such a batch back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound
from ..models import ClaimLink, ClaimVector, Relation, Revision, RevisionAction
from . import vectors
from .common import required_text
from .similar import CANDIDATES, DUPLICATE, PAIR_COSINE, similar_claims, texts_of


def duplicate_clusters(
    session: Session, *, progress: Callable[[int, int], None] | None = None, chunk: int = 1_024
) -> list[dict[str, Any]]:
    """Groups of claims that duplicate one another (each pair joined scoring DUPLICATE or more),
    oldest claim first, with the scores that join them. Compares every stored vector with every
    other one, `chunk` rows against `chunk` rows, so memory stays bounded; only pairs at least
    PAIR_COSINE close are scored in full, as `similar` scores them. Two claims linked already as rebutting,
    supporting or qualifying one another are never joined: someone has said they differ."""
    from sqlalchemy import select

    name = vectors.model_name()
    if name is None:
        return []

    def blocks(after: int) -> Iterator[tuple[list[int], Any]]:
        last = after
        while True:
            rows = session.execute(
                select(ClaimVector.claim_id, ClaimVector.vector)
                .where(ClaimVector.model == name, ClaimVector.claim_id > last, vectors.readable_vector())
                .order_by(ClaimVector.claim_id)
                .limit(chunk)
            ).all()
            if not rows:
                return
            last = rows[-1][0]
            yield [row[0] for row in rows], vectors.from_bytes([row[1] for row in rows])

    import numpy as np

    total = vectors.status(session)["current"]
    pairs: list[tuple[int, int, float]] = []
    done = 0
    for ids, matrix in blocks(0):
        for other_ids, other in blocks(ids[0] - 1):
            close = np.argwhere(matrix @ other.T >= PAIR_COSINE)
            pairs += [(ids[i], other_ids[j], float(matrix[i] @ other[j])) for i, j in close if ids[i] < other_ids[j]]
        done += len(ids)
        if progress:
            progress(done, total)
    texts = texts_of(session, sorted({claim_id for pair in pairs for claim_id in pair[:2]}))
    related = _related(session, list(texts))
    parent: dict[int, int] = {}
    members: dict[int, set[int]] = {}  # each cluster's claims, by its root (its oldest claim)

    def root(claim_id: int) -> int:
        while parent.get(claim_id, claim_id) != claim_id:
            claim_id = parent[claim_id]
        return claim_id

    duplicates = _duplicate_pairs(session, pairs, texts)
    joined: list[tuple[int, int, float]] = []
    for value, first, second in sorted(duplicates, key=lambda item: (-item[0], item[1], item[2])):  # closest first
        a, b = root(first), root(second)
        if a != b:
            smaller, larger = sorted((a, b), key=lambda cluster: len(members.get(cluster, ())))
            # Every claim of a cluster is linked to its oldest: none may be one someone has related.
            if any(root(y) == larger for x in members.get(smaller, {smaller}) for y in related.get(x, ())):
                continue
            parent[max(a, b)] = min(a, b)
            members[min(a, b)] = members.pop(max(a, b), {max(a, b)}) | members.get(min(a, b), {min(a, b)})
        joined.append((first, second, value))
    clusters: dict[int, dict[str, Any]] = {}
    for first, second, value in joined:
        cluster = clusters.setdefault(root(first), {"claims": set(), "pairs": []})
        cluster["claims"].update((first, second))
        cluster["pairs"].append({"claims": [texts[first][0], texts[second][0]], "score": value})
    return [
        {
            "claims": [{"id": i, "slug": texts[i][0], "text": texts[i][1]} for i in sorted(cluster["claims"])],
            "pairs": cluster["pairs"],
        }
        for _root, cluster in sorted(clusters.items())
    ]


def _duplicate_pairs(
    session: Session, pairs: list[tuple[int, int, float]], texts: dict[int, tuple[str, str]], chunk: int = 500
) -> list[tuple[float, int, int]]:
    """(score, first, second) of the close pairs that `similar` labels duplicates, one claim's
    text against all the others (from its stored vector), as `claim add` would judge it: each
    pair by the better of its two ways."""

    wanted: dict[int, set[int]] = {}
    for first, second, _cosine in pairs:
        wanted.setdefault(first, set()).add(second)
        wanted.setdefault(second, set()).add(first)
    best: dict[tuple[int, int], float] = {}
    ids = sorted(wanted)
    for start in range(0, len(ids), chunk):  # the vectors read a chunk at a time, not one query a claim
        stored = vectors.vectors_of(session, ids[start : start + chunk])
        for claim_id in ids[start : start + chunk]:
            hits = similar_claims(
                session,
                texts[claim_id][1],
                limit=CANDIDATES,
                min_score=DUPLICATE,
                exclude=claim_id,
                vector=stored.get(claim_id),
            )
            for hit in hits:
                if hit["id"] in wanted[claim_id] and hit["label"] == "duplicate":
                    key = (min(claim_id, hit["id"]), max(claim_id, hit["id"]))
                    best[key] = max(best.get(key, 0.0), hit["score"])
    return [(value, first, second) for (first, second), value in best.items()]


def _related(session: Session, ids: list[int], chunk: int = 500) -> dict[int, set[int]]:
    """The claims each of these claims is linked to by a relation other than duplicates (both ways)."""
    from sqlalchemy import select

    related: dict[int, set[int]] = {}
    for start in range(0, len(ids), chunk):
        some = ids[start : start + chunk]
        rows = session.execute(
            select(ClaimLink.from_claim_id, ClaimLink.to_claim_id).where(
                ClaimLink.relation != Relation.DUPLICATES,
                ClaimLink.from_claim_id.in_(some) | ClaimLink.to_claim_id.in_(some),
            )
        ).all()
        for one, other in rows:
            related.setdefault(one, set()).add(other)
            related.setdefault(other, set()).add(one)
    return related


# The note on each link `dedupe --apply` makes: what `dedupe --undo` may take back.
MARK = "Linked by `factcheck dedupe --apply`."


def record_duplicates(session: Session, clusters: list[dict[str, Any]]) -> dict[str, Any]:
    """Link every claim of each cluster to its oldest claim as `duplicates`, in this transaction
    (one batch in the history), skipping links that exist already. Returns the batch id and the
    links made; `undo_duplicates(batch)` takes them back."""
    from sqlalchemy import select

    made: list[dict[str, str]] = []
    for cluster in clusters:
        oldest, *others = cluster["claims"]
        for claim in others:
            exists = session.scalar(
                select(ClaimLink.id).where(
                    ClaimLink.relation == Relation.DUPLICATES,
                    ((ClaimLink.from_claim_id == claim["id"]) & (ClaimLink.to_claim_id == oldest["id"]))
                    | ((ClaimLink.from_claim_id == oldest["id"]) & (ClaimLink.to_claim_id == claim["id"])),
                )
            )
            if exists is None:
                session.add(
                    ClaimLink(
                        from_claim_id=claim["id"], to_claim_id=oldest["id"], relation=Relation.DUPLICATES, note=MARK
                    )
                )
                made.append({"from": claim["slug"], "to": oldest["slug"]})
    session.flush()
    return {"batch": session.info.get("batch") if made else None, "links": made}


def undo_duplicates(session: Session, batch: str) -> list[int]:
    """Delete the `duplicates` links a `dedupe --apply` made in history batch `batch` (the deletion
    is recorded too). Returns the ids of the links removed."""
    from sqlalchemy import select

    batch = required_text(batch, "the batch id", 64)
    made = session.execute(
        select(Revision.entity_id, Revision.changes).where(
            Revision.batch == batch, Revision.entity == "claim_links", Revision.action == RevisionAction.INSERT
        )
    ).all()
    if not made:
        raise NotFound(f"no links were made in batch {batch!r}: see `factcheck history`")
    if any(changes.get("note") != MARK or changes.get("relation") != Relation.DUPLICATES.value for _, changes in made):
        raise Conflict(
            f"batch {batch!r} was not made by `dedupe --apply`: its links were made by hand, and "
            "`dedupe --undo` takes back only its own"
        )
    # A link someone has since edited (its note) is theirs now: kept.
    links = session.scalars(
        select(ClaimLink).where(
            ClaimLink.id.in_([link_id for link_id, _ in made]),
            ClaimLink.relation == Relation.DUPLICATES,
            ClaimLink.note == MARK,
        )
    ).all()
    if not links:
        raise Conflict(f"the links of batch {batch!r} are gone already, or were edited since")
    removed = sorted(link.id for link in links)
    for link in links:
        session.delete(link)
    session.flush()
    return removed
