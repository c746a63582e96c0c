"""Reading saved articles: plain text files, and HTML pages saved from a browser.

Files are read with bounded memory (at most limits.MAX_FILE_BYTES, refused beyond), binary files
are refused, and text is never decoded by guesswork: a text file is UTF-8 (or carries a byte-order
mark); a page is UTF-8, or in the character set it declares, or in the one charset detection finds
when every reading it considers gives the same text. Dates in a page's metadata stay as precise as
they are written; one that cannot be read is left out with a warning."""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import limits
from ..errors import InvalidInput
from .common import visible

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from .captures import Kept

CHUNK = 1 << 20  # bytes read at a time, each checked for NUL before the next is read
PRESCAN = 4096  # bytes of a page searched for its declared character set
MAX_DATE = 100  # characters: a longer "date" in a page's metadata is not one
# Byte-order marks, longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(
    rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([a-z0-9._:-]+)|<\?xml\b[^>]*?encoding\s*=\s*["']([a-z0-9._:-]+)""",
    re.IGNORECASE,
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml\b[^>]*\?>")
# As browsers do (WHATWG Encoding standard): pages labelled Latin-1 or ASCII are read as windows-1252,
# whose extra characters (€, ’, “ ...) such pages routinely contain; a page cannot be UTF-16 if its
# label could be read as ASCII.
_WHATWG = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
}
# Where pages state when they were first published, after htmldate's list of meta names.
_DATE_ITEMPROPS = {"datepublished", "datecreated"}
_JSON_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{1,100})"')


@dataclass
class Article:
    """An article's main text and the metadata its page carries (any of which may be missing);
    a PDF's or a transcript's text with where its pages or cues begin, and the file itself.

    `warnings` maps a field to why the page's value for it was left out."""

    text: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_on: str | None = None
    publisher: str | None = None
    url: str | None = None
    language: str | None = None
    warnings: dict[str, str] = field(default_factory=dict)
    layout: dict[str, Any] | None = None  # where its pages or cues begin in `text` (captures.py)
    capture: Kept | None = None  # the document it was read from, kept as it came


def read_bytes(path: Path, *, limit: int | None = None, binary: bool = False) -> bytes:
    """A file's bytes, refused when over `limit` bytes (default: limits.MAX_FILE_BYTES) or, unless
    `binary`, binary (a NUL byte anywhere). Reads at most limit + 1 bytes, in chunks, and stops at the first NUL, so
    `/dev/zero` or a huge file costs little time and memory."""
    limit = limits.MAX_FILE_BYTES if limit is None else limit
    too_big = InvalidInput(f"{path} is over {limit:,} bytes: at most {limit:,} are allowed")
    chunks: list[bytes] = []
    size = 0
    wide: bool | None = None  # UTF-16 and UTF-32 text is full of NUL bytes
    try:
        with path.open("rb") as stream:
            if stat.S_ISREG(os.fstat(stream.fileno()).st_mode) and os.fstat(stream.fileno()).st_size > limit:
                raise too_big
            while chunk := stream.read(min(CHUNK, limit + 1 - size)):
                if wide is None:
                    wide = chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE))
                if b"\x00" in chunk and not (wide or binary):
                    raise InvalidInput(f"{path} is a binary file, not text: give a UTF-8 text or HTML file")
                size += len(chunk)
                if size > limit:
                    raise too_big
                chunks.append(chunk)
    except FileNotFoundError:
        raise InvalidInput(f"no file {path}") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder, not a file") from None
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror}") from None
    return b"".join(chunks)


def checked_text(text: str, path: Path | str) -> str:
    if "\x00" in text:
        raise InvalidInput(f"{path} is a binary file, not text: give a UTF-8 text or HTML file")
    if not text.strip():
        raise InvalidInput(f"{path} is empty")
    if not visible(text):
        raise InvalidInput(f"{path} holds only invisible characters (zero-width spaces, direction marks): no text")
    return limits.check_length(text, f"the text of {path}", limits.MAX_ARCHIVED_TEXT)


def _bom_codec(data: bytes) -> str | None:
    return next((codec for bom, codec in BOMS if data.startswith(bom)), None)


def _strict(data: bytes, codec: str, path: Path | str, what: str | None = None) -> str:
    """`data` decoded, or an error naming the first byte that does not fit `codec`."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        if what is None:
            what = f"{codec.upper().removesuffix('-SIG')} text"
        raise InvalidInput(
            f"{path} is not {what} (byte {error.start} cannot be read): convert it to UTF-8 first"
        ) from None


def read_text_file(path: Path) -> str:
    """A UTF-8 text file's content; a byte-order mark (UTF-8, UTF-16 or UTF-32) says otherwise
    and is dropped."""
    return decode_text(read_bytes(path), path)


def decode_text(data: bytes, path: Path) -> str:
    """`read_text_file` of a file's bytes."""
    codec = _bom_codec(data)
    if codec is not None:
        return checked_text(_strict(data, codec, path), path)
    return checked_text(_strict(data, "utf-8", path), path)


