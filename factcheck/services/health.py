"""`db check`: is the database whole, consistent, and are its quotes sound?"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, aliased, undefer

from ..db import open_read_only
from ..errors import DatabaseProblem
from ..models import (
    Actor,
    Claim,
    ClaimLink,
    Evidence,
    QuoteStatus,
    Source,
    SourceVersion,
    Tag,
    Verdict,
    claim_appearances,
    claim_tags,
    event_sources,
)
from .source_versions import misplaced

# Rows are taken from the database a thousand at a time, not all at once: the check of a large
# database holds what it reports, not the tables it reads.
STREAM = {"yield_per": 1000}


def check_database(session: Session) -> dict[str, Any]:
    """Problems (which make the check fail) and notes (worth a look), with quote statuses."""
    problems: list[str] = []
    notes: list[str] = []
    if session.get_bind().dialect.name == "sqlite":
        integrity = [row[0] for row in session.connection().exec_driver_sql("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems += [f"integrity: {line}" for line in integrity]
        for table, rowid, parent, _ in session.connection().exec_driver_sql("PRAGMA foreign_key_check"):
            problems.append(f"foreign key: {table} row {rowid} points to a missing {parent} row")
        index_problems, index_notes = search_index_problems(session)
        problems += index_problems
        notes += index_notes

    first, second = aliased(Claim), aliased(Claim)
    dangling = session.scalars(
        select(ClaimLink.id)
        .outerjoin(first, first.id == ClaimLink.from_claim_id)
        .outerjoin(second, second.id == ClaimLink.to_claim_id)
        .where((first.id.is_(None)) | (second.id.is_(None))),
        execution_options=STREAM,
    )
    problems += [f"dangling link {link}: one of its claims is gone" for link in dangling]

    unused_sources = session.scalars(
        select(Source.slug).where(
            Source.id.not_in(select(Evidence.source_id)),
            Source.id.not_in(select(Claim.stated_in_id).where(Claim.stated_in_id.is_not(None))),
            Source.id.not_in(select(claim_appearances.c.source_id)),
            Source.id.not_in(select(event_sources.c.source_id)),
            Source.id.not_in(select(Source.republishes_id).where(Source.republishes_id.is_not(None))),
        ),
        execution_options=STREAM,
    )
    notes += [f"source {slug} is cited by nothing" for slug in unused_sources]
    unused_actors = session.scalars(
        select(Actor.slug).where(
            Actor.id.not_in(select(Claim.claimant_id).where(Claim.claimant_id.is_not(None))),
            Actor.id.not_in(select(Evidence.speaker_id).where(Evidence.speaker_id.is_not(None))),
            Actor.id.not_in(select(Verdict.reviewer_id).where(Verdict.reviewer_id.is_not(None))),
        ),
        execution_options=STREAM,
    )
    notes += [f"actor {slug} neither claims, speaks nor reviews" for slug in unused_actors]
    unused_tags = session.scalars(
        select(Tag.slug).where(Tag.id.not_in(select(claim_tags.c.tag_id))), execution_options=STREAM
    )
    notes += [f"tag {slug} is on no claim" for slug in unused_tags]
    bare = session.scalar(select(func.count()).where(Claim.id.not_in(select(Evidence.claim_id))))
    if bare:
        notes.append(f"{bare} claims have no evidence yet")

    problems += version_problems(session)

    statuses = {status.value: 0 for status in QuoteStatus}
    for status, count in session.execute(select(Evidence.quote_status, func.count()).group_by(Evidence.quote_status)):
        statuses[status.value] = count
    if statuses[QuoteStatus.NOT_FOUND.value]:
        notes.append(f"{statuses['not-found']} quotes are not in their source's archived text: see `factcheck verify`")
    return {"ok": not problems, "problems": problems, "notes": notes, "quotes": statuses}


def version_problems(session: Session) -> list[str]:
    """Kept versions of sources' texts that are not what they say: a text that does not match its
    SHA-256, quotes placed outside a text or, verified, not at their place; a newest version that
    is not its source's text. One version's text in memory at a time."""
    import hashlib

    problems: list[str] = []
    newest = select(SourceVersion.source_id, func.max(SourceVersion.number)).group_by(SourceVersion.source_id)
    for slug, number, current, own in session.execute(
        select(Source.slug, SourceVersion.number, SourceVersion.text_sha256, Source.text_sha256)
        .join(SourceVersion, SourceVersion.source_id == Source.id)
        .where(tuple_(SourceVersion.source_id, SourceVersion.number).in_(newest))
    ):
        if current != own:
            problems.append(f"source {slug}: its newest version ({number}) is not its text (SHA-256 differs)")
    kept = select(SourceVersion.id, SourceVersion.source_id).where(SourceVersion.quotes.is_not(None))
    quoted: dict[int, str] = {}
    source_of_quoted = None
    # By source: its quotes read once, whatever number of versions it keeps.
    for version_id, source_id in session.execute(kept.order_by(SourceVersion.source_id, SourceVersion.number)).all():
        if source_id != source_of_quoted:
            quoted = dict(
                session.execute(select(Evidence.id, Evidence.quote).where(Evidence.source_id == source_id)).all()
            )
            source_of_quoted = source_id
        version = session.get(SourceVersion, version_id, options=[undefer(SourceVersion.text)])
        assert version is not None
        where = f"version {version.number} of source {source_id}"
        if version.text is not None and hashlib.sha256(version.text.encode()).hexdigest() != version.text_sha256:
            problems.append(f"{where}: its text does not match its SHA-256")
        if wrong := misplaced(version.text, version.size, version.quotes or {}, quoted):
            problems.append(f"{where}: {wrong}")
        session.expunge(version)  # one kept text in memory at a time
    return problems


# The claims index keeps its own copy of each claim's text and tag names (migration 0002).
_CLAIMS_NOT_INDEXED = "SELECT c.id FROM claims c LEFT JOIN claims_fts f ON f.rowid = c.id WHERE f.rowid IS NULL"
_INDEXED_NOT_CLAIMS = "SELECT f.rowid FROM claims_fts f LEFT JOIN claims c ON c.id = f.rowid WHERE c.id IS NULL"
_TEXT_DIFFERS = "SELECT c.id FROM claims c JOIN claims_fts f ON f.rowid = c.id WHERE f.text IS NOT c.text"
_TAGS_DIFFER = """
    SELECT c.id, f.tags, (SELECT group_concat(t.name, ' ') FROM claim_tags ct JOIN tags t ON t.id = ct.tag_id
                          WHERE ct.claim_id = c.id)
    FROM claims c JOIN claims_fts f ON f.rowid = c.id
    WHERE f.tags IS NOT (SELECT group_concat(t.name, ' ') FROM claim_tags ct JOIN tags t ON t.id = ct.tag_id
                         WHERE ct.claim_id = c.id)"""


# And the headlines of its reviews' pages (migration 0011), each once, in the order of its verdicts.
_REVIEWS_DIFFER = """
    SELECT c.id FROM claims c JOIN claims_fts f ON f.rowid = c.id
    WHERE f.reviews IS NOT (SELECT group_concat(title, ' ') FROM (SELECT s.title FROM verdicts v
        JOIN sources s ON s.url = v.review_url WHERE v.claim_id = c.id GROUP BY s.title ORDER BY min(v.id)))"""


def search_index_problems(session: Session) -> tuple[list[str], list[str]]:
    """Where the full-text indexes do not say what their tables hold, and what could not be checked.

    The claims index's copy of each text, its tags and its reviews' headlines is compared with
    the claims; FTS5's own integrity check then compares every index with what it indexes (for
    sources and evidence, their tables); on a read-only database, where that check cannot run,
    each index is rebuilt and compared instead."""
    problems: list[str] = []
    connection = session.connection()

    for what, sql in (
        ("claims missing from the search index", _CLAIMS_NOT_INDEXED),
        ("search index rows for claims that do not exist", _INDEXED_NOT_CLAIMS),
        ("claims whose text differs in the search index", _TEXT_DIFFERS),
        ("claims whose reviews' headlines differ in the search index", _REVIEWS_DIFFER),
    ):
        if found := _some(row[0] for row in connection.execute(text(sql))):
            problems.append(f"search index: {what}: {found}")
    # group_concat's order is not guaranteed: tags that differ only in order are the same tags.
    retagged = _some(
        claim_id
        for claim_id, indexed, actual in connection.execute(text(_TAGS_DIFFER))
        if sorted((indexed or "").split()) != sorted((actual or "").split())
    )
    if retagged:
        problems.append(f"search index: claims whose tags differ in the search index: {retagged}")

    for table in INDEXES:
        try:
            with session.begin_nested():
                connection.execute(text(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"))
        except DatabaseError as error:
            message = str(error.orig)
            if "readonly" in message:
                rebuilt, notes = _rebuilt_and_compared(session)
                return problems + rebuilt, notes
            if "locked" in message or "busy" in message:
                return problems, ["the search indexes' integrity checks were not run: another process was writing"]
            problems.append(f"search index: {table} fails its integrity check ({message})")
    return problems, []


INDEXES = ("claims_fts", "sources_fts", "evidence_fts")
_OPTION = re.compile(r",\s*content(?:_rowid)?\s*=\s*'[^']*'", re.IGNORECASE)


def _rebuilt_and_compared(session: Session) -> tuple[list[str], list[str]]:
    """FTS5's integrity check is an INSERT, which a read-only database refuses. Instead, each index
    is rebuilt from what it indexes in a temporary table, beside the database opened `mode=ro`, and
    every word's place (word, row, column, offset) is compared between the two."""
    import sqlite3

    try:
        connection = open_read_only(session.get_bind().engine.url.render_as_string(hide_password=False))
    except DatabaseProblem as error:
        return [], [f"the search indexes were not compared with their tables: {error}"]
    problems = []
    connection.isolation_level = None  # transactions as written here
    try:
        connection.execute("BEGIN")  # one snapshot for the index and what it indexes
        for table in INDEXES:
            try:
                if _rebuilt_differs(connection, table):
                    problems.append(f"search index: {table} does not match what it indexes (rebuilt and compared)")
            except sqlite3.DatabaseError as error:
                problems.append(f"search index: {table} cannot be read whole ({error})")
            finally:
                for name in ("indexed_words", "rebuilt_words", "rebuilt"):
                    connection.execute(f"DROP TABLE IF EXISTS temp.{name}")
    finally:
        connection.close()
    return problems, []


