"""claim word instances: an fts5vocab view of every word of the claims index, so that a pass
matching thousands of texts can hold the index in memory (factcheck/wordindex.py)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

SQLite only, like 0004: a view of the index, with no storage of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE claims_fts_instances USING fts5vocab(claims_fts, 'instance')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS claims_fts_instances")
