"""The `factcheck` command: a thin Typer layer over factcheck's services.

Command modules import SQLAlchemy and the services inside their functions, so that
`factcheck --help` stays instant."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer._click.core import Context  # the type TyperGroup's methods declare
from typer.core import TyperGroup

from ..errors import FactcheckError
from .state import AppState

ENV_DEBUG = "FACTCHECK_DEBUG"


class FactcheckGroup(TyperGroup):
    """The one error handler: a user's error becomes one line on stderr and exit 1."""

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


def _register() -> None:
    from . import actors, claims, database, dedupe, evidence, history, interchange, reports, search, sources, web

    app.command("init")(database.init)
    app.command("seed")(database.seed)
    app.add_typer(database.db_app, name="db")
    app.add_typer(claims.claim_app, name="claim")
    app.add_typer(sources.source_app, name="source")
    app.add_typer(actors.actor_app, name="actor")
    app.add_typer(evidence.evidence_app, name="evidence")
    app.command("verify")(evidence.verify)
    app.command("search")(search.search)
    app.command("similar")(search.similar)
    app.command("report")(reports.report)
    app.command("export")(interchange.export)
    app.command("import")(interchange.import_)
    app.command("history")(history.history)
    app.command("restore")(history.restore)
    app.command("serve")(web.serve)
    app.command("site")(web.site)
    dedupe.register(app)  # dedupe, index rebuild, index status


_register()


def main() -> None:
    """Console-script entry point."""
    sys.exit(app())
