"""schema.org ClaimReview: writing our verdicts as JSON-LD, and reading fact-checkers' reviews
(JSON-LD as published on their pages, or the JSON of Google's Fact Check Tools claims:search API)
into claims, claimants, review pages and verdicts.

A reviewer's own label (alternateName, textualRating) is kept as the verdict's textual rating;
our rating is read from that label. Numeric ratingValue scales differ between outlets, so they
are kept only as data."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..errors import InvalidInput
from ..models import Claim, Rating, Source, Verdict
from ..services.claims import current_verdicts
from ..services.common import slugify
from .parsing import read_json
from .records import SECTIONS, Record, add_records, check_shape, describe

BEST, WORST = 5, 1

# Fact-checkers' labels, most specific first ("mostly false" before "false").
LABELS: list[tuple[tuple[str, ...], Rating]] = [
    (("mostly false", "mostly-false", "largely false", "mainly false"), Rating.MOSTLY_FALSE),
    (("mostly true", "mostly-true", "mostly correct", "largely true", "largely accurate"), Rating.MOSTLY_TRUE),
    (("half true", "half-true", "mixed", "mixture", "partly", "partially", "half right"), Rating.MIXED),
    (("misleading", "missing context", "out of context", "distort", "exaggerat", "cherry", "spin"), Rating.MISLEADING),
    (
        ("unproven", "unsupported", "unverified", "no evidence", "not enough", "unclear", "undetermined"),
        Rating.UNPROVEN,
    ),
    (
        ("pants on fire", "false", "fake", "incorrect", "wrong", "hoax", "fabricated", "not true", "baseless"),
        Rating.FALSE,
    ),
    (("true", "correct", "accurate", "right"), Rating.TRUE),
]


def rating_from_label(label: str | None) -> Rating:
    """Our rating for a reviewer's label; a label we cannot read is `unproven` (the label is kept)."""
    text = (label or "").strip().lower()
    for words, rating in LABELS:
        if any(word in text for word in words):
            return rating
    return Rating.UNPROVEN


# --- writing ------------------------------------------------------------------------------------


def export_claimreview(session: Session) -> list[dict[str, Any]]:
    """One ClaimReview per rated claim and reviewer (that reviewer's newest verdict)."""
    claims = session.scalars(
        select(Claim)
        .where(Claim.id.in_(select(Verdict.claim_id)))
        .options(
            joinedload(Claim.claimant),
            joinedload(Claim.stated_in),
            selectinload(Claim.appearances),
            selectinload(Claim.verdicts).joinedload(Verdict.reviewer),
        )
        .order_by(Claim.id)
    ).all()
    return [_review(claim, verdict) for claim in claims for verdict in reversed(current_verdicts(claim.verdicts))]


def _work(source: Source) -> dict[str, Any]:
    work = {"@type": "CreativeWork", "name": source.title, "url": source.url, "datePublished": source.published_on}
    return {key: value for key, value in work.items() if value}


def _review(claim: Claim, verdict: Verdict) -> dict[str, Any]:
    item: dict[str, Any] = {"@type": "Claim"}
    if claim.claimant:
        kind = "Person" if claim.claimant.kind.value == "person" else "Organization"
        item["author"] = {"@type": kind, "name": claim.claimant.name}
    if claim.stated_on:
        item["datePublished"] = claim.stated_on
    appearances = [source for source in [claim.stated_in, *claim.appearances] if source]
    if appearances:
        item["appearance"] = [_work(source) for source in dict.fromkeys(appearances)]
    rating: dict[str, Any] = {
        "@type": "Rating",
        "bestRating": BEST,
        "worstRating": WORST,
        "alternateName": verdict.textual_rating or verdict.rating.value,
    }
    if verdict.rating.rating_value is not None:
        rating["ratingValue"] = verdict.rating.rating_value
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim.text,
        "itemReviewed": item,
        "reviewRating": rating,
        "author": {"@type": "Organization", "name": verdict.reviewer.name if verdict.reviewer else "factcheck"},
        "datePublished": verdict.reviewed_on or verdict.created_at.date().isoformat(),
    }
    if verdict.review_url:
        review["url"] = verdict.review_url
    if verdict.rationale:
        review["reviewBody"] = verdict.rationale
    return review


