"""Reading a fact-checker's own label ("Mostly False", "Faux", "Yanlış", "झूठ", "Four Pinocchios")
as one of our ratings.

The vocabulary is data: ``ratings/<rating>.yaml`` lists, per language, the words and phrases read as
that rating, and ``ratings/grammar.yaml`` the negations, words of degree and qualifiers that change
them. A label is read on whole words (never substrings: "Untrue" is not "true"), after folding case,
accents and punctuation, clause by clause: the first clause that says anything decides, so that a
long label such as "Größtenteils falsch. Die meisten Angaben ..." is read from its first words.

- A negation before a positive word ("not true", "no es cierto", "nije tačno"), after it in the
  languages that put it there ("stimmt nicht", "doğru değil", "सच नहीं"), or as a prefix ("untrue",
  "onwaar", "nepravda") makes it false; with a word of degree between ("not entirely true") mixed.
  A label that negates a positive word anywhere is never read as true or mostly-true.
- Qualifiers: "mostly"/"größtenteils" make mostly-true or mostly-false, "partly"/"half" mixed,
  "barely true" mostly-false.
- Within the deciding clause, true and false together are mixed; otherwise the strongest finding
  wins (false, mostly-false, misleading, mixed, mostly-true, true), and "no evidence" outweighs a
  mere "true".
- A user's own mappings (``--rating-map FILE``, and ``factcheck-ratings.yaml`` in the current
  folder) come first: a mapping of labels to ratings, such as ``"Pinocchio andante": false``.

A label that nothing explains is read as `unproven`, and `Reading.understood` is False so that the
importer can list it."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ...errors import InvalidInput
from ...limits import MAX_FILE_BYTES
from ...models import Rating

PROJECT_FILE = "factcheck-ratings.yaml"
_CLAUSE_BREAKS = ".!?;:\n\r•|–—"
_NEGATION_WINDOW = 3  # words between a negation and the positive word it turns ("is not entirely true")
_AFTER_WINDOW = 2
_QUALIFIER_WINDOW = 2
_TRUE_SIDE = {Rating.TRUE, Rating.MOSTLY_TRUE}
_FALSE_SIDE = {Rating.FALSE, Rating.MOSTLY_FALSE}
# When a clause says several things, the strongest finding decides.
_STRENGTH = [Rating.FALSE, Rating.MOSTLY_FALSE, Rating.MISLEADING, Rating.MIXED, Rating.MOSTLY_TRUE, Rating.TRUE]
_QUALIFIED = {
    "mostly": {Rating.TRUE: Rating.MOSTLY_TRUE, Rating.FALSE: Rating.MOSTLY_FALSE},
    "partly": {Rating.TRUE: Rating.MIXED, Rating.FALSE: Rating.MIXED},
    "barely": {Rating.TRUE: Rating.MOSTLY_FALSE, Rating.FALSE: Rating.MOSTLY_TRUE},
}
# Letters that no Unicode decomposition folds, but that writers often type without their mark.
_FOLD = str.maketrans({"ı": "i", "ł": "l", "đ": "d", "ø": "o", "ى": "ي", "ـ": ""})

Words = tuple[str, ...]


def _keep_mark(character: str) -> bool:
    """Vowel signs of Indic scripts are letters of the word; accents, harakat and nukta are not."""
    return 0x0900 <= ord(character) <= 0x0DFF and character != "\u093c"


def words(text: str) -> Words:
    """A text's words, folded: case, accents, elisions and punctuation do not count."""
    text = unicodedata.normalize("NFKD", text.casefold()).translate(_FOLD)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn" or _keep_mark(c))
    text = text.replace("n't", " not").replace("n’t", " not")
    result: list[str] = []
    current: list[str] = []
    for character in text:
        if unicodedata.category(character)[0] in "LMN":
            current.append(character)
        elif current:
            result.append("".join(current))
            current = []
    if current:
        result.append("".join(current))
    return tuple(result)


