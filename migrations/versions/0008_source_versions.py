"""source versions: every archived text a source has had, and where its quotes stood in each

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

One row per text: its number (1, 2, ... per source), SHA-256, size in UTF-8 bytes and when it was
archived. The newest is the source's own text (`text` NULL here); a text replaced keeps its words
in `text`, and `quotes` where each quote stood in it. Each source that has a text now gets its
version 1, dated when the source was last changed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "source_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("quotes", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_source_versions_source_id_sources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_versions")),
        sa.UniqueConstraint("source_id", "number", name=op.f("uq_source_versions_source_id_number")),
    )
    size = "octet_length(text)" if op.get_bind().dialect.name == "postgresql" else "length(CAST(text AS BLOB))"
    op.execute(
        "INSERT INTO source_versions (source_id, number, text, text_sha256, size, archived_at, quotes) "
        f"SELECT id, 1, NULL, text_sha256, {size}, coalesce(updated_at, created_at), NULL "
        "FROM sources WHERE text IS NOT NULL AND text_sha256 IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("source_versions")
