"""Time and peak memory of the commands that read a whole table: `verify`, `report --all`, `site`,
`claim list` (its table), `db check`.

Each command runs as its own process on a generated database (benchmarks/generate.py, bulk-loaded
the way benchmarks/run.py does); its peak RSS is the kernel's count for its largest process (GNU
time, or wait4), and the peak of its processes together (`site` starts a second one) is sampled.
The databases are built once and kept in the temp folder, so a second run starts at once.
`report --all` also gets its database work alone, in-process: the dossiers of every claim
gathered without rendering, per claim.

    python benchmarks/bulk_reads.py                  # 10k and 100k claims
    python benchmarks/bulk_reads.py --sizes 10000    # one size
    python benchmarks/bulk_reads.py --only site      # one command
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

CACHE = Path(tempfile.gettempdir()) / "factcheck-bulk-reads"
# Issue #17: peak RSS at 100k within 1.5x of 10k and under 300 MB; report --all under 1 ms of database work a claim.
MAX_GROWTH, MAX_RSS_MB, MAX_DB_MS_PER_CLAIM = 1.5, 300, 1.0
COMMANDS = ("verify", "report --all", "site", "claim list", "db check")  # --only chooses among them


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


def measured(command: list[str], exits: tuple[int, ...] = (0,)) -> tuple[float, float, float]:
    """Seconds, peak RSS (MB) of its largest process, and the peak of its processes' RSS together
    (MB, sampled every SAMPLE seconds from /proc: `site` starts a second process) of one run of
    `command` as a child process, which must end with one of `exits`. The largest's peak is the
    kernel's count, through GNU time when there is one: a child forked straight from this (large)
    process would count its pages too."""
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
    together, ended = [0], threading.Event()
    # GNU time's own few MB are not the command's
    sampler = threading.Thread(target=_sample_tree, args=(child.pid, together, timed, ended), daemon=True)
    sampler.start()
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    ended.set()  # before its id may be another process's
    sampler.join()
    assert child.stderr is not None
    if os.waitstatus_to_exitcode(status) not in exits:
        raise SystemExit(f"{' '.join(command)} failed: {child.stderr.read().decode()}")
    child.stderr.close()
    peak_kb = int(report.read_text().split()[-1]) if timed else usage.ru_maxrss  # KB on Linux
    report.unlink()
    return seconds, peak_kb / 1024, together[0] / 1024


SAMPLE = 0.2  # seconds between two readings of a command's processes' memory


def _sample_tree(pid: int, peak: list[int], descendants_only: bool, ended: threading.Event) -> None:
    """Keep in peak[0] the largest sum of the RSS (KB) of `pid` and its descendants (or its
    descendants only) seen, until `ended`. Pages shared by two processes (the libraries) count in
    each: the sum is an upper bound."""
    while not ended.is_set():
        processes = _tree(pid)[1:] if descendants_only else _tree(pid)
        peak[0] = max(peak[0], sum(_rss_kb(process) for process in processes))
        ended.wait(SAMPLE)


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants, from /proc (each thread's children)."""
    found, waiting = [], [pid]
    while waiting:
        process = waiting.pop()
        found.append(process)
        for task in Path(f"/proc/{process}/task").glob("*"):
            with suppress(OSError):  # ended meanwhile
                waiting += [int(child) for child in (task / "children").read_text().split()]
    return found


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(status.split("VmRSS:")[1].split()[0]) if "VmRSS:" in status else 0


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


def bench(size: int, only: list[str] | None = None) -> Iterator[tuple[str, float, float, float]]:
    """(command, seconds, peak RSS in MB of its largest process and of all together) of each
    command (or of those named in `only`) on the database of `size` claims."""
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
            if only and name.split(" (")[0] not in only:
                continue
            out.mkdir(exist_ok=True)
            yield (name, *measured(command, (0, 1) if name == "db check" else (0,)))  # 1: it found problems
            if name == "site":
                started = time.perf_counter()
                raw_site(path, out / "raw-site")
                yield (
                    "site's raw floor: sqlite3 reads, a page and its JSON a claim and a source",
                    time.perf_counter() - started,
                    0.0,
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
    parser.add_argument("--only", nargs="+", choices=COMMANDS, help="these commands only")
    args = parser.parse_args()
    print(f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; one run each.\n")
    print("| claims | command | time | peak RSS (its largest process) | its processes together (sampled) |")
    print("|---|---|---|---|---|")
    peaks: dict[str, list[float]] = {}
    for size in args.sizes:
        for name, seconds, rss, together in bench(size, args.only):
            if rss:  # a command of one process may peak between two samples: the kernel's count then
                peaks.setdefault(name, []).append(max(together, rss))
            peak = f"{rss:,.0f} MB" if rss else ""
            both = f"{together:,.0f} MB" if together else ""
            print(f"| {size:,} | {name} | {seconds:,.1f} s | {peak} | {both} |", flush=True)
        if not args.only or "report --all" in args.only:
            cpu, wall = report_db_ms_per_claim(database(size))
            mark = "" if cpu < MAX_DB_MS_PER_CLAIM else f" (target {MAX_DB_MS_PER_CLAIM} ms)"
            work = f"{cpu:.3f} ms{mark}; {wall:.3f} ms"
            print(f"| {size:,} | report --all, database work a claim (CPU; wall) | {work} | | |")
    if len(args.sizes) > 1:
        target = f"target at most {MAX_GROWTH}x, under {MAX_RSS_MB} MB"
        print(f"\nPeak RSS together, largest size against smallest ({target}):")
        for name, sizes in peaks.items():
            print(f"- {name}: {sizes[-1] / sizes[0]:.2f}x, {sizes[-1]:,.0f} MB")


if __name__ == "__main__":
    main()
