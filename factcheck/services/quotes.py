"""Anchoring quotes in archived texts, after W3C Web Annotation selectors (exact, prefix, suffix,
start/end offsets), the way Hypothesis re-anchors annotations.

Matching goes: stored offsets (kept only if the slice is the quote) → exact search after
normalising both texts, choosing among several hits by prefix and suffix → fuzzy search, whose
candidates above the threshold are weighed as Hypothesis's match-quote weighs them (quote 50,
prefix 20, suffix 20, nearness to the stored start 2), so that a misquote said twice lands where
its context says. A quote shorter than MIN_FUZZY_LENGTH gets one edit at most, and only where its
context confirms the place. A confident wrong match is worse than none, so the fuzzy threshold is
conservative and a lookalike passage is reported as `not-found`, whatever its context.

The fuzzy search is bounded in both the quote's and the text's length: a short quote in a text of
moderate size is aligned against the whole text; otherwise pieces of the quote ("seeds") found
exactly in the text mark a few places where it may stand, and only those are compared. A quote
whose every seed is missing or commonplace is then `not-found`, however long the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import QuoteStatus
from .normalised import OffsetMap, normalise, raw_end, source_map

CONTEXT = 32  # characters of prefix and suffix kept around a quote
FUZZY_THRESHOLD = 90.0  # rapidfuzz alignment score (0-100) a passage needs to count as the quote
MIN_FUZZY_LENGTH = 12  # shorter quotes get one edit at most, and only where the context confirms it
# Aligning a quote against a whole text costs about quote length × text length (0.2 s for 500
# characters in 1 MB): only up to this product, and only for quotes up to MAX_SCANNED_QUOTE.
FUZZY_SCAN_BUDGET = 400_000_000
MAX_SCANNED_QUOTE = 500
MAX_ALIGNED_QUOTE = 1_000  # longer quotes are placed by their seeds and compared whole, not aligned
SEED_LENGTH = 12  # characters of the quote searched exactly to find where it may stand
MAX_SEEDS = 32
MAX_SEED_HITS = 50  # a seed found more often than this says nothing about where the quote is
MAX_PLACES = 8  # places compared with the quote, those most seeds agree on
MAX_EXACT_HITS = 1_000  # exact occurrences among which prefix and suffix choose
# A fuzzy candidate's weight, as Hypothesis's match-quote gives it: the quote counts most, then the
# context either side, and nearness to the stored offset breaks ties.
QUOTE_WEIGHT, PREFIX_WEIGHT, SUFFIX_WEIGHT, POSITION_WEIGHT = 50, 20, 20, 2
MIN_SHORT_FUZZY = 4  # a short quote shorter than this must match exactly, context or not
SHORT_CONTEXT = 16  # characters of prefix (its end) and suffix (its start) that must be found exactly


@dataclass(frozen=True)
class Anchor:
    """Where a quote stands in a text, and how sure we are."""

    status: QuoteStatus
    start: int | None = None
    end: int | None = None
    passage: str | None = None  # the raw text at start:end (differs from the quote when fuzzy)
    prefix: str | None = None
    suffix: str | None = None
    score: float | None = None  # similarity of the passage to the quote, 0-100


def context_around(text: str, start: int, end: int) -> tuple[str, str]:
    """About CONTEXT characters either side of text[start:end], whitespace folded."""
    fold = lambda piece: re.sub(r"\s+", " ", piece)  # noqa: E731
    return fold(text[max(0, start - CONTEXT) : start]), fold(text[end : end + CONTEXT])


def _anchor(text: str, start: int, end: int, status: QuoteStatus, score: float) -> Anchor:
    prefix, suffix = context_around(text, start, end)
    return Anchor(status, start, end, text[start:end], prefix, suffix, round(score, 1))


def anchor_quote(
    text: str | None,
    quote: str,
    *,
    prefix: str | None = None,
    suffix: str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> Anchor:
    """Find `quote` in `text`; see the module's docstring for the order of attempts."""
    if text is None:
        return Anchor(QuoteStatus.UNVERIFIED)
    if (
        start is not None
        and end is not None
        and 0 <= start < end <= len(text)
        and normalise(text[start:end]) == normalise(quote)
    ):
        return _anchor(text, start, end, QuoteStatus.VERIFIED, 100.0)

    haystack, origin = source_map(text)
    needle = normalise(quote)
    if not needle:
        return Anchor(QuoteStatus.NOT_FOUND)
    context = _Context(text, haystack, origin, prefix, suffix, start)
    hits: list[int] = []
    at = haystack.find(needle)
    while at != -1 and len(hits) < MAX_EXACT_HITS:
        hits.append(at)
        at = haystack.find(needle, at + 1)
    if hits:
        best = max(hits, key=lambda at: context.score(at, at + len(needle)))
        return _anchor(text, origin[best], raw_end(text, origin, best + len(needle)), QuoteStatus.VERIFIED, 100.0)
    if len(needle) < MIN_FUZZY_LENGTH:
        return _short(text, haystack, origin, needle, context)
    return _fuzzy(text, haystack, origin, needle, context)


