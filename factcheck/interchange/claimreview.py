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
  factcheck.interchange.ratings. ``ratingValue``/``bestRating``/``worstRating`` are kept as
  data when they are numbers; anything else in them is ignored, never refused.
- Every problem in the file is reported at once (up to 20, then a count), with the item's
  position as the file has it ("#3") and the field; nothing is written unless there are none.

Claim-to-claim links travel in an extension that other readers ignore: the ``@context`` maps the
prefix ``factcheck:`` to ``urn:factcheck:``, a Claim has the ``@id`` ``urn:factcheck:claim:SLUG``, and
``factcheck:rebuts``, ``factcheck:supports``, ``factcheck:qualifies`` and ``factcheck:duplicates``
(or the inverse ``factcheck:rebuttedBy``, ``factcheck:supportedBy``, ``factcheck:qualifiedBy``,
``factcheck:duplicatedBy``) list the other claims, as ``{"@type": "Claim", "@id": ..., "text": ...}``."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..dates import parse_partial_date
from ..errors import FactcheckError, InvalidInput
from ..limits import MAX_NAME, MAX_TEXT
from ..models import Actor, ActorKind, Claim, ClaimLink, Rating, Relation, Source, Verdict
from ..services.common import slugify as _slugify
from .ratings import RatingReader, words
from .records import SECTIONS, Record, add_records, describe

NAMESPACE = "urn:factcheck:"
CLAIM_ID = f"{NAMESPACE}claim:"
CONTEXT: list[Any] = ["https://schema.org", {"factcheck": NAMESPACE}]
BEST, WORST = 5, 1  # our own scale, for verdicts made in this database
OUR_RATING = "factcheck:rating"
MAX_PROBLEMS = 20
STATED_CLAIMANT = "Claimant as published: "
LINK_TERMS = {relation: f"factcheck:{relation.value}" for relation in Relation}
INVERSE_TERMS = {
    "factcheck:rebuttedBy": Relation.REBUTS,
    "factcheck:supportedBy": Relation.SUPPORTS,
    "factcheck:qualifiedBy": Relation.QUALIFIES,
    "factcheck:duplicatedBy": Relation.DUPLICATES,
}
INVERSE_NAMES = {relation: term for term, relation in INVERSE_TERMS.items()}
_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:", "http://www.schema.org/")
_ARTICLE_TYPES = {"Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting"}
_CHUNK = 500
# The same names and URLs recur across a file's reviews: each slug is made once.
slugify = functools.lru_cache(maxsize=100_000)(_slugify)

# Who "said" it when nobody is named: kept as text, never made a person. One line per language.
_PLACEHOLDER_NAMES = """
Unknown | Unknown source | Unknown sources | Anonymous | N/A | None | Not applicable | Multiple sources
Multiple people | Various sources | Various | Several sources | Facebook posts | Facebook post | Facebook users
Facebook user | Twitter users | Twitter posts | Instagram posts | TikTok posts | TikTok videos | WhatsApp messages
WhatsApp | Telegram posts | Social media | Social media posts | Social media users | Social media user
Multiple social media users | Viral post | Viral posts | Viral image | Viral video | Viral message | Internet users
Netizens | Bloggers | Online posts | Websites | Multiple websites | Blog posts | Various websites
Inconnu | Inconnue | Sources multiples | Plusieurs sources | Réseaux sociaux | Internautes | Publications Facebook
Publications sur les réseaux sociaux | Utilisateurs des réseaux sociaux
Desconocido | Varias fuentes | Múltiples fuentes | Redes sociales | Usuarios de redes sociales | Internautas | Varios
Publicaciones en redes sociales
Desconhecido | Redes sociais | Usuários de redes sociais | Publicações nas redes sociais | Várias fontes
Múltiplas fontes
Unbekannt | Soziale Medien | Nutzer in sozialen Medien | Mehrere Quellen | Verschiedene Quellen
Sconosciuto | Social network | Utenti social | Più fonti | Fonti multiple
Onbekend | Sociale media
Nieznany | Media społecznościowe | Internauci
Neznámý | Sociální sítě
Nepoznato | Društvene mreže
Bilinmiyor | Sosyal medya | Sosyal medya kullanıcıları
Άγνωστο | Μέσα κοινωνικής δικτύωσης
Неизвестно | Соцсети | Пользователи соцсетей
Невідомо | Соцмережі | Користувачі соцмереж
مجهول | مواقع التواصل الاجتماعي
अज्ञात | सोशल मीडिया | सोशल मीडिया यूजर | सोशल मीडिया यूजर्स | वायरल पोस्ट
Media sosial | Warganet | Tidak diketahui
"""
PLACEHOLDERS = {" ".join(words(name)) for name in re.split(r"[|\n]", _PLACEHOLDER_NAMES) if words(name)}