def _clauses(label: str) -> list[str]:
    clauses: list[str] = []
    current: list[str] = []
    for character in label:
        if character in _CLAUSE_BREAKS:
            clauses.append("".join(current))
            current = []
        else:
            current.append(character)
    clauses.append("".join(current))
    return [clause for clause in clauses if clause.strip()]


@dataclass(frozen=True)
class Reading:
    """Our rating for a label, whether the label was understood, and the words that decided it."""

    rating: Rating
    understood: bool
    because: str = ""


@dataclass
class _Match:
    start: int
    end: int
    rating: Rating | None  # None: framing words that say nothing
    positive: bool = False


@dataclass
class Vocabulary:
    """Phrases (as folded word tuples) and the grammar that changes them."""

    phrases: dict[Words, Rating] = field(default_factory=dict)
    ignore: set[Words] = field(default_factory=set)
    positive: set[Words] = field(default_factory=set)
    before: set[str] = field(default_factory=set)
    after: set[str] = field(default_factory=set)
    prefixes: tuple[str, ...] = ()
    degrees: set[str] = field(default_factory=set)
    qualifiers: dict[Words, str] = field(default_factory=dict)
    longest: int = 1

    def add(self, phrase: Words, rating: Rating, origin: str, *, override: bool = False) -> None:
        if not phrase:
            return
        known = self.phrases.get(phrase)
        if known is not None and known is not rating and not override:
            raise ValueError(f"{origin}: {' '.join(phrase)!r} is both {known.value} and {rating.value}")
        self.phrases[phrase] = rating
        self.longest = max(self.longest, len(phrase))


def _strings(value: Any, origin: str) -> list[str]:
    """Entries of a vocabulary list: text only (a bare `no` in YAML would be a boolean)."""
    if isinstance(value, dict):
        return [entry for item in value.values() for entry in _strings(item, origin)]
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise ValueError(f"{origin}: expected lists of quoted words, found {value!r}")
    return value


@lru_cache(maxsize=1)
def package_vocabulary() -> Vocabulary:
    """The vocabulary shipped in factcheck/interchange/ratings/ (read once)."""
    from importlib.resources import files

    import yaml

    folder = files(__package__).joinpath("ratings")
    vocabulary = Vocabulary()
    for rating in Rating:
        origin = f"ratings/{rating.value}.yaml"
        document = yaml.safe_load(folder.joinpath(f"{rating.value}.yaml").read_text(encoding="utf-8"))
        if document.get("rating") != rating.value:
            raise ValueError(f"{origin}: says it is for {document.get('rating')!r}")
        for phrase in _strings(document.get("labels") or {}, origin):
            vocabulary.add(words(phrase), rating, origin)
            if rating is Rating.TRUE:
                vocabulary.positive.add(words(phrase))
    grammar = yaml.safe_load(folder.joinpath("grammar.yaml").read_text(encoding="utf-8"))
    origin = "ratings/grammar.yaml"
    negations = grammar["negations"]
    vocabulary.before = {w for entry in _strings(negations["before"], origin) for w in words(entry)}
    vocabulary.after = {w for entry in _strings(negations["after"], origin) for w in words(entry)}
    vocabulary.prefixes = tuple(sorted({"".join(words(p)) for p in _strings(negations["prefixes"], origin)}))
    vocabulary.degrees = {w for entry in _strings(grammar["degrees"], origin) for w in words(entry)}
    for kind, by_language in grammar["qualifiers"].items():
        if kind not in _QUALIFIED:
            raise ValueError(f"{origin}: unknown qualifier kind {kind!r}")
        for entry in _strings(by_language, origin):
            vocabulary.qualifiers[words(entry)] = kind
    vocabulary.ignore = {words(entry) for entry in _strings(grammar["ignore"], origin)}
    vocabulary.longest = max([vocabulary.longest, *map(len, vocabulary.ignore)])
    return vocabulary


