"""Versions of a source's archived text: a replaced text is kept, with where each quote stood in
it; the quotes are re-anchored in the new text; versions are listed, compared and carried in and
out of datasets."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import limits
from ..errors import InvalidInput, NotFound
from ..limits import check_length
from ..models import AppearanceSentence, Claim, Evidence, QuoteStatus, Source, SourceVersion, utcnow
from .articles import Article
from .captures import current_version, keep, place_quotes
from .common import get
from .evidence import QuoteCheck, check_source_quotes, orphaned_quotes, quote_state, record_quote_check
from .quotes import normalise


def set_text(source: Source, text: str) -> None:
    """Archive a source's text with its SHA-256, so quotes can be checked against it later."""
    if not text.strip():
        raise InvalidInput(f"the text for source {source.slug!r} is empty")
    source.text = check_length(text, f"the text for source {source.slug!r}", limits.MAX_ARCHIVED_TEXT)
    source.text_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()


def text_size(text: str) -> int:
    return len(text.encode("utf-8"))


@dataclass
class ReplacedText:
    """A source's text replaced: the new version's number, and its quotes re-anchored in it."""

    version: int
    check: QuoteCheck
    orphaned: list[dict[str, Any]]


def replace_text(
    session: Session,
    source: Source,
    text: str,
    check: QuoteCheck | None = None,
    *,
    layout: dict[str, Any] | None = None,
    capture: str | None = None,
) -> ReplacedText | None:
    """Archive `text` as the source's new text, keeping the one it replaces as a version (with
    where each quote stood in it), and re-anchor every quote in the new text: stored offsets
    first, then the context, then fuzzily. `check` is that anchoring done beforehand by
    check_source_quotes(..., text=text), outside the write lock; it is used only if neither the
    stored text nor any quote changed since. None when the text is the one archived already.
    The new version records the text's layout and the capture it was read from (captures.py)."""
    session.flush()
    old_text = session.scalar(select(Source.text).where(Source.id == source.id))
    old_sha256 = source.text_sha256
    versions = list(
        session.scalars(
            select(SourceVersion).where(SourceVersion.source_id == source.id).order_by(SourceVersion.number)
        )
    )
    set_text(source, text)
    if source.text_sha256 == old_sha256:
        return None
    if old_text is not None and old_sha256 is not None:
        if not versions or versions[-1].text_sha256 != old_sha256:
            # Archived before versions were kept, or brought by an import: its version starts now.
            versions.append(
                SourceVersion(
                    source_id=source.id,
                    number=versions[-1].number + 1 if versions else 1,
                    text_sha256=old_sha256,
                    size=text_size(old_text),
                    archived_at=source.updated_at or utcnow(),
                )
            )
            session.add(versions[-1])
        versions[-1].text = old_text
        versions[-1].quotes = _found_now(session, source.id)
    number = versions[-1].number + 1 if versions else 1
    session.add(
        SourceVersion(
            source_id=source.id,
            number=number,
            text_sha256=source.text_sha256,
            size=text_size(text),
            layout=layout,
            capture_sha256=capture,
        )
    )
    session.flush()
    quotes_now = {
        row.id: quote_state(row) for row in session.scalars(select(Evidence).where(Evidence.source_id == source.id))
    }
    if check is None or (check.text_sha256, check.stored_sha256, check.seen) != (
        source.text_sha256,
        old_sha256,
        quotes_now,
    ):
        check = check_source_quotes(session, source.id)
    record_quote_check(session, check)
    _reanchor_sentences(session, source.id, text)
    return ReplacedText(number, check, orphaned_quotes(session, source.id))


def _reanchor_sentences(session: Session, source_id: int, text: str) -> None:
    """The sentences `scan --apply` kept for the source, placed in its new text; one no longer
    in it is deleted (its appearance stays, and the history keeps the sentence)."""
    from .quotes import anchor_quote

    for said in session.scalars(select(AppearanceSentence).where(AppearanceSentence.source_id == source_id)):
        anchor = anchor_quote(text, said.sentence, start=said.start_offset, end=said.end_offset)
        if anchor.start is None or anchor.end is None:
            session.delete(said)
        elif (anchor.start, anchor.end) != (said.start_offset, said.end_offset):
            said.start_offset, said.end_offset = anchor.start, anchor.end
    session.flush()


