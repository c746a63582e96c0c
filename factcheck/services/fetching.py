"""Fetching a source by URL (httpx) and keeping the response as a WARC record (warcio).

A fetch follows redirects itself, one hop at a time, so that each hop is checked and recorded:
only http and https, never to a private, loopback or link-local address unless allowed (a later
web form must not be turned against the user's network), at most MAX_REDIRECTS hops and no
loops. The body is read in pieces up to MAX_FETCH_BYTES, decoded (gzip, deflate) as it comes, and
the whole fetch may take at most FETCH_SECONDS, a slow drip included. What it reads is kept as it
was read: each redirect and the final response as WARC response records, gzipped, the body
decoded (the record's headers say so: Content-Encoding is dropped, Content-Length is the body's).

The fetch touches no database: callers fetch before they start writing, and Ctrl-C leaves nothing."""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import os
import socket
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from .. import __version__
from ..errors import InvalidInput
from .articles import Article, checked_text, decode_page, read_html
from .captures import WEB, Kept

MAX_FETCH_BYTES = 50_000_000
MAX_REDIRECTS = 10
FETCH_SECONDS = 30.0  # the whole fetch, redirects included
CONNECT_SECONDS = 10.0
USER_AGENT = f"factcheck/{__version__} (archiving a source for fact-checking)"
HTML_TYPES = {"text/html", "application/xhtml+xml"}
READ_TYPES = HTML_TYPES | {"application/pdf", "text/plain"}
# Where --archive asks for a copy: the Internet Archive's Save Page Now (another for tests).
SAVE_PAGE_NOW = "https://web.archive.org"
DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass
class Response:
    url: str
    status: int
    reason: str
    http_version: str
    headers: list[tuple[str, str]]
    body: bytes = b""


