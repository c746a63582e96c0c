"""schema.org ClaimReview, in and out: fact-checkers' reviews (JSON-LD as published on their pages,
in feeds, or from the Fact Check Tools claims:search API, and ClaimsKG's CSV via claimskg.py) read
faithfully into claims, claimants, appearances, review pages and verdicts; our verdicts written
back as ClaimReview.

What is read, and how (the README has examples):

- Reviews anywhere in the file: an object, a list, an ``@graph`` (nodes referenced by ``@id`` are
  followed), feed items holding a ``claimReviews`` list or a DataFeed, or ``claims[].claimReview[]``
  of claims:search. ``@type`` may be a list or a full IRI; ``@context`` anything.
- The reviewer: matched by ``@id``, ``url``, ``sameAs`` or the site it publishes on, then by name
  (case and punctuation folded) and aliases: "AFP Fact Check" and "factcheck_afp" on
  factcheck.afp.com are one reviewer, with the second name kept as an alias.
- The claimant: a Person or Organization (object, text, or list; the first is the claimant).
  Placeholders ("Unknown", "Multiple sources", "Facebook posts") are not actors: the text is kept
  in the claim's note as "Claimant as published: ...".
- Every appearance (URL text, object with ``url``, or media with ``contentUrl``; ``archivedAt``,
  ``author``, ``datePublished``, ``headline`` kept) is a source linked to the claim as an
  appearance; ``firstAppearance`` becomes the source the claim was stated in.
- The review page is the verdict's review URL and a source of its own (kind article: the schema
  has no fact-check kind yet), never an appearance of the claim.
- The outlet's label is the verdict's textual rating, verbatim; our rating is read from it by
  claimreview.ratings. ``ratingValue``/``bestRating``/``worstRating`` are kept as
  data when they are numbers; anything else in them is ignored, never refused.
- Every problem in the file is reported at once (up to 20, then a count), with the item's
  position as the file has it ("#3") and the field; nothing is written unless there are none.

Claim-to-claim links travel in an extension that other readers ignore: the ``@context`` maps the
prefix ``factcheck:`` to ``urn:factcheck:``, a Claim has the ``@id`` ``urn:factcheck:claim:SLUG``, and
``factcheck:rebuts``, ``factcheck:supports``, ``factcheck:qualifies`` and ``factcheck:duplicates``
(or the inverse ``factcheck:rebuttedBy``, ``factcheck:supportedBy``, ``factcheck:qualifiedBy``,
``factcheck:duplicatedBy``) list the other claims, as ``{"@type": "Claim", "@id": ..., "text": ...}``.

This module holds what reading and writing share: the vocabulary, the reviews as read (Work,
Party, Review) and the checking of their fields. The parts: read (finding the reviews in a file's
shapes), build and sources (reviews into dataset records), write (export)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from ...dates import parse_partial_date
from ...errors import FactcheckError, InvalidInput
from ...limits import MAX_NAME
from ...models import Rating, Relation
from ...services.common import slugify as _slugify
from ..dataset.records import describe

NAMESPACE = "urn:factcheck:"
CLAIM_ID = f"{NAMESPACE}claim:"
CONTEXT: list[Any] = ["https://schema.org", {"factcheck": NAMESPACE}]
BEST, WORST = 5, 1  # our own scale, for verdicts made in this database
OUR_RATING = "factcheck:rating"
MAX_PROBLEMS = 20
STATED_CLAIMANT = "Claimant as published: "
# A review that states no claim is imported with its headline as the claim's text, marked so.
FROM_HEADLINE = "Text taken from the review's headline (the review states no claim): reword it as the claim checked."
LINK_TERMS = {relation: f"factcheck:{relation.value}" for relation in Relation}
INVERSE_TERMS = {
    "factcheck:rebuttedBy": Relation.REBUTS,
    "factcheck:supportedBy": Relation.SUPPORTS,
    "factcheck:qualifiedBy": Relation.QUALIFIES,
    "factcheck:duplicatedBy": Relation.DUPLICATES,
}
INVERSE_NAMES = {relation: term for term, relation in INVERSE_TERMS.items()}
_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:", "http://www.schema.org/")
CHUNK = 500  # rows per look-up of what the database has
# The same names and URLs recur across a file's reviews: each slug is made once.
slugify = functools.lru_cache(maxsize=100_000)(_slugify)


@dataclass
class Work:
    """A creative work a review names: an appearance of the claim."""

    url: str | None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    date: str | None = None
    archive_url: str | None = None
    article: bool = False


@dataclass
class Party:
    """Someone a review names: its reviewer, or the claim's author."""

    name: str | None
    person: bool = False
    organisation: bool = False  # typed Organization (or another non-Person type)
    keys: list[str] = field(default_factory=list)  # identifiers: @id, url, sameAs, site


