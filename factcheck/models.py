"""The ORM: every table of factcheck, and the vocabularies as Enums stored as constrained strings."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .columns import PartialDate as PartialDate
from .columns import Timestamped as Timestamped
from .columns import UtcDateTime as UtcDateTime
from .columns import normalise_dates_on_assignment, vocabulary
from .columns import utcnow as utcnow

# Named constraints let Alembic's batch mode drop and recreate them on SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# SQLite would hand a deleted row's id to the next row; the history refers to ids, so never reuse one.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- vocabularies -------------------------------------------------------------------------------


class Stance(enum.StrEnum):
    """How a piece of evidence bears on a claim (after FEVER, FNC-1 and RumourEval)."""

    SUPPORTS = "supports"
    REFUTES = "refutes"
    QUALIFIES = "qualifies"  # true only in part, or limits the claim's scope
    CONTEXT = "context"  # bears on it without taking a side


class Relation(enum.StrEnum):
    """How one claim bears on another; directed from → to."""

    REBUTS = "rebuts"
    SUPPORTS = "supports"
    QUALIFIES = "qualifies"
    DUPLICATES = "duplicates"


class Rating(enum.StrEnum):
    """A verdict, with its ClaimReview ratingValue (1..5) and the ClaimsKG normalised class."""

    TRUE = "true"
    MOSTLY_TRUE = "mostly-true"
    MIXED = "mixed"
    MISLEADING = "misleading"
    MOSTLY_FALSE = "mostly-false"
    FALSE = "false"
    UNPROVEN = "unproven"

    @property
    def rating_value(self) -> int | None:
        return _RATING_VALUE[self]

    @property
    def normalised(self) -> str:
        return _RATING_NORMALISED[self]


# In the order of Rating's members: TRUE, MOSTLY_TRUE, MIXED, MISLEADING, MOSTLY_FALSE, FALSE, UNPROVEN.
_RATING_VALUE = dict(zip(Rating, (5, 4, 3, 2, 2, 1, None), strict=True))
_RATING_NORMALISED = dict(zip(Rating, ("TRUE", "TRUE", "MIXTURE", "MIXTURE", "FALSE", "FALSE", "OTHER"), strict=True))


class QuoteStatus(enum.StrEnum):
    """How well an evidence quote was found in its source's archived text."""

    VERIFIED = "verified"  # exact after normalising whitespace and quote marks
    FUZZY = "fuzzy"  # found with small differences; offsets recorded
    UNVERIFIED = "unverified"  # the source has no archived text
    NOT_FOUND = "not-found"


class SourceKind(enum.StrEnum):
    ARTICLE = "article"  # news or magazine article
    ANALYSIS = "analysis"  # commentary, expert comment, think-tank piece
    REFERENCE = "reference"  # encyclopedia or other tertiary work
    TREATY = "treaty"  # signed agreement or charter
    DECLARATION = "declaration"  # summit declaration, communiqué
    DRAFT = "draft"  # proposed text, draft treaty
    TRANSCRIPT = "transcript"  # record of a conversation, memorandum
    SPEECH = "speech"  # speech, press conference, statement
    WEBPAGE = "webpage"
    OTHER = "other"


class ActorKind(enum.StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    STATE = "state"
    OUTLET = "outlet"  # a publisher or fact-checking outlet


# The desk's statuses to begin with (open: in work), kept in desk_statuses, where the desk adds its
# own. A claim starts `new`; only publishing sets `published`, and only unpublishing leaves it.
NEW_STATUS, PUBLISHED_STATUS = "new", "published"
DEFAULT_STATUSES = {
    NEW_STATUS: True,
    "in-progress": True,
    "needs-review": True,
    PUBLISHED_STATUS: False,
    "not-checkable": False,
}


class RevisionAction(enum.StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


# --- association tables -------------------------------------------------------------------------

claim_tags = Table(
    "claim_tags",
    Base.metadata,
    Column("claim_id", ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)

claim_appearances = Table(
    "claim_appearances",
    Base.metadata,
    Column("claim_id", ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True, index=True),
)

event_sources = Table(
    "event_sources",
    Base.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True, index=True),
)


# --- entities -----------------------------------------------------------------------------------


class Source(Timestamped, Base):
    """A citable document, optionally with its archived text for checking quotes."""

    __tablename__ = "sources"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[SourceKind] = mapped_column(vocabulary(SourceKind, "source_kind"))
    publisher: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    url: Mapped[str | None] = mapped_column(Text, unique=True)
    archive_url: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[str | None] = mapped_column(PartialDate, index=True)
    accessed_on: Mapped[str | None] = mapped_column(PartialDate)
    language: Mapped[str | None] = mapped_column(String(16))
    republishes_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), index=True)
    # Archived texts can be long: never loaded unless asked for (undefer), and loudly so.
    text: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_raiseload=True)
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)

    republishes: Mapped[Source | None] = relationship(remote_side=[id], lazy="raise")


