"""The desk's lists and figures: `queue`, and `desk statuses|stats` (a claim's own desk commands
are in cli/claim_desk.py)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..limits import MAX_ID
from .output import JsonFlag, escape, print_json, print_table, say
from .state import reading, writing

desk_app = typer.Typer(help="The desk's statuses and figures.", no_args_is_help=True)


def queue(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only claims with this status (default: every open one).")] = None,
    assignee: Annotated[str | None, typer.Option(help="Only claims assigned to this actor (id or slug).")] = None,
    unassigned: Annotated[bool, typer.Option("--unassigned", help="Only claims assigned to nobody.")] = False,
    tag: Annotated[str | None, typer.Option(help="Only claims with this tag.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_ID, help="At most this many claims, oldest first.")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """The claims in work, oldest first, with their evidence and current ratings."""
    from ..services.desk import queue as claims_in_work

    with reading(ctx) as session:
        found = claims_in_work(session, status=status, assignee=assignee, unassigned=unassigned, tag=tag, limit=limit)
    if as_json:
        print_json(found)
        return
    # The slug names the claim; its text is in --json (a table this narrow would fold it away).
    rows = [
        (c["slug"], c["status"], c["assignee"] or "-", c["opened"][:10], c["evidence"], c["rating"] or "-")
        for c in found["claims"]
    ]
    which = f"with status {status.strip()}" if status and status.strip() else "in work"
    print_table(
        f"{len(rows)} of {found['total']} claims {which}, oldest first" if rows else None,
        ("claim", "status", "assignee", "opened", "evidence", "rating"),
        rows,
        empty="no claims in work",
        no_wrap=("status", "opened", "evidence", "rating"),
        ratios={"claim": 3, "assignee": 1},
    )


@desk_app.command("statuses")
def statuses(
    ctx: typer.Context,
    add: Annotated[str | None, typer.Option("--add", metavar="NAME", help="Add a status.")] = None,
    closed: Annotated[bool, typer.Option("--closed", help="With --add: claims with it are done with.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """The desk's statuses, with how many claims have each; --add NAME adds one (open: claims in work)."""
    from ..errors import InvalidInput
    from ..services.desk import add_status
    from ..services.desk import statuses as desk_statuses

    if closed and add is None:
        raise InvalidInput("--closed goes with --add NAME")
    if add is not None:
        with writing(ctx) as session:
            added = add_status(session, add, closed=closed)
        say(f"Added the status {escape(added.name)} ({'open' if added.open else 'closed'}).")
        return
    with reading(ctx) as session:
        found = desk_statuses(session)
    if as_json:
        print_json(found)
        return
    print_table(
        None, ("status", "in work", "claims"), ((s["name"], "yes" if s["open"] else "no", s["claims"]) for s in found)
    )


@desk_app.command("stats")
def stats(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="Count from this date (2026-12 or 2026-12-01).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Claims opened and published, the median days from opening to publication, and the backlog
    by status and by assignee."""
    from ..services.desk import desk_stats, since_date

    with reading(ctx) as session:
        figures = desk_stats(session, since=since_date(since))
    if as_json:
        print_json(figures)
        return
    median = figures["median_days_to_publish"]
    rows: list[tuple[Any, ...]] = [
        ("opened", figures["opened"]),
        ("published", figures["published"]),
        ("median days to publish", "-" if median is None else median),
    ]
    print_table(f"since {figures['since'][:10]}" if figures["since"] else "all time", ("figure", "value"), rows)
    print_table("backlog by status", ("status", "claims"), list(figures["backlog"]["by_status"].items()))
    print_table("backlog by assignee", ("assignee", "claims"), list(figures["backlog"]["by_assignee"].items()))