def is_placeholder(name: str) -> bool:
    return " ".join(words(name)) in PLACEHOLDERS


# --- writing ------------------------------------------------------------------------------------


def export_claimreview(session: Session) -> list[dict[str, Any]]:
    """One ClaimReview per rated claim and review: each reviewer's newest verdict per review page
    (an outlet's reviews of one claim in two languages are two reviews), ordered by claim slug."""
    claims = session.scalars(
        select(Claim)
        .where(Claim.id.in_(select(Verdict.claim_id)))
        .options(
            joinedload(Claim.claimant),
            joinedload(Claim.stated_in),
            selectinload(Claim.appearances),
            selectinload(Claim.verdicts).joinedload(Verdict.reviewer),
        )
        .order_by(Claim.slug)
    ).all()
    # Each link is written on both of its claims: forward on the one it starts from, inverse on the
    # other; a reader keeps one of each pair.
    links: dict[int, list[tuple[str, Claim]]] = {}
    query = select(ClaimLink).options(joinedload(ClaimLink.from_claim), joinedload(ClaimLink.to_claim))
    for link in session.scalars(query):
        links.setdefault(link.from_claim_id, []).append((LINK_TERMS[link.relation], link.to_claim))
        links.setdefault(link.to_claim_id, []).append((INVERSE_NAMES[link.relation], link.from_claim))
    pages = _review_pages(session, {v.review_url for c in claims for v in c.verdicts if v.review_url})
    reviews = []
    for claim in claims:
        item = _claim_item(claim, links.get(claim.id, []))
        for verdict in _exported_verdicts(claim.verdicts):
            reviews.append(_review(claim, item, verdict, pages.get(verdict.review_url or "")))
    return reviews


def _review_pages(session: Session, urls: set[str]) -> dict[str, Source]:
    ordered, pages = sorted(urls), {}
    for start in range(0, len(ordered), _CHUNK):
        for source in session.scalars(select(Source).where(Source.url.in_(ordered[start : start + _CHUNK]))):
            pages[source.url or ""] = source
    return pages


def _exported_verdicts(verdicts: list[Verdict]) -> list[Verdict]:
    newest: dict[tuple[int | None, str | None], Verdict] = {}
    for verdict in sorted(verdicts, key=lambda v: v.id):
        newest[(verdict.reviewer_id, verdict.review_url)] = verdict
    return sorted(newest.values(), key=lambda v: v.id)


def _number(value: float | None) -> int | float | None:
    return int(value) if value is not None and value.is_integer() else value


def _work(source: Source) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "Article" if source.kind.value == "article" else "CreativeWork"}
    if source.url:
        work["url"] = source.url
    if source.title and source.title != source.url:
        work["headline"] = source.title
    if source.authors:
        work["author"] = [{"@type": "Person", "name": name} for name in source.authors]
    if source.publisher:
        work["publisher"] = {"@type": "Organization", "name": source.publisher}
    if source.published_on:
        work["datePublished"] = source.published_on
    if source.archive_url:
        work["archivedAt"] = source.archive_url
    return work


def stated_claimant(note: str | None) -> str | None:
    """The claimant text a review gave when it named nobody ("Facebook posts"), kept in the note."""
    match = re.search(rf"^{re.escape(STATED_CLAIMANT)}(.+)$", note or "", flags=re.M)
    return match.group(1).strip() if match else None


def _claim_item(claim: Claim, links: list[tuple[str, Claim]]) -> dict[str, Any]:
    item: dict[str, Any] = {"@type": "Claim", "@id": f"{CLAIM_ID}{claim.slug}"}
    if claim.claimant:
        kind = "Person" if claim.claimant.kind is ActorKind.PERSON else "Organization"
        item["author"] = {"@type": kind, "name": claim.claimant.name}
    elif said := stated_claimant(claim.note):
        item["author"] = {"@type": "Organization", "name": said}
    if claim.stated_on:
        item["datePublished"] = claim.stated_on
    if claim.language:
        item["inLanguage"] = claim.language
    if claim.appearances:
        item["appearance"] = [_work(s) for s in sorted(claim.appearances, key=lambda s: (s.url or "", s.title))]
    if claim.stated_in:
        item["firstAppearance"] = _work(claim.stated_in)
    for term, other in sorted(links, key=lambda pair: (pair[0], pair[1].slug)):
        item.setdefault(term, []).append({"@type": "Claim", "@id": f"{CLAIM_ID}{other.slug}", "text": other.text})
    return item


