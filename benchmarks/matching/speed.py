"""Speed, memory and recall of `similar` (in-process, model loaded) at several numbers of claims.

    python benchmarks/matching/speed.py [--sizes 10000 100000] [--runs 20] [--batch 10000] [--alone 300]
                                        [--scan 1000 4000]

The claims are generated (benchmarks/generate.py) and embedded by the real model, 100,000 at most
(about 100 s on 2 cores, done once and kept in benchmarks/matching/.cache/). A larger database
repeats those vectors with a little noise (marked "~" in the table): enough to time and to count
memory, while recall there is only indicative. Each database is built once and kept.

For each size it prints, as medians over interleaved runs:
- `similar_claims` as a whole, and its vector search alone (codes, then exact rescoring);
- the suggestions `claim show` lists (`suggested_duplicates`: a similar_claims call from the
  claim's stored vector) for one of the stored claims;
- the raw baseline: an exact cosine scan of every vector straight from sqlite3 into numpy, in
  chunks, which is what the search did before it read codes;
- recall: the share of the exact 10 and 50 nearest (by the raw scan) that the search returns,
  over the evaluation's queries (cases.json: paraphrases, negatives, translations);
- the peak memory Python allocated during one search (tracemalloc).

And a second table: `similar --file` (similar_each: texts embedded in batches, the stored codes
read once a batch, the claims' index held in memory) over --batch new texts, in texts a second
after the model has loaded, against similar_claims text by text on the first --alone of them,
and how many of those get the same hits both ways. A third: `scan` of pages of --scan new
sentences, its time and its peak memory.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE.parent))

import factcheck  # noqa: E402
from factcheck import db  # noqa: E402
from factcheck.services import similar, vectors, wording  # noqa: E402
from factcheck.services.suggestions import suggested_duplicates  # noqa: E402

EMBEDDED = 100_000  # claims embedded by the model; larger sizes repeat these vectors with noise


def embedded(claims: int) -> Any:
    """The model's vectors of the first `claims` generated claims (cached)."""
    import numpy as np
    from generate import generate

    path = HERE / ".cache" / f"embedded-{EMBEDDED}-{vectors.model_name()}.npy"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        texts = [c["text"] for c in generate(EMBEDDED, evidence_per_claim=0)["claims"]]
        started = time.perf_counter()
        matrix = np.vstack([vectors.embed(texts[i : i + 5_000]) for i in range(0, EMBEDDED, 5_000)])
        print(f"embedded {EMBEDDED:,} claims in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        np.save(path, matrix)
    return np.load(path, mmap_mode="r")[:claims]


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
    real = embedded(min(claims, EMBEDDED))
    rng = np.random.default_rng(7)
    rows = [{"slug": c["slug"], "text": c["text"]} for c in generate(claims, evidence_per_claim=0)["claims"]]
    with factcheck.open(url).write() as session:
        for start in range(0, claims, 10_000):
            session.execute(insert(Claim), rows[start : start + 10_000])
            block = np.array(real[np.arange(start, min(claims, start + 10_000)) % len(real)], dtype="float32")
            if start >= EMBEDDED:
                block += 0.05 * rng.standard_normal(block.shape).astype("float32")
                block /= np.linalg.norm(block, axis=1, keepdims=True)
            session.execute(
                insert(ClaimVector),
                [
                    {
                        "claim_id": start + n + 1,
                        "model": vectors.model_name(),
                        "vector": vectors.to_bytes(v),
                        "code": code.tobytes(),
                    }
                    for n, (v, code) in enumerate(zip(block, vectors.codes(block.astype(vectors.STORED)), strict=True))
                ],
            )


def exact_scan(path: Path, query: Any, limit: int) -> list[int]:
    """The raw baseline: every vector read by sqlite3, 10,000 at a time, scored exactly."""
    import numpy as np

    connection = sqlite3.connect(path)
    cursor = connection.execute("SELECT claim_id, vector FROM claim_vectors")
    best_ids, best_scores = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    while rows := cursor.fetchmany(10_000):
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        scores = vectors.from_bytes([row[1] for row in rows]) @ query
        best_ids, best_scores = np.concatenate([best_ids, ids]), np.concatenate([best_scores, scores])
        keep = np.argsort(-best_scores, kind="stable")[:limit]
        best_ids, best_scores = best_ids[keep], best_scores[keep]
    connection.close()
    return [int(i) for i in best_ids]


def median_ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:,.0f} ms"


def bench(claims: int, runs: int, queries: list[str]) -> list[str]:
    from sqlalchemy import select

    from factcheck.models import Claim

    path = HERE / ".cache" / f"speed-{claims}.sqlite"
    build(path, claims)
    embedded_queries = vectors.embed(queries)
    assert embedded_queries is not None
    whole: list[float] = []
    suggestions: list[float] = []
    scan: list[float] = []
    raw: list[float] = []
    found = {10: 0.0, 50: 0.0}
    with factcheck.open(str(path)).read() as session:
        # The claims whose suggestions are timed, spread over the table (7,919 is prime).
        shown = [index * 7_919 % claims + 1 for index in range(runs)]
        stored = {row[0]: row[1] for row in session.execute(select(Claim.id, Claim.text).where(Claim.id.in_(shown)))}
        # Beyond the embedded claims the exact scan takes seconds a query: recall over `runs` queries only.
        asked = queries if claims <= EMBEDDED else queries[:runs]
        for index, (text, query) in enumerate(zip(asked, embedded_queries, strict=False)):
            exact = exact_scan(path, query, 50)
            searched = [claim_id for claim_id, _cosine in vectors.nearest(session, query, limit=50)]
            for k in found:
                found[k] += len(set(exact[:k]) & set(searched[:k])) / k / len(asked)
            if index < runs:  # timed, interleaved: the search, the raw scan, the whole of similar
                started = time.perf_counter()
                vectors.nearest(session, query, limit=50)
                scan.append(time.perf_counter() - started)
                started = time.perf_counter()
                exact_scan(path, query, 50)
                raw.append(time.perf_counter() - started)
                started = time.perf_counter()
                similar.similar_claims(session, text, limit=5)
                whole.append(time.perf_counter() - started)
                started = time.perf_counter()
                suggested_duplicates(session, shown[index], stored[shown[index]], set())
                suggestions.append(time.perf_counter() - started)
        tracemalloc.start()
        vectors.nearest(session, embedded_queries[0], limit=50)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    size = f"{claims:,}" + ("~" if claims > EMBEDDED else "")
    return [
        size,
        median_ms(whole),
        median_ms(suggestions),
        median_ms(scan),
        median_ms(raw),
        f"{statistics.median(raw) / statistics.median(scan):.1f}x",
        f"{found[10]:.3f}",
        f"{found[50]:.3f}",
        f"{peak / 1e6:.1f} MB",
    ]


