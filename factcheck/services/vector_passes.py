"""Passes over every stored vector for a block of texts at once: a pass costs about what 40
single searches do (0.3 s at 100,000 claims), so that the static site, `similar --file` and
`scan`, which match hundreds of texts, read the vectors once a block rather than once a text.
Each gives what the single search gives its texts (see vectors.nearest and vectors.cosines)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from . import vectors

if TYPE_CHECKING:
    import numpy as np

PAIRS = 4_096  # (text, claim) pairs scored at once: 8 MB of their vectors
# A pass over every vector reads one in 2.9 µs, a read of chosen ids one in 7 µs (100,000 claims):
# the cosines of pairs whose claims are more than this share of the table come from a pass.
PASS_SHARE = 0.4


def cosines_each(session: Session, queries: np.ndarray, wanted: list[np.ndarray]) -> list[dict[int, float]]:
    """For each row of `queries`, the cosine with it of each claim in its `wanted` ids that has a
    stored vector, computed as vectors.cosines computes it (a row at a time, the same value any
    search gives the pair): the vectors are read once for all the rows, by a pass over the table
    or by their ids, whichever reads less."""
    import numpy as np

    name = vectors.model_name()
    if not name or not wanted:
        return [{} for _row in wanted]
    rows = np.repeat(np.arange(len(wanted)), [len(ids) for ids in wanted])
    ids = np.concatenate(wanted).astype(np.int64)
    order = np.argsort(ids, kind="stable")
    ids, rows = ids[order], rows[order]
    values = np.full(len(ids), np.nan, dtype=np.float32)
    union = np.unique(ids)
    if len(union) > PASS_SHARE * vectors.stored_count(session, name):
        chunks = vectors.chunks(session, name, "vector")
    else:
        chunks = (
            vectors.vectors_by_id(session, union[start : start + vectors.VECTOR_CHUNK].tolist())
            for start in range(0, len(union), vectors.VECTOR_CHUNK)
        )
    for found, matrix in chunks:
        if not len(found):
            continue
        by_id = np.argsort(found)
        low, high = np.searchsorted(ids, found.min(), "left"), np.searchsorted(ids, found.max(), "right")
        for start in range(low, high, PAIRS):
            these = slice(start, min(high, start + PAIRS))
            place = np.minimum(np.searchsorted(found, ids[these], sorter=by_id), len(found) - 1)
            present = found[by_id[place]] == ids[these]
            if not present.any():
                continue
            pairs = np.flatnonzero(present) + start
            columns = by_id[place[present]]
            values[pairs] = vectors.pair_cosines(matrix[columns], queries[rows[pairs]])
    scored: list[dict[int, float]] = [{} for _row in wanted]
    for row, claim_id, value in zip(rows.tolist(), ids.tolist(), values.tolist(), strict=True):
        if value == value:  # not NaN: the claim has a stored vector
            scored[row][claim_id] = value
    return scored


def nearest_each(
    session: Session, queries: np.ndarray, *, limit: int = 50, exclude: list[int] | None = None
) -> list[list[tuple[int, float]]]:
    """`nearest` of each row of `queries` (excluding, for row i, the claim exclude[i]), found
    exactly: every stored vector is read once for all the rows, VECTOR_CHUNK at a time, and scored
    by one matrix product, which picks the few that may enter a row's best; those get their
    cosines as `nearest` computes them (`cosines`), and are ranked as it ranks them. For bulk
    readers (the static site): a pass over the vectors for a block of claims costs far less than
    a search a claim. On a table of at most RESCORE vectors it finds what `nearest` finds; on
    larger ones, also those its codes would have missed."""
    import numpy as np

    name = vectors.model_name()
    if not name or not len(queries):
        return [[] for _row in queries]
    everyone = np.arange(len(queries))
    # Twice the limit are kept, so that a near tie at the limit is ranked by id as `nearest` ranks
    # it; a matrix product's value is within SLACK of the cosine, so none that belongs is missed.
    kept = 2 * limit
    skip = np.asarray(exclude if exclude is not None else [vectors.BEFORE_ANY_ID] * len(queries), dtype=np.int64)
    best_ids = np.zeros((len(queries), 0), dtype=np.int64)
    best = np.zeros((len(queries), 0), dtype=np.float32)
    for ids, chunk in vectors.chunks(session, name, "vector"):
        products = queries @ chunk.T
        if best.shape[1] < kept:  # the rows are not full yet: each takes the chunk's best
            take = min(kept, products.shape[1])
            top = np.argpartition(-products, take - 1, axis=1)[:, :take]
            rising, columns = np.repeat(everyone, take), top.reshape(-1)
        else:  # only what comes near a row's worst kept may enter it: few, once the rows are full
            rising, columns = np.nonzero(products > best.min(axis=1)[:, None] - vectors.SLACK)
        counts = np.bincount(rising, minlength=len(queries))
        starts = np.cumsum(counts) - counts
        values = np.empty(len(rising), dtype=np.float32)
        for start in range(0, len(rising), PAIRS):  # PAIRS at a time: no copy of every pair's vectors at once
            these = slice(start, start + PAIRS)
            values[these] = vectors.pair_cosines(chunk[columns[these]], queries[rising[these]])
        values[ids[columns] == skip[rising]] = -np.inf
        place = np.arange(len(rising)) - np.repeat(starts, counts)
        entering = np.full((len(queries), counts.max(initial=0)), -np.inf, dtype=np.float32)
        entering_ids = np.zeros(entering.shape, dtype=np.int64)
        entering[rising, place], entering_ids[rising, place] = values, ids[columns]
        best, best_ids = np.concatenate([best, entering], axis=1), np.concatenate([best_ids, entering_ids], axis=1)
        if best.shape[1] > kept:
            keep = np.argpartition(-best, kept - 1, axis=1)[:, :kept]
            best_ids, best = best_ids[everyone[:, None], keep], best[everyone[:, None], keep]
    found = []
    for ids, values in zip(best_ids, best, strict=True):
        order = np.lexsort((ids, -values))[:limit]
        found.append(
            [
                (claim_id, value)
                for claim_id, value in zip(ids[order].tolist(), values[order].tolist(), strict=True)
                if value > -np.inf
            ]
        )
    return found
