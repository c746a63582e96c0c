"""Claims, the links between them (counterclaims), and verdicts."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..errors import Conflict, InvalidInput, Remedy
from ..limits import MAX_NAME
from ..models import (
    PUBLISHED_STATUS,
    Actor,
    AppearanceSentence,
    Claim,
    ClaimLink,
    Correction,
    Evidence,
    Publication,
    Relation,
    Revision,
    Source,
    Stance,
    Tag,
    Verdict,
)
from .actors import actor_view
from .claim_lists import stance_counts
from .common import get, required_text, slugify, unique_slug
from .desk_views import desk_views
from .evidence import event_date, evidence_view
from .fields import CLAIM, LINK, checked_verdict
from .scan import appearance_said, repeated_since
from .similar import duplicates_of
from .sources import source_view
from .vectors import matching_texts, store_vectors
from .views import ClaimView, DeskView, Dossier, EvidenceView, LastChange, RelatedClaim, VerdictView


def claim_view(claim: Claim) -> ClaimView:
    return {
        "id": claim.id,
        "slug": claim.slug,
        "text": claim.text,
        "language": claim.language,
        "claimant": actor_view(claim.claimant),
        "stated_on": claim.stated_on,
        "stated_in": source_view(claim.stated_in, brief=True),
        "appearances": [view for source in claim.appearances if (view := source_view(source, brief=True))],
        "appearance_sentences": {s.source_id: appearance_said(s) for s in claim.appearance_sentences},
        "tags": sorted(tag.slug for tag in claim.tags),
        "note": claim.note,
    }


def verdict_view(verdict: Verdict) -> VerdictView:
    return {
        "id": verdict.id,
        "rating": verdict.rating.value,
        "textual_rating": verdict.textual_rating,
        "rationale": verdict.rationale,
        "reviewer": actor_view(verdict.reviewer),
        "review_url": verdict.review_url,
        "reviewed_on": verdict.reviewed_on,
        "recorded_at": verdict.created_at.isoformat(),
    }


_FULL = (
    joinedload(Claim.claimant),
    joinedload(Claim.stated_in),
    selectinload(Claim.appearances),
    selectinload(Claim.appearance_sentences),
    selectinload(Claim.tags),
)


def get_claim(session: Session, ref: str | int) -> Claim:
    return get(session, Claim, ref, options=_FULL)


def _tags(session: Session, names: list[str]) -> list[Tag]:
    """Tags by name or slug, created when new."""
    tags: dict[str, Tag] = {}
    for name in names:
        slug = slugify(required_text(name, CLAIM["tags"].label, MAX_NAME))  # a tag is a name, as in a dataset
        if slug in tags:
            continue
        tag = session.scalars(select(Tag).where(Tag.slug == slug)).one_or_none()
        if tag is None:
            tag = Tag(slug=slug, name=name.strip())
            session.add(tag)
        tags[slug] = tag
    return list(tags.values())


def add_claim(
    session: Session,
    text: str,
    *,
    claimant: str | int | None = None,
    stated_on: str | None = None,
    stated_in: str | int | None = None,
    appearances: list[str] | None = None,
    tags: list[str] | None = None,
    language: str | None = None,
    note: str | None = None,
    slug: str | None = None,
    force: bool = False,
) -> Claim:
    """Add a claim. A claim that says what an existing one says is refused unless `force`."""
    values = CLAIM.checked({"text": text, "stated_on": stated_on, "language": language, "note": note})
    text = values["text"]
    if not force:
        duplicates = duplicates_of(session, text)
        if duplicates:
            listed = ", ".join(f"{item['slug']} ({item['score']:g})" for item in duplicates)
            raise Conflict(
                f"similar claims exist already: {listed}; link to one of them, or add it anyway",
                remedy=Remedy.FORCE,
            )
    claim = Claim(
        slug=unique_slug(session, Claim, slug, text),
        claimant=get(session, Actor, claimant) if claimant else None,
        stated_in=get(session, Source, stated_in) if stated_in else None,
        appearances=[get(session, Source, ref) for ref in appearances or []],
        tags=_tags(session, tags or []),
        **values,
    )
    session.add(claim)
    session.flush()
    store_vectors(session, matching_texts(session, [claim.id]))  # same transaction: a claim never lacks its vector
    return claim


def edit_claim(
    session: Session,
    ref: str | int,
    *,
    text: str | None = None,
    slug: str | None = None,
    claimant: str | int | None = None,
    stated_on: str | None = None,
    stated_in: str | int | None = None,
    language: str | None = None,
    note: str | None = None,
    add_tags: list[str] | None = None,
    remove_tags: list[str] | None = None,
    add_appearances: list[str] | None = None,
) -> Claim:
    """Change what is given; None leaves a field as it is."""
    claim = get_claim(session, ref)
    if text is not None and CLAIM["text"].check(text) != claim.text:
        claim.text = CLAIM["text"].check(text)
        session.flush()
        store_vectors(session, matching_texts(session, [claim.id]))  # the vector follows the new wording
    if slug is not None:
        claim.slug = unique_slug(session, Claim, slug, claim.text)
    if claimant is not None:
        claim.claimant = get(session, Actor, claimant)
    if stated_on is not None:
        claim.stated_on = CLAIM["stated_on"].check(stated_on)
    if stated_in is not None:
        claim.stated_in = get(session, Source, stated_in)
    if language is not None:
        claim.language = CLAIM["language"].check(language)
    if note is not None:
        claim.note = CLAIM["note"].check(note)
    for tag in _tags(session, add_tags or []):
        if tag not in claim.tags:
            claim.tags.append(tag)
    for name in remove_tags or []:
        claim.tags = [tag for tag in claim.tags if tag.slug != slugify(name)]
    for ref_ in add_appearances or []:
        source = get(session, Source, ref_)
        if source not in claim.appearances:
            claim.appearances.append(source)
    session.flush()
    return claim


def claim_dependents(session: Session, claim: Claim) -> dict[str, int]:
    counts = {
        "evidence": session.scalar(select(func.count()).where(Evidence.claim_id == claim.id)),
        "links": session.scalar(
            select(func.count()).where(or_(ClaimLink.from_claim_id == claim.id, ClaimLink.to_claim_id == claim.id))
        ),
        "verdicts": session.scalar(select(func.count()).where(Verdict.claim_id == claim.id)),
        "publications": session.scalar(select(func.count()).where(Publication.claim_id == claim.id)),
    }
    return {what: count for what, count in counts.items() if count}


def delete_claim(session: Session, ref: str | int, *, cascade: bool = False) -> dict[str, int]:
    """Delete a claim; with evidence, links or verdicts, only when `cascade` (they go with it)."""
    claim = get_claim(session, ref)
    if claim.status == PUBLISHED_STATUS:
        raise Conflict(f"claim {claim.slug} is published: unpublish it (with the reason) before deleting it")
    found = claim_dependents(session, claim)
    if found and not cascade:
        listed = ", ".join(f"{count} {what}" for what, count in found.items())
        raise Conflict(f"claim {claim.slug!r} has {listed}: delete them with it", remedy=Remedy.CASCADE)
    # One by one, so that each deletion goes into the history.
    for model, condition in (
        (Evidence, Evidence.claim_id == claim.id),
        (ClaimLink, or_(ClaimLink.from_claim_id == claim.id, ClaimLink.to_claim_id == claim.id)),
        (Verdict, Verdict.claim_id == claim.id),
        (AppearanceSentence, AppearanceSentence.claim_id == claim.id),
        (Correction, Correction.claim_id == claim.id),
        (Publication, Publication.claim_id == claim.id),
    ):
        for row in session.scalars(select(model).where(condition)):
            session.delete(row)
    session.delete(claim)
    session.flush()
    return found


def check_link(from_id: int, to_id: int, slug: str | None = None) -> None:
    """The rule every link between claims obeys, added one by one or loaded in bulk: a claim is
    not linked to itself. `slug` names the claim in the message."""
    if from_id == to_id:
        raise InvalidInput("a claim cannot be linked to itself" + (f" ({slug!r})" if slug else ""))


def link_claims(
    session: Session, ref: str | int, relation: str, other_ref: str | int, *, note: str | None = None
) -> ClaimLink:
    """Record that claim `ref` <relation> claim `other_ref` (e.g. a counterclaim rebuts a claim)."""
    kind = LINK["relation"].check(relation)
    claim, other = get(session, Claim, ref), get(session, Claim, other_ref)
    check_link(claim.id, other.id, claim.slug)
    existing = session.scalar(
        select(ClaimLink.id).where(
            ClaimLink.from_claim_id == claim.id, ClaimLink.to_claim_id == other.id, ClaimLink.relation == kind
        )
    )
    if existing is not None:
        raise Conflict(f"{claim.slug!r} {kind.value} {other.slug!r} is recorded already (link {existing})")
    link = ClaimLink(from_claim_id=claim.id, to_claim_id=other.id, relation=kind, note=LINK["note"].check(note))
    session.add(link)
    session.flush()
    return link


def rate_claim(
    session: Session,
    ref: str | int,
    rating: str,
    *,
    rationale: str | None,
    reviewer: str | int | None = None,
    textual_rating: str | None = None,
    review_url: str | None = None,
    reviewed_on: str | None = None,
) -> Verdict:
    """Add a verdict. Verdicts are append-only: the previous ones stay, as history."""
    claim = get(session, Claim, ref)
    given = {
        "rating": rating,
        "rationale": rationale,
        "textual_rating": textual_rating,
        "reviewer": reviewer,
        "review_url": review_url,
        "reviewed_on": reviewed_on,
    }
    verdict = Verdict(
        claim_id=claim.id, reviewer=get(session, Actor, reviewer) if reviewer else None, **checked_verdict(given)
    )
    session.add(verdict)
    session.flush()
    if verdict.review_url and session.scalar(select(Source.id).where(Source.url == verdict.review_url)):
        store_vectors(session, matching_texts(session, [claim.id]))  # the review's headline is matched too
    return verdict


def current_verdicts(verdicts: list[Verdict]) -> list[Verdict]:
    """Each reviewer's newest verdict, newest first."""
    newest: dict[int | None, Verdict] = {}
    for verdict in sorted(verdicts, key=lambda v: v.id):
        newest[verdict.reviewer_id] = verdict
    return sorted(newest.values(), key=lambda v: v.id, reverse=True)


