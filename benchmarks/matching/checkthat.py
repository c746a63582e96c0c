"""Claim matching on public data: CLEF CheckThat! 2020 task 2 (English tweets against Snopes claims).

    python benchmarks/matching/checkthat.py DATA_DIR [--split train|dev] [--json] [--verbose] [--db URL]

DATA_DIR is the lab's release (github.com/sshaar/clef2020-factchecking-task2, version 3.0):
`verified_claims.docs.tsv` (vclaim_id, vclaim, title) and `train/`, `dev/` with
`tweets.queries.tsv` and `tweet-vclaim-pairs.qrels`.

The verified claims are written as a ClaimReview feed (claimReviewed = the claim, headline = the
fact-check's title, one review URL per verified claim) and loaded by `factcheck import` into a
database kept in benchmarks/matching/.cache/ (rebuilt when the data, the model or the schema changes). The
split's tweets then go through `factcheck similar --file` as a user would run it, and the same
run measures two baselines over the same texts: BM25 (SQLite FTS5, porter) over the claim, and
over the claim and its headline; and the plain cosine of the same vectors (the stored claim
vectors, the raw tweet embedded by the same model).

Measures, as the lab defines them: MAP@1, MAP@5 (the official one), MRR (of the top 20) and
recall@5; and for factcheck's labels: how many tweets' top hit is labelled `duplicate` and how
many of those are wrong (the target is at most 1% of the tweets), and how many tweets get a
suggestion at the default --min-score. Tune on train, report dev; the lab's test split is kept
aside on purpose. With --db, the same runs on that database instead: a copy of the one built, for
example on PostgreSQL (`factcheck db copy benchmarks/matching/.cache/checkthat2020-....sqlite
postgresql://...`).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from factcheck import db  # noqa: E402
from factcheck import open as open_database  # noqa: E402
from factcheck.services import similar, vectors  # noqa: E402

REVIEW_URL = "https://checkthat2020.invalid/vclaims/{}"  # one per verified claim: how hits map back to vclaim ids
DEPTH = 20  # hits asked of `similar` per tweet (MRR is of these)


def require_data(parser: argparse.ArgumentParser, data: Path, split: str) -> None:
    """One line naming what is missing, rather than a traceback, when DATA_DIR is not the lab's release."""
    wanted = [
        data / "verified_claims.docs.tsv",
        data / split / "tweets.queries.tsv",
        data / split / "tweet-vclaim-pairs.qrels",
    ]
    missing = [str(path) for path in wanted if not path.is_file()]
    if missing:
        parser.error(f"{data} is not the lab's release (version 3.0): missing {', '.join(missing)}")


def read_tsv(path: Path) -> list[list[str]]:
    """The rows after the header. Quoted fields may span lines (a few claims do), hence csv."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    return rows[1:]


def read_split(data: Path, split: str) -> list[tuple[str, str, set[int]]]:
    """(tweet id, tweet, relevant vclaim ids) of a split."""
    relevant: dict[str, set[int]] = {}
    for line in (data / split / "tweet-vclaim-pairs.qrels").read_text(encoding="utf-8").splitlines():
        if line.strip():
            tweet, _zero, vclaim, _one = line.split()
            relevant.setdefault(tweet, set()).add(int(vclaim))
    return [(row[0], row[1], relevant.get(row[0], set())) for row in read_tsv(data / split / "tweets.queries.tsv")]


def feed(claims: list[list[str]]) -> list[dict[str, Any]]:
    """The verified claims as ClaimReview JSON-LD, as a fact-checker's feed would carry them."""
    return [
        {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": REVIEW_URL.format(vclaim_id),
            "claimReviewed": vclaim,
            "headline": title,
            "author": {"@type": "Organization", "name": "Snopes", "url": "https://www.snopes.com"},
            "reviewRating": {"@type": "Rating", "alternateName": "Unrated"},
            "itemReviewed": {"@type": "Claim"},
        }
        for vclaim_id, vclaim, title in claims
    ]


def factcheck(*arguments: str, stdin: str | None = None) -> str:
    """Run the command line as a user would, in this interpreter's environment."""
    done = subprocess.run(
        [sys.executable, "-m", "factcheck", *arguments], input=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"factcheck {' '.join(arguments[:3])} failed:\n{done.stderr}")
    return done.stdout


