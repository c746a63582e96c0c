"""The claims' full-text index held in memory, for passes that match thousands of texts at once
(the static site's suggestions, `similar --file`): each text's full-text candidates as
`SqliteSearch.candidate_claims` finds them, computed with numpy from the index's own postings
rather than by one FTS5 query a text.

The score is FTS5's bm25() as SQLite computes it (fts5_aux.c), the same arithmetic in the same
order: for each searched word, idf = log((N - n + 0.5) / (n + 0.5)) (at least 1e-6), where n is the
number of claims with the word, and a claim's score adds idf * f * (k1 + 1) / (f + k1 * (1 - b +
b * D / avgdl)), f being the word's occurrences in the claim weighted by column (_CLAIM_WEIGHTS:
whole numbers, so that adding a column's weight once an occurrence, as FTS5 does, and once a
column times the count, as here, give the same f) and D the claim's length in words. The words
are those `candidate_claims` searches (`rarest`), each as FTS5's own tokenizer makes it a term;
tests/test_wordindex.py holds the two ways to the same claims, order and bm25, to the bit.
SQLite only: PostgreSQL's ranking is its own, and it is searched a text at a time."""

from __future__ import annotations

import json
import sqlite3
from array import array
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.orm import Session

from .search import (
    _CLAIM_WEIGHTS,
    _CLAIMS_AT_MOST,
    QUERY_WORDS,
    Candidate,
    CandidateSearch,
    SqliteSearch,
    _porter,
    backend,
    query_words,
    rarest,
)

if TYPE_CHECKING:
    import numpy as np

K1, B = 1.2, 0.75  # FTS5's bm25 constants
_COLUMNS = ("text", "tags", "reviews")  # claims_fts's columns, in the order of _CLAIM_WEIGHTS
TOKENIZER = "porter unicode61 remove_diacritics 2"  # claims_fts's (migrations 0002 and 0011)


