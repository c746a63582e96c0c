"""`factcheck search` and the web view's search page: full-text hits over claims, sources and
quotes (the backends are in factcheck.search), as one typed view that both show."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy.orm import Session

from ..search import Hit, backend

MARK = "**"  # around the matched words of a snippet in the JSON view


class HitView(TypedDict):
    kind: str  # claims, sources or evidence
    id: int
    slug: str | None  # the claim or source; for a quote, its claim
    title: str
    snippet: str  # matched words between MARKs
    rank: float  # BM25, lower is better


def search(
    session: Session, query: str, *, scope: str | None = None, limit: int = 20, advanced: bool = False
) -> list[Hit]:
    """The best hits for `query` (words, "a phrase"; with `advanced`, the backend's own syntax),
    in `scope` (claims, sources or evidence) or all three."""
    return backend(session).search(query, scope=scope or None, limit=limit, advanced=advanced)


def hit_view(hit: Hit) -> HitView:
    return {
        "kind": hit.kind,
        "id": hit.id,
        "slug": hit.slug,
        "title": hit.title,
        "snippet": hit.highlighted(MARK, MARK),
        "rank": round(hit.score, 3),
    }
