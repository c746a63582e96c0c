"""factcheck against raw sqlite3, at several sizes, in one table.

For each size: generate a dataset (benchmarks/generate.py), bulk-load it with `factcheck import`'s
loader and, into a second database made by the same migrations, insert the same rows with raw
sqlite3 executemany. Then time the everyday operations both ways: factcheck's service (in-process)
and the SQL that does the same work through sqlite3. Ratios are factcheck / raw sqlite3.

    python benchmarks/run.py                 # 10k and 100k claims (a few minutes on 2 cores)
    python benchmarks/run.py --sizes 1000000 # on demand: about 3 million evidence rows
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from generate import SEARCH_WORDS, generate  # noqa: E402

from factcheck import db  # noqa: E402
from factcheck.interchange.dataset import SECTIONS, add_records, load_records  # noqa: E402
from factcheck.models import Claim  # noqa: E402
from factcheck.reports import render_claim  # noqa: E402
from factcheck.search import RAREST_WORDS, any_words_query, backend, word_starts  # noqa: E402
from factcheck.services.claims import list_claims, show_claim  # noqa: E402
from factcheck.services.common import get  # noqa: E402
from factcheck.services.history import record_revisions  # noqa: E402
from factcheck.services.similar import similar_claims  # noqa: E402


def median_ms(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def load_factcheck(path: Path, dataset: dict) -> float:  # type: ignore[type-arg]
    url = db.resolve_url(str(path))
    db.upgrade(url)
    start = time.perf_counter()
    with db.session_scope(url, write=True, by="benchmark", on_open=record_revisions) as session:
        load_records(session, add_records({section: [] for section in SECTIONS}, dataset, "generated"))
    return time.perf_counter() - start


def load_raw(path: Path, dataset: dict) -> float:  # type: ignore[type-arg]
    """The same rows through sqlite3 executemany (revisions included), ids assigned up front."""
    import hashlib

    db.upgrade(db.resolve_url(str(path)))
    start = time.perf_counter()
    connection = sqlite3.connect(path)
    now = "2026-01-01 00:00:00.000000"
    actors = {a["slug"]: i + 1 for i, a in enumerate(dataset["actors"])}
    sources = {s["slug"]: i + 1 for i, s in enumerate(dataset["sources"])}
    claims = {c["slug"]: i + 1 for i, c in enumerate(dataset["claims"])}
    tags: dict[str, int] = {}
    revisions = []
    with connection:
        connection.executemany(
            "INSERT INTO actors (id, slug, name, kind, role, aliases, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
            [
                (actors[a["slug"]], a["slug"], a["name"], a["kind"], a.get("role"), "[]", now, now)
                for a in dataset["actors"]
            ],
        )
        connection.executemany(
            "INSERT INTO sources (id, slug, title, kind, publisher, authors, url, published_on, text, text_sha256,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    sources[s["slug"]],
                    s["slug"],
                    s["title"],
                    s["kind"],
                    s["publisher"],
                    json.dumps(s["authors"]),
                    s["url"],
                    s["published_on"],
                    s["text"],
                    hashlib.sha256(s["text"].encode()).hexdigest(),
                    now,
                    now,
                )
                for s in dataset["sources"]
            ],
        )
        for claim in dataset["claims"]:
            for tag in claim["tags"]:
                tags.setdefault(tag, len(tags) + 1)
        connection.executemany(
            "INSERT INTO tags (id, slug, name) VALUES (?,?,?)",
            [(i, name.replace(" ", "-"), name) for name, i in tags.items()],
        )
        connection.executemany(
            "INSERT INTO claims (id, slug, text, claimant_id, stated_on, stated_in_id, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    claims[c["slug"]],
                    c["slug"],
                    c["text"],
                    actors[c["claimant"]],
                    c["stated_on"],
                    sources[c["stated_in"]],
                    now,
                    now,
                )
                for c in dataset["claims"]
            ],
        )
        connection.executemany(
            "INSERT INTO claim_tags (claim_id, tag_id) VALUES (?,?)",
            [(claims[c["slug"]], tags[t]) for c in dataset["claims"] for t in c["tags"]],
        )
        evidence = [
            (
                claims[c["slug"]],
                sources[e["source"]],
                e["stance"],
                e["quote"],
                actors[e["speaker"]],
                "verified",
                now,
                now,
            )
            for c in dataset["claims"]
            for e in c["evidence"]
        ]
        connection.executemany(
            "INSERT INTO evidence (claim_id, source_id, stance, quote, speaker_id, quote_status, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            evidence,
        )
        verdicts = [
            (claims[c["slug"]], v["rating"], v["rationale"], now)
            for c in dataset["claims"]
            for v in c.get("verdicts", [])
        ]
        connection.executemany(
            "INSERT INTO verdicts (claim_id, rating, rationale, created_at) VALUES (?,?,?,?)", verdicts
        )
        links = [(claims[link["from"]], claims[link["to"]], link["relation"], now) for link in dataset["links"]]
        connection.executemany(
            "INSERT INTO claim_links (from_claim_id, to_claim_id, relation, created_at) VALUES (?,?,?,?)", links
        )
        counts = {
            "actors": len(actors),
            "sources": len(sources),
            "claims": len(claims),
            "evidence": len(evidence),
            "verdicts": len(verdicts),
            "claim_links": len(links),
            "tags": len(tags),
        }
        for entity, count in counts.items():
            revisions += [(entity, i + 1, "insert", "{}", now, "benchmark") for i in range(count)]
        connection.executemany(
            "INSERT INTO revisions (entity, entity_id, action, changes, at, by) VALUES (?,?,?,?,?,?)", revisions
        )
    connection.close()
    return time.perf_counter() - start


RAW_SHOW = [
    "SELECT * FROM claims LEFT JOIN actors ON actors.id = claims.claimant_id"
    " LEFT JOIN sources ON sources.id = claims.stated_in_id WHERE claims.slug = ?",
    "SELECT e.*, s.id, s.slug, s.title, s.publisher, s.published_on, a.name FROM evidence e JOIN claims c ON c.id = e.claim_id"
    " JOIN sources s ON s.id = e.source_id LEFT JOIN actors a ON a.id = e.speaker_id WHERE c.slug = ?",
    "SELECT v.* FROM verdicts v JOIN claims c ON c.id = v.claim_id WHERE c.slug = ?",
    "SELECT t.* FROM tags t JOIN claim_tags ct ON ct.tag_id = t.id JOIN claims c ON c.id = ct.claim_id WHERE c.slug = ?",
    "SELECT l.*, o.slug, o.text FROM claim_links l JOIN claims c ON c.id IN (l.from_claim_id, l.to_claim_id)"
    " JOIN claims o ON o.id = CASE WHEN l.from_claim_id = c.id THEN l.to_claim_id ELSE l.from_claim_id END WHERE c.slug = ?",
]
RAW_LIST = (
    "SELECT c.id, c.slug, c.text, c.stated_on, a.name,"
    " (SELECT count(*) FROM evidence e WHERE e.claim_id = c.id AND e.stance = 'supports'),"
    " (SELECT count(*) FROM evidence e WHERE e.claim_id = c.id AND e.stance = 'refutes')"
    " FROM claims c LEFT JOIN actors a ON a.id = c.claimant_id"
    " WHERE c.id IN (SELECT claim_id FROM claim_tags WHERE tag_id = (SELECT id FROM tags WHERE slug = ?))"
    " ORDER BY c.stated_on IS NULL, c.stated_on, c.id LIMIT 50"
)
RAW_SEARCH = [
    "SELECT rowid, snippet(claims_fts, -1, '[', ']', '…', 16) FROM claims_fts WHERE claims_fts MATCH ? ORDER BY rank LIMIT 20",
    "SELECT rowid, snippet(sources_fts, -1, '[', ']', '…', 16) FROM sources_fts WHERE sources_fts MATCH ? ORDER BY rank LIMIT 20",
    "SELECT rowid, snippet(evidence_fts, 0, '[', ']', '…', 16) FROM evidence_fts WHERE evidence_fts MATCH ? ORDER BY rank LIMIT 20",
]


def bench_size(size: int, folder: Path, runs: int) -> list[tuple[str, float, float, str]]:
    dataset = generate(size)
    evidence = sum(len(c["evidence"]) for c in dataset["claims"])
    ours_db, raw_db = folder / f"factcheck-{size}.db", folder / f"raw-{size}.db"
    rows: list[tuple[str, float, float, str]] = []
    ours = load_factcheck(ours_db, dataset)
    raw = load_raw(raw_db, dataset)
    rows.append((f"bulk load ({size:,} claims, {evidence:,} evidence)", ours * 1000, raw * 1000, "ms"))
    del dataset

    url = db.resolve_url(str(ours_db))
    rng = random.Random(1)
    slugs = [f"claim-{rng.randrange(size)}" for _ in range(runs)]
    connection = sqlite3.connect(raw_db)
    picks = itertools.cycle(slugs)

    def ours_op(work: Callable[..., object]) -> Callable[[], object]:
        def run() -> object:
            with db.session_scope(url) as session:
                return work(session)

        return run

    rows.append(
        (
            "lookup by slug",
            median_ms(ours_op(lambda s: get(s, Claim, next(picks))), runs),
            median_ms(
                lambda: connection.execute("SELECT * FROM claims WHERE slug = ?", (next(picks),)).fetchall(), runs
            ),
            "ms",
        )
    )
    rows.append(
        (
            "claim show",
            median_ms(ours_op(lambda s: show_claim(s, next(picks))), runs),
            median_ms(
                lambda: [connection.execute(q, (slug,)).fetchall() for slug in [next(picks)] for q in RAW_SHOW], runs
            ),
            "ms",
        )
    )
    rows.append(
        (
            "claim list --tag (50 rows)",
            median_ms(ours_op(lambda s: list_claims(s, tag="topic 7", limit=50)), runs),
            median_ms(lambda: connection.execute(RAW_LIST, ("topic-7",)).fetchall(), runs),
            "ms",
        )
    )
    words = SEARCH_WORDS
    rows.append(
        (
            "search (all kinds, 20 hits)",
            median_ms(ours_op(lambda s: backend(s).search(rng.choice(words), limit=20)), runs),
            median_ms(
                lambda: [connection.execute(q, (f'"{rng.choice(words)}"',)).fetchall() for q in RAW_SEARCH], runs
            ),
            "ms",
        )
    )
    # An existing claim's words, reworded: what `claim add` checks before writing.
    texts = [row[0] for row in sqlite3.connect(raw_db).execute("SELECT text FROM claims ORDER BY random() LIMIT 50")]
    phrases = itertools.cycle([" ".join(reversed(text.split())) for text in texts])

    def raw_candidates() -> list[tuple[int]]:
        """The full-text part of `similar`: the rarest word starts, then the claims that have them."""
        counts = [
            (
                connection.execute(
                    "SELECT coalesce(sum(doc), 0) FROM claims_fts_vocab WHERE term >= ? AND term < ?",
                    (start, start + "\U0010ffff"),
                ).fetchone()[0],
                start,
            )
            for start in word_starts(next(phrases))
        ]
        rarest = [start for count, start in sorted(counts) if count][:RAREST_WORDS]
        return connection.execute(
            "SELECT rowid FROM claims_fts WHERE claims_fts MATCH ? ORDER BY rank LIMIT 50", (any_words_query(rarest),)
        ).fetchall()

    rows.append(
        (
            "similar (vs its full-text candidate queries)",
            median_ms(ours_op(lambda s: similar_claims(s, next(phrases))), runs),
            median_ms(raw_candidates, runs),
            "ms",
        )
    )
    rows.append(
        (
            "claim report (markdown)",
            median_ms(ours_op(lambda s: render_claim(s, next(picks))), runs),
            median_ms(
                lambda: [connection.execute(q, (slug,)).fetchall() for slug in [next(picks)] for q in RAW_SHOW], runs
            ),
            "ms",
        )
    )
    connection.close()
    process = [sys.executable, "-m", "factcheck", "--db", str(ours_db), "claim", "show", slugs[0]]
    floor = [
        sys.executable,
        "-c",
        f"import sqlite3; c = sqlite3.connect({str(raw_db)!r}); "
        + "; ".join(f"c.execute({q!r}, ({slugs[0]!r},)).fetchall()" for q in RAW_SHOW),
    ]
    shown = median_ms(lambda: subprocess.run(process, capture_output=True, check=True), 7)
    rows.append(
        (
            "claim show, whole CLI process",
            shown,
            median_ms(lambda: subprocess.run(floor, capture_output=True, check=True), 7),
            "ms",
        )
    )
    rows.append(
        ("claim show, whole CLI process (vs importing sqlalchemy.orm, typer, rich)", shown, stack_floor(), "ms")
    )
    for path in (ours_db, raw_db):
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sqlite3; sqlite3.connect({str(path)!r}).execute('PRAGMA wal_checkpoint(TRUNCATE)')",
            ],
            check=True,
        )
    rows.append(("database size on disk", ours_db.stat().st_size / 1e6, raw_db.stat().st_size / 1e6, "MB"))
    return rows


@functools.lru_cache(maxsize=1)
def stack_floor() -> float:
    """A Python process that only imports the stack: the floor a CLI process cannot go below."""
    stack = [sys.executable, "-c", "import sqlalchemy.orm, typer, rich"]
    return median_ms(lambda: subprocess.run(stack, capture_output=True, check=True), 7)


def process_floor() -> list[tuple[str, float, float, str]]:
    help_ = [sys.executable, "-m", "factcheck", "--help"]
    return [
        (
            "factcheck --help (vs importing sqlalchemy.orm, typer, rich)",
            median_ms(lambda: subprocess.run(help_, capture_output=True, check=True), 7),
            stack_floor(),
            "ms",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=30, help="repetitions of each timed operation (median)")
    parser.add_argument("-o", "--output", type=Path, help="also write the table, as markdown, to this file")
    args = parser.parse_args()
    lines = [
        f"Machine: {platform.machine()}, {platform.processor() or 'unknown CPU'}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cores; median of {args.runs} runs (7 for processes).",
        "",
        "| size | operation | factcheck | raw sqlite3 | ratio |",
        "|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)

    def show(size_label: str, rows: list[tuple[str, float, float, str]]) -> None:
        for name, ours, raw, unit in rows:
            line = f"| {size_label} | {name} | {ours:,.1f} {unit} | {raw:,.1f} {unit} | {ours / raw:.2f}x |"
            lines.append(line)
            print(line, flush=True)

    show("-", process_floor())
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            show(f"{size:,}", bench_size(size, Path(folder), args.runs))
    if args.output:
        args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
