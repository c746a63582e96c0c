"""The indexed paths return exactly what the queries they replaced returned: history by claim or
source (indexed columns on revisions, filled by migration 0009), search's top hits (ranked by
FTS5 itself, snippets for the page only), the claim list in date order (keyset pages). Each old
query is kept here, as it was, and both run on the seed data after edits and deletions, and on
generated data."""

from __future__ import annotations

import importlib.util
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import and_, event, or_, select, text
from sqlalchemy.orm import Session, joinedload, selectinload

from factcheck import db
from factcheck.interchange.dataset import SECTIONS, add_records, load_records
from factcheck.models import Claim, Evidence, Revision, Source, Tag, claim_tags
from factcheck.revisions import SUBJECTS, record_revisions
from factcheck.search import _MARK_END, _MARK_START, backend, plain_query
from factcheck.services import claim_lists
from factcheck.services.history import _subject, list_history, revision_view
from tests.conftest import Run

ROOT = Path(__file__).resolve().parents[1]

# --- the queries as they were ---------------------------------------------------------------------


def old_history(session: Session, ref: str, limit: int = 100) -> dict[str, Any]:
    """history CLAIM/SOURCE before 0009: the revisions' JSON searched, every revision read."""
    entity, entity_id, slug = _subject(session, ref)
    mine = and_(Revision.entity == entity, Revision.entity_id == entity_id)
    if entity == "claims":
        own = or_(
            mine,
            and_(
                Revision.entity == "evidence",
                or_(
                    Revision.entity_id.in_(select(Evidence.id).where(Evidence.claim_id == entity_id)),
                    Revision.changes["claim_id"].as_integer() == entity_id,
                ),
            ),
            and_(Revision.entity == "verdicts", Revision.changes["claim_id"].as_integer() == entity_id),
            and_(
                Revision.entity == "claim_links",
                or_(
                    Revision.changes["from_claim_id"].as_integer() == entity_id,
                    Revision.changes["to_claim_id"].as_integer() == entity_id,
                ),
            ),
        )
    else:
        own = or_(
            mine,
            and_(
                Revision.entity == "evidence",
                or_(
                    Revision.entity_id.in_(select(Evidence.id).where(Evidence.source_id == entity_id)),
                    Revision.changes["source_id"].as_integer() == entity_id,
                ),
            ),
            # Kept versions of a source's text joined its history since (0014).
            and_(Revision.entity == "source_versions", Revision.changes["source_id"].as_integer() == entity_id),
        )
    revisions = session.scalars(select(Revision).where(own).order_by(Revision.id.desc()).limit(limit))
    return {
        "subject": {"entity": entity, "id": entity_id, "slug": slug},
        "revisions": [revision_view(r) for r in revisions],
    }


OLD_SEARCHES = {  # every match ranked and given its snippet, then sorted
    "claims": """
        SELECT 'claims', c.id, c.slug, c.text,
               snippet(claims_fts, -1, :start, :end, '…', 16), bm25(claims_fts, 10.0, 4.0)
        FROM claims_fts JOIN claims c ON c.id = claims_fts.rowid
        WHERE claims_fts MATCH :query ORDER BY 6 LIMIT :limit""",
    "sources": """
        SELECT 'sources', s.id, s.slug, s.title,
               snippet(sources_fts, -1, :start, :end, '…', 16), bm25(sources_fts, 10.0, 4.0, 1.0)
        FROM sources_fts JOIN sources s ON s.id = sources_fts.rowid
        WHERE sources_fts MATCH :query ORDER BY 6 LIMIT :limit""",
    "evidence": """
        SELECT 'evidence', e.id, c.slug, e.quote,
               snippet(evidence_fts, 0, :start, :end, '…', 16), bm25(evidence_fts)
        FROM evidence_fts JOIN evidence e ON e.id = evidence_fts.rowid JOIN claims c ON c.id = e.claim_id
        WHERE evidence_fts MATCH :query ORDER BY 6 LIMIT :limit""",
}


