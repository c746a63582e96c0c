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
import time
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
    """`url` if it is an http(s) URL with a host; else one line saying what is allowed."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        scheme = f" ({parts.scheme}:)" if parts and parts.scheme else ""
        raise InvalidInput(f"{url!r} is not a web address{scheme}: only http:// and https:// URLs are fetched")
    return url.strip()


def _check_host(url: str, allow_private: bool) -> None:
    """Refuse a host any of whose addresses is private, loopback, link-local or otherwise not public."""
    host = urlsplit(url).hostname or ""
    port = urlsplit(url).port or (443 if url.lower().startswith("https") else 80)
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError) as error:
        raise InvalidInput(f"cannot reach {host}: {getattr(error, 'strerror', None) or error}") from None
    if allow_private:
        return
    for address in sorted(addresses):
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            where = f"{host} is at {address}," if host.strip("[]") != address else f"{address} is"
            raise InvalidInput(
                f"{where} a private or local address: pass --allow-private to fetch from your own network"
            )


def fetch(url: str, *, allow_private: bool = False) -> Fetched:
    """GET `url`, following redirects hop by hop (see the module's docstring)."""
    import httpx

    fetched = Fetched(check_url(url))
    deadline = time.monotonic() + FETCH_SECONDS
    timeout = httpx.Timeout(FETCH_SECONDS, connect=CONNECT_SECONDS)
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9"}
    seen: set[str] = set()
    current = fetched.url
    with httpx.Client(follow_redirects=False, timeout=timeout, headers=headers, trust_env=False) as client:
        while True:
            check_url(current)
            _check_host(current, allow_private)
            if current in seen:
                raise InvalidInput(f"{url} redirects in a loop (back to {current})")
            seen.add(current)
            try:
                with client.stream("GET", current) as response:
                    got = Response(
                        current,
                        response.status_code,
                        response.reason_phrase,
                        response.http_version,
                        [(key, value) for key, value in response.headers.multi_items()],
                    )
                    if response.is_redirect:
                        fetched.responses.append(got)
                        if len(fetched.responses) > MAX_REDIRECTS:
                            raise InvalidInput(f"{url} redirects more than {MAX_REDIRECTS} times")
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code >= 400 or response.status_code < 200:
                        raise InvalidInput(
                            f"{current} answered {response.status_code} {response.reason_phrase}: nothing was added"
                        )
                    got.body = _body(response, current, deadline)
                    fetched.responses.append(got)
                    return fetched
            except httpx.TimeoutException:
                raise InvalidInput(f"{current} did not answer within {FETCH_SECONDS:g} s") from None
            except httpx.HTTPError as error:
                raise InvalidInput(f"cannot fetch {current}: {error or type(error).__name__}") from None


def _body(response: Any, url: str, deadline: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_FETCH_BYTES:
        raise InvalidInput(f"{url} is {int(declared):,} bytes: at most {MAX_FETCH_BYTES:,} are fetched")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_FETCH_BYTES:
            raise InvalidInput(f"{url} is over {MAX_FETCH_BYTES:,} bytes: at most {MAX_FETCH_BYTES:,} are fetched")
        if time.monotonic() > deadline:
            raise InvalidInput(f"{url} took over {FETCH_SECONDS:g} s to send: nothing was added")
        chunks.append(chunk)
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
