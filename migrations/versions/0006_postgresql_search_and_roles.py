"""PostgreSQL search and who wrote each revision: the server's user beside the display name

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

Both backends: `revisions.db_user`, the database user that wrote the revision (NULL on SQLite,
which has no users). On PostgreSQL a trigger fills it in from `current_user`, so that no flag can
forge it.

PostgreSQL only (SQLite has FTS5 since 0002): the full-text index of claims, sources and evidence
as tables of `tsvector` documents with GIN indexes, kept in step by triggers, in a `factcheck` text
search configuration that works for every language: `simple` (no stemming, no stop words) after
`unaccent`. The search module is the one place that queries them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The index tables have the names of SQLite's FTS5 tables, so that code which lists the models'
# tables (autogenerate, `db copy`) leaves both alike.
POSTGRES_UPGRADE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION factcheck (COPY = simple)",
    "ALTER TEXT SEARCH CONFIGURATION factcheck ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple",
    """CREATE TABLE claims_fts (
        id integer PRIMARY KEY REFERENCES claims (id) ON DELETE CASCADE, document tsvector NOT NULL)""",
    """CREATE TABLE sources_fts (
        id integer PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE, document tsvector NOT NULL)""",
    """CREATE TABLE evidence_fts (
        id integer PRIMARY KEY REFERENCES evidence (id) ON DELETE CASCADE, document tsvector NOT NULL)""",
    "CREATE INDEX claims_fts_document ON claims_fts USING gin (document)",
    "CREATE INDEX sources_fts_document ON sources_fts USING gin (document)",
    "CREATE INDEX evidence_fts_document ON evidence_fts USING gin (document)",
    # A claim's document: its text (weight A) and its tags' names (B).
    """CREATE FUNCTION factcheck_index_claim(claim integer) RETURNS void LANGUAGE sql AS $$
        INSERT INTO claims_fts (id, document)
        SELECT c.id, setweight(to_tsvector('factcheck', c.text), 'A') || setweight(to_tsvector('factcheck',
               coalesce((SELECT string_agg(t.name, ' ') FROM claim_tags ct JOIN tags t ON t.id = ct.tag_id
                         WHERE ct.claim_id = c.id), '')), 'B')
        FROM claims c WHERE c.id = claim
        ON CONFLICT (id) DO UPDATE SET document = excluded.document
    $$""",
    """CREATE FUNCTION factcheck_claims_fts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM factcheck_index_claim(NEW.id);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION factcheck_claim_tags_fts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            PERFORM factcheck_index_claim(OLD.claim_id);
        ELSE
            PERFORM factcheck_index_claim(NEW.claim_id);
        END IF;
        RETURN NULL;
    END $$""",
    # A source's document: title (A), publisher (B), archived text (D). A text too long for one
    # tsvector (1 MB of words and positions) is indexed by its first 200,000 characters.
    """CREATE FUNCTION factcheck_sources_fts() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        head tsvector := setweight(to_tsvector('factcheck', NEW.title), 'A')
                         || setweight(to_tsvector('factcheck', coalesce(NEW.publisher, '')), 'B');
        body tsvector;
    BEGIN
        BEGIN
            body := setweight(to_tsvector('factcheck', coalesce(NEW.text, '')), 'D');
        EXCEPTION WHEN program_limit_exceeded THEN
            body := setweight(to_tsvector('factcheck', left(NEW.text, 200000)), 'D');
        END;
        INSERT INTO sources_fts (id, document) VALUES (NEW.id, head || body)
        ON CONFLICT (id) DO UPDATE SET document = excluded.document;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION factcheck_evidence_fts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO evidence_fts (id, document) VALUES (NEW.id, to_tsvector('factcheck', NEW.quote))
        ON CONFLICT (id) DO UPDATE SET document = excluded.document;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER claims_fts_write AFTER INSERT OR UPDATE OF text ON claims
        FOR EACH ROW EXECUTE FUNCTION factcheck_claims_fts()""",
    """CREATE TRIGGER claims_fts_tags AFTER INSERT OR DELETE ON claim_tags
        FOR EACH ROW EXECUTE FUNCTION factcheck_claim_tags_fts()""",
    """CREATE TRIGGER sources_fts_write AFTER INSERT OR UPDATE OF title, publisher, text ON sources
        FOR EACH ROW EXECUTE FUNCTION factcheck_sources_fts()""",
    """CREATE TRIGGER evidence_fts_write AFTER INSERT OR UPDATE OF quote ON evidence
        FOR EACH ROW EXECUTE FUNCTION factcheck_evidence_fts()""",
    # Index what is already there (a no-op update fires the triggers).
    "UPDATE claims SET text = text",
    "UPDATE sources SET title = title",
    "UPDATE evidence SET quote = quote",
    # The server's user, whatever the client says.
    """CREATE FUNCTION factcheck_revision_user() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.db_user := current_user;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER revisions_db_user BEFORE INSERT ON revisions
        FOR EACH ROW EXECUTE FUNCTION factcheck_revision_user()""",
]

POSTGRES_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS revisions_db_user ON revisions",
    "DROP FUNCTION IF EXISTS factcheck_revision_user()",
    "DROP TRIGGER IF EXISTS claims_fts_write ON claims",
    "DROP TRIGGER IF EXISTS claims_fts_tags ON claim_tags",
    "DROP TRIGGER IF EXISTS sources_fts_write ON sources",
    "DROP TRIGGER IF EXISTS evidence_fts_write ON evidence",
    "DROP FUNCTION IF EXISTS factcheck_claims_fts()",
    "DROP FUNCTION IF EXISTS factcheck_claim_tags_fts()",
    "DROP FUNCTION IF EXISTS factcheck_sources_fts()",
    "DROP FUNCTION IF EXISTS factcheck_evidence_fts()",
    "DROP FUNCTION IF EXISTS factcheck_index_claim(integer)",
    "DROP TABLE IF EXISTS claims_fts",
    "DROP TABLE IF EXISTS sources_fts",
    "DROP TABLE IF EXISTS evidence_fts",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS factcheck",
    # The unaccent extension stays: other things in the database may use it.
]


def upgrade() -> None:
    op.add_column("revisions", sa.Column("db_user", sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DOWNGRADE:
            op.execute(statement)
    # Not batch mode: rebuilding the table on SQLite would lose its AUTOINCREMENT counter.
    op.execute("ALTER TABLE revisions DROP COLUMN db_user")
