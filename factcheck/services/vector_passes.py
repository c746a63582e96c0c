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


def nearest_pools(
    session: Session, queries: np.ndarray, *, limit: int = 50, exclude: list[int] | None = None
) -> list[np.ndarray]:
    """For each row of `queries`, the ids of a few stored vectors among which are its `limit`
    nearest (other than the claim exclude[i]), as `nearest` would rank them exactly: a pool, as
    vectors.code_nearest gives one, to be scored by `cosines`. Every stored vector is read once for
    all the rows, VECTOR_CHUNK at a time, and scored by one matrix product; a row keeps those whose
    product is within twice SLACK of its `limit`-th best product. A product is within SLACK of the
    cosine, so none of the nearest is left out, and the pool is the nearest and their near ties: a
    few more than `limit`. For bulk readers (the static site): a pass over the vectors for a block
    of claims costs far less than a search a claim. On a table of at most RESCORE vectors the
    nearest are what `nearest` finds; on larger ones, also those its codes would have missed."""
    import numpy as np

    name = vectors.model_name()
    if not name or not len(queries):
        return [np.zeros(0, dtype=np.int64) for _row in queries]
    skip = np.asarray(exclude if exclude is not None else [vectors.BEFORE_ANY_ID] * len(queries), dtype=np.int64)
    # Each row's pool so far, as (row, product, id) entries in row order, and the floor of what may
    # enter it: its limit-th best product less twice SLACK (it only rises).
    rows, products, pool = (np.zeros(0, dtype=dtype) for dtype in (np.int64, np.float32, np.int64))
    floor = np.full(len(queries), -np.inf, dtype=np.float32)
    for ids, chunk in vectors.chunks(session, name, "vector"):
        scored = queries @ chunk.T
        scored[ids[None, :] == skip[:, None]] = -np.inf
        if scored.shape[1] > limit and np.isneginf(floor).any():  # a row's first chunk: its own best bound it
            floor = np.maximum(floor, _floor(scored, limit))
        entering, columns = np.nonzero((scored >= floor[:, None]) & (scored > -np.inf))
        rows = np.concatenate([rows, entering])
        order = np.argsort(rows, kind="stable")
        rows = rows[order]
        products = np.concatenate([products, scored[entering, columns]])[order]
        pool = np.concatenate([pool, ids[columns]])[order]
        counts = np.bincount(rows, minlength=len(queries))
        if counts.max(initial=0) > limit:  # the rows' floors rise: pad the pools to find each's limit-th best
            padded = np.full((len(queries), counts.max()), -np.inf, dtype=np.float32)
            padded[rows, np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)] = products
            floor = _floor(padded, limit)
            kept = products >= floor[rows]
            rows, products, pool = rows[kept], products[kept], pool[kept]
    return np.split(pool, np.cumsum(np.bincount(rows, minlength=len(queries)))[:-1])


def _floor(products: np.ndarray, limit: int) -> np.ndarray:
    """Each row's `limit`-th best product less twice SLACK: below it, none of the row's nearest."""
    import numpy as np

    return (-np.partition(-products, limit - 1, axis=1)[:, limit - 1] - 2 * vectors.SLACK).astype(np.float32)
