"""factcheck against raw sqlite3, at several sizes, in one table.

For each size: generate a dataset (benchmarks/generate.py), bulk-load it with `factcheck import`'s
loader and, into a second database made by the same migrations, insert the same rows with raw
sqlite3 executemany. Then time the everyday operations both ways: factcheck's service (in-process)
and the SQL that does the same work through sqlite3, with the best indexes the schema has and the
same inputs (the same claims, words and tags on both sides), the two sides run alternately, one run
each in turn, so that a busy machine slows both alike. Ratios are factcheck / raw sqlite3.

    python benchmarks/run.py                 # 10k and 100k claims (a few minutes on 2 cores)
    python benchmarks/run.py --sizes 1000000 # on demand: about 3 million evidence rows
    python benchmarks/run.py --sizes 1000000 --keep DIR  # build once in DIR, time again later
"""

from __future__ import annotations

import argparse
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from generate import SEARCH_WORDS, generate  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import factcheck  # noqa: E402
from factcheck import db  # noqa: E402
from factcheck.interchange.dataset import SECTIONS, add_records, load_records  # noqa: E402
from factcheck.models import Claim  # noqa: E402
from factcheck.reports import render_claim  # noqa: E402
from factcheck.search import QUERY_WORDS, any_words_query, backend, query_words, rarest  # noqa: E402
from factcheck.services import suggestions  # noqa: E402
from factcheck.services.claim_lists import list_claims  # noqa: E402
from factcheck.services.claims import show_claim  # noqa: E402
from factcheck.services.common import get  # noqa: E402
from factcheck.services.history import list_history  # noqa: E402
from factcheck.services.similar import similar_claims  # noqa: E402

PROCESS_RUNS = 14  # runs of each side where a whole process is started


def load_factcheck(path: Path, dataset: dict) -> float:  # type: ignore[type-arg]
    url = db.resolve_url(str(path))
    db.upgrade(url)
    start = time.perf_counter()
    with factcheck.open(url, by="benchmark").write() as session:
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

        # Revisions as factcheck records them: each row's columns (a source's without its text), and
        # the claim (a link's two) and source it belongs to.
        def columns(names: str, row: tuple) -> dict:  # type: ignore[type-arg]
            return dict(zip(names.split(), row, strict=False))

        recorded = {
            "actors": [(i, None, None, None, a) for a, i in zip(dataset["actors"], actors.values(), strict=True)],
            "sources": [
                (i, None, None, i, {k: v for k, v in s.items() if k != "text"})
                for s, i in zip(dataset["sources"], sources.values(), strict=True)
            ],
            "tags": [(i, None, None, None, {"slug": name.replace(" ", "-"), "name": name}) for name, i in tags.items()],
            "claims": [(i, i, None, None, c) for c, i in zip(dataset["claims"], claims.values(), strict=True)],
            "evidence": [
                (i + 1, e[0], None, e[1], columns("claim_id source_id stance quote speaker_id quote_status", e))
                for i, e in enumerate(evidence)
            ],
            "verdicts": [
                (i + 1, v[0], None, None, columns("claim_id rating rationale", v)) for i, v in enumerate(verdicts)
            ],
            "claim_links": [
                (i + 1, k[0], k[1], None, columns("from_claim_id to_claim_id relation", k)) for i, k in enumerate(links)
            ],
        }
        for entity, rows in recorded.items():
            revisions += [
                (entity, i, "insert", json.dumps(row, ensure_ascii=False), now, "benchmark", claim, linked, source)
                for i, claim, linked, source, row in rows
            ]
        connection.executemany(
            "INSERT INTO revisions (entity, entity_id, action, changes, at, by, claim_id, linked_claim_id, source_id)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            revisions,
        )
    connection.close()
    return time.perf_counter() - start


