"""`factcheck history` and `factcheck restore`: who changed what, and undoing a deletion."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from ..limits import MAX_ID
from .claim_desk import CorrectionNote
from .output import JsonFlag, print_json, print_table, say
from .state import reading, writing


def history(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(
            metavar="[CLAIM|SOURCE]", help="A claim or source (id or slug), deleted ones too.", show_default=False
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_ID, help="At most this many changes, newest first.")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """The recorded changes: to everything, or to one claim or source and what belongs to it."""
    from ..services.history import list_history

    with reading(ctx) as session:
        result = list_history(session, ref, limit=limit)
    if as_json:
        print_json(result)
        return

    def summary(changes: dict[str, Any]) -> str:
        text = json.dumps(changes, ensure_ascii=False, default=str)
        return text if len(text) <= 160 else text[:157] + "..."

    rows = [
        (
            r["id"],
            r["at"][:19].replace("T", " "),
            r["by"] if r["db_user"] in (None, r["by"]) else f"{r['by']} ({r['db_user']})",
            r["action"],
            f"{r['entity']} {r['entity_id']}",
            summary(r["changes"]),
        )
        for r in result["revisions"]
    ]
    print_table(
        None,
        ("revision", "at (UTC)", "by (server user)", "action", "row", "changes"),
        rows,
        empty="no recorded changes",
        ratios={"changes": 3},
        no_wrap=("revision", "action"),
    )


def restore(
    ctx: typer.Context,
    revision: Annotated[
        int,
        typer.Argument(min=1, max=MAX_ID, help="The revision that deleted a claim or source (see `history`)."),
    ],
    correction: CorrectionNote = None,
) -> None:
    """Restore a deleted claim or source, with the evidence, links and verdicts deleted with it."""
    from ..services.history import restore as restore_revision

    with writing(ctx, correction=correction) as session:
        restored = restore_revision(session, revision)
    listed = "; ".join(f"{kind} {', '.join(map(str, ids))}" for kind, ids in restored.items())
    say(f"Restored {listed}.")
