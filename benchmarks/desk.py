"""The desk's reads, `queue` and `desk stats`, against raw SQL doing the same work, at several sizes.

For each size: a generated dataset (benchmarks/generate.py) bulk-loaded by factcheck's loader
(without sentence vectors: the desk reads none), then a desk's work laid over it in one pass of
plain SQL: claims opened over a year, 20 desk members, statuses in the proportions of a busy desk
(45% new, 15% in-progress, 8% needs-review, 27% published, 5% not-checkable), two in three of the
claims in work assigned, and a publication for each published claim 0-30 days after it was opened.
Then, alternately, one run each in turn: factcheck's service in-process (a read session each, as
the CLI opens it) against sqlite3 running the SQL that gives the same figures on the same file.
With --postgres URL, the same database is copied there (`db copy`) and the services timed again.

    python benchmarks/desk.py                           # 10,000 and 100,000 claims
    python benchmarks/desk.py --sizes 100000 --postgres postgresql://root@127.0.0.1:5432/desk_bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from generate import generate  # noqa: E402

import factcheck  # noqa: E402
from factcheck import db, maintenance  # noqa: E402
from factcheck.interchange.dataset import SECTIONS, add_records, load_records  # noqa: E402
from factcheck.services import desk  # noqa: E402

STATUSES = (("new", 45), ("in-progress", 15), ("needs-review", 8), ("published", 27), ("not-checkable", 5))
MEMBERS = 20
OPEN = ("new", "in-progress", "needs-review")


def build(path: Path, size: int) -> None:
    url = db.resolve_url(str(path))
    db.upgrade(url)
    with factcheck.open(url, by="benchmark").write() as session:
        load_records(session, add_records({s: [] for s in SECTIONS}, generate(size), "generated"), index=False)
    rng = random.Random(3)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    connection = sqlite3.connect(path)
    with connection:
        first_member = connection.execute("SELECT max(id) FROM actors").fetchone()[0] + 1
        connection.executemany(
            "INSERT INTO actors (id, slug, name, kind, aliases, created_at, updated_at) "
            "VALUES (?, ?, ?, 'person', '[]', ?, ?)",
            [(first_member + i, f"member-{i}", f"Member {i}", start, start) for i in range(MEMBERS)],
        )
        names = [name for name, share in STATUSES for _ in range(share)]
        claims, publications = [], []
        for claim_id in range(1, size + 1):
            opened = start + dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
            status = rng.choice(names)
            assignee = first_member + rng.randrange(MEMBERS) if status in OPEN and rng.random() < 2 / 3 else None
            claims.append((_stamp(opened), status, assignee, claim_id))
            if status == "published":
                published = opened + dt.timedelta(minutes=rng.randrange(30 * 24 * 60))
                publications.append((claim_id, _stamp(published), '{"text": "as published"}'))
        connection.executemany("UPDATE claims SET created_at = ?, status = ?, assignee_id = ? WHERE id = ?", claims)
        connection.executemany(
            "INSERT INTO publications (claim_id, number, published_at, published_by, version) "
            "VALUES (?, 1, ?, 'benchmark', ?)",
            publications,
        )
    connection.execute("ANALYZE")
    connection.close()


def _stamp(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(sep=" ")  # as the ORM's DateTime writes it on SQLite


# --- the raw side: the same figures in plain SQL -------------------------------------------------

IN_WORK = "c.status IN (SELECT name FROM desk_statuses WHERE open)"
MEMBER_3 = "c.assignee_id = (SELECT id FROM actors WHERE slug = 'member-3')"
RAW_QUEUE = (
    "SELECT c.id, c.slug, c.text, c.status, a.slug, c.created_at FROM claims c "
    "LEFT JOIN actors a ON a.id = c.assignee_id WHERE {where} ORDER BY c.created_at, c.id LIMIT 50"
)
RAW_TOTAL = "SELECT count(*) FROM claims c WHERE {where}"
RAW_EVIDENCE = "SELECT claim_id, count(*) FROM evidence WHERE claim_id IN ({ids}) GROUP BY claim_id"
RAW_RATINGS = (
    "SELECT claim_id, rating FROM verdicts WHERE id IN "
    "(SELECT max(id) FROM verdicts WHERE claim_id IN ({ids}) GROUP BY claim_id)"
)
RAW_OPENED = "SELECT count(*) FROM claims WHERE created_at >= ?"
RAW_PUBLISHED = (
    "SELECT julianday(p.at) - julianday(c.created_at) FROM claims c JOIN (SELECT claim_id, "
    "min(published_at) AS at FROM publications GROUP BY claim_id) p ON p.claim_id = c.id WHERE p.at >= ?"
)
RAW_BACKLOG = (
    "SELECT status, count(*) FROM claims GROUP BY status",
    "SELECT assignee_id, count(*) FROM claims c WHERE " + IN_WORK + " GROUP BY assignee_id",
)


def raw_queue(connection: sqlite3.Connection, where: str) -> list[Any]:
    rows = connection.execute(RAW_QUEUE.format(where=where)).fetchall()
    ids = ",".join(str(row[0]) for row in rows)
    return [
        rows,
        connection.execute(RAW_TOTAL.format(where=where)).fetchone(),
        connection.execute(RAW_EVIDENCE.format(ids=ids)).fetchall(),
        connection.execute(RAW_RATINGS.format(ids=ids)).fetchall(),
    ]


def raw_stats(connection: sqlite3.Connection, since: str) -> list[Any]:
    opened = connection.execute(RAW_OPENED, (since,)).fetchone()
    days = [days for (days,) in connection.execute(RAW_PUBLISHED, (since,))]
    return [opened, statistics.median(days), *(connection.execute(query).fetchall() for query in RAW_BACKLOG)]


def paired(ours: Callable[[], object], raw: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median milliseconds of each side, run alternately (which goes first alternates too)."""
    times: tuple[list[float], list[float]] = ([], [])
    for run in range(runs):
        for side in (0, 1) if run % 2 == 0 else (1, 0):
            begin = time.perf_counter()
            (ours, raw)[side]()
            times[side].append(time.perf_counter() - begin)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


