"""Revisions: every insert, update and delete of a tracked row is recorded in the same transaction."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from sqlalchemy import DateTime, Row, inspect, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapper, Session, selectinload

from ..errors import Conflict, InvalidInput, NotFound
from ..limits import MAX_ID
from ..models import (
    Actor,
    AppearanceSentence,
    Claim,
    ClaimLink,
    Correction,
    Event,
    Evidence,
    Publication,
    Revision,
    RevisionAction,
    Source,
    Tag,
    Verdict,
)
from ..revisions import TRACKED
from .common import as_id, nameable, suggest
from .vectors import matching_texts, refresh_reviewed, store_vectors
from .views import RevisionView


def revision_view(revision: Revision | Row[Any]) -> RevisionView:
    return {
        "id": revision.id,
        "entity": revision.entity,
        "entity_id": revision.entity_id,
        "action": revision.action.value,
        "changes": _in_model_order(revision.entity, revision.changes),
        "at": revision.at.isoformat(),
        "by": revision.by,
        "db_user": revision.db_user,  # PostgreSQL's user that wrote it (None on SQLite)
        "batch": revision.batch,
    }


def _in_model_order(entity: str, changes: dict[str, Any]) -> dict[str, Any]:
    """A revision's fields in the order of its model's columns, then its collections, whichever
    wrote it (PostgreSQL's triggers record them in the server's order)."""
    ranked = _model_order(entity)
    if ranked is None or not isinstance(changes, dict):
        return changes
    return dict(sorted(changes.items(), key=lambda item: ranked.get(item[0], len(ranked))))


@cache  # one a tracked model
def _model_order(entity: str) -> dict[str, int] | None:
    """Each field's place in its model (columns, then collections); None for an unknown entity."""
    mapper = _MAPPERS.get(entity)
    if mapper is None:
        return None
    order = [
        *(column.key for column in mapper.column_attrs),
        *(r.key for r in mapper.relationships if r.secondary is not None),
    ]
    return {key: place for place, key in enumerate(order)}


def _subject(session: Session, ref: str) -> tuple[str, int, str]:
    """(entity, id, slug) of the claim or source `ref` names, even a deleted one."""

    key = as_id(ref)
    if not nameable(ref):
        raise NotFound(f"no claim or source {ref!r}, now or deleted")
    for model in (Claim, Source):
        if key is not None and key > MAX_ID:
            break
        column = model.slug if key is None else model.id
        row = session.execute(select(model.id, model.slug).where(column == (ref if key is None else key))).first()
        if row:
            return model.__tablename__, row[0], row[1]
    if key is None or key <= MAX_ID:  # a deleted one, by its old slug or id
        found = Revision.changes["slug"].as_string() == ref if key is None else Revision.entity_id == key
        deleted = session.scalars(
            select(Revision)
            .where(Revision.action == RevisionAction.DELETE, Revision.entity.in_(("claims", "sources")), found)
            .order_by(Revision.id.desc())
        ).first()
        if deleted:
            return deleted.entity, deleted.entity_id, deleted.changes.get("slug") or ref
    raise NotFound(f"no claim or source {ref!r}, now or deleted{suggest(session, Claim, ref)}")


def list_history(session: Session, ref: str | None = None, *, limit: int = 100) -> dict[str, Any]:
    """The newest revisions: of everything, or of one claim or source and the evidence, links and
    verdicts that belong to it (deleted ones included)."""
    query = select(Revision).order_by(Revision.id.desc()).limit(limit)
    subject = None
    if ref is not None:
        entity, entity_id, slug = _subject(session, str(ref).strip())
        subject = {"entity": entity, "id": entity_id, "slug": slug}
        if entity == "claims":
            own = or_(Revision.claim_id == entity_id, Revision.linked_claim_id == entity_id)
        else:
            own = Revision.source_id == entity_id
        query = query.where(own)
    return {"subject": subject, "revisions": [revision_view(r) for r in session.scalars(query)]}


