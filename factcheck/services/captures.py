"""Captures and layouts: the file a source's text was read from, kept as it came, and where the
text's pages or cues begin, so that a quote is placed on its page or at its time.

A layout is JSON kept with the source version whose text it describes:
- a PDF's: {"pages": [[start, "label"], ...], "pages_without_text": [3, 7]} (pages from 1);
- a transcript's: {"cues": [[start, seconds], ...]}.
`start` is the offset in the text (characters) where the page or cue begins."""

from __future__ import annotations

import bisect
import gzip
import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from ..errors import NotFound
from ..models import Capture, Evidence, Source, SourceVersion

WEB, PDF, TRANSCRIPT = "web", "pdf", "transcript"
SUFFIXES = {WEB: ".warc.gz", PDF: ".pdf", TRANSCRIPT: ".txt"}  # a transcript's is its own (see `suffix`)


@dataclass
class Kept:
    """A file about to be kept as a capture: its bytes as written out, and what it is."""

    kind: str
    data: bytes  # the file itself (a WARC is gzipped already)
    media_type: str | None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def keep(session: Session, kept: Kept) -> str:
    """Store the file unless a capture of the same bytes is there already; its SHA-256."""
    sha256 = kept.sha256
    if session.get(Capture, sha256) is None:
        gzipped = kept.kind != WEB
        session.add(
            Capture(
                sha256=sha256,
                kind=kept.kind,
                media_type=kept.media_type,
                size=len(kept.data),
                details=kept.details,
                gzipped=gzipped,
                content=gzip.compress(kept.data, compresslevel=6) if gzipped else kept.data,
            )
        )
    return sha256


def current_version(session: Session, source_id: int) -> SourceVersion | None:
    return session.scalar(
        select(SourceVersion).where(SourceVersion.source_id == source_id).order_by(SourceVersion.number.desc()).limit(1)
    )


def current_capture_kind(session: Session, source_id: int) -> str | None:
    """What the source's current text was read from (web, pdf, transcript), if it kept that."""
    version = current_version(session, source_id)
    if version is None or version.capture_sha256 is None:
        return None
    return session.scalar(select(Capture.kind).where(Capture.sha256 == version.capture_sha256))


def capture_of(session: Session, source: Source, *, content: bool = True) -> Capture:
    """The capture of the source's current text (its content loaded if `content`); NotFound
    when it has none."""
    version = current_version(session, source.id)
    sha256 = version.capture_sha256 if version else None
    query = select(Capture).where(Capture.sha256 == sha256)
    found = session.scalar(query.options(undefer(Capture.content)) if content else query) if sha256 else None
    if found is None:
        raise NotFound(
            f"source {source.slug!r} has no capture: only sources added with --url, --pdf-file or "
            "--transcript-file keep the document they were read from"
        )
    return found


def file_bytes(capture: Capture) -> bytes:
    """The capture's file, as it came (a web page's: the gzipped WARC record)."""
    return gzip.decompress(capture.content) if capture.gzipped else capture.content


def capture_view(capture: Capture | None) -> dict[str, Any] | None:
    if capture is None:
        return None
    return {
        "kind": capture.kind,
        "sha256": capture.sha256,
        "size": capture.size,
        "media_type": capture.media_type,
        "captured_at": capture.captured_at.isoformat(),
        **capture.details,
    }


# --- where a quote stands ------------------------------------------------------------------------


def position(layout: dict[str, Any] | None, start: int | None) -> dict[str, Any]:
    """The page (number and label) or time of the cue where offset `start` falls."""
    empty = {"page": None, "page_label": None, "media_time": None}
    if not layout or start is None:
        return empty
    marks = layout.get("pages") or layout.get("cues") or []
    index = bisect.bisect_right(_starts(marks), start) - 1
    if "pages" in layout:
        return empty if index < 0 else {**empty, "page": index + 1, "page_label": marks[index][1]}
    return {**empty, "media_time": marks[max(index, 0)][1]} if marks else empty


_STARTS: dict[int, tuple[list[Any], list[int]]] = {}


def _starts(marks: list[Any]) -> list[int]:
    """Where each page or cue begins, made once per layout (a transcript may have 300,000 cues)."""
    cached = _STARTS.get(id(marks))
    if cached is None or cached[0] is not marks:
        if len(_STARTS) > 64:
            _STARTS.clear()
        cached = _STARTS[id(marks)] = (marks, [mark[0] for mark in marks])
    return cached[1]


def default_locator(placed: dict[str, Any]) -> str | None:
    """How a quote's place reads when no locator was given: "p. iv", "00:41:07"."""
    if placed["page"] is not None:
        return f"p. {placed['page_label'] or placed['page']}"
    if placed["media_time"] is not None:
        return clock(placed["media_time"])
    return None


def clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def moment_url(url: str | None, seconds: float | None) -> str | None:
    """A link to the moment of a recording: YouTube's ?t=, or a media fragment (#t=) elsewhere."""
    if not url or seconds is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    whole = int(seconds)
    host = parts.hostname or ""
    if host == "youtu.be" or host == "youtube.com" or host.endswith(".youtube.com"):
        query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "t"]
        return urlunsplit(parts._replace(query=urlencode([*query, ("t", f"{whole}s")]), fragment=""))
    return urlunsplit(parts._replace(fragment=f"t={whole}"))


def has_scans(layout: dict[str, Any] | None) -> bool:
    """Whether a text has pages without text (a scan), where a quote cannot be checked."""
    return bool(layout and layout.get("pages_without_text"))


def layouts(session: Session, source_ids: set[int]) -> dict[int, dict[str, Any] | None]:
    """The layout of each source's current text (its newest version's)."""
    from sqlalchemy import func

    newest = (
        select(SourceVersion.source_id, func.max(SourceVersion.number).label("number"))
        .where(SourceVersion.source_id.in_(source_ids))
        .group_by(SourceVersion.source_id)
        .subquery()
    )
    rows = session.execute(
        select(SourceVersion.source_id, SourceVersion.layout).join(
            newest, (SourceVersion.source_id == newest.c.source_id) & (SourceVersion.number == newest.c.number)
        )
    )
    return {source_id: layout for source_id, layout in rows}


def place_quotes(session: Session, source_id: int) -> None:
    """Set the page or time of every quote of one source from its current layout; a locator
    that was the default for a quote's old place becomes the one for its new place."""
    layout = layouts(session, {source_id}).get(source_id)
    if not layout:  # nothing to place, unless an earlier text had pages or cues
        placed_before = select(Evidence.id).where(
            Evidence.source_id == source_id, (Evidence.page.is_not(None)) | (Evidence.media_time.is_not(None))
        )
        if session.scalar(placed_before.limit(1)) is None:
            return
    for row in session.scalars(select(Evidence).where(Evidence.source_id == source_id)):
        placed = position(layout, row.start_offset)
        was = {"page": row.page, "page_label": row.page_label, "media_time": row.media_time}
        if placed == was:
            continue  # untouched: a row set to the values it has would still be stamped as changed
        if row.locator is None or row.locator == default_locator(was):
            row.locator = default_locator(placed)
        row.page, row.page_label, row.media_time = placed["page"], placed["page_label"], placed["media_time"]
