"""desk workflow: a status and an assignee for every claim, publications and their corrections

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

A desk's work on claims (services/desk.py): the statuses it uses (desk_statuses, the five defaults
to begin with, extendable), each claim's status, the note it was set with and its assignee; the
versions of a claim the desk published, frozen until unpublished, and each correction made to a
published claim. Every claim there is starts `new` and unassigned. The new tables are in the
history like the others: on PostgreSQL the server records them by the triggers of migration 0014.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in models.DEFAULT_STATUSES, written out: a migration does not change when the code does.
STATUSES = (
    ("new", True),
    ("in-progress", True),
    ("needs-review", True),
    ("published", False),
    ("not-checkable", False),
)
TRACKED = ("desk_statuses", "publications", "corrections")

# Which of a row's columns name the claim and source its revision belongs to (revisions.SUBJECTS),
# as migration 0016 left it, with publications and corrections added.
SUBJECT_FIELDS = """CREATE OR REPLACE FUNCTION factcheck_subject_fields(row_entity text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE row_entity
            WHEN 'claims' THEN '{"claim_id": "id"}'
            WHEN 'sources' THEN '{"source_id": "id"}'
            WHEN 'source_versions' THEN '{"source_id": "source_id"}'
            WHEN 'evidence' THEN '{"claim_id": "claim_id", "source_id": "source_id"}'
            WHEN 'verdicts' THEN '{"claim_id": "claim_id"}'
            WHEN 'claim_links' THEN '{"claim_id": "from_claim_id", "linked_claim_id": "to_claim_id"}'
            WHEN 'appearance_sentences' THEN '{"claim_id": "claim_id", "source_id": "source_id"}'
            %s
            ELSE '{}' END::jsonb
    $$"""
THESE_TABLES = """WHEN 'publications' THEN '{"claim_id": "claim_id"}'
            WHEN 'corrections' THEN '{"claim_id": "claim_id"}'"""


@contextmanager
def _claims_table_kept() -> Iterator[Any]:
    """A batch on the claims table. SQLite alters a table's constraints only by copying it, which
    drops the search index's triggers on it (migration 0002) and would forget the ids given out
    before (migration 0005): both are kept."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table("claims") as batch:
            yield batch
        return
    triggers = list(
        bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'claims'").scalars()
    )
    given = bind.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'claims'").scalar() or 0
    with op.batch_alter_table("claims", recreate="always", table_kwargs={"sqlite_autoincrement": True}) as batch:
        yield batch
    for trigger in triggers:
        op.execute(trigger)
    now = bind.exec_driver_sql("SELECT max(seq) FROM sqlite_sequence WHERE name = 'claims'").scalar() or 0
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'claims'")
    op.execute(f"INSERT INTO sqlite_sequence (name, seq) VALUES ('claims', {max(int(given), int(now))})")


def upgrade() -> None:
    statuses = op.create_table(
        "desk_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_statuses")),
        sa.UniqueConstraint("name", name=op.f("uq_desk_statuses_name")),
        sqlite_autoincrement=True,
    )
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(statuses, [{"name": name, "open": is_open, "created_at": now} for name, is_open in STATUSES])
    with _claims_table_kept() as batch:
        batch.add_column(sa.Column("status", sa.String(length=40), nullable=False, server_default="new"))
        batch.add_column(sa.Column("status_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_claims_status_desk_statuses"), "desk_statuses", ["status"], ["name"])
        batch.create_foreign_key(
            op.f("fk_claims_assignee_id_actors"), "actors", ["assignee_id"], ["id"], ondelete="SET NULL"
        )
    op.create_index("ix_claims_created_at_id", "claims", ["created_at", "id"])
    op.create_index("ix_claims_status_assignee_id", "claims", ["status", "assignee_id"])
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Text(), nullable=True),
        sa.Column("version", sa.JSON(), nullable=False),
        sa.Column("unpublished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unpublished_by", sa.Text(), nullable=True),
        sa.Column("unpublish_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_publications_claim_id_claims"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
        sa.UniqueConstraint("claim_id", "number", name=op.f("uq_publications_claim_id_number")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_publications_published_at"), "publications", ["published_at"])
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_corrections_claim_id_claims"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_corrections_publication_id_publications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
        sa.UniqueConstraint("claim_id", "number", name=op.f("uq_corrections_claim_id_number")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_corrections_publication_id"), "corrections", ["publication_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SUBJECT_FIELDS % THESE_TABLES)
        for table in TRACKED:
            op.execute(
                f"CREATE TRIGGER {table}_history AFTER UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION factcheck_record_row()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_history_inserts AFTER INSERT ON {table} "
                "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION factcheck_record_inserts()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TRACKED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_history ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_history_inserts ON {table}")
        op.execute(SUBJECT_FIELDS % "")
    op.drop_index(op.f("ix_corrections_publication_id"), table_name="corrections")
    op.drop_table("corrections")
    op.drop_index(op.f("ix_publications_published_at"), table_name="publications")
    op.drop_table("publications")
    op.drop_index("ix_claims_status_assignee_id", table_name="claims")
    op.drop_index("ix_claims_created_at_id", table_name="claims")
    with _claims_table_kept() as batch:
        batch.drop_constraint(op.f("fk_claims_assignee_id_actors"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_claims_status_desk_statuses"), type_="foreignkey")
        for column in ("assignee_id", "status_note", "status"):
            batch.drop_column(column)
    op.drop_table("desk_statuses")
