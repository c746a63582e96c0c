"""Time and peak memory of the commands that read a whole table: `verify`, `report --all`, `site`,
`claim list` (its table), `db check`.

Each command runs as its own process on a generated database (benchmarks/generate.py, bulk-loaded
the way benchmarks/run.py does); its peak RSS is the kernel's count for that one child (GNU time, or wait4).
The databases are built once and kept in the temp folder, so a second run starts at once.
`report --all` also gets its database work alone, in-process: the dossiers of every claim
gathered without rendering, per claim.

    python benchmarks/bulk_reads.py                  # 10k and 100k claims
    python benchmarks/bulk_reads.py --sizes 10000    # one size
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

CACHE = Path(tempfile.gettempdir()) / "factcheck-bulk-reads"
# Issue #17: peak RSS at 100k within 1.5x of 10k and under 300 MB; report --all under 1 ms of database work a claim.
MAX_GROWTH, MAX_RSS_MB, MAX_DB_MS_PER_CLAIM = 1.5, 300, 1.0


def database(size: int) -> Path:
    """The generated database of `size` claims (its sources have archived text), built on first
    use and upgraded to the newest schema."""
    from factcheck import db

    path = CACHE / f"claims-{size}.db"
    built = path.with_suffix(".built")  # written once the load is complete
    if not built.exists():
        from generate import generate
        from run import load_factcheck

        CACHE.mkdir(exist_ok=True)
        for old in CACHE.glob(f"{path.name}*"):
            old.unlink()
        print(f"building {size:,} claims in {path} ...", file=sys.stderr, flush=True)
        load_factcheck(path, generate(size))
        built.touch()
    db.upgrade(db.resolve_url(str(path)))
    return path


def measured(command: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one run of `command` as a child process. Through GNU time when
    there is one: a child forked straight from this (large) process would count its pages too."""
    gnu_time = shutil.which("time") or "/usr/bin/time"
    timed = Path(gnu_time).exists()
    handle, name = tempfile.mkstemp(prefix="peak-", dir=CACHE)  # one per run: runs may overlap
    os.close(handle)
    report = Path(name)
    start = time.perf_counter()
    child = subprocess.Popen(
        [gnu_time, "-f", "%M", "-o", str(report), *command] if timed else command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    assert child.stderr is not None
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # db check exits 1 when it finds problems
        raise SystemExit(f"{' '.join(command)} failed: {child.stderr.read().decode()}")
    child.stderr.close()
    peak_kb = int(report.read_text().split()[-1]) if timed else usage.ru_maxrss  # KB on Linux
    report.unlink()
    return seconds, peak_kb / 1024


def report_db_ms_per_claim(path: Path) -> tuple[float, float]:
    """Milliseconds a claim of gathering what `report --all` renders (dossiers and their diagrams),
    without rendering: CPU time of this process (SQLite runs in it), and wall time, which on a busy
    machine also counts waiting for a core."""
    import factcheck
    from factcheck.services.pages import claim_pages

    with factcheck.open(str(path)).read() as session:
        cpu, wall = time.process_time(), time.perf_counter()
        claims = sum(1 for _page in claim_pages(session))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu * 1000 / claims, wall * 1000 / claims


def bench(size: int) -> Iterator[tuple[str, float, float]]:
    """(command, seconds, peak RSS in MB) of each command on the database of `size` claims."""
    path = database(size)
    factcheck = [sys.executable, "-m", "factcheck", "--db", str(path)]
    out = CACHE / f"report-{size}"
    try:
        for name, command in (
            ("verify", [*factcheck, "verify", "--json"]),
            ("report --all", [*factcheck, "report", "--all", "--force", "-o", str(out)]),
            ("site", [*factcheck, "site", "--force", "-o", str(out / "site")]),
            ("claim list (the table, every claim)", [*factcheck, "claim", "list"]),
            ("db check", [*factcheck, "db", "check", "--json"]),
        ):
            yield (name, *measured(command))
            if name == "site":
                started = time.perf_counter()
                raw_site(path, out / "raw-site")
                yield (
                    "site's raw floor: sqlite3 reads, a page and its JSON a claim and a source",
                    time.perf_counter() - started,
                    0.0,
                )
    finally:
        shutil.rmtree(out, ignore_errors=True)


def raw_site(path: Path, folder: Path) -> None:
    """The least a static site of this database does, in-process: every claim with its evidence
    and verdicts, and every source with its archived text, read by sqlite3, each escaped into an
    HTML page and dumped as JSON beside it; no similarity search, history or pictures."""
    import html
    import json
    import sqlite3

    connection = sqlite3.connect(path)
    for kind in ("claims", "sources"):
        (folder / kind).mkdir(parents=True, exist_ok=True)
    claims = connection.execute("SELECT id, slug, text FROM claims ORDER BY id")
    for claim_id, slug, text in claims:
        evidence = connection.execute(
            "SELECT e.stance, e.quote, s.slug, s.title FROM evidence e JOIN sources s ON s.id = e.source_id"
            " WHERE e.claim_id = ? ORDER BY e.id",
            (claim_id,),
        ).fetchall()
        verdicts = connection.execute(
            "SELECT rating, rationale FROM verdicts WHERE claim_id = ?", (claim_id,)
        ).fetchall()
        rows = "".join(f"<li>{html.escape(str(cell))}</li>" for row in evidence + verdicts for cell in row)
        (folder / "claims" / f"{slug}.html").write_text(f"<h1>{html.escape(text)}</h1><ul>{rows}</ul>")
        (folder / "claims" / f"{slug}.json").write_text(json.dumps([text, evidence, verdicts]))
    for slug, title, text in connection.execute("SELECT slug, title, text FROM sources ORDER BY id"):
        (folder / "sources" / f"{slug}.html").write_text(
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text or '')}</p>"
        )
        (folder / "sources" / f"{slug}.json").write_text(json.dumps([title, text]))
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    print(f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; one run each.\n")
    print("| claims | command | time | peak RSS |")
    print("|---|---|---|---|")
    peaks: dict[str, list[float]] = {}
    for size in args.sizes:
        for name, seconds, rss in bench(size):
            if rss:
                peaks.setdefault(name, []).append(rss)
            peak = f"{rss:,.0f} MB" if rss else ""
            print(f"| {size:,} | {name} | {seconds:,.1f} s | {peak} |", flush=True)
        cpu, wall = report_db_ms_per_claim(database(size))
        mark = "" if cpu < MAX_DB_MS_PER_CLAIM else f" (target {MAX_DB_MS_PER_CLAIM} ms)"
        print(f"| {size:,} | report --all, database work a claim (CPU; wall) | {cpu:.3f} ms{mark}; {wall:.3f} ms | |")
    if len(args.sizes) > 1:
        print(f"\nPeak RSS, largest size against smallest (target at most {MAX_GROWTH}x, under {MAX_RSS_MB} MB):")
        for name, sizes in peaks.items():
            print(f"- {name}: {sizes[-1] / sizes[0]:.2f}x, {sizes[-1]:,.0f} MB")


if __name__ == "__main__":
    main()
