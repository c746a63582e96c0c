"""indexed history: the claim and source each revision belongs to; claims in date order by index

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23

`history CLAIM` and `history SOURCE` looked for a claim's evidence, verdicts and links inside the
revisions' JSON, reading every revision. Each revision now says which claim (`claim_id`; a link's
other claim in `linked_claim_id`) and which source (`source_id`) it belongs to, in indexed
columns: a claim's or source's own revisions name it, evidence names its claim and source, a
verdict its claim, a link both claims. Existing revisions are filled from what they recorded:
inserts and deletes carry every column; an update takes its row's values from another revision
of the same row (evidence, verdicts and links never move to another claim or source).

`ix_claims_stated_on` becomes (stated_on, id), the order `claim list` reads in, so that
PostgreSQL too reads a page of it straight from the index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBJECTS = ("claim_id", "linked_claim_id", "source_id")
# Which of a recorded row's columns name the claim and source it belongs to.
FIELDS = {
    "evidence": {"claim_id": "claim_id", "source_id": "source_id"},
    "verdicts": {"claim_id": "claim_id"},
    "claim_links": {"claim_id": "from_claim_id", "linked_claim_id": "to_claim_id"},
}


def _number(field: str) -> str:
    """A whole number the revision recorded under `field`; NULL for anything else (an update's [old, new])."""
    if op.get_bind().dialect.name == "postgresql":
        return f"CASE WHEN json_typeof(changes -> '{field}') = 'number' THEN (changes ->> '{field}')::integer END"
    return f"CASE WHEN json_type(changes, '$.{field}') = 'integer' THEN json_extract(changes, '$.{field}') END"


def upgrade() -> None:
    for column in SUBJECTS:  # plain ADD COLUMN: no copy of the table, however many revisions it has
        op.add_column("revisions", sa.Column(column, sa.Integer(), nullable=True))
    op.execute("UPDATE revisions SET claim_id = entity_id WHERE entity = 'claims'")
    op.execute("UPDATE revisions SET source_id = entity_id WHERE entity = 'sources'")
    for entity, fields in FIELDS.items():
        assignments = ", ".join(f"{column} = {_number(field)}" for column, field in fields.items())
        op.execute(f"UPDATE revisions SET {assignments} WHERE entity = '{entity}'")
        # Updates record only what changed: the row's claim and source come from its other revisions.
        sibling = (
            "(SELECT max(r.{column}) FROM revisions r "
            "WHERE r.entity = revisions.entity AND r.entity_id = revisions.entity_id)"
        )
        assignments = ", ".join(f"{column} = {sibling.format(column=column)}" for column in fields)
        op.execute(f"UPDATE revisions SET {assignments} WHERE entity = '{entity}' AND claim_id IS NULL")
    for column in SUBJECTS:
        op.create_index(op.f(f"ix_revisions_{column}"), "revisions", [column], unique=False)
    op.drop_index("ix_claims_stated_on", table_name="claims")
    op.create_index("ix_claims_stated_on_id", "claims", ["stated_on", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_claims_stated_on_id", table_name="claims")
    op.create_index("ix_claims_stated_on", "claims", ["stated_on"], unique=False)
    for column in SUBJECTS:
        op.drop_index(op.f(f"ix_revisions_{column}"), table_name="revisions")
        op.drop_column("revisions", column)
