"""PDFs written by hand for the tests and the benchmarks, with the quirks real ones have: several
fonts, two columns, words hyphenated at a line's end, the fi and fl ligatures as single glyphs,
printed page labels (roman front matter), pages with no text layer (a scan), metadata, and the
broken and hostile ones (encrypted, corrupt, too many pages).

A page is a list of lines; a line is a string, or (text, column) for a two-column page. Text is
Latin-1; "ﬁ" and "ﬂ" are written as the standard fonts' own ligature glyphs."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

FONTS = ("Helvetica", "Times-Roman", "Courier")
LIGATURES = {"ﬁ": b"\x01", "ﬂ": b"\x02"}  # encoded through /Differences to the glyphs /fi and /fl


@dataclass
class Page:
    lines: list[str | tuple[str, int]] = field(default_factory=list)
    font: int = 0  # index into FONTS
    scanned: bool = False  # an image only, no text layer
    image: int = 0  # bytes of an uncompressed RGB image drawn on the page (a scan's weight)


def _literal(text: str) -> bytes:
    out = bytearray(b"(")
    for character in text:
        if character in LIGATURES:
            out += LIGATURES[character]
            continue
        byte = character.encode("latin-1")
        if byte in (b"(", b")", b"\\"):
            out += b"\\"
        out += byte
    return bytes(out + b")")


def _content(page: Page) -> bytes:
    if page.image:
        return b"q 468 0 0 648 72 72 cm /Im1 Do Q\n" + _text(page)
    if page.scanned:  # a grey rectangle drawn as an image would be: no text operators at all
        return b"q 0.8 g 72 72 468 648 re f Q"
    return _text(page)


def _text(page: Page) -> bytes:
    parts = []
    rows = [0, 0]  # lines written so far in each column
    for line in page.lines:
        text, column = (line, 0) if isinstance(line, str) else line
        x, y = 72 + column * 260, 720 - 14 * rows[column]
        rows[column] += 1
        parts.append(b"BT /F%d 11 Tf %d %d Td %s Tj ET" % (page.font + 1, x, y, _literal(text)))
    return b"\n".join(parts)


def make_pdf(
    pages: list[Page],
    *,
    labels: list[tuple[int, str, int]] | None = None,
    title: str | None = None,
    author: str | None = None,
    date: str | None = None,
    compress: bool = True,
) -> bytes:
    """A PDF of `pages`. `labels`: (first page index, style "r"/"D"/"a", first number) ranges as
    /PageLabels has them; `date` as D:YYYYMMDDHHmmSS."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    encoding = add(b"<< /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [1 /fi /fl] >>")
    fonts = [
        add(b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding %d 0 R >>" % (name.encode(), encoding))
        for name in FONTS
    ]
    font_dict = b" ".join(b"/F%d %d 0 R" % (i + 1, ref) for i, ref in enumerate(fonts))
    pages_ref = len(objects) + 1 + sum(3 if page.image else 2 for page in pages)  # /Pages comes after them
    kids = []
    for page in pages:
        data = _content(page)
        if compress:
            data = zlib.compress(data)
            stream = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(data), data))
        else:
            stream = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data))
        images = b""
        if page.image:
            width = 1000
            height = max(1, page.image // (3 * width))
            pixels = (bytes(range(256)) * (width * height * 3 // 256 + 1))[: width * height * 3]
            image = add(
                b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                b"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream" % (width, height, len(pixels), pixels)
            )
            images = b" /XObject << /Im1 %d 0 R >>" % image
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << %s >>%s >> >>" % (pages_ref, stream, font_dict, images)
            )
        )
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))) == (
        pages_ref
    )
    catalog = b"<< /Type /Catalog /Pages %d 0 R" % pages_ref
    if labels:
        nums = b" ".join(b"%d << /S /%s /St %d >>" % (start, style.encode(), first) for start, style, first in labels)
        catalog += b" /PageLabels << /Nums [%s] >>" % nums
    root = add(catalog + b" >>")
    info_fields = [
        b"/%s %s" % (key, _literal(value))
        for key, value in ((b"Title", title), (b"Author", author), (b"CreationDate", date))
        if value
    ]
    info = add(b"<< " + b" ".join(info_fields) + b" >>") if info_fields else None
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, root)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n%s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
    return bytes(out)


def write_pdf(path: Path, pages: list[Page], **options: object) -> Path:
    path.write_bytes(make_pdf(pages, **options))  # type: ignore[arg-type]
    return path


PROSE = (
    "the alliance would not expand one inch eastward said the secretary of state in February 1990 "
    "according to the memorandum of conversation declassified in 2017 while the treaty on the final "
    "settlement with respect to Germany says nothing of the kind and the founding act of 1997 speaks of "
    "mutual relations cooperation and security between NATO and the Russian Federation"
)
WORDS = PROSE.split()


def book(pages: int, *, lines: int = 40, seed: int = 0) -> list[Page]:
    """`pages` pages of prose in rotating fonts: every page's lines differ (the page's number is
    in them), with a hyphenated word and a ligature on each."""
    made = []
    for number in range(pages):
        body: list[str | tuple[str, int]] = []
        for line in range(lines):
            start = (number * 7 + line * 3 + seed) % len(WORDS)
            words = [WORDS[(start + i) % len(WORDS)] for i in range(9)]
            text = f"{number + 1}.{line + 1} " + " ".join(words)
            if line % 9 == 4:
                text += " ﬁnal ﬂoor recon-"  # continued on the next line as "ciliation"
            elif line % 9 == 5:
                text = "ciliation " + text
            body.append(text)
        made.append(Page(body, font=number % len(FONTS)))
    return made