def _rebuilt_differs(connection: Any, table: str) -> bool:
    (definition,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    columns = ", ".join(row[1] for row in connection.execute(f"PRAGMA table_info({table})"))
    # The same columns and tokenizer, holding its own copy of the text: no content table.
    rebuilt = re.sub(rf"^CREATE VIRTUAL TABLE \"?{table}\"?", "CREATE VIRTUAL TABLE temp.rebuilt", definition)
    connection.execute(_OPTION.sub("", rebuilt))
    connection.execute(f"INSERT INTO temp.rebuilt(rowid, {columns}) SELECT rowid, {columns} FROM main.{table}")
    connection.execute("CREATE VIRTUAL TABLE temp.rebuilt_words USING fts5vocab(temp, rebuilt, 'instance')")
    connection.execute(f"CREATE VIRTUAL TABLE temp.indexed_words USING fts5vocab(main, {table}, 'instance')")
    return bool(
        connection.execute(
            "SELECT EXISTS (SELECT * FROM temp.indexed_words EXCEPT SELECT * FROM temp.rebuilt_words)"
            " OR EXISTS (SELECT * FROM temp.rebuilt_words EXCEPT SELECT * FROM temp.indexed_words)"
        ).fetchone()[0]
    )


def _some(ids: Iterable[int], shown: int = 10) -> str:
    """The first `shown` ids and how many more (none: ""), counted as they stream by, so that a
    whole table's worth of them is never held."""
    first: list[int] = []
    more = 0
    for one in ids:
        if len(first) < shown:
            first.append(one)
        else:
            more += 1
    listed = ", ".join(str(one) for one in first)
    return f"{listed} and {more} more" if more else listed
