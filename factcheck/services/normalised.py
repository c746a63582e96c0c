"""The comparable form of a text, for anchoring quotes: NFKC (a character with the marks that
follow it), plain quote marks and dashes, single spaces, words broken at a line's end joined, with
a map from each normalised character back to the raw text's offsets."""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_right
from functools import lru_cache

_TRANSLATE = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "`": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "″": '"',
        "«": '"',
        "»": '"',
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
    }
)
# After a letter (checked apart: a pattern starting with "-" is searched for quickly).
_LINE_BREAK_HYPHEN = re.compile(r"-[ \t]*\r?\n\s*(?=[a-z])")
_REPLACED = {chr(mark): plain for mark, plain in _TRANSLATE.items()}
_RUNS = re.compile(r"(\s+)|(\S+)")
_IRREGULAR_SPACE = re.compile(r"[^\S ]\s*| \s+")  # whitespace other than one plain space
SMALLEST_STRETCH = 64  # characters gone through one by one when NFKC changes some of them


def normalise(text: str) -> str:
    """The comparable form of a text: NFKC, plain quote marks and dashes, single spaces."""
    if text.isascii() and "`" not in text and "-" not in text:  # only whitespace to fold
        return " ".join(text.split())
    return normalise_with_map(text)[0]


@lru_cache(maxsize=8)  # a normalised 1 MB text with its map: 1-15 MB (the map grows with irregular text)
def source_map(text: str) -> tuple[str, OffsetMap]:
    """normalise_with_map for archived texts, which are searched for quote after quote."""
    return normalise_with_map(text)


class OffsetMap:
    """Normalised index → raw index, stored as runs that map one to one (a word is one run), so
    that a long text costs a few entries per word rather than one per character."""

    def __init__(self) -> None:
        # Machine integers, not lists of int objects: a 20 MB text has millions of runs.
        self.normalised = array("q")  # where each run starts in the normalised text
        self.raw = array("q")  # and in the raw text
        self.length = 0  # of the normalised text mapped so far
        self.end = 0  # raw index past the end: where index `length` maps to

    def add(self, raw_start: int, size: int) -> None:
        self.normalised.append(self.length)
        self.raw.append(raw_start)
        self.length += size

    def truncate(self, length: int) -> None:
        while self.normalised and self.normalised[-1] >= length:
            self.normalised.pop()
            self.raw.pop()
        self.length = length

    def __getitem__(self, index: int) -> int:
        if index < 0:
            index += self.length + 1
        if index >= self.length:
            return self.end
        run = bisect_right(self.normalised, index) - 1
        return self.raw[run] + index - self.normalised[run]


def _fold(text: str, start: int, stop: int, out: list[str], origin: OffsetMap) -> None:
    """A stretch with nothing to normalise but its whitespace: copy the pieces between irregular
    whitespace (anything but one plain space) whole. (The loop of a 1 MB text: kept tight.)"""
    spaced = not out or out[-1].endswith(" ")  # a space here would come first or double
    normalised, raw, length = origin.normalised, origin.raw, origin.length
    for gap in [*_IRREGULAR_SPACE.finditer(text, start, stop), None]:
        end = gap.start() if gap else stop
        if start < end:
            if spaced and text[start] == " ":
                start += 1
            if start < end:
                out.append(text[start:end])
                normalised.append(length)
                raw.append(start)
                length += end - start
                spaced = text[end - 1] == " "
        if gap is not None:
            if not spaced:
                out.append(" ")
                normalised.append(length)
                raw.append(gap.start())
                length += 1
                spaced = True
            start = gap.end()
    origin.length = length


