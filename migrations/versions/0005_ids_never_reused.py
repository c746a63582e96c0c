"""ids never reused: AUTOINCREMENT on every table the history refers to

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

SQLite hands the largest rowid out again once its row is deleted, so a restored claim could collide
with a newer one and a new row inherit an old row's history. AUTOINCREMENT needs the table to be
rebuilt (SQLite cannot alter a primary key), so each table is rebuilt in batch mode, its triggers
(the search index's) re-created, and its counter started above every id it ever gave out, the
deleted ones named in the history included. PostgreSQL's sequences never go back: nothing to do.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("actors", "sources", "tags", "claims", "evidence", "claim_links", "verdicts", "events", "revisions")


def _rebuild(autoincrement: bool) -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    # The search index's triggers name these tables; they go while the tables are rebuilt.
    triggers = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    for name, _sql in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass
        if autoincrement:
            # Above every id the table ever had, including rows deleted before this migration.
            connection.execute(text("DELETE FROM sqlite_sequence WHERE name = :table"), {"table": table})
            connection.execute(
                text(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT :table, max("
                    "coalesce((SELECT max(id) FROM " + table + "), 0), "
                    "coalesce((SELECT max(entity_id) FROM revisions WHERE entity = :table), 0))"
                ),
                {"table": table},
            )
        else:
            connection.execute(text("DELETE FROM sqlite_sequence WHERE name = :table"), {"table": table})
    for _name, sql in triggers:
        connection.exec_driver_sql(sql)


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
