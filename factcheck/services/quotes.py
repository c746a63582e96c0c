"""Anchoring quotes in archived texts, after W3C Web Annotation selectors (exact, prefix, suffix,
start/end offsets), the way Hypothesis re-anchors annotations.

Matching goes: stored offsets (kept only if the slice is the quote) → exact search after
normalising both texts, choosing among several hits by prefix and suffix → fuzzy search. A
confident wrong match is worse than none, so the fuzzy threshold is conservative and a lookalike
passage is reported as `not-found`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ..models import QuoteStatus

CONTEXT = 32  # characters of prefix and suffix kept around a quote
FUZZY_THRESHOLD = 90.0  # rapidfuzz alignment score (0-100) a passage needs to count as the quote
MIN_FUZZY_LENGTH = 12  # shorter quotes must match exactly: a few characters match anywhere

_TRANSLATE = str.maketrans(
    {
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
        "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    }
)
_LINE_BREAK_HYPHEN = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n\s*(?=[a-z])")
_RUNS = re.compile(r"(\s+)|(\S+)")


def normalise(text: str) -> str:
    """The comparable form of a text: NFKC, plain quote marks and dashes, single spaces."""
    if text.isascii() and "`" not in text and "-" not in text:  # only whitespace to fold
        return " ".join(text.split())
    return normalise_with_map(text)[0]


@lru_cache(maxsize=32)
def _source_map(text: str) -> tuple[str, list[int]]:
    """normalise_with_map for archived texts, which are searched for quote after quote."""
    return normalise_with_map(text)


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """The normalised text, and for each of its characters the index of the raw character it came
    from (plus one entry past the end), so that a match can be mapped back to raw offsets."""
    out: list[str] = []
    origin: list[int] = []
    position = 0
    # "inter-\nnational" reads "international": the hyphen and line break are left out.
    for match in [*_LINE_BREAK_HYPHEN.finditer(text), None]:
        stop = match.start() if match else len(text)
        for run in _RUNS.finditer(text, position, stop):
            start, end = run.span()
            if run.lastindex == 1:  # whitespace: one space, never two, never first
                if out and out[-1] != " ":
                    out.append(" ")
                    origin.append(start)
                continue
            word = run.group(2)
            if word.isascii() and "`" not in word:  # nothing to normalise
                out.append(word)
                origin.extend(range(start, end))
            else:
                for index in range(start, end):
                    for piece in unicodedata.normalize("NFKC", text[index]).translate(_TRANSLATE):
                        if piece.isspace():
                            if out and out[-1] != " ":
                                out.append(" ")
                                origin.append(index)
                        else:
                            out.append(piece)
                            origin.append(index)
        position = match.end() if match else len(text)
    normalised = "".join(out)
    while normalised.endswith(" "):
        normalised = normalised[:-1]
        origin.pop()
    origin = origin[: len(normalised)]
    origin.append(len(text))
    return normalised, origin


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
    if start is not None and end is not None and 0 <= start < end <= len(text):
        if normalise(text[start:end]) == normalise(quote):
            return _anchor(text, start, end, QuoteStatus.VERIFIED, 100.0)

    haystack, origin = _source_map(text)
    needle = normalise(quote)
    if not needle:
        return Anchor(QuoteStatus.NOT_FOUND)
    hits = []
    at = haystack.find(needle)
    while at != -1:
        hits.append(at)
        at = haystack.find(needle, at + 1)
    if hits:
        best = max(hits, key=lambda at: _context_score(haystack, at, at + len(needle), prefix, suffix))
        return _anchor(text, origin[best], origin[best + len(needle) - 1] + 1, QuoteStatus.VERIFIED, 100.0)
    return _fuzzy(text, haystack, origin, needle)


def _context_score(haystack: str, start: int, end: int, prefix: str | None, suffix: str | None) -> float:
    """How well the text around a hit agrees with the stored prefix and suffix."""
    from rapidfuzz import fuzz

    score = 0.0
    if prefix:
        wanted = normalise(prefix)
        score += fuzz.ratio(wanted, haystack[max(0, start - len(wanted) - 1) : start].strip())
    if suffix:
        wanted = normalise(suffix)
        score += fuzz.ratio(wanted, haystack[end : end + len(wanted) + 1].strip())
    return score


def _fuzzy(text: str, haystack: str, origin: list[int], needle: str) -> Anchor:
    from rapidfuzz import fuzz

    if len(needle) < MIN_FUZZY_LENGTH or len(needle) > len(haystack):
        return Anchor(QuoteStatus.NOT_FOUND)
    alignment = fuzz.partial_ratio_alignment(needle, haystack)
    if alignment is None:
        return Anchor(QuoteStatus.NOT_FOUND)
    start, end = _best_bounds(needle, haystack, alignment.dest_start, alignment.dest_end)
    score = fuzz.ratio(needle, haystack[start:end])
    raw_start, raw_end = origin[start], origin[end - 1] + 1
    if score < FUZZY_THRESHOLD:
        closest = Anchor(QuoteStatus.NOT_FOUND, passage=text[raw_start:raw_end], score=round(score, 1))
        return closest
    return _anchor(text, raw_start, raw_end, QuoteStatus.FUZZY, score)


def _best_bounds(needle: str, haystack: str, start: int, end: int) -> tuple[int, int]:
    """The alignment may stop inside a word or take in a space: of the bounds as aligned and
    widened to whole words at either end, keep those most like the quote."""
    from rapidfuzz import fuzz

    wide_start, wide_end = start, end
    while wide_start > 0 and haystack[wide_start - 1].isalnum():
        wide_start -= 1
    while wide_end < len(haystack) and haystack[wide_end].isalnum():
        wide_end += 1
    candidates = []
    for first in {start, wide_start}:
        for last in {end, wide_end}:
            while first < last and haystack[first] == " ":
                first += 1
            while last > first and haystack[last - 1] == " ":
                last -= 1
            if first < last:
                # Whole words win a near tie: "the" misquoted as "The" should not leave "he".
                whole = (first == 0 or not haystack[first - 1].isalnum()) + (
                    last == len(haystack) or not haystack[last].isalnum()
                )
                candidates.append((fuzz.ratio(needle, haystack[first:last]) + whole, first, last))
    _score, first, last = max(candidates)
    return first, last
