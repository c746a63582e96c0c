"""`factcheck site`: the web view's pages written as a static site with relative links, with each
page's JSON twin beside it (claims/SLUG.html and claims/SLUG.json), ready to publish anywhere."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..interchange.claimreview.write import reviews_by_claim
from ..jsontext import to_json
from ..models import Claim
from ..services import browse, suggestions
from ..services.actors import list_actors
from ..services.claim_lists import list_claims
from ..services.history import histories
from ..services.pages import cited_sources, events_by_source
from ..services.sources import source_views
from ..services.suggestions import suggested_dossiers
from ..services.vectors import one_blas_thread
from ..services.views import ClaimRow
from . import pages
from .app import STYLESHEET, render
from .pages import Links, Page
from .site_helper import HELPER_FROM, Helper

STATIC_FACETS = ("tag", "rating", "year", "language")  # a page of claims for each common value of each
HISTORY_LIMIT = pages.HISTORY_LIMIT  # revisions on a history page
SOURCE_HISTORIES = 100  # sources whose histories are read by one query
FOLDERS = ("claims", "sources", "actors", "history", *(f"browse/{name}" for name in STATIC_FACETS))


def write_site(session: Session, folder: Path, *, helper: bool | None = None) -> dict[str, int]:
    """Every claim, source and actor page, each claim's and source's history, the index and the
    stylesheet, one page at a time so that memory stays flat. With `helper` (by default, from
    HELPER_FROM claims on) a second process finds the claims' suggestions meanwhile
    (site_helper.py): the claims' pages are written last, when it is well ahead, and this process
    finds the last blocks' suggestions itself whenever the helper's next block is not ready
    (suggested_dossiers). Returns how many of each."""
    for name in FOLDERS:
        if (folder / name).exists() and not (folder / name).is_dir():
            raise InvalidInput(f"{folder / name} is a file: the site writes a folder of pages there; move it away")
        (folder / name).mkdir(parents=True, exist_ok=True)
    (folder / "style.css").write_text(STYLESHEET(), encoding="utf-8")
    counts = {"claims": 0, "sources": 0, "actors": 0}
    written: set[str] = set()  # paths without suffix: an earlier site's other pages are removed below

    if helper is None:
        helper = (session.scalar(select(func.count(Claim.id))) or 0) >= HELPER_FROM
    beside = None
    if helper and "url" in session.info:
        try:
            beside = Helper(session, suggestions.BLOCK)
        except OSError:  # no second process here (no Python to start): this one does it all
            beside = None
    try:
        with one_blas_thread() if beside else nullcontext(), Files() as files:
            _write_pages(session, folder, files, written, counts, beside)
    finally:
        if beside:
            beside.close()
    for name in FOLDERS:  # an earlier site's pages of what is gone (a deleted claim stays unpublished)
        for page in (folder / name).iterdir():
            if page.suffix in (".html", ".json") and f"{name}/{page.stem}" not in written:
                page.unlink()
    return counts


def _write_pages(
    session: Session, folder: Path, files: Files, written: set[str], counts: dict[str, int], beside: Helper | None
) -> None:
    """Every page of the site and its JSON twin (see write_site), each path noted in `written`;
    `beside`, the second process finding the claims' suggestions."""
    inner = Links(static=True, up="../")

    def write(path: str, make: Callable[..., Page], links: Links, *args: Any, **kwargs: Any) -> None:
        page = make(session, links, *args, **kwargs)
        files.write(folder / path, render(page, links, self_path=path.rpartition("/")[2]))
        files.write((folder / path).with_suffix(".json"), to_json(page.data))
        written.add(path.removesuffix(".html"))
        session.expunge_all()  # nothing of this page is kept once it is written

    views = source_views(session)
    while block := [view for view, _claims in islice(views, SOURCE_HISTORIES)]:
        for view in block:
            write(f"sources/{view['slug']}.html", pages.source_page, inner, view["slug"], view)
            written.add(f"history/{view['slug']}")
            counts["sources"] += 1
        write_histories(session, files, folder, "sources", {view["id"]: view["slug"] for view in block})
    for actor in list_actors(session):
        write(f"actors/{actor['slug']}.html", pages.actor_page, inner, actor["slug"])
        counts["actors"] += 1
    top = Links(static=True)
    last = 1
    for name, claims, pager in _index_pages(session):
        write(name, pages.index_page, top, claims=claims, pager=pager)
        last = pager["number"]
    _write_facets(session, folder, write)
    for page in folder.glob("index-*.*"):  # an earlier site's index pages past this one's last
        number = page.stem.removeprefix("index-")
        if page.suffix in (".html", ".json") and number.isdigit() and int(number) > last:
            page.unlink()
    # A block of claims at a time (see suggestions.BLOCK)
    for dossiers in suggested_dossiers(session, beside):
        reviews = reviews_by_claim(session, [dossier["claim"]["id"] for dossier in dossiers])
        events = events_by_source(session, (slug for dossier in dossiers for slug in cited_sources(dossier)))
        for dossier in dossiers:
            claim_id, slug = dossier["claim"]["id"], dossier["claim"]["slug"]
            write(f"claims/{slug}.html", pages.claim_page, inner, slug, dossier, reviews[claim_id], events)
            written.add(f"history/{slug}")
            counts["claims"] += 1
        write_histories(session, files, folder, "claims", {d["claim"]["id"]: d["claim"]["slug"] for d in dossiers})