class _Context:
    """What besides the quote says where it stands: the stored prefix and suffix, and the stored
    start offset (a hint only: the text may have changed before it)."""

    def __init__(
        self, text: str, haystack: str, origin: OffsetMap, prefix: str | None, suffix: str | None, start: int | None
    ) -> None:
        self.text, self.haystack, self.origin = text, haystack, origin
        self.prefix = normalise(prefix) if prefix else ""
        self.suffix = normalise(suffix) if suffix else ""
        self.start = start

    def agreement(self, start: int, end: int) -> tuple[float, float]:
        """How well the text before and after haystack[start:end] agrees with the prefix and
        suffix, each 0-1 (0 when not given)."""
        from rapidfuzz import fuzz

        before = after = 0.0
        if self.prefix:
            before = fuzz.ratio(self.prefix, self.haystack[max(0, start - len(self.prefix) - 1) : start].strip()) / 100
        if self.suffix:
            after = fuzz.ratio(self.suffix, self.haystack[end : end + len(self.suffix) + 1].strip()) / 100
        return before, after

    def score(self, start: int, end: int, quote: float = 1.0) -> float:
        """A candidate's weight as Hypothesis's match-quote gives it: quote 50, prefix 20,
        suffix 20, nearness to the stored start 2 (`quote` is the quote's similarity, 0-1)."""
        before, after = self.agreement(start, end)
        near = 0.0
        if self.start is not None and self.text:
            near = max(0.0, 1 - abs(self.origin[start] - self.start) / len(self.text))
        return QUOTE_WEIGHT * quote + PREFIX_WEIGHT * before + SUFFIX_WEIGHT * after + POSITION_WEIGHT * near


def _fuzzy(text: str, haystack: str, origin: OffsetMap, needle: str, context: _Context) -> Anchor:
    """The passage most like the quote that passes FUZZY_THRESHOLD; among several, the one the
    context (prefix, suffix, stored start) names."""
    if len(needle) > len(haystack):
        return Anchor(QuoteStatus.NOT_FOUND)
    candidates: list[tuple[float, int, int]] = []  # (similarity 0-100, start, end) in haystack
    if len(needle) <= MAX_SCANNED_QUOTE and len(needle) * len(haystack) <= FUZZY_SCAN_BUDGET:
        found = _aligned(haystack, needle, 0, len(haystack))
        if found is not None:
            candidates.append(found)
            # The alignment stops at the first best passage: the same passage said again elsewhere
            # is as good a candidate, and the context chooses between them.
            score, start, end = found
            passage = haystack[start:end]
            at = haystack.find(passage, start + 1)
            while at != -1 and len(candidates) < MAX_EXACT_HITS:
                candidates.append((score, at, at + len(passage)))
                at = haystack.find(passage, at + 1)
    for low, high in _places(haystack, needle):
        if len(needle) <= MAX_ALIGNED_QUOTE:
            found = _aligned(haystack, needle, low, high)
        else:
            found = _compared(haystack, needle, low, high)
        if found is not None:
            candidates.append(found)
    if not candidates:
        return Anchor(QuoteStatus.NOT_FOUND)
    passing = [candidate for candidate in set(candidates) if candidate[0] >= FUZZY_THRESHOLD]
    if not passing:
        score, start, end = max(candidates)
        passage = text[origin[start] : raw_end(text, origin, end)]
        return Anchor(QuoteStatus.NOT_FOUND, passage=passage, score=round(score, 1))
    score, start, end = max(passing, key=lambda c: (context.score(c[1], c[2], c[0] / 100), c[0], -c[1]))
    return _anchor(text, origin[start], raw_end(text, origin, end), QuoteStatus.FUZZY, score)


def _aligned(haystack: str, needle: str, low: int, high: int) -> tuple[float, int, int] | None:
    """The passage of haystack[low:high] most like the quote, aligned with rapidfuzz."""
    from rapidfuzz import fuzz

    alignment = fuzz.partial_ratio_alignment(needle, haystack[low:high])
    if alignment is None:
        return None
    return _best_bounds(needle, haystack, low + alignment.dest_start, low + alignment.dest_end)


def _compared(haystack: str, needle: str, start: int, end: int) -> tuple[float, int, int]:
    """haystack[start:end], placed by the seeds, compared with the quote whole."""
    return _best_bounds(needle, haystack, start, end)


