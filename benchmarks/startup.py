"""How long `factcheck` takes as a whole process, against Python's own floor.

Every command runs as a fresh process on a seeded database; the commands take turns (one run of
each per round), so a busy machine slows them all alike; the table gives medians. Compiled
bytecode is cached (in a temporary folder, whatever PYTHONDONTWRITEBYTECODE says), as it is for
an installed package, so no side pays for compiling its sources on every run.

    python benchmarks/startup.py             # 30 rounds
    python benchmarks/startup.py --runs 100
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = "import sqlalchemy.orm, typer, rich"
TARGET = 1.3  # issue #17: `claim show` at most 1.3x the baseline


def rows(db: Path) -> list[tuple[str, list[str]]]:
    script = Path(sys.executable).with_name("factcheck")  # the installed command, as a user runs it
    factcheck = [str(script)] if script.exists() else [sys.executable, "-m", "factcheck"]
    on_db = [*factcheck, "--db", str(db)]
    return [
        ("factcheck --help", [*factcheck, "--help"]),
        ("claim show", [*on_db, "claim", "show", "west-deceived-russia-five-waves"]),
        ("claim list --limit 5", [*on_db, "claim", "list", "--limit", "5"]),
        ("search", [*on_db, "search", "enlargement"]),
        (f'python -c "{BASELINE}"', [sys.executable, "-c", BASELINE]),
        ('python -c "import typer"', [sys.executable, "-c", "import typer"]),  # the floor of any --help
        ('python -c "pass"', [sys.executable, "-c", "pass"]),
    ]


def timed(command: list[str], env: dict[str, str]) -> float:
    """Seconds for one run; a failing command stops the benchmark rather than timing an error."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="rounds of every command (default 30)")
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "bytecode")
        db = Path(folder) / "seeded.db"
        timed([sys.executable, "-m", "factcheck", "--db", str(db), "init", "--seed"], env)
        commands = rows(db)
        for _label, command in commands:  # compile the bytecode, warm the file cache
            timed(command, env)
        times: dict[str, list[float]] = {label: [] for label, _ in commands}
        for _ in range(runs):
            for label, command in commands:
                times[label].append(timed(command, env))
    medians = {label: statistics.median(seconds) * 1000 for label, seconds in times.items()}
    baseline = medians[f'python -c "{BASELINE}"']
    print(f"{runs} interleaved runs each, median wall time of the whole process\n")
    width = max(map(len, medians))
    print(f"| {'command':<{width}} | {'ms':>7} | {'x baseline':>10} |")
    print(f"|{'-' * (width + 2)}|{'-' * 9}|{'-' * 12}|")
    for label, ms in medians.items():
        print(f"| {label:<{width}} | {ms:7.1f} | {ms / baseline:10.2f} |")
    ratio = medians["claim show"] / baseline
    help_ms = medians["factcheck --help"]
    print(f"\nclaim show / baseline = {ratio:.2f} (target <= {TARGET}); --help {help_ms:.0f} ms (target < 100)")


if __name__ == "__main__":
    main()
