"""What the report pages, the web view and the static site read beyond the per-claim services, a
page at a time where they read everything: every claim's dossier with the graph of its neighbours,
every source's page, the index's rows; a source's archived text with its quotes' places; the events
a claim's sources record. Each page of rows costs a few queries whatever its size, and nothing of a
page is kept once the next is read; the output is what the per-claim services give, claim by claim
(tests/test_report_pages.py holds them to it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, undefer

from ..models import Claim, ClaimLink, Event, Evidence, Source, Tag, claim_tags, event_sources
from .claim_lists import list_claims
from .claims import DOSSIER, claim_dossiers
from .common import get, in_id_blocks
from .graphs import ClaimGraph, GraphClaim, GraphLink
from .sources import show_source, source_view
from .views import Dossier

PAGE = 500  # claims read at once: their queries stay few, their objects few


def claim_pages(session: Session, size: int = PAGE) -> Iterator[tuple[str, Dossier, ClaimGraph]]:
    """(slug, dossier, the graph of the claim and its linked claims) of every claim in id order,
    as show_claim and claim_graph(claims=[slug]) give them one at a time."""
    for claims in in_id_blocks(session, Claim, size, *DOSSIER):
        graphs = neighbourhoods(session, [(claim.id, claim.slug, claim.text) for claim in claims])
        for claim, dossier in zip(claims, claim_dossiers(session, claims), strict=True):
            yield claim.slug, dossier, graphs[claim.id]


def index_groups(session: Session) -> Iterator[dict[str, Any]]:
    """The index's groups: claims by tag (a claim stands under each of its tags), then the untagged
    ones, each group's rows from list_claims (which reads them a page at a time)."""
    for slug, name in session.execute(
        select(Tag.slug, Tag.name).where(exists().where(claim_tags.c.tag_id == Tag.id)).order_by(Tag.name)
    ).all():
        yield {"name": name, "claims": list_claims(session, tag=slug)}
    untagged = Claim.id.not_in(select(claim_tags.c.claim_id))
    if session.scalar(select(exists().where(untagged))):
        yield {"name": "Untagged", "claims": list_claims(session, untagged=True)}


def source_list(session: Session, size: int = PAGE) -> Iterator[dict[str, Any]]:
    """list_sources' rows, in its order (date, undated last), a page at a time."""
    ids = select(Source.id).order_by(Source.published_on.is_(None), Source.published_on, Source.id)
    for page in session.scalars(ids.execution_options(yield_per=size)).partitions():
        found = {
            source.id: source
            for source in session.scalars(
                select(Source).where(Source.id.in_(page)).options(joinedload(Source.republishes))
            )
        }
        for source_id in page:
            yield source_view(found[source_id])  # type: ignore[misc]
        session.expunge_all()


def neighbourhoods(session: Session, claims: list[tuple[int, str, str]]) -> dict[int, ClaimGraph]:
    """Each of `claims`' (id, slug, text) graph of itself and the claims linked to it, as
    claim_graph(claims=[it]) gives it for its picture: the claims in id order and the links that
    touch it in link order; all in one query, for report --all."""
    first, second = aliased(Claim), aliased(Claim)
    ids = [claim_id for claim_id, _slug, _text in claims]
    rows = session.execute(
        select(
            ClaimLink.relation, ClaimLink.note, first.id, first.slug, first.text, second.id, second.slug, second.text
        )
        .join(first, first.id == ClaimLink.from_claim_id)
        .join(second, second.id == ClaimLink.to_claim_id)
        .where(or_(ClaimLink.from_claim_id.in_(ids), ClaimLink.to_claim_id.in_(ids)))
        .order_by(ClaimLink.id)
    )
    links: dict[int, list[GraphLink]] = defaultdict(list)
    neighbours: dict[int, dict[int, GraphClaim]] = defaultdict(dict)
    for relation, note, from_id, from_slug, from_text, to_id, to_slug, to_text in rows:
        link = GraphLink(from_slug, relation.value, to_slug, note)
        ends = {from_id: GraphClaim(from_slug, from_text), to_id: GraphClaim(to_slug, to_text)}
        for end in ends:
            links[end].append(link)
            neighbours[end].update(ends)
    graphs: dict[int, ClaimGraph] = {}
    for claim_id, slug, text in claims:
        around = neighbours[claim_id] or {claim_id: GraphClaim(slug, text)}
        graphs[claim_id] = ClaimGraph([around[key] for key in sorted(around)], links[claim_id])
    return graphs


def source_page(session: Session, ref: str | int) -> tuple[dict[str, Any], dict[str, str]]:
    """A source's view (show_source) and the text of each claim its quotes bear on, by slug."""
    view = show_source(session, ref)
    claims = {evidence["claim"] for evidence in view["evidence"]}
    return view, dict(session.execute(select(Claim.slug, Claim.text).where(Claim.slug.in_(claims))).all())


def archived_text(session: Session, ref: str | int) -> tuple[str | None, dict[int, tuple[int, int]]]:
    """A source's archived text and, for each of its quotes anchored in it, (start, end)."""
    source = get(session, Source, ref, options=(undefer(Source.text),))
    rows = session.execute(
        select(Evidence.id, Evidence.start_offset, Evidence.end_offset).where(
            Evidence.source_id == source.id, Evidence.start_offset.is_not(None), Evidence.end_offset.is_not(None)
        )
    )
    offsets = {evidence_id: (start, end) for evidence_id, start, end in rows if start is not None and end is not None}
    return source.text, offsets


def cited_sources(dossier: Dossier) -> list[str]:
    """The slugs of the sources a claim's evidence quotes."""
    return sorted({row["source"]["slug"] for rows in dossier["evidence"].values() for row in rows})


def events_by_source(session: Session, source_slugs: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The dated events each of these sources records, by source slug (one query for them all)."""
    slugs = sorted(set(source_slugs))
    found: dict[str, list[dict[str, Any]]] = {}
    if not slugs:
        return found
    rows = session.execute(
        select(Source.slug, Event.id, Event.slug, Event.title, Event.description, Event.occurred_on)
        .join(event_sources, event_sources.c.source_id == Source.id)
        .join(Event, Event.id == event_sources.c.event_id)
        .where(Source.slug.in_(slugs), Event.occurred_on.is_not(None))
    )
    for source_slug, event_id, slug, title, description, occurred_on in rows:
        event = {"id": event_id, "slug": slug, "title": title, "description": description, "occurred_on": occurred_on}
        found.setdefault(source_slug, []).append(event)
    return found


def events_for_sources(
    session: Session, source_slugs: list[str], known: dict[str, list[dict[str, Any]]] | None = None
) -> list[dict[str, Any]]:
    """The dated events that any of these sources records, oldest first (ties by id); `known`,
    events_by_source of these sources or more, when read already (a block of claims at once)."""
    by_source = events_by_source(session, source_slugs) if known is None else known
    events = {event["id"]: event for slug in source_slugs for event in by_source.get(slug, [])}
    ordered = sorted(events.values(), key=lambda event: (event["occurred_on"], event["id"]))
    return [{key: value for key, value in event.items() if key != "id"} for event in ordered]
