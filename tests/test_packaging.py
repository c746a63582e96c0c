"""What a new user gets: the installed wheel creates a database, and --help stays light."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Iterator
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
    assert {f"factcheck/interchange/claimreview/ratings/{n}.yaml" for n in ("false", "true", "grammar")} <= set(names)

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


# --- the layers of docs/architecture.md, kept by a test ------------------------------------------

PACKAGE = ROOT / "factcheck"
FOUNDATIONS = {
    "db",
    "inserts",
    "jsontext",
    "models",
    "errors",
    "limits",
    "dates",
    "controls",
    "resources",
    "search",
    "revisions",
    "columns",
    "publication_lock",
}
# Which parts of factcheck each layer must not import (lazy imports inside functions included).
FORBIDDEN = {
    "foundations": {"cli", "web", "services", "interchange", "reports"},
    "services": {"cli", "web", "interchange", "reports"},
    "interchange": {"cli", "web", "reports"},
    "reports": {"cli", "web", "interchange"},
    "cli": set(),  # the top: it may import any layer, but holds no SQL (below)
    "web": {"cli"},
}


def _layer(module: list[str]) -> str | None:
    if module[0] in FORBIDDEN:  # a layer's package (its __init__ too) or a module in it
        return module[0]
    return "foundations" if len(module) == 1 and module[0] in FOUNDATIONS else None


def _imports(path: Path, module: list[str]) -> Iterator[tuple[str, bool]]:
    """(imported factcheck module, inside `if TYPE_CHECKING:`) for every import in the file."""
    import ast

    package = module if path.name == "__init__.py" else module[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module.split(".") if node.module else []
            if node.level:
                base = ["factcheck", *package[: len(package) - node.level + 1], *base]
            names = [".".join(base)] if node.module else [".".join([*base, alias.name]) for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            yield name, id(node) in typing_only


def _import_graph() -> dict[str, set[str]]:
    """Each module of the package → the package's modules it imports (lazy and typing-only too)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if module[-1] == "__init__":
            module = module[:-1]
        graph[".".join(["factcheck", *module])] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if module[-1] == "__init__":
            module = module[:-1]
        name = ".".join(["factcheck", *module])
        for imported, _typing_only in _imports(path, module):
            while imported and imported not in graph:  # `from .x import name`: the module x
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                graph[name].add(imported)
    return graph


def test_no_import_cycle_in_the_package() -> None:
    """No module imports one that imports it back, however indirectly and however late: a cycle is
    two modules that cannot be understood (or changed) one without the other."""
    graph = _import_graph()
    cycles, done, path = [], set(), []  # depth-first, with the modules on the current path

    def visit(module: str) -> None:
        if module in path:
            cycles.append(" -> ".join([*path[path.index(module) :], module]))
            return
        if module in done:
            return
        path.append(module)
        for imported in sorted(graph[module]):
            visit(imported)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)
    assert not cycles, "\n".join(cycles)
    assert len(graph) > 50 and sum(map(len, graph.values())) > 200  # the walk saw the package


def test_imports_follow_the_layers() -> None:
    broken = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if module[-1] == "__init__":
            module = module[:-1]
        layer = _layer(module) if module else None
        for name, typing_only in _imports(path, module):
            inner = name.split(".")[1:] if name.startswith("factcheck.") else []
            if layer and inner and any(".".join(inner).startswith(part) for part in FORBIDDEN[layer]):
                broken.append(f"{path.relative_to(ROOT)} ({layer}) imports {name}")
            # The CLI holds no SQL: SQLAlchemy only for type hints.
            if layer == "cli" and name.split(".")[0] == "sqlalchemy" and not typing_only:
                broken.append(f"{path.relative_to(ROOT)} imports {name} outside TYPE_CHECKING")
    assert not broken, "\n".join(broken)


MAX_MODULE_LINES = 500
# Modules still over the limit while they are being split: the lead empties this set.
OVER_LIMIT_UNTIL_SPLIT: set[str] = set()  # none left


def test_no_module_of_the_package_is_over_500_lines() -> None:
    sizes = {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    over = [f"{name}: {lines} lines" for name, lines in sizes.items() if lines > MAX_MODULE_LINES]
    over = [line for line in over if line.split(":")[0] not in OVER_LIMIT_UNTIL_SPLIT]
    assert not over, f"split these modules (at most {MAX_MODULE_LINES} lines each): " + "; ".join(over)
    split = sorted(name for name in OVER_LIMIT_UNTIL_SPLIT if sizes.get(name, 0) <= MAX_MODULE_LINES)
    assert not split, f"no longer over {MAX_MODULE_LINES} lines (or gone): remove from OVER_LIMIT_UNTIL_SPLIT: {split}"
