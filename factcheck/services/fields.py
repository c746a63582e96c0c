"""Each entity's fields, described once: name, kind, limit, whether required, what it refers to,
and how it is exported. The services check a value with `check` whichever door it came through
(the CLI, a script, the web), the dataset's bulk loader checks each record's fields with the same
rule, the dataset's sections list their fields from here, and the export writes them in this order.

Adding a field to an entity: the model (factcheck/models.py), a migration, and one `Field` below
(docs/architecture.md has the recipe)."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..dates import parse_partial_date
from ..errors import InvalidInput
from ..limits import MAX_LANGUAGE, MAX_NAME, MAX_TEXT, check_length
from ..models import ActorKind, Rating, Relation, SourceKind, Stance
from .common import checked_characters, choice, optional_text, required_text

# What a field holds, and so how its value is checked and written out:
TEXT = "text"  # text within MAX_TEXT characters
NAME = "name"  # a name, title, URL or label: text within MAX_NAME characters
LANGUAGE = "language"  # a language code or name, within MAX_LANGUAGE characters
DATE = "date"  # a full or partial date (factcheck.dates)
CHOICE = "choice"  # one word of an Enum
NUMBER = "number"  # a finite number
WHOLE = "whole"  # a whole number from 1 (a page)
NAMES = "names"  # a list of names (blanks dropped)
CONTEXT = "context"  # a quote's prefix or suffix: kept as written (its spaces are part of it)
REF = "ref"  # another entity, by slug (or id)
REFS = "refs"  # other entities, by slug
TAGS = "tags"  # tag names
SLUG = "slug"  # the entity's own slug
NESTED = "nested"  # a list of records of another section (a claim's evidence and verdicts)
IMPORTED = "imported"  # read by an import but not a column of its own (a source's document)
ARCHIVED = "archived"  # a source's archived text: kept as it is, written with its hash

LIMITS = {TEXT: MAX_TEXT, NAME: MAX_NAME, LANGUAGE: MAX_LANGUAGE}


@dataclass(frozen=True)
class Field:
    name: str  # the dataset's field, and the model's attribute (a reference: the relationship)
    label: str  # how a message names it
    kind: str = TEXT
    required: bool = False
    choices: type[enum.Enum] | None = None  # for CHOICE
    default: str | None = None  # for CHOICE: the word when none is given

    @property
    def column(self) -> bool:
        """Whether `check` gives the model's value (references, tags and nested records are looked
        up by the caller)."""
        return self.kind in (TEXT, NAME, LANGUAGE, DATE, CHOICE, NUMBER, WHOLE, NAMES, CONTEXT)

    def check(self, value: Any) -> Any:
        """The value as stored, or InvalidInput naming the field and what it allows."""
        if self.kind in LIMITS:
            limit = LIMITS[self.kind]
            return required_text(value, self.label, limit) if self.required else optional_text(value, self.label, limit)
        if self.kind == DATE:
            return parse_partial_date(value)
        if self.kind == CHOICE:  # absent: the default word, if the field has one
            assert self.choices is not None
            return choice(self.choices, self.default if value is None and self.default else value or "", self.label)
        if self.kind == NUMBER:
            return _number(value, self.label)
        if self.kind == WHOLE:
            number = _number(value, self.label)
            if number is not None and (not number.is_integer() or number < 1):
                raise InvalidInput(f"{self.label} must be a whole number from 1, not {str(value)[:40]!r}")
            return None if number is None else int(number)
        if self.kind == NAMES:
            return [name for name in (optional_text(item, self.label, MAX_NAME) for item in value or []) if name]
        if self.kind == CONTEXT:
            return check_length(checked_characters(value, self.label), self.label, MAX_TEXT) if value else None
        raise TypeError(f"{self.name} ({self.kind}) is not checked as a value")

    def exported(self, row: Any) -> Any:
        """The field's value in a dataset export of the model row."""
        value = getattr(row, self.name)
        if self.kind == CHOICE:
            return value.value
        if self.kind == REF:
            return value.slug if value is not None else None
        if self.kind == REFS:
            return sorted(item.slug for item in value)
        if self.kind == TAGS:
            return sorted(tag.name for tag in value)
        if self.kind == NAMES:
            return list(value or [])
        return value