class Files:
    """Files written by a thread of their own, at most PENDING waiting: creating a file is the
    kernel's work, done on the other core while the next page is made. The first error is raised
    on the next write, or on leaving."""

    PENDING = 64

    def __enter__(self) -> Files:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="site-files")
        self.pending: deque[Future[int]] = deque()
        return self

    def write(self, path: Path, text: str) -> None:
        self.pending.append(self.pool.submit(path.write_text, text, encoding="utf-8"))
        while len(self.pending) > self.PENDING:
            self.pending.popleft().result()

    def __exit__(self, kind: type[BaseException] | None, *error: object) -> None:
        try:
            while self.pending and kind is None:  # else the error on its way is the one to say
                self.pending.popleft().result()
        finally:
            self.pool.shutdown(cancel_futures=True)


def write_histories(session: Session, files: Files, folder: Path, entity: str, subjects: dict[int, str]) -> None:
    """The history pages (history/SLUG.html and .json) of a block of claims or sources (`entity`,
    their slugs by id), read in one query."""
    links = Links(static=True, up="../")
    found = histories(session, entity, subjects, limit=HISTORY_LIMIT)
    for subject, slug in subjects.items():
        page = pages.history_page(session, links, slug, found=found[subject])
        files.write(folder / "history" / f"{slug}.html", render(page, links, self_path=f"{slug}.html"))
        files.write(folder / "history" / f"{slug}.json", to_json(page.data))


STATIC_FACET_VALUES = 50  # values of each facet given pages: the most frequent


def _write_facets(session: Session, folder: Path, write: Callable[..., None]) -> None:
    """browse.html, the STATIC_FACET_VALUES most frequent values of each of STATIC_FACETS with
    their counts, and for each value its claims (browse/FACET/VALUE.html, paged as the index);
    what a static copy cannot hold (combinations of filters, rarer values) is said there and left
    to the web view. An earlier site's pages of other values are removed with the rest (FOLDERS)."""
    counted = browse.facets(session, browse.Filters(), top=STATIC_FACET_VALUES + 1)
    shown = {name: counted[name][:STATIC_FACET_VALUES] for name in STATIC_FACETS}
    left_out = [name for name in STATIC_FACETS if len(counted[name]) > STATIC_FACET_VALUES]
    write("browse.html", pages.static_facets_page, Links(static=True), shown, left_out, STATIC_FACET_VALUES)
    inner = Links(static=True, up="../../")
    for name, values in shown.items():
        (folder / "browse" / name).mkdir(parents=True, exist_ok=True)
        for item in values:
            file = pages.facet_file(item["value"])
            heading = f"Claims with {name} {item['label']}"
            rows = browse.every(session, browse.Filters({name: (item["value"],)}))
            for page_name, claims, pager in _paged(rows, partial(_numbered, file)):
                write(
                    f"browse/{name}/{page_name}", pages.index_page, inner, claims=claims, pager=pager, heading=heading
                )


def _numbered(file: str, number: int) -> str:
    """A facet value's page `number`: VALUE.html, then VALUE.page-2.html, ... (a slug has no dot)."""
    return f"{file}.html" if number == 1 else f"{file}.page-{number}.html"


def _index_pages(session: Session) -> Iterator[tuple[str, list[ClaimRow], dict[str, Any]]]:
    """The index in pages of INDEX_LIMIT claims by date: (file name, claims, links to the pages
    before and after), one page held at a time."""
    return _paged(list_claims(session), lambda number: "index.html" if number == 1 else f"index-{number}.html")


def _paged(
    claims: Iterator[ClaimRow], name: Callable[[int], str]
) -> Iterator[tuple[str, list[ClaimRow], dict[str, Any]]]:
    """Claims in pages of INDEX_LIMIT: (file name, claims, links to the pages before and after)."""
    page = list(islice(claims, pages.INDEX_LIMIT))
    number, first = 1, 1
    while True:
        after = list(islice(claims, pages.INDEX_LIMIT))
        pager = {
            "number": number,
            "first": first,
            "last": first + len(page) - 1,
            "previous": name(number - 1) if number > 1 else None,
            "next": name(number + 1) if after else None,
        }
        yield name(number), page, pager
        if not after:
            return
        number, first, page = number + 1, first + len(page), after