def _review(claim: Claim, item: dict[str, Any], verdict: Verdict, page: Source | None) -> dict[str, Any]:
    review: dict[str, Any] = {"@context": CONTEXT, "@type": "ClaimReview", "claimReviewed": claim.text}
    if verdict.review_url:
        review["url"] = verdict.review_url
        if page is not None and page.title != page.url:
            review["name"] = page.title
        if page is not None and page.language:
            review["inLanguage"] = page.language
    if verdict.reviewed_on:  # only a real date: never the day of the export
        review["datePublished"] = verdict.reviewed_on
    if verdict.reviewer:
        reviewer = verdict.reviewer
        author = {"@type": "Person" if reviewer.kind is ActorKind.PERSON else "Organization", "name": reviewer.name}
        site = _site(verdict.review_url)
        if site and reviewer.kind is not ActorKind.PERSON:
            author["url"] = site  # the site the review is published on
        review["author"] = author
    review["itemReviewed"] = item
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": verdict.textual_rating or verdict.rating.value}
    rating[OUR_RATING] = verdict.rating.value  # ours, read from the label: other readers ignore it
    if verdict.textual_rating is None:  # our own verdict: our own scale, 1 (false) to 5 (true)
        if verdict.rating.rating_value is not None:
            rating["ratingValue"] = verdict.rating.rating_value
        rating.update(bestRating=BEST, worstRating=WORST)
    else:  # an outlet's: its numbers exactly as imported, if it gave any
        for key, value in (
            ("ratingValue", verdict.rating_value),
            ("bestRating", verdict.best_rating),
            ("worstRating", verdict.worst_rating),
        ):
            if value is not None:
                rating[key] = _number(value)
    review["reviewRating"] = rating
    if verdict.rationale:
        review["reviewBody"] = verdict.rationale
    return review


