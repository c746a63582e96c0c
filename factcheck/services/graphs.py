"""The claim graph that the argument-map formats draw: claims with their current verdicts, tags and
evidence, and the links between them. One function gathers it (for the whole database, or some
claims with every claim they link to); Argdown, AIF, DOT and the reports' mermaid pictures each
render it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..models import Claim, ClaimLink, Evidence, Tag, Verdict, claim_tags
from .claims import current_verdicts
from .common import get, slugify

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .views import VerdictView


@dataclass(frozen=True)
class GraphVerdict:
    rating: str
    label: str | None  # the reviewer's own wording (textual_rating)
    reviewer: str | None  # the reviewer's slug
    reviewer_name: str | None
    reviewed_on: str | None


@dataclass(frozen=True)
class GraphEvidence:
    id: int
    stance: str
    quote: str
    quote_status: str
    source: str  # the source's slug
    source_title: str
    speaker: str | None  # the speaker's slug
    speaker_name: str | None
    locator: str | None


@dataclass
class GraphClaim:
    slug: str
    text: str
    tags: list[str] = field(default_factory=list)
    claimant: str | None = None  # the claimant's slug
    claimant_name: str | None = None
    stated_on: str | None = None
    verdicts: list[GraphVerdict] = field(default_factory=list)  # each reviewer's current verdict
    evidence: list[GraphEvidence] = field(default_factory=list)


@dataclass(frozen=True)
class GraphLink:
    source: str  # the slug of the claim the link goes from: `source` rebuts/supports/... `target`
    relation: str
    target: str
    note: str | None = None


@dataclass
class ClaimGraph:
    claims: list[GraphClaim]
    links: list[GraphLink]

    def claim(self, slug: str) -> GraphClaim:
        return next(claim for claim in self.claims if claim.slug == slug)


def chosen_claim_ids(session: Session, claims: Iterable[str | int] | None, tags: Iterable[str] | None) -> set[int]:
    """The ids of the claims a subset export names: by id or slug (`--claim`), or by tag (`--tag`)."""
    from sqlalchemy import select

    wanted = {get(session, Claim, ref).id for ref in claims or []}
    tag_slugs = [slugify(tag) for tag in tags or []]
    if tag_slugs:
        wanted |= set(
            session.scalars(
                select(claim_tags.c.claim_id).join(Tag, Tag.id == claim_tags.c.tag_id).where(Tag.slug.in_(tag_slugs))
            )
        )
    return wanted


def claim_graph(
    session: Session,
    *,
    claims: Iterable[str | int] | None = None,
    tags: Iterable[str] | None = None,
    neighbours: bool = True,
) -> ClaimGraph:
    """The claim graph of the database; with `claims` or `tags`, of those claims and (when
    `neighbours`) every claim linked to them, with the links among all of these. A few queries,
    whatever the size."""
    from sqlalchemy import or_, select
    from sqlalchemy.orm import joinedload, selectinload

    wanted: set[int] | None = None
    if claims is not None or tags is not None:
        wanted = chosen_claim_ids(session, claims, tags)
    link_query = select(ClaimLink).order_by(ClaimLink.id)
    if wanted is not None:
        link_query = link_query.where(or_(ClaimLink.from_claim_id.in_(wanted), ClaimLink.to_claim_id.in_(wanted)))
    links = session.scalars(link_query).all()
    if wanted is not None and neighbours:
        wanted |= {link.from_claim_id for link in links} | {link.to_claim_id for link in links}

    query = (
        select(Claim)
        .order_by(Claim.id)
        .options(
            joinedload(Claim.claimant),
            selectinload(Claim.tags),
            selectinload(Claim.evidence).options(joinedload(Evidence.source), joinedload(Evidence.speaker)),
            selectinload(Claim.verdicts).joinedload(Verdict.reviewer),
        )
    )
    if wanted is not None:
        query = query.where(Claim.id.in_(wanted))
    rows = session.scalars(query).all()
    slugs = {claim.id: claim.slug for claim in rows}
    graph_claims = [
        GraphClaim(
            slug=claim.slug,
            text=claim.text,
            tags=sorted(tag.name for tag in claim.tags),
            claimant=claim.claimant.slug if claim.claimant else None,
            claimant_name=claim.claimant.name if claim.claimant else None,
            stated_on=claim.stated_on,
            verdicts=[
                GraphVerdict(
                    rating=v.rating.value,
                    label=v.textual_rating,
                    reviewer=v.reviewer.slug if v.reviewer else None,
                    reviewer_name=v.reviewer.name if v.reviewer else None,
                    reviewed_on=v.reviewed_on,
                )
                for v in sorted(current_verdicts(list(claim.verdicts)), key=lambda v: v.id)
            ],
            evidence=[
                GraphEvidence(
                    id=e.id,
                    stance=e.stance.value,
                    quote=e.quote,
                    quote_status=e.quote_status.value,
                    source=e.source.slug,
                    source_title=e.source.title,
                    speaker=e.speaker.slug if e.speaker else None,
                    speaker_name=e.speaker.name if e.speaker else None,
                    locator=e.locator,
                )
                for e in sorted(claim.evidence, key=lambda e: e.id)
            ],
        )
        for claim in rows
    ]
    graph_links = [
        GraphLink(slugs[link.from_claim_id], link.relation.value, slugs[link.to_claim_id], link.note)
        for link in links
        if link.from_claim_id in slugs and link.to_claim_id in slugs
    ]
    return ClaimGraph(graph_claims, graph_links)


def verdict_summary(verdicts: Iterable[VerdictView]) -> str | None:
    """Each reviewer's current verdict side by side, saying whether they agree:
    "2 reviewers disagree: false (AFP), mixed (PolitiFact)". `verdicts` are verdict views (dicts
    with `rating` and `reviewer`), listed by reviewer's name; None when there is none."""
    rows = sorted(
        verdicts, key=lambda v: (v["reviewer"] is None, v["reviewer"]["name"].lower() if v["reviewer"] else "")
    )
    if not rows:
        return None
    parts = [f"{v['rating']} ({v['reviewer']['name'] if v['reviewer'] else 'no reviewer named'})" for v in rows]
    if len(rows) == 1:
        return f"1 reviewer: {parts[0]}"
    agree = "agree" if len({v["rating"] for v in rows}) == 1 else "disagree"
    return f"{len(rows)} reviewers {agree}: {', '.join(parts)}"
