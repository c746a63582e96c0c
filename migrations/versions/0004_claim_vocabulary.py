"""claim vocabulary: an fts5vocab view of the claims index, so that `similar` can pick a text's
rarest words

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

SQLite only, like 0002.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE claims_fts_vocab USING fts5vocab(claims_fts, 'row')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS claims_fts_vocab")
