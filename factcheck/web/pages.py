"""Every page of the web view as one function of a session: it returns the page's data, which is
exactly what the CLI's `--json` prints for the same thing (the page's JSON twin), and what the
HTML template needs besides. The server and `factcheck site` both render these."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..interchange.claimreview.write import reviews_by_claim
from ..limits import MAX_QUERY
from ..models import QuoteStatus, Relation, Stance
from ..services import browse, listings
from ..services.actors import show_actor
from ..services.claim_lists import list_claims
from ..services.common import required_text, slugify
from ..services.history import list_history
from ..services.pages import archived_text, cited_sources, events_for_sources
from ..services.search import hit_view, search
from ..services.similar import similar_claims
from ..services.sources import show_source
from ..services.suggestions import show_claim
from ..services.views import ClaimRow, Dossier
from . import svg

INDEX_LIMIT = 1000  # claims on the index page; a tag or a search narrows a larger database
SEARCH_LIMIT = 20  # as `factcheck search`
SIMILAR_LIMIT = 5  # as `factcheck similar`
HISTORY_LIMIT = 50  # as `factcheck history`
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Links:
    """Where a page links to: the server's paths, or a static site's relative files (`up` leads
    from the page's folder back to the site's top)."""

    static: bool = False
    up: str = ""

    def _page(self, folder: str, slug: str, anchor: str = "") -> str:
        name = quote(str(slug), safe="")
        path = f"{self.up}{folder}/{name}.html" if self.static else f"/{folder}/{name}"
        return path + (f"#{anchor}" if anchor else "")

    def claim(self, slug: str, anchor: str = "") -> str:
        return self._page("claims", slug, anchor)

    def source(self, slug: str, anchor: str = "") -> str:
        return self._page("sources", slug, anchor)

    def actor(self, slug: str) -> str:
        return self._page("actors", slug)

    def history(self, slug: str) -> str:
        return self._page("history", slug)

    def index(self) -> str:
        return f"{self.up}index.html" if self.static else "/"

    def index_tag(self, tag: str) -> str:
        return f"{self.index()}#tag-{quote(tag, safe='')}" if self.static else "/claims?" + urlencode({"tag": tag})

    def stylesheet(self) -> str:
        return f"{self.up}style.css" if self.static else "/static/style.css"

    def json(self, path: str) -> str:
        """The JSON twin of a page path made by this Links."""
        if self.static:
            return path.removesuffix(".html") + ".json"
        base, _, query = path.partition("?")
        return (base.rstrip("/") or "/index") + ".json" + (f"?{query}" if query else "")


@dataclass
class Page:
    template: str
    title: str
    data: Any  # the JSON twin
    # What the template needs besides; a function where it costs queries the JSON twin does not need.
    context: dict[str, Any] | Callable[[], dict[str, Any]] = field(default_factory=dict)


def whole_number(value: str | None, what: str, default: int) -> int:
    """A query parameter that must be a whole number from 1 to MAX_LIMIT."""
    if value is None or value == "":
        return default
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
        raise InvalidInput(f"{what} must be a whole number from 1 to {MAX_LIMIT}, not {value!r}")
    return int(text)


# --- pages ----------------------------------------------------------------------------------------


def index_page(
    session: Session,
    links: Links,
    *,
    tag: str | None = None,
    limit: int | None = INDEX_LIMIT,
    claims: list[ClaimRow] | None = None,
    pager: dict[str, Any] | None = None,
    heading: str | None = None,
) -> Page:
    """Claims by tag, with their verdict and evidence counts: `claim list [--tag T] --limit N --json`;
    or, for the static site, one page of `claims` read already, with links to the pages around it
    (under `heading`: the claims of one facet's value)."""
    if claims is None:
        claims = list(list_claims(session, tag=tag, limit=limit))
    groups: dict[str, list[ClaimRow]] = {}
    for claim in claims:
        for name in claim["tags"] or ["untagged"]:
            groups.setdefault(name, []).append(claim)
    ordered = sorted(groups.items(), key=lambda group: (group[0] == "untagged", group[0]))
    truncated = pager is None and limit is not None and len(claims) == limit
    title = heading or (f"Claims tagged {tag}" if tag else "Claims")
    if pager and pager["number"] > 1:
        title += f", page {pager['number']}"
    return Page(
        "index.html.j2",
        title,
        claims,
        {
            "groups": ordered,
            "tag": tag,
            "limit": limit,
            "truncated": truncated,
            "pager": pager,
            "back": f"{links.up}browse.html" if heading and links.static else None,
        },
    )


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_PARAMETERS = 100  # pairs in a query string: a filter's values are capped again (browse.MAX_VALUES)
BROWSE_OPTIONS = ("sort", "after", "size")  # the query string's names that are not filters


def _given(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A query string's pairs but those left empty (a form's blank box: no filter), its length checked."""
    if len(pairs) > MAX_PARAMETERS:
        raise InvalidInput(f"too many parameters: at most {MAX_PARAMETERS}")
    return [(name, value) for name, value in pairs if value.strip()]


def _options(pairs: list[tuple[str, str]], names: tuple[str, ...]) -> dict[str, str]:
    """The query string's values of `names`, each at most once."""
    options: dict[str, str] = {}
    for name, value in pairs:
        if name in names:
            if name in options:
                raise InvalidInput(f"give {name!r} once")
            options[name] = value
    return options


def browse_request(pairs: list[tuple[str, str]]) -> tuple[browse.Filters, str | None, int]:
    """The filters, cursor and page size a `/claims` query string asks for; refused as
    InvalidInput (a 400) when it is malformed."""
    pairs = _given(pairs)
    options = _options(pairs, BROWSE_OPTIONS)
    filters = browse.read_filters(pairs, sort=options.get("sort") or None, ignore=BROWSE_OPTIONS)
    return filters, options.get("after"), whole_number(options.get("size"), "size", browse.PAGE_SIZE)


def browse_url(filters: browse.Filters, suffix: str = "", after: str | None = None, size: int | None = None) -> str:
    """`/claims` (with `suffix`: ".json", ".csv", ".jsonl") for these filters, from `after`."""
    pairs = filters.pairs()
    if filters.sort != "date":
        pairs.append(("sort", filters.sort))
    if size is not None and size != browse.PAGE_SIZE:
        pairs.append(("size", str(size)))
    if after:
        pairs.append(("after", after))
    return f"/claims{suffix}" + (f"?{urlencode(pairs)}" if pairs else "")


def claims_page(session: Session, links: Links, pairs: list[tuple[str, str]]) -> Page:
    """`/claims`: the claims the query string's filters select, a page at a time by keyset, with
    each facet's counts under those filters and links that add or remove a filter."""
    filters, after, size = browse_request(pairs)
    found = browse.page(session, filters, after=after, size=size)
    counted = browse.facets(session, filters)
    data = {
        **filters.view(),
        "claims": found.rows,
        "next": browse_url(filters, ".json", found.next, size) if found.next else None,
        "cursor": found.next,
        "facets": counted,
    }
    context = {
        "filters": filters.view(),
        "pairs": filters.pairs(),
        "query": filters.values.get("q", ("",))[0],
        "sorts": browse.SORTS,
        "claims": found.rows,
        "facets": counted,
        "after": after,
        "first": browse_url(filters, size=size),
        "next": browse_url(filters, "", found.next, size) if found.next else None,
        "toggle": lambda name, value: browse_url(filters.toggled(name, value), size=size),
        "download": lambda kind: browse_url(filters, f".{kind}"),
    }
    title = "Claims" + (", filtered" if filters.values else "")
    return Page("claims.html.j2", title, data, context)


def list_request(
    listing: listings.Listing, pairs: list[tuple[str, str]]
) -> tuple[dict[str, tuple[str, ...]], str | None, int]:
    """The filters, cursor and page size a `/sources` or `/actors` query string asks for."""
    pairs = _given(pairs)
    options = _options(pairs, ("after", "size"))
    filters = listings.read_filters(listing, pairs, ignore=("after", "size"))
    return filters, options.get("after"), whole_number(options.get("size"), "size", browse.PAGE_SIZE)


def list_url(
    name: str, filters: dict[str, tuple[str, ...]], suffix: str = "", after: str | None = None, size: int | None = None
) -> str:
    pairs = [(key, value) for key, values in filters.items() for value in values]
    if size is not None and size != browse.PAGE_SIZE:
        pairs.append(("size", str(size)))
    if after:
        pairs.append(("after", after))
    return f"/{name}{suffix}" + (f"?{urlencode(pairs)}" if pairs else "")


def listing_page(session: Session, links: Links, name: str, pairs: list[tuple[str, str]]) -> Page:
    """`/sources`, `/actors`: every row, filtered by its fields, with their counts, by cursor."""
    listing = listings.LISTINGS[name]
    filters, after, size = list_request(listing, pairs)
    found = listings.page(session, listing, filters, after=after, size=size)
    counted = listings.facets(session, listing, filters)

    def toggled(key: str, value: str) -> str:
        now = filters.get(key, ())
        changed = tuple(v for v in now if v != value) if value in now else (*now, value)
        return list_url(name, {k: v for k, v in {**filters, key: changed}.items() if v}, size=size)

    data = {
        "filters": {key: list(values) for key, values in filters.items()},
        name: found.rows,
        "next": list_url(name, filters, ".json", found.next, size) if found.next else None,
        "cursor": found.next,
        "facets": counted,
    }
    context = {
        "name": name,
        "rows": found.rows,
        "pairs": [(key, value) for key, values in filters.items() for value in values],
        "facets": counted,
        "after": after,
        "first": list_url(name, filters, size=size),
        "next": list_url(name, filters, "", found.next, size) if found.next else None,
        "toggle": toggled,
        "download": lambda kind: list_url(name, filters, f".{kind}"),
    }
    return Page("listing.html.j2", name.capitalize() + (", filtered" if filters else ""), data, context)


def static_facets_page(
    session: Session, links: Links, facets: dict[str, list[dict[str, Any]]], left_out: list[str], most: int
) -> Page:
    """The static site's browse.html: each facet's values with their counts, each a page of claims."""
    data = {"facets": facets, "values_left_out_of": left_out, "most": most}
    href = lambda name, value: f"browse/{name}/{facet_file(value)}.html"  # noqa: E731
    return Page("static_facets.html.j2", "Browse the claims", data, {**data, "href": href})


def facet_file(value: str) -> str:
    """The file name (without suffix) of a facet value's page: the value when it is a slug (tags,
    ratings, years), else its slug and a digest of it ("Português" → portugues-1f0c2a9b): no
    character a browser would decode, no "/" or "..", and no two values on one file, whatever
    the case-folding of the file system."""
    import hashlib

    if _SLUG.fullmatch(value):
        return value
    return f"{slugify(value) or 'value'}-{hashlib.sha256(value.encode()).hexdigest()[:8]}"


def overview_page(session: Session, links: Links) -> Page:
    """`/` on the server: the database at a glance (browse.overview), linking into /claims."""
    found = browse.overview(session)
    toggle = lambda name, value: browse_url(browse.Filters().toggled(name, value))  # noqa: E731
    return Page("overview.html.j2", "Claims and counterclaims", found, {"o": found, "toggle": toggle})


def claim_page(
    session: Session,
    links: Links,
    slug: str,
    dossier: Dossier | None = None,
    reviews: list[dict[str, Any]] | None = None,
    events: dict[str, list[dict[str, Any]]] | None = None,
) -> Page:
    """The dossier: `claim show SLUG --json`, with its pictures and ClaimReview JSON-LD; `dossier`,
    `reviews` and the `events` of its sources (events_by_source) when read already, for many
    claims at once (the static site)."""
    if dossier is None:
        dossier = show_claim(session, slug)
    claim_id = dossier["claim"]["id"]

    def context() -> dict[str, Any]:
        dated = events_for_sources(session, cited_sources(dossier), events)
        entries = svg.timeline_entries(dossier, dated, lambda s: links.claim(s), lambda s: links.source(s))
        ratings = {verdict["rating"] for verdict in dossier["current_verdicts"]}
        related = [
            (relation.value, item)
            for relation in Relation
            if relation != Relation.REBUTS
            for item in dossier["related"].get(relation.value, [])
        ]
        return {
            "d": dossier,
            "stances": [stance.value for stance in Stance],
            "related": related,
            "agreement": None if len(dossier["current_verdicts"]) < 2 else len(ratings) == 1,
            "graph": svg.claim_graph(dossier, lambda s: links.claim(s)),
            "timeline": svg.timeline(entries),
            "relation_colours": svg.RELATION_COLOURS,
            "reviews": reviews if reviews is not None else reviews_by_claim(session, [claim_id])[claim_id],
        }

    return Page("claim.html.j2", dossier["claim"]["text"], dossier, context)


def source_page(session: Session, links: Links, slug: str, view: dict[str, Any] | None = None) -> Page:
    """A source and its archived text with every anchored quote highlighted: `source show SLUG --json`;
    `view` when read already (sources.source_views, for the static site)."""
    view = view or show_source(session, slug)

    def context() -> dict[str, Any]:
        text, offsets = archived_text(session, view["id"])
        evidence = {row["id"]: row for row in view["evidence"]}
        return {
            "s": view,
            "has_text": text is not None,
            "archived": highlighted(text or "", offsets, evidence, links),
            "placed": {evidence_id for evidence_id in offsets if evidence_id in evidence},
        }

    return Page("source.html.j2", view["title"], view, context)


def actor_page(session: Session, links: Links, slug: str) -> Page:
    view = show_actor(session, slug)
    return Page("actor.html.j2", view["name"], view, {"a": view})


def search_page(
    session: Session, links: Links, query: str | None, scope: str | None = None, limit: int = SEARCH_LIMIT
) -> Page:
    """`search QUERY [--in SCOPE] --json`; with no query, the empty form."""

    if query is None:
        return Page("search.html.j2", "Search", [], {"query": "", "scope": scope, "hits": []})
    hits = search(session, query, scope=scope, limit=limit)
    data = [hit_view(hit) for hit in hits]
    shown = [
        {
            "kind": hit.kind,
            "title": hit.title,
            "href": links.source(hit.slug or "")
            if hit.kind == "sources"
            else links.claim(hit.slug or "", f"quote-{hit.id}" if hit.kind == "evidence" else ""),
            "slug": hit.slug,
            "pieces": _pieces(hit),
        }
        for hit in hits
    ]
    return Page("search.html.j2", f"Search: {query}", data, {"query": query, "scope": scope, "hits": shown})


def _pieces(hit: Any) -> list[tuple[str, bool]]:
    """A hit's snippet as (text, matched) pieces, for the template to mark."""
    return [(piece, number % 2 == 1) for number, piece in enumerate(hit.highlighted("\0", "\0").split("\0"))]


def similar_page(session: Session, links: Links, text: str | None, limit: int = SIMILAR_LIMIT) -> Page:
    """`similar TEXT --json`; with no text, the empty form."""
    if text is None:
        return Page("similar.html.j2", "Similar claims", [], {"text": "", "matches": []})
    if not text.strip():
        raise InvalidInput("the text to compare is empty: give a claim in any wording")
    text = required_text(text, "the text to compare", MAX_QUERY)  # the CLI's limit: a long text runs long
    matches = similar_claims(session, text, limit=limit)
    return Page("similar.html.j2", f"Similar to: {text}", matches, {"text": text, "matches": matches})


def history_page(
    session: Session, links: Links, slug: str | None, limit: int = HISTORY_LIMIT, *, found: dict[str, Any] | None = None
) -> Page:
    """`history [SLUG] --json`: who changed what, newest first; `found`, what list_history gives,
    when read already (the static site reads a block of claims' histories at once)."""
    result = found if found is not None else list_history(session, slug, limit=limit)
    subject = result["subject"]
    return Page(
        "history.html.j2",
        f"History of {subject['slug']}" if subject else "History",
        result,
        {"h": result, "subject": subject},
    )


def queue_page(session: Session, links: Links, params: Any) -> Page:
    """`queue --json`: the claims in work, oldest first, with the CLI's filters (status, assignee,
    unassigned, tag, limit); a blank filter is none."""
    from ..services.desk import QUEUE_LIMIT, queue, statuses

    def given(name: str) -> str | None:
        return (params.get(name) or "").strip() or None

    unassigned = (given("unassigned") or "").lower() in ("1", "yes", "true", "on")
    limit = whole_number(params.get("limit"), "limit", QUEUE_LIMIT)
    found = queue(
        session,
        status=given("status"),
        assignee=given("assignee"),
        unassigned=unassigned,
        tag=given("tag"),
        limit=limit,
    )
    chosen = {"status": given("status"), "assignee": given("assignee"), "unassigned": unassigned, "tag": given("tag")}
    return Page(
        "queue.html.j2",
        "The desk's queue",
        found,
        lambda: {"q": found, "chosen": chosen, "statuses": statuses(session)},
    )


# --- the archived text with its quotes ------------------------------------------------------------


def highlighted(
    text: str, offsets: dict[int, tuple[int, int]], evidence: dict[int, dict[str, Any]], links: Links
) -> Markup:
    """The archived text as escaped HTML, each anchored quote inside a <mark> with the
    id `evidence-ID` and a link back to its claim. Quotes may overlap: the text is cut at every
    quote's start and end, and each piece is marked by the quotes that cover it."""
    from markupsafe import escape

    quotes = sorted(
        (start, end, evidence_id)
        for evidence_id, (start, end) in offsets.items()
        if evidence_id in evidence and 0 <= start < end <= len(text)
    )
    cuts = sorted({0, len(text), *(point for start, end, _id in quotes for point in (start, end))})
    out: list[str] = []
    opened: set[int] = set()
    for left, right in zip(cuts, cuts[1:], strict=False):
        covering = [(start, end, evidence_id) for start, end, evidence_id in quotes if start <= left and right <= end]
        piece = str(escape(text[left:right]))
        if not covering:
            out.append(piece)
            continue
        first = min(covering, key=lambda quote: (quote[0], quote[2]))
        row = evidence[first[2]]
        attributes = f'class="quote stance-{escape(row["stance"])}" title="{escape(_label(row))}"'
        if first[2] not in opened and left == first[0]:
            opened.add(first[2])
            attributes = f'id="evidence-{first[2]}" ' + attributes
        for start, _end, evidence_id in covering:
            if evidence_id != first[2] and evidence_id not in opened and left == start:
                opened.add(evidence_id)
                out.append(f'<span id="evidence-{evidence_id}"></span>')
        out.append(f"<mark {attributes}>{piece}</mark>")
        for _start, end, evidence_id in covering:
            if end == right:
                href = links.claim(evidence[evidence_id]["claim"], f"quote-{evidence_id}")
                out.append(
                    f'<a class="qref" href="{escape(href)}" title="{escape(_label(evidence[evidence_id]))}">'
                    f"{escape(evidence[evidence_id]['claim'])}</a>"
                )
    # Shown with `white-space: pre-wrap`: the text's own line breaks, and marks never cut apart.
    return Markup("".join(out))


def _label(row: dict[str, Any]) -> str:
    return f"{row['stance']} {row['claim']} ({row['quote_status']})"


QUOTE_STATUS_LABELS = {
    QuoteStatus.VERIFIED.value: "verified",
    QuoteStatus.FUZZY.value: "fuzzy match",
    QuoteStatus.NOT_FOUND.value: "not found in the text",
    QuoteStatus.UNVERIFIED.value: "unverified (no archived text)",
}
