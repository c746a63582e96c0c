"""history kept by the server: on PostgreSQL every change to a tracked row is recorded by trigger

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

Before, the application wrote the revisions, so a `--write` role could change rows with plain SQL
and leave no trace, or insert a revision of any time, author and content. Now the database records
them itself, for every client alike: a trigger on each tracked table (and on the tables of the
claims' tags and appearances and the events' sources) writes the revision in the same
transaction, with the server's time and the server's user. The trigger functions run as the
tables' owner (SECURITY DEFINER); no other role may insert revisions.

The application only says who (`factcheck.by`, a display name) and which flush (`factcheck.flush`),
by transaction-local settings; a client that says nothing is recorded as its server user. The
batch (one per transaction) is the server's: `factcheck_batch()`, which the application reads.
Only a revision of the same transaction (its batch) is ever merged into or replaced. The revisions
have the shape the application writes on SQLite (factcheck/revisions.py): an insert or delete
holds the row's columns and its collections as lists of ids, an update each changed column as
[old, new] and each changed collection as {"added": [...], "removed": [...]}, one revision per
row and flush. A source version's text is left out: the source's own revisions hold every text.
Inserts are recorded a statement at a time (a transition table), the rest a row at a time.

Also: a row's id never changes; a kept version's text, once written, never changes and matches its
hash; the full-text index is written by the server's functions alone; no one but the owner may
execute these functions or use the revisions' sequence.

SQLite: nothing changes. It has no users; whoever can write the file can write anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRACKED = ("claims", "sources", "source_versions", "actors", "evidence", "claim_links", "verdicts", "tags", "events")
# Association table: (the entity it is a collection of, that entity's column, the member's column, the collection).
COLLECTIONS = {
    "claim_tags": ("claims", "claim_id", "tag_id", "tags"),
    "claim_appearances": ("claims", "claim_id", "source_id", "appearances"),
    "event_sources": ("events", "event_id", "source_id", "sources"),
}

# The functions that keep the full-text index (migrations 0006 and 0011). A migration that
# replaces one must keep it SECURITY DEFINER with this search_path.
INDEXING = (
    "factcheck_index_claim(integer)",
    "factcheck_claims_fts()",
    "factcheck_claim_tags_fts()",
    "factcheck_sources_fts()",
    "factcheck_evidence_fts()",
    "factcheck_headlines_fts()",
    "factcheck_verdicts_fts()",
)

UPGRADE = [
    # The batch of this transaction's revisions: the server's, so that no client can add its
    # changes to another transaction's batch (which restore and `dedupe --undo` act on). The
    # application reads the same expression (revisions.SERVER_BATCH).
    """CREATE FUNCTION factcheck_batch() RETURNS text LANGUAGE sql AS $$
        SELECT md5(txid_current()::text || ':' || pg_postmaster_start_time()::text)
    $$""",
    # Who, which batch and where this flush's revisions begin (the id above every earlier one).
    """CREATE FUNCTION factcheck_revision_context(OUT author text, OUT batch_id text, OUT floor_id bigint)
    LANGUAGE plpgsql AS $$
    DECLARE
        flush text := coalesce(nullif(current_setting('factcheck.flush', true), ''), 'transaction');
    BEGIN
        author := coalesce(nullif(current_setting('factcheck.by', true), ''), session_user);
        batch_id := factcheck_batch();
        IF flush IS DISTINCT FROM nullif(current_setting('factcheck.flush_seen', true), '') THEN
            PERFORM set_config('factcheck.flush_seen', flush, true);
            PERFORM set_config('factcheck.flush_floor', (SELECT coalesce(max(id), 0) + 1 FROM revisions)::text, true);
        END IF;
        floor_id := current_setting('factcheck.flush_floor')::bigint;
    END $$""",
    # This flush's revision of one row, if it has one. The batch is the server's, one per
    # transaction (savepoints included): only a revision this transaction wrote is ever merged
    # into or replaced, whatever the settings say.
    """CREATE FUNCTION factcheck_flush_revision(row_entity text, row_id integer, OUT found_id integer,
        OUT found_action text, OUT found_changes jsonb) LANGUAGE plpgsql AS $$
    DECLARE
        context record := factcheck_revision_context();
    BEGIN
        SELECT id, action, changes::jsonb INTO found_id, found_action, found_changes FROM revisions
        WHERE batch = context.batch_id AND entity = row_entity AND entity_id = row_id AND id >= context.floor_id
        ORDER BY id DESC LIMIT 1;
    END $$""",
    # Which of a row's columns name the claim and source its revision belongs to (revisions.SUBJECTS).
    """CREATE FUNCTION factcheck_subject_fields(row_entity text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE row_entity
            WHEN 'claims' THEN '{"claim_id": "id"}'
            WHEN 'sources' THEN '{"source_id": "id"}'
            WHEN 'source_versions' THEN '{"source_id": "source_id"}'
            WHEN 'evidence' THEN '{"claim_id": "claim_id", "source_id": "source_id"}'
            WHEN 'verdicts' THEN '{"claim_id": "claim_id"}'
            WHEN 'claim_links' THEN '{"claim_id": "from_claim_id", "linked_claim_id": "to_claim_id"}'
            ELSE '{}' END::jsonb
    $$""",
    """CREATE FUNCTION factcheck_append_revision(row_entity text, row_id integer, row_action text, row_changes jsonb,
        row_values jsonb) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        context record := factcheck_revision_context();
        fields jsonb := factcheck_subject_fields(row_entity);
    BEGIN
        INSERT INTO revisions (entity, entity_id, action, changes, at, by, batch, claim_id, linked_claim_id, source_id)
        VALUES (row_entity, row_id, row_action, row_changes::json, statement_timestamp(), context.author,
                context.batch_id,
                (row_values ->> (fields ->> 'claim_id'))::integer,
                (row_values ->> (fields ->> 'linked_claim_id'))::integer,
                (row_values ->> (fields ->> 'source_id'))::integer);
    END $$""",
    # Rows inserted, a statement at a time: one INSERT of their revisions (a bulk load's COPY of
    # thousands of rows took 40% longer with a trigger call a row).
    """CREATE FUNCTION factcheck_record_inserts() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = {schema}, pg_temp SET TimeZone = 'UTC' AS $$
    DECLARE
        context record := factcheck_revision_context();
        fields jsonb := factcheck_subject_fields(TG_TABLE_NAME);
        unrecorded text[] := CASE TG_TABLE_NAME WHEN 'source_versions' THEN ARRAY['text'] ELSE ARRAY[]::text[] END;
        collections jsonb := CASE TG_TABLE_NAME
            WHEN 'claims' THEN '{"appearances": [], "tags": []}' WHEN 'events' THEN '{"sources": []}'
            ELSE '{}' END;
    BEGIN
        IF TG_TABLE_SCHEMA <> {schema_name} THEN  -- only the schema's own tables
            RAISE EXCEPTION 'factcheck''s history is kept for the tables of its schema only';
        END IF;
        INSERT INTO revisions (entity, entity_id, action, changes, at, by, batch, claim_id, linked_claim_id, source_id)
        SELECT TG_TABLE_NAME, (row ->> 'id')::integer, 'insert', ((row - unrecorded) || collections)::json,
               statement_timestamp(), context.author, context.batch_id,
               (row ->> (fields ->> 'claim_id'))::integer,
               (row ->> (fields ->> 'linked_claim_id'))::integer,
               (row ->> (fields ->> 'source_id'))::integer
        FROM (SELECT to_jsonb(inserted) AS row FROM inserted ORDER BY inserted.id) AS rows;
        RETURN NULL;
    END $$""",
    # A tracked row updated or deleted.
    """CREATE FUNCTION factcheck_record_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = {schema}, pg_temp SET TimeZone = 'UTC' AS $$
    DECLARE
        old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
        new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
        unrecorded text[] := CASE TG_TABLE_NAME WHEN 'source_versions' THEN ARRAY['text'] ELSE ARRAY[]::text[] END;
        collections text[] := CASE TG_TABLE_NAME
            WHEN 'claims' THEN ARRAY['appearances', 'tags'] WHEN 'events' THEN ARRAY['sources']
            ELSE ARRAY[]::text[] END;
        recorded jsonb := '{}';
        collection text;
        earlier record;
        field text;
    BEGIN
        IF TG_TABLE_SCHEMA <> {schema_name} THEN  -- only the schema's own tables
            RAISE EXCEPTION 'factcheck''s history is kept for the tables of its schema only';
        END IF;
        IF TG_OP = 'UPDATE' THEN
            IF NEW.id IS DISTINCT FROM OLD.id THEN  -- its history is filed under its id
                RAISE EXCEPTION 'the id of a row of % never changes (% to %)', TG_TABLE_NAME, OLD.id, NEW.id;
            END IF;
            FOR field IN SELECT jsonb_object_keys(new_row) LOOP
                IF field <> ALL (unrecorded || ARRAY['updated_at'])
                   AND new_row -> field IS DISTINCT FROM old_row -> field THEN
                    recorded := recorded
                        || jsonb_build_object(field, jsonb_build_array(old_row -> field, new_row -> field));
                END IF;
            END LOOP;
            -- The time of the last change goes with every change; alone, it is a change of its own.
            IF recorded = '{}' AND new_row -> 'updated_at' IS DISTINCT FROM old_row -> 'updated_at' THEN
                recorded := jsonb_build_object('updated_at',
                    jsonb_build_array(old_row -> 'updated_at', new_row -> 'updated_at'));
            END IF;
            IF recorded <> '{}' THEN
                PERFORM factcheck_append_revision(TG_TABLE_NAME, NEW.id, 'update', recorded, new_row);
            END IF;
            RETURN NULL;
        END IF;
        recorded := old_row - unrecorded;  -- a deletion (inserts are recorded a statement at a time)
        FOREACH collection IN ARRAY collections LOOP
            recorded := recorded || jsonb_build_object(collection, '[]'::jsonb);
        END LOOP;
        -- A row's collections are emptied just before it is deleted: what they held is the deleted
        -- row's, as the application records it, in the deletion's revision, which comes last.
        earlier := factcheck_flush_revision(TG_TABLE_NAME, OLD.id);
        IF earlier.found_action = 'update' AND NOT EXISTS (
            SELECT 1 FROM jsonb_each(earlier.found_changes) AS e(key, value) WHERE jsonb_typeof(e.value) <> 'object'
        ) THEN
            FOREACH collection IN ARRAY collections LOOP
                recorded := recorded || jsonb_build_object(collection,
                    coalesce(earlier.found_changes -> collection -> 'removed', '[]'::jsonb));
            END LOOP;
            DELETE FROM revisions WHERE id = earlier.found_id;  -- its id is a gap, as a rollback leaves
        END IF;
        PERFORM factcheck_append_revision(TG_TABLE_NAME, OLD.id, 'delete', recorded, old_row);
        RETURN NULL;
    END $$""",
    # A member added to or removed from a collection (a claim's tags, ...): part of the owner's
    # revision in this flush, or an update of its own.
    # A member added to or removed from a collection (a claim's tags, ...): part of the owner's
    # revision in this flush, or an update of its own.
    """CREATE FUNCTION factcheck_record_membership(owner_entity text, owner_id integer, member jsonb,
        collection text, added boolean) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        side text := CASE WHEN added THEN 'added' ELSE 'removed' END;
        other text := CASE WHEN added THEN 'removed' ELSE 'added' END;
        earlier record := factcheck_flush_revision(owner_entity, owner_id);
        change jsonb;
    BEGIN
        -- Added as the owner is inserted, or removed (by the foreign key's cascade) as it is deleted.
        IF (earlier.found_action = 'insert' AND added) OR (earlier.found_action = 'delete' AND NOT added) THEN
            UPDATE revisions SET changes = jsonb_set(earlier.found_changes, ARRAY[collection],
                coalesce(earlier.found_changes -> collection, '[]'::jsonb) || jsonb_build_array(member))::json
            WHERE id = earlier.found_id;
        ELSIF earlier.found_action = 'update' THEN
            change := coalesce(earlier.found_changes -> collection, '{"added": [], "removed": []}'::jsonb);
            IF change -> other @> jsonb_build_array(member) THEN  -- added and removed again: no change
                change := jsonb_set(change, ARRAY[other], (
                    SELECT coalesce(jsonb_agg(value), '[]'::jsonb) FROM jsonb_array_elements(change -> other)
                    WHERE value <> member));
            ELSE
                change := jsonb_set(change, ARRAY[side], (change -> side) || jsonb_build_array(member));
            END IF;
            UPDATE revisions SET changes = jsonb_set(earlier.found_changes, ARRAY[collection], change)::json
            WHERE id = earlier.found_id;
        ELSE
            PERFORM factcheck_append_revision(owner_entity, owner_id, 'update',
                jsonb_build_object(collection, jsonb_build_object(side, jsonb_build_array(member),
                                                                  other, '[]'::jsonb)),
                jsonb_build_object('id', owner_id));
        END IF;
    END $$""",
    # A row of a collection's table inserted, deleted or changed (a removal and an addition).
    """CREATE FUNCTION factcheck_record_member() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = {schema}, pg_temp SET TimeZone = 'UTC' AS $$
    BEGIN
        IF TG_TABLE_SCHEMA <> {schema_name} THEN  -- only the schema's own tables
            RAISE EXCEPTION 'factcheck''s history is kept for the tables of its schema only';
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            PERFORM factcheck_record_membership(TG_ARGV[0], (to_jsonb(OLD) ->> TG_ARGV[1])::integer,
                to_jsonb(OLD) -> TG_ARGV[2], TG_ARGV[3], false);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM factcheck_record_membership(TG_ARGV[0], (to_jsonb(NEW) ->> TG_ARGV[1])::integer,
                to_jsonb(NEW) -> TG_ARGV[2], TG_ARGV[3], true);
        END IF;
        RETURN NULL;
    END $$""",
    # A kept version's text is written once (when a newer text replaces it) and must be the text
    # its recorded hash names: its revisions leave the text out, so it may not change unseen.
    """CREATE FUNCTION factcheck_version_text() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.text_sha256 IS DISTINCT FROM OLD.text_sha256
           OR (OLD.text IS NOT NULL AND NEW.text IS DISTINCT FROM OLD.text)
           OR (NEW.text IS NOT NULL AND encode(sha256(convert_to(NEW.text, 'UTF8')), 'hex') <> NEW.text_sha256) THEN
            RAISE EXCEPTION 'source version % of source %: a kept text never changes', OLD.number, OLD.source_id;
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER source_versions_text BEFORE UPDATE ON source_versions
        FOR EACH ROW EXECUTE FUNCTION factcheck_version_text()""",
    # The full-text index is the server's too: filled by triggers as the owner, never by a writer
    # (who could make a search find what a claim does not say).
    *(f"ALTER FUNCTION {function} SECURITY DEFINER SET search_path = {{schema}}, pg_temp" for function in INDEXING),
    # The server's user, whatever the client says: the login, since the trigger functions run as the owner.
    """CREATE OR REPLACE FUNCTION factcheck_revision_user() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.db_user := session_user;
        RETURN NEW;
    END $$""",
    # Only the triggers write the history: the helpers are not for calling, and no role but the
    # owner inserts revisions (writers were granted it before).
    "REVOKE EXECUTE ON FUNCTION factcheck_revision_context() FROM PUBLIC",
    "REVOKE EXECUTE ON FUNCTION factcheck_flush_revision(text, integer) FROM PUBLIC",
    "REVOKE EXECUTE ON FUNCTION factcheck_append_revision(text, integer, text, jsonb, jsonb) FROM PUBLIC",
    "REVOKE EXECUTE ON FUNCTION factcheck_record_membership(text, integer, jsonb, text, boolean) FROM PUBLIC",
    # The trigger functions too: anyone may attach a function they may execute to a table of their
    # own, and a writer's temporary `claims` with these would write revisions (and index entries)
    # of its choosing. The triggers made here keep working: a trigger is checked when it is made.
    "REVOKE EXECUTE ON FUNCTION factcheck_record_row() FROM PUBLIC",
    "REVOKE EXECUTE ON FUNCTION factcheck_record_inserts() FROM PUBLIC",
    "REVOKE EXECUTE ON FUNCTION factcheck_record_member() FROM PUBLIC",
    "REVOKE EXECUTE ON FUNCTION factcheck_version_text() FROM PUBLIC",
    *(f"REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC" for function in INDEXING),
    """DO $$
    DECLARE
        grantee text;
    BEGIN
        FOR grantee IN SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g
            JOIN pg_tables t ON t.tablename = g.table_name AND t.schemaname = g.table_schema
            WHERE g.table_name IN ('revisions', 'claims_fts', 'sources_fts', 'evidence_fts')
              AND g.table_schema = current_schema() AND g.privilege_type IN ('INSERT', 'UPDATE', 'DELETE')
              AND g.grantee <> t.tableowner
        LOOP
            EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON revisions, claims_fts, sources_fts, evidence_fts FROM %I',
                           grantee);
            EXECUTE format('REVOKE ALL ON SEQUENCE revisions_id_seq FROM %I', grantee);
        END LOOP;
    END $$""",
    *(
        f"CREATE TRIGGER {table}_history AFTER UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION factcheck_record_row()"
        for table in TRACKED
    ),
    *(
        f"CREATE TRIGGER {table}_history_inserts AFTER INSERT ON {table} REFERENCING NEW TABLE AS inserted "
        "FOR EACH STATEMENT EXECUTE FUNCTION factcheck_record_inserts()"
        for table in TRACKED
    ),
    *(
        f"CREATE TRIGGER {table}_history AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION factcheck_record_member({', '.join(repr(arg) for arg in args)})"
        for table, args in COLLECTIONS.items()
    ),
]

DOWNGRADE = [
    *(f"DROP TRIGGER IF EXISTS {table}_history ON {table}" for table in (*TRACKED, *COLLECTIONS)),
    *(f"DROP TRIGGER IF EXISTS {table}_history_inserts ON {table}" for table in TRACKED),
    "DROP FUNCTION IF EXISTS factcheck_record_inserts()",
    "DROP TRIGGER IF EXISTS source_versions_text ON source_versions",
    "DROP FUNCTION IF EXISTS factcheck_version_text()",
    *(f"ALTER FUNCTION {function} SECURITY INVOKER RESET search_path" for function in INDEXING),
    "DROP FUNCTION IF EXISTS factcheck_record_member()",
    "DROP FUNCTION IF EXISTS factcheck_record_membership(text, integer, jsonb, text, boolean)",
    "DROP FUNCTION IF EXISTS factcheck_record_row()",
    "DROP FUNCTION IF EXISTS factcheck_append_revision(text, integer, text, jsonb, jsonb)",
    "DROP FUNCTION IF EXISTS factcheck_subject_fields(text)",
    "DROP FUNCTION IF EXISTS factcheck_flush_revision(text, integer)",
    "DROP FUNCTION IF EXISTS factcheck_revision_context()",
    "DROP FUNCTION IF EXISTS factcheck_batch()",
    """CREATE OR REPLACE FUNCTION factcheck_revision_user() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.db_user := current_user;
        RETURN NEW;
    END $$""",
    # Writers (the roles that may insert claims) get back what 0013's writers had: they write the
    # history and the search index themselves again.
    """DO $$
    DECLARE
        grantee text;
    BEGIN
        FOR grantee IN SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g
            JOIN pg_tables t ON t.tablename = g.table_name AND t.schemaname = g.table_schema
            WHERE g.table_name = 'claims' AND g.table_schema = current_schema()
              AND g.privilege_type = 'INSERT' AND g.grantee <> t.tableowner
        LOOP
            EXECUTE format('GRANT INSERT, UPDATE, DELETE ON claims_fts, sources_fts, evidence_fts TO %I', grantee);
            EXECUTE format('GRANT INSERT ON revisions TO %I', grantee);
            EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE revisions_id_seq TO %I', grantee);
        END LOOP;
    END $$""",
]


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        # The functions that run as the owner look in this schema alone, never first in the caller's
        # temporary schema (where a writer's own `revisions` table would catch the history).
        schema = connection.dialect.identifier_preparer.quote(
            str(connection.exec_driver_sql("SELECT current_schema()").scalar_one())
        )
        name = str(connection.exec_driver_sql("SELECT current_schema()").scalar_one())
        literal = "'" + name.replace("'", "''") + "'"
        for statement in UPGRADE:
            op.execute(statement.replace("{schema}", schema).replace("{schema_name}", literal))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