def replace_text_read(
    session: Session, source: Source, article: Article | None, check: QuoteCheck | None = None
) -> ReplacedText | None:
    """`replace_text` with the text of a file or page read (articles.Article), keeping the
    document it was read from as the new version's capture; an unchanged text adds nothing, its
    capture neither."""
    if article is None:
        return None
    if hashlib.sha256(article.text.encode("utf-8")).hexdigest() == source.text_sha256:
        current = current_version(session, source.id)
        if article.capture and current is not None and current.capture_sha256 is None:
            # The same text, now from a document: the version keeps it, and where its pages begin.
            current.capture_sha256, current.layout = keep(session, article.capture), article.layout
            session.flush()
            place_quotes(session, source.id)
        return None
    sha256 = keep(session, article.capture) if article.capture else None
    return replace_text(session, source, article.text, check, layout=article.layout, capture=sha256)


def _found_now(session: Session, source_id: int) -> dict[str, dict[str, Any]]:
    """Where the quotes found in the source's current text stand in it, by evidence id."""
    rows = session.execute(
        select(Evidence.id, Evidence.start_offset, Evidence.end_offset, Evidence.quote_status).where(
            Evidence.source_id == source_id,
            Evidence.quote_status.in_([QuoteStatus.VERIFIED, QuoteStatus.FUZZY]),
        )
    )
    return {str(id_): {"start": start, "end": end, "status": status.value} for id_, start, end, status in rows}


@dataclass
class _Version:
    number: int
    sha256: str
    size: int
    archived_at: Any
    current: bool
    kept: bool  # whether its text can still be read
    quotes: dict[str, dict[str, Any]]


def _versions(session: Session, source: Source) -> list[_Version]:
    """Every version of a source's text, oldest first, the current one last (also when it has no
    row of its own yet: archived by an import, which keeps no versions)."""
    cited = set(session.scalars(select(Evidence.id).where(Evidence.source_id == source.id)))
    rows = session.execute(
        select(SourceVersion, SourceVersion.text.is_not(None))
        .where(SourceVersion.source_id == source.id)
        .order_by(SourceVersion.number)
    ).all()
    versions = [
        _Version(
            row.number,
            row.text_sha256,
            row.size,
            row.archived_at,
            False,
            kept,
            {key: value for key, value in (row.quotes or {}).items() if int(key) in cited},
        )
        for row, kept in rows
    ]
    if source.text_sha256 is None:
        return versions
    if versions and versions[-1].sha256 == source.text_sha256 and not versions[-1].kept:
        versions[-1].current = versions[-1].kept = True
    else:
        size = text_size(session.scalar(select(Source.text).where(Source.id == source.id)) or "")
        number = versions[-1].number + 1 if versions else 1
        versions.append(_Version(number, source.text_sha256, size, source.updated_at, True, True, {}))
    versions[-1].quotes = _found_now(session, source.id)
    return versions


def list_versions(session: Session, ref: str | int) -> list[dict[str, Any]]:
    """The versions of a source's archived text: number, date archived, size, SHA-256, and how
    many of its quotes each holds."""
    source = get(session, Source, ref)
    return [
        {
            "version": version.number,
            "archived_at": version.archived_at.isoformat() if version.archived_at else None,
            "size": version.size,
            "sha256": version.sha256,
            "current": version.current,
            "text_kept": version.kept,
            "quotes": len(version.quotes),
            "evidence": sorted(int(key) for key in version.quotes),
        }
        for version in _versions(session, source)
    ]


