"""The README stays true: its Python example runs, and it documents every command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.main import get_command

from factcheck.cli import app
from tests.conftest import Run

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture
def readme() -> str:
    if not README.exists():
        pytest.skip("not a source checkout")
    return README.read_text(encoding="utf-8")


def _commands() -> list[str]:
    names = []
    root = get_command(app)
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        names += [f"{name} {sub}" for sub in subcommands] if subcommands else [name]
    return names


def test_every_command_is_documented(readme: str) -> None:
    commands = _commands()
    assert "claim show" in commands and "init" in commands
    for name in commands:
        group, _, sub = name.partition(" ")
        pattern = rf"factcheck {group}\b.*\b{sub}\b" if sub else rf"factcheck {group}\b"
        assert re.search(pattern, readme), f"README does not document `factcheck {name}`"


def test_python_example_runs(readme: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Run(tmp_path / "factcheck.db").ok("init", "--seed")
    (example,) = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    exec(compile(example, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    expected = re.search(r"# (\{.*\})", example).group(1)  # type: ignore[union-attr]
    assert printed.strip() == expected
