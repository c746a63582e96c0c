"""The shapes of what the read services give, as TypedDicts, so that mypy checks every consumer:
the CLI's rendering and `--json`, the reports, the web view and its JSON twins, and Python callers
read the same claim dossier. (JSON-ready: text, numbers, lists and dicts only.)"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class ActorView(TypedDict):
    id: int
    slug: str
    name: str
    kind: str
    role: str | None
    aliases: list[str]


class SourceView(TypedDict):
    """A source; `brief` views (in a claim's dossier) have the first eight keys only."""

    id: int
    slug: str
    title: str
    kind: str
    publisher: str | None
    authors: list[str]
    published_on: str | None
    url: str | None
    archive_url: NotRequired[str | None]
    accessed_on: NotRequired[str | None]
    language: NotRequired[str | None]
    republishes: NotRequired[str | None]
    has_text: NotRequired[bool]
    text_sha256: NotRequired[str | None]
    note: NotRequired[str | None]


class AppearanceSaid(TypedDict):
    sentence: str
    start: int
    end: int


class ClaimView(TypedDict):
    id: int
    slug: str
    text: str
    language: str | None
    claimant: ActorView | None
    stated_on: str | None
    stated_in: SourceView | None
    appearances: list[SourceView]
    appearance_sentences: dict[int, AppearanceSaid]  # by source id: the sentence it repeats the claim in
    tags: list[str]
    note: str | None


class VerdictView(TypedDict):
    id: int
    rating: str
    textual_rating: str | None
    rationale: str | None
    reviewer: ActorView | None
    review_url: str | None
    reviewed_on: str | None
    recorded_at: str


class Speaker(TypedDict):
    slug: str
    name: str
    role: str | None


class OriginalSource(TypedDict):
    slug: str
    title: str
    publisher: str | None
    authors: list[str]
    published_on: str | None
    url: str | None


class CitedSource(OriginalSource):
    """The source a quote is from, with the original it republishes."""

    republishes: OriginalSource | None


class EvidenceView(TypedDict):
    id: int
    stance: str
    quote: str
    prefix: str | None
    suffix: str | None
    start: int | None
    end: int | None
    speaker: Speaker | None
    source: CitedSource
    locator: str | None
    page: int | None  # in a PDF: the page (from 1) and its printed label
    page_label: str | None
    media_time: float | None  # in a recording: seconds from its start
    place: str | None  # the page or time as it reads: "p. iv", "00:41:07"
    moment_url: str | None  # the recording at that moment
    quote_status: str
    orphaned_since: int | None  # the version of the source's text since which the quote is missing
    note: str | None


class RelatedClaim(TypedDict):
    link_id: int
    direction: str  # outgoing or incoming
    reads: str  # "this claim rebuts other-slug", "other-slug rebuts this claim"
    slug: str
    text: str
    claimant: str | None
    stated_on: str | None
    note: str | None
    evidence_counts: dict[str, int]


class LastChange(TypedDict):
    action: str
    at: str
    by: str | None


class DeskView(TypedDict):
    """Where the desk's work on a claim stands: its status, assignee, latest publication (None if
    never published) and every correction made to it since it was published."""

    status: str
    status_note: str | None
    assignee: str | None  # the desk member's slug
    published: dict[str, Any] | None
    corrections: list[dict[str, Any]]


class ClaimRow(TypedDict):
    """A claim in a list (`claim list`, the index pages)."""

    id: int
    slug: str
    text: str
    claimant: str | None
    stated_on: str | None
    tags: list[str]
    supports: int
    refutes: int
    evidence: int
    rating: str | None  # the newest verdict's


class RevisionView(TypedDict):
    id: int
    entity: str
    entity_id: int
    action: str
    changes: dict[str, Any]
    at: str
    by: str | None
    db_user: str | None  # PostgreSQL's user that wrote it (None on SQLite)
    batch: str | None


class Dossier(TypedDict):
    """Everything about a claim (`claim show --json`, a claim's page and report)."""

    claim: ClaimView
    verdict: VerdictView | None  # the current one, or the first of several current ones
    current_verdicts: list[VerdictView]
    verdict_history: list[VerdictView]
    evidence: dict[str, list[EvidenceView]]  # by stance
    evidence_counts: dict[str, int]
    counterclaims: list[RelatedClaim]
    related: dict[str, list[RelatedClaim]]  # by relation, rebuttals apart (counterclaims)
    last_change: LastChange | None
    repeated_since_verdict: int | None  # sources that repeat the claim, published after its current verdict
    desk: DeskView
    suggested_duplicates: NotRequired[list[dict[str, Any]]]  # as `similar` ranks them