def _number(value: Any, label: str) -> float | None:
    """A finite number (or text holding one); NaN and infinities are refused."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{label} must be a number")
    try:
        result = float(value)
    except (ValueError, OverflowError):
        raise InvalidInput(f"{str(value)[:40]!r} is not a number") from None
    if not math.isfinite(result):
        raise InvalidInput(f"{str(value)[:40]!r} is not a finite number")
    return result


class Fields(tuple[Field, ...]):
    """An entity's fields, in the dataset's (and the export's) order."""

    def __getitem__(self, name: Any) -> Any:  # by position, or by name
        if isinstance(name, str):
            return next(field for field in self if field.name == name)
        return super().__getitem__(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(field.name for field in self if field.required)

    def checked(self, given: dict[str, Any]) -> dict[str, Any]:
        """Each column field's value in `given` checked (a missing one as None), by name."""
        return {field.name: field.check(given.get(field.name)) for field in self if field.column}

    def record(self, row: Any, *, nested: Callable[[str], list[dict[str, Any]]] | None = None) -> dict[str, Any]:
        """The model row as a dataset record (empty fields left out, as a person would write it)."""
        record = {}
        for field in self:
            if field.kind == IMPORTED:
                continue
            value = nested(field.name) if field.kind == NESTED and nested else field.exported(row)
            if value not in (None, "", []):
                record[field.name] = value
        return record


def _fields(*fields: Field) -> Fields:
    return Fields(fields)


ACTOR = _fields(
    Field("slug", "slug", SLUG, required=True),
    Field("name", "actor name", NAME, required=True),
    Field("kind", "actor kind", CHOICE, choices=ActorKind, default=ActorKind.PERSON.value),
    Field("role", "actor role", NAME),
    Field("aliases", "alias", NAMES),
)
SOURCE = _fields(
    Field("slug", "slug", SLUG, required=True),
    Field("title", "source title", NAME, required=True),
    Field("kind", "source kind", CHOICE, choices=SourceKind, default=SourceKind.ARTICLE.value),
    Field("publisher", "publisher", NAME),
    Field("authors", "author", NAMES),
    Field("url", "source URL", NAME),
    Field("archive_url", "archive URL", NAME),
    Field("published_on", "publication date", DATE),
    Field("accessed_on", "access date", DATE),
    Field("language", "language", LANGUAGE),
    Field("republishes", "republished source", REF),
    Field("note", "note", TEXT),
    Field("document", "document name", IMPORTED),
    Field("text", "text", ARCHIVED),
)
CLAIM = _fields(
    Field("slug", "slug", SLUG, required=True),
    Field("text", "claim text", TEXT, required=True),
    Field("claimant", "claimant", REF),
    Field("stated_on", "statement date", DATE),
    Field("stated_in", "source it was stated in", REF),
    Field("appearances", "appearance", REFS),
    Field("tags", "tag", TAGS),
    Field("language", "language", LANGUAGE),
    Field("note", "note", TEXT),
    Field("evidence", "evidence", NESTED),
    Field("verdicts", "verdicts", NESTED),
)
EVIDENCE = _fields(
    Field("source", "source", REF, required=True),
    Field("stance", "stance", CHOICE, required=True, choices=Stance),
    Field("quote", "quote", TEXT, required=True),
    Field("prefix", "prefix", CONTEXT),
    Field("suffix", "suffix", CONTEXT),
    Field("speaker", "speaker", REF),
    Field("locator", "locator", NAME),
    Field("page", "page", WHOLE),  # set from the source's layout where it has one (services/captures.py)
    Field("page_label", "page label", NAME),
    Field("media_time", "time in the recording", NUMBER),
    Field("note", "note", TEXT),
)
VERDICT = _fields(
    Field("rating", "rating", CHOICE, required=True, choices=Rating),
    Field("rationale", "rationale", TEXT),  # required unless the verdict is a review: see `reviewed`
    Field("textual_rating", "textual rating", NAME),
    Field("reviewer", "reviewer", REF),
    Field("review_url", "review URL", NAME),
    Field("reviewed_on", "review date", DATE),
    Field("rating_value", "rating value", NUMBER),
    Field("best_rating", "best rating", NUMBER),
    Field("worst_rating", "worst rating", NUMBER),
)
LINK = _fields(
    Field("from", "claim", REF, required=True),
    Field("relation", "relation", CHOICE, required=True, choices=Relation),
    Field("to", "other claim", REF, required=True),
    Field("note", "note", TEXT),
)
EVENT = _fields(
    Field("slug", "slug", SLUG, required=True),
    Field("title", "event title", NAME, required=True),
    Field("description", "event description", TEXT),
    Field("occurred_on", "date", DATE),
    Field("sources", "source", REFS),
)
ENTITIES: dict[str, Fields] = {
    "actors": ACTOR,
    "sources": SOURCE,
    "claims": CLAIM,
    "evidence": EVIDENCE,
    "verdicts": VERDICT,
    "links": LINK,
    "events": EVENT,
}


def reviewed(verdict: dict[str, Any]) -> bool:
    """Whether a verdict is a review published elsewhere: a label, a page or a reviewer of its own
    stand for its reasons, so it may come without a rationale (shown as such); a verdict typed in
    here gives its reasons."""
    return any(verdict.get(name) for name in ("textual_rating", "review_url", "reviewer"))


def require_rationale(values: dict[str, Any], given: dict[str, Any]) -> None:
    """A verdict that is not a review (see `reviewed`) gives its reasons."""
    if values["rationale"] is None and not reviewed(given):
        required_text(given.get("rationale"), VERDICT["rationale"].label)  # names what is missing


def checked_verdict(given: dict[str, Any]) -> dict[str, Any]:
    """A verdict typed in (`claim rate`): VERDICT's rules, and its reasons given whatever else it
    names (an imported review may come without them: `require_rationale`)."""
    values = VERDICT.checked(given)
    values["rationale"] = required_text(given.get("rationale"), VERDICT["rationale"].label)
    return values
