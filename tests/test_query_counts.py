"""`claim show` and `claim list` run a bounded number of SQL statements: no N+1."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from factcheck import db
from factcheck.services import actors, claim_lists, claims, evidence, sources


def _build(url: str, n_evidence: int, n_claims: int) -> None:
    with db.session_scope(url, write=True, by="test") as session:
        actor = actors.add_actor(session, "Speaker")
        source = sources.add_source(session, "Source", published_on="2021")
        main = claims.add_claim(session, "Main claim", claimant=actor.slug, tags=["a", "b"], slug="main", force=True)
        for i in range(n_claims):
            other = claims.add_claim(session, f"Other claim {i}", claimant=actor.slug, tags=["a"], force=True)
            claims.link_claims(session, other.slug, "rebuts" if i % 2 else "qualifies", main.slug)
            claims.rate_claim(session, other.slug, "false", rationale="r")
        for i in range(n_evidence):
            evidence.add_evidence(
                session,
                main.slug,
                source.slug,
                stance=("supports", "refutes", "context")[i % 3],
                quote=f"quote {i}",
                speaker=actor.slug,
            )
        claims.rate_claim(session, main.slug, "false", rationale="r", reviewer=actor.slug)


@contextmanager
def _counting(url: str):  # type: ignore[no-untyped-def]
    statements: list[str] = []
    engine = db.get_engine(url, read_only=True)  # the engine read sessions use

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements(tmp_path, n_evidence: int, n_claims: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    url = db.resolve_url(str(tmp_path / f"q{n_evidence}.db"))
    db.upgrade(url)
    _build(url, n_evidence, n_claims)
    with db.session_scope(url) as session, _counting(url) as shown:
        dossier = claims.show_claim(session, "main")
    assert sum(dossier["evidence_counts"].values()) == n_evidence
    with db.session_scope(url) as session, _counting(url) as listed:
        assert len(list(claim_lists.list_claims(session, tag="a"))) == n_claims + 1
    return len(shown), len(listed)


def test_show_and_list_do_not_grow_with_the_data(tmp_path) -> None:  # type: ignore[no-untyped-def]
    small = _statements(tmp_path, n_evidence=3, n_claims=2)
    large = _statements(tmp_path, n_evidence=300, n_claims=40)
    assert small == large
    # The list: how common the tag is, then the dated claims (with tags, counts, newest
    # verdicts), then the undated ones; BEGIN included.
    assert large[0] <= 12 and large[1] <= 7


def test_a_long_list_is_read_a_page_at_a_time(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = db.resolve_url(str(tmp_path / "pages.db"))
    db.upgrade(url)
    _build(url, n_evidence=3, n_claims=40)
    monkeypatch.setattr(claim_lists, "LIST_PAGE", 10)
    with db.session_scope(url) as session, _counting(url) as listed:
        rows = claim_lists.list_claims(session)
        first = [next(rows) for _ in range(10)]
        read_for_one_page = len(listed)
        rest = list(rows)
    assert len(first) + len(rest) == 41
    # BEGIN, the dated claims (none: these have no date), then a page of the undated ones with
    # their tags, counts and verdicts; the other 31 claims are not read yet.
    assert read_for_one_page <= 6
    assert len(listed) <= 2 + 5 * 4  # every page alike


def test_texts_of_any_number_of_claims_is_one_statement(db_url: str) -> None:
    """A pass over many claims reads their texts by one statement, whatever their number: an IN
    list of N parameters is another statement for each N, which SQLite's driver prepares and keeps
    (the static site's pass over 100,000 claims grew by over 100 MB)."""
    from factcheck.services.similar import texts_of

    db.upgrade(db_url)
    with db.session_scope(db_url, write=True, by="test") as session:
        made = [claims.add_claim(session, f"Claim number {n}", force=True) for n in range(7)]
        expected = {claim.id: (claim.slug, claim.text) for claim in made}
    shapes: set[str] = set()
    for wanted in ([], [made[0].id], [claim.id for claim in made], [*expected, 10**12, -1]):
        with db.session_scope(db_url) as session, _counting(db_url) as statements:
            found = texts_of(session, wanted)
        assert found == {claim_id: expected[claim_id] for claim_id in wanted if claim_id in expected}
        if wanted:
            read = [statement for statement in statements if "claims" in statement and "slug" in statement]
            assert len(read) == 1
            shapes.add(read[0])
    assert len(shapes) == 1
