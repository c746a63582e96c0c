"""The web view's speed: a claim page's latency at a generated size, and a bounded load test of
concurrent readers on loopback against the real `factcheck serve`, run from this (second) process.

    python benchmarks/web.py                          # 10,000 claims, 50 readers, 10,000 requests
    python benchmarks/web.py --claims 100000          # the issue's size (a few minutes to load)
    python benchmarks/web.py --db big.db              # reuse a database loaded earlier (--keep)
    python benchmarks/web.py --db big.db --browse 20  # /claims with filters and facets, and its CSV

Prints the claim page's median and 95th-percentile latency over HTTP (one reader), then
requests per second, errors, and the server's resident memory before and after the load."""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from generate import generate  # noqa: E402

import factcheck  # noqa: E402
from factcheck import db  # noqa: E402
from factcheck.interchange.dataset import SECTIONS, add_records, load_records  # noqa: E402


def load(path: Path, claims: int) -> None:
    url = db.resolve_url(str(path))
    db.upgrade(url)
    started = time.perf_counter()
    dataset = generate(claims)
    with factcheck.open(url, by="benchmark").write() as session:
        load_records(session, add_records({section: [] for section in SECTIONS}, dataset, "generated"))
    print(f"loaded {claims:,} claims in {time.perf_counter() - started:.0f} s", flush=True)


def slugs(path: Path) -> dict[str, list[str]]:
    import sqlite3

    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            table: [row[0] for row in connection.execute(f"SELECT slug FROM {table}")]  # noqa: S608 - fixed names
            for table in ("claims", "sources", "actors")
        }
    finally:
        connection.close()