def _site(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme in ("http", "https") and parts.netloc else None


# --- reading: from the file's shapes to reviews ---------------------------------------------------


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


class JsonLdReader:
    """Finds the reviews in a parsed file and reads each into a Review."""

    def __init__(self, document: Any, problems: Problems) -> None:
        self.document = document
        self.problems = problems
        self.nodes: dict[str, dict[str, Any]] = {}
        self._index(document, 0)

    def _index(self, node: Any, depth: int) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("@id"), str) and set(node) - {"@id", "@type"}:
                self.nodes.setdefault(node["@id"], node)
            for value in node.values():
                self._index(value, depth + 1)
        elif isinstance(node, list):
            for value in node:
                self._index(value, depth + 1)

    def node(self, value: Any) -> Any:
        """A reference ({"@id": ...} alone) replaced by the node it names in the file, if any."""
        if isinstance(value, dict) and isinstance(value.get("@id"), str) and not set(value) - {"@id", "@type"}:
            return self.nodes.get(value["@id"], value)
        return value

    def reviews(self) -> Iterator[Review]:
        document = self.document
        if isinstance(document, dict) and isinstance(document.get("claims"), list) and "@type" not in document:
            yield from self._api(document["claims"])
            return
        found = False
        for where, item in self._walk(document, []):
            found = True
            if item is not None:
                review = self._json_ld(where, item)
                if review is not None:
                    yield review
        if not found and not self.problems.found:
            raise InvalidInput(
                f"{self.problems.file}: no ClaimReview found (expected ClaimReview JSON-LD: an object, a list, "
                "an @graph or feed items, or a Fact Check Tools claims:search response)"
            )

    def _walk(self, node: Any, path: list[str]) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """(position, review) for each review in the file; position as the file has it: "#3",
        "@graph #2", "items #1 claimReviews #2". A top-level item that is not an object is a problem."""
        if isinstance(node, dict):
            if "ClaimReview" in schema_types(node):
                yield " ".join(path) or "#1", node
                return
            for key, value in node.items():
                if key != "@context" and isinstance(value, dict | list):
                    yield from self._walk(value, [*path, key])
        elif isinstance(node, list):
            top = not path or path == ["@graph"]
            for number, item in enumerate(node, start=1):
                where = [*path, f"#{number}"]
                if top and not isinstance(item, dict | list):
                    self.problems.add(" ".join(where), f"{describe(item)}: expected a ClaimReview object")
                    yield " ".join(where), None
                else:
                    yield from self._walk(item, where)

    def _party(self, fields: Fields, value: Any, name: str, *, prefer_organisation: bool) -> Party | None:
        """The first (or first organisation's) Person/Organization named by text, object or list."""
        candidates = value if isinstance(value, list) else [value]
        candidates = [self.node(candidate) for candidate in candidates if candidate not in (None, "")]
        if prefer_organisation:
            organisations = [c for c in candidates if isinstance(c, dict) and "Person" not in schema_types(c)]
            candidates = organisations + [c for c in candidates if c not in organisations]
        for candidate in candidates[:1]:
            if isinstance(candidate, dict):
                party = Party(
                    fields.text(candidate.get("name") or candidate.get("alternateName"), f"{name}.name"),
                    person="Person" in schema_types(candidate),
                    organisation=bool(schema_types(candidate) - {"Person", ""}),
                )
                for key in ("@id", "url"):
                    if isinstance(candidate.get(key), str):
                        party.keys.append(candidate[key])
                same = candidate.get("sameAs")
                party.keys += [s for s in (same if isinstance(same, list) else [same]) if isinstance(s, str)]
                return party if party.name or party.keys else None
            text = fields.text(candidate, name, numbers=False)
            return Party(text) if text else None
        return None

    def _work(self, fields: Fields, value: Any, name: str) -> Work | None:
        value = self.node(value)
        if isinstance(value, str):
            url = fields.text(value, name)
            return Work(url) if url else None
        if not isinstance(value, dict):
            fields.problem(name, f"{describe(value)}: expected a URL or an object with url")
            return None
        url = fields.url(value.get("url") or value.get("contentUrl") or value.get("@id"), f"{name}.url")
        title = fields.text(value.get("headline") or value.get("name"), f"{name}.headline")
        if not url and not title:
            fields.problem(name, "neither url nor contentUrl nor headline")
            return None
        authors = value.get("author")
        authors = [
            party.name
            for number, item in enumerate(authors if isinstance(authors, list) else [authors], start=1)
            if (party := self._party(fields, item, f"{name}.author", prefer_organisation=False)) and party.name
        ]
        publisher = self._party(fields, value.get("publisher"), f"{name}.publisher", prefer_organisation=True)
        return Work(
            url=url,
            title=title,
            authors=authors,
            publisher=publisher.name if publisher else None,
            date=fields.date(value.get("datePublished"), f"{name}.datePublished"),
            archive_url=fields.url(value.get("archivedAt"), f"{name}.archivedAt"),
            article=bool(schema_types(value) & _ARTICLE_TYPES),
        )

    def _works(self, fields: Fields, value: Any, name: str) -> list[Work]:
        items = value if isinstance(value, list) else [] if value is None else [value]
        works = [self._work(fields, item, f"{name} #{n}") for n, item in enumerate(items, start=1)]
        return [work for work in works if work is not None]

    def _json_ld(self, where: str, node: dict[str, Any]) -> Review | None:
        fields = Fields(self.problems, where)
        item = fields.mapping(self.node(node.get("itemReviewed")), "itemReviewed") or {}
        rating = fields.mapping(self.node(node.get("reviewRating")), "reviewRating") or {}
        claim = fields.text(node.get("claimReviewed") or item.get("text"), "claimReviewed", MAX_TEXT, required=True)
        label = fields.text(rating.get("alternateName"), "reviewRating.alternateName", numbers=False)
        if label is None and "alternateName" not in rating:
            label = fields.text(rating.get("name"), "reviewRating.name", numbers=False)
            if label is None and not fields.failed:
                fields.problem("reviewRating.alternateName", "missing (the outlet's own label)")
        review = Review(
            where=where,
            claim=" ".join((claim or "").split()),
            label=label or "",
            claim_id=item.get("@id") if isinstance(item.get("@id"), str) else None,
            claimant=self._party(fields, item.get("author"), "itemReviewed.author", prefer_organisation=False),
            stated_on=fields.date(item.get("datePublished"), "itemReviewed.datePublished"),
            language=fields.language(item.get("inLanguage"), "itemReviewed.inLanguage"),
            appearances=self._works(fields, item.get("appearance"), "itemReviewed.appearance"),
            first=next(iter(self._works(fields, item.get("firstAppearance"), "itemReviewed.firstAppearance")), None),
            reviewer=self._party(fields, node.get("author"), "author", prefer_organisation=True)
            or self._party(fields, node.get("publisher"), "publisher", prefer_organisation=True),
            url=fields.url(node.get("url"), "url"),
            title=fields.text(node.get("headline") or node.get("name"), "name"),
            date=fields.date(node.get("datePublished"), "datePublished"),
            body=fields.text(node.get("reviewBody") or rating.get("ratingExplanation"), "reviewBody", MAX_TEXT),
            review_language=fields.language(node.get("inLanguage"), "inLanguage"),
            values=(
                fields.number(rating.get("ratingValue")),
                fields.number(rating.get("bestRating")),
                fields.number(rating.get("worstRating")),
            ),
        )
        review.language = review.language or review.review_language
        ours = rating.get(OUR_RATING, rating.get(f"{NAMESPACE}rating"))
        if isinstance(ours, str) and ours in {r.value for r in Rating}:
            review.our_rating = Rating(ours)
            review.own = review.label == ours and review.values == (review.our_rating.rating_value, BEST, WORST)
        for term, targets in item.items():
            relation, outgoing = _link_term(term)
            if relation is None:
                continue
            for number, target in enumerate(targets if isinstance(targets, list) else [targets], start=1):
                target = self.node(target)
                name = f"itemReviewed.{term} #{number}"
                if not isinstance(target, dict):
                    fields.problem(name, f"{describe(target)}: expected a Claim with @id or text")
                    continue
                target_id = target.get("@id") if isinstance(target.get("@id"), str) else None
                text = fields.text(target.get("text") or target.get("claimReviewed"), f"{name}.text", MAX_TEXT)
                if target_id is None and text is None:
                    fields.problem(name, "neither @id nor text")
                review.links.append((relation, outgoing, target_id, text))
        return None if fields.failed else review

    def _api(self, claims: list[Any]) -> Iterator[Review]:
        """claims:search: claims[].claimReview[] with publisher, textualRating, languageCode, reviewDate."""
        for number, claim in enumerate(claims, start=1):
            where = f"claims #{number}"
            fields = Fields(self.problems, where)
            if not isinstance(claim, dict):
                fields.problem("", f"{describe(claim)}: expected an object")
                continue
            text = fields.text(claim.get("text"), "text", MAX_TEXT, required=True)
            claimant = fields.text(claim.get("claimant"), "claimant", numbers=False)
            stated_on = fields.date(claim.get("claimDate"), "claimDate")
            reviews = claim.get("claimReview")
            if not isinstance(reviews, list) or not reviews:
                fields.problem("claimReview", "missing" if reviews is None else f"{describe(reviews)}: expected a list")
                continue
            for index, item in enumerate(reviews, start=1):
                inner = Fields(self.problems, f"{where} claimReview #{index}")
                if not isinstance(item, dict):
                    inner.problem("", f"{describe(item)}: expected an object")
                    continue
                publisher = inner.mapping(item.get("publisher"), "publisher") or {}
                site = inner.text(publisher.get("site"), "publisher.site", numbers=False)
                name = inner.text(publisher.get("name"), "publisher.name", numbers=False)
                label = inner.text(item.get("textualRating"), "textualRating", required=True, numbers=False)
                review = Review(
                    where=inner.where,
                    claim=" ".join((text or "").split()),
                    label=label or "",
                    claimant=Party(claimant) if claimant else None,
                    stated_on=stated_on,
                    reviewer=Party(name, keys=[site] if site else []) if name or site else None,
                    url=inner.text(item.get("url"), "url", numbers=False),
                    title=inner.text(item.get("title"), "title"),
                    date=inner.date(item.get("reviewDate"), "reviewDate"),
                    review_language=inner.language(item.get("languageCode"), "languageCode"),
                )
                review.language = review.review_language
                if not (fields.failed or inner.failed):
                    yield review


