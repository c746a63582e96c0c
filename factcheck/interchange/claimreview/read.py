"""ClaimReview in, first half: finding the reviews in a file's shapes (an object, a list, an
``@graph`` with ``@id`` references, feeds, claims:search) and reading each into a Review; the
format is described in reviews.py, and build.py makes the records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ...errors import FactcheckError, InvalidInput
from ...limits import MAX_ARCHIVED_TEXT, MAX_TEXT
from ...models import Rating, Relation
from ...services.articles import read_text_file
from ..dataset.records import Record, describe
from ..formats import Batches
from ..parsing import parse_json
from .build import ReadReviews, build_records
from .feeds import feed_items, in_batches
from .ratings import RatingReader, rating_reader
from .reviews import (
    BEST,
    INVERSE_TERMS,
    LINK_TERMS,
    NAMESPACE,
    OUR_RATING,
    WORST,
    Fields,
    Party,
    Problems,
    Review,
    Work,
    schema_types,
)

_ARTICLE_TYPES = {"Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting"}


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
            body=fields.text(_uncorrected(node) or rating.get("ratingExplanation"), "reviewBody", MAX_TEXT),
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

    def reviews_at(self, where: str) -> Iterator[Review]:
        """The reviews of a document that is one item (at `where`) of a large file's list (see
        feeds.py); an item holding none is no problem."""
        for position, item in self._walk(self.document, [where]):
            if item is not None:
                review = self._json_ld(position, item)
                if review is not None:
                    yield review

    def _api(self, claims: list[Any], start: int = 1) -> Iterator[Review]:
        """claims:search: claims[].claimReview[] with publisher, textualRating, languageCode, reviewDate."""
        for number, claim in enumerate(claims, start=start):
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


def read_json_file(path: Path) -> Any:

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


def read_file(
    session: Session, path: Path, rating_map: Path | None
) -> tuple[dict[str, list[Record]] | Batches, list[str]]:
    """`factcheck import --format claimreview`: the records, and what the reading has to say. A
    file too large to read whole (over MAX_ARCHIVED_TEXT bytes) is read item by item and loaded a
    batch at a time (see feeds.py): its reviews are the items of its list, each item's @id
    references followed within the item."""
    ratings = rating_reader(rating_map)
    if path.stat().st_size <= MAX_ARCHIVED_TEXT:
        read = read_claimreview(session, path, ratings)
        return read.records, read.notes()
    problems, notes = Problems(path.name), list[str]()
    return Batches(in_batches(session, path.name, _listed_reviews(path, problems), ratings, problems, notes)), notes


def _listed_reviews(path: Path, problems: Problems) -> Iterator[Review]:
    """The reviews of each item of a large file's list (feeds.feed_items), as `reviews` finds them."""
    found = 0
    for prefix, number, item in feed_items(path):
        if prefix == "claims.item":  # a claims:search response
            reviews = JsonLdReader(item, problems)._api([item], start=number)
        else:
            where = " ".join(filter(None, [prefix.removesuffix("item").removesuffix("."), f"#{number}"]))
            if not isinstance(item, dict | list):
                problems.add(where, f"{describe(item)}: expected a ClaimReview object")
                continue
            reviews = JsonLdReader(item, problems).reviews_at(where)
        for review in reviews:
            found += 1
            yield review
    if not found and not problems.found:
        raise InvalidInput(f"{path.name}: no ClaimReview found in its list")


def _uncorrected(node: dict[str, Any]) -> Any:
    """A review's body without the corrections factcheck's export tells after it (write.py), when
    the review lists them as schema.org `correction`s: the verdict's rationale as it was written."""
    from .write import corrections_told

    body, listed = node.get("reviewBody"), node.get("correction")
    if not isinstance(body, str) or not isinstance(listed, list):
        return body
    told = corrections_told([(str(c.get("datePublished")), str(c.get("text"))) for c in listed if isinstance(c, dict)])
    if told and body == told:
        return None
    return body.removesuffix("\n\n" + told) if told else body
