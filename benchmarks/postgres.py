"""factcheck on PostgreSQL beside SQLite: the main operations, bulk import against raw COPY, and
concurrent writers' throughput.

For each size: generate a dataset (benchmarks/generate.py) and bulk-load it with `factcheck
import --no-index`'s loader into a SQLite file and into a new PostgreSQL database (made by the
same migrations, dropped at the end; the load includes the VACUUM ANALYZE that import runs after
it). Raw COPY loads the same rows, revisions included, into a third, empty PostgreSQL database
(search triggers included; the history triggers off, since the revisions are copied as rows),
then runs the same VACUUM ANALYZE: the floor for bulk import. Then `index rebuild`
gives both their vectors (timed apart: COPY would only copy vectors, not compute them), and the
everyday operations are timed in-process on both, alternately. Writers are processes, each adding
claims with `claim add` through the services, on PostgreSQL.

    python benchmarks/postgres.py                       # 10k claims, server at FACTCHECK_TEST_POSTGRES
    python benchmarks/postgres.py --sizes 10000 100000  # 100k takes several minutes on 2 cores
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from generate import SEARCH_WORDS, generate  # noqa: E402

import factcheck  # noqa: E402
from factcheck import db  # noqa: E402
from factcheck.interchange.dataset import SECTIONS, add_records, load_records  # noqa: E402
from factcheck.models import Claim  # noqa: E402
from factcheck.search import FTS_TABLES, backend  # noqa: E402
from factcheck.services import browse  # noqa: E402
from factcheck.services.claim_lists import list_claims  # noqa: E402
from factcheck.services.claims import add_claim, show_claim  # noqa: E402
from factcheck.services.common import get  # noqa: E402
from factcheck.services.similar import similar_claims  # noqa: E402
from factcheck.services.vectors import rebuild  # noqa: E402

SERVER = os.environ.get("FACTCHECK_TEST_POSTGRES") or "postgresql://root@127.0.0.1/postgres"


def medians_ms(works: list[Callable[[], object]], runs: int) -> list[float]:
    """The median time of each work, run alternately (one run each in turn), so that a busy moment
    of the machine slows them alike."""
    times: list[list[float]] = [[] for _ in works]
    for _ in range(runs):
        for spent, work in zip(times, works, strict=True):
            start = time.perf_counter()
            work()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) * 1000 for spent in times]


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new PostgreSQL database on SERVER, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(SERVER)
    name = f"factcheck_bench_{secrets.token_hex(4)}"

    def admin() -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=server.host or "", port=server.port or 5432, user=server.username or "",
            password=server.password or "", dbname=server.database or "postgres", autocommit=True,
        )  # fmt: skip

    with admin() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load(url: str, dataset: dict[str, Any]) -> float:
    """`factcheck import --no-index` of the dataset: the load, then (on PostgreSQL) VACUUM ANALYZE."""
    db.upgrade(url)
    start = time.perf_counter()
    with factcheck.open(url, by="benchmark").write() as session:
        load_records(session, add_records({section: [] for section in SECTIONS}, dataset, "generated"), index=False)
    return time.perf_counter() - start


def index(url: str) -> float:
    """`factcheck index rebuild`: every claim's sentence vector."""
    start = time.perf_counter()
    with factcheck.open(url).write() as session:
        rebuild(session)
    return time.perf_counter() - start


def raw_copy(loaded: str, empty: str) -> float:
    """COPY the loaded database's rows, table by table, into an empty one at the same schema, then
    VACUUM ANALYZE as import does: the floor for a bulk import on this server."""
    import psycopg
    from sqlalchemy.engine import make_url

    from factcheck.models import Base

    db.upgrade(empty)

    def connect(url: str) -> psycopg.Connection[Any]:
        parsed = make_url(url)
        return psycopg.connect(host=parsed.host or "", user=parsed.username or "", dbname=parsed.database or "")

    tables = [table.name for table in Base.metadata.sorted_tables]
    folder = tempfile.mkdtemp()
    with connect(loaded) as source:  # the rows as COPY text files, outside the timing
        for table in tables:
            with open(f"{folder}/{table}", "wb") as out, source.cursor().copy(f'COPY "{table}" TO STDOUT') as copy:
                for chunk in copy:
                    out.write(chunk)
    with connect(empty) as target:  # the revisions come as rows: the server's history triggers are off
        for table, trigger in target.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname IN (c.relname || '_history', c.relname || '_history_inserts', 'revisions_db_user')"
        ).fetchall():
            target.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{trigger}"')
    start = time.perf_counter()
    with connect(empty) as target:
        for table in tables:
            with open(f"{folder}/{table}", "rb") as rows, target.cursor().copy(f'COPY "{table}" FROM STDIN') as copy:
                while chunk := rows.read(1 << 20):
                    copy.write(chunk)
        target.commit()
        # Then what import does after loading, so that both leave the database ready to search.
        target.autocommit = True
        target.execute("VACUUM (ANALYZE) " + ", ".join(f'"{table}"' for table in [*tables, *FTS_TABLES]))
    return time.perf_counter() - start