# What `claim show` reads, by the indexes the schema has: the claim by slug, then everything by its id.
RAW_SHOW = [
    "SELECT c.*, a.*, s.id, s.slug, s.title, s.publisher, s.published_on FROM claims c"
    " LEFT JOIN actors a ON a.id = c.claimant_id LEFT JOIN sources s ON s.id = c.stated_in_id WHERE c.id = :id",
    "SELECT t.* FROM claim_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.claim_id = :id",
    "SELECT s.id, s.slug, s.title FROM claim_appearances ca JOIN sources s ON s.id = ca.source_id WHERE ca.claim_id = :id",
    "SELECT e.*, s.id, s.slug, s.title, s.publisher, s.published_on, r.slug, a.name FROM evidence e"
    " JOIN sources s ON s.id = e.source_id LEFT JOIN sources r ON r.id = s.republishes_id"
    " LEFT JOIN actors a ON a.id = e.speaker_id WHERE e.claim_id = :id",
    "SELECT v.*, a.name FROM verdicts v LEFT JOIN actors a ON a.id = v.reviewer_id WHERE v.claim_id = :id",
    # Links either way (two index lookups), with the other claim, its claimant and its evidence counts.
    "SELECT l.*, o.slug, o.text, a.name, (SELECT count(*) FROM evidence e WHERE e.claim_id = o.id)"
    " FROM claim_links l JOIN claims o ON o.id = l.to_claim_id LEFT JOIN actors a ON a.id = o.claimant_id"
    " WHERE l.from_claim_id = :id UNION ALL"
    " SELECT l.*, o.slug, o.text, a.name, (SELECT count(*) FROM evidence e WHERE e.claim_id = o.id)"
    " FROM claim_links l JOIN claims o ON o.id = l.from_claim_id LEFT JOIN actors a ON a.id = o.claimant_id"
    " WHERE l.to_claim_id = :id",
    "SELECT * FROM revisions WHERE entity = 'claims' AND entity_id = :id ORDER BY id DESC LIMIT 1",
]
# `claim list --tag T --limit 50`: claims in date order with the tag (walking the date index), with
# their claimant, tags, evidence counts and newest verdict.
RAW_LIST = (
    "SELECT c.id, c.slug, c.text, c.stated_on, a.name,"
    " (SELECT group_concat(t.slug) FROM claim_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.claim_id = c.id),"
    " (SELECT count(*) FROM evidence e WHERE e.claim_id = c.id AND e.stance = 'supports'),"
    " (SELECT count(*) FROM evidence e WHERE e.claim_id = c.id AND e.stance = 'refutes'),"
    " (SELECT count(*) FROM evidence e WHERE e.claim_id = c.id),"
    " (SELECT v.rating FROM verdicts v WHERE v.claim_id = c.id ORDER BY v.id DESC LIMIT 1)"
    " FROM claims c LEFT JOIN actors a ON a.id = c.claimant_id"
    " WHERE c.stated_on IS NOT NULL"
    " AND EXISTS (SELECT 1 FROM claim_tags ct WHERE ct.claim_id = c.id AND ct.tag_id = (SELECT id FROM tags WHERE slug = ?))"
    " ORDER BY c.stated_on, c.id LIMIT 50"
)
# The 20 best hits of each kind, ranked by FTS5 with the same weights, snippets for those only.
RAW_SEARCH = [
    "SELECT c.id, c.slug, c.text, snippet(claims_fts, -1, '[', ']', '…', 16), claims_fts.rank"
    " FROM claims_fts JOIN claims c ON c.id = claims_fts.rowid"
    " WHERE claims_fts MATCH ? AND claims_fts.rank MATCH 'bm25(10.0, 4.0)' ORDER BY claims_fts.rank LIMIT 20",
    "SELECT s.id, s.slug, s.title, snippet(sources_fts, -1, '[', ']', '…', 16), sources_fts.rank"
    " FROM sources_fts JOIN sources s ON s.id = sources_fts.rowid"
    " WHERE sources_fts MATCH ? AND sources_fts.rank MATCH 'bm25(10.0, 4.0, 1.0)' ORDER BY sources_fts.rank LIMIT 20",
    "SELECT e.id, c.slug, e.quote, snippet(evidence_fts, 0, '[', ']', '…', 16), evidence_fts.rank"
    " FROM evidence_fts JOIN evidence e ON e.id = evidence_fts.rowid JOIN claims c ON c.id = e.claim_id"
    " WHERE evidence_fts MATCH ? ORDER BY evidence_fts.rank LIMIT 20",
]
RAW_HISTORY = "SELECT * FROM revisions WHERE claim_id = :id OR linked_claim_id = :id ORDER BY id DESC LIMIT 100"


def paired(
    ours: Callable[[Any], object], raw: Callable[[Any], object], inputs: list[Any], runs: int
) -> tuple[float, float]:
    """Median milliseconds of each side, run alternately (which goes first alternates too), both
    on the same input each time."""
    times: tuple[list[float], list[float]] = ([], [])
    for run, item in zip(range(runs), itertools.cycle(inputs)):
        for side in (0, 1) if run % 2 == 0 else (1, 0):
            start = time.perf_counter()
            (ours, raw)[side](item)
            times[side].append(time.perf_counter() - start)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