def diff_versions(
    session: Session, ref: str | int, first: int | None = None, second: int | None = None
) -> dict[str, Any]:
    """What changed between two versions of a source's text (by default the one before the
    current, and the current): a unified diff, and the quotes lost, found or moved."""
    import difflib

    source = get(session, Source, ref)
    versions = {version.number: version for version in _versions(session, source)}
    if not versions:
        raise InvalidInput(f"source {source.slug!r} has no archived text")
    numbers = sorted(versions)
    if len(numbers) == 1 and first is None:
        raise InvalidInput(f"source {source.slug!r} has one version of its text: nothing to compare it with yet")
    second = numbers[-1] if second is None else second
    first = second - 1 if first is None else first
    for number in (first, second):
        if number not in versions:
            has = f"version {numbers[0]}" if len(numbers) == 1 else f"versions {numbers[0]}-{numbers[-1]}"
            raise NotFound(f"source {source.slug!r} has no version {number} of its text: it has {has}")
        if not versions[number].kept:
            raise InvalidInput(f"the text of version {number} of source {source.slug!r} was not kept")
    texts = {number: _version_text(session, source, versions[number]) for number in (first, second)}
    old, new = texts[first].splitlines(), texts[second].splitlines()
    del texts
    # The lines both begin and end with are left out of difflib (which holds a table of every
    # line it compares: two 20 MB texts took 1 GB), but three of context; the hunks are renumbered.
    same = next((n for n, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
    rest = min(len(old), len(new)) - same
    tail = next((n for n in range(rest) if old[-1 - n] != new[-1 - n]), rest)
    skip, keep = max(0, same - 3), max(0, tail - 3)
    lines = difflib.unified_diff(
        old[skip : len(old) - keep],
        new[skip : len(new) - keep],
        f"{source.slug} version {first}",
        f"{source.slug} version {second}",
        lineterm="",
    )
    diff = (_HUNK.sub(lambda m: _renumbered(m, skip), line) if line.startswith("@@") else line for line in lines)
    before, after = versions[first].quotes, versions[second].quotes
    ids = [int(key) for key in sorted({*before, *after}, key=int)]
    described = dict(
        session.execute(
            select(Evidence.id, Claim.slug).join(Claim, Claim.id == Evidence.claim_id).where(Evidence.id.in_(ids))
        ).all()
    )
    quotes = {
        row.id: {"evidence": row.id, "claim": described[row.id], "quote": row.quote}
        for row in session.scalars(select(Evidence).where(Evidence.id.in_(ids)))
    }

    def place(found: dict[str, Any] | None) -> dict[str, Any] | None:
        return {"start": found["start"], "end": found["end"]} if found else None

    lost, gained, moved = [], [], []
    for evidence_id in ids:
        was, now = before.get(str(evidence_id)), after.get(str(evidence_id))
        entry = {**quotes[evidence_id], "from": place(was), "to": place(now)}
        if was and not now:
            lost.append(entry)
        elif now and not was:
            gained.append(entry)
        elif was and now and (was["start"], was["end"]) != (now["start"], now["end"]):
            moved.append(entry)
    return {
        "source": source.slug,
        "from": first,
        "to": second,
        "diff": "\n".join(diff),
        "quotes_lost": lost,
        "quotes_found": gained,
        "quotes_moved": moved,
    }


_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def _renumbered(hunk: re.Match[str], skip: int) -> str:
    return f"@@ -{int(hunk[1]) + skip}{hunk[2] or ''} +{int(hunk[3]) + skip}{hunk[4] or ''} @@"


def _version_text(session: Session, source: Source, version: _Version) -> str:
    if version.current:
        return session.scalar(select(Source.text).where(Source.id == source.id)) or ""
    return (
        session.scalar(
            select(SourceVersion.text).where(
                SourceVersion.source_id == source.id, SourceVersion.number == version.number
            )
        )
        or ""
    )


# --- versions in and out of a dataset (for factcheck/interchange: export, import) -------------------


def version_records(session: Session, source_id: int) -> list[dict[str, Any]]:
    """The versions of a source's text as a dataset carries them, oldest first: each with its
    number, SHA-256, size and date, the earlier ones with their text and where each quote stood
    (by evidence id); the current one without text (the source's own)."""
    source = session.get(Source, source_id) or get(session, Source, source_id)
    records = []
    for version in _versions(session, source):
        record: dict[str, Any] = {
            "number": version.number,
            "sha256": version.sha256,
            "size": version.size,
            "archived_at": version.archived_at.isoformat() if version.archived_at else None,
        }
        if version.current:
            record["current"] = True
        elif version.kept:
            record["text"] = _version_text(session, source, version)
            record["quotes"] = version.quotes
        records.append(record)
    return records


def restore_versions(
    session: Session, source: Source, records: list[dict[str, Any]], evidence_ids: dict[int, int]
) -> None:
    """Store the versions `version_records` gave for `source`, whose current text is already
    archived (as the last record says). `evidence_ids` maps the dataset's evidence ids to the
    database's; quotes of evidence not brought along are left out. Checked first: numbers rising,
    texts matching their SHA-256, the last version the source's text."""
    import datetime as dt

    quoted = dict(session.execute(select(Evidence.id, Evidence.quote).where(Evidence.source_id == source.id)).all())
    numbers = [record.get("number") for record in records]
    if not records or any(not isinstance(n, int) or isinstance(n, bool) or n < 1 for n in numbers):
        raise InvalidInput(f"the versions of source {source.slug!r} need numbers 1, 2, ...")
    if numbers != sorted({int(n) for n in numbers if n is not None}):
        raise InvalidInput(f"the versions of source {source.slug!r} are not numbered in rising order: {numbers}")
    marked = [record.get("number") for record in records if record.get("current")]
    if marked != [records[-1].get("number")]:
        raise InvalidInput(
            f"the versions of source {source.slug!r} mark {marked or 'none'} as current: the last one, "
            "and only it, is the source's current text"
        )
    if records[-1].get("sha256") != source.text_sha256:
        raise InvalidInput(f"the last version of source {source.slug!r} is not the source's text (its SHA-256 differs)")
    rows = []
    for record in records:
        what = f"version {record['number']} of source {source.slug!r}"
        text, size = record.get("text"), record.get("size")
        if not isinstance(record.get("sha256"), str) or (
            text is None and (not isinstance(size, int) or isinstance(size, bool) or size < 0)
        ):
            raise InvalidInput(f"{what}: needs its SHA-256 (text) and size (a whole number of bytes)")
        if text is not None:
            text = check_length(str(text), what, limits.MAX_ARCHIVED_TEXT)
            if hashlib.sha256(text.encode("utf-8")).hexdigest() != record.get("sha256"):
                raise InvalidInput(f"{what}: the text does not match its SHA-256")
        try:
            archived = dt.datetime.fromisoformat(record["archived_at"]) if record.get("archived_at") else utcnow()
        except (TypeError, ValueError):
            raise InvalidInput(f"{what}: archived_at {record['archived_at']!r} is not a date and time") from None
        quotes = {
            str(evidence_ids[int(key)]): place
            for key, place in (record.get("quotes") or {}).items()
            if str(key).isdigit() and int(key) in evidence_ids
        }
        if record is not records[-1] and (wrong := misplaced(text, size, quotes, quoted)):
            raise InvalidInput(f"{what}: {wrong}")
        rows.append(
            SourceVersion(
                source_id=source.id,
                number=record["number"],
                text=None if record is records[-1] else text,
                text_sha256=str(record.get("sha256")),
                size=text_size(text) if text is not None else size,
                archived_at=archived if archived.tzinfo else archived.replace(tzinfo=dt.UTC),
                quotes=quotes if record is not records[-1] else None,
            )
        )
    session.execute(delete(SourceVersion).where(SourceVersion.source_id == source.id))
    session.add_all(rows)
    session.flush()


def misplaced(text: str | None, size: Any, places: dict[str, Any], quoted: dict[int, str]) -> str | None:
    """What is wrong with where a kept version says its quotes stood, or None: each place within
    the text (or its size, when the text is not kept), and a verified quote's place holding it."""

    length = len(text) if text is not None else size if isinstance(size, int) and not isinstance(size, bool) else None
    for key, place in places.items():
        start, end = (place.get("start"), place.get("end")) if isinstance(place, dict) else (None, None)
        if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or not 0 <= start < end:
            return f"the place of evidence {key}'s quote, {place!r}, is not two offsets, start before end"
        if length is not None and end > length:
            return f"evidence {key}'s quote is placed at {start}-{end}, past the end of the text ({length:,})"
        said = quoted.get(int(key)) if key.isdigit() else None
        verified = place.get("status") == QuoteStatus.VERIFIED.value
        if text is not None and said is not None and verified and normalise(text[start:end]) != normalise(said):
            return f"evidence {key}'s verified quote is not at {start}-{end}: the text there reads {text[start:end]!r}"
    return None
