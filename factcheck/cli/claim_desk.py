"""The desk's work on one claim: `claim status|assign|publish|unpublish` (registered on `claim`),
and the --correction that every command able to change a published claim offers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .output import escape, say
from .state import writing

if TYPE_CHECKING:
    from ..services.views import DeskView

ClaimRef = Annotated[str, typer.Argument(metavar="CLAIM", help="Claim id or slug.")]
# Offered by every command that can change a published claim's text, verdicts or evidence.
CorrectionNote = Annotated[
    str | None,
    typer.Option(
        "--correction",
        help="Change a published claim: what changed and why, shown to readers with the claim.",
        show_default=False,
    ),
]


def desk_line(desk: DeskView) -> str:
    """Where the desk's work on a claim stands, in a line: status, assignee, publication."""
    parts = [f"status: {desk['status']}" + (f" ({desk['status_note']})" if desk["status_note"] else "")]
    if desk["assignee"]:
        parts.append(f"assigned to {desk['assignee']}")
    published = desk["published"]
    if published and published["unpublished_at"]:
        parts.append(f"unpublished on {published['unpublished_at'][:10]}: {published['unpublish_reason']}")
    elif published:
        parts.append(f"published on {published['at'][:10]}")
    return ", ".join(parts)


def status(
    ctx: typer.Context,
    claim: ClaimRef,
    new_status: Annotated[str, typer.Argument(metavar="STATUS", help="A status of `desk statuses`.")],
    note: Annotated[str | None, typer.Option(help="Why: kept with the status, and in the history.")] = None,
) -> None:
    """Move a claim to another status of the desk's (`published` comes only by `claim publish`)."""
    from ..services.desk import set_status

    with writing(ctx) as session:
        changed = set_status(session, claim, new_status, note=note)
    say(f"Claim {escape(changed.slug)} is now {escape(changed.status)}.")


def assign(
    ctx: typer.Context,
    claim: ClaimRef,
    actor: Annotated[
        str | None, typer.Argument(metavar="[ACTOR]", help="A desk member: an actor of kind person.")
    ] = None,
    unassign: Annotated[bool, typer.Option("--unassign", help="Assign it to nobody.")] = False,
) -> None:
    """Assign a claim to a desk member, or with --unassign, to nobody."""
    from ..errors import InvalidInput
    from ..services.desk import assign as assign_claim

    if (actor is None) == (not unassign):
        raise InvalidInput("give the actor to assign the claim to, or --unassign (not both)")
    with writing(ctx) as session:
        changed, member = assign_claim(session, claim, actor)
    say(f"Claim {escape(changed.slug)} is {'assigned to ' + escape(member.slug) if member else 'unassigned'}.")


def publish(ctx: typer.Context, claim: ClaimRef) -> None:
    """Publish a claim: its text, current verdicts and evidence are frozen as the published version;
    after that they change only with --correction, which readers are shown."""
    from ..services.desk import publish as publish_claim

    with writing(ctx) as session:
        published, publication = publish_claim(session, claim)
    when = f"{publication.published_at:%Y-%m-%d %H:%M} UTC"
    say(f"Published {escape(published.slug)} (publication {publication.number}, {when}).")


def unpublish(
    ctx: typer.Context,
    claim: ClaimRef,
    reason: Annotated[str, typer.Option(help="Why it is taken back: recorded with the publication.")],
) -> None:
    """Take a claim's publication back: it returns to in-progress and may change freely."""
    from ..services.desk import unpublish as unpublish_claim

    with writing(ctx) as session:
        unpublished, _publication = unpublish_claim(session, claim, reason)
    say(f"Unpublished {escape(unpublished.slug)}: it is in-progress again.")
