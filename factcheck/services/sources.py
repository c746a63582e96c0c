"""Sources: the citable documents that claims and evidence come from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload, undefer

from ..errors import Conflict, InvalidInput, Remedy
from ..models import (
    AppearanceSentence,
    Claim,
    Event,
    Evidence,
    Source,
    SourceKind,
    SourceVersion,
    claim_appearances,
    event_sources,
)
from .articles import Article, read_html_file, read_text_file
from .captures import capture_of, capture_view, current_version, default_locator, keep
from .common import choice, get, in_id_blocks, unique_slug
from .fields import REF, SOURCE
from .source_versions import replace_text, set_text, text_size
from .vectors import refresh_reviewed
from .views import SourceView

EDITABLE = (*(field.name for field in SOURCE if field.column or field.kind == REF), "slug", "text")


def source_view(source: Source | None, *, brief: bool = False) -> SourceView | None:
    if source is None:
        return None
    view: SourceView = {
        "id": source.id,
        "slug": source.slug,
        "title": source.title,
        "kind": source.kind.value,
        "publisher": source.publisher,
        "authors": list(source.authors or []),
        "published_on": source.published_on,
        "url": source.url,
    }
    if not brief:
        view["archive_url"] = source.archive_url
        view["accessed_on"] = source.accessed_on
        view["language"] = source.language
        view["republishes"] = source.republishes.slug if source.republishes else None
        view["has_text"] = source.text_sha256 is not None
        view["text_sha256"] = source.text_sha256
        view["note"] = source.note
    return view


def get_source(session: Session, ref: str | int) -> Source:
    return get(session, Source, ref, options=(joinedload(Source.republishes),))


def _source_id(session: Session, source: Source | int) -> int | None:
    if isinstance(source, Source):
        if source.id is None:
            session.flush()
        return source.id
    return source


def check_url_free(session: Session, url: str | None, keep: Source | int | None = None) -> None:
    """Refuse a URL that another source already has: one page is one source. `keep` is the
    source being edited, which may keep its own URL."""
    if url is None:
        return
    other_id, other_slug = session.execute(select(Source.id, Source.slug).where(Source.url == url)).first() or (
        None,
        None,
    )
    if other_id is not None and other_id != (_source_id(session, keep) if keep is not None else None):
        raise Conflict(f"source {other_slug!r} already has the URL {url}")


def check_republishes(session: Session, source: Source | int, target: Source | int) -> None:
    """Refuse to make `source` a republication of `target` when that would make a loop: a source
    republishing itself, or `target` already republishing `source`, directly or through others.

    Reads the chain as the database has it now (flushed). A bulk loader may write all its pairs
    first and then call this for each: a loop among them is found from any of its pairs."""
    source_id, target_id = _source_id(session, source), _source_id(session, target)
    if source_id is not None and source_id == target_id:
        raise InvalidInput(f"source {_slug(session, source)!r} cannot republish itself")
    if source_id is None or target_id is None:
        return  # a source not yet stored is republished by nothing, so it closes no loop
    # The chain of originals above `target`; UNION (not UNION ALL) stops on a loop already stored.
    chain = select(Source.id, Source.republishes_id).where(Source.id == target_id).cte("chain", recursive=True)
    chain = chain.union(select(Source.id, Source.republishes_id).where(Source.id == chain.c.republishes_id))
    if session.scalar(select(chain.c.id).where(chain.c.id == source_id).limit(1)) is not None:
        raise InvalidInput(
            f"source {_slug(session, source)!r} cannot republish {_slug(session, target)!r}: "
            f"{_slug(session, target)!r} already republishes {_slug(session, source)!r}, directly or through others"
        )


def _slug(session: Session, source: Source | int) -> str:
    if isinstance(source, Source):
        return source.slug
    return session.scalar(select(Source.slug).where(Source.id == source)) or str(source)


def add_source(
    session: Session,
    title: str,
    *,
    kind: str = "article",
    publisher: str | None = None,
    authors: list[str] | None = None,
    url: str | None = None,
    archive_url: str | None = None,
    published_on: str | None = None,
    accessed_on: str | None = None,
    language: str | None = None,
    republishes: str | int | None = None,
    text: str | None = None,
    note: str | None = None,
    slug: str | None = None,
    layout: dict[str, Any] | None = None,
    capture: str | None = None,
) -> Source:
    """Add a source; `text` archived, read from a file whose capture (by SHA-256) and layout
    (captures.py) its first version records."""
    given = {
        "title": title,
        "kind": kind,
        "publisher": publisher,
        "authors": authors,
        "url": url,
        "archive_url": archive_url,
        "published_on": published_on,
        "accessed_on": accessed_on,
        "language": language,
        "note": note,
    }
    values = SOURCE.checked(given)
    check_url_free(session, values["url"])
    source = Source(
        slug=unique_slug(session, Source, slug, values["title"]),
        republishes=get_source(session, republishes) if republishes else None,
        **values,
    )
    if text is not None:
        set_text(source, text)
    session.add(source)
    session.flush()
    if text is not None:
        session.add(
            SourceVersion(
                source_id=source.id,
                number=1,
                text_sha256=source.text_sha256,
                size=text_size(text),
                layout=layout,
                capture_sha256=capture,
            )
        )
        session.flush()
    refresh_reviewed(session, [source.url])  # a review's page: its title is that claim's headline
    return source


def read_source_file(
    text_file: Path | None = None,
    html_file: Path | None = None,
    pdf_file: Path | None = None,
    transcript_file: Path | None = None,
) -> Article | None:
    """The article in a saved text or HTML file, a PDF or a transcript (one of them; a text file
    may come beside a PDF as its pages' text, e.g. from OCR, a form feed between pages). Reading
    touches no database, so callers do it before they start writing."""
    given = [name for name, path in (("--html-file", html_file), ("--pdf-file", pdf_file)) if path]
    given += [name for name, path in (("--transcript-file", transcript_file),) if path]
    if text_file and not pdf_file:
        given.append("--text-file")
    if len(given) > 1:
        raise InvalidInput(f"give one file to read the text from, not {' and '.join(given)}")
    if pdf_file:
        from .pdfs import read_pdf_file

        return read_pdf_file(pdf_file, read_text_file(text_file) if text_file else None)
    if transcript_file:
        from .transcripts import read_transcript

        return read_transcript(transcript_file)
    if html_file:
        return read_html_file(html_file)
    if text_file:
        return Article(text=read_text_file(text_file))
    return None


@dataclass
class AddedSource:
    """A source added from a file, and why metadata found in the file was left out."""

    source: Source
    warnings: list[str]


def add_source_from_article(session: Session, title: str | None, article: Article | None, **fields: Any) -> AddedSource:
    """Add a source whose text is archived from an article read with `read_source_file`. Metadata
    found in an HTML page (title, authors, date, site name, canonical URL, language) fills what the
    caller left out; the warnings say which of those the page gave but could not be used."""
    if article is None:
        return AddedSource(add_source(session, title or "", **fields), [])
    found = {
        "publisher": article.publisher,
        "authors": article.authors or None,
        "url": article.url,
        "published_on": article.published_on,
        "language": article.language,
    }
    warnings = []
    for name, value in found.items():
        if fields.get(name) in (None, []):
            if value:
                fields[name] = value
            if name in article.warnings:
                warnings.append(article.warnings[name])
    if not (title or article.title):
        raise InvalidInput("the file or page gives no title: pass one as TITLE")
    capture = keep(session, article.capture) if article.capture else None
    added = add_source(
        session, title or article.title or "", text=article.text, layout=article.layout, capture=capture, **fields
    )
    return AddedSource(added, warnings)


def add_source_from_file(
    session: Session,
    title: str | None,
    *,
    text_file: Path | None = None,
    html_file: Path | None = None,
    **fields: Any,
) -> Source:
    """`add_source_from_article` of the file read with `read_source_file`, in one call."""
    return add_source_from_article(session, title, read_source_file(text_file, html_file), **fields).source


def edit_source(session: Session, ref: str | int, **changes: Any) -> Source:
    """Change the given fields; a field given as None is left as it is."""
    source = get_source(session, ref)
    headline = (source.url, source.title)
    for field, value in changes.items():
        if value is None:
            continue
        if field not in EDITABLE:
            raise InvalidInput(f"cannot edit {field!r}: editable fields: {', '.join(EDITABLE)}")
        if field == "slug":
            source.slug = unique_slug(session, Source, value, source.title)
        elif field == "republishes":
            original = get_source(session, value)
            check_republishes(session, source, original)
            source.republishes = original
        elif field == "text":
            replace_text(session, source, value)
        else:
            checked = SOURCE[field].check(value)
            if field == "url":
                check_url_free(session, checked, keep=source)
            setattr(source, field, checked)
    session.flush()
    if (source.url, source.title) != headline:
        refresh_reviewed(session, [headline[0], source.url])
    return source


def dependents(session: Session, source: Source) -> dict[str, int]:
    """What points at a source, counted: evidence, claims stated in or repeated in it, republications."""
    counts = {
        "evidence": session.scalar(select(func.count()).where(Evidence.source_id == source.id)),
        "claims stated in it": session.scalar(select(func.count()).where(Claim.stated_in_id == source.id)),
        "claim appearances": session.scalar(
            select(func.count()).select_from(claim_appearances).where(claim_appearances.c.source_id == source.id)
        ),
        "republications": session.scalar(select(func.count()).where(Source.republishes_id == source.id)),
    }
    return {what: count for what, count in counts.items() if count}


def delete_source(session: Session, ref: str | int, *, cascade: bool = False) -> dict[str, int]:
    """Delete a source; with dependents, only when `cascade` (then its evidence goes too, and
    claims and republications lose their reference to it). Returns what depended on it."""
    # The text is loaded so that the deletion's revision keeps it.
    source = get(session, Source, ref, options=(undefer(Source.text),))
    found = dependents(session, source)
    if found and not cascade:
        listed = ", ".join(f"{count} {what}" for what, count in found.items())
        raise Conflict(f"source {source.slug!r} is used by {listed}: delete them with it", remedy=Remedy.CASCADE)
    # Deleted one by one, so that each goes into the history.
    for evidence in session.scalars(select(Evidence).where(Evidence.source_id == source.id)):
        session.delete(evidence)
    for said in session.scalars(select(AppearanceSentence).where(AppearanceSentence.source_id == source.id)):
        session.delete(said)
    for claim in session.scalars(select(Claim).where(Claim.stated_in_id == source.id)):
        claim.stated_in_id = None
    repeated_in = select(claim_appearances.c.claim_id).where(claim_appearances.c.source_id == source.id)
    for claim in session.scalars(
        select(Claim).where(Claim.id.in_(repeated_in)).options(selectinload(Claim.appearances))
    ):
        claim.appearances = [other for other in claim.appearances if other.id != source.id]
    recorded_in = select(event_sources.c.event_id).where(event_sources.c.source_id == source.id)
    for event in session.scalars(select(Event).where(Event.id.in_(recorded_in)).options(selectinload(Event.sources))):
        event.sources = [other for other in event.sources if other.id != source.id]
    for copy in session.scalars(select(Source).where(Source.republishes_id == source.id)):
        copy.republishes_id = None
    session.delete(source)
    session.flush()
    refresh_reviewed(session, [source.url])
    return found


def list_sources(
    session: Session, *, kind: str | None = None, text: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    query = select(Source).options(joinedload(Source.republishes))
    if kind:
        query = query.where(Source.kind == choice(SourceKind, kind, "source kind"))
    if text:
        words = text.strip()  # matched as written: % and _ are characters, not wildcards
        query = query.where(
            or_(
                Source.title.icontains(words, autoescape=True),
                Source.publisher.icontains(words, autoescape=True),
            )
        )
    query = query.order_by(Source.published_on.is_(None), Source.published_on, Source.id).limit(limit)
    return [source_view(source) for source in session.scalars(query)]  # type: ignore[misc]


def show_source(session: Session, ref: str | int) -> dict[str, Any]:
    """A source with the evidence it gives, claim by claim."""
    source = get_source(session, ref)
    rows = session.scalars(
        select(Evidence)
        .where(Evidence.source_id == source.id)
        .options(joinedload(Evidence.claim), joinedload(Evidence.speaker))
        .order_by(Evidence.start_offset, Evidence.id)
    ).all()
    view: dict[str, Any] = dict(source_view(source) or {})
    version = current_version(session, source.id)
    view["capture"] = (
        capture_view(capture_of(session, source, content=False)) if version and version.capture_sha256 else None
    )
    view["pages_without_text"] = (version.layout or {}).get("pages_without_text", []) if version else []
    view["evidence"] = [quote_view(row) for row in rows]
    return view


SOURCE_BLOCK = 100  # sources read at once by source_views, each with all its quotes (dozens, often)


def source_views(session: Session) -> Iterator[tuple[dict[str, Any], dict[str, str]]]:
    """show_source of every source, in id order, with the text of each claim its quotes bear on
    (by slug): SOURCE_BLOCK sources in two queries, and nothing of a block kept once the next is read."""
    for sources in in_id_blocks(session, Source, SOURCE_BLOCK, joinedload(Source.republishes)):
        quoted: dict[int, list[Evidence]] = {}
        for row in session.scalars(
            select(Evidence)
            .where(Evidence.source_id.in_([source.id for source in sources]))
            .options(joinedload(Evidence.claim), joinedload(Evidence.speaker))
            .order_by(Evidence.source_id, Evidence.start_offset, Evidence.id)
        ):
            quoted.setdefault(row.source_id, []).append(row)
        for source in sources:
            rows = quoted.get(source.id, [])
            view = {**dict(source_view(source) or {}), "evidence": [quote_view(row) for row in rows]}
            yield view, {row.claim.slug: row.claim.text for row in rows}


def quote_view(row: Evidence) -> dict[str, Any]:
    """One quote on a source's page (its claim and speaker loaded)."""
    return {
        "id": row.id,
        "claim": row.claim.slug,
        "stance": row.stance.value,
        "quote": row.quote,
        "speaker": row.speaker.name if row.speaker else None,
        "quote_status": row.quote_status.value,
        "place": default_locator({"page": row.page, "page_label": row.page_label, "media_time": row.media_time}),
    }
