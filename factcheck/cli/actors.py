"""`factcheck actor ...`: people, organisations and states."""

from __future__ import annotations

from typing import Annotated

import typer

from ..limits import MAX_ID
from .listing import Facets, Format, output_kind, print_list_of
from .output import JsonFlag, escape, print_json, print_table, say
from .state import reading, writing

# The values of ActorKind in factcheck.models, written out because importing the models would load
# SQLAlchemy for --help; tests/test_reports.py fails when they drift apart.
KINDS = "person, organisation, state or outlet"

actor_app = typer.Typer(help="People, organisations and states that claim or are quoted.", no_args_is_help=True)


@actor_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Full name.")],
    kind: Annotated[str, typer.Option(help=f"{KINDS}.")] = "person",
    role: Annotated[str | None, typer.Option(help="Role or affiliation, as the source gives it.")] = None,
    alias: Annotated[list[str] | None, typer.Option(help="Another name (repeatable).")] = None,
    slug: Annotated[str | None, typer.Option(help="Slug to use instead of one made from the name.")] = None,
) -> None:
    """Add an actor."""
    from ..services.actors import add_actor

    with writing(ctx) as session:
        actor = add_actor(session, name, kind=kind, role=role, aliases=alias, slug=slug)
    say(f"Added actor {escape(actor.slug)} ({actor.id}): {escape(actor.name)}")


@actor_app.command("list")
def list_(
    ctx: typer.Context,
    kind: Annotated[
        list[str] | None, typer.Option(help=f"Only this kind (repeatable): {KINDS}.", show_default=False)
    ] = None,
    text: Annotated[str | None, typer.Option(help="Only names containing this.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, max=MAX_ID, help="At most this many.")] = None,
    facets: Facets = False,
    output_format: Format = None,
    as_json: JsonFlag = False,
) -> None:
    """List actors by name; the same filters as the web view's /actors, or their facet counts."""
    kind_ = output_kind(as_json, output_format, facets=facets, limit=limit)
    with reading(ctx) as session:
        print_list_of(
            session,
            "actors",
            {"kind": kind, "text": [text] if text else None},
            kind_,
            facets=facets,
            limit=limit,
            columns=("id", "slug", "name", "kind", "role"),
            row=lambda a: (a["id"], a["slug"], a["name"], a["kind"], a["role"]),
        )


@actor_app.command("show")
def show(
    ctx: typer.Context,
    actor: Annotated[str, typer.Argument(help="Id or slug.")],
    as_json: JsonFlag = False,
) -> None:
    """Show an actor and the claims they made."""
    from ..services.actors import show_actor

    with reading(ctx) as session:
        view = show_actor(session, actor)
    if as_json:
        print_json(view)
        return
    say(f"[bold]{escape(view['name'])}[/bold] ({escape(view['slug'])}, {view['kind']})")
    if view["role"]:
        say(escape(view["role"]))
    if view["aliases"]:
        say("Also: " + escape(", ".join(view["aliases"])))
    say(f"Quoted in {view['quoted_in_evidence']} evidence excerpts.")
    rows = [(c["stated_on"], c["slug"], c["text"]) for c in view["claims"]]
    print_table("Claims made", ("date", "slug", "claim"), rows, empty="no claims made")
