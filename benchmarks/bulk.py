"""Time and peak memory of the bulk paths that move whole tables: `import` and `export` (every
format), and `claim list` with no limit, beside a raw floor doing the same reading or writing.

Each command runs as its own process; its peak RSS is the kernel's count for that one child
(wait4, see bulk_reads.measured). The databases are those of bulk_reads.py (built once, kept in
the temp folder). The raw floors: for import, the same dataset file parsed and its rows inserted
with sqlite3 executemany into a database made by the same migrations (benchmarks/run.py's
load_raw); for export, every row of the exported tables read with sqlite3 and written as JSON
lines. Runs of factcheck and of its floor alternate.

    python benchmarks/bulk.py                  # 10k and 100k claims
    python benchmarks/bulk.py --sizes 1000000  # on demand
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bulk_reads import CACHE, MAX_GROWTH, MAX_RSS_MB, database, measured  # noqa: E402

FACTCHECK = [sys.executable, "-m", "factcheck"]
RAW_EXPORT = """
import json, sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for table in ("actors", "sources", "claims", "claim_tags", "claim_appearances", "evidence", "verdicts",
                  "claim_links", "events", "event_sources"):
        cursor = connection.execute(f"SELECT * FROM {table} ORDER BY rowid")
        names = [column[0] for column in cursor.description]
        for row in cursor:
            out.write(json.dumps(dict(zip(names, row)), ensure_ascii=False) + "\\n")
"""
RAW_IMPORT = """
import json, sys
sys.path[:0] = [sys.argv[3], sys.argv[4]]
from run import load_raw
from factcheck import db
from pathlib import Path
db.upgrade(db.resolve_url(sys.argv[2]))
load_raw(Path(sys.argv[2]), json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
"""


def dataset_file(size: int) -> Path:
    """The generated dataset of `size` claims as a JSON file (the same one bulk_reads loads)."""
    path = CACHE / f"claims-{size}.json"
    if not path.exists():
        from generate import generate

        CACHE.mkdir(exist_ok=True)
        path.write_text(json.dumps(generate(size)), encoding="utf-8")
    return path


def bench(size: int, work: Path) -> list[tuple[str, float, float, float | None, float | None]]:
    """(operation, seconds, peak MB, raw seconds, raw peak MB) at one size."""
    path, source = database(size), dataset_file(size)
    rows = []

    def fresh(name: str) -> Path:
        target = work / name
        for old in work.glob(f"{name}*"):
            old.unlink()
        return target

    def run_import(file: Path, *options: str) -> tuple[float, float]:
        target = fresh("imported.db")
        measured([*FACTCHECK, "--db", str(target), "init"])
        return measured([*FACTCHECK, "--db", str(target), "import", str(file), *options])

    def raw_import() -> tuple[float, float]:
        target = fresh("raw.db")
        here = Path(__file__).parent
        return measured([sys.executable, "-c", RAW_IMPORT, str(source), str(target), str(here), str(here.parent)])

    raw_export = [sys.executable, "-c", RAW_EXPORT, str(path), str(work / "raw.jsonl")]
    yaml_file = work / "export.yaml"
    for label, ours, floor in (
        ("import (JSON), --no-index", lambda: run_import(source, "--no-index"), raw_import),
        ("import (JSON), with vectors", lambda: run_import(source), None),
        ("export --format json", lambda: measured(_export(path, "json", work / "export.json")), None),
        ("export --format yaml", lambda: measured(_export(path, "yaml", yaml_file)), None),
        ("export --format claimreview", lambda: measured(_export(path, "claimreview", work / "cr.json")), None),
        ("export --format csv", lambda: measured(_export(path, "csv", work / "csv")), None),
        (
            "claim list --json (no limit)",
            lambda: measured([*FACTCHECK, "--db", str(path), "claim", "list", "--json"]),
            None,
        ),
        ("import (YAML, the export above), --no-index", lambda: run_import(yaml_file, "--no-index"), None),
    ):
        seconds, peak = ours()
        raw = floor() if floor else (measured(raw_export) if label.startswith("export --format json") else None)
        rows.append((label, seconds, peak, raw[0] if raw else None, raw[1] if raw else None))
        print(f"  {size:>9,}  {label:<32} {seconds:8.2f} s {peak:8.0f} MB", file=sys.stderr, flush=True)
    return rows


def _export(path: Path, format: str, output: Path) -> list[str]:
    return [*FACTCHECK, "--db", str(path), "export", "--format", format, "-o", str(output), "--force"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            results[size] = bench(size, Path(folder))
    print("| operation | " + " | ".join(f"{size:,}: time, peak RSS (raw floor)" for size in args.sizes) + " |")
    print("|---|" + "---|" * len(args.sizes))
    for number, (label, *_rest) in enumerate(results[args.sizes[0]]):
        cells = []
        for size in args.sizes:
            _label, seconds, peak, raw_seconds, raw_peak = results[size][number]
            floor = f" ({raw_seconds:.1f} s, {raw_peak:.0f} MB)" if raw_seconds is not None else ""
            cells.append(f"{seconds:.1f} s, {peak:.0f} MB{floor}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    if len(args.sizes) > 1:
        small, large = args.sizes[0], args.sizes[-1]
        print(f"\nPeak RSS at {large:,} over {small:,} (target: at most {MAX_GROWTH}x and under {MAX_RSS_MB} MB):")
        for number, (label, *_rest) in enumerate(results[small]):
            grown = results[large][number][2] / results[small][number][2]
            print(f"- {label}: {grown:.2f}x, {results[large][number][2]:.0f} MB")


if __name__ == "__main__":
    main()
