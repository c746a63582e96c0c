"""ClaimReview out: each rated claim's reviews as schema.org ClaimReview JSON-LD (the format is
described in reviews.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ...jsontext import json_list
from ...models import ActorKind, Claim, ClaimLink, Correction, Source, Verdict
from .reviews import BEST, CHUNK, CLAIM_ID, CONTEXT, INVERSE_NAMES, LINK_TERMS, OUR_RATING, STATED_CLAIMANT, WORST


class _Other(NamedTuple):
    """The claim at a link's other end, as a review names it."""

    slug: str
    text: str


def export_claimreview(session: Session, claim_ids: Iterable[int] | None = None) -> Iterator[dict[str, Any]]:
    """One ClaimReview per rated claim and review: each reviewer's newest verdict per review page
    (an outlet's reviews of one claim in two languages are two reviews), ordered by claim slug;
    of every claim, or of those with `claim_ids`. Claims are read a page at a time."""
    query = (
        select(Claim)
        .where(Claim.id.in_(select(Verdict.claim_id)))
        .options(
            joinedload(Claim.claimant),
            joinedload(Claim.stated_in),
            selectinload(Claim.appearances),
            selectinload(Claim.verdicts).joinedload(Verdict.reviewer),
        )
        .order_by(Claim.slug)
        .limit(CHUNK)
    )
    if claim_ids is not None:
        query = query.where(Claim.id.in_(list(claim_ids)))
    last = ""
    while claims := session.scalars(query.where(Claim.slug > last)).unique().all():
        links = _links(session, [claim.id for claim in claims])
        pages = _review_pages(session, {v.review_url for c in claims for v in c.verdicts if v.review_url})
        corrections = _corrections(session, [claim.id for claim in claims])
        for claim in claims:
            item = _claim_item(claim, links.get(claim.id, []))
            for verdict in _exported_verdicts(claim.verdicts):
                review = _review(claim, item, verdict, pages.get(verdict.review_url or ""))
                yield _corrected(review, corrections.get(claim.id, []))
        last = claims[-1].slug


def _links(session: Session, claim_ids: list[int]) -> dict[int, list[tuple[str, _Other]]]:
    """The links of these claims, each with the claim at its other end. Each link is written on both
    of its claims: forward on the one it starts from, inverse on the other; a reader keeps one of
    each pair."""
    links: dict[int, list[tuple[str, _Other]]] = {}
    for own, other, names in (
        (ClaimLink.from_claim_id, ClaimLink.to_claim_id, LINK_TERMS),
        (ClaimLink.to_claim_id, ClaimLink.from_claim_id, INVERSE_NAMES),
    ):
        rows = session.execute(
            select(own, ClaimLink.relation, Claim.slug, Claim.text)
            .join(Claim, Claim.id == other)
            .where(own.in_(claim_ids))
        )
        for claim_id, relation, slug, text in rows:
            links.setdefault(claim_id, []).append((names[relation], _Other(slug, text)))
    return links


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


def _claim_item(claim: Claim, links: list[tuple[str, _Other]]) -> dict[str, Any]:
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


def _corrections(session: Session, claim_ids: list[int]) -> dict[int, list[Correction]]:
    found: dict[int, list[Correction]] = {}
    for correction in session.scalars(
        select(Correction).where(Correction.claim_id.in_(claim_ids)).order_by(Correction.claim_id, Correction.number)
    ):
        found.setdefault(correction.claim_id, []).append(correction)
    return found


def _corrected(review: dict[str, Any], corrections: list[Correction]) -> dict[str, Any]:
    """A review of a claim corrected since it was published: modified on the day of the newest
    correction, each correction told in its text and as schema.org's `correction`."""
    if not corrections:
        return review
    review["dateModified"] = corrections[-1].at.date().isoformat()
    told = corrections_told([(c.at.date().isoformat(), c.note) for c in corrections])
    review["reviewBody"] = f"{review['reviewBody']}\n\n{told}" if review.get("reviewBody") else told
    review["correction"] = [
        {"@type": "CorrectionComment", "text": c.note, "datePublished": c.at.date().isoformat()} for c in corrections
    ]
    return review


def corrections_told(corrections: list[tuple[str, str]]) -> str:
    """The corrections (day, note) as a review's text tells them after its body; reading a review
    takes them off again (read.py), so that the verdict read back is the one written."""
    return "\n\n".join(f"Corrected on {day}: {note}" for day, note in corrections)


def _site(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme in ("http", "https") and parts.netloc else None


def write_file(
    session: Session, *, claims: Iterable[str] | None = None, tags: Iterable[str] | None = None
) -> Iterator[str]:
    """`factcheck export --format claimreview`: a JSON list of every claim's reviews, as it is read."""
    return json_list(export_claimreview(session))


def reviews_by_claim(session: Session, claim_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The ClaimReview JSON-LD of these claims, by claim id, exactly as `factcheck export --format
    claimreview` writes it: a few small queries, whatever the size of the database."""
    rows = session.execute(select(Claim.slug, Claim.id).where(Claim.id.in_(claim_ids)))
    ids = {slug: claim_id for slug, claim_id in rows}
    reviews: dict[int, list[dict[str, Any]]] = {claim_id: [] for claim_id in claim_ids}
    for review in export_claimreview(session, claim_ids):
        reviews[ids[review["itemReviewed"]["@id"].removeprefix(CLAIM_ID)]].append(review)
    return reviews
