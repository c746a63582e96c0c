"""Finding claims that say the same thing, in any wording and any language.

Candidates come from two places: the full-text index (BM25 over the text's rarer words, against
each claim's text, tags and its reviews' headlines) and the claims' sentence vectors (see
vectors.py, which embed the same texts), so that a paraphrase sharing no rare word, or a
translation, is still found. Each candidate gets one score, 0 to 100: an estimate, in percent, of
the chance that the claim is the one the text states. It is the higher of two estimates:

- the ranking model's: a logistic model over the candidate's standing in both rankings (its BM25
  against the best one's, its place; its cosine, how far behind the best cosine, its place) and
  the share of words the two texts have in common. Its few weights are fitted on the train split
  of the public CheckThat! 2020 claim-retrieval data (tweets against Snopes' fact-checks) by
  benchmarks/matching/fit.py, which writes them to ranking.json, shipped with the package;
- the meaning alone (`meaning_alone`): the cosine, calibrated on real paraphrases (fact-checks'
  headlines against their own claim and its nearest others), for a translation or a rewording
  that shares no word with its claim.

Two thresholds, after Meedan Check's suggest/confirm pair: SUGGEST (worth showing) and DUPLICATE
(`claim add` refuses without --force), chosen with the weights on the train tweets: at most half a
percent of them get a wrong top hit labelled duplicate, with their claim in the database or taken
out of it. Four rules keep a hit below DUPLICATE whatever its score: a text much shorter or longer
than the claim (it says less, or more); a text whose numbers differ from the claim's, each stating
one the other does not ("in 1999" against "in 2004"): sentence vectors barely see numbers; a text
that negates what the claim says ("NATO did not promise..."): such a hit is labelled "rebuts?", a
possible counterclaim, rather than a duplicate; and a claim that is not a duplicate by its meaning
alone: first in both rankings of a database about one story is not enough ("Russia massed troops
near Ukraine" is not "About 100,000 Russian troops were massed near Ukraine's border in December
2021"). And a text with under half the claim's words scores at most that share ("1990" is not
"NATO promised Gorbachev in 1990 ..."). Without vectors (model not installed, or the index not yet
rebuilt) the model's words-only weights score the full-text evidence, nothing is a duplicate, and
`vectors.notice` says so.

Queries are read as people paste them: links (also glued to a word, as tweets carry them) are left
out, hashtags and handles are read as their words ("#RevolutionaryWarAirports"), and an embedded
tweet's trailing "— Name (@handle) Month D, YYYY" is left out of what is embedded (its name stays
among the words searched: claims often name the speaker).
"""

from __future__ import annotations

import bisect
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..limits import MAX_QUERY, MAX_TEXT
from ..search import CandidateSearch, backend, query_words, texts_of
from ..wordindex import bulk_search, candidate_claims_each
from . import vectors
from .articles import read_bytes
from .common import required_text
from .vector_passes import cosines_each
from .wording import length_ratio, lexical, negates, numbers_differ, words_said

if TYPE_CHECKING:
    import numpy as np

_MODEL: dict[str, Any] = json.loads(Path(__file__).with_name("ranking.json").read_text(encoding="utf-8"))
SUGGEST = float(_MODEL["suggest"])  # `similar` and `claim add` show a claim scoring this or more
DUPLICATE = float(_MODEL["duplicate"])  # `claim add` refuses, without --force, a text scoring this or more
NEAR_DUPLICATE = DUPLICATE  # the name earlier callers used
CANDIDATES = 50  # from each of the full-text index and the vectors
# Texts matched at once for which the claims' index is read into memory (wordindex.py): reading it
# costs about what 250 searches of it save, on the 10,375 CheckThat! 2020 claims.
BULK_TEXTS = 250
SEARCH_BLOCK = 512  # texts matched together: a pass over 100,000 stored vectors (0.3 s) then costs 0.6 ms a text
# The cosine under which meaning_alone stays below DUPLICATE: `dedupe` scores only pairs this close.
PAIR_COSINE = (math.log(DUPLICATE / (100 - DUPLICATE)) - _MODEL["semantic"]["bias"]) / _MODEL["semantic"]["weight"]
SHORTER = 0.5  # a text with under half the other's words (either way) is not its duplicate
# A link, also glued to the word before it ("Thursday.https://t.co/x", "#tagpic.twitter.com/x").
_LINK = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*", re.IGNORECASE)
# A hashtag or handle in camel case, read as its words: "#RevolutionaryWarAirports", "@realDonaldTrump".
_TAG = re.compile(r"[#@](\w+)")
_CAMEL = re.compile(r"[A-Z]{2,}(?=[A-Z][a-z]|\b|\d)|[A-Z]?[a-z]+|[A-Z]+|\d+")
# An embedded tweet's signature, at its end: "— Ilhan Omar (@IlhanMN) January 6, 2020".
_SIGNATURE = re.compile(r"\s[—–-]{1,2}\s*[^—–\n]{0,100}\(@\w{1,15}\)\s*\w+\.?\s+\d{1,2},?\s+\d{4}\s*$")


