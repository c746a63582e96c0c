"""ClaimReview out: each rated claim's reviews as schema.org ClaimReview JSON-LD (the format is
described in claimreview.py)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import ActorKind, Claim, ClaimLink, Source, Verdict
from .claimreview import BEST, CHUNK, CLAIM_ID, CONTEXT, INVERSE_NAMES, LINK_TERMS, OUR_RATING, STATED_CLAIMANT, WORST


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
    for start in range(0, len(ordered), CHUNK):
        for source in session.scalars(select(Source).where(Source.url.in_(ordered[start : start + CHUNK]))):
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
