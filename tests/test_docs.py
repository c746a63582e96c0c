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
    # and what it wrote is in the history, by its author, though it asked for nothing of the kind
    written = [r for r in Run(tmp_path / "factcheck.db").json("history")["revisions"] if r["by"] == "my-script"]
    assert sorted(r["entity"] for r in written) == ["evidence", "sources"]


# --- the CLI reference is generated, and every option is documented -----------------------------

DOCS = README.parent / "docs"


def _generator():  # type: ignore[no-untyped-def]
    import importlib.util

    if not (DOCS / "generate.py").exists():
        pytest.skip("not a source checkout")
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_cli_reference_is_current() -> None:
    generator = _generator()
    written = (DOCS / "cli.md").read_text(encoding="utf-8") if (DOCS / "cli.md").exists() else ""
    assert written == generator.render(), f"docs/cli.md is stale: run `{generator.COMMAND}` and commit it"


def test_every_option_has_help_and_is_documented(readme: str) -> None:
    reference = (DOCS / "cli.md").read_text(encoding="utf-8")
    undocumented = []
    commands = list(_generator().commands())
    assert len(commands) > 30  # every command and subcommand, not only the top
    for path, command in commands:
        name = " ".join(["factcheck", *path])
        for parameter in command.params:
            if parameter.param_type_name == "option":
                if not (parameter.help or "").strip():
                    undocumented.append(f"{name} {parameter.opts[0]}: no help text")
                for flag in parameter.opts:
                    if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", readme + reference):
                        undocumented.append(f"{name} {flag}: in neither README.md nor docs/cli.md")
            elif parameter.param_type_name == "argument" and not (getattr(parameter, "help", "") or "").strip():
                undocumented.append(f"{name} {parameter.name}: argument without help text")
    assert not undocumented, "\n".join(undocumented)
