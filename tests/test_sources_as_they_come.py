"""Sources as they come: web pages fetched by URL (a local HTTP server stands in for the web and
for the Internet Archive), PDFs made by tests/pdfmaker.py, and WebVTT and SRT transcripts; every
way in kept as a capture, every quote placed on its page or at its time, and every bad input
refused with one line and nothing written."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from factcheck.services import fetching, pdfs
from tests.pdfmaker import Page, book, make_pdf, write_pdf

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Baker's assurance, revisited</title>
<meta name="author" content="Mary Sarotte"><meta property="article:published_time" content="2021-11-30">
</head><body><nav>Home | World | Subscribe now</nav><article><h1>Baker's assurance, revisited</h1>
<p>On February 9, 1990, James Baker told Mikhail Gorbachev that NATO's jurisdiction would not shift
one inch eastward, if Germany were united within NATO.</p>
<p>{second}</p></article><footer>All rights reserved</footer></body></html>"""
SECOND = "The phrase was never written into any treaty, and Baker later said the offer had been overtaken."


class Web:
    """A web server on 127.0.0.1 whose pages a test sets: path -> (status, headers, body), or a
    function that handles the request itself."""

    def __init__(self) -> None:
        self.pages: dict[str, Any] = {}
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                page = web.pages.get(self.path)
                if page is None and self.path.startswith("/save/"):
                    page = web.pages.get("/save/")
                if callable(page):
                    page(self)
                    return
                status, headers, body = page or (404, {}, b"not here")
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def html(self, path: str, body: str, charset: str = "utf-8", declared: str | None = "utf-8") -> str:
        content_type = "text/html" + (f"; charset={declared}" if declared else "")
        self.pages[path] = (200, {"Content-Type": content_type}, body.encode(charset))
        return self.base + path


@pytest.fixture
def web() -> Iterator[Web]:
    server = Web()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def nato(cli):  # type: ignore[no-untyped-def]
    cli.ok("claim", "add", "NATO promised not to expand eastward", "--slug", "nato-promise")
    return cli


def warcio(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from warcio.cli import main; sys.exit(main())", *args],
        capture_output=True,
        text=True,
    )


# --- web pages ------------------------------------------------------------------------------------