# What a dossier reads of a claim: its evidence with their sources and speakers, its verdicts.
DOSSIER = (
    *_FULL,
    selectinload(Claim.evidence).options(
        joinedload(Evidence.source).joinedload(Source.republishes), joinedload(Evidence.speaker)
    ),
    selectinload(Claim.verdicts).joinedload(Verdict.reviewer),
)


def show_claim(session: Session, ref: str | int) -> Dossier:
    """Everything about a claim in one document: verdicts, evidence by stance, counterclaims
    (suggestions.show_claim adds the claims that may say the same and are not linked to it).

    Runs a fixed number of queries whatever the amount of evidence."""
    return claim_dossiers(session, [get(session, Claim, ref, options=DOSSIER)])[0]


def claim_dossiers(session: Session, claims: list[Claim]) -> list[Dossier]:
    """show_claim's document for each of `claims` (loaded with the DOSSIER options), in a fixed
    number of queries for them all, so that a report of every claim reads them a page at a time."""
    ids = [claim.id for claim in claims]
    links = session.scalars(
        select(ClaimLink)
        .where(or_(ClaimLink.from_claim_id.in_(ids), ClaimLink.to_claim_id.in_(ids)))
        .options(
            joinedload(ClaimLink.from_claim).joinedload(Claim.claimant),
            joinedload(ClaimLink.to_claim).joinedload(Claim.claimant),
        )
        .order_by(ClaimLink.id)
    ).all()
    by_claim: dict[int, list[ClaimLink]] = defaultdict(list)
    for link in links:
        for end in {link.from_claim_id, link.to_claim_id}:
            by_claim[end].append(link)
    counts = stance_counts(session, sorted(by_claim))
    newest = (
        select(func.max(Revision.id))
        .where(Revision.entity == "claims", Revision.entity_id.in_(ids))
        .group_by(Revision.entity_id)
    )
    last_changes = {row.entity_id: row for row in session.scalars(select(Revision).where(Revision.id.in_(newest)))}
    desk = desk_views(session, claims)
    return [_dossier(claim, by_claim[claim.id], counts, last_changes.get(claim.id), desk[claim.id]) for claim in claims]