@dataclass
class Review:
    """One review as read from the file, before it becomes dataset records."""

    where: str
    claim: str
    label: str
    claim_id: str | None = None  # our own `urn:factcheck:claim:SLUG`
    claimant: Party | None = None
    stated_on: str | None = None
    language: str | None = None
    appearances: list[Work] = field(default_factory=list)
    first: Work | None = None
    reviewer: Party | None = None
    url: str | None = None
    title: str | None = None
    date: str | None = None
    body: str | None = None
    review_language: str | None = None
    values: tuple[float | None, float | None, float | None] = (None, None, None)
    links: list[tuple[Relation, bool, str | None, str | None]] = field(default_factory=list)  # outgoing?, id, text
    our_rating: Rating | None = None  # factcheck:rating, as our own export wrote it
    own: bool = False  # a verdict of our own (no outlet's label), as our own export wrote it
    tags: list[str] = field(default_factory=list)
    from_headline: bool = False  # `claim` is the review's headline: the review states no claim


class Problems:
    """Every problem of a file, to report them together."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[str] = []

    def add(self, where: str, problem: str) -> None:
        self.found.append(f"{where}: {problem}")

    def raise_any(self) -> None:
        if not self.found:
            return
        shown = "; ".join(self.found[:MAX_PROBLEMS])
        more = f"; and {len(self.found) - MAX_PROBLEMS} more" if len(self.found) > MAX_PROBLEMS else ""
        noun = "problem" if len(self.found) == 1 else "problems"
        raise InvalidInput(f"{self.file}: {len(self.found)} {noun}, nothing imported: {shown}{more}")


class Fields:
    """Reads one item's fields, noting each problem (with the item's position and the field)."""

    def __init__(self, problems: Problems, where: str) -> None:
        self.problems = problems
        self.where = where
        self.failed = False

    def problem(self, name: str, message: str) -> None:
        self.failed = True
        self.problems.add(self.where, f"{name}: {message}" if name else message)

    def text(
        self, value: Any, name: str, limit: int = MAX_NAME, *, required: bool = False, numbers: bool = True
    ) -> str | None:
        """Text (a JSON-LD value object's @value too); numbers are text where schema.org allows."""
        if isinstance(value, dict) and "@value" in value:
            value = value["@value"]
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(name, "missing")
            return None
        if isinstance(value, int | float) and not isinstance(value, bool) and numbers:
            value = str(value)
        if not isinstance(value, str):
            self.problem(name, f"{describe(value)}: expected text")
            return None
        text = value.strip()
        if len(text) > limit:
            self.problem(name, f"{len(text):,} characters long: at most {limit:,} are allowed")
            return None
        return text

    def date(self, value: Any, name: str) -> str | None:
        if isinstance(value, dict) and "@value" in value:
            value = value["@value"]
        try:
            return parse_partial_date(value)
        except FactcheckError as error:
            self.problem(name, str(error))
            return None

    def number(self, value: Any) -> float | None:
        """A number the outlet gives, kept as data: anything that is not one is ignored."""
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        try:
            number = float(value)
        except ValueError:
            return None
        return number if number == number and abs(number) != float("inf") else None

    def mapping(self, value: Any, name: str) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(name, f"{describe(value)}: expected an object")
            return None
        return value

    def url(self, value: Any, name: str) -> str | None:
        """A URL given as text, or as an object with `url` or `@id`."""
        if isinstance(value, dict):
            value = value.get("url") or value.get("@id")
        return self.text(value, name, numbers=False)

    def language(self, value: Any, name: str) -> str | None:
        """A language: "fr", or a Language object with alternateName (its code) or name."""
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict) and "@value" not in value:
            value = value.get("alternateName") or value.get("name")
        return self.text(value, name, 16, numbers=False)


def schema_types(node: dict[str, Any]) -> set[str]:
    """A node's @type(s) as schema.org local names ("http://schema.org/ClaimReview" → "ClaimReview")."""
    types = node.get("@type")
    result = set()
    for value in types if isinstance(types, list) else [types]:
        if isinstance(value, str):
            for prefix in _SCHEMA_PREFIXES:
                value = value.removeprefix(prefix)
            result.add(value)
    return result
