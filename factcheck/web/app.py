"""The read-only ASGI app: each route opens a read-only session, asks one page function of
`pages` for its data, and answers with the HTML page or, at the same path plus `.json`, the data
as the CLI's `--json` prints it. GET and HEAD only; strict security headers on every answer."""

from __future__ import annotations

import ipaddress
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

from ..api import open as open_database
from ..errors import DatabaseProblem, FactcheckError, NotFound
from ..interchange.dataset.csvfiles import CLAIM_COLUMNS, LIST_COLUMNS, rows_csv
from ..jsontext import to_json, to_json_line
from ..services import browse, listings
from . import pages
from .pages import Links, Page

# No script may run (the JSON-LD block is data, not script); styles only from this server; forms
# only submit here; nothing may frame the pages.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# The same policy as a <meta> tag for the static site, where no server sends headers
# (frame-ancestors is not allowed there).
META_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'"
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
READ_METHODS = ("GET", "HEAD")
MAX_URL = 16_384  # bytes of path and query; a longer request head is refused by the server before (also 414)
ENV_SERVE_DB = "FACTCHECK_SERVE_DB"  # the database `serve --workers N` hands its worker processes
ENV_SERVE_HOSTS = "FACTCHECK_SERVE_HOSTS"  # and the names it answers to (--allow-host), space-separated
APP_FACTORY = "factcheck.web.app:app_from_environment"
DOWNLOAD_LINES = 500  # lines of a download sent at once
_SUGGESTIONS = re.compile(r"did you mean: (.*)\?$")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("factcheck.web", "templates"),
        autoescape=True,  # every template is HTML
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the package's templates do not change while it runs: no stat a page
    )
    env.filters["http_url"] = http_url
    env.filters["brief"] = brief
    env.globals["META_CSP"] = META_CSP
    env.globals["QUOTE_STATUS_LABELS"] = pages.QUOTE_STATUS_LABELS
    return env


def http_url(url: Any) -> str | None:
    """The URL when it is http(s) with a host, the only kind that becomes a link; else None."""
    from urllib.parse import urlsplit

    if not url:
        return None
    text = str(url).strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def brief(value: Any, limit: int = 240) -> str:
    """A recorded value in a line: text as it is, anything else as JSON, cut at `limit`."""
    if value is None:  # most recorded values are text or none: no encoder for them
        return "null"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(page: Page, links: Links, *, self_path: str) -> str:
    """A page as HTML; `self_path` is this page's own path, for the link to its JSON twin. Called
    while the page's session is open: its context may still query."""
    context = page.context() if callable(page.context) else page.context
    return (
        environment()
        .get_template(page.template)
        .render(title=page.title, links=links, json_href=links.json(self_path), **context)
    )


def error_page(status: int, message: str, kind: str | None, links: Links) -> str:
    """The error as a page naming it, with links to the close slugs its message suggests."""
    found = _SUGGESTIONS.search(message)
    suggestions = [slug.strip() for slug in found.group(1).split(",")] if found else []
    return (
        environment()
        .get_template("error.html.j2")
        .render(
            title={404: "Not found", 400: "Bad request", 405: "Not allowed"}.get(status, "Unavailable"),
            links=links,
            json_href=None,
            status=status,
            message=message,
            kind=kind,
            suggestions=suggestions,
        )
    )