def timed(url: str, work: Callable[[Any], object]) -> Callable[[], object]:
    database = factcheck.open(url)

    def run() -> object:
        with database.read() as session:
            return work(session)

    return run


# Each operation: factcheck's service, and the raw SQL's work on a sqlite3 connection.
WORK: dict[str, tuple[Callable[[Any], object], Callable[[sqlite3.Connection], object]]] = {
    "queue (every open status)": (lambda s: desk.queue(s), lambda c: raw_queue(c, IN_WORK)),
    "queue --status needs-review --assignee member-3": (
        lambda s: desk.queue(s, status="needs-review", assignee="member-3"),
        lambda c: raw_queue(c, "c.status = 'needs-review' AND " + MEMBER_3),
    ),
    "queue --unassigned": (
        lambda s: desk.queue(s, unassigned=True),
        lambda c: raw_queue(c, IN_WORK + " AND c.assignee_id IS NULL"),
    ),
    "desk stats": (lambda s: desk.desk_stats(s), lambda c: raw_stats(c, "")),
    "desk stats --since 2026-07": (
        lambda s: desk.desk_stats(s, since=desk.since_date("2026-07")),
        lambda c: raw_stats(c, "2026-07-01"),
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose database this may fill (its rows are replaced)")
    parser.add_argument("--keep", type=Path, help="build the databases in this folder, and reuse them")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="factcheck-desk-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'operation':58} {'claims':>8} {'factcheck ms':>13} {'raw ms':>8} {'ratio':>6}", end="")
    print(f" {'PostgreSQL ms':>14} {'PG/SQLite':>9}" if args.postgres else "")
    for size in args.sizes:
        path = folder / f"desk-{size}.db"
        if not path.exists():
            build(path, size)
        url = db.resolve_url(str(path))
        if args.postgres:
            db.upgrade(args.postgres)
            maintenance.copy(url, args.postgres, replace=True)
        connection = sqlite3.connect(path)
        for name, (work, raw_work) in WORK.items():
            floor_work = lambda raw_work=raw_work, connection=connection: raw_work(connection)  # noqa: E731
            ours, floor = paired(timed(url, work), floor_work, args.runs)
            line = f"{name:58} {size:>8,} {ours:>13.1f} {floor:>8.1f} {ours / floor:>6.1f}"
            if args.postgres:
                server, local = paired(timed(args.postgres, work), timed(url, work), args.runs)
                line += f" {server:>14.1f} {server / local:>9.2f}"
            print(line, flush=True)
        connection.close()


if __name__ == "__main__":
    main()
