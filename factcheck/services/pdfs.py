"""Reading PDFs: the text page by page, the printed page labels, the metadata, and which pages
have no text layer (scans), with PDFium (pypdfium2).

Chosen by measurement (benchmarks/results.md): on a 100-page PDF PDFium alone took what poppler's
pdftotext takes (0.12 s), pypdf four times that and pdfminer.six thirty (with this module's checks,
1.4x pdftotext); like pdftotext it joins a word hyphenated at a line's end and spells ligatures
out, and it reads /PageLabels.

A PDF is refused before PDFium parses it when it is over MAX_PDF_BYTES, has more than
MAX_PDF_PAGES pages, or when its compressed streams (other than images, which text extraction
never decodes) would inflate to more than MAX_PDF_INFLATED bytes: a bomb of 800 MB of spaces in a
1 MB file took PDFium 1.5 GB of memory."""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Any

from .. import limits
from ..dates import parse_partial_date
from ..errors import InvalidInput
from .articles import Article, read_bytes
from .captures import PDF, Kept

MAX_PDF_BYTES = 200_000_000
MAX_PDF_PAGES = 5_000
MAX_PDF_INFLATED = 500_000_000  # bytes of decompressed streams, images left out
PAGE_BREAK = "\n\n"  # between pages in the archived text
_STREAM = re.compile(rb"stream\r?\n")
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?")


def _inflated_size(data: bytes, path: Path | str) -> int:
    """Bytes the PDF's Flate streams inflate to (images not counted), stopping past the limit."""
    total = 0
    for match in _STREAM.finditer(data):
        head = data[max(0, match.start() - 400) : match.start()]
        head = head[head.rfind(b"obj") + 3 :] if b"obj" in head else head
        if b"/FlateDecode" not in head or b"/Image" in head:
            continue
        end = data.find(b"endstream", match.end())
        inflater = zlib.decompressobj()
        chunk = data[match.end() : end if end != -1 else len(data)]
        try:
            piece = inflater.decompress(chunk, 1 << 20)
            while piece:
                total += len(piece)
                if total > MAX_PDF_INFLATED:
                    raise InvalidInput(
                        f"{path}: its streams inflate to over {MAX_PDF_INFLATED:,} bytes (a compression bomb?); "
                        f"at most {MAX_PDF_INFLATED:,} are read"
                    )
                piece = inflater.decompress(inflater.unconsumed_tail, 1 << 20)
        except zlib.error:
            continue  # encrypted or damaged: PDFium says what it makes of it
    return total


def _page_text(raw: str) -> str:
    # PDFium ends lines with \r\n and marks a hyphen it joined across a line break with \x02.
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "").replace("\x00", "")
    return text.replace("\ufffe", "").strip()


def read_pdf_file(path: Path, ocr_text: str | None = None) -> Article:
    """`read_pdf` of a file."""
    return read_pdf(read_bytes(path, limit=MAX_PDF_BYTES, binary=True), path, ocr_text)


def read_pdf(data: bytes, path: Path | str, ocr_text: str | None = None) -> Article:
    """A PDF's text page by page, with its layout (see captures.py) and its metadata; the file
    itself goes with it as the capture. `path` names it in messages. `ocr_text` replaces the
    extracted text: the pages' text (e.g. from OCR), separated by form feeds as pdftotext writes
    them, one per page."""
    import pypdfium2 as pdfium

    if not data.lstrip()[:5] == b"%PDF-":
        raise InvalidInput(f"{path} is not a PDF (it does not begin with %PDF-)")
    _inflated_size(data, path)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        reason = str(error).lower()
        if "password" in reason:
            raise InvalidInput(f"{path} is encrypted: give a copy without a password") from None
        raise InvalidInput(f"{path} cannot be read as a PDF ({error}): is it damaged?") from None
    try:
        count = len(document)
        if count > MAX_PDF_PAGES:
            raise InvalidInput(f"{path} has {count:,} pages: at most {MAX_PDF_PAGES:,} are read")
        if count == 0:
            raise InvalidInput(f"{path} has no pages")
        pages: list[str] = []
        size = 0
        for index in range(count):
            page = document[index]
            textpage = page.get_textpage()
            pages.append(_page_text(textpage.get_text_bounded()))
            textpage.close()
            page.close()
            size += len(pages[-1]) + len(PAGE_BREAK)
            if size > limits.MAX_ARCHIVED_TEXT:
                raise InvalidInput(
                    f"{path}: the text of its first {index + 1:,} pages is over {limits.MAX_ARCHIVED_TEXT:,} "
                    "characters, the most a source's text may have"
                )
        labels = [document.get_page_label(index) or str(index + 1) for index in range(count)]
        metadata = document.get_metadata_dict(skip_empty=True)
    finally:
        document.close()
    without_text = [number for number, text in enumerate(pages, 1) if not text]
    if ocr_text is not None:
        given = [piece.strip() for piece in ocr_text.split("\f")]
        if given and not given[-1] and len(given) == count + 1:  # pdftotext ends every page with \f
            given.pop()
        if len(given) != count:
            raise InvalidInput(
                f"the text file has {len(given)} pages (separated by form feeds) and {path} has {count}: "
                "give one page of text for each page of the PDF"
            )
        pages = given
    if not any(pages):
        raise InvalidInput(
            f"{path} has no text layer (a scan?): give its text with --text-file, one page per form feed "
            "(e.g. from OCR)"
        )
    text, starts = "", []
    for page_text in pages:
        text += PAGE_BREAK if text else ""
        starts.append(len(text))
        text += page_text
    layout: dict[str, Any] = {"pages": [[start, label] for start, label in zip(starts, labels, strict=True)]}
    if without_text:
        layout["pages_without_text"] = without_text
    details = {"pages": count, "pages_without_text": without_text}
    return Article(
        text=text,
        title=metadata.get("Title") or None,
        authors=[name.strip() for name in re.split(r";|\band\b", metadata.get("Author", "")) if name.strip()],
        published_on=_pdf_date(metadata.get("CreationDate")),
        layout=layout,
        capture=Kept(PDF, data, "application/pdf", details),
    )


def _pdf_date(value: str | None) -> str | None:
    """A PDF date (D:YYYYMMDDHHmmSS...) as precise as it is written, or None."""
    match = _PDF_DATE.match(value or "")
    if match is None:
        return None
    try:
        return parse_partial_date("-".join(part for part in match.groups() if part))
    except InvalidInput:
        return None
