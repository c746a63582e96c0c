"""What every service needs: finding rows by id or slug, making slugs, checking values."""

from __future__ import annotations

import base64
import enum
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput, NotFound, Remedy
from ..limits import MAX_ID, MAX_TEXT, check_length

E = TypeVar("E", bound=enum.Enum)
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 80
_HASH_LENGTH = 8


def choice(enum_class: type[E], value: str | E, what: str) -> E:
    """The Enum member for a user's value, or an error listing the allowed values."""
    if isinstance(value, enum_class):
        return value
    try:
        return enum_class(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum_class)
        raise InvalidInput(f"unknown {what} {value!r}: allowed: {allowed}") from None


def required_text(value: str | None, what: str, limit: int = MAX_TEXT) -> str:
    """Text that must say something, within `limit` characters; surrounding whitespace is dropped."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{what} is empty: give some text")
    return check_length(text, what, limit)


def optional_text(value: str | None, what: str = "a text field", limit: int = MAX_TEXT) -> str | None:
    """Text that may be absent (None for blank), within `limit` characters."""
    text = (value or "").strip()
    return check_length(text, what, limit) if text else None


def slugify(text: str) -> str:
    """A readable ASCII slug for a name or text in any script, never the same for two different names.

    'NATO promised no eastward expansion' → 'nato-promised-no-eastward-expansion'; 'Владимир Путин' →
    'vladimir-putin-' plus a short hash. Names are the same when their letters and digits agree after
    case folding; whenever the readable form loses something (transliteration, or a cut to the length
    limit), a hash of the name is appended so that two different names can never share a slug."""
    from anyascii import anyascii

    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = re.sub(r"(\w)['’](\w)", r"\1\2", folded)  # "Russia's" → "russias"
    key = "-".join(_words(folded))  # what two names must share to be the same name
    readable = re.sub(r"[^a-z0-9]+", "-", anyascii(key).lower()).strip("-")
    lossy = readable != key or not readable  # nothing readable (emoji, punctuation): the hash alone
    if not lossy and len(readable) <= MAX_SLUG:
        return readable
    room = MAX_SLUG - _HASH_LENGTH - 1
    if len(readable) > room:  # cut at a word's end where there is one
        readable = readable[:room].rsplit("-", 1)[0] if "-" in readable[:room] else readable[:room]
    digest = hashlib.sha256((key or folded.strip()).encode()).digest()
    tag = base64.b32encode(digest).decode().lower()[:_HASH_LENGTH]
    return f"{readable}-{tag}" if readable else tag


def _words(text: str) -> list[str]:
    """Runs of letters, digits and combining marks: a vowel sign or an accent is part of its word
    (Python's \\w leaves them out, which made "राहुल गांधी" and "राहुल गाँधी" one name)."""
    found, current = [], []
    for character in text:
        if unicodedata.category(character)[0] in "LMN":
            current.append(character)
        elif current:
            found.append("".join(current))
            current = []
    return [*found, "".join(current)] if current else found


def check_slug(slug: str) -> str:
    slug = slug.strip()
    if not SLUG_PATTERN.match(slug) or slug.isdigit() or len(slug) > MAX_SLUG:
        raise InvalidInput(
            f"bad slug {slug!r}: use lowercase letters, digits and single hyphens "
            f"(not only digits, at most {MAX_SLUG} characters)"
        )
    return slug


def unique_slug(session: Session, model: Any, wanted: str | None, text: str) -> str:
    """The slug given (which must be free) or one made from `text`, numbered until it is free."""
    if wanted:
        slug = check_slug(wanted)
        if session.scalar(select(model.id).where(model.slug == slug)) is not None:
            raise Conflict(f"{_noun(model)} slug {slug!r} is taken: choose another", remedy=Remedy.OTHER_SLUG)
        return slug
    base = slugify(text)
    if base.isdigit():  # an all-digit slug would read as an id
        base = f"{_noun(model)}-{base}"[:MAX_SLUG]
    stem = base[: MAX_SLUG - 8]  # every numbered variant starts with it
    taken = set(session.scalars(select(model.slug).where(model.slug.startswith(stem, autoescape=True))))
    slug, number = base, 2
    while slug in taken:
        suffix = f"-{number}"
        slug = base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
        number += 1
    return slug


def _noun(model: Any) -> str:
    return model.__name__.lower()


def as_id(ref: str | int) -> int | None:
    """The id a reference names when it is ASCII digits (not '²' or '١٢'), else None: a slug."""
    if isinstance(ref, int):
        return ref
    text = ref.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def get(session: Session, model: Any, ref: str | int, *, options: tuple[Any, ...] = ()) -> Any:
    """A row by id (digits) or slug; NotFound suggests the closest slugs."""
    ref_text = str(ref).strip()
    key = as_id(ref_text)
    column = model.slug if key is None else model.id
    row = None
    if key is None or key <= MAX_ID:  # a larger number names nothing, and no column could hold it
        row = session.scalars(select(model).where(column == (ref_text if key is None else key)).options(*options))
        row = row.one_or_none()
    if row is None:
        raise NotFound(f"no {_noun(model)} {ref_text!r}{suggest(session, model, ref_text)}")
    return row


def suggest(session: Session, model: Any, ref: str) -> str:
    """'; did you mean: a, b, c?' from the slugs closest to `ref`, or a hint to list them."""
    from rapidfuzz import fuzz, process

    slugs = session.scalars(select(model.slug)).all()
    matches = process.extract(ref, slugs, scorer=fuzz.WRatio, limit=3, score_cutoff=60)
    if matches:
        return "; did you mean: " + ", ".join(slug for slug, _score, _index in matches) + "?"
    noun = _noun(model)
    return f"; see `factcheck {noun} list`" if noun in ("claim", "source", "actor") else ""


def in_id_blocks(session: Session, model: Any, size: int, *options: Any) -> Iterator[list[Any]]:
    """Every row of `model` in id order, `size` at a time (loaded with `options`), each block let
    go of (expunged) once the next is asked for: a pass over a table of any size holds one block."""
    last = 0
    while rows := session.scalars(
        select(model).where(model.id > last).order_by(model.id).limit(size).options(*options)
    ).all():
        last = rows[-1].id
        yield list(rows)
        del rows
        session.expunge_all()
