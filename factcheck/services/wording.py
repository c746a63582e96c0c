"""How two texts compare in words, for ranking claims against a text (similar.rank): the share of
content words they have in common (`lexical`), and the rules that keep a pair from being a
duplicate whatever its score: one negates the other (`negates`), each states a number the other
does not (`numbers_differ`), one says much less than the other (`length_ratio`, `words_said`).
A text's words are read once however many texts it is compared with (`_read`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def _listed(words: str) -> list[str]:
    """A word list written as words, one space apart."""
    return words.split()


_WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
_DIGITS = re.compile(r"\d+")  # "1,000" and "1.000" alike: runs of digits
# Words that negate or deny, in the model's languages. French "ne" is left out: "ne ... pas" is one negation.
_NEGATIONS = frozenset(
    _listed(
        """not no never nor none nobody nothing neither cannot myth myths untrue false falsely denied deny
    denies debunked non nicht kein keine keinen keinem keiner nie niemals mythos pas jamais aucun aucune
    sans mythe nunca jamás ningún ninguna ninguno sin mito não sem mai senza niet geen nooit zonder nie
    nigdy żaden żadna bez değil yok asla hiç не нет ни никогда без миф ложь لا لم لن ليس ليست أبدا غير
    بدون"""
    )
)
# Negations that take a noun phrase ("no NATO expansion"): their scope is two words, not one.
_DETERMINER_NEGATIONS = frozenset(
    _listed("""no none non kein keine keinen keinem keiner aucun aucune ningún ninguna żaden""")
)
# Words that carry no content of their own (skipped when finding what a negation bears on).
_FUNCTION = frozenset(
    _listed(
        """a an the to of in on at by for from with and or but that this these those it its is are was were be
    been being am do does did done have has had will would shall should can could may might must there
    their they he she we you i his her our your them us as so than then also any some one ever yet still
    just more"""
    )
)


# A claim's text is read once however many texts it is compared with; 4,096 texts at most, so that
# a pass over every claim (the static site) does not grow with the database. At 100,000 generated
# claims they hold 10 MB and answer 68% of a block's reads; 16,384 held 44 MB and answered 73%.
@lru_cache(maxsize=4_096)
def _read(text: str) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str], frozenset[int]]:
    """A text's words, its content words' starts (see `_content`), each once, and its numbers."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("n't", " not").replace("-", " ")
    words = _WORD.findall(folded)
    content = _content(words)
    numbers = frozenset(int(digits) for digits in _DIGITS.findall(text))  # int() reads every script's digits
    return tuple(words), tuple(content), frozenset(content), numbers


def _stem(word: str) -> str:
    return word[:4]


def _content(words: list[str]) -> list[str]:
    return [_stem(w) for w in words if w not in _FUNCTION and w not in _NEGATIONS and len(w) > 1]


def lexical(text: str, others: list[str]) -> np.ndarray:
    """0-1 for each of `others`, symmetric: how far it and `text` share their content words (word starts)."""
    import numpy as np

    mine = _read(text)[2]
    theirs = [_read(other)[2] for other in others]
    shared = np.array([len(mine & words) for words in theirs], dtype=np.int64)
    sizes = np.array([len(words) for words in theirs], dtype=np.int64)
    if not mine:
        return np.zeros(len(others))
    known = np.maximum(sizes, 1)  # a text without content words shares none (0, not 0 / 0)
    # Dice (all words of both) averaged with containment (the shorter's words in the longer), so
    # that a short query naming a claim's rare words ranks it, while a short text never scores
    # as high as a full rewording.
    return np.where(sizes > 0, (2 * shared / (len(mine) + sizes) + shared / np.minimum(len(mine), known)) / 2, 0.0)


def _negation(words: Sequence[str]) -> list[set[str]]:
    """Each negation of a text as the word starts it bears on: the next content word ("not
    expand"), or the next two after a negation taking a noun phrase ("no NATO expansion")."""
    scopes = []
    for index, word in enumerate(words):
        if word in _NEGATIONS:
            following = [w for w in words[index + 1 :] if w not in _FUNCTION and w not in _NEGATIONS]
            scopes.append({_stem(w) for w in following[: 2 if word in _DETERMINER_NEGATIONS else 1]})
    return scopes


def negates(text: str, other: str) -> bool:
    """Whether one text looks like the other negated: about the same things (most content words in
    common) but with negations that differ in number, or that bear on a word the other asserts
    ("did not promise to expand" against "promised not to expand")."""
    (mine, _, content_mine, _), (theirs, _, content_theirs, _) = _read(text), _read(other)
    if not content_mine or not content_theirs:
        return False
    if 2 * len(content_mine & content_theirs) / (len(content_mine) + len(content_theirs)) < 0.65:
        return False
    scopes_mine, scopes_theirs = _negation(mine), _negation(theirs)
    if len(scopes_mine) % 2 != len(scopes_theirs) % 2:
        return True

    def asserted(scopes: list[set[str]], content: frozenset[str], negated: list[set[str]]) -> bool:
        denied = set().union(*negated)
        return any(scope & content and not scope & denied for scope in scopes)

    return asserted(scopes_mine, content_theirs, scopes_theirs) or asserted(scopes_theirs, content_mine, scopes_mine)


def numbers_differ(text: str, other: str) -> bool:
    """Whether each text states a number the other does not (a year, a count, an amount)."""
    mine, theirs = _read(text)[3], _read(other)[3]
    return bool(mine - theirs) and bool(theirs - mine)


def words_said(text: str) -> int:
    return len(_read(text)[1]) or 1


def length_ratio(text: str, other: str) -> float:
    mine, theirs = words_said(text), words_said(other)
    return min(mine, theirs) / max(mine, theirs)
