"""`factcheck evidence ...`: what a source says about a claim."""

from __future__ import annotations

from typing import Annotated

import typer

from .output import JsonFlag, print_json, print_table, say
from .state import reading, writing

evidence_app = typer.Typer(help="Quotes from sources, with their stance on a claim.", no_args_is_help=True)


@evidence_app.command("add")
def add(
    ctx: typer.Context,
    claim: Annotated[str, typer.Argument(help="Claim id or slug.")],
    source: Annotated[str, typer.Argument(help="Source id or slug.")],
    stance: Annotated[str, typer.Option(help="supports, refutes, qualifies or context.")],
    quote: Annotated[str, typer.Option(help="The words of the source, verbatim.")],
    speaker: Annotated[str | None, typer.Option(help="Who says it (actor id or slug).")] = None,
    locator: Annotated[str | None, typer.Option(help="Page, paragraph or timestamp.")] = None,
    prefix: Annotated[str | None, typer.Option(help="Text just before the quote.")] = None,
    suffix: Annotated[str | None, typer.Option(help="Text just after the quote.")] = None,
    note: Annotated[str | None, typer.Option(help="A note for fact-checkers.")] = None,
) -> None:
    """Record that SOURCE says QUOTE, which supports/refutes/qualifies CLAIM or gives context."""
    from ..services.evidence import add_evidence

    with writing(ctx) as session:
        row = add_evidence(
            session, claim, source, stance=stance, quote=quote, speaker=speaker, locator=locator,
            prefix=prefix, suffix=suffix, note=note,
        )
        say(f"Added evidence {row.id}: {row.source.slug} {row.stance.value} {row.claim.slug} "
            f"(quote {row.quote_status.value}).")


@evidence_app.command("list")
def list_(
    ctx: typer.Context,
    claim: Annotated[str | None, typer.Option(help="Only for this claim.")] = None,
    source: Annotated[str | None, typer.Option(help="Only from this source.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List evidence."""
    from ..services.evidence import list_evidence

    with reading(ctx) as session:
        rows = list_evidence(session, claim=claim, source=source)
    if as_json:
        print_json(rows)
        return
    table = [
        (e["id"], e["claim"], e["stance"], e["source"]["slug"], e["speaker"]["name"] if e["speaker"] else None,
         e["quote"], e["quote_status"])
        for e in rows
    ]
    print_table(None, ("id", "claim", "stance", "source", "speaker", "quote", "status"), table, empty="no evidence")


@evidence_app.command("delete")
def delete(
    ctx: typer.Context,
    evidence_id: Annotated[int, typer.Argument(metavar="ID", help="Evidence id.")],
) -> None:
    """Delete one piece of evidence."""
    from ..services.evidence import delete_evidence

    with writing(ctx) as session:
        row = delete_evidence(session, evidence_id)
    say(f"Deleted evidence {row.id}.")