# --- reading ------------------------------------------------------------------------------------


def read_claimreview(session: Session, path: Path) -> dict[str, list[Record]]:
    """A ClaimReview file as dataset records: a single object, a list, an @graph, or a Fact Check
    Tools API response (`claims[].claimReview[]`)."""
    document = read_json(path)
    builder = _Builder(session, path.name)
    if isinstance(document, dict) and isinstance(document.get("claims"), list):
        for number, claim in enumerate(document["claims"]):
            builder.api_claim(number, claim)
    else:
        items = document.get("@graph", document) if isinstance(document, dict) else document
        items = items if isinstance(items, list) else [items]
        reviews = [item for item in items if isinstance(item, dict) and item.get("@type") == "ClaimReview"]
        if not reviews:
            raise InvalidInput(f"{path.name}: no ClaimReview found (expected JSON-LD or a Fact Check Tools response)")
        for number, review in enumerate(reviews):
            builder.json_ld(number, review)
    return builder.records()


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class _Builder:
    """Collects actors, sources and claims (with verdicts) from reviews, reusing what the
    database has (a source is found by its URL), so that importing twice adds nothing."""

    def __init__(self, session: Session, file: str) -> None:
        self.file = file
        self.where = ""
        self.urls = dict(session.execute(select(Source.url, Source.slug).where(Source.url.is_not(None))).all())
        self.actors: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, dict[str, Any]] = {}
        self.claims: dict[str, dict[str, Any]] = {}

    def records(self) -> dict[str, list[Record]]:
        document = {
            "actors": list(self.actors.values()),
            "sources": list(self.sources.values()),
            "claims": list(self.claims.values()),
        }
        return add_records({section: [] for section in SECTIONS}, document, self.file)

    def fail(self, problem: str) -> InvalidInput:
        return InvalidInput(f"{self.file}: {self.where}: {problem}")

    def text(self, value: Any, field: str) -> str | None:
        """A field that should hold text; numbers are read as text, as publishers write them."""
        if value is None or isinstance(value, str):
            return value.strip() or None if value else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise self.fail(f"{field} is {describe(value)}: expected text")

    def name(self, value: Any, field: str) -> str | None:
        """A name given as text, as {"name": ...}, or as a list of those (the first one)."""
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            value = value.get("name")
        return self.text(value, f"{field} name")

    def _actor(self, name: str | None, kind: str) -> str | None:
        if not name:
            return None
        slug = slugify(name)
        self.actors.setdefault(slug, {"slug": slug, "name": name, "kind": kind})
        return slug

    def _source(self, url: Any, title: str | None, publisher: str | None, date: Any) -> str | None:
        url = self.text(url, "url")
        if not url:
            return None
        slug = self.urls.get(url) or slugify(url.split("://", 1)[-1])
        self.urls[url] = slug
        self.sources.setdefault(
            slug,
            {
                "slug": slug,
                "title": title or url,
                "kind": "article",
                "publisher": publisher,
                "url": url,
                "published_on": _date(date),
            },
        )
        return slug

    def _claim(self, text: Any, claimant: str | None, date: Any, appearances: list[str]) -> dict[str, Any]:
        if not isinstance(text, str) or not text.strip():
            raise self.fail("missing required field 'claimReviewed' (the claim's text)")
        text = " ".join(text.split())
        # The text names the claim: the same claim reviewed twice, or imported twice, is one claim.
        slug = f"{slugify(text)[:70]}-{hashlib.sha1(text.encode()).hexdigest()[:6]}"
        claim = self.claims.setdefault(
            slug,
            {
                "slug": slug,
                "text": text,
                "claimant": claimant,
                "stated_on": _date(date),
                "appearances": [],
                "verdicts": [],
            },
        )
        claim["appearances"] = sorted(set(claim["appearances"]) | set(appearances))
        return claim

    def _verdict(
        self,
        claim: dict[str, Any],
        label: str | None,
        reviewer: str | None,
        url: Any,
        date: Any,
        title: str | None,
        values: tuple[Any, Any, Any],
    ) -> None:
        if not label:
            raise self.fail("missing the rating label (alternateName or textualRating)")
        verdict = {
            "rating": rating_from_label(label).value,
            "textual_rating": label,
            "rationale": title or f"Rated “{label}”" + (f" by {self.actors[reviewer]['name']}" if reviewer else ""),
            "reviewer": reviewer,
            "review_url": self.text(url, "url"),
            "reviewed_on": _date(date),
            "rating_value": values[0],
            "best_rating": values[1],
            "worst_rating": values[2],
        }
        verdict = {key: value for key, value in verdict.items() if value is not None}
        check_shape(Record(self.file, f"{self.where} verdict", 0, verdict), "verdicts")
        if verdict not in claim["verdicts"]:
            claim["verdicts"].append(verdict)

    def json_ld(self, number: int, review: dict[str, Any]) -> None:
        self.where = f"ClaimReview #{number + 1}"
        item = _mapping(review.get("itemReviewed"))
        author = item.get("author")
        claimant = self._actor(
            self.name(author, "claimant"),
            "person" if isinstance(author, dict) and author.get("@type") == "Person" else "organisation",
        )
        appearances = item.get("appearance") or []
        appearances = appearances if isinstance(appearances, list) else [appearances]
        appearance_slugs = [
            self._source(
                a.get("url"),
                self.text(a.get("headline") or a.get("name"), "appearance headline"),
                self.name(a.get("author"), "appearance author"),
                a.get("datePublished"),
            )
            for a in appearances
            if isinstance(a, dict)
        ]
        claim = self._claim(
            review.get("claimReviewed"),
            claimant,
            item.get("datePublished"),
            [slug for slug in appearance_slugs if slug],
        )
        reviewer = self._actor(self.name(review.get("author"), "author"), "outlet")
        headline = self.text(review.get("headline") or review.get("name"), "headline")
        page = self._source(
            review.get("url"), headline, self.name(review.get("author"), "author"), review.get("datePublished")
        )
        if page:
            claim["appearances"] = sorted(set(claim["appearances"]) | {page})
        rating = _mapping(review.get("reviewRating"))
        self._verdict(
            claim,
            self.name(rating.get("alternateName"), "rating") or self.text(rating.get("name"), "rating name"),
            reviewer,
            review.get("url"),
            review.get("datePublished"),
            headline or self.text(review.get("reviewBody"), "reviewBody"),
            (rating.get("ratingValue"), rating.get("bestRating"), rating.get("worstRating")),
        )

    def api_claim(self, number: int, item: Any) -> None:
        self.where = f"claims[{number}]"
        if not isinstance(item, dict):
            raise self.fail(f"expected an object, not {describe(item)}")
        claimant = self._actor(self.text(item.get("claimant"), "claimant"), "person")
        reviews = item.get("claimReview") or []
        if not isinstance(reviews, list) or not reviews:
            raise self.fail("missing required field 'claimReview'")
        claim = self._claim(item.get("text"), claimant, item.get("claimDate"), [])
        for index, review in enumerate(reviews):
            self.where = f"claims[{number}].claimReview[{index}]"
            if not isinstance(review, dict):
                raise self.fail(f"expected an object, not {describe(review)}")
            publisher = review.get("publisher")
            publisher_name = self.name(publisher, "publisher")
            site = self.text(publisher.get("site"), "publisher site") if isinstance(publisher, dict) else None
            reviewer = self._actor(publisher_name or site, "outlet")
            title = self.text(review.get("title"), "title")
            page = self._source(review.get("url"), title, publisher_name, review.get("reviewDate"))
            if page:
                claim["appearances"] = sorted(set(claim["appearances"]) | {page})
            self._verdict(
                claim,
                self.text(review.get("textualRating"), "textualRating"),
                reviewer,
                review.get("url"),
                review.get("reviewDate"),
                title,
                (None, None, None),
            )


def _date(value: Any) -> Any:
    """Dates as the reviews give them (ISO timestamps included), to be checked when loaded."""
    if not isinstance(value, str):
        return value  # the loader says what is wrong with it
    text = value.strip()
    return text[:10] if len(text) > 10 and text[4] == "-" else text or None