def start_server(path: Path, workers: int) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "factcheck", "--db", str(path), "serve", "--port", "0", "--workers", str(workers)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    line = process.stdout.readline() if process.stdout else ""
    found = re.search(r"127\.0\.0\.1:(\d+)/", line)
    if not found:
        process.kill()
        sys.exit(f"serve did not start: {line!r}")
    port = int(found.group(1))
    deadline = time.monotonic() + 60
    while True:
        try:
            get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/static/style.css")
            return process, port
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def get(connection: http.client.HTTPConnection, path: str) -> int:
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response.status


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its worker processes, in MB."""
    total = 0
    for process in [pid, *_children(pid)]:
        for line in Path(f"/proc/{process}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in map(int, children):
            found += [child, *_children(child)]
    return found


def latency(port: int, paths: list[str]) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for path in paths:
        started = time.perf_counter()
        status = get(connection, path)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            sys.exit(f"{path}: HTTP {status}")
    connection.close()
    return times


def load_test(port: int, paths: list[str], readers: int, requests: int, seconds: float) -> dict[str, float]:
    """`readers` threads, each with its own keep-alive connection, share a budget of `requests`
    GETs and stop at `seconds` whatever is left."""
    lock = threading.Lock()
    budget = {"left": requests, "done": 0, "errors": 0}
    problems: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    rng = random.Random(11)
    chosen = [rng.choice(paths) for _ in range(requests)]

    def reader() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if budget["left"] == 0:
                    break
                budget["left"] -= 1
                path = chosen[budget["left"]]
            try:
                status = get(connection, path)
                problem = None if status == 200 else f"HTTP {status}"
            except (OSError, http.client.HTTPException) as error:
                problem = type(error).__name__
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                budget["done"] += 1
                if problem:
                    budget["errors"] += 1
                    problems[problem] = problems.get(problem, 0) + 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=reader) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if problems:
        print(f"errors: {problems}", flush=True)
    return {"requests": budget["done"], "errors": budget["errors"], "seconds": elapsed}


def peak_mb(pid: int) -> float:
    """The highest resident memory any one of the server's processes has reached, in MB."""
    peaks = []
    for process in [pid, *_children(pid)]:
        for line in Path(f"/proc/{process}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def raw_browse(path: Path, tag: str, year: str, size: int = 50) -> None:
    """The raw floor of a /claims page with two filters: sqlite3 running hand-written SQL for the
    same page (its claims with their tags, evidence counts and newest ratings) and the six facets."""
    import sqlite3

    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    tagged = """c.id IN (SELECT ct.claim_id FROM claim_tags ct JOIN tags t ON t.id = ct.tag_id
        WHERE t.slug = :tag)"""
    dated = """(substr(c.stated_on, 1, 4) = :year OR EXISTS (SELECT 1 FROM verdicts v WHERE v.claim_id = c.id
        AND substr(v.reviewed_on, 1, 4) = :year))"""
    chosen = f"SELECT c.id FROM claims c WHERE {tagged} AND {dated}"
    # A facet is counted without its own filter, as factcheck counts it.
    by_year, by_tag = f"SELECT c.id FROM claims c WHERE {dated}", f"SELECT c.id FROM claims c WHERE {tagged}"
    parameters = {"tag": tag, "year": year}
    ids = [row[0] for row in connection.execute(
        f"SELECT id FROM claims WHERE id IN ({chosen}) AND stated_on IS NOT NULL ORDER BY stated_on, id LIMIT {size}",
        parameters,
    )]  # fmt: skip
    marks = ",".join("?" * len(ids))
    connection.execute(
        f"SELECT c.*, a.name FROM claims c LEFT JOIN actors a ON a.id = c.claimant_id WHERE c.id IN ({marks})", ids
    ).fetchall()
    connection.execute(
        f"SELECT ct.claim_id, t.slug FROM claim_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.claim_id IN ({marks})",
        ids,
    ).fetchall()
    connection.execute(
        f"SELECT claim_id, stance, count(*) FROM evidence WHERE claim_id IN ({marks}) GROUP BY 1, 2", ids
    ).fetchall()
    connection.execute(
        f"SELECT claim_id, rating FROM verdicts WHERE id IN (SELECT max(id) FROM verdicts WHERE claim_id IN ({marks}) GROUP BY claim_id)",  # noqa: E501
        ids,
    ).fetchall()
    facets = [
        f"SELECT t.slug, count(*) n FROM claim_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.claim_id IN ({by_year}) GROUP BY 1 ORDER BY n DESC LIMIT 10",  # noqa: E501
        f"SELECT (SELECT rating FROM verdicts v WHERE v.claim_id = c.id ORDER BY id DESC LIMIT 1) r, count(*) n FROM claims c WHERE c.id IN ({chosen}) GROUP BY 1 ORDER BY n DESC LIMIT 10",  # noqa: E501
        f"SELECT a.slug, count(DISTINCT v.claim_id) n FROM verdicts v JOIN actors a ON a.id = v.reviewer_id WHERE v.claim_id IN ({chosen}) GROUP BY 1 ORDER BY n DESC LIMIT 10",  # noqa: E501
        f"SELECT a.slug, count(*) n FROM claims c JOIN actors a ON a.id = c.claimant_id WHERE c.id IN ({chosen}) GROUP BY 1 ORDER BY n DESC LIMIT 10",  # noqa: E501
        f"SELECT language, count(*) n FROM claims WHERE id IN ({chosen}) AND language IS NOT NULL GROUP BY 1 ORDER BY n DESC LIMIT 10",  # noqa: E501
        f"SELECT y, count(*) n FROM (SELECT id, substr(stated_on, 1, 4) y FROM claims WHERE id IN ({by_tag}) AND stated_on IS NOT NULL UNION SELECT claim_id, substr(reviewed_on, 1, 4) FROM verdicts WHERE claim_id IN ({by_tag}) AND reviewed_on IS NOT NULL) GROUP BY 1 ORDER BY n DESC LIMIT 10",  # noqa: E501
    ]  # fmt: skip
    for facet in facets:
        connection.execute(facet, parameters).fetchall()
    connection.close()


def browse(path: Path, runs: int) -> None:
    """/claims at this database: a page with two filters and its facets (the first page, and the
    twentieth by its cursor, or the last when there are fewer), as one reader sees it over
    loopback, against the raw floor in the same run, interleaved; then /claims.csv of every claim,
    with the server's peak memory."""
    import json
    import sqlite3

    from factcheck.services import browse as browsing

    with factcheck.open(str(path)).read() as session:
        counted = browsing.facets(session, browsing.read_filters([]))
    tag, year = counted["tag"][0]["value"], counted["year"][0]["value"]
    query = f"/claims?tag={tag}&year={year}"
    process, port = start_server(path, 1)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        url: str | None = query.replace("/claims?", "/claims.json?")
        deep: list[str] = []
        while url and len(deep) < 20:  # the cursors of the first 20 pages (fewer when the list ends)
            connection.request("GET", url)
            page = json.loads(connection.getresponse().read())
            deep.append(url.replace(".json", ""))
            url = page["next"]
        first: list[float] = []
        twentieth: list[float] = []
        raw: list[float] = []
        for _run in range(runs):
            for times, path_ in ((first, deep[0]), (twentieth, deep[-1])):
                started = time.perf_counter()
                get(connection, path_)
                times.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            raw_browse(path, tag, year)
            raw.append((time.perf_counter() - started) * 1000)
        claims = sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute("SELECT count(*) FROM claims").fetchone()[0]
        print(f"/claims at {claims:,} claims, tag and year filters with their facets, median of {runs}:")
        print("| page | factcheck (HTTP, one reader) | raw sqlite3, the same queries |")
        print("|---|---|---|")
        print(f"| first | {statistics.median(first):.0f} ms | {statistics.median(raw):.0f} ms |")
        print(f"| page {len(deep)} (by cursor) | {statistics.median(twentieth):.0f} ms | |")
        started = time.perf_counter()
        connection.request("GET", "/claims.csv")
        answer = connection.getresponse()
        size = 0
        while chunk := answer.read(1 << 16):
            size += len(chunk)
        print(
            f"/claims.csv of every claim: {size / 1e6:.0f} MB in {time.perf_counter() - started:.1f} s; "
            f"server peak memory {peak_mb(process.pid):.0f} MB",
            flush=True,
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=10_000, help="generated size (default 10,000)")
    parser.add_argument("--db", type=Path, help="use this database (generated into it when it does not exist)")
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2, one per core)")
    parser.add_argument("--readers", type=int, default=50, help="concurrent readers (default 50)")
    parser.add_argument("--requests", type=int, default=10_000, help="requests in the load test (default 10,000)")
    parser.add_argument("--seconds", type=float, default=180, help="stop the load test after this (default 180)")
    parser.add_argument("--samples", type=int, default=200, help="claim pages timed one by one (default 200)")
    parser.add_argument("--browse", type=int, metavar="RUNS", help="time /claims and its download instead (RUNS each)")
    args = parser.parse_args()

    folder = tempfile.TemporaryDirectory(prefix="factcheck-web-")
    path = args.db or Path(folder.name) / "web.db"
    if not path.exists():
        load(path, args.claims)
    if args.browse:
        browse(path, args.browse)
        return
    names = slugs(path)
    rng = random.Random(5)
    claim_paths = [f"/claims/{rng.choice(names['claims'])}" for _ in range(args.samples)]
    process, port = start_server(path, args.workers)
    try:
        latency(port, claim_paths[:20])  # warm up: imports, caches, the first ClaimReview export
        times = latency(port, claim_paths)
        print(
            f"claim page over HTTP, {len(names['claims']):,} claims: median {statistics.median(times):.1f} ms, "
            f"p95 {statistics.quantiles(times, n=20)[18]:.1f} ms ({len(times)} pages, one reader)",
            flush=True,
        )
        mixed = (
            [f"/claims/{slug}" for slug in rng.sample(names["claims"], min(2000, len(names["claims"])))]
            + [f"/claims/{slug}.json" for slug in rng.sample(names["claims"], min(500, len(names["claims"])))]
            + [f"/sources/{slug}" for slug in rng.sample(names["sources"], min(300, len(names["sources"])))]
            + [f"/actors/{slug}" for slug in rng.sample(names["actors"], min(200, len(names["actors"])))]
        )
        # Two halves: the first warms every cache, so memory that still grows in the second is a leak.
        memory = [rss_mb(process.pid)]
        totals = {"requests": 0.0, "errors": 0.0, "seconds": 0.0}
        for _half in range(2):
            result = load_test(port, mixed, args.readers, args.requests // 2, args.seconds / 2)
            memory.append(rss_mb(process.pid))
            totals = {key: totals[key] + result[key] for key in totals}
        print(
            f"load test: {args.readers} readers, {totals['requests']:,.0f} requests in {totals['seconds']:.1f} s = "
            f"{totals['requests'] / totals['seconds']:.0f} requests/s, {totals['errors']:.0f} errors; server memory "
            f"(all {args.workers} processes) {memory[0]:.0f} MB before, {memory[1]:.0f} MB at half-way, "
            f"{memory[2]:.0f} MB after",
            flush=True,
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
        folder.cleanup()


if __name__ == "__main__":
    main()