def build(data: Path, claims: list[list[str]]) -> Path:
    """The database of the verified claims, imported as a feed (made once per data and model)."""
    digest = hashlib.sha256((data / "verified_claims.docs.tsv").read_bytes()).hexdigest()[:12]
    path = HERE / ".cache" / f"checkthat2020-{digest}.sqlite"
    marker = path.with_suffix(".model")
    made_by = f"{vectors.model_name()} {db.SCHEMA_HEAD}"  # what its vectors embed changes with the schema
    if path.exists() and marker.exists() and marker.read_text() == made_by:
        db.upgrade(db.resolve_url(str(path)))  # a database kept from an older schema
        return path
    path.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        feed_path = Path(scratch) / "snopes.json"
        feed_path.write_text(json.dumps(feed(claims), ensure_ascii=False), encoding="utf-8")
        factcheck("--db", str(path), "init")
        started = time.perf_counter()
        factcheck("--db", str(path), "import", str(feed_path), "--format", "claimreview")
        print(f"imported {len(claims):,} fact-checks in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    marker.write_text(made_by)
    return path


def vclaims_of_claims(url: str) -> dict[str, set[int]]:
    """The vclaim ids of each claim's reviews, by claim slug (claims of one wording are one claim)."""
    from sqlalchemy import select

    from factcheck.models import Claim, Verdict

    found: dict[str, set[int]] = {}
    with open_database(url).read() as session:
        for slug, review_url in session.execute(select(Claim.slug, Verdict.review_url).join(Verdict)):
            found.setdefault(slug, set()).add(int(review_url.rsplit("/", 1)[1]))
    return found


def measures(rankings: list[list[set[int]]], relevant: list[set[int]]) -> dict[str, float]:
    """MAP@1, MAP@5, MRR and recall@5 of ranked hits (each a set of vclaim ids) against the qrels."""

    def average_precision(ranked: list[set[int]], wanted: set[int], depth: int) -> float:
        found, total = 0, 0.0
        for rank, ids in enumerate(ranked[:depth], start=1):
            if ids & wanted:
                found += 1
                total += found / rank
        return total / min(len(wanted), depth) if wanted else 0.0

    def reciprocal_rank(ranked: list[set[int]], wanted: set[int]) -> float:
        return next((1 / rank for rank, ids in enumerate(ranked, start=1) if ids & wanted), 0.0)

    pairs = list(zip(rankings, relevant, strict=True))
    return {
        "MAP@1": statistics.mean(average_precision(r, w, 1) for r, w in pairs),
        "MAP@5": statistics.mean(average_precision(r, w, 5) for r, w in pairs),
        "MRR": statistics.mean(reciprocal_rank(r[:DEPTH], w) for r, w in pairs),
        "recall@5": statistics.mean(bool(set().union(*r[:5]) & w) if r else 0.0 for r, w in pairs),
    }


def bm25_rankings(url: str, tweets: list[str], *, headlines: bool) -> list[list[set[int]]]:
    """BM25 (FTS5, porter) over each claim's text, and with `headlines` its reviews' headlines too:
    every word of the tweet OR-ed, as a plain baseline would."""
    from sqlalchemy import select

    from factcheck.models import Claim, Source, Verdict

    index = sqlite3.connect(":memory:")
    index.execute("CREATE VIRTUAL TABLE docs USING fts5(text, tokenize='porter unicode61 remove_diacritics 2')")
    owners: dict[int, set[int]] = {}
    with open_database(url).read() as session:
        texts: dict[int, list[str]] = {}
        rows = session.execute(
            select(Claim.id, Claim.text, Verdict.review_url, Source.title)
            .join(Verdict, Verdict.claim_id == Claim.id)
            .outerjoin(Source, Source.url == Verdict.review_url)
        )
        for claim_id, text, review_url, title in rows:
            texts.setdefault(claim_id, [text])
            if headlines and title:
                texts[claim_id].append(title)
            owners.setdefault(claim_id, set()).add(int(review_url.rsplit("/", 1)[1]))
    index.executemany("INSERT INTO docs(rowid, text) VALUES (?, ?)", [(i, " ".join(t)) for i, t in texts.items()])
    rankings = []
    for tweet in tweets:
        words = sorted({word.lower() for word in re.findall(r"\w+", tweet)})
        query = " OR ".join(f'"{word}"' for word in words)
        hits = index.execute(
            "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (query, DEPTH)
        ).fetchall()
        rankings.append([owners[row[0]] for row in hits])
    return rankings


def cosine_rankings(url: str, tweets: list[str]) -> list[list[set[int]]]:
    """The plain cosine of the stored claim vectors and the raw tweet's vector, every claim ranked."""
    import numpy as np
    from sqlalchemy import select

    from factcheck.models import ClaimVector, Verdict

    with open_database(url).read() as session:
        rows = session.execute(select(ClaimVector.claim_id, ClaimVector.vector)).all()
        owners: dict[int, set[int]] = {}
        for claim_id, review_url in session.execute(select(Verdict.claim_id, Verdict.review_url)):
            owners.setdefault(claim_id, set()).add(int(review_url.rsplit("/", 1)[1]))
    ids = [row[0] for row in rows]
    matrix = vectors.from_bytes([row[1] for row in rows])
    queries = vectors.embed(tweets)
    assert queries is not None, "the model is not installed"
    rankings = []
    for query in queries:
        best = np.argsort(-(matrix @ query))[:DEPTH]
        rankings.append([owners[ids[i]] for i in best])
    return rankings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="The lab's data directory (verified_claims.docs.tsv, train/, dev/).")
    parser.add_argument("--split", choices=("train", "dev"), default="dev")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    parser.add_argument("--verbose", action="store_true", help="Print each tweet whose top hit is wrong.")
    parser.add_argument("--db", help="Measure on this database, a copy of the one built, instead.")
    args = parser.parse_args()
    require_data(parser, args.data, args.split)
    claims = read_tsv(args.data / "verified_claims.docs.tsv")
    queries = read_split(args.data, args.split)
    path = build(args.data, claims)
    url = db.resolve_url(args.db or str(path))
    owners = vclaims_of_claims(url)
    tweets = [tweet for _id, tweet, _relevant in queries]
    relevant = [wanted for _id, _tweet, wanted in queries]

    with tempfile.TemporaryDirectory() as scratch:
        lines = Path(scratch) / "tweets.jsonl"
        lines.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in tweets), encoding="utf-8")
        started = time.perf_counter()
        output = factcheck("--db", url, "similar", "--file", str(lines), "--limit", str(DEPTH), "--min-score", "0")
        elapsed = time.perf_counter() - started
    answers = [json.loads(line)["hits"] for line in output.splitlines()]
    ours = [[owners[hit["slug"]] for hit in hits] for hits in answers]

    table: dict[str, dict[str, float]] = {"factcheck similar": measures(ours, relevant)}
    table["BM25, claim"] = measures(bm25_rankings(url, tweets, headlines=False), relevant)
    table["BM25, claim + headline"] = measures(bm25_rankings(url, tweets, headlines=True), relevant)
    table["cosine, same vectors"] = measures(cosine_rankings(url, tweets), relevant)

    duplicates = [hits[0] for hits in answers if hits and hits[0]["label"] == "duplicate"]
    wrong = sum(
        not (owners[hit["slug"]] & wanted)
        for hits, wanted in zip(answers, relevant, strict=True)
        if hits and (hit := hits[0])["label"] == "duplicate"
    )
    suggested = sum(bool(hits) and hits[0]["score"] >= similar.SUGGEST for hits in answers)
    labels = {
        "tweets": len(tweets),
        "top hit labelled duplicate": len(duplicates),
        "of which wrong": wrong,
        "wrong duplicates, share of tweets": round(wrong / len(tweets), 4),
        "tweets with a suggestion (score >= SUGGEST)": suggested,
        "seconds for `similar --file` (one process, model load included)": round(elapsed, 1),
    }
    if args.verbose:
        for (tweet_id, tweet, wanted), hits in zip(queries, answers, strict=True):
            if not hits or not owners[hits[0]["slug"]] & wanted:
                top = f"{hits[0]['score']:5} {hits[0]['label']:9} {hits[0]['text'][:80]}" if hits else "-"
                print(f"{tweet_id}: {tweet[:100]!r}\n    got {top}", file=sys.stderr)
    if args.json:
        print(json.dumps({"split": args.split, "rankings": table, "labels": labels}, indent=1))
        return
    print(f"CheckThat! 2020 task 2, {args.split} split: {len(tweets)} tweets, {len(claims):,} verified claims")
    print(f"{'ranking':28} {'MAP@1':>7} {'MAP@5':>7} {'MRR':>7} {'R@5':>7}")
    for name, figures in table.items():
        print(f"{name:28} " + " ".join(f"{figures[key]:7.3f}" for key in ("MAP@1", "MAP@5", "MRR", "recall@5")))
    for key, value in labels.items():
        print(f"{key:64} {value}")


if __name__ == "__main__":
    main()