def bench_size(size: int, folder: Path, runs: int) -> list[tuple[str, float, float, str]]:
    ours_db, raw_db = folder / f"factcheck-{size}.db", folder / f"raw-{size}.db"
    rows: list[tuple[str, float, float, str]] = []
    if not (ours_db.exists() and raw_db.exists()):  # else kept from an earlier run (--keep)
        for path in folder.glob(f"*-{size}.db*"):
            path.unlink()
        dataset = generate(size)
        evidence = sum(len(c["evidence"]) for c in dataset["claims"])
        ours = load_factcheck(ours_db, dataset)
        raw = load_raw(raw_db, dataset)
        rows.append(
            (f"bulk load ({size:,} claims, {evidence:,} evidence; one run each)", ours * 1000, raw * 1000, "ms")
        )
        del dataset

    url = db.resolve_url(str(ours_db))
    rng = random.Random(1)
    slugs = [f"claim-{rng.randrange(size)}" for _ in range(runs)]
    connection = sqlite3.connect(raw_db)

    def ours_op(work: Callable[[Session, Any], object]) -> Callable[[Any], object]:
        def run(item: Any) -> object:
            with factcheck.open(url).read() as session:
                return work(session, item)

        return run

    def claim_id(slug: str) -> int:
        return int(connection.execute("SELECT id FROM claims WHERE slug = ?", (slug,)).fetchone()[0])

    def raw_show(slug: str) -> list[list[Any]]:
        found = {"id": claim_id(slug)}
        return [connection.execute(query, found).fetchall() for query in RAW_SHOW]

    def measure(
        name: str, ours: Callable[[Session, Any], object], raw: Callable[[Any], object], inputs: list[Any]
    ) -> None:
        rows.append((name, *paired(ours_op(ours), raw, inputs, runs), "ms"))

    measure(
        "lookup by slug",
        lambda s, slug: get(s, Claim, slug),
        lambda slug: connection.execute("SELECT * FROM claims WHERE slug = ?", (slug,)).fetchall(),
        slugs,
    )
    measure("claim show, its dossier", show_claim, raw_show, slugs)
    # As the CLI and the web view run it: with the claims that may say the same (a similarity
    # search from the claim's stored vector). The raw side still reads the dossier only.
    measure(
        "claim show, as the CLI runs it (with suggestions)",
        suggestions.show_claim,
        raw_show,
        slugs,
    )
    measure(
        "history CLAIM (its revisions, evidence, verdicts, links)",
        lambda s, slug: list_history(s, slug),
        lambda slug: connection.execute(RAW_HISTORY, {"id": claim_id(slug)}).fetchall(),
        slugs,
    )
    tags = [f"topic {i}" for i in range(50)]
    measure(
        "claim list --tag (50 rows)",
        lambda s, tag: list(list_claims(s, tag=tag, limit=50)),
        lambda tag: connection.execute(RAW_LIST, (tag.replace(" ", "-"),)).fetchall(),
        tags,
    )

    def raw_search(word: str) -> list[Any]:
        hits = [row for query in RAW_SEARCH for row in connection.execute(query, (f'"{word}"',))]
        return sorted(hits, key=lambda hit: hit[-1])[:20]

    words = list(SEARCH_WORDS)
    frequency = statistics.median(
        connection.execute("SELECT count(*) FROM claims_fts WHERE claims_fts MATCH ?", (f'"{word}"',)).fetchone()[0]
        for word in words
    )
    measure(
        f"search, mid-frequency word (in {frequency / size:.1%} of claims; all kinds, 20 hits)",
        lambda s, word: backend(s).search(word, limit=20),
        raw_search,
        words,
    )
    # An existing claim's words, reworded: what `claim add` checks before writing.
    texts = [row[0] for row in connection.execute("SELECT text FROM claims ORDER BY random() LIMIT 50")]
    phrases = [" ".join(reversed(text.split())) for text in texts]

    def raw_candidates(phrase: str) -> list[tuple[int]]:
        """The full-text part of `similar`: the rarer words, counted by their stems, then the claims that have them."""
        import snowballstemmer

        stemmer = snowballstemmer.stemmer("porter")
        words = query_words(phrase)
        stems = {word: stemmer.stemWord(word) for word in words}
        counts = dict(
            connection.execute(
                "SELECT term, doc FROM claims_fts_vocab WHERE term IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(set(stems.values()))),),
            ).fetchall()
        )
        claims = connection.execute("SELECT coalesce(max(id), 0) FROM claims").fetchone()[0]
        found = rarest([(counts[stems[w]], w) for w in words if stems[w] in counts], claims)
        searched = (found + [w for w in words if stems[w] not in counts])[:QUERY_WORDS]
        return connection.execute(
            "SELECT c.id, c.slug, c.text, -hit.score FROM (SELECT rowid AS id, bm25(claims_fts, 10.0, 1.0, 10.0) AS score"
            " FROM claims_fts WHERE claims_fts MATCH ? ORDER BY score LIMIT 50) hit JOIN claims c ON c.id = hit.id"
            " ORDER BY hit.score, c.id",
            (any_words_query(searched),),  # the same choice of words as factcheck's
        ).fetchall()

    # Full text only, on both sides: raw sqlite3 has no sentence vectors to compare with, and a
    # database without them (one built by load_raw) would make `similar` embed every candidate.
    measure(
        "similar, full text (vs its candidate queries)",
        lambda s, phrase: similar_claims(s, phrase, semantic=False),
        raw_candidates,
        phrases,
    )
    measure("claim report (markdown)", render_claim, raw_show, slugs)
    connection.close()
    process = [sys.executable, "-m", "factcheck", "--db", str(ours_db), "claim", "show", slugs[0]]
    floor = [
        sys.executable,
        "-c",
        f"import sqlite3; c = sqlite3.connect({str(raw_db)!r}); "
        f"i = c.execute('SELECT id FROM claims WHERE slug = ?', ({slugs[0]!r},)).fetchone()[0]; "
        + "; ".join(f"c.execute({q!r}, {{'id': i}}).fetchall()" for q in RAW_SHOW),
    ]
    stack = [sys.executable, "-c", "import sqlalchemy.orm, typer, rich"]

    rows.append(("claim show, whole CLI process", *_alternate_processes(process, floor), "ms"))
    rows.append(
        (
            "claim show, whole CLI process (vs importing sqlalchemy.orm, typer, rich)",
            *_alternate_processes(process, stack),
            "ms",
        )
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


def _alternate_processes(ours: list[str], theirs: list[str], runs: int = PROCESS_RUNS) -> tuple[float, float]:
    """Median milliseconds of two commands, each started as a process, run alternately."""
    return paired(
        lambda _: subprocess.run(ours, capture_output=True, check=True),
        lambda _: subprocess.run(theirs, capture_output=True, check=True),
        [None],
        runs,
    )


def process_floor() -> list[tuple[str, float, float, str]]:
    help_ = [sys.executable, "-m", "factcheck", "--help"]
    stack = [sys.executable, "-c", "import sqlalchemy.orm, typer, rich"]
    return [("factcheck --help (vs importing sqlalchemy.orm, typer, rich)", *_alternate_processes(help_, stack), "ms")]


def _figure(value: float) -> str:
    return f"{value:,.2f}" if value < 10 else f"{value:,.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=30, help="repetitions of each timed operation (median)")
    parser.add_argument("-o", "--output", type=Path, help="also write the table, as markdown, to this file")
    parser.add_argument(
        "--keep", type=Path, help="build the databases in this folder and reuse them next time (no bulk load row then)"
    )
    args = parser.parse_args()
    lines = [
        f"Machine: {platform.machine()}, {platform.processor() or 'unknown CPU'}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cores; median of {args.runs} runs "
        f"({PROCESS_RUNS} for processes), factcheck and raw sqlite3 run alternately.",
        "",
        "| size | operation | factcheck | raw sqlite3 | ratio |",
        "|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)

    def show(size_label: str, rows: list[tuple[str, float, float, str]]) -> None:
        for name, ours, raw, unit in rows:
            line = f"| {size_label} | {name} | {_figure(ours)} {unit} | {_figure(raw)} {unit} | {ours / raw:.2f}x |"
            lines.append(line)
            print(line, flush=True)

    show("-", process_floor())
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        for size in args.sizes:
            show(f"{size:,}", bench_size(size, args.keep or Path(temporary), args.runs))
    if args.output:
        args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