def histories(
    session: Session, entity: str, subjects: dict[int, str], *, limit: int = 100
) -> dict[int, dict[str, Any]]:
    """list_history of each of a block of claims or sources (`entity`, their slugs by id), in one
    query: each one's newest `limit` revisions, numbered by a window over the revisions it owns."""
    from sqlalchemy import func, union

    ids = list(subjects)
    if entity == "claims":
        owned = union(
            select(Revision.id.label("revision_id"), Revision.claim_id.label("owner")).where(
                Revision.claim_id.in_(ids)
            ),
            select(Revision.id, Revision.linked_claim_id).where(Revision.linked_claim_id.in_(ids)),
        ).subquery()
    else:
        owned = (
            select(Revision.id.label("revision_id"), Revision.source_id.label("owner"))
            .where(Revision.source_id.in_(ids))
            .subquery()
        )
    place = func.row_number().over(partition_by=owned.c.owner, order_by=owned.c.revision_id.desc())
    numbered = select(owned.c.revision_id, owned.c.owner, place.label("place")).subquery()
    found: dict[int, list[RevisionView]] = {subject: [] for subject in ids}
    # Columns, not Revision objects: the rows are only read, and a block's are many.
    fields = [getattr(Revision, column.key).label(column.key) for column in Revision.__table__.columns]
    for row in session.execute(
        select(numbered.c.owner.label("owner"), *fields)
        .join(Revision, Revision.id == numbered.c.revision_id)
        .where(numbered.c.place <= limit)
        .order_by(numbered.c.owner, Revision.id.desc())
    ):
        found[row.owner].append(revision_view(row))
    return {
        subject: {"subject": {"entity": entity, "id": subject, "slug": slug}, "revisions": found[subject]}
        for subject, slug in subjects.items()
    }


# --- restoring ----------------------------------------------------------------------------------

_MODELS: dict[str, Any] = {
    "claims": Claim,
    "sources": Source,
    "evidence": Evidence,
    "claim_links": ClaimLink,
    "verdicts": Verdict,
    "events": Event,
    "appearance_sentences": AppearanceSentence,
    "publications": Publication,
    "corrections": Correction,
}
_MAPPERS: dict[str, Mapper[Any]] = {model.__tablename__: inspect(model) for model in TRACKED}


# Rows deleted with a claim or source, restored after it (the order foreign keys need).
_DEPENDENTS = ("evidence", "claim_links", "verdicts", "appearance_sentences", "publications", "corrections")
# Where each foreign key column of a restored row points.
_POINTS_TO = {
    "claim_id": "claims",
    "from_claim_id": "claims",
    "to_claim_id": "claims",
    "source_id": "sources",
    "stated_in_id": "sources",
    "republishes_id": "sources",
    "claimant_id": "actors",
    "speaker_id": "actors",
    "reviewer_id": "actors",
    "assignee_id": "actors",
    "publication_id": "publications",
}
_COLLECTIONS_POINT_TO = {"appearances": "sources", "tags": "tags", "sources": "sources"}


def restore(session: Session, revision_id: int) -> dict[str, Any]:
    """Bring back a deleted claim or source from the revision that deleted it, with everything
    deleted in the same transaction (evidence, links, verdicts) and the references to it that were
    cleared. All of it comes back, with the same ids, or nothing does: a row it needs that is gone
    is named ("restore source 3 first"). Returns what was restored."""

    revision = session.get(Revision, revision_id) if 0 < revision_id <= MAX_ID else None
    if revision is None:
        raise NotFound(f"no revision {revision_id}: see `factcheck history`")
    if revision.action is not RevisionAction.DELETE or revision.entity not in ("claims", "sources"):
        raise InvalidInput(
            f"revision {revision_id} is an {revision.action.value} of {revision.entity}: "
            "restore takes a revision that deleted a claim or a source"
        )
    noun = revision.entity[:-1]
    if session.get(_MODELS[revision.entity], revision.entity_id) is not None:
        raise Conflict(f"{noun} {revision.entity_id} exists: it was restored already")
    slug = revision.changes.get("slug")
    model = _MODELS[revision.entity]
    if session.scalar(select(model.id).where(model.slug == slug)) is not None:
        raise Conflict(f"the slug {slug!r} is taken by a newer {noun}: rename that one first")

    together = (
        session.scalars(
            select(Revision).where(Revision.batch == revision.batch, Revision.id != revision.id).order_by(Revision.id)
        ).all()
        if revision.batch
        else []
    )
    dependents = sorted(
        (r for r in together if r.action is RevisionAction.DELETE and r.entity in _DEPENDENTS),
        key=lambda r: _DEPENDENTS.index(r.entity),  # a publication before its corrections
    )
    coming_back = {(revision.entity, revision.entity_id)} | {(r.entity, r.entity_id) for r in dependents}
    for deletion in [revision, *dependents]:
        if session.get(_MODELS[deletion.entity], deletion.entity_id) is not None:
            raise Conflict(
                f"cannot restore revision {revision_id}: {deletion.entity} {deletion.entity_id}, deleted with the "
                f"{noun}, exists again; nothing was restored"
            )
        _require_targets(session, deletion, coming_back, revision_id)

    restored = {revision.entity: [_recreate(session, model, revision.changes)]}
    session.flush()
    try:
        for deletion in dependents:
            if deletion.entity == "corrections":  # after their publications: no relationship orders them
                session.flush()
            restored.setdefault(deletion.entity, []).append(
                _recreate(session, _MODELS[deletion.entity], deletion.changes)
            )
        for other in together:
            if other.action is RevisionAction.UPDATE and other.entity in ("claims", "sources", "events"):
                _relink(session, other, revision, restored)
        session.flush()
    except IntegrityError as error:  # a unique rule: a link or slug made again since
        raise Conflict(
            f"cannot restore revision {revision_id}: a row made since holds its place "
            f"({error.orig}); nothing was restored"
        ) from None

    store_vectors(session, matching_texts(session, restored.get("claims", [])))  # made again
    urls = session.scalars(select(Source.url).where(Source.id.in_(restored.get("sources", [])))).all()
    refresh_reviewed(session, list(urls))  # a review's page is back: its title is a claim's headline again
    return {kind: sorted(ids) for kind, ids in restored.items()}


