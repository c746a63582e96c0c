"""captures, pages and times: documents kept as they came; where a quote stands in a PDF or a recording

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

Sources come as web pages fetched by URL, PDFs and transcripts. The file each text was read from
(a web page's HTTP response as a WARC record, a PDF, a WebVTT or SRT file) is kept in `captures`,
named by its SHA-256; a source version names the capture its text came from and records where the
text's pages or cues begin (`layout`). Evidence records the page (number and printed label) or the
time in the recording where its quote begins.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "captures",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("gzipped", sa.Boolean(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_captures")),
    )
    with op.batch_alter_table("source_versions") as batch:
        batch.add_column(sa.Column("layout", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("capture_sha256", sa.String(length=64), nullable=True))
        batch.create_foreign_key(
            op.f("fk_source_versions_capture_sha256_captures"), "captures", ["capture_sha256"], ["sha256"]
        )
        batch.create_index(op.f("ix_source_versions_capture_sha256"), ["capture_sha256"])
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("page", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("page_label", sa.Text(), nullable=True))
        batch.add_column(sa.Column("media_time", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("media_time")
        batch.drop_column("page_label")
        batch.drop_column("page")
    with op.batch_alter_table("source_versions") as batch:
        batch.drop_index(op.f("ix_source_versions_capture_sha256"))
        batch.drop_constraint(op.f("fk_source_versions_capture_sha256_captures"), type_="foreignkey")
        batch.drop_column("capture_sha256")
        batch.drop_column("layout")
    op.drop_table("captures")