def _link_term(term: str) -> tuple[Relation | None, bool]:
    if term in INVERSE_TERMS:
        return INVERSE_TERMS[term], False
    for relation, name in LINK_TERMS.items():
        if term in (name, f"{NAMESPACE}{relation.value}"):
            return relation, True
    return None, True


# --- from reviews to dataset records ------------------------------------------------------------


def _host(url: str) -> str | None:
    """The site of a URL, or of a bare domain ("factcheck.afp.com"); None for other identifiers."""
    if "://" not in url and (":" in url or "." not in url):
        return None  # "urn:example:checker", "#organization"
    text = url if "://" in url else f"https://{url}"
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


class _Groups:
    """Union-find over a file's reviewers: mentions sharing an identifier are one reviewer."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, keys: list[str]) -> None:
        roots = [self.find(key) for key in keys]
        for root in roots[1:]:
            self.parent[root] = roots[0]


def reviewer_keys(party: Party, review_url: str | None) -> list[str]:
    """A reviewer's identifiers: each @id/url/sameAs, the site it is on, and its folded name."""
    keys = []
    for key in party.keys:
        keys.append(f"id:{key.strip().rstrip('/').lower()}")
        if host := _host(key):
            keys.append(f"host:{host}")
    if not party.keys and not party.person and review_url and (host := _host(review_url)):
        keys.append(f"host:{host}")  # an outlet named only by name: the site its review is on
    if party.name:
        keys.append(f"name:{slugify(party.name)}")
    return keys