def _by_character(text: str, start: int, stop: int, out: list[str], origin: OffsetMap) -> None:
    """A stretch with characters NFKC changes: word by word, and those words character by
    character (NFKC may make one character several, or a space)."""
    for run in _RUNS.finditer(text, start, stop):
        first, end = run.span()
        if run.lastindex == 1:  # whitespace: one space, never two, never first
            if out and not out[-1].endswith(" "):
                out.append(" ")
                origin.add(first, 1)
            continue
        word = run.group(2)
        if _stable(word):  # nothing to normalise
            out.append(word)
            origin.add(first, end - first)
            continue
        index = first
        while index < end:  # a character with the marks that follow it: NFD's "e" + "\u0308" is "ë"
            after = index + 1
            while after < end and _joins(text[after]):
                after += 1
            pieces = unicodedata.normalize("NFKC", text[index:after]).translate(_TRANSLATE)
            one_to_one = len(pieces) == after - index  # nothing composed: each piece is its own character
            for offset, piece in enumerate(pieces):
                at = index + offset if one_to_one else index
                if piece.isspace():
                    if out and not out[-1].endswith(" "):
                        out.append(" ")
                        origin.add(at, 1)
                else:
                    out.append(piece)
                    origin.add(at, 1)
            index = after


def raw_end(text: str, origin: OffsetMap, end: int) -> int:
    """Where the normalised text's first `end` characters end in the raw text: after the last
    one's raw character and the marks NFKC composed into it (never over a mark that is a
    character of its own in the normalised text: "قال" in "قالَ" ends before the fatha)."""
    raw, limit = origin[end - 1] + 1, origin[end]
    while raw < limit and _joins(text[raw]):
        raw += 1
    return raw


def _joins(character: str) -> bool:
    """Whether NFKC may compose `character` with the one before it: a combining mark, or a Hangul
    vowel or final consonant (a syllable stored as its letters, as NFD stores it)."""
    return unicodedata.category(character)[0] == "M" or "\u1160" <= character <= "\u11ff"


def _letter(text: str, index: int) -> bool:
    """Whether text[index] is a letter: what the pattern [^\\W\\d_] matches."""
    return index >= 0 and text[index].isalnum() and not text[index].isdecimal()


def _stable(piece: str) -> bool:
    """Whether NFKC leaves every character of `piece` as it is (plain ASCII always)."""
    return piece.isascii() or unicodedata.is_normalized("NFKC", piece)


def normalise_with_map(text: str, *, quick: bool = True) -> tuple[str, OffsetMap]:
    """The normalised text, and the raw index each of its characters came from (index
    len(normalised) maps past the end), so that a match can be mapped back to raw offsets.

    Quick: quote marks and dashes are replaced in one pass (one character for one, so indices
    stay), and the stretches NFKC leaves alone (found by halving, checked in C) only have their
    whitespace folded; only the few characters around those NFKC changes are gone through one by
    one. `quick=False` does that everywhere (the reference the
    tests and the benchmark compare with)."""
    out: list[str] = []
    origin = OffsetMap()
    text_in = text
    for mark, plain in _REPLACED.items():  # str.replace per mark: far quicker than str.translate
        if mark in text:
            text = text.replace(mark, plain)
    position = 0
    # "inter-\nnational" reads "international": the hyphen and line break are left out.
    breaks = [found for found in _LINE_BREAK_HYPHEN.finditer(text) if _letter(text, found.start() - 1)]
    for match in [*breaks, None]:
        stop = match.start() if match else len(text)
        (_stretch if quick else _by_character)(text, position, stop, out, origin)
        position = match.end() if match else len(text)
    normalised = "".join(out).rstrip(" ")
    origin.truncate(len(normalised))
    origin.end = len(text_in)
    return normalised, origin


def _stretch(text: str, start: int, stop: int, out: list[str], origin: OffsetMap) -> None:
    """text[start:stop] normalised: folded if NFKC leaves it alone, else halved until the halves
    it changes are small enough to go through character by character."""
    if _stable(text[start:stop]):
        _fold(text, start, stop, out, origin)
    elif stop - start <= SMALLEST_STRETCH:
        _by_character(text, start, stop, out, origin)
    else:
        middle = (start + stop) // 2
        while middle < stop and _joins(text[middle]):  # never between a character and its marks
            middle += 1
        _stretch(text, start, middle, out, origin)
        _stretch(text, middle, stop, out, origin)
