"""Finding claims that say the same thing, in any wording and any language.

Candidates come from two places: the full-text index (BM25 over the text's rarest words) and the
claims' sentence vectors (see vectors.py), so a paraphrase sharing no rare word, or a translation,
is still found. Each candidate gets one score, 0 to 100, fusing the two kinds of evidence:

- semantic: the cosine of the two sentence vectors (multilingual);
- lexical: the share of word starts the two texts have in common, counted both ways (Dice), so
  that it is symmetric: a one-word text does not score 100 against every text containing it.

Two thresholds, after Meedan Check's suggest/confirm pair: SUGGEST (worth showing) and DUPLICATE
(`claim add` refuses without --force). Three rules keep a hit below DUPLICATE whatever its score:
a text much shorter or longer than the claim (it says less, or more); a text whose numbers differ
from the claim's, each stating one the other does not ("in 1999" against "in 2004"): sentence
vectors barely see numbers; and a text that negates what the claim says ("NATO did not
promise..."): such a hit is labelled "rebuts?", a possible counterclaim, rather than a duplicate.
Without vectors (model not installed, or the index not yet rebuilt) the lexical evidence alone is
scored, and `vectors.notice` says so.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput, NotFound
from ..search import backend
from .common import required_text

SUGGEST = 30.0  # `similar` and `claim add` show a claim scoring this or more
DUPLICATE = 77.0  # `claim add` refuses, without --force, a text scoring this or more with a claim
NEAR_DUPLICATE = DUPLICATE  # the name earlier callers used
SPEAKS_TO = 65.0  # a passage of a new source that scores this with a claim is worth a look
MAX_PASSAGES = 2_000  # passages of a new source compared with the claims: each costs a few index queries
CANDIDATES = 50  # from each of the full-text index and the vectors
SUGGESTIONS = 3  # unlinked look-alikes `claim show` lists
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+|\n+")

# Calibration (see benchmarks/matching/): the fused evidence mapped linearly onto 0-100.
SEMANTIC_WEIGHT = 0.8
_FLOOR, _CEILING = 0.30, 0.82  # fused evidence at or below FLOOR scores 0, at or above CEILING 100
SHORTER = 0.5  # a text with under half the other's words (either way) is not its duplicate


def _listed(words: str) -> list[str]:
    """A word list written as words, one space apart."""
    return words.split()


_WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
_DIGITS = re.compile(r"\d+")  # "1,000" and "1.000" alike: runs of digits
# Words that negate or deny, in the model's languages. French "ne" is left out: "ne ... pas" is one negation.
_NEGATIONS = frozenset(
    _listed(
        """not no never nor none nobody nothing neither cannot myth myths untrue false falsely denied deny
    denies debunked non nicht kein keine keinen keinem keiner nie niemals mythos pas jamais aucun aucune
    sans mythe nunca jamás ningún ninguna ninguno sin mito não sem mai senza niet geen nooit zonder nie
    nigdy żaden żadna bez değil yok asla hiç не нет ни никогда без миф ложь لا لم لن ليس ليست أبدا غير
    بدون"""
    )
)
# Negations that take a noun phrase ("no NATO expansion"): their scope is two words, not one.
_DETERMINER_NEGATIONS = frozenset(
    _listed("""no none non kein keine keinen keinem keiner aucun aucune ningún ninguna żaden""")
)
# Words that carry no content of their own (skipped when finding what a negation bears on).
_FUNCTION = frozenset(
    _listed(
        """a an the to of in on at by for from with and or but that this these those it its is are was were be
    been being am do does did done have has had will would shall should can could may might must there
    their they he she we you i his her our your them us as so than then also any some one ever yet still
    just more"""
    )
)


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("n't", " not").replace("-", " ")
    return _WORD.findall(folded)


def _stem(word: str) -> str:
    return word[:4]


def _content(words: list[str]) -> list[str]:
    return [_stem(w) for w in words if w not in _FUNCTION and w not in _NEGATIONS and len(w) > 1]


def lexical(text: str, other: str) -> float:
    """0-1, symmetric: how far the two texts share their content words (word starts)."""
    mine, theirs = set(_content(_words(text))), set(_content(_words(other)))
    if not mine or not theirs:
        return 0.0
    shared = len(mine & theirs)
    # Dice (all words of both) averaged with containment (the shorter's words in the longer), so
    # that a short query naming a claim's rare words ranks it, while a short text never scores
    # as high as a full rewording.
    return (2 * shared / (len(mine) + len(theirs)) + shared / min(len(mine), len(theirs))) / 2


def _negation(words: list[str]) -> list[set[str]]:
    """Each negation of a text as the word starts it bears on: the next content word ("not
    expand"), or the next two after a negation taking a noun phrase ("no NATO expansion")."""
    scopes = []
    for index, word in enumerate(words):
        if word in _NEGATIONS:
            following = [w for w in words[index + 1 :] if w not in _FUNCTION and w not in _NEGATIONS]
            scopes.append({_stem(w) for w in following[: 2 if word in _DETERMINER_NEGATIONS else 1]})
    return scopes


def negates(text: str, other: str) -> bool:
    """Whether one text looks like the other negated: about the same things (most content words in
    common) but with negations that differ in number, or that bear on a word the other asserts
    ("did not promise to expand" against "promised not to expand")."""
    mine, theirs = _words(text), _words(other)
    content_mine, content_theirs = set(_content(mine)), set(_content(theirs))
    if not content_mine or not content_theirs:
        return False
    if 2 * len(content_mine & content_theirs) / (len(content_mine) + len(content_theirs)) < 0.65:
        return False
    scopes_mine, scopes_theirs = _negation(mine), _negation(theirs)
    if len(scopes_mine) % 2 != len(scopes_theirs) % 2:
        return True

    def asserted(scopes: list[set[str]], content: set[str], negated: list[set[str]]) -> bool:
        denied = set().union(*negated)
        return any(scope & content and not scope & denied for scope in scopes)

    return asserted(scopes_mine, content_theirs, scopes_theirs) or asserted(scopes_theirs, content_mine, scopes_mine)


def _numbers(text: str) -> set[int]:
    return {int(digits) for digits in _DIGITS.findall(text)}  # int() reads every script's digits


def numbers_differ(text: str, other: str) -> bool:
    """Whether each text states a number the other does not (a year, a count, an amount)."""
    mine, theirs = _numbers(text), _numbers(other)
    return bool(mine - theirs) and bool(theirs - mine)


def _length_ratio(text: str, other: str) -> float:
    mine, theirs = len(_content(_words(text))) or 1, len(_content(_words(other))) or 1
    return min(mine, theirs) / max(mine, theirs)


def score(text: str, other: str, cosine: float | None) -> dict[str, Any]:
    """One 0-100 score for `text` against a claim's `other`, with its evidence and a label:
    "duplicate", "similar", "rebuts?" (it seems to negate the claim) or "" (below SUGGEST).
    `cosine` is the two vectors' cosine, None when either has no vector (lexical evidence only)."""
    lex = lexical(text, other)
    if cosine is None:  # words only: the share of words in common is the score
        value = 100 * lex
    else:
        fused = SEMANTIC_WEIGHT * cosine + (1 - SEMANTIC_WEIGHT) * lex
        value = 100 * min(1.0, max(0.0, (fused - _FLOOR) / (_CEILING - _FLOOR)))
    rebuts = negates(text, other)
    if rebuts or _length_ratio(text, other) < SHORTER or numbers_differ(text, other):
        value = min(value, DUPLICATE - 1)  # says the opposite, or less, more or else: never a duplicate
    value = round(value, 1)
    label = "rebuts?" if rebuts else "duplicate" if value >= DUPLICATE else "similar" if value >= SUGGEST else ""
    return {
        "score": value,
        "label": label,
        "semantic": None if cosine is None else round(float(cosine), 3),
        "lexical": round(lex, 3),
    }


def similarity(text: str, other: str) -> float:
    """0-100: how far the words of the shorter text are in the longer one, also counting words
    that begin alike ("expand" and "expansion"). Asymmetric on purpose: it finds the claims a
    source's passage speaks to (`claims_in_text`), not duplicates (that is `score`)."""
    from rapidfuzz import fuzz
    from rapidfuzz.utils import default_process

    def stems(words: str) -> str:
        return " ".join(word[:4] for word in default_process(words).split())

    exact = fuzz.token_set_ratio(text, other, processor=default_process)
    return round((exact + fuzz.token_set_ratio(stems(text), stems(other))) / 2, 1)


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
    label and evidence (see `score`). With `semantic`, candidates also come from the vectors (the
    nearest of every stored vector); `vector`, the text's vector when it is stored already, spares
    loading the model."""
    from . import vectors

    candidates = {
        claim_id: (slug, claim_text)
        for claim_id, slug, claim_text in backend(session).candidate_claims(text, limit=CANDIDATES)
        if claim_id != exclude
    }
    cosines: dict[int, float] = {}
    query = None if not semantic else vectors.embed([text]) if vector is None else vector.reshape(1, -1)
    if query is not None:
        cosines = dict(vectors.nearest(session, query[0], limit=CANDIDATES, exclude=exclude))
        missing = [claim_id for claim_id in cosines if claim_id not in candidates]
        candidates.update(_texts(session, missing))
        stored = vectors.vectors_of(session, [i for i in candidates if i not in cosines])
        cosines.update({claim_id: float(vector @ query[0]) for claim_id, vector in stored.items()})
        # Full-text candidates without a stored vector (not yet indexed) are embedded now: at most
        # CANDIDATES texts, so that their scores are comparable until `index rebuild` is run.
        unindexed = [claim_id for claim_id in candidates if claim_id not in cosines]
        fresh = vectors.embed([candidates[claim_id][1] for claim_id in unindexed]) if unindexed else None
        if fresh is not None:
            cosines.update({claim_id: float(fresh[n] @ query[0]) for n, claim_id in enumerate(unindexed)})
    scored = [
        {"id": claim_id, "slug": slug, "text": claim_text, **score(text, claim_text, cosines.get(claim_id))}
        for claim_id, (slug, claim_text) in candidates.items()
    ]
    scored = [item for item in scored if item["score"] >= min_score]
    return sorted(scored, key=lambda item: (-item["score"], item["id"]))[:limit]


def suggested_duplicates(session: Session, claim_id: int, text: str, linked: set[str]) -> list[dict[str, Any]]:
    """Claims scoring SUGGEST or more with this claim that are not among the `linked` slugs, best
    first, at most SUGGESTIONS: one similar_claims call, from the claim's stored vector if any (so
    a claim already indexed does not load the model), finding paraphrases and translations too."""
    from .vectors import vectors_of

    stored = vectors_of(session, [claim_id]).get(claim_id)
    hits = similar_claims(session, text, limit=SUGGESTIONS + len(linked), exclude=claim_id, vector=stored)
    return [hit for hit in hits if hit["slug"] not in linked][:SUGGESTIONS]


def _texts(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    from sqlalchemy import select

    from ..models import Claim

    if not ids:
        return {}
    rows = session.execute(select(Claim.id, Claim.slug, Claim.text).where(Claim.id.in_(ids))).all()
    return {row[0]: (row[1], row[2]) for row in rows}


def duplicates_of(session: Session, text: str, *, exclude: int | None = None) -> list[dict[str, Any]]:
    """The claims `text` duplicates (score at or above DUPLICATE), best first."""
    return [
        match
        for match in similar_claims(session, text, limit=3, min_score=DUPLICATE, exclude=exclude)
        if match["label"] == "duplicate"
    ]


def passages(text: str) -> list[str]:
    """A text's sentences and lines long enough to state something, each once."""
    found = (passage.strip() for passage in _SENTENCE_END.split(text))
    return list(dict.fromkeys(passage for passage in found if len(passage) >= 30))


