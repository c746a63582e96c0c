"""A faster start (issue #17): `factcheck --help` imports no command module and no SQLAlchemy, and a
command imports its own module only. Checked by what a fresh process has imported, not by time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
import typer

from factcheck.limits import MAX_ID

# Runs the CLI in a fresh interpreter, then writes the names of the modules it imported.
RUN_AND_LIST_MODULES = """
import json, sys
from factcheck.cli import app
try:
    app(sys.argv[2:], prog_name="factcheck")
except SystemExit:
    pass
with open(sys.argv[1], "w") as listing:
    json.dump(sorted(sys.modules), listing)
"""

COMMAND_MODULES = {
    "factcheck.cli." + module
    for module in ("actors", "claims", "database", "dedupe", "evidence", "history")
    + ("interchange", "reports", "scan", "search", "sources", "web", "desk")
}


def imported_by(tmp_path: Path, *args: str) -> tuple[set[str], str]:
    """The modules a fresh `factcheck ARGS` process imports, and what it printed."""
    listing = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, str(listing), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(listing.read_text())), done.stdout + done.stderr


def test_the_module_list_names_every_command_module() -> None:
    import factcheck.cli
    from factcheck.cli import COMMANDS

    shipped = {f"factcheck.cli.{path.stem}" for path in Path(factcheck.cli.__file__).parent.glob("*.py")}
    assert {f"factcheck.cli.{module}" for module, _attribute, _line in COMMANDS.values()} == COMMAND_MODULES
    assert shipped >= COMMAND_MODULES


def test_help_lists_every_command_without_importing_any(tmp_path: Path) -> None:
    from factcheck.cli import COMMANDS

    modules, shown = imported_by(tmp_path, "--help")
    assert not modules & COMMAND_MODULES
    assert not {"sqlalchemy", "pydantic", "rich.console", "factcheck.models"} & modules
    rows = shown.split("Commands:")[1].splitlines()
    assert [row.split()[0] for row in rows if row.startswith("  ") and row[2] != " "] == list(COMMANDS)


@pytest.mark.parametrize(
    ("args", "own_module"),
    [
        (("claim", "show", "no-promise"), "claims"),
        (("claim", "list", "--limit", "5"), "claims"),
        (("search", "enlargement"), "search"),
        (("history", "--limit", "1"), "history"),
    ],
)
def test_a_command_imports_its_own_module_only(tmp_path: Path, cli, args: tuple[str, ...], own_module: str) -> None:  # type: ignore[no-untyped-def]
    cli.ok("claim", "add", "NATO made no promise against its enlargement", "--slug", "no-promise")
    modules, shown = imported_by(tmp_path, "--db", str(cli.path), *args)
    assert modules & COMMAND_MODULES == {f"factcheck.cli.{own_module}"}, shown
    assert "pydantic" not in modules  # Typer's parameter adapters: the parameters are converted plainly


def test_listed_help_lines_are_the_commands_own() -> None:
    """`--help` shows COMMANDS' lines without loading the commands: they must be what each
    command's help begins with."""
    from factcheck.cli import COMMANDS, load_command

    for name, (_module, _attribute, line) in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        assert line.split() == (command.help or "").split("\n\n")[0].split(), name


def test_parameters_are_read_as_typers_own_conversion_reads_them(tmp_path: Path) -> None:
    """The plain conversion against Typer's pydantic one, value by value: same result, same error."""
    from typer.main import get_command

    from factcheck.cli.params import plain

    app = typer.Typer()

    @app.command()
    def values(
        whole: Annotated[int, typer.Option(min=1, max=MAX_ID)] = 1,
        score: Annotated[float | None, typer.Option(min=0, max=100)] = None,
        words: Annotated[list[str] | None, typer.Option("--word")] = None,
        text: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
        flag: Annotated[bool, typer.Option("--flag")] = False,
    ) -> object:
        return whole, score, words, text, flag

    def outcome(command: typer.core.TyperCommand, args: list[str]) -> object:
        try:
            return command.main(args, standalone_mode=False)
        except typer.BadParameter as error:
            return error.format_message()

    (tmp_path / "a file").write_text("x")
    numbers = ["5", " 7 ", "5.0", "5.5", "1_000", "1e2", "0x10", "٣", "", "-1", "0", str(MAX_ID + 1), "nan", "inf"]
    cases = [["--whole", n] for n in numbers] + [["--score", n] for n in numbers]
    cases += [["--word", "a", "--word", "b"], ["--flag"], []]
    cases += [["--text", str(tmp_path / name)] for name in ("a file", "missing", ".")]
    for args in cases:
        assert outcome(plain(get_command(app)), args) == outcome(get_command(app), args), args  # type: ignore[arg-type]
