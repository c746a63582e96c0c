"""Reading PDFs: the text page by page, the printed page labels, the metadata, and which pages
have no text layer (scans), with PDFium (pypdfium2).

Chosen by measurement (benchmarks/results.md): on a 100-page PDF PDFium alone took what poppler's
pdftotext takes (0.12 s), pypdf four times that and pdfminer.six thirty (with this module's checks
and its process, 1.4x pdftotext); like pdftotext it joins a word hyphenated at a line's end and
spells ligatures out, and it reads /PageLabels.

PDFium runs in a process of its own, given MAX_PDF_MEMORY of address space and PDF_SECONDS: what
a hostile PDF inflates (a stream of 800 MB of spaces in a 1 MB file took PDFium 1.5 GB, whatever
filters, dictionary keys or object kinds hide it) ends that process, not this one. A PDF over
MAX_PDF_BYTES or with more than MAX_PDF_PAGES pages is refused."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from .. import limits
from ..dates import parse_partial_date
from ..errors import InvalidInput
from .articles import Article, read_bytes
from .captures import PDF, Kept

MAX_PDF_BYTES = 200_000_000
MAX_PDF_PAGES = 5_000
MAX_PDF_MEMORY = 1_500_000_000  # bytes of address space PDFium's process may take
PDF_SECONDS = 120.0
MAX_LABEL = 40  # characters of a printed page label kept; a longer one is the page's number
PAGE_BREAK = "\n\n"  # between pages in the archived text
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The reader, run as `python -I -c READER MEMORY MAX_PAGES MAX_TEXT` with the PDF on its standard
# input; it prints one JSON object: {"error"}, or {"count"} past MAX_PAGES, or the pages' text,
# labels and metadata ("too_long": the page whose text went past MAX_TEXT).
READER = """
import json, resource, sys
memory, max_pages, max_text = map(int, sys.argv[1:4])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
import pypdfium2 as pdfium
try:
    document = pdfium.PdfDocument(sys.stdin.buffer.read())
except pdfium.PdfiumError as error:
    print(json.dumps({"error": str(error)}))
    sys.exit(0)
count = len(document)
found = {"count": count}
if 0 < count <= max_pages:
    pages, size = [], 0
    for index in range(count):
        page = document[index]
        textpage = page.get_textpage()
        pages.append(textpage.get_text_bounded())
        textpage.close()
        page.close()
        size += len(pages[-1])
        if size > max_text:
            found["too_long"] = index + 1
            break
    found.update(
        pages=pages,
        labels=[document.get_page_label(index) for index in range(count)],
        metadata=document.get_metadata_dict(skip_empty=True),
    )
sys.stdout.write(json.dumps(found))
"""


def _page_text(raw: str) -> str:
    # PDFium ends lines with \r\n and marks a hyphen it joined across a line break with \x02.
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "").replace("\x00", "")
    return text.replace("\ufffe", "").strip()


def _label(label: str | None, number: int) -> str:
    """A printed page label, or the page's number where it has none or one no person would print."""
    label = _CONTROL.sub("", label or "").strip()
    return label if label and len(label) <= MAX_LABEL else str(number)


def _extracted(data: bytes, path: Path | str) -> dict[str, Any]:
    """What READER makes of the PDF, in its own limited process."""
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-I",
                "-c",
                READER,
                str(MAX_PDF_MEMORY),
                str(MAX_PDF_PAGES),
                str(limits.MAX_ARCHIVED_TEXT),
            ],
            input=data,
            capture_output=True,
            timeout=PDF_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InvalidInput(f"{path} took over {PDF_SECONDS:g} s to read: at most that is given to a PDF") from None
    if done.returncode != 0:
        raise InvalidInput(
            f"{path} cannot be read within {MAX_PDF_MEMORY // 1_000_000:,} MB of memory: a damaged PDF, or a "
            "compression bomb"
        )
    return dict(json.loads(done.stdout))


def read_pdf_file(path: Path, ocr_text: str | None = None) -> Article:
    """`read_pdf` of a file."""
    return read_pdf(read_bytes(path, limit=MAX_PDF_BYTES, binary=True), path, ocr_text)


def read_pdf(data: bytes, path: Path | str, ocr_text: str | None = None) -> Article:
    """A PDF's text page by page, with its layout (see captures.py) and its metadata; the file
    itself goes with it as the capture. `path` names it in messages. `ocr_text` replaces the
    extracted text: the pages' text (e.g. from OCR), separated by form feeds as pdftotext writes
    them, one per page."""
    if data.lstrip()[:5] != b"%PDF-":
        raise InvalidInput(f"{path} is not a PDF (it does not begin with %PDF-)")
    found = _extracted(data, path)
    if "error" in found:
        if "password" in found["error"].lower():
            raise InvalidInput(f"{path} is encrypted: give a copy without a password")
        raise InvalidInput(f"{path} cannot be read as a PDF ({found['error']}): is it damaged?")
    count = found["count"]
    if count > MAX_PDF_PAGES:
        raise InvalidInput(f"{path} has {count:,} pages: at most {MAX_PDF_PAGES:,} are read")
    if count == 0:
        raise InvalidInput(f"{path} has no pages")
    if "too_long" in found:
        raise InvalidInput(
            f"{path}: the text of its first {found['too_long']:,} pages is over {limits.MAX_ARCHIVED_TEXT:,} "
            "characters, the most a source's text may have"
        )
    pages = [_page_text(raw) for raw in found["pages"]]
    labels = [_label(label, number) for number, label in enumerate(found["labels"], 1)]
    metadata = found["metadata"]
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
    without_text = [number for number, text in enumerate(pages, 1) if not text]
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
    if len(text) > limits.MAX_ARCHIVED_TEXT:
        raise InvalidInput(f"the text of {path} is over {limits.MAX_ARCHIVED_TEXT:,} characters")
    layout: dict[str, Any] = {"pages": [[start, label] for start, label in zip(starts, labels, strict=True)]}
    if without_text:
        layout["pages_without_text"] = without_text
    details = {"pages": count, "pages_without_text": without_text}
    return Article(
        text=text,
        title=_CONTROL.sub(" ", metadata.get("Title") or "").strip()[: limits.MAX_NAME] or None,
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
