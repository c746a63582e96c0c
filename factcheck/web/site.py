"""`factcheck site`: the web view's pages written as a static site with relative links, with each
page's JSON twin beside it (claims/SLUG.html and claims/SLUG.json), ready to publish anywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..services.actors import list_actors
from ..services.claims import list_claims
from ..services.sources import list_sources
from . import pages
from .app import STYLESHEET, render, to_json
from .pages import Links, Page

FOLDERS = ("claims", "sources", "actors", "history")


def write_site(session: Session, folder: Path) -> dict[str, int]:
    """Every claim, source and actor page, each claim's and source's history, the index and the
    stylesheet, one page at a time so that memory stays flat. Returns how many of each."""
    for name in FOLDERS:
        (folder / name).mkdir(parents=True, exist_ok=True)
    (folder / "style.css").write_text(STYLESHEET(), encoding="utf-8")
    inner = Links(static=True, up="../")
    counts = {"claims": 0, "sources": 0, "actors": 0}

    def write(path: str, make: Callable[..., Page], links: Links, *args: Any, **kwargs: Any) -> None:
        page = make(session, links, *args, **kwargs)
        (folder / path).write_text(render(page, links, self_path=path.rpartition("/")[2]), encoding="utf-8")
        (folder / path).with_suffix(".json").write_text(to_json(page.data), encoding="utf-8")
        session.expunge_all()  # nothing of this page is kept once it is written

    for claim in list_claims(session):
        write(f"claims/{claim['slug']}.html", pages.claim_page, inner, claim["slug"])
        write(f"history/{claim['slug']}.html", pages.history_page, inner, claim["slug"])
        counts["claims"] += 1
    for source in list_sources(session):
        write(f"sources/{source['slug']}.html", pages.source_page, inner, source["slug"])
        write(f"history/{source['slug']}.html", pages.history_page, inner, source["slug"])
        counts["sources"] += 1
    for actor in list_actors(session):
        write(f"actors/{actor['slug']}.html", pages.actor_page, inner, actor["slug"])
        counts["actors"] += 1
    top = Links(static=True)
    write("index.html", pages.index_page, top, limit=None)
    return counts
