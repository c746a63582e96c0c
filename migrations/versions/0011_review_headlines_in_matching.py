"""review headlines in claim matching: a claim is found by its fact-checks' headlines too

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

A fact-check's headline often words the claim as people repeat it ("Did 122 Prisoners Released
from Guantanamo Return to the Battlefield?" beside the reviewed claim's "122 detainees released
... have re-engaged in terrorist activities"). On the CheckThat! 2020 tweets, BM25 over the claim
and its headlines ranks the right claim first far more often than over the claim alone.

The headline is the title of the review's page: the source whose url is a verdict's review_url.
The claims index gets a column of them (SQLite: `reviews`, a column of claims_fts, which FTS5
cannot add to a table, so the table is made again; PostgreSQL: weight A of the claim's document,
as its text), kept in step by triggers on verdicts and on sources. `verdicts.review_url` is
indexed, so that a source's new title finds its claims without reading every verdict.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZER = "porter unicode61 remove_diacritics 2"  # as in 0002
CLAIM_TAGS = (
    "(SELECT group_concat(t.name, ' ') FROM claim_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.claim_id = {claim})"
)
# A claim's headlines, each once, in the order its verdicts were given.
CLAIM_HEADLINES = """(SELECT group_concat(title, ' ') FROM (SELECT s.title FROM verdicts v
    JOIN sources s ON s.url = v.review_url WHERE v.claim_id = {claim} GROUP BY s.title ORDER BY min(v.id)))"""
# Rewritten only when they change: most verdicts name no page of ours, and an FTS5 update that
# changes nothing still writes a segment.
_REINDEX_CLAIM = f"""UPDATE claims_fts SET reviews = {CLAIM_HEADLINES.format(claim="{claim}")}
    WHERE rowid = {{claim}} AND reviews IS NOT {CLAIM_HEADLINES.format(claim="{claim}")}"""
_REINDEX_CLAIMS_OF_URL = """UPDATE claims_fts SET reviews = {headlines}
    WHERE rowid IN (SELECT claim_id FROM verdicts WHERE review_url = {url}) AND reviews IS NOT {headlines}"""

SQLITE_TRIGGERS = {
    "claims_fts_insert": f"""AFTER INSERT ON claims BEGIN
        INSERT INTO claims_fts(rowid, text, tags, reviews) VALUES (new.id, new.text,
            {CLAIM_TAGS.format(claim="new.id")}, {CLAIM_HEADLINES.format(claim="new.id")});
    END""",
    "claims_fts_update": """AFTER UPDATE OF text ON claims BEGIN
        UPDATE claims_fts SET text = new.text WHERE rowid = new.id;
    END""",
    "claims_fts_delete": """AFTER DELETE ON claims BEGIN
        DELETE FROM claims_fts WHERE rowid = old.id;
    END""",
    "claims_fts_tag_added": f"""AFTER INSERT ON claim_tags BEGIN
        UPDATE claims_fts SET tags = {CLAIM_TAGS.format(claim="new.claim_id")} WHERE rowid = new.claim_id;
    END""",
    "claims_fts_tag_removed": f"""AFTER DELETE ON claim_tags BEGIN
        UPDATE claims_fts SET tags = {CLAIM_TAGS.format(claim="old.claim_id")} WHERE rowid = old.claim_id;
    END""",
    "claims_fts_verdict_added": f"""AFTER INSERT ON verdicts BEGIN
        {_REINDEX_CLAIM.format(claim="new.claim_id")};
    END""",
    "claims_fts_verdict_removed": f"""AFTER DELETE ON verdicts BEGIN
        {_REINDEX_CLAIM.format(claim="old.claim_id")};
    END""",
    "claims_fts_verdict_changed": f"""AFTER UPDATE OF claim_id, review_url ON verdicts BEGIN
        {_REINDEX_CLAIM.format(claim="old.claim_id")};
        {_REINDEX_CLAIM.format(claim="new.claim_id")};
    END""",
    "claims_fts_headline_added": f"""AFTER INSERT ON sources WHEN new.url IS NOT NULL BEGIN
        {_REINDEX_CLAIMS_OF_URL.format(headlines=CLAIM_HEADLINES.format(claim="claims_fts.rowid"), url="new.url")};
    END""",
    "claims_fts_headline_changed": f"""AFTER UPDATE OF title, url ON sources BEGIN
        {_REINDEX_CLAIMS_OF_URL.format(headlines=CLAIM_HEADLINES.format(claim="claims_fts.rowid"), url="old.url")};
        {_REINDEX_CLAIMS_OF_URL.format(headlines=CLAIM_HEADLINES.format(claim="claims_fts.rowid"), url="new.url")};
    END""",
    "claims_fts_headline_removed": f"""AFTER DELETE ON sources WHEN old.url IS NOT NULL BEGIN
        {_REINDEX_CLAIMS_OF_URL.format(headlines=CLAIM_HEADLINES.format(claim="claims_fts.rowid"), url="old.url")};
    END""",
}
OLD_SQLITE_TRIGGERS = [
    "claims_fts_insert",
    "claims_fts_update",
    "claims_fts_delete",
    "claims_fts_tag_added",
    "claims_fts_tag_removed",
]

# PostgreSQL: the claim's document gains its headlines (weight A, as its text), and verdicts and
# sources re-index the claims they name.
POSTGRES_INDEX_CLAIM = """CREATE OR REPLACE FUNCTION factcheck_index_claim(claim integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO claims_fts (id, document)
    SELECT c.id, setweight(to_tsvector('factcheck', c.text), 'A') || setweight(to_tsvector('factcheck',
           coalesce((SELECT string_agg(t.name, ' ') FROM claim_tags ct JOIN tags t ON t.id = ct.tag_id
                     WHERE ct.claim_id = c.id), '')), 'B'){headlines}
    FROM claims c WHERE c.id = claim
    ON CONFLICT (id) DO UPDATE SET document = excluded.document
$$"""
POSTGRES_HEADLINES = """ || setweight(to_tsvector('factcheck',
           coalesce((SELECT string_agg(title, ' ' ORDER BY first) FROM (SELECT s.title, min(v.id) AS first
                     FROM verdicts v JOIN sources s ON s.url = v.review_url WHERE v.claim_id = c.id
                     GROUP BY s.title) headlines), '')), 'A')"""
POSTGRES_UPGRADE = [
    POSTGRES_INDEX_CLAIM.format(headlines=POSTGRES_HEADLINES),
    """CREATE FUNCTION factcheck_verdicts_fts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM factcheck_index_claim(OLD.claim_id);
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            PERFORM factcheck_index_claim(NEW.claim_id);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION factcheck_headlines_fts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM factcheck_index_claim(v.claim_id) FROM verdicts v WHERE v.review_url = OLD.url;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            PERFORM factcheck_index_claim(v.claim_id) FROM verdicts v WHERE v.review_url = NEW.url;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER claims_fts_verdicts AFTER INSERT OR DELETE OR UPDATE OF claim_id, review_url ON verdicts
        FOR EACH ROW EXECUTE FUNCTION factcheck_verdicts_fts()""",
    """CREATE TRIGGER claims_fts_headlines AFTER INSERT OR DELETE OR UPDATE OF title, url ON sources
        FOR EACH ROW EXECUTE FUNCTION factcheck_headlines_fts()""",
    "SELECT factcheck_index_claim(id) FROM claims WHERE id IN (SELECT claim_id FROM verdicts)",
]
POSTGRES_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS claims_fts_verdicts ON verdicts",
    "DROP TRIGGER IF EXISTS claims_fts_headlines ON sources",
    "DROP FUNCTION IF EXISTS factcheck_verdicts_fts()",
    "DROP FUNCTION IF EXISTS factcheck_headlines_fts()",
    POSTGRES_INDEX_CLAIM.format(headlines=""),
    "SELECT factcheck_index_claim(id) FROM claims WHERE id IN (SELECT claim_id FROM verdicts)",
]


def _sqlite_claims_index(columns: list[str], triggers: dict[str, str]) -> None:
    """Make the claims index again with these columns (text first, then those of COLUMN_VALUES)
    and triggers, and fill it."""
    op.execute("DROP TABLE IF EXISTS claims_fts_vocab")
    for trigger in [*OLD_SQLITE_TRIGGERS, *SQLITE_TRIGGERS]:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS claims_fts")
    op.execute(f"CREATE VIRTUAL TABLE claims_fts USING fts5({', '.join(columns)}, tokenize='{TOKENIZER}')")
    for name, body in triggers.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    values = ", ".join(COLUMN_VALUES[column].format(claim="claims.id") for column in columns)
    op.execute(f"INSERT INTO claims_fts(rowid, {', '.join(columns)}) SELECT id, {values} FROM claims")
    op.execute("CREATE VIRTUAL TABLE claims_fts_vocab USING fts5vocab(claims_fts, 'row')")


COLUMN_VALUES = {"text": "text", "tags": CLAIM_TAGS, "reviews": CLAIM_HEADLINES}


def upgrade() -> None:
    op.create_index(op.f("ix_verdicts_review_url"), "verdicts", ["review_url"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_claims_index(["text", "tags", "reviews"], SQLITE_TRIGGERS)
    elif dialect == "postgresql":
        for statement in POSTGRES_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        old = {name: SQLITE_TRIGGERS[name] for name in OLD_SQLITE_TRIGGERS}
        old["claims_fts_insert"] = f"""AFTER INSERT ON claims BEGIN
        INSERT INTO claims_fts(rowid, text, tags) VALUES (new.id, new.text, {CLAIM_TAGS.format(claim="new.id")});
    END"""
        _sqlite_claims_index(["text", "tags"], old)
    elif dialect == "postgresql":
        for statement in POSTGRES_DOWNGRADE:
            op.execute(statement)
    op.drop_index(op.f("ix_verdicts_review_url"), table_name="verdicts")
