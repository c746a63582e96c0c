"""half-precision vectors: claim vectors stored as float16, 1 KB instead of 2 KB

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

A 2 KB float32 vector and its row filled a little over half a 4 KB SQLite page, so a page held one
vector: claim_vectors was nearly half empty pages, and the largest table of a claims-only
database. As float16 three rows fill a page. Chosen on the CheckThat! 2020 train tweets against
its 10,375 claims: the 10 nearest claims by float16 cosine are those by float32 for 99.99% of them
(int8 with a scale per vector: 99.68%; cosines within 5e-5 against 1e-3); on the dev tweets,
measured after, 99.95%. Existing vectors are
converted here, a thousand at a time; their codes (signs) are recomputed from the rounded values.
The space freed in an existing SQLite file is reused by new rows (or returned by VACUUM).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1_000


def _convert(source: str, target: str) -> None:
    """Every vector read as `source` and written as `target` (numpy dtypes), with its code."""
    import numpy as np

    connection = op.get_bind()
    vectors = sa.table("claim_vectors", sa.column("claim_id"), sa.column("vector"), sa.column("code"))
    width = np.dtype(source).itemsize * 512
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
        changed = []
        for claim_id, vector in rows:
            if len(vector) != width:  # written by another program: left for `index rebuild`
                continue
            rounded = np.frombuffer(vector, dtype=source).astype(target)
            # The same code as factcheck.services.vectors.codes: one bit a dimension, set when positive.
            code = np.packbits(rounded > 0).tobytes()
            changed.append({"id": claim_id, "vector": rounded.tobytes(), "code": code})
        if changed:
            connection.execute(
                vectors.update()
                .where(vectors.c.claim_id == sa.bindparam("id"))
                .values(vector=sa.bindparam("vector"), code=sa.bindparam("code")),
                changed,
            )


def upgrade() -> None:
    _convert("<f4", "<f2")


def downgrade() -> None:
    _convert("<f2", "<f4")