def _require_targets(session: Session, deletion: Revision, coming_back: set[tuple[str, int]], revision_id: int) -> None:
    """Refuse, naming it, when a row this deletion's row points to is gone and is not coming back with it."""

    changes = deletion.changes
    targets = [(_POINTS_TO[field], value) for field, value in changes.items() if field in _POINTS_TO and value]
    for field, target in _COLLECTIONS_POINT_TO.items():  # a claim's tags and appearances
        targets += [(target, value) for value in changes.get(field) or []]
    for entity, entity_id in targets:
        if (entity, entity_id) in coming_back:
            continue
        target_model = {"actors": Actor, "tags": Tag, **_MODELS}[entity]
        if session.get(target_model, entity_id) is not None:
            continue
        deleted_by = session.scalar(
            select(Revision.id)
            .where(Revision.entity == entity, Revision.entity_id == entity_id, Revision.action == RevisionAction.DELETE)
            .order_by(Revision.id.desc())
            .limit(1)
        )
        hint = (
            f": `factcheck restore {deleted_by}`" if deleted_by is not None and entity in ("claims", "sources") else ""
        )
        raise Conflict(
            f"cannot restore revision {revision_id}: {deletion.entity} {deletion.entity_id} needs "
            f"{entity[:-1]} {entity_id}, which was deleted since; restore {entity[:-1]} {entity_id} first{hint}"
        )


def _relink(session: Session, update: Revision, deletion: Revision, restored: dict[str, list[int]]) -> None:
    """Undo what a deletion did to the rows that referred to the deleted one: a claim's
    stated_in or a copy's republishes set to None, a claim's appearances or an event's sources
    with the deleted source removed."""
    model = _MODELS[update.entity]
    collections = [field for field, change in update.changes.items() if isinstance(change, dict)]
    row = session.get(model, update.entity_id, options=[selectinload(getattr(model, field)) for field in collections])
    if row is None:
        return
    for field, change in update.changes.items():
        if isinstance(change, list) and change[1] is None and change[0] == deletion.entity_id and field.endswith("_id"):
            setattr(row, field, change[0])
        elif (
            isinstance(change, dict)
            and _COLLECTIONS_POINT_TO.get(field) == deletion.entity  # a claim's tags are not sources
            and deletion.entity_id in change.get("removed", [])
        ):
            getattr(row, field).append(session.get(_MODELS[deletion.entity], deletion.entity_id))
        else:
            continue
        restored.setdefault(f"{update.entity} references", []).append(row.id)


def _recreate(session: Session, model: Any, changes: dict[str, Any]) -> int:
    """A row as a revision recorded it: same id, columns and many-to-many collections."""
    mapper = inspect(model)
    row = model()
    for column in mapper.column_attrs:
        if column.key not in changes:
            continue
        value = changes[column.key]
        column_type = column.columns[0].type
        if value is not None and getattr(column_type, "enum_class", None):
            value = column_type.enum_class(value)
        elif value is not None and isinstance(column_type, DateTime):
            value = dt.datetime.fromisoformat(value)
        setattr(row, column.key, value)
    for relationship in mapper.relationships:
        if relationship.secondary is not None and changes.get(relationship.key):
            target = relationship.mapper.class_
            found = session.scalars(select(target).where(target.id.in_(changes[relationship.key]))).all()
            setattr(row, relationship.key, list(found))
    session.add(row)
    return row.id