def load_rating_map(path: Path) -> dict[str, Rating]:
    """A user's mappings: a YAML mapping of labels to ratings (`"Pinocchio andante": false`)."""
    import yaml

    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"rating map {path}: no such file") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"rating map {path}: not UTF-8 text") from None
    except OSError as error:
        raise InvalidInput(f"rating map {path}: cannot be read ({error.strerror})") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidInput(f"{path}: not valid YAML: {str(error).splitlines()[0]}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise InvalidInput(f'{path}: expected a mapping of labels to ratings, such as `"Faux": false`')
    allowed = ", ".join(rating.value for rating in Rating)
    mapping: dict[str, Rating] = {}
    for label, value in document.items():
        if isinstance(value, bool):  # YAML reads a bare false/true as a boolean
            value = "true" if value else "false"
        if not isinstance(label, str | int | float) or isinstance(label, bool) or not words(str(label)):
            raise InvalidInput(f"{path}: label {label!r} is not text")
        try:
            mapping[str(label)] = Rating(str(value).strip().lower())
        except ValueError:
            raise InvalidInput(f"{path}: label {label!r}: unknown rating {value!r}: allowed: {allowed}") from None
    return mapping


class RatingReader:
    """Reads labels with the package vocabulary and a user's mappings (which win)."""

    def __init__(self, mappings: Mapping[str, Rating] | None = None) -> None:
        base = package_vocabulary()
        self.vocabulary = Vocabulary(
            phrases=dict(base.phrases),
            ignore=base.ignore,
            positive=base.positive,
            before=base.before,
            after=base.after,
            prefixes=base.prefixes,
            degrees=base.degrees,
            qualifiers=base.qualifiers,
            longest=base.longest,
        )
        self.labels: dict[Words, Rating] = {}
        for label, rating in (mappings or {}).items():
            self.labels[words(label)] = rating
            self.vocabulary.add(words(label), rating, "rating map", override=True)

    def read(self, label: str | None) -> Reading:
        text = (label or "").strip()
        every = words(text)
        if not every:
            return Reading(Rating.UNPROVEN, False)
        if every in self.labels:
            return Reading(self.labels[every], True, "your rating map")
        negated = self._negates_a_positive_word(every)
        for clause in _clauses(text):
            found = self._read_clause(words(clause))
            if found is not None:
                rating, because = found
                if negated and rating in _TRUE_SIDE:
                    return Reading(Rating.MIXED, True, f"{because}, but a positive word is negated")
                return Reading(rating, True, because)
        return Reading(Rating.UNPROVEN, False)

    # --- inside a label ------------------------------------------------------------------------

    def _matches(self, tokens: Words) -> list[_Match]:
        """The vocabulary's phrases in a clause, longest first, left to right."""
        found: list[_Match] = []
        index = 0
        while index < len(tokens):
            match = self._match_at(tokens, index)
            if match is not None:
                found.append(match)
                index = match.end
                continue
            if self._prefix_negated(tokens[index]):
                found.append(_Match(index, index + 1, Rating.FALSE))
            index += 1
        return found

    def _match_at(self, tokens: Words, index: int) -> _Match | None:
        vocabulary = self.vocabulary
        for size in range(min(vocabulary.longest, len(tokens) - index), 0, -1):
            phrase = tokens[index : index + size]
            if phrase in vocabulary.ignore:
                return _Match(index, index + size, None)
            rating = vocabulary.phrases.get(phrase)
            if rating is not None:
                return _Match(index, index + size, rating, phrase in vocabulary.positive)
        return None

    def _prefix_negated(self, token: str) -> bool:
        """'untrue', 'incorrect', 'onwaar', 'nepravda': a negating prefix on a positive word."""
        return any(
            token.startswith(prefix) and (token[len(prefix) :],) in self.vocabulary.positive
            for prefix in self.vocabulary.prefixes
            if len(token) > len(prefix) + 1
        )

    def _negation(self, tokens: Words, start: int, end: int) -> str | None:
        """'negated' or 'softened' when a negation bears on tokens[start:end], else None."""
        vocabulary = self.vocabulary
        for positions, negations, window in (
            (range(start - 1, -1, -1), vocabulary.before, _NEGATION_WINDOW),
            (range(end, len(tokens)), vocabulary.after, _AFTER_WINDOW),
        ):
            softened, counted = False, 0
            for position in positions:
                token = tokens[position]
                if token in negations:
                    return "softened" if softened else "negated"
                if token in vocabulary.degrees:  # "pas tout à fait vrai": degree words do not count
                    softened = True
                    continue
                counted += 1
                if counted >= window:
                    break
        return None

    def _negates_a_positive_word(self, tokens: Words) -> bool:
        for index, token in enumerate(tokens):
            if self._prefix_negated(token):
                return True
            for phrase in self.vocabulary.positive:
                if tokens[index : index + len(phrase)] == phrase and self._negation(tokens, index, index + len(phrase)):
                    return True
        return False

    def _qualifier(self, tokens: Words, start: int, end: int) -> str | None:
        qualifiers = self.vocabulary.qualifiers
        for size in range(1, 5):
            for offset in range(0, _QUALIFIER_WINDOW):
                before = tokens[max(0, start - offset - size) : start - offset]
                if len(before) == size and before in qualifiers:
                    return qualifiers[before]
            after = tokens[end : end + size]
            if len(after) == size and after in qualifiers:
                return qualifiers[after]
        return None

    def _read_clause(self, tokens: Words) -> tuple[Rating, str] | None:
        findings: list[tuple[Rating, str]] = []
        for match in self._matches(tokens):
            if match.rating is None:
                continue
            rating = match.rating
            said = " ".join(tokens[match.start : match.end])
            if rating in (Rating.TRUE, Rating.FALSE):
                kind = self._qualifier(tokens, match.start, match.end)
                if kind:
                    rating = _QUALIFIED[kind][rating]
                    said = f"{kind} {said}"
            negation = self._negation(tokens, match.start, match.end) if match.positive else None
            if negation == "negated":
                rating, said = Rating.FALSE, f"not {said}"
            elif negation == "softened":
                rating, said = Rating.MIXED, f"not entirely {said}"
            findings.append((rating, said))
        if not findings:
            return None
        ratings = {rating for rating, _said in findings}
        because = ", ".join(said for _rating, said in findings)
        if len(ratings) == 1:
            return findings[0][0], because
        if ratings & _TRUE_SIDE and ratings & _FALSE_SIDE:
            return Rating.MIXED, because
        if Rating.UNPROVEN in ratings:
            if ratings - {Rating.UNPROVEN} <= _TRUE_SIDE:
                return Rating.UNPROVEN, because  # "no evidence that it is true"
            ratings.discard(Rating.UNPROVEN)
        return min(ratings, key=_STRENGTH.index), because


@lru_cache(maxsize=1)
def _default_reader() -> RatingReader:
    return RatingReader()


def read_label(label: str | None) -> Rating:
    """Our rating for a label with the package vocabulary alone; a label not understood is unproven."""
    return _default_reader().read(label).rating


def rating_reader(rating_map: Path | None = None, folder: Path | None = None) -> RatingReader:
    """The reader for an import: the project file `factcheck-ratings.yaml` in `folder` (default: the
    current folder) if there is one, then `rating_map`, whose mappings win."""
    mappings: dict[str, Rating] = {}
    project = (folder or Path.cwd()) / PROJECT_FILE
    if project.is_file():
        mappings.update(load_rating_map(project))
    if rating_map is not None:
        mappings.update(load_rating_map(rating_map))
    return RatingReader(mappings) if mappings else _default_reader()


def not_understood_summary(labels: Iterable[str], limit: int = 5) -> str | None:
    """'3 labels not understood: "A", "B", "C" — add them with --rating-map', or None."""
    distinct = list(dict.fromkeys(labels))
    if not distinct:
        return None
    shown = ", ".join(f"“{label}”" for label in distinct[:limit])
    more = f" and {len(distinct) - limit} more" if len(distinct) > limit else ""
    noun = "label" if len(distinct) == 1 else "labels"
    return (
        f"{len(distinct)} {noun} not understood (read as unproven): {shown}{more} — "
        f"add them with --rating-map FILE or in ./{PROJECT_FILE}"
    )
