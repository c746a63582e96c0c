"""claim vectors: a sentence embedding of each claim, by model, for matching in any wording

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

One row per claim: the model's name and version, and the vector as float32 bytes (BLOB on SQLite,
bytea on PostgreSQL). Derived data, recomputed by `factcheck index rebuild`; a claim's deletion
takes its vector with it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim_vectors",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_vectors_claim_id_claims"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_claim_vectors")),
    )
    op.create_index(op.f("ix_claim_vectors_model"), "claim_vectors", ["model"])


def downgrade() -> None:
    op.drop_index(op.f("ix_claim_vectors_model"), table_name="claim_vectors")
    op.drop_table("claim_vectors")
