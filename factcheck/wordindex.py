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

import sqlite3
from array import array
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
    texts_of,
)

if TYPE_CHECKING:
    import numpy as np

K1, B = 1.2, 0.75  # FTS5's bm25 constants
_COLUMNS = ("text", "tags", "reviews")  # claims_fts's columns, in the order of _CLAIM_WEIGHTS
TOKENIZER = "porter unicode61 remove_diacritics 2"  # claims_fts's (migrations 0002 and 0011)


class WordIndex:
    """The postings of every term of claims_fts: the claims it occurs in and its column-weighted
    count in each; with each claim's length in words and the index's totals. The postings are two
    arrays, each term's a slice of them from its `starts`: with a pair of numpy views a term, the
    index took 75 MB at 100,000 generated claims (100,575 terms), and 38 MB so."""

    def __init__(self, session: Session) -> None:
        import numpy as np

        self.session = session
        weights = dict(zip(_COLUMNS, (float(w) for w in _CLAIM_WEIGHTS.split(",")), strict=True))
        self.rows: int = session.execute(text("SELECT count(*) FROM claims_fts")).scalar_one()
        self.claims_at_most: int = session.execute(text(_CLAIMS_AT_MOST)).scalar_one()
        counted = session.execute(
            text("SELECT term, doc, col, count(*) FROM claims_fts_instances GROUP BY term, doc, col ORDER BY term, doc")
        )
        docs, freqs, starts = array("q"), array("d"), array("q")  # 8 bytes a value, not a Python object each
        self.terms: dict[str, int] = {}  # each term's number: its postings start at starts[number]
        lengths = array("q")  # by claim id
        for term, doc, column, count in counted:
            if doc >= len(lengths):
                lengths.frombytes(bytes(8 * (doc + 1 - len(lengths))))  # zeros up to this claim
            lengths[doc] += count
            if term not in self.terms:
                self.terms[term] = len(starts)
                starts.append(len(docs))
                docs.append(doc)
                freqs.append(0.0)
            elif docs[-1] != doc:
                docs.append(doc)
                freqs.append(0.0)
            freqs[-1] += weights[column] * count  # bm25 adds a column's weight for each instance
        starts.append(len(docs))
        self.docs, self.freqs = np.frombuffer(docs, dtype=np.int64), np.frombuffer(freqs, dtype=np.float64)
        self.starts = np.frombuffer(starts, dtype=np.int64)
        self.length = np.frombuffer(lengths, dtype=np.int64).astype(np.float64)
        self.avgdl = float(self.length.sum()) / float(self.rows) if self.rows else 1.0

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The claims `term` occurs in, and its weighted count in each; None for a term of no claim."""
        number = self.terms.get(term)
        if number is None:
            return None
        start, end = self.starts[number], self.starts[number + 1]
        return self.docs[start:end], self.freqs[start:end]

    def claims_with(self, term: str) -> int:
        """How many claims `term` occurs in (0 for a term of none)."""
        number = self.terms.get(term)
        return 0 if number is None else int(self.starts[number + 1] - self.starts[number])

    def searched(self, words: str) -> list[str] | None:
        """The index terms `candidate_claims` searches for `words`: its rarest words (counted by
        their stems as `_rarest` counts them), then those the index lacks, each as FTS5 itself
        tokenizes it (see `_tokenized`). None when a word is more than one term to FTS5 (a phrase)."""
        return self.searched_each([words])[0]

    def searched_each(self, texts: list[str]) -> list[list[str] | None]:
        """`searched` of each text, their words tokenized together."""
        chosen = []
        for words in texts:
            found = query_words(words)
            stems = {word: _porter(word) for word in found}
            known = [(self.claims_with(stems[w]), w) for w in found if stems[w] in self.terms]
            unknown = [word for word in found if stems[word] not in self.terms]
            chosen.append((rarest(known, self.claims_at_most) + unknown)[:QUERY_WORDS])
        tokens = dict(zip(*_tokenized(list({word for words in chosen for word in words})), strict=True))
        return [
            None if any(len(tokens[word]) != 1 for word in words) else [tokens[word][0] for word in words]
            for words in chosen
        ]

    def candidates(self, words: str, *, limit: int = 50) -> list[tuple[int, float]] | None:
        """(claim id, relevance) of the `limit` best claims for `words`, best first, as
        candidate_claims ranks them (ties by id); None for a text only FTS5 can search."""
        return self._candidates(self.searched(words), limit=limit)

    def _candidates(self, searched: list[str] | None, *, limit: int) -> list[tuple[int, float]] | None:
        """`candidates` of a text's searched terms (`searched`)."""
        import math

        import numpy as np

        if searched is None:
            return None
        # Each claim's score is its words' parts added from 0.0 in the order of the words, as FTS5
        # adds them; over arrays as long as the claims (a few hundred KB at 100,000: less than
        # sorting the postings of common words).
        total = np.zeros(len(self.length), dtype=np.float64)
        hit = np.zeros(len(self.length), dtype=bool)
        for term in searched:  # a word twice (two words, one stem) counts twice, as in FTS5
            found = self.postings(term)
            if found is None:
                continue
            docs, freqs = found
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
        return self.candidate_claims_each([words], limit=limit)[0]

    def candidate_claims_each(self, texts: list[str], *, limit: int = 50) -> list[list[Candidate]]:
        """candidate_claims of each text, the claims' slugs and texts read together."""
        ranked = [self._candidates(searched, limit=limit) for searched in self.searched_each(texts)]
        ids = sorted({claim_id for found in ranked if found for claim_id, _relevance in found})
        claims = texts_of(self.session, ids)
        return [
            SqliteSearch(self.session).candidate_claims(words, limit=limit)
            if found is None
            else [(claim_id, *claims[claim_id], relevance) for claim_id, relevance in found if claim_id in claims]
            for words, found in zip(texts, ranked, strict=True)
        ]


def candidate_claims_each(search: CandidateSearch, texts: list[str], *, limit: int) -> list[list[Candidate]]:
    """search.candidate_claims of each text: from the index in memory, the claims' texts read
    once for them all; from a database's search, a query a text."""
    if isinstance(search, WordIndex):
        return search.candidate_claims_each(texts, limit=limit)
    return [search.candidate_claims(words, limit=limit) for words in texts]


def bulk_search(session: Session) -> CandidateSearch:
    """The claims' full-text candidates for a pass over many texts: the index in memory on
    SQLite, the server's own search on PostgreSQL."""
    return WordIndex(session) if session.get_bind().dialect.name == "sqlite" else backend(session)


_tokenizer: sqlite3.Connection | None = None


def _tokenized(words: list[str]) -> tuple[list[str], list[tuple[str, ...]]]:
    """(words, each as FTS5's tokenizer makes it terms): SQLite's own porter stems a few words
    otherwise than snowballstemmer's, so through an FTS5 table in memory, not the database."""
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
    return words, [tuple(found.get(n, ())) for n in range(len(words))]