def _dossier(
    claim: Claim, links: list[ClaimLink], counts: dict[int, dict[str, int]], last: Revision | None, desk: DeskView
) -> Dossier:
    evidence: dict[str, list[EvidenceView]] = {stance.value: [] for stance in Stance}
    for row in sorted(claim.evidence, key=lambda e: (event_date(e.source), e.id)):
        evidence[row.stance.value].append(evidence_view(row))

    related: dict[str, list[RelatedClaim]] = {relation.value: [] for relation in Relation}
    for link in links:
        outgoing = link.from_claim_id == claim.id
        other = link.to_claim if outgoing else link.from_claim
        related[link.relation.value].append(
            {
                "link_id": link.id,
                "direction": "outgoing" if outgoing else "incoming",
                # Read as a sentence: "<this claim> rebuts <other>" or "<other> rebuts <this claim>".
                "reads": f"{'this claim' if outgoing else other.slug} {link.relation.value} "
                f"{other.slug if outgoing else 'this claim'}",
                "slug": other.slug,
                "text": other.text,
                "claimant": other.claimant.name if other.claimant else None,
                "stated_on": other.stated_on,
                "note": link.note,
                "evidence_counts": counts[other.id],
            }
        )
    verdicts = sorted(claim.verdicts, key=lambda v: v.id, reverse=True)
    current = current_verdicts(verdicts)
    return {
        "claim": claim_view(claim),
        "verdict": verdict_view(current[0]) if current else None,
        "current_verdicts": [verdict_view(v) for v in current],
        "verdict_history": [verdict_view(v) for v in verdicts],
        "evidence": evidence,
        "evidence_counts": {stance: len(rows) for stance, rows in evidence.items()},
        "counterclaims": related.pop(Relation.REBUTS.value),
        "related": related,
        "last_change": LastChange(action=last.action.value, at=last.at.isoformat(), by=last.by) if last else None,
        "repeated_since_verdict": repeated_since(claim.appearances, current[0]) if current else None,
        "desk": desk,
    }