def host_name(host: str) -> str:
    """The name in a Host header, without its port: "127.0.0.1:8000" → "127.0.0.1", "[::1]:80" → "::1"."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return (host.rsplit(":", 1)[0] if host.count(":") == 1 else host).rstrip(".")  # "localhost." is localhost


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class ReadOnly:
    """Refuses every method but GET and HEAD, on every path, and adds the security headers.

    Answers only requests for an address (127.0.0.1, a LAN address), `localhost` or a name in
    `hosts`: a page on another site that makes its own name point at this server (DNS rebinding)
    would otherwise read the whole database, as this server's own pages."""

    def __init__(self, app: ASGIApp, hosts: Sequence[str] = ()) -> None:
        self.app = app
        self.hosts = {"localhost", *(host_name(host) for host in hosts)}

    def serves(self, host: str) -> bool:
        """Whether to answer a request for `host` (no Host at all: an HTTP/1.0 client, not a browser)."""
        name = host_name(host)
        return not name or name in self.hosts or _is_address(name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        refusal = self.refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def refusal(self, scope: Scope) -> Response | None:
        """The plain-text answer to a request this view does not serve, or None."""
        host = next((value for key, value in scope["headers"] if key == b"host"), b"").decode("latin-1")
        if not self.serves(host):
            return _plain(
                400,
                f"host {host!r} is not served here: ask for this server by its address, or start it with "
                "`factcheck serve --allow-host NAME` for a name of its own (a proxy's)",
            )
        if len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") > MAX_URL:
            return _plain(414, f"the URL is too long: at most {MAX_URL:,} bytes")
        if scope["method"] not in READ_METHODS:
            return _plain(
                405,
                f"{scope['method']} is not allowed: this view is read-only (GET and HEAD only)",
                {"Allow": ", ".join(READ_METHODS)},
            )
        return None


def _plain(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(message + "\n", status_code=status, headers=headers, media_type="text/plain")


def create_app(url: str, hosts: Sequence[str] = ()) -> ASGIApp:
    """The web view of the database at `url` (read-only sessions: it never writes), answering
    requests for an address, localhost or one of `hosts` (names a proxy gives it)."""

    database = open_database(url)
    links = Links()

    def answer(request: Request, kind: str | None, make: Callable[[Session], Page]) -> Response:
        """The page `make` builds, as HTML or (at a path ending in .json) its JSON twin; a user's
        error is a page naming it: 404 for what does not exist, 400 for a malformed query."""
        as_json = request.url.path.endswith(".json")
        try:
            with database.read() as session:
                page = make(session)
                body = to_json(page.data) if as_json else render(page, links, self_path=_self_path(request))
        except DatabaseProblem as error:  # the server's log says what; a visitor need not see where the database is
            print(f"factcheck serve: {error}", file=sys.stderr)
            return _error(request, 503, "the database is unavailable just now; try again later", kind)
        except FactcheckError as error:
            return _error(request, 404 if isinstance(error, NotFound) else 400, str(error), kind)
        if as_json:
            return Response(body, media_type="application/json")
        return HTMLResponse(body)

    def _error(request: Request, status: int, message: str, kind: str | None) -> Response:
        if request.url.path.endswith(".json"):
            return Response(to_json({"error": message, "status": status}), status, media_type="application/json")
        return HTMLResponse(error_page(status, message, kind, links), status)

    def _slug(request: Request) -> str:
        return str(request.path_params["slug"]).removesuffix(".json")

    def _limit(request: Request, default: int) -> int:
        return pages.whole_number(request.query_params.get("limit"), "limit", default)

    def index(request: Request) -> Response:
        return answer(request, None, lambda s: pages.overview_page(s, links))

    def claim(request: Request) -> Response:
        return answer(request, "claims", lambda s: pages.claim_page(s, links, _slug(request)))

    def claims(request: Request) -> Response:
        return answer(request, None, lambda s: pages.claims_page(s, links, request.query_params.multi_items()))

    def listing(request: Request) -> Response:
        name = request.url.path.strip("/").removesuffix(".json")
        return answer(request, None, lambda s: pages.listing_page(s, links, name, request.query_params.multi_items()))

    def download(request: Request) -> Response:
        """Every claim (source, actor) the filters select, or a search's hits (up to `limit`, 1,000 at
        most), as CSV or JSON lines, streamed a page of rows at a time from one read-only
        transaction; the filters are checked before the first byte."""
        name, _dot, kind = request.url.path.strip("/").rpartition(".")
        pairs = request.query_params.multi_items()
        try:
            if name == "claims":
                chosen: Any = pages.browse_request(pairs)[0]
            elif name == "search":  # at most MAX_LIMIT hits: found before the answer starts
                params = request.query_params
                with database.read() as session:
                    chosen = pages.search_page(
                        session, links, params.get("q") or "", params.get("in") or None, _limit(request, 1000)
                    ).data
            else:
                chosen = pages.list_request(listings.LISTINGS[name], pairs)[0]
        except DatabaseProblem as error:
            print(f"factcheck serve: {error}", file=sys.stderr)
            return _plain(503, "the database is unavailable just now; try again later")
        except FactcheckError as error:
            return _plain(400, str(error))

        def rows() -> Iterator[str]:
            with database.read() as session:
                if name == "claims":
                    found: Iterator[Any] = browse.every(session, chosen)
                elif name == "search":
                    found = iter(chosen)
                else:
                    found = listings.every(session, listings.LISTINGS[name], chosen)
                lines = (
                    (to_json_line(row) for row in found)
                    if kind == "jsonl"
                    else rows_csv(found, CLAIM_COLUMNS if name == "claims" else LIST_COLUMNS[name])
                )
                while chunk := "".join(itertools.islice(lines, DOWNLOAD_LINES)):  # a thread hop a chunk, not a line
                    yield chunk

        media = "text/csv; charset=utf-8" if kind == "csv" else "application/x-ndjson"
        headers = {"Content-Disposition": f'attachment; filename="{name}.{kind}"'}
        return StreamingResponse(rows(), media_type=media, headers=headers)

    def desk_queue(request: Request) -> Response:
        return answer(request, None, lambda s: pages.queue_page(s, links, request.query_params))

    def source(request: Request) -> Response:
        return answer(request, "sources", lambda s: pages.source_page(s, links, _slug(request)))

    def actor(request: Request) -> Response:
        return answer(request, "actors", lambda s: pages.actor_page(s, links, _slug(request)))

    def history(request: Request) -> Response:
        slug = _slug(request) if "slug" in request.path_params else None
        return answer(
            request,
            "claims",
            lambda s: pages.history_page(s, links, slug, limit=_limit(request, pages.HISTORY_LIMIT)),
        )

    def search(request: Request) -> Response:
        params = request.query_params
        return answer(
            request,
            None,
            lambda s: pages.search_page(
                s, links, params.get("q"), params.get("in") or None, _limit(request, pages.SEARCH_LIMIT)
            ),
        )

    def similar(request: Request) -> Response:
        params = request.query_params
        limit = pages.SIMILAR_LIMIT
        return answer(request, None, lambda s: pages.similar_page(s, links, params.get("text"), _limit(request, limit)))

    def stylesheet(request: Request) -> Response:
        return Response(STYLESHEET(), media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(request, 404, f"no page at {request.url.path}: see the index", None)

    routes = [
        Route("/", index),
        Route("/index.json", index),
        Route("/claims", claims),
        Route("/claims.json", claims),
        *(
            Route(f"/{name}.{kind}", download)
            for name in ("claims", "sources", "actors", "search")
            for kind in ("csv", "jsonl")
        ),
        *(Route(path, listing) for name in ("sources", "actors") for path in (f"/{name}", f"/{name}.json")),
        Route("/claims/{slug}", claim),
        Route("/sources/{slug}", source),
        Route("/actors/{slug}", actor),
        Route("/queue", desk_queue),
        Route("/queue.json", desk_queue),
        Route("/history", history),
        Route("/history.json", history),
        Route("/history/{slug}", history),
        Route("/search", search),
        Route("/search.json", search),
        Route("/similar", similar),
        Route("/similar.json", similar),
        Route("/static/style.css", stylesheet),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found})
    return ReadOnly(app, hosts)


def app_from_environment() -> ASGIApp:
    """The app for a worker process of `serve --workers N`, on the database and names it was handed."""
    import os

    return create_app(os.environ[ENV_SERVE_DB], os.environ.get(ENV_SERVE_HOSTS, "").split())


def _self_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


@lru_cache(maxsize=1)
def STYLESHEET() -> str:  # noqa: N802 - a constant read once from the package
    return files("factcheck.web").joinpath("static/style.css").read_text(encoding="utf-8")
