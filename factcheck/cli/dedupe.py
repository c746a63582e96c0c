"""`factcheck dedupe` (near-duplicate claims across the database) and `factcheck index rebuild`
(the claims' sentence vectors)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from .output import JsonFlag, console, escape, print_json, print_table, say, warn
from .state import reading, writing

index_app = typer.Typer(help="The claims' sentence vectors, used to match claims in any wording.", no_args_is_help=True)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar on a terminal; nothing when output is piped."""
    if not console.is_terminal:
        yield lambda _done, _total: None
        return
    from rich.progress import Progress  # only on a terminal

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def dedupe(
    ctx: typer.Context,
    apply: Annotated[
        bool, typer.Option("--apply", help="Record the clusters as `duplicates` links (one batch in the history).")
    ] = False,
    undo: Annotated[
        str | None,
        typer.Option("--undo", metavar="BATCH", help="Remove the links a `dedupe --apply` made.", show_default=False),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Clusters of claims that say the same thing (scoring at or above the duplicate threshold),
    with the scores that join them. With --apply, each claim is linked to its cluster's oldest claim."""
    from ..services import dedupe as duplicates
    from ..services.vectors import notice

    if undo is not None:
        with writing(ctx) as session:
            removed = duplicates.undo_duplicates(session, undo)
        say(f"Removed {len(removed)} duplicates link(s) made in batch {escape(undo)}.")
        return
    with writing(ctx) if apply else reading(ctx) as session, progress_bar("Comparing claims") as progress:
        note = notice(session)
        clusters = duplicates.duplicate_clusters(session, progress=progress)
        recorded = duplicates.record_duplicates(session, clusters) if apply else None
    if note:
        warn(note)
    if as_json:
        print_json({"clusters": clusters, **({"recorded": recorded} if recorded is not None else {})})
        return
    rows = [
        (
            number,
            "\n".join(f"{claim['slug']}: {claim['text']}" for claim in cluster["claims"]),
            ", ".join(f"{pair['score']:g}" for pair in cluster["pairs"]),
        )
        for number, cluster in enumerate(clusters, start=1)
    ]
    print_table(
        None, ("cluster", "claims (oldest first)", "scores"), rows, empty="no duplicates found", ratios={"claims": 4}
    )
    if recorded is not None:
        if recorded["links"]:
            say(
                f"Recorded {len(recorded['links'])} duplicates link(s) in batch {recorded['batch']}; "
                f"`factcheck dedupe --undo {recorded['batch']}` takes them back."
            )
        else:
            say("Nothing to record: every cluster is linked already.")


@index_app.command("rebuild")
def rebuild(ctx: typer.Context) -> None:
    """Recompute every claim's vector with the installed model (after an upgrade, or an import
    made without it); vectors of another model are dropped."""
    from ..services.vectors import rebuild as rebuild_vectors

    with writing(ctx) as session, progress_bar("Embedding claims") as progress:
        count = rebuild_vectors(session, progress=progress)
    say(f"Indexed {count} claim(s).")


@index_app.command("status")
def status(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """How many claims have a vector by the installed model."""
    from ..services.vectors import notice
    from ..services.vectors import status as vector_status

    with reading(ctx) as session:
        found = vector_status(session)
        note = notice(session)
    if as_json:
        print_json({**found, "notice": note})
        return
    say(f"{found['current']} of {found['claims']} claim(s) have a vector by {escape(found['model'] or 'no model')}.")
    if note:
        warn(note)
