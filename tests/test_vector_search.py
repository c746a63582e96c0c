"""The vector search: each stored vector has its sign code, a search ranks every code and scores
the nearest exactly, and what it returns is what an exact scan of every vector returns. On both
backends (the `db_url` database), with vectors shaped like real ones: clustered, not centred."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import insert, select, text, update

from factcheck import db
from factcheck.models import Claim, ClaimVector
from factcheck.services import vectors


def clustered(count: int, seed: int = 3) -> Any:
    """Unit vectors in 40 clusters around a shared direction, as sentence embeddings are; each value
    one that storing keeps (float16), so that the stored vectors are these."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(vectors.DIMENSIONS)
    centres = common + 1.2 * rng.standard_normal((40, vectors.DIMENSIONS))
    rows = centres[rng.integers(0, 40, count)] + 0.9 * rng.standard_normal((count, vectors.DIMENSIONS))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(vectors.STORED).astype("float32")


def store(url: str, matrix: Any) -> None:
    """Claims 1..n with these vectors, written as factcheck writes them (store_vectors' rows)."""
    with db.session_scope(url, write=True) as session:
        session.execute(insert(Claim), [{"slug": f"c{n}", "text": f"claim {n}"} for n in range(len(matrix))])
        ids = session.scalars(select(Claim.id).order_by(Claim.id)).all()
        session.execute(
            insert(ClaimVector),
            [
                {"claim_id": i, "model": vectors.model_name(), "vector": vectors.to_bytes(v), "code": c.tobytes()}
                for i, v, c in zip(ids, matrix, vectors.codes(matrix.astype(vectors.STORED)), strict=True)
            ],
        )


def test_a_code_is_one_bit_a_dimension_set_where_positive() -> None:
    vector = np.zeros(vectors.DIMENSIONS, dtype="float32")
    vector[[0, 9, 511]] = [0.5, 0.1, 0.2]
    vector[1] = -0.7
    code = np.unpackbits(vectors.codes(vector).view(np.uint8))
    assert code.shape == (vectors.DIMENSIONS,) and set(np.flatnonzero(code)) == {0, 9, 511}


