"""Where the desk's work on claims stands, as a claim's dossier shows it (services/desk.py changes it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Actor, Claim, Correction, Publication
from .views import DeskView


def member_slugs(session: Session, actor_ids: Iterable[int | None]) -> dict[int, str]:
    """The slugs of these actors (the desk members claims are assigned to), by id: one query."""
    wanted = {actor_id for actor_id in actor_ids if actor_id is not None}
    return dict(session.execute(select(Actor.id, Actor.slug).where(Actor.id.in_(wanted))).all()) if wanted else {}


def desk_views(session: Session, claims: Sequence[Claim]) -> dict[int, DeskView]:
    """Each claim's status, assignee, publication and corrections, in three queries for them all."""
    ids = [claim.id for claim in claims]
    names = member_slugs(session, [claim.assignee_id for claim in claims])
    latest = (
        select(func.max(Publication.id)).where(Publication.claim_id.in_(ids)).group_by(Publication.claim_id)
    ).scalar_subquery()
    publications = {p.claim_id: p for p in session.scalars(select(Publication).where(Publication.id.in_(latest)))}
    corrections: dict[int, list[dict[str, Any]]] = {claim_id: [] for claim_id in ids}
    for correction in session.scalars(
        select(Correction).where(Correction.claim_id.in_(ids)).order_by(Correction.claim_id, Correction.number)
    ):
        corrections[correction.claim_id].append(
            {
                "number": correction.number,
                "at": correction.at.isoformat(),
                "by": correction.by,
                "note": correction.note,
                "changed": correction.changed,
            }
        )
    views: dict[int, DeskView] = {}
    for claim in claims:
        publication = publications.get(claim.id)
        views[claim.id] = {
            "status": claim.status,
            "status_note": claim.status_note,
            "assignee": names.get(claim.assignee_id) if claim.assignee_id is not None else None,
            "published": None if publication is None else _publication_view(publication),
            "corrections": corrections[claim.id],
        }
    return views


def _publication_view(publication: Publication) -> dict[str, Any]:
    return {
        "number": publication.number,
        "at": publication.published_at.isoformat(),
        "by": publication.published_by,
        "unpublished_at": publication.unpublished_at.isoformat() if publication.unpublished_at else None,
        "unpublished_by": publication.unpublished_by,
        "unpublish_reason": publication.unpublish_reason,
    }
