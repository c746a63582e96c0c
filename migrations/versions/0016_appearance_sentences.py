"""appearance sentences: the sentence in which a source repeats a claim (`scan --apply`)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

`factcheck scan SOURCE --apply` records each claim the source repeats as an appearance of the
claim in it (claim_appearances) and keeps the sentence that says it here, so that a report can
quote it. The rows are in the history like evidence: on PostgreSQL the server records them by the
triggers of migration 0014, and each revision belongs to its claim and its source.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Which of a row's columns name the claim and source its revision belongs to (revisions.SUBJECTS),
# as migration 0014 made it, with this table's added.
SUBJECT_FIELDS = """CREATE OR REPLACE FUNCTION factcheck_subject_fields(row_entity text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE row_entity
            WHEN 'claims' THEN '{"claim_id": "id"}'
            WHEN 'sources' THEN '{"source_id": "id"}'
            WHEN 'source_versions' THEN '{"source_id": "source_id"}'
            WHEN 'evidence' THEN '{"claim_id": "claim_id", "source_id": "source_id"}'
            WHEN 'verdicts' THEN '{"claim_id": "claim_id"}'
            WHEN 'claim_links' THEN '{"claim_id": "from_claim_id", "linked_claim_id": "to_claim_id"}'
            %s
            ELSE '{}' END::jsonb
    $$"""
THIS_TABLE = """WHEN 'appearance_sentences' THEN '{"claim_id": "claim_id", "source_id": "source_id"}'"""


def upgrade() -> None:
    op.create_table(
        "appearance_sentences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_appearance_sentences_claim_id_claims"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_appearance_sentences_source_id_sources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appearance_sentences")),
        sa.UniqueConstraint("claim_id", "source_id", name=op.f("uq_appearance_sentences_claim_id_source_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_appearance_sentences_claim_id"), "appearance_sentences", ["claim_id"])
    op.create_index(op.f("ix_appearance_sentences_source_id"), "appearance_sentences", ["source_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SUBJECT_FIELDS % THIS_TABLE)
        op.execute(
            "CREATE TRIGGER appearance_sentences_history AFTER UPDATE OR DELETE ON appearance_sentences "
            "FOR EACH ROW EXECUTE FUNCTION factcheck_record_row()"
        )
        op.execute(
            "CREATE TRIGGER appearance_sentences_history_inserts AFTER INSERT ON appearance_sentences "
            "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION factcheck_record_inserts()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS appearance_sentences_history ON appearance_sentences")
        op.execute("DROP TRIGGER IF EXISTS appearance_sentences_history_inserts ON appearance_sentences")
        op.execute(SUBJECT_FIELDS % "")
    op.drop_index(op.f("ix_appearance_sentences_source_id"), table_name="appearance_sentences")
    op.drop_index(op.f("ix_appearance_sentences_claim_id"), table_name="appearance_sentences")
    op.drop_table("appearance_sentences")