def test_the_search_returns_what_an_exact_scan_returns(db_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # More vectors than the search rescores and than one chunk of codes, so that both steps count.
    monkeypatch.setattr(vectors, "RESCORE", 300)
    monkeypatch.setattr(vectors, "CODE_CHUNK", 1_000)
    stored = clustered(4_000)
    store(db_url, stored)
    rng = np.random.default_rng(11)
    with db.session_scope(db_url) as session:
        ids = session.scalars(select(Claim.id).order_by(Claim.id)).all()
        found = 0
        for row in rng.choice(len(stored), 30, replace=False):
            query = stored[row] + 0.03 * rng.standard_normal(vectors.DIMENSIONS).astype("float32")
            query /= np.linalg.norm(query)
            exact = [ids[i] for i in np.argsort(-(stored @ query), kind="stable")[:10]]
            hits = vectors.nearest(session, query, limit=10)
            assert hits[0][0] == exact[0] == ids[row]  # the stored vector a query was made from comes first
            assert hits[0][1] == pytest.approx(float(stored[row] @ query), abs=1e-5)  # the exact cosine
            assert [score for _id, score in hits] == sorted((score for _id, score in hits), reverse=True)
            found += len(set(exact) & {claim_id for claim_id, _score in hits})
            # `exclude` leaves that claim out, and the next best takes its place.
            assert vectors.nearest(session, query, limit=1, exclude=ids[row])[0][0] == exact[1]
        assert found / (30 * 10) >= 0.95  # benchmarks/matching/speed.py measures this on real embeddings


def test_a_small_table_is_searched_exactly(db_url) -> None:  # type: ignore[no-untyped-def]
    stored = clustered(500, seed=5)  # fewer than RESCORE: every vector is scored
    store(db_url, stored)
    query = clustered(1, seed=6)[0]
    with db.session_scope(db_url) as session:
        ids = session.scalars(select(Claim.id).order_by(Claim.id)).all()
        hits = vectors.nearest(session, query, limit=50)
    assert [claim_id for claim_id, _score in hits] == [
        ids[i] for i in np.argsort(-(stored @ query), kind="stable")[:50]
    ]


def test_a_pass_pools_each_querys_nearest_ties_and_all(db_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """vector_passes.nearest_pools, over several chunks of vectors: each query's pool holds its
    exact nearest as `nearest` ranks them (by the cosine computed row by row, ties by id), also
    where more vectors than the limit tie (stored 40 times), and little else."""
    from factcheck.services import vector_passes

    monkeypatch.setattr(vectors, "VECTOR_CHUNK", 170)
    stored = clustered(1_200, seed=14)
    stored[100:140] = stored[99]  # 41 claims with one vector: 41 ties for any query
    store(db_url, stored)
    rng = np.random.default_rng(15)
    rows = [99, 120, *rng.choice(len(stored), 20, replace=False).tolist()]
    queries = stored[rows] + 0.05 * rng.standard_normal((len(rows), vectors.DIMENSIONS)).astype("float32")
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    with db.session_scope(db_url) as session:
        ids = np.asarray(session.scalars(select(Claim.id).order_by(Claim.id)).all(), dtype=np.int64)
        exclude = [int(ids[row]) for row in rows]
        pools = vector_passes.nearest_pools(session, queries, limit=10, exclude=exclude)
    for query, skip, pool in zip(queries, exclude, pools, strict=True):
        exact = vectors.cosines(stored, query)
        exact[ids == skip] = -np.inf
        nearest = ids[np.lexsort((ids, -exact))[:10]]
        assert set(nearest.tolist()) <= set(pool.tolist()) and skip not in pool
        ties = int(np.sum(exact >= exact[ids == nearest[-1]][0] - 2 * vectors.SLACK))
        assert len(pool) <= max(ties, 10) + 2  # the nearest and what comes within 2 SLACK of them
    assert len(pools[0]) >= 40  # the 40 others stored as claim 100 are all in its pool


def test_every_write_stores_the_code_of_its_vector(cli, db_url) -> None:  # type: ignore[no-untyped-def]
    cli.ok("seed")
    slug = cli.json("claim", "list")[0]["slug"]
    cli.ok("claim", "edit", slug, "--text", "NATO never promised anything to Gorbachev in 1990.")
    cli.ok("claim", "add", "Sanctions hurt Europe more than they hurt Russia.")
    with db.session_scope(db_url) as session:
        rows = session.execute(select(ClaimVector.vector, ClaimVector.code)).all()
    assert len(rows) == 27
    for vector, code in rows:
        assert code == vectors.codes(vectors.from_bytes([vector])[0]).tobytes()


def test_a_vector_without_its_code_is_missing_until_rebuilt(cli, db_url) -> None:  # type: ignore[no-untyped-def]
    cli.ok("claim", "add", "NATO promised Russia it would not expand eastward.")
    with db.session_scope(db_url, write=True) as session:
        session.execute(update(ClaimVector).values(code=None))  # as another program might write it
    result = cli("similar", "NATO promised not to expand")
    assert "1 of 1 claims have no vector: run `factcheck index rebuild`" in result.stderr
    cli.ok("index", "rebuild")
    assert cli.json("index", "status")["current"] == 1
    assert cli.json("similar", "НАТО обещало России не расширяться на восток.")[0]["semantic"] > 0.8


def test_upgrading_to_0010_gives_existing_vectors_their_codes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    url = db.resolve_url(str(tmp_path / "old.db"))
    db.upgrade(url, "0009")
    stored = clustered(2_500, seed=8)  # more than one batch of the migration
    with sqlite3.connect(tmp_path / "old.db") as connection:  # as 0009 stored vectors: without codes
        connection.executemany(
            "INSERT INTO claims (id, slug, text, created_at, updated_at) VALUES (?, ?, 'x', '2026-01', '2026-01')",
            [(n, f"c{n}") for n in range(1, 2_501)],
        )
        connection.executemany(
            "INSERT INTO claim_vectors (claim_id, model, vector) VALUES (?, 'm@1', ?)",
            [(n + 1, v.astype("<f4").tobytes()) for n, v in enumerate(stored)],  # float32, as then
        )
    db.upgrade(url)
    with sqlite3.connect(tmp_path / "old.db") as connection:
        rows = connection.execute("SELECT vector, code FROM claim_vectors ORDER BY claim_id").fetchall()
    # Migration 0013 stores them as float16, and their codes are those of the values stored.
    rounded = stored.astype(vectors.STORED)
    assert [vector for vector, _code in rows] == [v.tobytes() for v in rounded]
    assert [code for _vector, code in rows] == [code.tobytes() for code in vectors.codes(rounded)]
    db.downgrade(url, "0012")  # back to float32, of the rounded values
    with sqlite3.connect(tmp_path / "old.db") as connection:
        rows = connection.execute("SELECT vector FROM claim_vectors ORDER BY claim_id").fetchall()
    assert [vector for (vector,) in rows] == [v.astype("<f4").tobytes() for v in rounded]
    db.downgrade(url, "0009")
    db.upgrade(url)


def test_every_claim_is_searched_whatever_its_id(db_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Codes are read CODE_CHUNK claims at a time, in the order of their ids, whatever those are.
    monkeypatch.setattr(vectors, "CODE_CHUNK", 100)
    stored = clustered(600, seed=9)
    ids = [-5, 0, *range(1, 299), *range(10**9, 10**9 + 299), 2**31 - 1]  # the last, PostgreSQL's largest
    with db.session_scope(db_url, write=True) as session:
        session.execute(insert(Claim), [{"id": i, "slug": f"c{i}", "text": "x"} for i in ids])
        session.execute(
            insert(ClaimVector),
            [
                {"claim_id": i, "model": vectors.model_name(), "vector": vectors.to_bytes(v), "code": c.tobytes()}
                for i, v, c in zip(ids, stored, vectors.codes(stored), strict=True)
            ],
        )
    query = clustered(1, seed=10)[0]
    with db.session_scope(db_url) as session:
        hits = vectors.nearest(session, query, limit=600)  # fewer than RESCORE: exact
        assert [claim_id for claim_id, _score in hits] == [ids[i] for i in np.argsort(-(stored @ query), kind="stable")]
        found = vectors.vectors_of(session, [ids[0], ids[-1], 12345])
    assert set(found) == {ids[0], ids[-1]} and np.array_equal(found[ids[-1]], stored[-1])


def test_a_utf16_database_is_searched_alike(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # SQLite's group_concat joins bytes as they are only in a UTF-8 database: elsewhere they go as hex.
    import sqlite3

    with sqlite3.connect(tmp_path / "utf16.db") as connection:
        connection.execute("PRAGMA encoding = 'UTF-16le'")
        connection.execute("CREATE TABLE made (x)")  # the encoding is fixed when the file is made
    url = db.resolve_url(str(tmp_path / "utf16.db"))
    db.upgrade(url)
    stored = clustered(1_500, seed=12)  # more than RESCORE: codes, then exact rescoring
    store(url, stored)
    with db.session_scope(url) as session:
        assert session.execute(text("PRAGMA encoding")).scalar_one() == "UTF-16le"
        hits = vectors.nearest(session, stored[7], limit=5)
        assert hits[0][0] == 8 and hits[0][1] == pytest.approx(1.0, abs=1e-4)  # rounded: a norm of 1 within 1e-4
        assert np.array_equal(vectors.vectors_of(session, [1500])[1500], stored[1499])


def test_a_code_of_another_size_is_missing_until_rebuilt(cli, db_url) -> None:  # type: ignore[no-untyped-def]
    for claim in ("NATO promised Russia it would not expand eastward.", "Sanctions hurt Europe more than Russia."):
        cli.ok("claim", "add", claim)
    with db.session_scope(db_url, write=True) as session:  # as another program might write them
        session.execute(update(ClaimVector).where(ClaimVector.claim_id == 1).values(code=b"\x01" * 32))
        session.execute(update(ClaimVector).where(ClaimVector.claim_id == 2).values(code=b"\x01" * 96))
    result = cli("similar", "NATO promised not to expand")
    assert result.exit_code == 0 and "2 of 2 claims have no vector: run `factcheck index rebuild`" in result.stderr
    assert cli.json("index", "status")["missing"] == 2
    with db.session_scope(db_url) as session:
        assert vectors.nearest(session, clustered(1)[0]) == []  # not misread as one 128-byte code
    cli.ok("index", "rebuild")
    best = cli.json("similar", "NATO promised not to expand")[0]
    assert best["slug"].startswith("nato-promised") and best["semantic"] > 0.7


def test_the_search_sees_what_its_session_has_not_flushed_yet(db_url) -> None:  # type: ignore[no-untyped-def]
    # On PostgreSQL the rows are read straight from the driver, which must see the session's writes.
    stored = clustered(2, seed=13)
    with db.session_scope(db_url, write=True) as session:
        claim = Claim(slug="pending", text="x")
        claim.id = 7
        session.add(claim)
        session.add(
            ClaimVector(
                claim_id=7,
                model=vectors.model_name(),
                vector=vectors.to_bytes(stored[0]),
                code=vectors.codes(stored[0]).tobytes(),
            )
        )
        assert vectors.nearest(session, stored[0], limit=1)[0][0] == 7
        assert np.array_equal(vectors.vectors_of(session, [7])[7], stored[0])


def test_a_cosine_does_not_depend_on_the_rows_scored_with_it() -> None:
    """A pair's cosine is the same whichever search scores it: 1,000 rescored at once by
    `similar`, 100 kept by the site's block search, or one (a matrix product would give a row
    other roundings in another matrix)."""
    matrix = clustered(1_000, seed=21)
    query = clustered(1, seed=22)[0]
    whole = vectors.cosines(matrix, query)
    for start in range(0, 1_000, 100):
        assert (vectors.cosines(matrix[start : start + 100].copy(), query) == whole[start : start + 100]).all()
    assert all(vectors.cosines(matrix[n : n + 1], query)[0] == whole[n] for n in range(0, 1_000, 97))
