"""Scanning a text for the known claims it repeats: the text is split into sentences in any
language (sentencex, Wikimedia's segmenter: its rules for a language, with fallbacks for the
others; a blank line always ends one), and every sentence is matched against the claims by the
engine `similar` uses (vectors embedded in batches, full-text candidates). For each claim found,
the best sentences, with their score, label and place: offsets in the text, and the page or time
where the text has a layout (services/captures.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from unicodedata import east_asian_width

from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..models import AppearanceSentence, Source, Verdict
from .captures import default_locator, position
from .similar import SUGGEST, similar_each
from .views import AppearanceSaid

MIN_WORD_CHARACTERS = (
    12  # letters and digits a sentence needs to state something ("贝克说北约不会向东扩张一英寸" has 14)
)
MAX_SENTENCE = 1_000  # characters of a sentence matched (a "sentence" longer than this is a list or a table)
MAX_PARAGRAPH = 600  # a paragraph up to this long (a post) is matched whole too, beside its sentences
SENTENCES_PER_CLAIM = 100  # the best sentences kept for each claim found (the table shows three)
HITS_PER_SENTENCE = 5
DEFAULT_LANGUAGE = "en"  # sentencex's rules when the text's language is not known
_WORD_CHARACTER = re.compile(r"\w")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str  # text[start:end], whitespace folded
    whole: bool = False  # a short paragraph of several sentences, matched whole beside them


def sentences(text: str, language: str | None = None) -> list[Sentence]:
    """The sentences of `text` long enough to state something, each with its offsets, once each
    (the first place a sentence stands); and each short paragraph of several sentences as a whole
    too (a post, a tweet: a claim is often stated across its sentences). A "sentence" longer than
    MAX_SENTENCE (lines without full stops, captions) is taken a line at a time, and a line that
    long in pieces ending at a space."""
    import sentencex

    found: list[Sentence] = []
    seen: set[str] = set()
    paragraph: list[Sentence] = []

    def keep(start: int, end: int, whole: bool = False) -> Sentence | None:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end - start > MAX_SENTENCE and not whole:
            _split(start, end)
            return None
        if _weight(text[start:end]) < MIN_WORD_CHARACTERS:
            return None
        flat = " ".join(text[start:end].split())
        if flat in seen:
            return None
        seen.add(flat)
        found.append(Sentence(start, end, flat, whole))
        return found[-1]

    def _split(start: int, end: int) -> None:
        if text.find("\n", start, end) != -1:  # a line at a time
            for line in re.finditer(r"[^\n]+", text[start:end]):
                keep(start + line.start(), start + line.end())
            return
        cut = text.rfind(" ", start, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        keep(start, cut)
        keep(cut, end)

    def close_paragraph() -> None:
        if len(paragraph) > 1 and paragraph[-1].end - paragraph[0].start <= MAX_PARAGRAPH:
            keep(paragraph[0].start, paragraph[-1].end, whole=True)
        paragraph.clear()

    for boundary in sentencex.get_sentence_boundaries(_language(language), text):
        if boundary["is_paragraph_break"]:
            close_paragraph()
            continue
        before = len(found)
        keep(boundary["start_index"], boundary["end_index"])
        paragraph.extend(found[before:])
    close_paragraph()
    return found


def _weight(text: str) -> int:
    return sum(2 if east_asian_width(c) in "WF" else 1 for c in _WORD_CHARACTER.findall(text))


def _language(language: str | None) -> str:
    """The language code sentencex knows the text by: "en" for "en-GB", the default for none."""
    code = (language or DEFAULT_LANGUAGE).strip().lower().replace("_", "-").split("-")[0]
    return code if code.isalpha() and 2 <= len(code) <= 3 else DEFAULT_LANGUAGE


@dataclass
class Scanned:
    """What a scan found: each claim with its best sentences, best first; how many sentences the
    text has (short paragraphs matched whole as well are not counted again)."""

    claims: list[dict[str, Any]]
    sentences: int

    def view(self) -> dict[str, Any]:
        return {"sentences": self.sentences, "claims": self.claims}


def scan_text(
    session: Session,
    text: str,
    *,
    language: str | None = None,
    layout: dict[str, Any] | None = None,
    min_score: float = SUGGEST,
    limit: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    max_sentences: int | None = None,
) -> Scanned:
    """The claims that sentences of `text` say, each with its best sentences (see the module's
    docstring). `on_progress(done, total)` follows the sentences matched; of more than
    `max_sentences`, that many are matched, spread evenly over the text. An empty text, or one
    with no sentence long enough, is refused."""
    if not text.strip():
        raise InvalidInput("the text is empty: nothing to scan")
    found = sentences(text, language)
    total = len(found)
    counted = sum(not sentence.whole for sentence in found)
    if max_sentences is not None and total > max_sentences:  # spread evenly over the text
        found = [found[index * total // max_sentences] for index in range(max_sentences)]
    if not found:
        raise InvalidInput(
            f"the text has no sentence long enough to state something (at least {MIN_WORD_CHARACTERS} letters)"
        )
    best: dict[int, dict[str, Any]] = {}
    matches = similar_each(session, [sentence.text for sentence in found], limit=HITS_PER_SENTENCE, min_score=min_score)
    for done, (sentence, hits) in enumerate(zip(found, matches, strict=True), 1):
        for hit in hits:
            _keep(best, hit, sentence, layout)
        if on_progress:
            on_progress(done, len(found))
    claims = sorted(best.values(), key=lambda claim: (-claim["score"], claim["id"]))
    return Scanned(claims[:limit] if limit else claims, counted)


def _keep(
    best: dict[int, dict[str, Any]], hit: dict[str, Any], sentence: Sentence, layout: dict[str, Any] | None
) -> None:
    claim = best.setdefault(
        hit["id"], {"id": hit["id"], "slug": hit["slug"], "text": hit["text"], "score": 0.0, "label": hit["label"]}
    )
    if hit["score"] > claim["score"]:
        claim["score"], claim["label"] = hit["score"], hit["label"]
    placed = position(layout, sentence.start)
    said = {
        "sentence": sentence.text,
        "start": sentence.start,
        "end": sentence.end,
        "score": hit["score"],
        "label": hit["label"],
        **placed,
        "place": default_locator(placed),
    }
    kept = claim.setdefault("sentences", [])
    kept.append(said)
    kept.sort(key=lambda item: (-item["score"], item["start"]))
    del kept[SENTENCES_PER_CLAIM:]


# Sentences of a new source compared with the claims when it is added (`suggestions_for`): all
# of a long article's, and a spread of a book's, so that adding it takes seconds, not minutes.
MAX_SUGGESTED_SENTENCES = 500
SUGGESTED = 10  # claims listed


def suggestions_for(
    session: Session, text: str, *, layout: dict[str, Any] | None = None, language: str | None = None
) -> Scanned:
    """The claims a new source's text appears to speak to (scan_text, bounded): none for a text
    with no sentence long enough."""
    try:
        return scan_text(
            session, text, layout=layout, language=language, limit=SUGGESTED, max_sentences=MAX_SUGGESTED_SENTENCES
        )
    except InvalidInput:
        return Scanned([], 0)


def source_text(session: Session, ref: str) -> tuple[str, str, dict[str, Any] | None, str | None]:
    """(slug, archived text, layout, language) of the stored source `ref`, to scan."""
    from sqlalchemy import select

    from ..errors import NotFound
    from .captures import layouts
    from .sources import get_source

    try:
        source = get_source(session, ref)
    except NotFound:
        raise InvalidInput(f"{ref!r} is neither a file nor a source (id or slug)") from None
    text = session.scalar(select(Source.text).where(Source.id == source.id))
    if text is None:
        raise InvalidInput(
            f"source {source.slug!r} has no archived text to scan: archive it with `source edit --text-file`"
        )
    return source.slug, text, layouts(session, {source.id}).get(source.id), source.language


def appearance_said(said: AppearanceSentence) -> AppearanceSaid:
    return {"sentence": said.sentence, "start": said.start_offset, "end": said.end_offset}


def repeated_since(appearances: Iterable[Source], verdict: Verdict) -> int:
    """How many of the sources that repeat a claim were published after its verdict (a partial
    date counts only when wholly after it)."""
    day = verdict.reviewed_on or verdict.created_at.date().isoformat()
    return sum(1 for source in appearances if source.published_on and source.published_on[:10] > day)


# --- recording what a scan found --------------------------------------------------------------------


def apply_scan(
    session: Session, source_ref: str | int, scanned: Scanned, confirm: Iterable[str] = ()
) -> dict[str, Any]:
    """Record the claims a scan of a stored source found as appearances of each claim in it, with
    the sentence that says it, in this transaction (one batch in the history; `undo_scan` takes
    it back): those labelled duplicate, and those named in `confirm` among the others found.
    The others are returned to be confirmed by a person; claims whose appearance in the source
    is recorded already are left as they are."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from ..models import Claim
    from .sources import get_source

    source = get_source(session, source_ref)
    found = {claim["slug"]: claim for claim in scanned.claims}
    confirmed = list(dict.fromkeys(confirm))
    unknown = [slug for slug in confirmed if slug not in found]
    if unknown:
        raise InvalidInput(
            f"{', '.join(map(repr, unknown))} {'was' if len(unknown) == 1 else 'were'} not found by this scan of "
            f"{source.slug!r}: --confirm takes claims it lists"
        )
    negating = [slug for slug in confirmed if found[slug]["label"] == "rebuts?"]
    if negating:
        raise InvalidInput(
            f"the source seems to negate {', '.join(map(repr, negating))} (labelled rebuts?), not to repeat it: "
            "link it as a counterclaim or quote it as evidence instead"
        )
    chosen = [claim for claim in scanned.claims if claim["label"] == "duplicate" or claim["slug"] in confirmed]
    rows = session.scalars(
        select(Claim).where(Claim.id.in_([claim["id"] for claim in chosen])).options(selectinload(Claim.appearances))
    )
    claims = {row.id: row for row in rows}
    applied, already = [], []
    for claim in chosen:
        row = claims[claim["id"]]
        if any(other.id == source.id for other in row.appearances):
            already.append(claim["slug"])
            continue
        row.appearances.append(source)
        said = claim["sentences"][0]
        session.add(
            AppearanceSentence(
                claim_id=row.id,
                source_id=source.id,
                sentence=said["sentence"],
                start_offset=said["start"],
                end_offset=said["end"],
                score=said["score"],
            )
        )
        applied.append({"claim": claim["slug"], "score": said["score"], "sentence": said["sentence"]})
    session.flush()
    recorded = {claim.slug for claim in session.scalars(select(Claim).where(Claim.appearances.contains(source)))}
    to_confirm = [claim for claim in scanned.claims if claim not in chosen and claim["slug"] not in recorded]
    return {
        "source": source.slug,
        "batch": session.info.get("batch") if applied else None,
        "applied": applied,
        "recorded_already": already,
        "to_confirm": [{"claim": c["slug"], "score": c["score"], "label": c["label"]} for c in to_confirm],
    }


