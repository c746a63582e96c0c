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
from ..limits import MAX_ID, MAX_LANGUAGE, MAX_TEXT, check_length

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


# What no reader sees alone: format characters (zero-width space and joiners, direction marks, the
# byte-order mark), which Python's strip() keeps, spaces, marks with nothing to sit on (a lone
# combining accent, a variation selector) and the blank fillers of Hangul and Braille. Some format
# characters are signs a reader sees (the Arabic number sign, the end of ayah). (Control characters
# are shown, escaped, wherever text is printed.)
_INVISIBLE = frozenset(("Cf", "Zs", "Zl", "Zp", "Mn", "Mc", "Me"))
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_SEEN_FORMAT = frozenset("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u08e2\U000110bd\U000110cd")
# PostgreSQL stores no NUL in text (SQLite did, and `db copy` to PostgreSQL then failed): refused
# everywhere alike. Other control characters are kept, and shown escaped wherever they are printed.
_CONTROL = re.compile(r"\x00")


def required_text(value: str | None, what: str, limit: int = MAX_TEXT) -> str:
    """Text that must say something a reader can see, within `limit` characters; surrounding
    whitespace is dropped. The same rule for every door (CLI, web, import) and both backends."""
    text = checked_characters((value or "").strip(), what)
    if not visible(text):
        raise InvalidInput(
            f"{what} is empty: give some text" + (" (it holds only invisible characters)" if text else "")
        )
    return check_length(text, what, limit)


def optional_text(value: str | None, what: str = "a text field", limit: int = MAX_TEXT) -> str | None:
    """Text that may be absent (None for blank, or for invisible characters alone), within `limit` characters."""
    text = checked_characters((value or "").strip(), what)
    return check_length(text, what, limit) if visible(text) else None


def visible(text: str) -> bool:
    """Whether a text holds a character a reader can see."""
    return any(
        character in _SEEN_FORMAT
        or not (character.isspace() or character in _BLANK or unicodedata.category(character) in _INVISIBLE)
        for character in text
    )


def checked_characters(text: str, what: str) -> str:
    """`text`, unless it holds a NUL or half of a UTF-16 surrogate pair (which no UTF-8 database or
    file can store)."""
    control = _CONTROL.search(text)
    if control:
        raise InvalidInput(
            f"{what} holds a NUL character (U+0000) at character {control.start() + 1}: "
            "no database stores it in text; remove it"
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidInput(
            f"{what} holds a lone UTF-16 surrogate (U+{ord(text[error.start]):04X}) at character {error.start + 1}: "
            "it is not text; fix the file's encoding"
        ) from None
    return text


def language(value: str | None, what: str = "language") -> str | None:
    """A language code or name ("en", "pt-BR", "English"), at most MAX_LANGUAGE characters."""
    return optional_text(value, what, MAX_LANGUAGE)


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
        _hold_slugs(session, model, slug[: MAX_SLUG - 8])
        if session.scalar(select(model.id).where(model.slug == slug)) is not None:
            raise Conflict(f"{_noun(model)} slug {slug!r} is taken: choose another", remedy=Remedy.OTHER_SLUG)
        return slug
    base = slugify(text)
    if base.isdigit():  # an all-digit slug would read as an id
        base = f"{_noun(model)}-{base}"[:MAX_SLUG]
    stem = base[: MAX_SLUG - 8]  # every numbered variant starts with it
    _hold_slugs(session, model, stem)
    taken = set(session.scalars(select(model.slug).where(model.slug.startswith(stem, autoescape=True))))
    slug, number = base, 2
    while slug in taken:
        suffix = f"-{number}"
        slug = base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
        number += 1
    return slug


def _hold_slugs(session: Session, model: Any, stem: str) -> None:
    """On PostgreSQL, wait for any other transaction choosing a slug that starts with `stem` to end
    (a lock held until this transaction ends), so that the slugs it took are seen and numbered
    past, as one writer at a time does on SQLite; without it, writers adding the same text at once
    failed on the unique slug."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import func

        key = f"{model.__tablename__}:{stem}"
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def _noun(model: Any) -> str:
    return model.__name__.lower()


def as_id(ref: str | int) -> int | None:
    """The id a reference names when it is ASCII digits (not '²' or '١٢'), else None: a slug."""
    if isinstance(ref, int):
        return ref
    text = ref.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def nameable(ref: str) -> bool:
    """Whether `ref` could name a row: no slug holds a NUL or a lone surrogate, and
    PostgreSQL refuses to compare with them (a NUL in a URL's slug was a 503)."""
    try:
        checked_characters(ref, "a reference")
    except InvalidInput:
        return False
    return True


def get(session: Session, model: Any, ref: str | int, *, options: tuple[Any, ...] = ()) -> Any:
    """A row by id (digits) or slug; NotFound suggests the closest slugs."""
    ref_text = str(ref).strip()
    key = as_id(ref_text)
    column = model.slug if key is None else model.id
    row = None
    if (key is None and nameable(ref_text)) or (key is not None and key <= MAX_ID):  # no column holds more
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
