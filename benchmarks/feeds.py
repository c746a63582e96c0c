"""Fact-checkers' files of any size: `factcheck import` of a generated ClaimsKG CSV and of a
generated ClaimReview list at several sizes, each as a fresh process, beside a raw floor doing the
least of the same work (reading every row or review with the csv module or ijson, nothing kept).
Prints the file's size, the time and the peak memory (max RSS) of each, interleaved.

    python benchmarks/feeds.py --sizes 10000 50000 120000

The files are generated (synthetic rows shaped as the claimskg-extractor's and as ClaimReview
JSON-LD lists: an article body in every CSV row, fifty reviewers, five hundred claimants); a file
over 20,000,000 bytes is a ClaimReview file factcheck reads item by item."""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAW_CSV = "import csv, sys; csv.field_size_limit(10**9); sum(1 for _ in csv.DictReader(open(sys.argv[1], newline='')))"
RAW_JSON = "import ijson, sys; sum(1 for _ in ijson.items(open(sys.argv[1], 'rb'), 'item'))"


def claimskg(path: Path, rows: int) -> None:
    rng = random.Random(2)
    columns = ["claimReview_claimReviewed", "rating_alternateName", "claimReview_author_name"]
    columns += ["claimReview_author_url", "claimReview_datePublished", "claimReview_url"]
    columns += ["creativeWork_author_name", "extra_title", "extra_body"]
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        for i in range(rows):
            site = f"https://checker{i % 50}.test"
            writer.writerow(
                [
                    f"Claim {i} said that {rng.randrange(10**9)} things happened.",
                    rng.choice(["False", "Misleading", "True", "Mostly false"]),
                    f"Checker {i % 50}",
                    site,
                    "2021-05-01",
                    f"{site}/review/{i}",
                    f"Person {i % 500}",
                    f"Headline {i}",
                    "A paragraph of the fact-check's article. " * 20,
                ]
            )


def claimreview(path: Path, reviews: int) -> None:
    rng = random.Random(1)
    items = (
        {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": f"https://checker{i % 50}.test/review/{i}",
            "claimReviewed": f"Claim {i} says that {rng.randrange(10**6)} happened in {1900 + i % 120}.",
            "author": {"@type": "Organization", "name": f"Checker {i % 50}", "url": f"https://checker{i % 50}.test"},
            "datePublished": "2022-03-01",
            "itemReviewed": {
                "@type": "Claim",
                "author": {"@type": "Person", "name": f"Person {i % 500}"},
                "appearance": {"@type": "CreativeWork", "url": f"https://news.test/{i}"},
            },
            "reviewRating": {"@type": "Rating", "alternateName": rng.choice(["False", "Misleading", "True"])},
        }
        for i in range(reviews)
    )
    with path.open("w") as file:
        file.write("[")
        for number, item in enumerate(items):
            file.write(("," if number else "") + json.dumps(item))
        file.write("]")


def run(command: list[str]) -> tuple[float, float]:
    """Seconds and peak megabytes (its own max RSS, from wait4) of a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    args = parser.parse_args()
    print(f"{'file':<12} {'rows':>8} {'MB':>6} {'import s':>9} {'import MB':>10} {'raw s':>7} {'raw MB':>7}")
    with tempfile.TemporaryDirectory() as folder:
        for size in sorted(args.sizes):
            for kind, make, raw, fmt in (
                ("claimskg", claimskg, RAW_CSV, "claimskg"),
                ("claimreview", claimreview, RAW_JSON, "claimreview"),
            ):
                data = Path(folder) / f"{kind}-{size}.{'csv' if kind == 'claimskg' else 'json'}"
                make(data, size)
                database = Path(folder) / f"{kind}-{size}.db"
                factcheck = [sys.executable, "-m", "factcheck", "--db", str(database)]
                subprocess.run([*factcheck, "init"], check=True, capture_output=True)
                raw_seconds, raw_peak = run([sys.executable, "-c", raw, str(data)])
                seconds, peak = run([*factcheck, "import", str(data), "--format", fmt, "--no-index"])
                megabytes = data.stat().st_size / 1e6
                print(
                    f"{kind:<12} {size:>8,} {megabytes:>6.0f} {seconds:>9.1f} {peak:>10.0f} {raw_seconds:>7.1f} "
                    f"{raw_peak:>7.0f}",
                    flush=True,
                )
                data.unlink()
                database.unlink()


if __name__ == "__main__":
    main()
