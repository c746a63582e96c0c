"""Speed and memory of `similar` (in-process, model loaded) at a large number of claims.

    python benchmarks/matching/speed.py [--claims 100000] [--runs 20]

The claims are generated (benchmarks/generate.py); their vectors are random unit vectors, stored
as the installed model's, since the cost of an exact search does not depend on what the vectors
hold (and embedding 100,000 claims would take many minutes). Prints the median time of
`similar_claims`, of the vector scan alone, and the peak memory Python allocated during a query
(tracemalloc), which stays bounded by the search chunk whatever the number of claims.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE.parent))

from factcheck import db  # noqa: E402
from factcheck.services import similar, vectors  # noqa: E402


def build(path: Path, claims: int) -> None:
    import numpy as np
    from generate import generate
    from sqlalchemy import insert

    from factcheck.models import Claim, ClaimVector

    if path.exists():
        db.upgrade(db.resolve_url(str(path)))
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    url = db.resolve_url(str(path))
    db.upgrade(url)
    rng = np.random.default_rng(7)
    rows = [{"slug": c["slug"], "text": c["text"]} for c in generate(claims, evidence_per_claim=0)["claims"]]
    with db.session_scope(url, write=True) as session:
        for start in range(0, claims, 10_000):
            session.execute(insert(Claim), rows[start : start + 10_000])
        ids = list(range(1, claims + 1))
        for start in range(0, claims, 10_000):
            block = rng.standard_normal((min(10_000, claims - start), vectors.DIMENSIONS)).astype("float32")
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            session.execute(
                insert(ClaimVector),
                [
                    {"claim_id": ids[start + n], "model": vectors.model_name(), "vector": vectors.to_bytes(v)}
                    for n, v in enumerate(block)
                ],
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    path = HERE / ".cache" / f"speed-{args.claims}.sqlite"
    build(path, args.claims)
    queries = ["NATO promised Russia it would not expand eastward", "НАТО обещало не расширяться на восток"]
    started = time.perf_counter()
    vectors.embed(["load the model"])
    print(f"model load                 {time.perf_counter() - started:.2f} s")
    whole, scan = [], []
    with db.session_scope(db.resolve_url(str(path))) as session:
        query = vectors.embed(queries[:1])
        assert query is not None
        for run in range(args.runs):
            started = time.perf_counter()
            similar.similar_claims(session, queries[run % 2], limit=5)
            whole.append(time.perf_counter() - started)
            started = time.perf_counter()
            vectors.nearest(session, query[0], limit=50)
            scan.append(time.perf_counter() - started)
        tracemalloc.start()
        similar.similar_claims(session, queries[0], limit=5)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"claims                     {args.claims:,}")
    print(f"similar, median            {statistics.median(whole) * 1000:.0f} ms")
    print(f"vector scan alone, median  {statistics.median(scan) * 1000:.0f} ms")
    print(f"peak Python memory/query   {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
