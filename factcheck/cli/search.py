"""`factcheck search` and `factcheck similar`: have we already got this?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..jsontext import to_json_line
from ..limits import MAX_ID, MAX_QUERY
from .output import JsonFlag, output_failure, print_json, print_rows, print_table, visible, warn, write_out
from .state import reading


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words to find; "a phrase" in double quotes.')],
    scope: Annotated[
        str | None, typer.Option("--in", help="Only claims, sources or evidence.", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_ID, help="At most this many hits.")] = 20,
    advanced: Annotated[
        bool, typer.Option("--advanced", help="Take QUERY as FTS5 syntax (AND, OR, NOT, prefix*, NEAR).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Full-text search over claims (text, tags, reviews' headlines), sources (title, publisher, text) and quotes."""
    from ..services.search import hit_view
    from ..services.search import search as search_hits

    with reading(ctx) as session:
        hits = search_hits(session, query, scope=scope, limit=limit, advanced=advanced)
    if as_json:
        print_json([hit_view(hit) for hit in hits])
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
    text: Annotated[
        str | None, typer.Argument(help="A claim, in any wording and language.", show_default=False)
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help='Texts to match: one per line, or JSON lines with "text".', show_default=False),
    ] = None,
    claim: Annotated[
        str | None, typer.Option("--claim", help="Claims like this existing claim (id or slug).", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_ID, help="At most this many claims (per text).")] = 5,
    min_score: Annotated[
        float | None, typer.Option("--min-score", min=0, max=100, help="Show claims scoring this or more.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Existing claims that say the same thing as TEXT, in any wording or language: a score (0-100),
    and a label: duplicate (`claim add` refuses it), similar, or rebuts? (it seems to negate the claim)."""
    from ..errors import InvalidInput
    from ..services import similar as matching
    from ..services.vectors import notice

    if sum(given is not None for given in (text, file, claim)) != 1:
        raise InvalidInput("give one of: a TEXT, --file FILE or --claim CLAIM")
    floor = matching.SUGGEST if min_score is None else min_score
    with reading(ctx) as session:
        note = notice(session)
        if file is not None:
            texts = matching.queries_from_file(file)  # all of it checked before anything is matched
            if note:
                warn(note)
            # Written as they are found, a batch of texts at a time: memory stays flat however many.
            found = matching.similar_each(session, texts, limit=limit, min_score=floor)
            for query, hits in zip(texts, found, strict=True):
                write_out(to_json_line({"text": query, "hits": hits}))
                if output_failure():  # the reader has gone (`| head`): matching the rest is for nobody
                    break
            return
        if claim is not None:
            from ..services.claims import get_claim

            subject = get_claim(session, claim)
            matches = matching.similar_claims(session, subject.text, limit=limit, min_score=floor, exclude=subject.id)
        else:
            query = matching.required_text(text, "the text to compare", MAX_QUERY)
            matches = matching.similar_claims(session, query, limit=limit, min_score=floor)
    if note:
        warn(note)
    print_rows(
        matches,
        as_json,
        ("score", "", "slug", "claim"),
        lambda m: (m["score"], m["label"], m["slug"], m["text"]),
        empty="no similar claims",
        ratios={"claim": 3},
    )
