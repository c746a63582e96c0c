"""The `factcheck` command: a thin Typer layer over factcheck's services.

A command's module is imported only when that command runs (see COMMANDS), and command modules
import SQLAlchemy and the services inside their functions, so that `factcheck --help` stays
instant and each command loads only what it uses."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer._click.core import Command, Context  # the types TyperGroup's methods declare
from typer._click.formatting import HelpFormatter
from typer._click.utils import make_default_short_help
from typer.core import TyperGroup

from ..errors import FactcheckError
from .lazy import OnDemand, mounted
from .params import plain
from .state import AppState

ENV_DEBUG = "FACTCHECK_DEBUG"


class FactcheckGroup(TyperGroup):
    """The top-level command: its subcommands made on demand, and the one error handler: a user's
    error becomes one line on stderr and exit 1."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = OnDemand(COMMANDS, load_command)
        plain(self)

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The commands and their help lines, as Click lists them, from COMMANDS: no module imported."""
        limit = formatter.width - 6 - max(map(len, COMMANDS))
        with formatter.section("Commands"):
            formatter.write_dl([(name, make_default_short_help(line, limit)) for name, (*_, line) in COMMANDS.items()])

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except OSError as error:  # the top-level --help printed into a full disk or closed pipe
            from . import output

            if not output.output_failed(error):
                raise
            output.silence_stdout()
            typer.echo(f"Error: {output.output_failure()}", err=True)
            sys.exit(1)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        for arg in args:
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError:
                shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                _fail(f"argument '{shown}' is not valid UTF-8: give text in UTF-8")
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Context) -> Any:
        from . import output

        output.begin_command()
        try:
            result = super().invoke(ctx)
        except FactcheckError as error:
            _fail(_worded_for_the_cli(error))
        except typer.TyperException as error:
            # Usage errors quote the user's values: shown, never obeyed, by a terminal.
            error.message = output.visible(error.message)
            raise
        except (typer.Exit, typer.Abort):
            _fail_if_unwritten()
            raise  # Typer's own: --help, an exit code chosen by the command, Ctrl-C
        except Exception as error:
            # A user's error raised inside the database layer arrives wrapped (e.g. StatementError).
            if isinstance(getattr(error, "orig", None), FactcheckError):
                _fail(_worded_for_the_cli(error.orig))  # type: ignore[attr-defined]
            if isinstance(error, OSError) and output.output_failed(error):
                _fail_if_unwritten()  # e.g. --help printed into a full disk
            if os.environ.get(ENV_DEBUG):
                raise
            _fail(f"internal error: {type(error).__name__}: {error} (set {ENV_DEBUG}=1 for a traceback)")
        _fail_if_unwritten()
        return result


# How the command line offers each way through a refusal (errors.Remedy).
_REMEDIES = {
    "cascade": "pass --cascade",
    "force": "pass --force",
    "other_slug": "pass another --slug",
    "allow_unverified": "pass --allow-unverified",
    "date_order": "pass `factcheck --date-order dmy|mdy COMMAND ...`",
    "correction": 'pass --correction "what changed and why"',
}


def _worded_for_the_cli(error: FactcheckError) -> str:
    """The service's message, with the option that offers its remedy."""
    remedy = error.remedy.value if error.remedy is not None else None
    return f"{error} ({_REMEDIES[remedy]})" if remedy in _REMEDIES else str(error)


def _fail_if_unwritten() -> None:
    """The command's output could not be written: say so, and whether its change was saved."""
    from . import output

    problem = output.output_failure()
    if problem is not None:
        output.silence_stdout()
        _fail(problem)


def _fail(message: str) -> None:
    from .output import visible

    first_line = message.strip().splitlines()[0] if message.strip() else "failed"
    typer.echo(f"Error: {visible(first_line)}", err=True)
    raise typer.Exit(1)


