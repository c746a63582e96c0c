"""How long `factcheck` takes as a whole process, against Python's own floor.

Every command runs as a fresh process on a seeded database; the commands take turns (one run of
each per round), so a busy machine slows them all alike; the table gives medians of the wall time
and of the CPU time (user + system), which a busy machine inflates much less. Compiled
bytecode is cached (in a temporary folder, whatever PYTHONDONTWRITEBYTECODE says), as it is for
an installed package, so no side pays for compiling its sources on every run.

    python benchmarks/startup.py             # 30 rounds
    python benchmarks/startup.py --runs 100
"""

from __future__ import annotations

import argparse
import os
import resource
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


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds for one run; a failing command stops the benchmark rather than timing
    an error."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


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
        times: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in commands}
        for _ in range(runs):
            for label, command in commands:
                times[label].append(timed(command, env))
    wall = {label: statistics.median(w for w, _ in runs_) * 1000 for label, runs_ in times.items()}
    cpu = {label: statistics.median(c for _, c in runs_) * 1000 for label, runs_ in times.items()}
    base = f'python -c "{BASELINE}"'
    print(f"{runs} interleaved runs each; medians of the whole process's wall and CPU time\n")
    width = max(map(len, wall))
    print(f"| {'command':<{width}} | wall ms | x baseline | CPU ms | x baseline |")
    print(f"|{'-' * (width + 2)}|---------|------------|--------|------------|")
    for label in wall:
        print(
            f"| {label:<{width}} | {wall[label]:7.1f} | {wall[label] / wall[base]:10.2f} "
            f"| {cpu[label]:6.1f} | {cpu[label] / cpu[base]:10.2f} |"
        )
    print(
        f"\nclaim show / baseline = {wall['claim show'] / wall[base]:.2f} wall, "
        f"{cpu['claim show'] / cpu[base]:.2f} CPU (target <= {TARGET}); "
        f"--help {wall['factcheck --help']:.0f} ms wall, {cpu['factcheck --help']:.0f} ms CPU (target < 100)"
    )


if __name__ == "__main__":
    main()