class WordIndex:
    """The postings of every term of claims_fts: the claims it occurs in and its column-weighted
    count in each; with each claim's length in words and the index's totals."""

    def __init__(self, session: Session) -> None:
        import numpy as np

        self.session = session
        weights = dict(zip(_COLUMNS, (float(w) for w in _CLAIM_WEIGHTS.split(",")), strict=True))
        self.rows: int = session.execute(text("SELECT count(*) FROM claims_fts")).scalar_one()
        self.claims_at_most: int = session.execute(text(_CLAIMS_AT_MOST)).scalar_one()
        counted = session.execute(
            text("SELECT term, doc, col, count(*) FROM claims_fts_instances GROUP BY term, doc, col ORDER BY term, doc")
        )
        docs, freqs = array("q"), array("d")  # 16 bytes a posting, not a Python object each
        starts: dict[str, int] = {}  # each term's first posting
        lengths: dict[int, int] = {}
        for term, doc, column, count in counted:
            lengths[doc] = lengths.get(doc, 0) + count
            if term not in starts or docs[-1] != doc:
                starts.setdefault(term, len(docs))
                docs.append(doc)
                freqs.append(0.0)
            freqs[-1] += weights[column] * count  # bm25 adds a column's weight for each instance
        all_docs, all_freqs = np.frombuffer(docs, dtype=np.int64), np.frombuffer(freqs, dtype=np.float64)
        ends = [*list(starts.values())[1:], len(docs)]
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {
            term: (all_docs[start:end], all_freqs[start:end])
            for (term, start), end in zip(starts.items(), ends, strict=True)
        }
        self.length = np.zeros(max(lengths, default=0) + 1, dtype=np.float64)
        self.length[list(lengths)] = list(lengths.values())
        self.avgdl = float(self.length.sum()) / float(self.rows) if self.rows else 1.0

    def searched(self, words: str) -> list[str] | None:
        """The index terms `candidate_claims` searches for `words`: its rarest words (counted by
        their stems as `_rarest` counts them), then those the index lacks, each as FTS5 itself
        tokenizes it (see `_terms`). None when a word is more than one term to FTS5 (a phrase)."""
        found = query_words(words)
        stems = {word: _porter(word) for word in found}
        known = [(len(self.postings[stems[w]][0]), w) for w in found if stems[w] in self.postings]
        unknown = [word for word in found if stems[word] not in self.postings]
        searched = (rarest(known, self.claims_at_most) + unknown)[:QUERY_WORDS]
        terms = _terms(tuple(searched))
        return None if any(len(term) != 1 for term in terms) else [term[0] for term in terms]

    def candidates(self, words: str, *, limit: int = 50) -> list[tuple[int, float]] | None:
        """(claim id, relevance) of the `limit` best claims for `words`, best first, as
        candidate_claims ranks them (ties by id); None for a text only FTS5 can search."""
        import math

        import numpy as np

        searched = self.searched(words)
        if searched is None:
            return None
        # Each claim's score is its words' parts added from 0.0 in the order of the words, as FTS5
        # adds them; over arrays as long as the claims (a few hundred KB at 100,000: less than
        # sorting the postings of common words).
        total = np.zeros(len(self.length), dtype=np.float64)
        hit = np.zeros(len(self.length), dtype=bool)
        for term in searched:  # a word twice (two words, one stem) counts twice, as in FTS5
            if term not in self.postings:
                continue
            docs, freqs = self.postings[term]
            idf = math.log((self.rows - len(docs) + 0.5) / (len(docs) + 0.5))
            idf = idf if idf > 0.0 else 1e-6
            total[docs] += idf * ((freqs * (K1 + 1.0)) / (freqs + K1 * (1 - B + B * self.length[docs] / self.avgdl)))
            hit[docs] = True
        ids = np.flatnonzero(hit)
        scores = total[ids]
        order = np.lexsort((ids, -scores))[:limit]
        return [(int(ids[i]), float(scores[i])) for i in order]

    def candidate_claims(self, words: str, *, limit: int = 50) -> list[Candidate]:
        """What SqliteSearch.candidate_claims gives for `words` (which it computes for a text
        whose word FTS5 reads as a phrase)."""
        ranked = self.candidates(words, limit=limit)
        if ranked is None:
            return SqliteSearch(self.session).candidate_claims(words, limit=limit)
        if not ranked:
            return []
        ids = [claim_id for claim_id, _relevance in ranked]
        rows = self.session.execute(
            text("SELECT id, slug, text FROM claims WHERE id IN (SELECT value FROM json_each(:ids))"),
            {"ids": json.dumps(ids)},
        )
        claims = {claim_id: (slug, claim_text) for claim_id, slug, claim_text in rows}
        return [(claim_id, *claims[claim_id], relevance) for claim_id, relevance in ranked if claim_id in claims]


def bulk_search(session: Session) -> CandidateSearch:
    """The claims' full-text candidates for a pass over many texts: the index in memory on
    SQLite, the server's own search on PostgreSQL."""
    return WordIndex(session) if session.get_bind().dialect.name == "sqlite" else backend(session)


_tokenizer: sqlite3.Connection | None = None


@lru_cache(maxsize=1_024)  # the same text searched again (a word list is rarely repeated otherwise)
def _terms(words: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Each word as FTS5's tokenizer makes it a term (SQLite's own porter stems a few words
    otherwise than snowballstemmer's): through an FTS5 table in memory, not the database."""
    global _tokenizer
    if _tokenizer is None:
        _tokenizer = sqlite3.connect(":memory:", check_same_thread=False)
        _tokenizer.execute(f"CREATE VIRTUAL TABLE words USING fts5(word, tokenize='{TOKENIZER}')")
        _tokenizer.execute("CREATE VIRTUAL TABLE terms USING fts5vocab(words, 'instance')")
    with _tokenizer:
        _tokenizer.execute("DELETE FROM words")
        _tokenizer.executemany("INSERT INTO words(rowid, word) VALUES (?, ?)", enumerate(words))
        found: dict[int, list[str]] = {}
        for doc, term in _tokenizer.execute("SELECT doc, term FROM terms ORDER BY doc, offset"):
            found.setdefault(doc, []).append(term)
    return tuple(tuple(found.get(n, ())) for n in range(len(words)))