def batch_row(claims: int, count: int, alone: int) -> list[str]:
    """`similar --file` as the CLI runs it (similar_each, in-process, model loaded) over `count`
    new texts, against the raw way of doing the same work: similar_claims text by text, timed
    on the first `alone` of them (run first, with the caches of both emptied); and whether each of
    those gets exactly the same hits both ways."""
    import random

    from generate import sentence

    from factcheck import search

    rng = random.Random(11)  # texts in the claims' vocabulary, none of them a stored claim
    texts = [sentence(rng, rng.randint(6, 14)) for _ in range(count)]
    path = HERE / ".cache" / f"speed-{claims}.sqlite"
    build(path, claims)

    def cold() -> None:
        for cached in (wording._read, search._porter):
            cached.cache_clear()

    with factcheck.open(str(path)).read() as session:
        cold()
        started = time.perf_counter()
        one_by_one = [similar.similar_claims(session, text) for text in texts[:alone]]
        single = time.perf_counter() - started
        cold()
        started = time.perf_counter()
        batched = list(similar.similar_each(session, texts))
        whole = time.perf_counter() - started
    same = sum(a == b for a, b in zip(batched, one_by_one, strict=False))
    return [
        f"{claims:,}" + ("~" if claims > EMBEDDED else ""),
        f"{count:,}",
        f"{count / whole:,.0f}",
        f"{alone / single:,.0f}",
        f"{(count / whole) / (alone / single):.1f}x",
        f"{same} of {alone}",
    ]


def scan_row(claims: int, count: int) -> list[str]:
    """`scan` as the CLI runs it (scan_text, in-process, model loaded) of a page of `count` new
    sentences, a few to a paragraph: its time, then its peak memory in a second run (tracemalloc,
    which counts numpy's arrays too)."""
    import random

    from generate import sentence

    from factcheck.services.scan import scan_text

    rng = random.Random(13)
    said = [sentence(rng, rng.randint(8, 16)).rstrip(".") + "." for _ in range(count)]
    page = "\n\n".join(" ".join(said[start : start + 4]) for start in range(0, count, 4))
    path = HERE / ".cache" / f"speed-{claims}.sqlite"
    build(path, claims)
    with factcheck.open(str(path)).read() as session:
        started = time.perf_counter()
        scanned = scan_text(session, page)
        seconds = time.perf_counter() - started
        tracemalloc.start()
        scan_text(session, page)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return [
        f"{claims:,}" + ("~" if claims > EMBEDDED else ""),
        f"{scanned.sentences:,}",
        f"{seconds:.1f} s",
        f"{scanned.sentences / seconds:,.0f}",
        f"{peak / 1e6:.0f} MB",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=20, help="Timed queries per size (the rest count for recall).")
    parser.add_argument(
        "--batch", type=int, default=10_000, help="Texts of the `similar --file` row (default 10,000; 0: no such row)."
    )
    parser.add_argument("--alone", type=int, default=300, help="Of those, matched one by one too (default 300).")
    parser.add_argument(
        "--scan",
        type=int,
        nargs="*",
        default=[1_000, 4_000],
        help="Sentences of the pages scanned.",
    )
    args = parser.parse_args()
    cases = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))
    queries = [
        case if isinstance(case, str) else case["text"] for key in ("paraphrases", "negatives") for case in cases[key]
    ]
    queries += [text for seed in cases["seeds"].values() for text in seed.get("translations", {}).values()]
    started = time.perf_counter()
    vectors.embed(["load the model"])
    loaded = time.perf_counter() - started
    print(f"model load: {loaded:.2f} s; {len(queries)} queries; the search rescores {vectors.RESCORE}")
    header = ["claims", "similar", "claim show suggestions", "vector search", "raw exact scan", "raw / search"]
    header += ["recall@10", "recall@50", "peak"]
    rows = [bench(size, args.runs, queries) for size in args.sizes]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if args.batch:
        header = ["claims", "texts", "`similar --file` texts/s", "one by one texts/s", "speed-up", "same hits"]
        print("\n| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for size in args.sizes:
            print("| " + " | ".join(batch_row(size, args.batch, args.alone)) + " |", flush=True)
    if args.scan:
        header = ["claims", "sentences", "`scan`", "sentences/s", "peak"]
        print("\n| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for size in args.sizes:
            for count in args.scan:
                print("| " + " | ".join(scan_row(size, count)) + " |", flush=True)


if __name__ == "__main__":
    main()