def _unnamed(keys: list[str]) -> str:
    """A name for a reviewer the file gives only by identifiers: its site, else its first one."""
    hosts = [key for key in keys if key.startswith("host:")]
    return (hosts or keys)[0].split(":", 1)[1]


class RecordBuilder:
    """Turns reviews into the dataset's records (actors, sources, claims with verdicts, links),
    reusing what the database has: sources by URL, actors by name or alias, reviewers also by the
    site of their existing reviews; claims by slug (made from their text)."""

    def __init__(self, session: Session, file: str, ratings: RatingReader, problems: Problems) -> None:
        self.session = session
        self.file = file
        self.ratings = ratings
        self.problems = problems
        self.unread: list[str] = []
        self.aliases_not_added: list[str] = []

    def build(self, reviews: list[Review]) -> dict[str, list[Record]]:
        self.reviews = reviews
        reviewers = self._reviewers()
        actors: dict[str, dict[str, Any]] = {}
        for slug, record in reviewers.values():
            if record is not None:
                actors.setdefault(slug, record)
        sources = _Sources(self.session, reviews)
        claims: dict[str, dict[str, Any]] = {}
        links: dict[tuple[str, str, str], dict[str, Any]] = {}
        existing_actors = self._existing_actor_slugs(reviews)
        for record in actors.values():  # a claimant may be a reviewer of this file, by one of its names
            for name in [record["name"], *record.get("aliases", [])]:
                existing_actors.setdefault(slugify(name), record["slug"])
        for review in reviews:
            claim_slug = self._claim_slug(review.claim_id, review.claim)
            claim = claims.setdefault(
                claim_slug, {"slug": claim_slug, "text": review.claim, "appearances": [], "verdicts": []}
            )
            self._claimant(review, claim, actors, existing_actors)
            for key, value in (("stated_on", review.stated_on), ("language", review.language)):
                if value and not claim.get(key):
                    claim[key] = value
            for work in review.appearances:
                slug = sources.add(work)
                if slug not in claim["appearances"]:
                    claim["appearances"].append(slug)
            if review.first and not claim.get("stated_in"):
                claim["stated_in"] = sources.add(review.first)
            if review.tags:
                claim["tags"] = list(dict.fromkeys([*claim.get("tags", []), *review.tags]))
            reviewer_slug, _ = reviewers.get(id(review), (None, None))
            reviewer_name = actors[reviewer_slug]["name"] if reviewer_slug in actors else None
            if review.url:
                page = Work(review.url, review.title, publisher=reviewer_name, date=review.date, article=True)
                sources.add(page, language=review.review_language)
            self._verdict(review, claim, reviewer_slug)
            for relation, outgoing, target_id, text in review.links:
                other = self._claim_slug(target_id, text) if target_id or text else None
                if other is None:
                    continue
                if text and other not in claims:
                    claims[other] = {"slug": other, "text": text, "appearances": [], "verdicts": []}
                first, second = (claim_slug, other) if outgoing else (other, claim_slug)
                links.setdefault(
                    (first, relation.value, second), {"from": first, "relation": relation.value, "to": second}
                )
        self.problems.raise_any()
        for claim in claims.values():
            for key in ("appearances", "verdicts"):
                if not claim[key]:
                    del claim[key]
        document = {
            "actors": list(actors.values()),
            "sources": sources.records(),
            "claims": list(claims.values()),
            "links": list(links.values()),
        }
        return add_records({section: [] for section in SECTIONS}, document, self.file)

    def _claim_slug(self, claim_id: str | None, text: str | None) -> str:
        """Our own `urn:factcheck:claim:SLUG` keeps its slug; any other claim is named by its text."""
        if claim_id and claim_id.startswith(CLAIM_ID) and claim_id[len(CLAIM_ID) :]:
            return claim_id[len(CLAIM_ID) :]
        return slugify(text or claim_id or "")

    def _existing_actor_slugs(self, reviews: list[Review]) -> dict[str, str]:
        """Folded names and aliases of the database's actors → their slugs, for the names in the file."""
        names = {slugify(r.claimant.name) for r in reviews if r.claimant and r.claimant.name}
        found: dict[str, str] = {}
        ordered = sorted(names)
        for start in range(0, len(ordered), _CHUNK):
            for slug in self.session.scalars(select(Actor.slug).where(Actor.slug.in_(ordered[start : start + _CHUNK]))):
                found[slug] = slug
        for slug, aliases in self.session.execute(select(Actor.slug, Actor.aliases).where(Actor.aliases != "[]")):
            for alias in aliases or []:
                found.setdefault(slugify(alias), slug)
        return found

    def _claimant(
        self, review: Review, claim: dict[str, Any], actors: dict[str, dict[str, Any]], existing: dict[str, str]
    ) -> None:
        party = review.claimant
        if party is None or not party.name or claim.get("claimant") or claim.get("note"):
            return
        if is_placeholder(party.name):
            claim["note"] = f"{STATED_CLAIMANT}{party.name}"
            return
        key = slugify(party.name)
        slug = existing.get(key)
        if slug is None:  # not in the database: a new actor
            slug = key
            kind = ActorKind.ORGANISATION if party.organisation else ActorKind.PERSON
            actors.setdefault(slug, {"slug": slug, "name": party.name, "kind": kind.value})
        claim["claimant"] = slug

    def _reviewers(self) -> dict[int, tuple[str, dict[str, Any] | None]]:
        """Each review's reviewer slug, and the actor record when it is new."""
        groups = _Groups()
        mentions = [(review, reviewer_keys(review.reviewer, review.url)) for review in self.reviews if review.reviewer]
        for _review, keys in mentions:
            if keys:
                groups.join(keys)
        known = self._known_reviewers({key for _review, keys in mentions for key in keys})
        members: dict[str, list[tuple[Review, list[str]]]] = {}
        for review, keys in mentions:
            if keys:
                members.setdefault(groups.find(keys[0]), []).append((review, keys))
        result: dict[int, tuple[str, dict[str, Any] | None]] = {}
        for group in members.values():
            names = Counter(r.reviewer.name for r, _keys in group if r.reviewer and r.reviewer.name)
            all_keys = [key for _r, keys in group for key in keys]
            existing = next((known[key] for key in all_keys if key in known), None)
            if existing is not None:
                slug, record = existing, None
                self.aliases_not_added += [n for n in names if slugify(n) != existing]
            else:
                ordered = [name for name, _count in names.most_common()]
                name = ordered[0] if ordered else _unnamed(all_keys)
                person = all(r.reviewer.person for r, _keys in group if r.reviewer)
                slug = slugify(name)
                aliases = [other for other in ordered[1:] if slugify(other) != slug]
                kind = ActorKind.PERSON if person else ActorKind.OUTLET
                record = {"slug": slug, "name": name, "kind": kind.value, "aliases": aliases}
            for review, _keys in group:
                result[id(review)] = (slug, record)
        return result

    def _known_reviewers(self, keys: set[str]) -> dict[str, str]:
        """The database's actors for some of these keys: by name or alias, or by the site of a review."""
        names = sorted(key[5:] for key in keys if key.startswith("name:"))
        known: dict[str, str] = {}
        for start in range(0, len(names), _CHUNK):
            for slug in self.session.scalars(select(Actor.slug).where(Actor.slug.in_(names[start : start + _CHUNK]))):
                known[f"name:{slug}"] = slug
        for slug, aliases in self.session.execute(select(Actor.slug, Actor.aliases).where(Actor.aliases != "[]")):
            for alias in aliases or []:
                known.setdefault(f"name:{slugify(alias)}", slug)
        hosts = {key for key in keys if key.startswith("host:")}
        if hosts:
            # One or two review pages per reviewer say which site it publishes on.
            sample = (
                select(Verdict.reviewer_id, func.min(Verdict.review_url), func.max(Verdict.review_url))
                .where(Verdict.review_url.is_not(None), Verdict.reviewer_id.is_not(None))
                .group_by(Verdict.reviewer_id)
            )
            slugs = dict(self.session.execute(select(Actor.id, Actor.slug)).all())
            for reviewer_id, *urls in self.session.execute(sample):
                for url in urls:
                    host = f"host:{_host(url or '')}"
                    if host in hosts and reviewer_id in slugs:
                        known.setdefault(host, slugs[reviewer_id])
        return known

    def _verdict(self, review: Review, claim: dict[str, Any], reviewer: str | None) -> None:
        if review.our_rating is not None:  # as our own export read it, whatever the vocabulary says now
            rating = review.our_rating
        else:
            reading = self.ratings.read(review.label)
            if not reading.understood:
                self.unread.append(review.label)
            rating = reading.rating
        verdict = {
            "rating": rating.value,
            "textual_rating": None if review.own else review.label,
            "rationale": review.body,
            "reviewer": reviewer,
            "review_url": review.url,
            "reviewed_on": review.date,
            **(
                {}
                if review.own
                else dict(zip(("rating_value", "best_rating", "worst_rating"), review.values, strict=True))
            ),
        }
        verdict = {key: value for key, value in verdict.items() if value is not None}
        if verdict not in claim["verdicts"]:  # the same review twice in a file counts once
            claim["verdicts"].append(verdict)