def undo_scan(session: Session, batch: str) -> dict[str, Any]:
    """Take back the appearances `scan --apply` recorded in history batch `batch`, with their
    sentences (the removal is recorded too, in a batch of its own). Returns the claims whose
    appearance was removed, how many of the batch's were gone already, and the new batch."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from ..errors import Conflict, NotFound
    from ..models import Claim, Revision, RevisionAction
    from .common import required_text

    batch = required_text(batch, "the batch id", 64)
    made = session.scalars(
        select(Revision.entity_id).where(
            Revision.batch == batch,
            Revision.entity == AppearanceSentence.__tablename__,
            Revision.action == RevisionAction.INSERT,
        )
    ).all()
    if not made:
        raise NotFound(f"`scan --apply` recorded nothing in batch {batch!r}: see `factcheck history`")
    # Only a batch of appearances added (claims' updates) and their sentences is one `--apply` made.
    others = session.scalar(
        select(Revision.id).where(
            Revision.batch == batch,
            ~(
                ((Revision.entity == AppearanceSentence.__tablename__) & (Revision.action == RevisionAction.INSERT))
                | ((Revision.entity == "claims") & (Revision.action == RevisionAction.UPDATE))
            ),
        )
    )
    if others is not None:
        raise Conflict(f"batch {batch!r} was not made by `scan --apply`: `scan --undo` takes back only its own")
    sentences_made = session.scalars(select(AppearanceSentence).where(AppearanceSentence.id.in_(made))).all()
    if not sentences_made:
        raise Conflict(f"the appearances recorded in batch {batch!r} are gone already")
    claims = {
        row.id: row
        for row in session.scalars(
            select(Claim)
            .where(Claim.id.in_([said.claim_id for said in sentences_made]))
            .options(selectinload(Claim.appearances))
        )
    }
    removed = []
    for said in sentences_made:
        claim = claims[said.claim_id]
        claim.appearances = [other for other in claim.appearances if other.id != said.source_id]
        session.delete(said)
        removed.append(claim.slug)
    session.flush()
    return {"removed": sorted(removed), "gone": len(made) - len(sentences_made), "batch": session.info.get("batch")}