app = typer.Typer(
    cls=FactcheckGroup,
    help="Track contested claims, their sources, the evidence for and against them, and verdicts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database file or SQLAlchemy URL [env FACTCHECK_DB; default: ./factcheck.db].",
            show_default=False,
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(help="Who makes this change, for the history [env FACTCHECK_USER; default: OS user]."),
    ] = None,
    date_order: Annotated[
        str | None,
        typer.Option(
            "--date-order",
            envvar="FACTCHECK_DATE_ORDER",
            help="Read numeric dates such as 03/04/2022 day-first (dmy) or month-first (mdy); "
            "without it, such dates are refused [env FACTCHECK_DATE_ORDER].",
            show_default=False,
        ),
    ] = None,
) -> None:
    from ..dates import date_order as reading_dates

    ctx.obj = AppState(db=db, by=by)
    # Every date parsed while the command runs (options, files, imports) follows this order.
    ctx.with_resource(reading_dates(date_order.strip().lower() if date_order else None))


# Every command and group: the module that defines it, its name there, and the first paragraph of
# its help, which `factcheck --help` lists without importing any command module (see FactcheckGroup;
# tests/test_startup.py checks these lines against the commands). In the order --help lists them.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("database", "init", "Create the database, or upgrade it to the newest schema."),
    "seed": (
        "database",
        "seed",
        "Load a dataset; records already in the database are skipped, so running it twice is safe.",
    ),
    "verify": ("evidence", "verify", "Re-check every quote against the archived texts; show what changed status."),
    "search": (
        "search",
        "search",
        "Full-text search over claims (text, tags, reviews' headlines), sources (title, publisher, text) and quotes.",
    ),
    "similar": (
        "search",
        "similar",
        "Existing claims that say the same thing as TEXT, in any wording or language: a score (0-100), and a "
        "label: duplicate (`claim add` refuses it), similar, or rebuts? (it seems to negate the claim).",
    ),
    "scan": (
        "scan",
        "scan",
        "Which known claims do these texts repeat: each text split into sentences in any language, every "
        "sentence matched against the claims as `similar` matches, and for each claim found its best sentences, "
        "with score, label and place (offsets; page or time where the source has them). Reads only, unless "
        "--apply or --undo.",
    ),
    "report": (
        "reports",
        "report",
        "Write a markdown report: a claim's dossier, every claim with an index, or a source.",
    ),
    "export": (
        "interchange",
        "export",
        "Write the database (or some claims) as a dataset, ClaimReview JSON-LD, or CSV files.",
    ),
    "import": (
        "interchange",
        "import_",
        "Import a dataset, ClaimReview or ClaimsKG file in one transaction; what is already there is skipped.",
    ),
    "history": (
        "history",
        "history",
        "The recorded changes: to everything, or to one claim or source and what belongs to it.",
    ),
    "restore": (
        "history",
        "restore",
        "Restore a deleted claim or source, with the evidence, links and verdicts deleted with it.",
    ),
    "serve": ("web", "serve", "Serve a read-only web view of the database (GET and HEAD only), until Ctrl-C."),
    "site": (
        "web",
        "site",
        "Write the web view as a static site: index.html, claims/, sources/, actors/, history/.",
    ),
    "dedupe": (
        "dedupe",
        "dedupe",
        "Clusters of claims that say the same thing (scoring at or above the duplicate threshold), with the "
        "scores that join them. With --apply, each claim is linked to its cluster's oldest claim.",
    ),
    "queue": ("desk", "queue", "The claims in work, oldest first, with their evidence and current ratings."),
    "db": ("database", "db_app", "Schema migrations and backups."),
    "claim": ("claims", "claim_app", "Claims, counterclaims, links and verdicts."),
    "source": ("sources", "source_app", "Sources: articles, documents, transcripts."),
    "actor": ("actors", "actor_app", "People, organisations and states that claim or are quoted."),
    "evidence": ("evidence", "evidence_app", "Quotes from sources, with their stance on a claim."),
    "index": ("dedupe", "index_app", "The claims' sentence vectors, used to match claims in any wording."),
    "desk": ("desk", "desk_app", "The desk's statuses and figures."),
}


def load_command(name: str) -> Command:
    """Import the module of one command (or group) and make its Click command."""
    import importlib

    module, attribute, _help = COMMANDS[name]
    return mounted(name, getattr(importlib.import_module(f"{__name__}.{module}"), attribute))


def main() -> None:
    """Console-script entry point."""
    sys.exit(app())
