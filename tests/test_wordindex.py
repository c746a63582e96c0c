"""The claims' index held in memory for bulk matching (factcheck/wordindex.py) finds exactly what
one FTS5 query a text finds: the same claims, in the same order, with the same BM25 to the bit;
words that SQLite's Porter stemmer and snowballstemmer's stem apart, and two-letter words it leaves
as they are, included."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from factcheck.models import Claim
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's index; PostgreSQL is searched a text at a time")

CLAIMS = [
    "Technology companies possibly shared psychology data with the assembly.",
    "The apology was visibly forced: it is what it is.",
    "Terribly high technologies in astrology and criminology were taught at the assembly.",
    "НАТО обещало не расширяться на восток, говорит Горбачёв.",
    "中国是世界上最大的出口国。",
    "#StopTheSteal was trending on 6 January 2021 with 10,000 posts.",
    "Le président a dit: « l'OTAN ne s'étendra pas ».",
]
TEXTS = [
    *CLAIMS,
    "NATO promised Gorbachev in 1990 that it would not expand eastward",
    "is it possibly technology?",
    "an apology, visibly",
    "Горбачёв НАТО",
    "",
    "a an the",
    "Straße façade naïve coöperation",
]


def test_index_in_memory_ranks_as_fts5(cli, tmp_path, db_url) -> None:  # type: ignore[no-untyped-def]
    from factcheck import db
    from factcheck.search import SqliteSearch
    from factcheck.wordindex import WordIndex, bulk_search

    cli.ok("init", "--seed")
    extra = tmp_path / "claims.json"
    extra.write_text(
        json.dumps({"claims": [{"slug": f"extra-{n}", "text": text} for n, text in enumerate(CLAIMS)]}),
        encoding="utf-8",
    )
    cli.ok("import", str(extra))
    with db.session_scope(db_url) as session:
        index = bulk_search(session)
        assert isinstance(index, WordIndex)
        with_hits = 0
        for text in TEXTS + list(session.scalars(select(Claim.text))):
            expected = SqliteSearch(session).candidate_claims(text, limit=50)
            assert index.candidate_claims(text, limit=50) == expected, text
            with_hits += bool(expected)
        assert with_hits >= len(TEXTS) + 26  # the comparison is of real rankings, not of empty ones
