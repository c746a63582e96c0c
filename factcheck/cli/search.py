"""`factcheck search` and `factcheck similar`: have we already got this?"""

from __future__ import annotations

from typing import Annotated

import typer

from .output import JsonFlag, print_json, print_rows, print_table, visible
from .state import reading


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words to find; "a phrase" in double quotes.')],
    scope: Annotated[
        str | None, typer.Option("--in", help="Only claims, sources or evidence.", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many hits.")] = 20,
    advanced: Annotated[
        bool, typer.Option("--advanced", help="Take QUERY as FTS5 syntax (AND, OR, NOT, prefix*, NEAR).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Full-text search over claims (text, tags), sources (title, publisher, text) and quotes."""
    from ..search import backend

    with reading(ctx) as session:
        hits = backend(session).search(query, scope=scope, limit=limit, advanced=advanced)
    if as_json:
        print_json(
            [
                {
                    "kind": hit.kind,
                    "id": hit.id,
                    "slug": hit.slug,
                    "title": hit.title,
                    "snippet": hit.highlighted("**", "**"),
                    "rank": round(hit.score, 3),
                }
                for hit in hits
            ]
        )
        return
    from rich.text import Text

    rows = []
    for hit in hits:
        snippet = Text()
        for number, piece in enumerate(hit.highlighted("\x00", "\x00").split("\x00")):
            snippet.append(visible(piece), style="bold yellow" if number % 2 else "")
        rows.append((hit.kind, hit.slug, snippet))
    print_table(None, ("in", "claim or source", "match"), rows, empty="no matches", ratios={"match": 3})


def similar(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="A claim, in any wording.")],
    limit: Annotated[int, typer.Option(min=1, help="At most this many claims.")] = 5,
    as_json: JsonFlag = False,
) -> None:
    """Existing claims that say the same thing as TEXT, with a similarity score (0-100)."""
    from ..services.similar import similar_claims

    with reading(ctx) as session:
        matches = similar_claims(session, text, limit=limit)
    print_rows(
        matches,
        as_json,
        ("score", "slug", "claim"),
        lambda m: (m["score"], m["slug"], m["text"]),
        empty="no similar claims",
        ratios={"claim": 3},
    )
