"""revision batches

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 23:13:08.766983
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Where a downgrade keeps the batch ids, so that an upgrade brings them back: `restore` needs them.
KEPT = "revision_batches_kept"


def upgrade() -> None:
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_revisions_batch"), ["batch"], unique=False)
    if sa.inspect(op.get_bind()).has_table(KEPT):
        op.execute(
            f"UPDATE revisions SET batch = (SELECT batch FROM {KEPT} WHERE {KEPT}.id = revisions.id) "
            f"WHERE id IN (SELECT id FROM {KEPT})"
        )
        op.drop_table(KEPT)


def downgrade() -> None:
    op.create_table(KEPT, sa.Column("id", sa.Integer, primary_key=True), sa.Column("batch", sa.String(32)))
    op.execute(f"INSERT INTO {KEPT} (id, batch) SELECT id, batch FROM revisions WHERE batch IS NOT NULL")
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revisions_batch"))
        batch_op.drop_column("batch")