def declared_charset(data: bytes) -> str | None:
    """The Python codec for the character set a page declares near its start (meta charset,
    http-equiv Content-Type or an XML declaration), read as browsers read it; None when the page
    declares none, or one Python does not know."""
    match = _DECLARED.search(data[:PRESCAN])
    if match is None:
        return None
    return text_codec((match.group(1) or match.group(2)).decode("ascii"))


# Codecs Python knows that no web page is written in: byte-to-byte transforms (rot13, base64,
# zlib: not text encodings at all) and encodings browsers refuse to read pages in.
_NOT_PAGE_CODECS = {"utf-7", "idna", "punycode", "raw-unicode-escape", "unicode-escape"}


def text_codec(label: str) -> str | None:
    """The Python codec to read a page labelled with character set `label`, as browsers read it;
    None for a label Python does not know, or one no page is written in."""
    try:
        info = codecs.lookup(label.strip().lower())
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_PAGE_CODECS:
        return None
    return _WHATWG.get(info.name, info.name)


def decode_page(data: bytes, path: Path | str, header_charset: str | None = None) -> str:
    """A page's text: by its byte-order mark; else in the charset its HTTP response declared;
    else as UTF-8 when it is valid UTF-8 (a page in a single-byte charset almost never is); else in
    the charset it declares; else in the one that detection finds, only when every charset
    detection considers gives the same text."""
    codec = _bom_codec(data)
    if codec is not None:
        return _strict(data, codec, path)
    codec = text_codec(header_charset) if header_charset is not None else None
    if codec is not None:  # a label unknown, or no page's, is read as if none was sent
        return _strict(data, codec, path, f"in the character set its server declared ({codec})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = declared_charset(data)
    if declared is not None:
        return _strict(data, declared, path, f"in the character set it declares ({declared}), nor UTF-8")
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if matches:
        text = str(matches[0])
        if all(str(other) == text for other in matches[1:]):  # one reading at a time: files may be large
            return text
    could_be = f": it could be {', '.join(sorted({match.encoding for match in matches}))}" if matches else ""
    raise InvalidInput(
        f"{path} is not UTF-8 and declares no character set{could_be}; "
        'add <meta charset="..."> naming its character set, or save it as UTF-8'
    )


def read_html_file(path: Path) -> Article:
    """The main text of a saved web page, without navigation, related links or comments, and
    the metadata the page carries, extracted with trafilatura."""
    return read_html(read_bytes(path), path)


def read_html(data: bytes, path: Path | str, header_charset: str | None = None) -> Article:
    """`read_html_file` of a page's bytes; `path` names it in messages (a file, or a URL)."""
    import trafilatura

    # lxml refuses a decoded string that still carries an XML encoding declaration.
    html = _XML_DECLARATION.sub("", decode_page(data, path, header_charset), count=1)
    document = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, favor_precision=True
    )
    if document is None or isinstance(document, dict) or not (document.text or "").strip():
        raise InvalidInput(f"found no article text in {path}: is it a saved web page?")
    authors = [name.strip() for name in (document.author or "").split(";") if name.strip()]
    warnings: dict[str, str] = {}
    published_on = None
    # trafilatura's date comes from htmldate, which fills in a day or month the page does not give.
    raw_date = _published_date(html)
    if raw_date is not None:
        from ..dates import parse_partial_date

        try:
            published_on = parse_partial_date(limits.check_length(raw_date, "the date", MAX_DATE))
        except InvalidInput as error:
            warnings["published_on"] = f"left out the page's publication date: {error}"
    return Article(
        text=checked_text(document.text or "", path),
        title=document.title,
        authors=authors,
        published_on=published_on,
        publisher=document.sitename,
        url=document.url,
        # a page's own language code, or nothing: a page cannot make the source's addition fail on it
        language=document.language if document.language and len(document.language) <= limits.MAX_LANGUAGE else None,
        warnings=warnings,
    )


def _published_date(html: str) -> str | None:
    """The publication date exactly as the page's metadata writes it: a meta tag htmldate knows,
    an itemprop, a JSON-LD datePublished or a <time pubdate>; None when there is none."""
    import lxml.html
    from htmldate.core import DATE_ATTRIBUTES

    try:
        tree: HtmlElement = lxml.html.document_fromstring(html)
    except Exception:  # lxml raises several kinds for what is not a document; trafilatura read it
        return None
    names = DATE_ATTRIBUTES - {"meta"}  # htmldate itself calls "meta" too loose
    for element in tree.iter("meta", "time"):
        value: Any = element.get("content") or element.get("datetime")
        if not value:
            continue
        name = (element.get("name") or element.get("property") or "").lower()
        itemprop = (element.get("itemprop") or "").lower()
        if (
            (element.tag == "meta" and name in names)
            or itemprop in _DATE_ITEMPROPS
            or element.get("pubdate") is not None
        ):
            return str(value).strip()
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            match = _JSON_LD_DATE.search(script.text)
            if match:
                return match.group(1).strip()
    return None