def old_search(session: Session, query: str, scope: str | None, limit: int) -> list[tuple[Any, ...]]:
    params = {"query": plain_query(query), "limit": limit, "start": _MARK_START, "end": _MARK_END}
    kinds = [scope] if scope else list(OLD_SEARCHES)
    hits = [tuple(row) for kind in kinds for row in session.execute(text(OLD_SEARCHES[kind]), params)]
    return sorted(hits, key=lambda hit: hit[5])[:limit]


def old_list_ids(session: Session, tag: str | None, limit: int | None) -> list[int]:
    """claim list's order before keyset pages: one query sorted on `stated_on IS NULL`."""
    query = select(Claim.id)
    if tag:
        tag_id = select(Tag.id).where(Tag.slug == tag).scalar_subquery()
        query = query.where(Claim.id.in_(select(claim_tags.c.claim_id).where(claim_tags.c.tag_id == tag_id)))
    return list(session.scalars(query.order_by(Claim.stated_on.is_(None), Claim.stated_on, Claim.id).limit(limit)))


def old_list_rows(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """The rows as list_claims built them from ORM claims, for these claims in this order."""
    loaded = session.scalars(
        select(Claim).where(Claim.id.in_(ids)).options(joinedload(Claim.claimant), selectinload(Claim.tags))
    ).all()
    by_id = {claim.id: claim for claim in loaded}
    counts = claim_lists.stance_counts(session, ids)
    ratings = claim_lists.newest_ratings(session, ids)
    return [
        {
            "id": claim.id,
            "slug": claim.slug,
            "text": claim.text,
            "claimant": claim.claimant.name if claim.claimant else None,
            "stated_on": claim.stated_on,
            "tags": sorted(tag.slug for tag in claim.tags),
            "supports": counts[claim.id]["supports"],
            "refutes": counts[claim.id]["refutes"],
            "evidence": sum(counts[claim.id].values()),
            "rating": ratings[claim.id].value if claim.id in ratings else None,
        }
        for claim in (by_id[i] for i in ids)
    ]


# --- the data -------------------------------------------------------------------------------------


def _generate(claims: int) -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("benchmark_generate", ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dataset: dict[str, Any] = module.generate(claims, seed=3, evidence_per_claim=2, text_words=120)
    for i, claim in enumerate(dataset["claims"]):  # some undated, some dated to the year only
        if i % 7 == 0:
            del claim["stated_on"]
        elif i % 5 == 0:
            claim["stated_on"] = claim["stated_on"][:4]
    dataset["search_words"] = module.SEARCH_WORDS
    return dataset


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    """A database of 1,500 generated claims loaded in bulk (the import path), and words to search."""
    dataset = _generate(1500)
    words = dataset.pop("search_words")
    url = db.resolve_url(str(tmp_path_factory.mktemp("generated") / "generated.db"))
    db.upgrade(url)
    with db.session_scope(url, write=True, by="test", on_open=record_revisions) as session:
        load_records(session, add_records({section: [] for section in SECTIONS}, dataset, "generated"))
    return url, words


def _activity(cli: Run) -> None:
    """The seed data, then every kind of change the history records: edits, tags, links,
    verdicts, evidence added and deleted, claims and sources deleted and restored, re-verified quotes."""
    cli.ok("seed")
    cli.ok("--by", "alice", "claim", "edit", "budapest-declaration-2008", "--date", "2021-12-18", "--tag", "dates")
    cli.ok("claim", "link", "demands-are-an-ultimatum", "qualifies", "proposals-not-unacceptable")
    cli.ok("claim", "rate", "demands-are-an-ultimatum", "mixed", "--rationale", "Both readings are argued.")
    cli.ok("evidence", "add", "budapest-declaration-2008", "nato-russia-founding-act-1997", "--stance", "context",
           "--quote", "X marks", "--allow-unverified")  # fmt: skip
    cli.ok("evidence", "delete", "1")
    cli.ok("claim", "delete", "nato-promised-no-eastward-expansion", "--cascade")
    restored = cli.json("history", "--limit", "1")["revisions"][0]["id"]
    cli.ok("restore", str(restored))
    cli.ok("source", "delete", "london-daily-russia-lays-out-demands", "--cascade")
    restored = cli.json("history", "--limit", "1")["revisions"][0]["id"]
    cli.ok("restore", str(restored))
    cli.ok("claim", "delete", "budapest-declaration-2008", "--cascade")  # gone for good
    cli.ok("verify")


def _url(cli: Run) -> str:
    return db.resolve_url(str(cli.path))


def _refs(session: Session) -> list[str]:
    """Every claim and source, the deleted ones included, by slug; the claims by id too."""
    ids = session.scalars(select(Revision.entity_id).where(Revision.entity == "claims").distinct())
    deleted = session.scalars(
        select(Revision).where(Revision.action == "delete", Revision.entity.in_(("claims", "sources")))
    )
    slugs = [slug for model in (Claim, Source) for slug in session.scalars(select(model.slug))]
    return [*map(str, ids), *slugs, *(revision.changes["slug"] for revision in deleted)]


# --- history --------------------------------------------------------------------------------------


def test_history_by_claim_or_source_is_what_the_json_query_gave(any_cli: Run) -> None:
    _activity(any_cli)
    with db.session_scope(_url(any_cli)) as session:
        refs = _refs(session)
        assert len(refs) > 40
        for ref in refs:
            for limit in (100, 3):
                assert list_history(session, ref, limit=limit) == old_history(session, ref, limit), ref


def test_history_on_generated_data_and_the_plan_uses_the_index(generated: tuple[str, list[str]]) -> None:
    url, _words = generated
    rng = random.Random(5)
    with db.session_scope(url) as session:
        for ref in [f"claim-{rng.randrange(1500)}" for _ in range(40)] + [f"source-{i}" for i in range(0, 150, 7)]:
            new = list_history(session, ref)
            assert new == old_history(session, ref) and new["revisions"], ref
        plan = _plan(session, "SELECT id FROM revisions WHERE claim_id = 7 OR linked_claim_id = 7 ORDER BY id DESC")
        assert "ix_revisions_claim_id" in plan and "ix_revisions_linked_claim_id" in plan and "SCAN" not in plan


def _plan(session: Session, query: str) -> str:
    return " ".join(str(row[3]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {query}")))


def _subjects(url: str) -> list[tuple[Any, ...]]:
    """The subject columns of every revision but those of kept source versions: they joined the
    history in 0014, so a database at 0008 never has them, and 0009's fill does not know them."""
    with db.session_scope(url) as session:
        columns = [getattr(Revision, name) for name in SUBJECTS]
        query = select(Revision.id, *columns).where(Revision.entity != "source_versions").order_by(Revision.id)
        return [tuple(row) for row in session.execute(query)]


@pytest.mark.parametrize(
    "where", ["seed", pytest.param("generated", marks=pytest.mark.sqlite_only("a generated SQLite file copied in"))]
)
def test_the_migration_fills_the_columns_as_the_writers_do(where: str, cli: Run, generated) -> None:  # type: ignore[no-untyped-def]
    if where == "seed":
        _activity(cli)
        url = _url(cli)
    else:
        url = _url(cli)
        with sqlite3.connect(generated[0].removeprefix("sqlite:///")) as source, sqlite3.connect(cli.path) as copy:
            source.backup(copy)  # the write-ahead log's pages too
    written = _subjects(url)
    assert any(row[1] for row in written) and any(row[2] for row in written) and any(row[3] for row in written)
    db.downgrade(url, "0008")
    db.upgrade(url)
    assert _subjects(url) == written


def test_the_migration_fills_the_columns_on_postgresql(pg_cli: Run) -> None:
    _activity(pg_cli)
    url = str(pg_cli.path)
    written = _subjects(url)
    db.downgrade(url, "0008")
    db.upgrade(url)
    assert _subjects(url) == written


def test_updates_of_evidence_deleted_since_stay_in_its_claims_history(cli: Run) -> None:
    """The one difference from the JSON query, which lost them: an update records only what
    changed, and the evidence row it looked the claim up in is gone."""
    cli.ok("seed")
    edited = cli.json("evidence", "list", "--claim", "budapest-declaration-2008")[0]
    Path("new.txt").write_text("Another text altogether.", encoding="utf-8")
    cli.ok("source", "edit", edited["source"]["slug"], "--text-file", "new.txt")  # its quotes re-anchored
    cli.ok("evidence", "delete", str(edited["id"]))
    with db.session_scope(_url(cli)) as session:
        old = old_history(session, "budapest-declaration-2008")["revisions"]
    revisions = cli.json("history", "budapest-declaration-2008")["revisions"]
    actions = [r["action"] for r in revisions if r["entity"] == "evidence" and r["entity_id"] == edited["id"]]
    assert actions[0] == "delete" and "update" in actions and actions[-1] == "insert"
    assert [r for r in revisions if r["action"] != "update" or r["entity"] != "evidence"] == old


# --- search ---------------------------------------------------------------------------------------


def _same_search(session: Session, query: str) -> None:
    search = backend(session)
    for scope in (None, "claims", "sources", "evidence"):
        for limit in (20, 3):
            new = [
                (h.kind, h.id, h.slug, h.title, h.snippet, h.score)
                for h in search.search(query, scope=scope, limit=limit)
            ]
            assert new == old_search(session, query, scope, limit), (query, scope, limit)


@pytest.mark.sqlite_only("the old FTS5 query it is compared with")
def test_search_returns_the_same_hits_snippets_and_order(generated: tuple[str, list[str]], cli: Run) -> None:
    url, words = generated
    with db.session_scope(url) as session:
        for query in [*words[:8], "nato", "treaty russia", '"nato russia"', words[0] + " " + words[3]]:
            _same_search(session, query)
    cli.ok("seed")
    with db.session_scope(_url(cli)) as session:
        for query in ("Budapest", "NATO", "NATO expansion", '"five waves"', "Moscow Times", "promise", "1990"):
            _same_search(session, query)


# --- claim list -----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", [2, 7, 500])
def test_claim_list_in_keyset_pages_is_in_the_same_order(
    generated: tuple[str, list[str]], page: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _words = generated
    monkeypatch.setattr(claim_lists, "LIST_PAGE", page)
    with db.session_scope(url) as session:
        for tag in (None, "topic-7", "topic-31", "no-such-tag"):
            for limit in (None, 1, 50, 333):
                listed = list(claim_lists.list_claims(session, tag=tag, limit=limit))
                expected = old_list_ids(session, tag, limit)
                assert [row["id"] for row in listed] == expected, (tag, limit)
                assert listed == old_list_rows(session, expected)
        assert sum(1 for _ in claim_lists.list_claims(session)) == 1500


def test_a_page_of_a_common_tag_walks_the_date_index(generated: tuple[str, list[str]]) -> None:
    url, _words = generated
    statements: list[tuple[str, Any]] = []
    engine = db.get_engine(url, read_only=True)
    record = lambda _c, _cursor, statement, parameters, *_: statements.append((statement, parameters))  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        with db.session_scope(url) as session:
            list(claim_lists.list_claims(session, tag="topic-7", limit=1))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    statement, parameters = next((s, p) for s, p in statements if "stated_on IS NOT NULL" in s)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        walk = " ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters))
    assert "EXISTS" in statement and "ix_claims_stated_on_id" in walk and "TEMP B-TREE" not in walk


def test_claim_list_order_on_both_backends(any_cli: Run) -> None:
    _activity(any_cli)
    with db.session_scope(_url(any_cli)) as session:
        tags = list(session.scalars(select(Tag.slug)))
        for tag in [None, *tags]:
            expected = old_list_ids(session, tag, None)
            assert list(claim_lists.list_claims(session, tag=tag)) == old_list_rows(session, expected), tag
        assert any(row["stated_on"] is None for row in claim_lists.list_claims(session))
