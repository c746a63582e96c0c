"""Full-text search. This is the one module that knows the database is SQLite: it queries the
FTS5 tables that migration 0002 creates and its triggers keep in step. A PostgreSQL backend
(tsvector) would implement the same two methods of `SearchBackend`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .errors import DatabaseProblem, InvalidInput
from .limits import MAX_QUERY, check_length

SCOPES = ("claims", "sources", "evidence")
RAREST_WORDS = 6  # how many of a text's words `similar` searches for
FTS_TABLES = ("claims_fts", "sources_fts", "evidence_fts")
_MARK_START, _MARK_END = "\x02", "\x03"  # highlight markers in snippets, rendered by the caller
_TOKEN = re.compile(r"\w+", re.UNICODE)
_PHRASE = re.compile(r'"([^"]*)"')


def is_search_table(name: str) -> bool:
    """FTS5 tables and their shadow tables, which the ORM models do not describe."""
    return any(name == table or name.startswith(table + "_") for table in FTS_TABLES)


@dataclass(frozen=True)
class Hit:
    kind: str  # claims, sources or evidence
    id: int
    slug: str | None  # the claim or source; for evidence, its claim
    title: str  # claim text, source title, or the quote
    snippet: str  # with _MARK_START/_MARK_END around matched words
    score: float  # BM25, lower is better (as SQLite gives it)

    def highlighted(self, start: str, end: str) -> str:
        return self.snippet.replace(_MARK_START, start).replace(_MARK_END, end)


class SearchBackend(Protocol):
    def search(self, query: str, *, scope: str | None, limit: int, advanced: bool) -> list[Hit]: ...

    def candidate_claims(self, words: str, *, limit: int) -> list[tuple[int, str, str]]: ...


def backend(session: Session) -> SearchBackend:
    dialect = session.get_bind().dialect.name
    if dialect != "sqlite":
        raise DatabaseProblem(f"search works on SQLite (FTS5) for now, not on {dialect}")
    return SqliteSearch(session)


def plain_query(query: str) -> str:
    """A user's words as a safe FTS5 query: every word and "quoted phrase" must appear; FTS5
    syntax (NOT, *, parentheses, column filters) is taken as plain words."""
    phrases = [" ".join(_TOKEN.findall(phrase)) for phrase in _PHRASE.findall(query)]
    words = _TOKEN.findall(_PHRASE.sub(" ", query))
    terms = [f'"{term}"' for term in [*phrases, *words] if term]
    if not terms:
        raise InvalidInput(f"nothing to search for in {query!r}: give some words")
    return " ".join(terms)


def word_starts(words: str) -> list[str]:
    """A text's words of three letters or more, cut to their first five ("expand", "expansion": "expan")."""
    return sorted({token.lower()[:5] for token in _TOKEN.findall(words) if len(token) > 2})


def any_words_query(starts: list[str]) -> str | None:
    """Claims with any of these word starts ("expan" finds "expand" and "expansion")."""
    return " OR ".join(f'"{start}"*' for start in starts) or None


_SEARCHES = {
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


class SqliteSearch:
    def __init__(self, session: Session) -> None:
        self.session = session

    def search(self, query: str, *, scope: str | None = None, limit: int = 20, advanced: bool = False) -> list[Hit]:
        """Ranked hits (best first) across claims, sources and evidence, or one of them."""
        if scope is not None and scope not in SCOPES:
            raise InvalidInput(f"cannot search in {scope!r}: allowed: {', '.join(SCOPES)}")
        check_length(query, "search query", MAX_QUERY)  # a 20,000-word query would run for minutes
        match = query.strip() if advanced else plain_query(query)
        if not match:
            raise InvalidInput("nothing to search for: give some words")
        hits: list[Hit] = []
        for kind in [scope] if scope else SCOPES:
            params = {"query": match, "limit": limit, "start": _MARK_START, "end": _MARK_END}
            try:
                rows = self.session.execute(text(_SEARCHES[kind]), params).all()
            except OperationalError as error:
                if "fts5" in str(error.orig) or "syntax" in str(error.orig) or "no such column" in str(error.orig):
                    raise InvalidInput(
                        f"malformed search {query!r} ({error.orig}): see the FTS5 query syntax, "
                        "or search without --advanced to take the words as they are"
                    ) from None
                raise
            hits += [Hit(*row) for row in rows]
        return sorted(hits, key=lambda hit: hit.score)[:limit]

    def candidate_claims(self, words: str, *, limit: int = 50) -> list[tuple[int, str, str]]:
        """(id, slug, text) of the claims that share most words with `words`, best first.

        Only the text's rarest words are searched for: a word that most claims have says little,
        and would make the search read most of the index."""
        match = any_words_query(self._rarest(word_starts(words)))
        if match is None:
            return []
        rows = self.session.execute(
            text(
                "SELECT c.id, c.slug, c.text FROM claims_fts JOIN claims c ON c.id = claims_fts.rowid "
                "WHERE claims_fts MATCH :query ORDER BY bm25(claims_fts, 10.0, 1.0) LIMIT :limit"
            ),
            {"query": match, "limit": limit},
        ).all()
        return [(row[0], row[1], row[2]) for row in rows]

    def _rarest(self, starts: list[str], keep: int = RAREST_WORDS) -> list[str]:
        """The word starts found in fewest claims (those found in none are left out)."""
        counted = []
        for start in starts:
            claims = self.session.execute(
                text("SELECT coalesce(sum(doc), 0) FROM claims_fts_vocab WHERE term >= :start AND term < :end"),
                {"start": start, "end": start + "\U0010ffff"},
            ).scalar()
            if claims:
                counted.append((claims, start))
        return [start for _claims, start in sorted(counted)[:keep]]