class SourceVersion(Base):
    """One archived text of a source, kept when a new one replaces it, so that quotes true to the
    page once stay checkable. The newest version is the source's own text (`text` here is None);
    older ones hold their text, and `quotes` records where each quote stood in it, by evidence id:
    {"12": {"start": 40, "end": 97, "status": "verified"}}. Derived from the sources' history of
    texts: not itself in the revisions."""

    __tablename__ = "source_versions"
    __table_args__ = (UniqueConstraint("source_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per source
    text: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_raiseload=True)
    text_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)  # bytes of UTF-8
    archived_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    quotes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Where the text's pages or cues begin (services/captures.py), and the file it was read from.
    layout: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    capture_sha256: Mapped[str | None] = mapped_column(ForeignKey("captures.sha256"), index=True)


class Capture(Base):
    """A document as it came: a web page's HTTP responses as gzipped WARC records, a PDF or a
    transcript (gzipped). Named by the SHA-256 of the file `source capture` writes out, never
    changed, named by the source version read from it (whose revisions record the name)."""

    __tablename__ = "captures"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # web, pdf, transcript
    media_type: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)  # bytes of the file written out
    # web: url, final_url, status, redirects, fetched_at; pdf: pages, pages_without_text
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    gzipped: Mapped[bool] = mapped_column(Boolean)  # content is the file gzipped (a WARC is gzipped already)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    captured_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Actor(Timestamped, Base):
    """A person, organisation or state that makes claims or is quoted."""

    __tablename__ = "actors"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[ActorKind] = mapped_column(vocabulary(ActorKind, "actor_kind"))
    role: Mapped[str | None] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(Text)


class Claim(Timestamped, Base):
    """One contested proposition, in neutral canonical wording."""

    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint("length(trim(text)) > 0", name="text_not_empty"),
        # The order claims are listed in (dated ones by date, then id): pages read from the index.
        Index("ix_claims_stated_on_id", "stated_on", "id"),
        # The queue (oldest first) and the desk's backlog by status and assignee read these.
        Index("ix_claims_created_at_id", "created_at", "id"),
        Index("ix_claims_status_assignee_id", "status", "assignee_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    claimant_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"), index=True)
    stated_on: Mapped[str | None] = mapped_column(PartialDate)
    stated_in_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    # The desk's work on it (services/desk.py): its status, why, and who has it (an actor, a person).
    status: Mapped[str] = mapped_column(ForeignKey("desk_statuses.name"), default=NEW_STATUS)
    status_note: Mapped[str | None] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))

    claimant: Mapped[Actor | None] = relationship(lazy="raise", foreign_keys=[claimant_id])
    stated_in: Mapped[Source | None] = relationship(lazy="raise")
    # In id order on every backend (PostgreSQL returns a join's rows in no set order).
    appearances: Mapped[list[Source]] = relationship(secondary=claim_appearances, lazy="raise", order_by="Source.id")
    tags: Mapped[list[Tag]] = relationship(secondary=claim_tags, lazy="raise")
    evidence: Mapped[list[Evidence]] = relationship(back_populates="claim", lazy="raise", passive_deletes=True)
    verdicts: Mapped[list[Verdict]] = relationship(back_populates="claim", lazy="raise", passive_deletes=True)
    appearance_sentences: Mapped[list[AppearanceSentence]] = relationship(lazy="raise", passive_deletes=True)