def query_texts(text: str) -> tuple[str, str]:
    """(words, statement): the text as searched by its words and compared with each claim
    (without links, invisible formatting characters, "#" and "@"), and as embedded (without an
    embedded tweet's signature either)."""

    def read(text: str) -> str:
        visible = text if text.isascii() else "".join(c for c in text if unicodedata.category(c) != "Cf")
        without_links = _LINK.sub(" ", visible)
        return " ".join(_TAG.sub(lambda tag: " ".join(_CAMEL.findall(tag[1])) or tag[0], without_links).split())

    words = read(text)
    return words, read(_SIGNATURE.sub("", text)) or words


def features(
    text: str, candidates: dict[int, str], relevance: dict[int, float], cosines: dict[int, float] | None
) -> dict[int, list[float]]:
    """Each candidate's features (ranking.json names them), by claim id. `relevance` holds the
    full-text candidates' BM25 (higher is better), `cosines` every candidate's cosine with the
    text, None without vectors. The text is compared as it is searched (query_texts)."""
    ids, found = _features(query_texts(text)[0], candidates, relevance, cosines)
    return dict(zip(ids, found.tolist(), strict=True))


def _features(
    words: str, candidates: dict[int, str], relevance: dict[int, float], cosines: dict[int, float] | None
) -> tuple[list[int], np.ndarray]:
    """`features` of a text read already (query_texts): the candidates' ids and a row of features each."""
    import numpy as np

    ids = list(candidates)
    absent = math.log1p(CANDIDATES)  # the place given to a claim the full text did not find
    lexical_place = {claim_id: math.log1p(n) for n, claim_id in enumerate(sorted(relevance, key=_by(relevance)))}
    best_relevance = max(relevance.values(), default=0.0) or 1.0
    columns = [
        np.array([relevance.get(claim_id, 0.0) for claim_id in ids], dtype=np.float64) / best_relevance,
        np.array([lexical_place.get(claim_id, absent) for claim_id in ids], dtype=np.float64),
        lexical(words, [candidates[claim_id] for claim_id in ids]),
    ]
    if cosines is not None:
        best_cosine = max(cosines.values(), default=0.0)
        cosine_place = {claim_id: math.log1p(n) for n, claim_id in enumerate(sorted(cosines, key=_by(cosines)))}
        cosine = np.array([cosines.get(claim_id, 0.0) for claim_id in ids], dtype=np.float64)
        place = np.array([cosine_place.get(claim_id, absent) for claim_id in ids], dtype=np.float64)
        columns += [cosine, cosine - best_cosine, place]
    return ids, np.stack(columns, axis=1) if ids else np.zeros((0, len(columns)))


def _by(values: dict[int, float]) -> Callable[[int], tuple[float, int]]:
    return lambda claim_id: (-values[claim_id], claim_id)