def _url_slug(url: str) -> str:
    return slugify(url.split("://", 1)[-1])


class _Sources:
    """Sources named by a file's reviews, keyed by URL (or title, for works without one); URLs the
    database has keep their source."""

    def __init__(self, session: Session, reviews: list[Review]) -> None:
        self.session = session
        urls = {work.url for r in reviews for work in [*r.appearances, r.first] if work and work.url}
        urls |= {r.url for r in reviews if r.url}
        ordered = sorted(urls)
        self.known: dict[str, str] = {}
        for start in range(0, len(ordered), _CHUNK):
            rows = session.execute(
                select(Source.url, Source.slug).where(Source.url.in_(ordered[start : start + _CHUNK]))
            )
            self.known.update((url, slug) for url, slug in rows if url)
        # The slugs new URLs would take, looked up together: one query per chunk, not per source.
        wanted = sorted({_url_slug(url) for url in urls if url not in self.known})
        self.taken: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            self.taken.update(session.scalars(select(Source.slug).where(Source.slug.in_(chunk))))
        self.looked_up = set(wanted)
        self.by_key: dict[str, dict[str, Any]] = {}
        self.slugs: set[str] = set()

    def add(self, work: Work, language: str | None = None) -> str:
        key = work.url or f"title:{work.title}|{work.publisher}|{work.date}"
        if key in self.by_key:
            record = self.by_key[key]
            for name, value in (("archive_url", work.archive_url), ("published_on", work.date)):
                if value and not record.get(name):
                    record[name] = value
            return str(record["slug"])
        if work.url and work.url in self.known:
            slug = self.known[work.url]
        elif not work.url and (found := self._without_url(work)):
            slug = found
        else:
            slug = self._free_slug(_url_slug(work.url) if work.url else slugify(work.title or ""))
        record = {
            "slug": slug,
            "title": work.title or work.url,
            "kind": "article" if work.article else "webpage",
            "publisher": work.publisher,
            "authors": work.authors,
            "url": work.url,
            "archive_url": work.archive_url,
            "published_on": work.date,
            "language": language,
        }
        self.by_key[key] = {name: value for name, value in record.items() if value not in (None, [])}
        self.slugs.add(slug)
        return slug

    def _without_url(self, work: Work) -> str | None:
        """The database's source for a work named only by its title, publisher and date."""
        query = select(Source.slug).where(
            Source.url.is_(None),
            Source.title == work.title,
            Source.publisher.is_(None) if work.publisher is None else Source.publisher == work.publisher,
            Source.published_on.is_(None) if work.date is None else Source.published_on == work.date,
        )
        return self.session.scalars(query.order_by(Source.id).limit(1)).first()

    def _free_slug(self, base: str) -> str:
        """`base`, numbered when another URL (one differing only in case, say) has it already."""
        slug, number = base, 2
        while slug in self.slugs or self._taken(slug):
            slug, number = f"{base}-{number}", number + 1
        return slug

    def _taken(self, slug: str) -> bool:
        if slug in self.looked_up:
            return slug in self.taken
        return self.session.scalar(select(Source.id).where(Source.slug == slug)) is not None

    def records(self) -> list[dict[str, Any]]:
        return list(self.by_key.values())


