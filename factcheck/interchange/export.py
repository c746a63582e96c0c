"""Writing the database (or some of its claims) as a dataset: the sections and fields that the
loader reads, as YAML or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..models import Actor, Claim, ClaimLink, Event, Evidence, Source, Tag, Verdict, claim_tags
from ..services.common import slugify


def chosen_claim_ids(session: Session, claims: Iterable[str | int] | None, tags: Iterable[str] | None) -> set[int]:
    """The ids of the claims a subset export names: by id or slug (`--claim`), or by tag (`--tag`)."""
    from ..services.common import get

    wanted = {get(session, Claim, ref).id for ref in claims or []}
    tag_slugs = [slugify(tag) for tag in tags or []]
    if tag_slugs:
        wanted |= set(
            session.scalars(
                select(claim_tags.c.claim_id).join(Tag, Tag.id == claim_tags.c.tag_id).where(Tag.slug.in_(tag_slugs))
            )
        )
    return wanted


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """Drop empty fields, so that exported files read like hand-written ones."""
    return {key: value for key, value in record.items() if value not in (None, "", [])}


def export_dataset(
    session: Session, *, claims: Iterable[str] | None = None, tags: Iterable[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The database (or the given claims and tagged claims, with everything they reference) as a
    dataset: the same sections and fields that `load_dataset` reads."""
    from sqlalchemy.orm import joinedload, selectinload

    subset = claims is not None or tags is not None
    query = (
        select(Claim)
        .order_by(Claim.id)
        .options(
            joinedload(Claim.claimant),
            joinedload(Claim.stated_in),
            selectinload(Claim.tags),
            selectinload(Claim.appearances),
            selectinload(Claim.evidence).options(joinedload(Evidence.source), joinedload(Evidence.speaker)),
            selectinload(Claim.verdicts).joinedload(Verdict.reviewer),
        )
    )
    if subset:
        wanted = chosen_claim_ids(session, claims, tags)
        query = query.where(Claim.id.in_(wanted))
    claim_rows = session.scalars(query).all()
    claim_ids = {claim.id for claim in claim_rows}

    actor_ids: set[int] = set()
    source_ids: set[int] = set()
    for claim in claim_rows:
        actors = [claim.claimant_id, *(e.speaker_id for e in claim.evidence), *(v.reviewer_id for v in claim.verdicts)]
        sources = [claim.stated_in_id, *(s.id for s in claim.appearances), *(e.source_id for e in claim.evidence)]
        actor_ids.update(id_ for id_ in actors if id_ is not None)
        source_ids.update(id_ for id_ in sources if id_ is not None)

    source_query = select(Source).options(joinedload(Source.republishes), _undefer_text()).order_by(Source.id)
    actor_query = select(Actor).order_by(Actor.id)
    if subset:
        pairs = session.execute(select(Source.id, Source.republishes_id).where(Source.republishes_id.is_not(None)))
        originals: dict[int, int] = {copy: first for copy, first in pairs if first is not None}
        frontier = set(source_ids)
        while frontier:  # originals of republications, and their originals
            frontier = {originals[i] for i in frontier if i in originals} - source_ids
            source_ids |= frontier
        source_query = source_query.where(Source.id.in_(source_ids))  # only these texts are read
        actor_query = actor_query.where(Actor.id.in_(actor_ids))
    sources_out = session.scalars(source_query).all()
    actors_out = session.scalars(actor_query).all()

    links = session.scalars(
        select(ClaimLink)
        .options(joinedload(ClaimLink.from_claim), joinedload(ClaimLink.to_claim))
        .order_by(ClaimLink.id)
    ).all()
    events = session.scalars(select(Event).options(selectinload(Event.sources)).order_by(Event.id)).all()
    kept_sources = {source.id for source in sources_out}
    return {
        "actors": [
            _compact(
                {"slug": a.slug, "name": a.name, "kind": a.kind.value, "role": a.role, "aliases": list(a.aliases or [])}
            )
            for a in actors_out
        ],
        "sources": [_source_record(source) for source in sources_out],
        "claims": [_claim_record(claim) for claim in claim_rows],
        "links": [
            _compact(
                {
                    "from": link.from_claim.slug,
                    "relation": link.relation.value,
                    "to": link.to_claim.slug,
                    "note": link.note,
                }
            )
            for link in links
            if link.from_claim_id in claim_ids and link.to_claim_id in claim_ids
        ],
        "events": [
            _compact(
                {
                    "slug": event.slug,
                    "title": event.title,
                    "description": event.description,
                    "occurred_on": event.occurred_on,
                    "sources": sorted(s.slug for s in event.sources),
                }
            )
            for event in events
            if not subset or {s.id for s in event.sources} <= kept_sources
        ],
    }


def _undefer_text() -> Any:
    from sqlalchemy.orm import undefer

    return undefer(Source.text)


def _source_record(source: Source) -> dict[str, Any]:
    return _compact(
        {
            "slug": source.slug,
            "title": source.title,
            "kind": source.kind.value,
            "publisher": source.publisher,
            "authors": list(source.authors or []),
            "url": source.url,
            "archive_url": source.archive_url,
            "published_on": source.published_on,
            "accessed_on": source.accessed_on,
            "language": source.language,
            "republishes": source.republishes.slug if source.republishes else None,
            "note": source.note,
            "text": source.text,
        }
    )


def _claim_record(claim: Claim) -> dict[str, Any]:
    return _compact(
        {
            "slug": claim.slug,
            "text": claim.text,
            "claimant": claim.claimant.slug if claim.claimant else None,
            "stated_on": claim.stated_on,
            "stated_in": claim.stated_in.slug if claim.stated_in else None,
            "appearances": sorted(source.slug for source in claim.appearances),
            "tags": sorted(tag.name for tag in claim.tags),
            "language": claim.language,
            "note": claim.note,
            "evidence": [
                _compact(
                    {
                        "source": e.source.slug,
                        "stance": e.stance.value,
                        "quote": e.quote,
                        "prefix": e.prefix,
                        "suffix": e.suffix,
                        "speaker": e.speaker.slug if e.speaker else None,
                        "locator": e.locator,
                        "note": e.note,
                    }
                )
                for e in sorted(claim.evidence, key=lambda e: e.id)
            ],
            "verdicts": [
                _compact(
                    {
                        "rating": v.rating.value,
                        "rationale": v.rationale,
                        "textual_rating": v.textual_rating,
                        "reviewer": v.reviewer.slug if v.reviewer else None,
                        "review_url": v.review_url,
                        "reviewed_on": v.reviewed_on,
                        "rating_value": v.rating_value,
                        "best_rating": v.best_rating,
                        "worst_rating": v.worst_rating,
                    }
                )
                for v in sorted(claim.verdicts, key=lambda v: v.id)
            ],
        }
    )


def dump(document: dict[str, Any], format: str) -> str:
    """A dataset as YAML or JSON text."""
    if format == "json":
        return to_json(document)
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: much faster
    return yaml.dump(document, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)


def to_json(document: Any) -> str:
    """JSON text; NaN and infinities, which JSON does not have, are refused rather than written."""
    try:
        return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    except ValueError:
        raise InvalidInput(
            "the data holds a number that JSON cannot write (NaN or infinity): correct it, or export as YAML"
        ) from None
