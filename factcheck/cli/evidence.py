"""`factcheck evidence ...`: what a source says about a claim."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..limits import MAX_ID
from .claim_desk import CorrectionNote
from .output import JsonFlag, escape, print_json, print_rows, print_table, say
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
    allow_unverified: Annotated[
        bool, typer.Option("--allow-unverified", help="Record a quote not found in the archived text as not-found.")
    ] = False,
    correction: CorrectionNote = None,
) -> None:
    """Record that SOURCE says QUOTE, which supports/refutes/qualifies CLAIM or gives context."""
    from ..services.evidence import add_evidence, check_quote

    # Anchoring the quote can take a while in a long text: done before the write lock is taken.
    with reading(ctx) as session:
        checked = check_quote(session, source, quote, prefix=prefix, suffix=suffix)
    with writing(ctx, correction=correction) as session:
        row = add_evidence(
            session,
            claim,
            source,
            stance=stance,
            quote=quote,
            speaker=speaker,
            locator=locator,
            prefix=prefix,
            suffix=suffix,
            note=note,
            allow_unverified=allow_unverified,
            checked=checked,
        )
    say(
        f"Added evidence {row.id}: {row.source.slug} {row.stance.value} {row.claim.slug} "
        f"(quote {row.quote_status.value})."
    )
    anchor = checked.anchor
    if row.quote_status.value == "fuzzy":
        say(f"The source reads, at {anchor.start}-{anchor.end}: “{escape(anchor.passage)}”")


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
    print_rows(
        rows,
        as_json,
        ("id", "claim", "stance", "source", "speaker", "quote", "status"),
        lambda e: (
            e["id"],
            e["claim"],
            e["stance"],
            e["source"]["slug"],
            e["speaker"]["name"] if e["speaker"] else None,
            e["quote"],
            e["quote_status"],
        ),
        empty="no evidence",
    )


@evidence_app.command("delete")
def delete(
    ctx: typer.Context,
    evidence_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_ID, help="Evidence id.")],
    correction: CorrectionNote = None,
) -> None:
    """Delete one piece of evidence."""
    from ..services.evidence import delete_evidence

    with writing(ctx, correction=correction) as session:
        row = delete_evidence(session, evidence_id)
    say(f"Deleted evidence {row.id}.")


def verify(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Argument(help="Only this source's quotes.", show_default=False)] = None,
    as_json: JsonFlag = False,
) -> None:
    """Re-check every quote against the archived texts; show what changed status."""
    from ..services.evidence import check_source_quotes, orphaned_quotes, record_quote_check, sources_to_verify

    with reading(ctx) as session:
        source_ids = sources_to_verify(session, source)
    changed: list[dict[str, Any]] = []
    totals: dict[str, int] = {}
    # Quotes are anchored outside the write lock; what changed is written source by source.
    for source_id in source_ids:
        with reading(ctx) as session:
            check = check_source_quotes(session, source_id)
        if check.updates:
            with writing(ctx) as session:
                record_quote_check(session, check)
        changed.extend(check.changed)
        for status, count in check.totals.items():
            totals[status] = totals.get(status, 0) + count
    # Found in an earlier version of the source's text, not in the current one.
    orphaned: list[dict[str, Any]] = []
    with reading(ctx) as session:
        for source_id in source_ids:
            orphaned.extend(orphaned_quotes(session, source_id))
    if as_json:
        print_json({"changed": changed, "totals": totals, "orphaned": orphaned})
        return
    rows = [(c["evidence"], c["claim"], c["source"], f"{c['before']} → {c['after']}", c["passage"]) for c in changed]
    print_table(
        "Changed",
        ("evidence", "claim", "source", "status", "passage in source"),
        rows,
        empty="No quote changed status.",
        ratios={"claim": 2, "source": 2, "passage in source": 3},
    )
    if orphaned:
        print_table(
            "Orphaned: found in an earlier version of the source's text, not in the current one",
            ("evidence", "claim", "source", "status", "quote"),
            [
                (o["evidence"], o["claim"], o["source"], f"orphaned since version {o['orphaned_since']}", o["quote"])
                for o in orphaned
            ],
            ratios={"claim": 2, "source": 2, "quote": 3},
        )
    say("Quotes now: " + ", ".join(f"{count} {status}" for status, count in totals.items()))