def test_a_fetched_page_is_archived_with_its_redirects_and_kept_as_a_warc(nato, web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = web.html("/2021/baker", ARTICLE.format(second=SECOND))
    web.pages["/short"] = (301, {"Location": "/go"}, b"")
    web.pages["/go"] = (302, {"Location": page}, b"")
    out = nato.ok("source", "add", "--url", web.base + "/short", "--fetch", "--allow-private", "--slug", "baker")
    assert "after 2 redirects to " + page in out and "response kept as WARC" in out
    shown = nato.json("source", "show", "baker")
    assert shown["title"] == "Baker's assurance, revisited" and shown["published_on"] == "2021-11-30"
    assert shown["url"] == web.base + "/short"  # the address given; the capture says where it led
    capture = shown["capture"]
    assert capture["kind"] == "web" and capture["status"] == 200 and capture["final_url"] == page
    assert [hop["status"] for hop in capture["redirects"]] == [301, 302]
    assert nato.ok("evidence", "add", "nato-promise", "baker", "--stance", "supports", "--quote", "one inch eastward")

    written = tmp_path / "baker.warc.gz"
    assert "sha256 " + capture["sha256"][:12] in nato.ok("source", "capture", "baker", "-o", str(written))
    assert hashlib.sha256(written.read_bytes()).hexdigest() == capture["sha256"]
    assert warcio("check", str(written)).returncode == 0
    index = [json.loads(line) for line in warcio("index", str(written)).stdout.splitlines()]
    assert [(r["warc-type"], r["warc-target-uri"]) for r in index] == [
        ("response", web.base + "/short"),
        ("response", web.base + "/go"),
        ("response", page),
    ]
    with gzip.open(written) as records:  # the page's own bytes are in the last record
        assert b"NATO's jurisdiction would not shift" in records.read()


def test_the_charset_the_server_declares_is_the_one_read(nato, web) -> None:  # type: ignore[no-untyped-def]
    body = ARTICLE.format(second="Заявление МИД: НАТО обещало не расширяться на восток ни на дюйм.")
    url = web.html("/ru", body.replace('<meta charset="utf-8">', ""), charset="windows-1251", declared="windows-1251")
    nato.ok("source", "add", "--url", url, "--fetch", "--allow-private", "--slug", "mid")
    assert nato.ok("evidence", "add", "nato-promise", "mid", "--stance", "supports", "--quote", "ни на дюйм")
    # A label no page is written in (rot13, base64) is read as if none was sent: here, UTF-8.
    web.pages["/rot13"] = (200, {"Content-Type": "text/html; charset=rot13"}, ARTICLE.format(second=SECOND).encode())
    nato.ok("source", "add", "--url", web.base + "/rot13", "--fetch", "--allow-private", "--slug", "rot")


def test_a_gzipped_response_is_read_and_kept_decoded(nato, web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    body = gzip.compress(ARTICLE.format(second=SECOND).encode())
    web.pages["/gz"] = (200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}, body)
    nato.ok("source", "add", "--url", web.base + "/gz", "--fetch", "--allow-private", "--slug", "gz")
    nato.ok("source", "capture", "gz", "-o", str(tmp_path / "gz.warc.gz"))
    assert warcio("check", str(tmp_path / "gz.warc.gz")).returncode == 0
    with gzip.open(tmp_path / "gz.warc.gz") as records:
        kept = records.read()
    assert b"Content-Encoding" not in kept and b"overtaken" in kept


def test_recapture_adds_a_version_only_when_the_text_changed(nato, web) -> None:  # type: ignore[no-untyped-def]
    url = web.html("/page", ARTICLE.format(second=SECOND))
    nato.ok("source", "add", "--url", url, "--fetch", "--allow-private", "--slug", "page")
    nato.ok(
        "evidence", "add", "nato-promise", "page", "--stance", "context", "--quote", "never written into any treaty"
    )
    assert "the text is the same as before, so nothing was added" in nato.ok(
        "source", "recapture", "page", "--allow-private"
    )
    assert len(nato.json("source", "versions", "page")) == 1
    first = nato.json("source", "show", "page")["capture"]["sha256"]

    web.html("/page", ARTICLE.format(second="The offer, Baker later said, had been overtaken by events."))
    out = nato("source", "recapture", "page", "--allow-private")
    assert out.exit_code == 0 and "Archived version 2" in out.stdout and "1 not-found" in out.stdout
    assert "'never written into any treaty' is not in the new text" in out.stderr
    assert len(nato.json("source", "versions", "page")) == 2
    assert nato.json("source", "show", "page")["capture"]["sha256"] != first


def test_save_page_now_is_asked_for_a_copy(nato, web, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = web.html("/statement", ARTICLE.format(second=SECOND))
    web.pages["/save/"] = lambda handler: _archive(handler, web)
    monkeypatch.setenv("FACTCHECK_SAVE_PAGE_NOW", web.base)
    nato.ok("source", "add", "--url", url, "--fetch", "--archive", "--allow-private", "--slug", "st")
    assert nato.json("source", "show", "st")["archive_url"] == f"{web.base}/web/20261207000000/{url}"

    web.pages["/save/"] = (503, {}, b"busy")  # a failed archive is a warning: the source is still added
    second = web.html("/statement-2", ARTICLE.format(second=SECOND))
    result = nato("source", "add", "--url", second, "--fetch", "--archive", "--allow-private", "--slug", "st2")
    assert result.exit_code == 0 and "answered 503" in result.stderr
    assert nato.json("source", "show", "st2")["archive_url"] is None


def _archive(handler: BaseHTTPRequestHandler, web: Web) -> None:
    saved = handler.path.removeprefix("/save/")
    handler.send_response(302)
    handler.send_header("Location", f"{web.base}/web/20261207000000/{saved}")
    handler.send_header("Content-Length", "0")
    handler.end_headers()
    if saved:
        web.pages[f"/web/20261207000000/{saved}"] = (200, {"Content-Type": "text/html"}, b"<p>archived</p>")


def _slow(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(3)


def _drip(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.end_headers()
    try:
        for _ in range(40):
            handler.wfile.write(b"word ")
            handler.wfile.flush()
            time.sleep(0.1)
    except OSError:
        pass


def _endless(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    try:
        for _ in range(1000):
            handler.wfile.write(b"<p>" + b"x" * 10_000 + b"</p>")
    except OSError:
        pass


BAD_URLS: list[tuple[str, Callable[[Web], str], list[str], str]] = [
    ("ftp", lambda w: "ftp://example.org/file.html", [], "only http:// and https:// URLs are fetched"),
    ("file", lambda w: "file:///etc/passwd", [], "(file:): only http:// and https://"),
    ("javascript", lambda w: "javascript:alert(1)", [], "is not a web address (javascript:)"),
    ("private", lambda w: w.html("/p", ARTICLE.format(second=SECOND)), [], "pass --allow-private"),
    ("404", lambda w: w.base + "/nothing", ["--allow-private"], "answered 404 Not Found"),
    ("500", lambda w: w.base + "/boom", ["--allow-private"], "answered 500"),
    ("loop", lambda w: w.base + "/loop", ["--allow-private"], "redirects in a loop"),
    ("hops", lambda w: w.base + "/hop/0", ["--allow-private"], "redirects more than 10 times"),
    ("declared-size", lambda w: w.base + "/huge", ["--allow-private"], "is 999,999,999 bytes: at most 1,000,000"),
    ("streamed-size", lambda w: w.base + "/endless", ["--allow-private"], "bytes: at most"),
    ("timeout", lambda w: w.base + "/slow", ["--allow-private"], "took over 1 s to fetch"),
    ("drip", lambda w: w.base + "/drip", ["--allow-private"], "took over 1 s to fetch"),
    ("type", lambda w: w.base + "/image.png", ["--allow-private"], "is image/png: only HTML pages, PDFs"),
    ("no-article", lambda w: w.base + "/menu", ["--allow-private"], "found no article text"),
    ("unreachable", lambda w: "http://127.0.0.1:9/", ["--allow-private"], "cannot fetch http://127.0.0.1:9/"),
    ("no-host", lambda w: "http://nonexistent.invalid/", [], "cannot reach nonexistent.invalid"),
    ("no-location", lambda w: w.base + "/nowhere", ["--allow-private"], "answered 302 Found"),
    ("port", lambda w: "http://127.0.0.1:99999/", ["--allow-private"], "is not a web address: Port out of range"),
    ("to-javascript", lambda w: w.base + "/tojs", ["--allow-private"], "is not a web address (javascript:)"),
    ("credentials", lambda w: w.base.replace("//", "//bob:secret@") + "/p", ["--allow-private"], "without a user name"),
    ("gzip-bomb", lambda w: w.base + "/gzbomb", ["--allow-private"], "is over 1,000,000 bytes: at most"),
    ("stacked-encodings", lambda w: w.base + "/gzgz", ["--allow-private"], "only gzip or deflate, once, is read"),
    ("header-drip", lambda w: w.base + "/headdrip", ["--allow-private"], "took over 1 s to fetch"),
]


def _head_drip(handler: BaseHTTPRequestHandler) -> None:
    try:
        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"x" * 30:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.1)
    except OSError:
        pass


@pytest.mark.parametrize(("url", "flags", "message"), [case[1:] for case in BAD_URLS], ids=[c[0] for c in BAD_URLS])
def test_bad_addresses_are_refused_and_nothing_is_written(nato, web, dump, monkeypatch, url, flags, message) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(fetching, "FETCH_SECONDS", 1.0)
    monkeypatch.setattr(fetching, "MAX_FETCH_BYTES", 1_000_000)
    web.pages.update(
        {
            "/boom": (500, {}, b"oops"),
            "/loop": (302, {"Location": "/loop"}, b""),
            "/huge": (200, {"Content-Type": "text/html", "Content-Length": "999999999"}, b""),
            "/endless": _endless,
            "/slow": _slow,
            "/drip": _drip,
            "/image.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n"),
            "/menu": (200, {"Content-Type": "text/html"}, b"<html><body><script>var a = 1;</script></body></html>"),
            "/nowhere": (302, {}, b""),
            "/tojs": (302, {"Location": "javascript:alert(1)"}, b""),
            "/gzbomb": (
                200,
                {"Content-Type": "text/html", "Content-Encoding": "gzip"},
                gzip.compress(b"0" * 50_000_000),
            ),
            "/gzgz": (200, {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"}, gzip.compress(b"x")),
            "/headdrip": _head_drip,
        }
    )
    for hop in range(12):
        web.pages[f"/hop/{hop}"] = (302, {"Location": f"/hop/{hop + 1}"}, b"")
    before = dump()
    error = nato.fails("source", "add", "Title", "--url", url(web), "--fetch", *flags)
    assert message in error
    assert dump() == before


def test_fetch_and_archive_need_an_address_and_no_file(nato, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert "--fetch needs the page's address" in nato.fails("source", "add", "T", "--fetch")
    assert "--archive needs the page's address" in nato.fails("source", "add", "T", "--archive")
    text = tmp_path / "t.txt"
    text.write_text("Some text")
    error = nato.fails("source", "add", "T", "--url", "https://example.org/", "--fetch", "--text-file", str(text))
    assert "give no file beside it" in error


# --- PDFs -------------------------------------------------------------------------------------------


def _memo(tmp_path: Path, *, scanned: int | None = None) -> Path:
    pages = book(8, lines=30)
    if scanned is not None:
        pages[scanned - 1] = Page(scanned=True)
    pages[5] = Page([("Left column: Baker spoke of jurisdiction.", 0), ("Right column: Gorbachev answered.", 1)])
    return write_pdf(
        tmp_path / "memcon.pdf",
        pages,
        labels=[(0, "r", 1), (3, "D", 1)],
        title="Memorandum of Conversation",
        author="U.S. Department of State; National Security Archive",
        date="D:19900209153000Z",
    )


def test_a_pdf_is_read_page_by_page_with_its_labels_and_metadata(nato, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = nato.ok("source", "add", "--pdf-file", str(_memo(tmp_path)), "--slug", "memcon")
    assert "PDF of 8 pages kept" in out and "without text" not in out
    shown = nato.json("source", "show", "memcon")
    assert shown["title"] == "Memorandum of Conversation" and shown["published_on"] == "1990-02-09"
    assert shown["authors"] == ["U.S. Department of State", "National Security Archive"]
    assert shown["capture"]["kind"] == "pdf" and shown["capture"]["pages"] == 8
    assert shown["pages_without_text"] == []
    # A quote from the fifth page (its label is "2"), with a ligature and a word hyphenated across lines.
    nato.ok("evidence", "add", "nato-promise", "memcon", "--stance", "supports", "--quote", "5.5 ")
    quote = "final floor reconciliation 5.6"
    nato.ok("evidence", "add", "nato-promise", "memcon", "--stance", "context", "--quote", quote)
    nato.ok("evidence", "add", "nato-promise", "memcon", "--stance", "context", "--quote", "Gorbachev answered")
    nato.ok(
        "evidence", "add", "nato-promise", "memcon", "--stance", "qualifies", "--quote", "1.1 the", "--locator", "§1"
    )
    evidence = {
        e["quote"]: e for items in nato.json("claim", "show", "nato-promise")["evidence"].values() for e in items
    }
    assert (evidence[quote]["page"], evidence[quote]["page_label"], evidence[quote]["locator"]) == (5, "2", "p. 2")
    assert (evidence["Gorbachev answered"]["page"], evidence["Gorbachev answered"]["locator"]) == (6, "p. 3")
    assert (evidence["1.1 the"]["page_label"], evidence["1.1 the"]["locator"]) == ("i", "§1")  # a locator given stays
    assert "§1, p. i" in nato.ok("claim", "show", "nato-promise").replace("\n", " ").replace("│", "")


def test_a_scanned_page_is_named_and_its_quotes_stay_unverified_until_its_text_is_given(nato, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pdf = _memo(tmp_path, scanned=3)
    out = nato.ok("source", "add", "--pdf-file", str(pdf), "--slug", "memcon")
    assert "Pages without text (a scan?): 3" in out
    assert nato.json("source", "show", "memcon")["pages_without_text"] == [3]
    error = nato.fails("evidence", "add", "nato-promise", "memcon", "--stance", "supports", "--quote", "not one inch")
    assert "its pages 3 have no text: a scan?" in error and "record it as unverified" in error
    out = nato.ok(
        "evidence",
        "add",
        "nato-promise",
        "memcon",
        "--stance",
        "supports",
        "--quote",
        "not one inch",
        "--allow-unverified",
    )
    assert "(quote unverified)" in out
    assert nato.json("verify")["totals"]["unverified"] == 1  # verify leaves it so while page 3 has no text
    # The pages' text from OCR, a form feed between pages, as pdftotext writes it.
    pages = [pdfs._page_text(text) for text in _pdfium_pages(pdf)]
    pages[2] = "Baker: not one inch of NATO's present military jurisdiction would spread east."
    ocr = tmp_path / "ocr.txt"
    ocr.write_text("\f".join(pages) + "\f")
    out = nato.ok("source", "edit", "memcon", "--pdf-file", str(pdf), "--text-file", str(ocr))
    assert "1 verified" in out
    (item,) = nato.json("claim", "show", "nato-promise")["evidence"]["supports"]
    assert (item["quote_status"], item["page"], item["page_label"], item["locator"]) == ("verified", 3, "iii", "p. iii")
    assert nato.json("source", "show", "memcon")["pages_without_text"] == []  # the OCR text gave page 3 its text
    ocr.write_text("one page only")
    assert "the text file has 1 pages" in nato.fails(
        "source", "add", "X", "--pdf-file", str(pdf), "--text-file", str(ocr)
    )


def _pdfium_pages(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        return [document[index].get_textpage().get_text_bounded() for index in range(len(document))]
    finally:
        document.close()


def _encrypted() -> bytes:
    data = make_pdf([Page(["secret"])], compress=False)
    crypt = b"/Encrypt << /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >> /ID [<%s> <%s>]" % (
        b"11" * 32,
        b"22" * 32,
        b"33" * 16,
        b"33" * 16,
    )
    return data.replace(b"trailer\n<< ", b"trailer\n<< " + crypt + b" ")


def _bomb(extra: bytes = b"") -> bytes:
    """A page whose content stream inflates to 600 MB of spaces, in a file of about 600 KB; `extra`
    is added to the stream's dictionary (a padding string, a stray /Image key)."""
    packer = zlib.compressobj(9)
    head = packer.compress(b"BT /F1 11 Tf 72 720 Td (x) Tj ET\n")
    packed = head + b"".join(packer.compress(b" " * 10_000_000) for _ in range(60)) + packer.flush()
    data = make_pdf([Page(["x"])], compress=False)
    start = data.index(b"<< /Length ")
    end = data.index(b"endstream", start) + len(b"endstream")
    stream = b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n%s\nendstream" % (len(packed), extra, packed)
    return _with_xref(data[:start] + stream + data[end:])


def _with_xref(data: bytes) -> bytes:
    """The PDF with its cross-reference table made again (PDFium repairs a wrong one, but slowly)."""
    import re

    body = data[: data.index(b"xref\n")]
    offsets = [match.start() for match in re.finditer(rb"(?m)^\d+ 0 obj\n", body)]
    trailer = data[data.index(b"trailer\n") : data.index(b"startxref")]
    table = b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1) + b"".join(
        b"%010d 00000 n \n" % o for o in offsets
    )
    return body + table + trailer + b"startxref\n%d\n%%%%EOF\n" % len(body)


BAD_PDFS: list[tuple[str, Callable[[], bytes], str]] = [
    ("encrypted", _encrypted, "is encrypted: give a copy without a password"),
    ("corrupt", lambda: b"%PDF-1.4\n" + b"garbage " * 100, "cannot be read as a PDF"),
    ("truncated", lambda: make_pdf(book(2))[:400], "cannot be read as a PDF"),
    ("not-a-pdf", lambda: b"<html>not a pdf</html>", "is not a PDF (it does not begin with %PDF-)"),
    ("bomb", _bomb, "cannot be read within 300 MB of memory: a damaged PDF, or a compression bomb"),
    ("padded-bomb", lambda: _bomb(b"/Pad (" + b"p" * 500 + b") "), "cannot be read within 300 MB of memory"),
    ("image-keyed-bomb", lambda: _bomb(b"/Image 1 "), "cannot be read within 300 MB of memory"),
    ("pages", lambda: make_pdf(book(5, lines=2)), "has 5 pages: at most 4 are read"),
    (
        "scan-only",
        lambda: make_pdf([Page(scanned=True)]),
        "has no text layer (a scan?): give its text with --text-file",
    ),
]


@pytest.mark.parametrize(("made", "message"), [case[1:] for case in BAD_PDFS], ids=[case[0] for case in BAD_PDFS])
def test_bad_pdfs_are_refused_and_nothing_is_written(nato, dump, tmp_path, monkeypatch, made, message) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pdfs, "MAX_PDF_MEMORY", 300_000_000)
    monkeypatch.setattr(pdfs, "MAX_PDF_PAGES", 4)
    path = tmp_path / "bad.pdf"
    path.write_bytes(made())
    before = dump()
    assert message in nato.fails("source", "add", "Bad", "--pdf-file", str(path))
    assert dump() == before


def test_a_pdf_fetched_by_url_has_its_pages_and_its_response_kept(nato, web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    web.pages["/memcon.pdf"] = (200, {"Content-Type": "application/pdf"}, _memo(tmp_path).read_bytes())
    nato.ok("source", "add", "--url", web.base + "/memcon.pdf", "--fetch", "--allow-private", "--slug", "memcon")
    shown = nato.json("source", "show", "memcon")
    assert shown["capture"]["kind"] == "web" and shown["capture"]["pages"] == 8
    nato.ok("evidence", "add", "nato-promise", "memcon", "--stance", "context", "--quote", "Gorbachev answered")
    (item,) = nato.json("claim", "show", "nato-promise")["evidence"]["context"]
    assert item["locator"] == "p. 3"


# --- transcripts ------------------------------------------------------------------------------------

VTT = """WEBVTT

NOTE the annual press conference, 23 December 2021

intro
00:41:02.000 --> 00:41:06.500
<v Vladimir Putin>You promised us in the 1990s

00:41:07.000 --> 00:41:10.500 align:start
that NATO would not move <i>one inch</i> to the East &amp; you deceived us.
"""
SRT = """1
00:00:01,000 --> 00:00:03,000
Good afternoon.

2
00:12:30,250 --> 00:12:33,000
<i>There was no promise</i>
{\\an8}about enlargement.
"""


def test_a_transcript_places_each_quote_at_its_time(nato, tmp_path, db_url) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "press.vtt").write_text(VTT)
    (tmp_path / "talk.srt").write_text(SRT)
    youtube = "https://www.youtube.com/watch?v=abc123"
    out = nato.ok(
        "source",
        "add",
        "Annual press conference",
        "--transcript-file",
        str(tmp_path / "press.vtt"),
        "--url",
        youtube,
        "--slug",
        "press",
    )
    assert "Transcript of 2 cues kept" in out
    nato.ok(
        "source",
        "add",
        "Talk",
        "--transcript-file",
        str(tmp_path / "talk.srt"),
        "--url",
        "https://example.org/talk.mp4",
        "--slug",
        "talk",
    )
    nato.ok(
        "evidence",
        "add",
        "nato-promise",
        "press",
        "--stance",
        "supports",
        "--quote",
        "NATO would not move one inch to the East & you deceived us",
    )
    nato.ok(
        "evidence",
        "add",
        "nato-promise",
        "talk",
        "--stance",
        "refutes",
        "--quote",
        "There was no promise about enlargement",
    )
    shown = nato.json("claim", "show", "nato-promise")["evidence"]
    (said,), (denied,) = shown["supports"], shown["refutes"]
    assert (said["media_time"], said["locator"]) == (2467.0, "00:41:07")
    assert said["moment_url"] == youtube + "&t=2467s"
    assert (denied["media_time"], denied["locator"], denied["moment_url"]) == (
        750.25,
        "00:12:30",
        "https://example.org/talk.mp4#t=750",
    )
    report = nato.ok("report", "nato-promise")
    assert "(00:41:07) (from [" in report and "t=2467s" in report

    from starlette.testclient import TestClient

    from factcheck.web.app import create_app

    html = TestClient(create_app(db_url), base_url="http://127.0.0.1").get("/claims/nato-promise").text
    assert 'href="https://example.org/talk.mp4#t=750"' in html and "play from 00:12:30" in html


BAD_TRANSCRIPTS = [
    (
        "overlap",
        "WEBVTT\n\n00:00:01.000 --> 00:00:05.000\nOne\n\n00:00:04.000 --> 00:00:06.000\nTwo\n",
        "cue 2 starts at 4.000 s, before cue 1 ends",
    ),
    ("backwards", "WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nOne\n", "cue 1 ends (00:00:01) before it starts"),
    ("malformed", "WEBVTT\n\n00:00:0x.000 --> 00:00:01.000\nOne\n", "line 3 ('00:00:0x.000 --> 00:00:01.000') is not"),
    ("srt-times", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne\n\n00:00:03,000 --> 00:00:04,000\nTwo\n", "line 6"),
    ("not-srt", "1\n00:00:01,000 -> 00:00:02,000\nOne\n", "neither a WebVTT file"),
    ("no-text", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<i></i>\n", "has no cue with text"),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in BAD_TRANSCRIPTS], ids=[c[0] for c in BAD_TRANSCRIPTS])
def test_bad_transcripts_are_refused_and_nothing_is_written(nato, dump, tmp_path, text, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.vtt"
    path.write_text(text)
    before = dump()
    assert message in nato.fails("source", "add", "Bad", "--transcript-file", str(path))
    assert dump() == before


# --- everywhere a quote travels ---------------------------------------------------------------------


def test_pages_times_and_captures_travel_in_exports_and_db_copy(nato, tmp_path, db_url) -> None:  # type: ignore[no-untyped-def]
    nato.ok("source", "add", "--pdf-file", str(_memo(tmp_path)), "--slug", "memcon")
    (tmp_path / "press.vtt").write_text(VTT)
    nato.ok("source", "add", "Press conference", "--transcript-file", str(tmp_path / "press.vtt"), "--slug", "press")
    nato.ok("evidence", "add", "nato-promise", "memcon", "--stance", "context", "--quote", "Gorbachev answered")
    nato.ok("evidence", "add", "nato-promise", "press", "--stance", "supports", "--quote", "you deceived us")

    def places(run: Any) -> list[tuple[Any, ...]]:
        shown = run.json("claim", "show", "nato-promise")["evidence"]
        return sorted(
            (e["quote"], e["page"], e["page_label"], e["media_time"], e["locator"]) for v in shown.values() for e in v
        )

    expected = places(nato)
    assert expected[0][1:] == (6, "3", None, "p. 3") and expected[1][3:] == (2467.0, "00:41:07")
    for suffix in ("json", "yaml"):
        exported = tmp_path / f"out.{suffix}"
        nato.ok("export", "--format", suffix, "-o", str(exported))
        from tests.conftest import Run

        other = Run(tmp_path / f"copy-{suffix}.db")
        other.ok("db", "upgrade")
        other.ok("import", str(exported))
        assert places(other) == expected

    copied = tmp_path / "copied.db"
    nato.ok("db", "copy", db_url, str(copied))
    from tests.conftest import Run

    copy = Run(copied)
    assert places(copy) == expected
    assert copy.json("source", "show", "memcon")["capture"] == nato.json("source", "show", "memcon")["capture"]
    copy.ok("source", "capture", "memcon", "-o", str(tmp_path / "again.pdf"))
    assert (tmp_path / "again.pdf").read_bytes() == _memo(tmp_path).read_bytes()


def test_recapture_is_for_web_pages_and_capture_does_not_overwrite_unasked(nato, web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "press.vtt").write_text(VTT)
    url = web.html("/recording", ARTICLE.format(second=SECOND))
    nato.ok("source", "add", "Press", "--transcript-file", str(tmp_path / "press.vtt"), "--url", url, "--slug", "press")
    assert "recapture fetches web pages" in nato.fails("source", "recapture", "press", "--allow-private")
    kept = tmp_path / "kept.vtt"
    kept.write_text("mine")
    assert "exists: pass --force" in nato.fails("source", "capture", "press", "-o", str(kept))
    assert kept.read_text() == "mine"
    nato.ok("source", "capture", "press", "-o", str(kept), "--force")
    assert kept.read_text() == VTT


def test_the_same_text_from_a_document_keeps_the_document(nato, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pdf = _memo(tmp_path)
    text = tmp_path / "memcon.txt"
    text.write_text(pdfs.read_pdf_file(pdf).text)
    nato.ok("source", "add", "Memcon", "--text-file", str(text), "--slug", "memcon")
    nato.ok("evidence", "add", "nato-promise", "memcon", "--stance", "context", "--quote", "Gorbachev answered")
    assert "same as before: no new version" in nato.ok("source", "edit", "memcon", "--pdf-file", str(pdf))
    assert nato.json("source", "show", "memcon")["capture"]["kind"] == "pdf"
    (item,) = nato.json("claim", "show", "nato-promise")["evidence"]["context"]
    assert (item["page"], item["locator"]) == (6, "p. 3")


def test_a_source_without_a_capture_says_so(nato, tmp_path) -> None:  # type: ignore[no-untyped-def]
    nato.ok("source", "add", "Plain", "--slug", "plain")
    assert "has no capture" in nato.fails("source", "capture", "plain", "-o", str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()
    assert "has no URL to fetch" in nato.fails("source", "recapture", "plain")
