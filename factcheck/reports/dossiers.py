"""What `report --all` renders, read a page at a time: every claim's dossier with its argument map,
every source's page, and the index's rows, each page in a few queries whatever its size, and
nothing of a page kept once the next is read. The output is what render_claim, render_source and
the per-claim services give, claim by claim (tests/test_report_pages.py holds them to it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload

from ..models import Claim, Source, Tag, claim_tags
from ..services.claims import DOSSIER, claim_dossiers, list_claims
from ..services.common import in_id_blocks
from ..services.sources import source_view, source_views
from . import diagrams, source_context

PAGE = 500  # claims read at once: their queries stay few, their objects few


def claim_pages(session: Session, size: int = PAGE) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(slug, dossier, mermaid diagram) of every claim in id order, as show_claim and
    claim_graph give them one at a time."""
    for claims in in_id_blocks(session, Claim, size, *DOSSIER):
        drawn = diagrams(session, [(claim.id, claim.slug, claim.text) for claim in claims])
        for claim, dossier in zip(claims, claim_dossiers(session, claims), strict=True):
            yield claim.slug, dossier, drawn[claim.id]


def source_pages(session: Session) -> Iterator[dict[str, Any]]:
    """What source.md.j2 is given for every source in id order, as render_source gives it."""
    for view, texts in source_views(session):
        yield source_context(view, texts)


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
