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
    if dialect == "sqlite":
        return SqliteSearch(session)
    if dialect == "postgresql":
        return PostgresSearch(session)
    raise DatabaseProblem(f"search works on SQLite and PostgreSQL, not on {dialect}")


def plain_terms(query: str) -> list[str]:
    """A user's "quoted phrases" and words, each to be found."""
    phrases = [" ".join(_TOKEN.findall(phrase)) for phrase in _PHRASE.findall(query)]
    words = _TOKEN.findall(_PHRASE.sub(" ", query))
    terms = [term for term in [*phrases, *words] if term]
    if not terms:
        raise InvalidInput(f"nothing to search for in {query!r}: give some words")
    return terms


def plain_query(query: str) -> str:
    """A user's words as a safe FTS5 query: every word and "quoted phrase" must appear; FTS5
    syntax (NOT, *, parentheses, column filters) is taken as plain words."""
    return " ".join(f'"{term}"' for term in plain_terms(query))


def word_starts(words: str) -> list[str]:
    """A text's words of three letters or more, cut to their first five ("expand", "expansion": "expan")."""
    return sorted({token.lower()[:5] for token in _TOKEN.findall(words) if len(token) > 2})


def any_words_query(starts: list[str]) -> str | None:
    """Claims with any of these word starts ("expan" finds "expand" and "expansion")."""
    return " OR ".join(f'"{start}"*' for start in starts) or None