class DeskStatus(Base):
    """A status a claim can have on the desk: the defaults, and those the desk adds. Claims with an
    open status are in work (the queue); a closed one is done with."""

    __tablename__ = "desk_statuses"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    open: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Publication(Base):
    """A claim as the desk published it: its text, verdicts and evidence then (`version`), frozen
    until it is unpublished. Numbered per claim, so two publishing at once cannot both win."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("claim_id", "number"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    published_by: Mapped[str | None] = mapped_column(Text)
    version: Mapped[dict[str, Any]] = mapped_column(JSON)
    unpublished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    unpublished_by: Mapped[str | None] = mapped_column(Text)
    unpublish_reason: Mapped[str | None] = mapped_column(Text)


class Correction(Base):
    """A change to a published claim, made with a note that readers are shown: what changed and why.
    Numbered per claim, so two correcting at once cannot both win."""

    __tablename__ = "corrections"
    __table_args__ = (UniqueConstraint("claim_id", "number"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text)
    changed: Mapped[list[str]] = mapped_column(JSON)  # what it touched: "text", "verdict 12 added", ...
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    by: Mapped[str | None] = mapped_column(Text)


class ClaimLink(Base):
    """A directed relation between two claims, e.g. a counterclaim that rebuts a claim."""

    __tablename__ = "claim_links"
    __table_args__ = (
        UniqueConstraint("from_claim_id", "to_claim_id", "relation"),
        CheckConstraint("from_claim_id <> to_claim_id", name="not_self"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    to_claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    relation: Mapped[Relation] = mapped_column(vocabulary(Relation, "relation"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    from_claim: Mapped[Claim] = relationship(foreign_keys=[from_claim_id], lazy="raise")
    to_claim: Mapped[Claim] = relationship(foreign_keys=[to_claim_id], lazy="raise")


class Evidence(Timestamped, Base):
    """An excerpt of a source bearing on a claim, anchored like a W3C Web Annotation selector."""

    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint("length(trim(quote)) > 0", name="quote_not_empty"),
        CheckConstraint(
            "start_offset IS NULL OR (start_offset >= 0 AND end_offset > start_offset)",
            name="offsets_ordered",
        ),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    stance: Mapped[Stance] = mapped_column(vocabulary(Stance, "stance"))
    quote: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str | None] = mapped_column(Text)
    suffix: Mapped[str | None] = mapped_column(Text)
    start_offset: Mapped[int | None] = mapped_column(Integer)
    end_offset: Mapped[int | None] = mapped_column(Integer)
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"), index=True)
    locator: Mapped[str | None] = mapped_column(Text)
    # Where the quote begins in a PDF (page number from 1, and its printed label) or a recording
    # (seconds from its start), from the source's layout (services/captures.py).
    page: Mapped[int | None] = mapped_column(Integer)
    page_label: Mapped[str | None] = mapped_column(Text)
    media_time: Mapped[float | None] = mapped_column()
    quote_status: Mapped[QuoteStatus] = mapped_column(
        vocabulary(QuoteStatus, "quote_status"), default=QuoteStatus.UNVERIFIED
    )
    note: Mapped[str | None] = mapped_column(Text)

    claim: Mapped[Claim] = relationship(back_populates="evidence", lazy="raise")
    source: Mapped[Source] = relationship(lazy="raise")
    speaker: Mapped[Actor | None] = relationship(lazy="raise")


class AppearanceSentence(Base):
    """The sentence a source repeats a claim in, kept beside that appearance (claim_appearances) by
    `scan --apply`: as the source's text has it, its offsets there, and its score."""

    __tablename__ = "appearance_sentences"
    __table_args__ = (UniqueConstraint("claim_id", "source_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    sentence: Mapped[str] = mapped_column(Text)
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Verdict(Base):
    """A reviewer's rating of a claim. Append-only: a new rating never overwrites an old one."""

    __tablename__ = "verdicts"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    rating: Mapped[Rating] = mapped_column(vocabulary(Rating, "rating"))
    textual_rating: Mapped[str | None] = mapped_column(Text)  # the reviewer's own label, as given
    rationale: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"), index=True)
    review_url: Mapped[str | None] = mapped_column(Text, index=True)  # a source with this url is the review's page
    reviewed_on: Mapped[str | None] = mapped_column(PartialDate)
    # An outlet's numeric scale differs from ours; kept only as data.
    rating_value: Mapped[float | None] = mapped_column()
    best_rating: Mapped[float | None] = mapped_column()
    worst_rating: Mapped[float | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="verdicts", lazy="raise")
    reviewer: Mapped[Actor | None] = relationship(lazy="raise")


class Event(Base):
    """A dated entry on a story's timeline, with the sources that record it."""

    __tablename__ = "events"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    occurred_on: Mapped[str | None] = mapped_column(PartialDate, index=True)

    sources: Mapped[list[Source]] = relationship(secondary=event_sources, lazy="raise")


class Revision(Base):
    """One recorded change to one row: who changed what, when, from what to what."""

    __tablename__ = "revisions"
    __table_args__ = (Index("ix_revisions_entity", "entity", "entity_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[RevisionAction] = mapped_column(vocabulary(RevisionAction, "revision_action"))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    by: Mapped[str | None] = mapped_column(Text)  # the display name (--by)
    # One id per transaction: the rows deleted together are restored together.
    batch: Mapped[str | None] = mapped_column(String(32), index=True)
    # The database server's user that wrote it (PostgreSQL sets it by trigger; None on SQLite).
    db_user: Mapped[str | None] = mapped_column(Text)
    # The claim and source whose history this belongs to (`history CLAIM`, `history SOURCE`): a
    # claim or source itself, evidence's claim and source, a verdict's claim, a link's two claims.
    # Not foreign keys: the history outlives the rows.
    claim_id: Mapped[int | None] = mapped_column(Integer, index=True)
    linked_claim_id: Mapped[int | None] = mapped_column(Integer, index=True)
    source_id: Mapped[int | None] = mapped_column(Integer, index=True)


class ClaimVector(Base):
    """A claim's sentence embedding (float16 bytes) by the named model, for matching in any wording
    and language. Derived data: not in the history; `factcheck index rebuild` recomputes it."""

    __tablename__ = "claim_vectors"
    # A search reads the codes from this index alone, never the vectors' pages (services/vectors.py).
    __table_args__ = (Index("ix_claim_vectors_codes", "model", "claim_id", "code"),)

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(80))  # name@version: a change is detected
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    code: Mapped[bytes | None] = mapped_column(LargeBinary)  # the vector's signs, 64 bytes: searched first


normalise_dates_on_assignment(Base)