def claims_in_text(
    session: Session, text: str, *, limit: int = 10, max_passages: int | None = None
) -> list[dict[str, Any]]:
    """Claims that passages of a (new) source's text appear to speak to, each with its best
    passage, so that the user can link them with `evidence add`. Of a text with more than
    `max_passages` (default MAX_PASSAGES) passages, that many are compared, spread evenly over it.
    By their words only: embedding thousands of passages would make adding a source slow."""
    max_passages = max_passages or MAX_PASSAGES
    found = passages(text)
    if len(found) > max_passages:
        found = [found[index * len(found) // max_passages] for index in range(max_passages)]
    best: dict[int, dict[str, Any]] = {}
    for passage in found:
        for claim_id, slug, claim_text in backend(session).candidate_claims(passage, limit=CANDIDATES):
            value = similarity(passage, claim_text)
            if value >= SPEAKS_TO and value > best.get(claim_id, {}).get("score", -1):
                best[claim_id] = {"id": claim_id, "slug": slug, "text": claim_text, "score": value, "passage": passage}
    return sorted(best.values(), key=lambda item: (-item["score"], item["id"]))[:limit]


def queries_from_file(path: Path) -> list[str]:
    """The texts of a `similar --file`: one per line, or JSON lines each with a "text". Blank
    lines are skipped; a line that is malformed, empty or too long is named by its number and
    nothing is searched."""
    import json

    from ..limits import MAX_QUERY, MAX_TEXT
    from .articles import read_bytes

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


def duplicate_clusters(
    session: Session, *, progress: Callable[[int, int], None] | None = None, chunk: int = 1_024
) -> list[dict[str, Any]]:
    """Groups of claims that duplicate one another (each pair joined scoring DUPLICATE or more),
    oldest claim first, with the scores that join them. Compares every stored vector with every
    other one, `chunk` rows against `chunk` rows, so memory stays bounded; only pairs close
    enough to possibly reach DUPLICATE are scored in full. Two claims linked already as rebutting,
    supporting or qualifying one another are never joined: someone has said they differ."""
    from sqlalchemy import select

    from ..models import ClaimVector
    from . import vectors

    name = vectors.model_name()
    if name is None:
        return []
    # The lowest cosine that can still reach DUPLICATE with a perfect lexical score.
    needed = (_FLOOR + DUPLICATE / 100 * (_CEILING - _FLOOR) - (1 - SEMANTIC_WEIGHT)) / SEMANTIC_WEIGHT

    def blocks(after: int) -> Iterator[tuple[list[int], Any]]:
        last = after
        while True:
            rows = session.execute(
                select(ClaimVector.claim_id, ClaimVector.vector)
                .where(ClaimVector.model == name, ClaimVector.claim_id > last)
                .order_by(ClaimVector.claim_id)
                .limit(chunk)
            ).all()
            if not rows:
                return
            last = rows[-1][0]
            yield [row[0] for row in rows], vectors.from_bytes([row[1] for row in rows])

    import numpy as np

    total = vectors.status(session)["current"]
    pairs: list[tuple[int, int, float]] = []
    done = 0
    for ids, matrix in blocks(0):
        for other_ids, other in blocks(ids[0] - 1):
            close = np.argwhere(matrix @ other.T >= needed)
            pairs += [(ids[i], other_ids[j], float(matrix[i] @ other[j])) for i, j in close if ids[i] < other_ids[j]]
        done += len(ids)
        if progress:
            progress(done, total)
    texts = _texts(session, sorted({claim_id for pair in pairs for claim_id in pair[:2]}))
    related = _related(session, list(texts))
    parent: dict[int, int] = {}
    members: dict[int, set[int]] = {}  # each cluster's claims, by its root (its oldest claim)

    def root(claim_id: int) -> int:
        while parent.get(claim_id, claim_id) != claim_id:
            claim_id = parent[claim_id]
        return claim_id

    duplicates: list[tuple[float, int, int]] = []
    for first, second, cosine in pairs:
        rated = score(texts[first][1], texts[second][1], cosine)
        if rated["label"] == "duplicate":
            duplicates.append((rated["score"], first, second))
    joined: list[tuple[int, int, float]] = []
    for value, first, second in sorted(duplicates, key=lambda item: (-item[0], item[1], item[2])):  # closest first
        a, b = root(first), root(second)
        if a != b:
            smaller, larger = sorted((a, b), key=lambda cluster: len(members.get(cluster, ())))
            # Every claim of a cluster is linked to its oldest: none may be one someone has related.
            if any(root(y) == larger for x in members.get(smaller, {smaller}) for y in related.get(x, ())):
                continue
            parent[max(a, b)] = min(a, b)
            members[min(a, b)] = members.pop(max(a, b), {max(a, b)}) | members.get(min(a, b), {min(a, b)})
        joined.append((first, second, value))
    clusters: dict[int, dict[str, Any]] = {}
    for first, second, value in joined:
        cluster = clusters.setdefault(root(first), {"claims": set(), "pairs": []})
        cluster["claims"].update((first, second))
        cluster["pairs"].append({"claims": [texts[first][0], texts[second][0]], "score": value})
    return [
        {
            "claims": [{"id": i, "slug": texts[i][0], "text": texts[i][1]} for i in sorted(cluster["claims"])],
            "pairs": cluster["pairs"],
        }
        for _root, cluster in sorted(clusters.items())
    ]


def _related(session: Session, ids: list[int], chunk: int = 500) -> dict[int, set[int]]:
    """The claims each of these claims is linked to by a relation other than duplicates (both ways)."""
    from sqlalchemy import select

    from ..models import ClaimLink, Relation

    related: dict[int, set[int]] = {}
    for start in range(0, len(ids), chunk):
        some = ids[start : start + chunk]
        rows = session.execute(
            select(ClaimLink.from_claim_id, ClaimLink.to_claim_id).where(
                ClaimLink.relation != Relation.DUPLICATES,
                ClaimLink.from_claim_id.in_(some) | ClaimLink.to_claim_id.in_(some),
            )
        ).all()
        for one, other in rows:
            related.setdefault(one, set()).add(other)
            related.setdefault(other, set()).add(one)
    return related


def record_duplicates(session: Session, clusters: list[dict[str, Any]]) -> dict[str, Any]:
    """Link every claim of each cluster to its oldest claim as `duplicates`, in this transaction
    (one batch in the history), skipping links that exist already. Returns the batch id and the
    links made; `undo_duplicates(batch)` takes them back."""
    from sqlalchemy import select

    from ..models import ClaimLink, Relation

    made: list[dict[str, str]] = []
    for cluster in clusters:
        oldest, *others = cluster["claims"]
        for claim in others:
            exists = session.scalar(
                select(ClaimLink.id).where(
                    ClaimLink.relation == Relation.DUPLICATES,
                    ((ClaimLink.from_claim_id == claim["id"]) & (ClaimLink.to_claim_id == oldest["id"]))
                    | ((ClaimLink.from_claim_id == oldest["id"]) & (ClaimLink.to_claim_id == claim["id"])),
                )
            )
            if exists is None:
                session.add(
                    ClaimLink(from_claim_id=claim["id"], to_claim_id=oldest["id"], relation=Relation.DUPLICATES)
                )
                made.append({"from": claim["slug"], "to": oldest["slug"]})
    session.flush()
    return {"batch": session.info.get("batch") if made else None, "links": made}


def undo_duplicates(session: Session, batch: str) -> list[int]:
    """Delete the `duplicates` links a `dedupe --apply` made in history batch `batch` (the deletion
    is recorded too). Returns the ids of the links removed."""
    from sqlalchemy import select

    from ..models import ClaimLink, Relation, Revision, RevisionAction

    batch = required_text(batch, "the batch id", 64)
    ids = session.scalars(
        select(Revision.entity_id).where(
            Revision.batch == batch, Revision.entity == "claim_links", Revision.action == RevisionAction.INSERT
        )
    ).all()
    if not ids:
        raise NotFound(f"no links were made in batch {batch!r}: see `factcheck history`")
    links = session.scalars(
        select(ClaimLink).where(ClaimLink.id.in_(ids), ClaimLink.relation == Relation.DUPLICATES)
    ).all()
    if not links:
        raise Conflict(f"the links of batch {batch!r} are gone already")
    removed = sorted(link.id for link in links)
    for link in links:
        session.delete(link)
    session.flush()
    return removed