# --- reading: the entry points ------------------------------------------------------------------


@dataclass
class ReadReviews:
    """A file's records, and what the reading found worth saying (labels not understood)."""

    records: dict[str, list[Record]]
    unread_labels: list[str]
    aliases_not_added: list[str]


def read_json_file(path: Path) -> Any:
    from ..services.articles import read_text_file
    from .parsing import parse_json

    try:
        text = read_text_file(path)  # a UTF-8 byte-order mark is dropped
    except FactcheckError as error:
        raise InvalidInput(f"{path.name}: {error}") from None
    return parse_json(text, path.name)


def read_claimreview(session: Session, path: Path, ratings: RatingReader | None = None) -> ReadReviews:
    """A ClaimReview file (any of the shapes above) as dataset records, checked in full."""
    problems = Problems(path.name)
    reader = JsonLdReader(read_json_file(path), problems)
    reviews = list(reader.reviews())
    return build_records(session, path.name, reviews, ratings, problems)


def build_records(
    session: Session, file: str, reviews: list[Review], ratings: RatingReader | None, problems: Problems
) -> ReadReviews:
    builder = RecordBuilder(session, file, ratings or RatingReader(), problems)
    problems.raise_any()
    records = builder.build(reviews)
    return ReadReviews(records, builder.unread, builder.aliases_not_added)