@dataclass
class Fetched:
    """A page fetched: the URL asked for, every response on the way (redirects first)."""

    url: str
    responses: list[Response] = field(default_factory=list)
    fetched_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def final(self) -> Response:
        return self.responses[-1]

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.final.headers if key.lower() == name), None)

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in (self.header("content-type") or "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


def check_url(url: str) -> str:
    """`url` if it is an http(s) URL with a host (and a port that can be); else one line saying
    what is allowed."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError as error:
        raise InvalidInput(f"{url!r} is not a web address: {error}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        scheme = f" ({parts.scheme}:)" if parts.scheme else ""
        raise InvalidInput(f"{url!r} is not a web address{scheme}: only http:// and https:// URLs are fetched")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(f"{parts.hostname}: give the address without a user name or password in it")
    return text


def _address(url: str, allow_private: bool) -> str:
    """The address to connect to for `url`'s host, looked up once (the connection goes to the
    address checked, so a second lookup cannot lead elsewhere): one that is public, unless
    `allow_private`."""
    import httpx

    host = httpx.URL(url).host  # as httpx sends it: an international name in its IDNA form
    port = urlsplit(url).port or (443 if url.lower().startswith("https") else 80)
    try:
        addresses = [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    except (socket.gaierror, UnicodeError) as error:
        raise InvalidInput(f"cannot reach {host}: {getattr(error, 'strerror', None) or error}") from None
    if not allow_private:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                where = f"{host} is at {address}," if host.strip("[]") != address else f"{address} is"
                raise InvalidInput(
                    f"{where} a private or local address: pass --allow-private to fetch from your own network"
                )
    return addresses[0]


def fetch(url: str, *, allow_private: bool = False) -> Fetched:
    """GET `url`, following redirects hop by hop (see the module's docstring). The whole fetch
    runs in a thread given FETCH_SECONDS: a server dripping its headers a byte at a time is left
    behind when they are up."""
    import queue
    import threading

    outcome: queue.Queue[tuple[Fetched | None, BaseException | None]] = queue.Queue()

    def run() -> None:
        try:
            outcome.put((_fetch(url, allow_private), None))
        except BaseException as error:  # handed to the caller's thread
            outcome.put((None, error))

    threading.Thread(target=run, daemon=True, name="factcheck-fetch").start()
    try:
        fetched, error = outcome.get(timeout=FETCH_SECONDS)
    except queue.Empty:
        raise InvalidInput(f"{url} took over {FETCH_SECONDS:g} s to fetch: nothing was added") from None
    if error is not None:
        raise error
    assert fetched is not None
    return fetched


def _fetch(url: str, allow_private: bool) -> Fetched:
    import httpx

    fetched = Fetched(check_url(url))
    timeout = httpx.Timeout(FETCH_SECONDS, connect=CONNECT_SECONDS)
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9",
        "Accept-Encoding": "gzip, deflate",
    }
    seen: set[str] = set()
    current = fetched.url
    # The transport alone: it sends one request and answers its response, redirects untouched.
    with httpx.HTTPTransport(retries=0) as transport:
        while True:
            check_url(current)
            if current in seen:
                raise InvalidInput(f"{url} redirects in a loop (back to {current})")
            seen.add(current)
            try:
                target = httpx.URL(current)
                address = _address(current, allow_private)
                pinned = target.copy_with(host=address)
                request = httpx.Request(
                    "GET",
                    pinned,
                    headers={**headers, "Host": target.netloc.decode("ascii")},
                    extensions={"sni_hostname": target.host, "timeout": timeout.as_dict()},
                )
                response = transport.handle_request(request)
            except httpx.TimeoutException:
                raise InvalidInput(f"{current} did not answer within {FETCH_SECONDS:g} s") from None
            except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:
                raise InvalidInput(f"cannot fetch {current}: {error or type(error).__name__}") from None
            try:
                got = Response(
                    current,
                    response.status_code,
                    response.reason_phrase,
                    response.extensions.get("http_version", b"HTTP/1.1").decode("ascii", "replace"),
                    [(key, value) for key, value in response.headers.multi_items()],
                )
                if response.is_redirect and response.headers.get("location"):
                    fetched.responses.append(got)
                    if len(fetched.responses) > MAX_REDIRECTS:
                        raise InvalidInput(f"{url} redirects more than {MAX_REDIRECTS} times")
                    current = urljoin(current, response.headers["location"].strip())
                    continue
                if not 200 <= response.status_code < 300:
                    raise InvalidInput(
                        f"{current} answered {response.status_code} {response.reason_phrase}: nothing was added"
                    )
                try:
                    got.body = _body(response, current)
                except httpx.TimeoutException:
                    raise InvalidInput(f"{current} did not answer within {FETCH_SECONDS:g} s") from None
                except httpx.HTTPError as error:
                    raise InvalidInput(f"cannot fetch {current}: {error or type(error).__name__}") from None
                fetched.responses.append(got)
                return fetched
            finally:
                response.close()


def _body(response: Any, url: str) -> bytes:
    """The body as sent, inflated (gzip or deflate, one layer) a bounded piece at a time: a
    small compressed body that inflates past MAX_FETCH_BYTES is refused before it does."""
    too_big = InvalidInput(f"{url} is over {MAX_FETCH_BYTES:,} bytes: at most {MAX_FETCH_BYTES:,} are fetched")
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > MAX_FETCH_BYTES:
        raise InvalidInput(f"{url} is {int(declared):,} bytes: at most {MAX_FETCH_BYTES:,} are fetched")
    codings = [c.strip().lower() for c in response.headers.get("content-encoding", "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
        raise InvalidInput(f"{url} is sent encoded as {', '.join(codings)}: only gzip or deflate, once, is read")
    inflater = zlib.decompressobj(47) if codings else None  # 47: a gzip or zlib header, found by itself
    chunks, size = [], 0
    for raw in response.iter_raw():
        pieces = [raw]
        if inflater is not None:
            try:
                pieces = [inflater.decompress(raw, MAX_FETCH_BYTES + 1 - size)]
                while inflater.unconsumed_tail and size + sum(map(len, pieces)) <= MAX_FETCH_BYTES:
                    pieces.append(inflater.decompress(inflater.unconsumed_tail, MAX_FETCH_BYTES + 1 - size))
            except zlib.error:
                raise InvalidInput(f"{url} sent a body that is not the {codings[0]} data it says") from None
        for piece in pieces:
            size += len(piece)
            if size > MAX_FETCH_BYTES:
                raise too_big
            chunks.append(piece)
    return b"".join(chunks)


def warc_record(fetched: Fetched) -> bytes:
    """Every response of the fetch as a gzipped WARC response record (redirects first)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    date = fetched.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    for response in fetched.responses:
        headers = [(key, value) for key, value in response.headers if key.lower() not in DROPPED_HEADERS]
        headers.append(("Content-Length", str(len(response.body))))
        version = response.http_version if response.http_version.startswith("HTTP/") else "HTTP/1.1"
        http_headers = StatusAndHeaders(f"{response.status} {response.reason}", headers, protocol=version)
        record = writer.create_warc_record(
            response.url,
            "response",
            payload=io.BytesIO(response.body),
            length=len(response.body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": date},
        )
        writer.write_record(record)
    return out.getvalue()


def read_url(url: str, *, allow_private: bool = False) -> Article:
    """The article at `url` (an HTML page, a PDF or plain text), with the fetch kept as its capture."""
    fetched = fetch(url, allow_private=allow_private)
    body, media_type, final = fetched.final.body, fetched.media_type, fetched.final.url
    if media_type not in READ_TYPES:
        raise InvalidInput(
            f"{final} is {media_type or 'of no stated type'}: only HTML pages, PDFs and plain text are read"
        )
    if media_type == "application/pdf":
        from .pdfs import read_pdf

        article = read_pdf(body, final)
    elif media_type == "text/plain":
        article = Article(text=_plain(body, final, fetched.charset))
    else:
        article = read_html(body, final, fetched.charset)
    details = {
        "url": fetched.url,
        "final_url": final,
        "status": fetched.final.status,
        "redirects": [{"url": r.url, "status": r.status} for r in fetched.responses[:-1]],
        "fetched_at": fetched.fetched_at.isoformat(timespec="seconds"),
        "content_type": fetched.header("content-type"),
    }
    if article.capture is not None:  # a PDF's pages
        details.update(article.capture.details)
    article.capture = Kept(WEB, warc_record(fetched), "application/warc", details)
    return article


def _plain(body: bytes, url: str, charset: str | None) -> str:
    return checked_text(decode_page(body, url, charset or "utf-8"), url)


def save_page_now(url: str) -> str:
    """Ask the Internet Archive (or FACTCHECK_SAVE_PAGE_NOW) to archive `url`; the copy's URL."""
    import httpx

    base = os.environ.get("FACTCHECK_SAVE_PAGE_NOW", SAVE_PAGE_NOW).rstrip("/")
    try:
        with httpx.Client(follow_redirects=True, timeout=httpx.Timeout(120.0, connect=CONNECT_SECONDS)) as client:
            response = client.get(f"{base}/save/{url}", headers={"User-Agent": USER_AGENT})
    except httpx.HTTPError as error:
        raise InvalidInput(f"the web archive at {base} could not be reached: {error or type(error).__name__}") from None
    location = response.headers.get("content-location")
    copy = urljoin(base + "/", location) if location else str(response.url)
    if response.status_code >= 400 or "/web/" not in copy:
        raise InvalidInput(f"the web archive at {base} answered {response.status_code} and made no copy")
    return copy
