"""`factcheck init` and `factcheck db ...`: create, migrate and back up the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import JsonFlag, escape, mark_saved, print_json, say, say_loaded
from .state import state, writing

db_app = typer.Typer(help="Schema migrations and backups.", no_args_is_help=True)


SeedTexts = Annotated[
    Path | None,
    typer.Option(
        "--texts",
        help="Folder with the documents the sources name, to archive their texts.",
        exists=True,
        file_okay=False,
    ),
]


def init(
    ctx: typer.Context,
    seed_too: Annotated[bool, typer.Option("--seed", help="Also load the bundled seed dataset.")] = False,
    texts: SeedTexts = None,
) -> None:
    """Create the database, or upgrade it to the newest schema."""
    from .. import db

    url = state(ctx).url
    before, after = db.upgrade(url)
    if before != after:
        mark_saved()  # the schema changed: should printing fail, say the change was saved
    where = escape(db.describe(url))
    if before is None:
        say(f"Created {where} (schema {after}).")
    elif before == after:
        say(f"{where} is up to date (schema {after}).")
    else:
        say(f"Upgraded {where} from schema {before} to {after}.")
    if seed_too:
        seed(ctx, None, texts)


def seed(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Argument(help="Dataset folder of .yaml files [default: the bundled seed dataset].", show_default=False),
    ] = None,
    texts: SeedTexts = None,
) -> None:
    """Load a dataset; records already in the database are skipped, so running it twice is safe."""
    from ..interchange.dataset import default_seeds_dir, load_dataset

    source = folder or default_seeds_dir()
    with writing(ctx) as session:
        report = load_dataset(session, source, texts=texts)
    say_loaded(folder or "the bundled seed dataset", report.as_dict())


@db_app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the schema (to the newest by default). Take a backup first."""
    from .. import db

    url = state(ctx).url
    _moved(url, *db.upgrade(url, revision))


@db_app.command("downgrade")
def downgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' drops every table.")] = "-1",
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: a downgrade can drop data.")] = False,
) -> None:
    """Take the schema back to an older revision (one step by default)."""
    from .. import db
    from ..errors import InvalidInput

    if not yes:
        raise InvalidInput("a downgrade can drop tables and their rows: back up first, then pass --yes")
    url = state(ctx).url
    _moved(url, *db.downgrade(url, revision))


def _moved(url: str, before: str | None, after: str | None) -> None:
    from ..db import describe

    if before != after:
        mark_saved()
    say(f"{escape(describe(url))}: schema {before or 'none'} → {after or 'none'}.")


@db_app.command("current")
def current(
    ctx: typer.Context,
    as_json: JsonFlag = False,
) -> None:
    """Show the database's schema revision and the newest one this factcheck knows."""
    from .. import db

    url = state(ctx).url
    found = db.current_revision(url)
    if as_json:
        print_json({"database": db.describe(url), "revision": found, "head": db.SCHEMA_HEAD})
        return
    status = "up to date" if found == db.SCHEMA_HEAD else "run `factcheck db upgrade`"
    if found is None:
        status = "not initialised: run `factcheck init`"
    elif db.is_newer(found):
        status = "made by a newer factcheck: upgrade factcheck to use it"
    say(f"{escape(db.describe(url))}: schema {found or 'none'} (newest {db.SCHEMA_HEAD}; {status})")


@db_app.command("backup")
def backup(
    ctx: typer.Context,
    destination: Annotated[Path, typer.Argument(help="File to write the copy to.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite DESTINATION if it exists.")] = False,
) -> None:
    """Copy the database with SQLite's online backup API (safe while others write)."""
    from .. import db, maintenance

    url = state(ctx).url
    size = maintenance.backup(url, destination, force=force)
    say(f"Backed up {escape(db.describe(url))} to {escape(destination)} ({size:,} bytes).")


@db_app.command("check")
def check(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Integrity and foreign-key checks, search indexes, dangling links, unused rows, and quote statuses."""
    from .. import db
    from ..services.health import check_database

    url = state(ctx).url
    # Read-only where it must be; otherwise writable, for FTS5's integrity check (see check_database).
    with db.session_scope(url, read_only=not db.can_write(url)) as session:
        report = check_database(session)
    if as_json:
        print_json(report)
    else:
        for problem in report["problems"]:
            say(f"[red]problem:[/red] {escape(problem)}")
        for note in report["notes"]:
            say(f"note: {escape(note)}")
        say("Quotes: " + ", ".join(f"{count} {status}" for status, count in report["quotes"].items()))
        say("The database is sound." if report["ok"] else f"{len(report['problems'])} problem(s) found.")
    if not report["ok"]:
        raise typer.Exit(1)


@db_app.command("grant")
def grant(
    ctx: typer.Context,
    role: Annotated[str, typer.Argument(help="PostgreSQL role (user) to create or change.")],
    read: Annotated[bool, typer.Option("--read", help="Read everything; no writes.")] = False,
    write: Annotated[
        bool, typer.Option("--write", help="Also add, edit and delete; the history is only appended to.")
    ] = False,
    admin: Annotated[bool, typer.Option("--admin", help="Everything, schema upgrades included.")] = False,
) -> None:
    """Give a PostgreSQL role read, write or admin access (creating it if needed)."""
    from .. import db, maintenance
    from ..errors import InvalidInput

    levels = [level for level, chosen in (("read", read), ("write", write), ("admin", admin)) if chosen]
    if len(levels) != 1:
        raise InvalidInput("give exactly one of --read, --write and --admin")
    url = state(ctx).url
    created = maintenance.grant(url, role, levels[0])
    mark_saved()
    made = "Created role" if created else "Role"
    say(f"{made} {escape(role)} now has {levels[0]} access to {escape(db.describe(url))}.")


@db_app.command("copy")
def copy(
    source: Annotated[str, typer.Argument(help="Database to copy from: a file path or a URL.")],
    target: Annotated[str, typer.Argument(help="Database to copy into: a file path or a URL (created if new).")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Delete the rows the target holds and copy over them.")
    ] = False,
) -> None:
    """Copy a whole database (texts, history, vectors) to another one, SQLite or PostgreSQL, either way."""
    import sys

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from .. import db, maintenance

    source_url, target_url = db.resolve_url(source), db.resolve_url(target)
    # The progress bar goes to stderr and only to a terminal, so that scripts see the summary alone.
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as progress:
        tasks: dict[str, object] = {}

        def follow(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = progress.add_task(table, total=total)
            progress.update(tasks[table], completed=done)  # type: ignore[arg-type]

        copied = maintenance.copy(source_url, target_url, replace=replace, on_progress=follow)
    mark_saved()
    rows = sum(copied.values())
    say(
        f"Copied {escape(db.describe(source_url))} to {escape(db.describe(target_url))}: {rows:,} rows "
        f"({copied.get('claims', 0)} claims, {copied.get('sources', 0)} sources, "
        f"{copied.get('revisions', 0)} revisions)."
    )
