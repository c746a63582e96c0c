"""vector codes: a 64-byte sign code beside each claim vector, read first when searching

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24

`similar` read every 2 KB vector to find the nearest ones: 200 MB at 100,000 claims. Each vector
now has a code of its 512 signs (64 bytes). A search ranks all codes by Hamming distance, then
scores exactly the vectors of the best codes. The index on (model, claim_id, code) lets SQLite
read the codes from the index alone, without touching the vectors' pages. Existing vectors get
their codes here, a thousand at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1_000


def upgrade() -> None:
    import numpy as np

    op.add_column("claim_vectors", sa.Column("code", sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    vectors = sa.table("claim_vectors", sa.column("claim_id"), sa.column("vector"), sa.column("code"))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(vectors.c.claim_id, vectors.c.vector)
            .where(vectors.c.claim_id > last)
            .order_by(vectors.c.claim_id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        for claim_id, vector in rows:
            # The same code as factcheck.services.vectors.codes: one bit a dimension, set when positive.
            code = np.packbits(np.frombuffer(vector, dtype="<f4") > 0).tobytes()
            connection.execute(vectors.update().where(vectors.c.claim_id == claim_id).values(code=code))
    op.drop_index(op.f("ix_claim_vectors_model"), table_name="claim_vectors")
    op.create_index(op.f("ix_claim_vectors_codes"), "claim_vectors", ["model", "claim_id", "code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_claim_vectors_codes"), table_name="claim_vectors")
    op.create_index(op.f("ix_claim_vectors_model"), "claim_vectors", ["model"])
    op.drop_column("claim_vectors", "code")
