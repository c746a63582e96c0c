"""People, organisations and states that make claims or are quoted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Actor, ActorKind, Claim, Evidence
from .common import choice, get, unique_slug
from .fields import ACTOR
from .views import ActorView


def actor_view(actor: Actor | None) -> ActorView | None:
    if actor is None:
        return None
    return {
        "id": actor.id,
        "slug": actor.slug,
        "name": actor.name,
        "kind": actor.kind.value,
        "role": actor.role,
        "aliases": list(actor.aliases or []),
    }


def add_actor(
    session: Session,
    name: str,
    *,
    kind: str = "person",
    role: str | None = None,
    aliases: list[str] | None = None,
    slug: str | None = None,
) -> Actor:
    values = ACTOR.checked({"name": name, "kind": kind, "role": role, "aliases": aliases})
    actor = Actor(slug=unique_slug(session, Actor, slug, values["name"]), **values)
    session.add(actor)
    session.flush()
    return actor


def get_actor(session: Session, ref: str | int) -> Actor:
    return get(session, Actor, ref)


def list_actors(session: Session, *, kind: str | None = None) -> list[dict[str, Any]]:
    query = select(Actor).order_by(Actor.name)
    if kind:
        query = query.where(Actor.kind == choice(ActorKind, kind, "actor kind"))
    return [actor_view(actor) for actor in session.scalars(query)]  # type: ignore[misc]


def show_actor(session: Session, ref: str | int) -> dict[str, Any]:
    """An actor with the claims they made and how often they are quoted."""
    actor = get_actor(session, ref)
    claims = session.execute(
        select(Claim.slug, Claim.text, Claim.stated_on)
        .where(Claim.claimant_id == actor.id)
        .order_by(Claim.stated_on, Claim.id)
    ).all()
    quoted = session.scalar(select(func.count()).where(Evidence.speaker_id == actor.id))
    view: dict[str, Any] = dict(actor_view(actor) or {})
    view["claims"] = [{"slug": slug, "text": text, "stated_on": on} for slug, text, on in claims]
    view["quoted_in_evidence"] = quoted
    return view