def rank(
    text: str,
    candidates: dict[int, tuple[str, str]],
    relevance: dict[int, float],
    cosines: dict[int, float] | None,
    *,
    floor: float | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The candidates scored (see the module's docstring) and labelled, best first; with `floor`,
    only those scoring `floor` or more, and with `limit`, only the first `limit` of those. The
    text is compared as it is searched (query_texts): a link's words and numbers are not the claim's.

    The rules only lower a score, so the candidates' model and meaning scores are computed for all
    of them at once, and a candidate is checked against the rules, best first, only while it may
    still reach `floor` and rank within `limit`. Its score is then computed again one candidate at
    a time (`_upper`), so that it never depends on how numpy rounds an exponential."""
    import numpy as np

    if limit == 0:
        return []
    model = _MODEL["with_vectors" if cosines is not None else "words_only"]
    text = query_texts(text)[0]
    ids, rows = _features(text, {i: claim[1] for i, claim in candidates.items()}, relevance, cosines)
    logit = np.zeros(len(ids))
    for weight, column in zip(model["weights"], rows.T, strict=True):  # added in order, as `_upper` adds
        logit = logit + weight * column
    value = 100 / (1 + np.exp(-np.clip(model["bias"] + logit, -50.0, 50.0)))
    if cosines is not None:
        semantic = _MODEL["semantic"]["bias"] + _MODEL["semantic"]["weight"] * rows[:, 3]
        known = np.array([claim_id in cosines for claim_id in ids], dtype=bool)
        value = np.maximum(value, np.where(known, 100 / (1 + np.exp(-np.clip(semantic, -50.0, 50.0))), 0.0))
    # At least each candidate's score once rounded to a tenth (numpy's exponential is within a few
    # units of the last place of math's), best first.
    bound = np.ceil((value + 1e-9) * 10) / 10
    order = np.lexsort((np.asarray(ids, dtype=np.int64), -bound))
    scored: list[tuple[float, int, dict[str, Any]]] = []
    for n, best in zip(order.tolist(), (-bound[order]).tolist(), strict=True):
        claim_id = ids[n]
        if floor is not None and -best < floor:
            break  # the rest cannot reach `floor` either
        if limit is not None and len(scored) >= limit and scored[limit - 1][:2] < (best, claim_id):
            break  # none left can rank before the last one kept
        row = rows[n].tolist()
        cosine = None if cosines is None else cosines.get(claim_id)
        meaning = 0.0 if cosine is None else meaning_alone(cosine)
        score = _upper(model, row, meaning)
        slug, claim_text = candidates[claim_id]
        rebuts = negates(text, claim_text)
        if rebuts or length_ratio(text, claim_text) < SHORTER or numbers_differ(text, claim_text):
            score = min(score, DUPLICATE - 1)  # says the opposite, or less, more or else: never a duplicate
        says_less = words_said(text) / words_said(claim_text)
        if says_less < SHORTER:  # "1990", "#NATO": a word of the claim is not the claim
            score = min(score, 100 * says_less)
        if meaning < DUPLICATE:  # near in words and rank, but not in meaning alone: never a duplicate
            score = min(score, DUPLICATE - 1)
        score = round(score, 1)
        if floor is not None and score < floor:
            continue
        item = {
            "id": claim_id,
            "slug": slug,
            "text": claim_text,
            "score": score,
            "label": "rebuts?" if rebuts else _label(score),
            "semantic": None if cosine is None else round(float(cosine), 3),
            "lexical": round(row[2], 3),
        }
        bisect.insort(scored, (-score, claim_id, item), key=lambda entry: entry[:2])
    return [item for _score, _id, item in scored[:limit]]


def _upper(model: dict[str, Any], row: list[float], meaning: float) -> float:
    """A candidate's score before the rules: the model's estimate from its features, or its
    meaning alone if higher (a translation, or a paraphrase sharing no word: the vectors alone may suffice)."""
    return max(_percent(model["bias"] + sum(w * x for w, x in zip(model["weights"], row, strict=True))), meaning)


def meaning_alone(cosine: float) -> float:
    """0-100: the chance that a claim this close to a text by its vector alone is the one the text
    states (fitted on fact-checks' headlines against their own and their nearest claims)."""
    return _percent(_MODEL["semantic"]["bias"] + _MODEL["semantic"]["weight"] * cosine)


def _percent(logit: float) -> float:
    return 100 / (1 + math.exp(-max(-50.0, min(50.0, logit))))


def _label(value: float) -> str:
    return "duplicate" if value >= DUPLICATE else "similar" if value >= SUGGEST else ""


def similar_claims(
    session: Session,
    text: str,
    *,
    limit: int = 5,
    min_score: float = SUGGEST,
    exclude: int | None = None,
    semantic: bool = True,
    vector: Any = None,
) -> list[dict[str, Any]]:
    """The existing claims most likely to say what `text` says, best first: each with its score,
    label and evidence (see `rank`). With `semantic`, candidates also come from the vectors (the
    nearest of every stored vector); `vector`, the text's vector when it is stored already, spares
    loading the model. A text with no word to match (a link, emoji) matches nothing."""
    return shown(
        rank(
            text,
            *candidates_of(session, text, exclude=exclude, semantic=semantic, vector=vector),
            floor=min_score,
            limit=limit,
        ),
        min_score,
        limit,
    )


def shown(ranked: list[dict[str, Any]], min_score: float, limit: int) -> list[dict[str, Any]]:
    """The hits `similar` shows of a ranking: the first `limit` scoring `min_score` or more."""
    return [item for item in ranked if item["score"] >= min_score][:limit]


def similar_each(
    session: Session, texts: list[str], *, limit: int = 5, min_score: float = SUGGEST, batch: int = SEARCH_BLOCK
) -> Iterator[list[dict[str, Any]]]:
    """similar_claims of each text, in order, `batch` texts at a time (candidates_each: embedded
    together, the stored codes and vectors read once for them); of BULK_TEXTS texts or more,
    their full-text candidates from the index held in memory."""

    search = bulk_search(session) if len(texts) >= BULK_TEXTS else None
    for start in range(0, len(texts), batch):
        block = texts[start : start + batch]
        for text, candidates in zip(block, candidates_each(session, block, search=search), strict=True):
            yield shown(rank(text, *candidates, floor=min_score, limit=limit), min_score, limit)


Candidates = tuple[dict[int, tuple[str, str]], dict[int, float], dict[int, float] | None]


def candidates_of(
    session: Session,
    text: str,
    *,
    exclude: int | None = None,
    semantic: bool = True,
    vector: Any = None,
    search: CandidateSearch | None = None,
) -> Candidates:
    """The claims worth scoring against `text`: (slug, text) by id, the full-text candidates'
    BM25, and every candidate's cosine (None without vectors). `vector`, the text's vector when it
    is stored already, spares loading the model; `search` finds the full-text candidates (by
    default the database's search)."""
    queries = None if vector is None else vector.reshape(1, -1)
    return candidates_each(session, [text], exclude=[exclude], semantic=semantic, queries=queries, search=search)[0]


def candidates_each(
    session: Session,
    texts: list[str],
    *,
    exclude: Sequence[int | None] | None = None,
    semantic: bool = True,
    queries: Any = None,
    pools: list[np.ndarray] | None = None,
    search: CandidateSearch | None = None,
) -> list[Candidates]:
    """candidates_of of each text (for text i, other than claim exclude[i]), read once for them
    all: their vectors (`queries`, a row a text, when known; embedded together otherwise), the
    RESCORE nearest of each by the stored codes (vectors.code_nearest), and the cosines of those
    and of the full-text candidates (vector_passes.cosines_each) and the texts of the claims found,
    in a few queries whatever the number of texts. `pools`, for each text the ids among which its
    nearest stored vectors are, when found already (vector_passes.nearest_pools), stand for the
    codes' nearest. Each text gets what it would alone: the same candidates, and each pair's
    cosine computed the same way."""
    import numpy as np

    skip = exclude if exclude is not None else [None] * len(texts)
    read = [query_texts(text) for text in texts]
    searched = [n for n, (words, _statement) in enumerate(read) if query_words(words)]
    finder = search or backend(session)
    each = candidate_claims_each(finder, [read[n][0] for n in searched], limit=CANDIDATES)
    found = {n: [hit for hit in hits if hit[0] != skip[n]] for n, hits in zip(searched, each, strict=True)}
    results: list[Candidates] = [({}, {}, None) for _text in texts]
    for n, hits in found.items():
        results[n] = (
            {i: (slug, claim_text) for i, slug, claim_text, _r in hits},
            {i: r for i, _s, _t, r in hits},
            None,
        )
    if not semantic or not searched:
        return results
    if queries is None:
        embedded = vectors.embed([read[n][1] for n in searched])
        if embedded is None:
            return results
        rows = dict(zip(searched, embedded, strict=True))
    else:
        rows = {n: queries[n] for n in searched}
    matrix = np.stack([rows[n] for n in searched])
    if pools is None:  # the nearest by codes, their cosines read with the full-text candidates'
        pools = vectors.code_nearest(session, matrix, exclude=[skip[n] for n in searched])
    else:
        pools = [pools[n] for n in searched]
    wanted = [
        np.union1d(pool, np.asarray(list(results[n][0]), dtype=np.int64))
        for n, pool in zip(searched, pools, strict=True)
    ]
    scored = cosines_each(session, matrix, wanted)
    near: dict[int, list[tuple[int, float]]] = {}
    for n, pool, values in zip(searched, pools, scored, strict=True):
        ids = np.asarray([i for i in pool.tolist() if i in values and i != skip[n]], dtype=np.int64)
        cosine = np.asarray([values[i] for i in ids.tolist()], dtype=np.float32)
        best = np.lexsort((ids, -cosine))[:CANDIDATES]  # ranked as vectors.nearest ranks them
        near[n] = list(zip(ids[best].tolist(), cosine[best].tolist(), strict=True))
    named = texts_of(session, sorted({i for n in searched for i, _c in near[n] if i not in results[n][0]}))
    for n, values in zip(searched, scored, strict=True):
        candidates, relevance, _none = results[n]
        cosines = dict(near[n])
        candidates.update((claim_id, named[claim_id]) for claim_id in cosines if claim_id not in candidates)
        cosines.update((i, values[i]) for i in candidates if i not in cosines and i in values)
        # Full-text candidates without a stored vector (not yet indexed) are embedded now: at most
        # CANDIDATES texts, so that their scores are comparable until `index rebuild` is run.
        unindexed = dict(vectors.matching_texts(session, [i for i in candidates if i not in cosines]))
        fresh = vectors.embed(list(unindexed.values())) if unindexed else None
        if fresh is not None:
            cosines.update(zip(unindexed, vectors.cosines(fresh, rows[n]).tolist(), strict=True))
        results[n] = (candidates, relevance, cosines)
    return results


def duplicates_of(session: Session, text: str, *, exclude: int | None = None) -> list[dict[str, Any]]:
    """The claims `text` duplicates (score at or above DUPLICATE), best first."""
    return [
        match
        for match in similar_claims(session, text, limit=3, min_score=DUPLICATE, exclude=exclude)
        if match["label"] == "duplicate"
    ]


def queries_from_file(path: Path) -> list[str]:
    """The texts of a `similar --file`: one per line, or JSON lines each with a "text". Blank
    lines are skipped; a line that is malformed, empty or too long is named by its number and
    nothing is searched."""
    import json

    try:
        content = read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text") from None
    texts: list[str] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        text: Any = line
        if line.lstrip().startswith("{"):
            try:
                text = json.loads(line).get("text")
            except (json.JSONDecodeError, AttributeError):
                raise InvalidInput(f'{path}, line {number}: not a JSON object with a "text"') from None
            if not isinstance(text, str):
                raise InvalidInput(f'{path}, line {number}: "text" is missing or not a string')
        try:
            texts.append(required_text(text, "the text", max(MAX_QUERY, MAX_TEXT)))
        except InvalidInput as error:
            raise InvalidInput(f"{path}, line {number}: {error}") from None
    if not texts:
        raise InvalidInput(f'{path} has no text to match: give one text per line, or JSON lines with "text"')
    return texts