# FTS5 ranks the matches itself (`ORDER BY rank`, with the bm25 weights given by `rank MATCH`) and
# hands them over best first, so a snippet is made only for the rows LIMIT keeps; sorting on a
# bm25() column instead would make one for every match before sorting them all.
_SEARCHES = {
    "claims": """
        SELECT 'claims', c.id, c.slug, c.text, snippet(claims_fts, -1, :start, :end, '…', 16), claims_fts.rank
        FROM claims_fts JOIN claims c ON c.id = claims_fts.rowid
        WHERE claims_fts MATCH :query AND claims_fts.rank MATCH 'bm25(10.0, 4.0)'
        ORDER BY claims_fts.rank LIMIT :limit""",
    "sources": """
        SELECT 'sources', s.id, s.slug, s.title, snippet(sources_fts, -1, :start, :end, '…', 16), sources_fts.rank
        FROM sources_fts JOIN sources s ON s.id = sources_fts.rowid
        WHERE sources_fts MATCH :query AND sources_fts.rank MATCH 'bm25(10.0, 4.0, 1.0)'
        ORDER BY sources_fts.rank LIMIT :limit""",
    "evidence": """
        SELECT 'evidence', e.id, c.slug, e.quote, snippet(evidence_fts, 0, :start, :end, '…', 16), evidence_fts.rank
        FROM evidence_fts JOIN evidence e ON e.id = evidence_fts.rowid JOIN claims c ON c.id = e.claim_id
        WHERE evidence_fts MATCH :query AND evidence_fts.rank MATCH 'bm25()'
        ORDER BY evidence_fts.rank LIMIT :limit""",
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
        # Ranked in the index alone, then joined: joining first read every match's claim row.
        rows = self.session.execute(
            text(
                "SELECT c.id, c.slug, c.text FROM (SELECT rowid AS id, bm25(claims_fts, 10.0, 1.0) AS score "
                "FROM claims_fts WHERE claims_fts MATCH :query ORDER BY score LIMIT :limit) hit "
                "JOIN claims c ON c.id = hit.id ORDER BY hit.score"
            ),
            {"query": match, "limit": limit},
        ).all()
        return [(row[0], row[1], row[2]) for row in rows]

    def _rarest(self, starts: list[str]) -> list[str]:
        """The word starts worth searching for (see `rarest`), each counted in the FTS5 vocabulary."""
        counted = [
            (
                self.session.execute(
                    text("SELECT coalesce(sum(doc), 0) FROM claims_fts_vocab WHERE term >= :start AND term < :end"),
                    {"start": start, "end": start + "\U0010ffff"},
                ).scalar_one(),
                start,
            )
            for start in starts
        ]
        return rarest(counted, _claim_count(self.session))


# --- PostgreSQL ---------------------------------------------------------------------------------
# Migration 0006 keeps a tsvector document per claim, source and quote in claims_fts, sources_fts
# and evidence_fts (GIN-indexed), in the `factcheck` configuration: `simple` after `unaccent`, so
# that every language is searched alike. Ranks are -ts_rank_cd, so that lower is better as with
# BM25; weights {D, C, B, A} follow bm25's (claim text 10, tags 4; title 10, publisher 4, text 1).

_PG_WEIGHTS = "'{0.1, 0.1, 0.4, 1.0}'"
_PG_HEADLINE = (
    "StartSel={start}, StopSel={end}, MaxWords=16, MinWords=6, ShortWord=1, MaxFragments=1, FragmentDelimiter=…"
)
_PG_SEARCHES = {
    "claims": """
        SELECT 'claims', c.id, c.slug, c.text, ts_headline('factcheck', c.text, q.query, :options), hit.score
        FROM (SELECT f.id, -ts_rank_cd({weights}, f.document, q.query) AS score FROM claims_fts f, q
              WHERE f.document @@ q.query ORDER BY 2, 1 LIMIT :limit) hit
        JOIN claims c ON c.id = hit.id, q""",
    "sources": """
        SELECT 'sources', s.id, s.slug, s.title,
               CASE WHEN to_tsvector('factcheck', s.title) @@ q.query OR s.text IS NULL
                    THEN ts_headline('factcheck', s.title, q.query, :options)
                    ELSE ts_headline('factcheck', left(s.text, 200000), q.query, :options) END, hit.score
        FROM (SELECT f.id, -ts_rank_cd({weights}, f.document, q.query) AS score FROM sources_fts f, q
              WHERE f.document @@ q.query ORDER BY 2, 1 LIMIT :limit) hit
        JOIN sources s ON s.id = hit.id, q""",
    "evidence": """
        SELECT 'evidence', e.id, c.slug, e.quote, ts_headline('factcheck', e.quote, q.query, :options), hit.score
        FROM (SELECT f.id, -ts_rank_cd({weights}, f.document, q.query) AS score FROM evidence_fts f, q
              WHERE f.document @@ q.query ORDER BY 2, 1 LIMIT :limit) hit
        JOIN evidence e ON e.id = hit.id JOIN claims c ON c.id = e.claim_id, q""",
}


class PostgresSearch:
    def __init__(self, session: Session) -> None:
        self.session = session

    def search(self, query: str, *, scope: str | None = None, limit: int = 20, advanced: bool = False) -> list[Hit]:
        """Ranked hits (best first) across claims, sources and evidence, or one of them.

        Plain words and "phrases" must all appear; --advanced takes web-search syntax
        (`websearch_to_tsquery`: "phrase", OR, -word), which never fails to parse."""
        if scope is not None and scope not in SCOPES:
            raise InvalidInput(f"cannot search in {scope!r}: allowed: {', '.join(SCOPES)}")
        check_length(query, "search query", MAX_QUERY)
        params: dict[str, object] = {"limit": limit, "options": _PG_HEADLINE.format(start=_MARK_START, end=_MARK_END)}
        if advanced:
            if not query.strip():
                raise InvalidInput("nothing to search for: give some words")
            tsquery = "websearch_to_tsquery('factcheck', :query)"
            params["query"] = query.strip()
        else:
            terms = plain_terms(query)
            tsquery = " && ".join(f"phraseto_tsquery('factcheck', :term{n})" for n in range(len(terms)))
            params.update({f"term{n}": term for n, term in enumerate(terms)})
        # Every kind in one statement: one round trip to the server, not three.
        kinds = " UNION ALL ".join(f"({_PG_SEARCHES[kind]})" for kind in ([scope] if scope else SCOPES))
        statement = f"WITH q AS (SELECT {tsquery} AS query) " + kinds.format(weights=_PG_WEIGHTS)
        hits = [Hit(*row) for row in self.session.execute(text(statement), params)]
        return sorted(hits, key=lambda hit: (hit.score, SCOPES.index(hit.kind), hit.id))[:limit]

    def candidate_claims(self, words: str, *, limit: int = 50) -> list[tuple[int, str, str]]:
        """(id, slug, text) of the claims that share most words with `words`, best first: the
        text's rarest word starts, as prefixes, ranked by how often they occur (ts_rank: a third
        of the time of ts_rank_cd, whose cover density, the words' nearness, is no help here)."""
        starts = self._rarest(word_starts(words))
        if not starts:
            return []
        # Ranked on the documents alone, then joined: ranking the join made every match cost twice.
        # Planned for its words each time: once psycopg prepares it (its sixth run), PostgreSQL
        # would choose a generic plan, blind to the words, that took twice as long.
        # (A failed query aborts the transaction, and with it this setting.)
        self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        rows = self.session.execute(
            text(
                "WITH q AS (SELECT to_tsquery('factcheck', :query) AS query) "
                "SELECT c.id, c.slug, c.text FROM (SELECT f.id, ts_rank("
                f"{_PG_WEIGHTS}, f.document, q.query) AS score FROM claims_fts f, q WHERE f.document @@ q.query "
                "ORDER BY 2 DESC, 1 LIMIT :limit) hit JOIN claims c ON c.id = hit.id ORDER BY hit.score DESC, c.id"
            ),
            {"query": " | ".join(_prefix(start) for start in starts), "limit": limit},
        ).all()
        self.session.execute(text("SET LOCAL plan_cache_mode = DEFAULT"))
        return [(row[0], row[1], row[2]) for row in rows]

    def _rarest(self, starts: list[str]) -> list[str]:
        """The word starts worth searching for (see `rarest`): each counted by a GIN index lookup,
        all in one statement (one round trip to the server, not one a word)."""
        if not starts:
            return []
        counts = ", ".join(
            f"(SELECT count(*) FROM claims_fts WHERE document @@ to_tsquery('factcheck', :start{n}))"
            for n in range(len(starts))
        )
        row = self.session.execute(
            text(f"SELECT ({_CLAIMS_AT_MOST}), {counts}"),
            {f"start{n}": _prefix(start) for n, start in enumerate(starts)},
        ).one()
        return rarest(list(zip(row[1:], starts, strict=True)), row[0])


def rarest(counted: list[tuple[int, str]], claims: int, keep: int = RAREST_WORDS) -> list[str]:
    """Of (number of claims, word start) pairs, the starts worth searching for, rarest first, at
    most `keep`: those found in some claims but at most half of them. A word in more than half has
    no weight in BM25 (its IDF is nil) and would only make the search read most of the index; when
    every word is that common, the rarest alone is searched."""
    found = sorted(pair for pair in counted if pair[0])
    informative = [start for number, start in found if 2 * number <= claims][:keep]
    return informative or [start for _number, start in found[:1]]


# At least the number of claims, read from the primary key at once (ids are never reused, so
# deletions only make it larger: a word is then dropped a little less often, never more).
_CLAIMS_AT_MOST = "SELECT coalesce(max(id), 0) FROM claims"


def _claim_count(session: Session) -> int:
    return session.execute(text(_CLAIMS_AT_MOST)).scalar_one()


def _prefix(start: str) -> str:
    """A word start as a tsquery prefix term; `start` is \\w+ (word_starts), quoted all the same."""
    return "'" + start.replace("'", "''").replace("\\", "\\\\") + "':*"