def _short(text: str, haystack: str, origin: OffsetMap, needle: str, context: _Context) -> Anchor:
    """A quote shorter than MIN_FUZZY_LENGTH matches with one edit at most, and only where the
    context confirms the place: the end of the prefix just before it and the start of the suffix
    just after it, each as given (those not given are not asked for; one at least must be). A few
    characters with one edit match almost anywhere; the context is what says it is this place."""
    from rapidfuzz.distance import Levenshtein

    if len(needle) < MIN_SHORT_FUZZY or not (context.prefix or context.suffix):
        return Anchor(QuoteStatus.NOT_FOUND)
    before, after = context.prefix[-SHORT_CONTEXT:], context.suffix[:SHORT_CONTEXT]
    places: set[tuple[int, int]] = set()
    if before:
        for at in _occurrences(haystack, before):
            start = at + len(before)
            start += haystack.startswith(" ", start)
            places.update((start, start + size) for size in range(len(needle) - 1, len(needle) + 2))
    else:
        for at in _occurrences(haystack, after):
            end = at - (at > 0 and haystack[at - 1] == " ")
            places.update((end - size, end) for size in range(len(needle) - 1, len(needle) + 2))
    found = set()
    for start, end in places:
        if not 0 <= start < end <= len(haystack) or haystack[start] == " " or haystack[end - 1] == " ":
            continue
        if after:
            if not haystack.startswith(after, end + haystack.startswith(" ", end)):
                continue
        elif end < len(haystack) and haystack[end].isalnum():
            continue  # with no suffix to say where it ends, it ends with a word
        if Levenshtein.distance(needle, haystack[start:end], score_cutoff=1) <= 1:
            found.add((start, end))
    if len(found) != 1:  # none, or the context does not tell which
        return Anchor(QuoteStatus.NOT_FOUND)
    ((start, end),) = found
    return _anchor(
        text, origin[start], raw_end(text, origin, end), QuoteStatus.FUZZY, _similarity(needle, haystack[start:end])
    )


def _occurrences(haystack: str, piece: str) -> list[int]:
    hits: list[int] = []
    at = haystack.find(piece)
    while at != -1 and len(hits) < MAX_EXACT_HITS:
        hits.append(at)
        at = haystack.find(piece, at + 1)
    return hits


def _similarity(needle: str, passage: str) -> float:
    from rapidfuzz import fuzz

    return fuzz.ratio(needle, passage)


def _places(haystack: str, needle: str) -> list[tuple[int, int]]:
    """Up to MAX_PLACES stretches of haystack where the quote may stand, as (start, end): where
    the most seeds (pieces of the quote found exactly, and rarely) put its start and end."""
    size = len(needle)
    count = min(MAX_SEEDS, max(1, size // SEED_LENGTH))
    offsets = sorted({round(i * (size - SEED_LENGTH) / max(1, count - 1)) for i in range(count)})
    guesses: list[tuple[int, int, int]] = []  # (where the quote would start, end, seed) per seed hit
    for seed, offset in enumerate(offsets):
        piece = needle[offset : offset + SEED_LENGTH]
        hits: list[int] = []
        at = haystack.find(piece)
        while at != -1 and len(hits) <= MAX_SEED_HITS:
            hits.append(at)
            at = haystack.find(piece, at + 1)
        if len(hits) <= MAX_SEED_HITS:
            guesses.extend((at - offset, at + size - offset, seed) for at in hits)
    # Guesses within a tenth of the quote's length of each other are one place (words added or left out).
    slack = size // 10 + SEED_LENGTH
    places: list[list[tuple[int, int, int]]] = []
    for guess in sorted(guesses):
        if places and guess[0] - places[-1][-1][0] <= slack:
            places[-1].append(guess)
        else:
            places.append([guess])
    places.sort(key=lambda place: -len({seed for _start, _end, seed in place}))
    bounds = []
    for place in places[:MAX_PLACES]:
        # From where the first seed puts the start to where the last seed puts the end.
        first, last = min(place, key=lambda guess: guess[2]), max(place, key=lambda guess: guess[2])
        start, end = max(0, first[0]), min(len(haystack), last[1])
        if end - start < size // 2:
            start, end = max(0, min(guess[0] for guess in place)), min(len(haystack), max(g[1] for g in place))
        if size <= MAX_ALIGNED_QUOTE:
            start, end = max(0, start - slack), min(len(haystack), end + slack)
        if start < end:
            bounds.append((start, end))
    return bounds


def _best_bounds(needle: str, haystack: str, start: int, end: int) -> tuple[float, int, int]:
    """The alignment may stop inside a word or take in a space: of the bounds as aligned, widened
    and narrowed to whole words at either end, keep those most like the quote (similarity, start, end)."""
    from rapidfuzz import fuzz

    wide_start, wide_end = start, end
    while wide_start > 0 and haystack[wide_start - 1].isalnum():
        wide_start -= 1
    while wide_end < len(haystack) and haystack[wide_end].isalnum():
        wide_end += 1
    # Or narrowed by a word: an alignment of equal score may take in a neighbour's last letters.
    narrow_start, narrow_end = haystack.find(" ", start, end) + 1, haystack.rfind(" ", start, end)
    candidates = []
    for first in {start, wide_start, narrow_start or start}:
        for last in {end, wide_end, end if narrow_end <= start else narrow_end}:
            while first < last and haystack[first] == " ":
                first += 1
            while last > first and haystack[last - 1] == " ":
                last -= 1
            if first < last:
                # Whole words win a near tie: "the" misquoted as "The" should not leave "he".
                whole = (first == 0 or not haystack[first - 1].isalnum()) + (
                    last == len(haystack) or not haystack[last].isalnum()
                )
                ratio = fuzz.ratio(needle, haystack[first:last])
                candidates.append((ratio + whole, ratio, first, last))
    _rank, ratio, first, last = max(candidates)
    return ratio, first, last