def writer(url: str, number: int, claims: int, ready: Any, times: Any) -> None:
    """Add `claims` claims one transaction each, timed from when every writer is ready."""
    rng, run = random.Random(number), secrets.token_hex(3)

    def add(n: int) -> None:
        with factcheck.open(url, by=f"writer-{number}").write() as session:
            words = " ".join(rng.choice(SEARCH_WORDS) for _ in range(8))
            add_claim(session, f"Writer {number} claim {n}: {words}", slug=f"w{number}-{run}-c{n}", force=True)

    add(-1)  # imports, engine and first connection, outside the timing
    ready.wait()
    start = time.perf_counter()
    for n in range(claims):
        add(n)
    times.put((start, time.perf_counter()))


def writers_per_second(url: str, writers: int, claims: int) -> float:
    context = multiprocessing.get_context("spawn")
    ready, times = context.Barrier(writers), context.Queue()
    processes = [context.Process(target=writer, args=(url, number, claims, ready, times)) for number in range(writers)]
    for process in processes:
        process.start()
    spans = [times.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
        if process.exitcode:
            raise SystemExit(f"a writer failed (exit {process.exitcode})")
    return writers * claims / (max(end for _start, end in spans) - min(start for start, _end in spans))


def bench(size: int, runs: int, folder: Path) -> list[tuple[str, str, str, str]]:
    dataset = generate(size)
    evidence = sum(len(claim["evidence"]) for claim in dataset["claims"])
    rows: list[tuple[str, str, str, str]] = []
    sqlite_url = db.resolve_url(str(folder / f"bench-{size}.db"))
    with scratch_database() as pg_url, scratch_database() as copy_url:
        on_sqlite, on_postgres = load(sqlite_url, dataset), load(pg_url, dataset)
        copied = raw_copy(pg_url, copy_url)
        rows.append(
            (
                f"bulk load, import --no-index ({size:,} claims, {evidence:,} evidence)",
                f"{on_sqlite * 1000:,.0f} ms",
                f"{on_postgres * 1000:,.0f} ms",
                f"raw COPY of the same rows + VACUUM ANALYZE: {copied * 1000:,.0f} ms ({on_postgres / copied:.2f}x)",
            )
        )
        on_sqlite, on_postgres = index(sqlite_url), index(pg_url)
        rows.append(
            (
                "index rebuild (a vector per claim)",
                f"{on_sqlite * 1000:,.0f} ms",
                f"{on_postgres * 1000:,.0f} ms",
                f"{size / on_postgres:,.0f} claims/s on PostgreSQL",
            )
        )
        del dataset
        rng = random.Random(1)
        picks = [f"claim-{rng.randrange(size)}" for _ in range(runs)]
        phrases = ["nato promised no eastward expansion", "russia troops border buildup"]
        browsed = [browse.read_filters([("tag", "topic 7"), ("year", "2015")])]
        # Each operation with its inputs, which both backends get in the same order.
        operations: list[tuple[str, Callable[[Any, Any], object], list[Any]]] = [
            ("lookup by slug", lambda s, slug: get(s, Claim, slug), picks),
            ("claim show", lambda s, slug: show_claim(s, slug), picks),
            ("claim list --tag (50 rows)", lambda s, _n: list_claims(s, tag="topic 7", limit=50), [0]),
            ("/claims?tag=&year= and facets", lambda s, f: (browse.page(s, f), browse.facets(s, f)), browsed),
            ("search (all kinds, 20 hits)", lambda s, word: backend(s).search(word, limit=20), SEARCH_WORDS),
            ("similar", lambda s, phrase: similar_claims(s, phrase), phrases),
        ]
        for name, work, inputs in operations:

            def runner(
                url: str, work: Callable[[Any, Any], object] = work, inputs: list[Any] = inputs
            ) -> Callable[[], object]:
                items = itertools.cycle(inputs)

                def run() -> object:
                    with factcheck.open(url).read() as session:
                        return work(session, next(items))

                run()  # warm the engine and the caches
                return run

            timed = medians_ms([runner(sqlite_url), runner(pg_url)], runs)
            rows.append((name, f"{timed[0]:.1f} ms", f"{timed[1]:.1f} ms", f"{timed[1] / timed[0]:.2f}x SQLite"))
    with scratch_database() as url:
        db.upgrade(url)
        rates = [f"{count}: {writers_per_second(url, count, 20):.0f}/s" for count in (1, 4, 8)]
        rows.append(("concurrent writers, claims per second", "-", ", ".join(rates), "20 claims each"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--runs", type=int, default=30, help="repetitions of each timed operation (median)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    options = parser.parse_args()
    table = []
    with tempfile.TemporaryDirectory() as folder:
        for size in options.sizes:
            table += [(f"{size:,}", *row) for row in bench(size, options.runs, Path(folder))]
    if options.json:
        print(json.dumps(table, indent=2))
        return
    print("| size | operation | SQLite | PostgreSQL | note |")
    print("|---|---|---|---|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
