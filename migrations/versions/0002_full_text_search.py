"""full-text search: FTS5 tables for claims, sources and evidence, kept in step by triggers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

SQLite only (the search module is the one place that knows it); other databases skip it.
Existing rows are indexed here.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZER = "porter unicode61 remove_diacritics 2"
CLAIM_TAGS = (
    "(SELECT group_concat(t.name, ' ') FROM claim_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.claim_id = {claim})"
)

UPGRADE = [
    # Claims keep their own copy (text and tag names); sources and evidence index their tables.
    f"CREATE VIRTUAL TABLE claims_fts USING fts5(text, tags, tokenize='{TOKENIZER}')",
    f"""CREATE VIRTUAL TABLE sources_fts USING fts5(title, publisher, text,
        content='sources', content_rowid='id', tokenize='{TOKENIZER}')""",
    f"""CREATE VIRTUAL TABLE evidence_fts USING fts5(quote,
        content='evidence', content_rowid='id', tokenize='{TOKENIZER}')""",
    f"""CREATE TRIGGER claims_fts_insert AFTER INSERT ON claims BEGIN
        INSERT INTO claims_fts(rowid, text, tags) VALUES (new.id, new.text, {CLAIM_TAGS.format(claim="new.id")});
    END""",
    """CREATE TRIGGER claims_fts_update AFTER UPDATE OF text ON claims BEGIN
        UPDATE claims_fts SET text = new.text WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER claims_fts_delete AFTER DELETE ON claims BEGIN
        DELETE FROM claims_fts WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER claims_fts_tag_added AFTER INSERT ON claim_tags BEGIN
        UPDATE claims_fts SET tags = {CLAIM_TAGS.format(claim="new.claim_id")} WHERE rowid = new.claim_id;
    END""",
    f"""CREATE TRIGGER claims_fts_tag_removed AFTER DELETE ON claim_tags BEGIN
        UPDATE claims_fts SET tags = {CLAIM_TAGS.format(claim="old.claim_id")} WHERE rowid = old.claim_id;
    END""",
    """CREATE TRIGGER sources_fts_insert AFTER INSERT ON sources BEGIN
        INSERT INTO sources_fts(rowid, title, publisher, text) VALUES (new.id, new.title, new.publisher, new.text);
    END""",
    """CREATE TRIGGER sources_fts_delete AFTER DELETE ON sources BEGIN
        INSERT INTO sources_fts(sources_fts, rowid, title, publisher, text)
        VALUES ('delete', old.id, old.title, old.publisher, old.text);
    END""",
    """CREATE TRIGGER sources_fts_update AFTER UPDATE OF title, publisher, text ON sources BEGIN
        INSERT INTO sources_fts(sources_fts, rowid, title, publisher, text)
        VALUES ('delete', old.id, old.title, old.publisher, old.text);
        INSERT INTO sources_fts(rowid, title, publisher, text) VALUES (new.id, new.title, new.publisher, new.text);
    END""",
    """CREATE TRIGGER evidence_fts_insert AFTER INSERT ON evidence BEGIN
        INSERT INTO evidence_fts(rowid, quote) VALUES (new.id, new.quote);
    END""",
    """CREATE TRIGGER evidence_fts_delete AFTER DELETE ON evidence BEGIN
        INSERT INTO evidence_fts(evidence_fts, rowid, quote) VALUES ('delete', old.id, old.quote);
    END""",
    """CREATE TRIGGER evidence_fts_update AFTER UPDATE OF quote ON evidence BEGIN
        INSERT INTO evidence_fts(evidence_fts, rowid, quote) VALUES ('delete', old.id, old.quote);
        INSERT INTO evidence_fts(rowid, quote) VALUES (new.id, new.quote);
    END""",
    # Index what is already there.
    f"INSERT INTO claims_fts(rowid, text, tags) SELECT id, text, {CLAIM_TAGS.format(claim='claims.id')} FROM claims",
    "INSERT INTO sources_fts(sources_fts) VALUES ('rebuild')",
    "INSERT INTO evidence_fts(evidence_fts) VALUES ('rebuild')",
]

TRIGGERS = [
    "claims_fts_insert",
    "claims_fts_update",
    "claims_fts_delete",
    "claims_fts_tag_added",
    "claims_fts_tag_removed",
    "sources_fts_insert",
    "sources_fts_delete",
    "sources_fts_update",
    "evidence_fts_insert",
    "evidence_fts_delete",
    "evidence_fts_update",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in ("claims_fts", "sources_fts", "evidence_fts"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
