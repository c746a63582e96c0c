"""What a new user gets: the installed wheel creates a database, and --help stays light."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_help_does_not_import_sqlalchemy() -> None:
    probe = (
        "import sys\n"
        "from factcheck.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'sqlalchemy', 'alembic', 'yaml'}))"
    )
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "claim" in output.stdout or "init" in output.stdout
    assert output.stdout.strip().splitlines()[-1] == "[]"


def test_built_wheel_carries_migrations_and_creates_a_database(tmp_path: Path) -> None:
    if not (ROOT / "pyproject.toml").exists():
        pytest.skip("not a source checkout")
    pytest.importorskip("hatchling")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("factcheck-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "factcheck/_migrations/env.py" in names
    assert "factcheck/py.typed" in names  # type checkers read the installed package's hints
    assert any(name.startswith("factcheck/_migrations/versions/0001") for name in names)
    assert {f"factcheck/interchange/ratings/{n}.yaml" for n in ("false", "true", "grammar")} <= set(names)

    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    folder = tmp_path / "empty"
    folder.mkdir()
    env = {"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import factcheck.db as d; print(d.migrations_dir());"
            "from factcheck.cli import main; import sys; sys.argv=['factcheck','init']; main()",
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith(str(installed))
    assert "Created" in result.stdout
    assert (folder / "factcheck.db").exists()
