"""Finding claims that say the same thing: full-text candidates, re-ranked by token-set similarity."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from ..search import backend

NEAR_DUPLICATE = 70.0  # `claim add` asks for --force at or above this score
SPEAKS_TO = 65.0  # a passage of a new source that scores this with a claim is worth a look
MAX_PASSAGES = 2_000  # passages of a new source compared with the claims: each costs a few index queries
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+|\n+")


def similarity(text: str, other: str) -> float:
    """0-100: how far two statements share their words, also counting words that begin alike
    ("expand" and "expansion", "east" and "eastward"), so that paraphrases score high."""
    from rapidfuzz import fuzz
    from rapidfuzz.utils import default_process

    def stems(words: str) -> str:
        return " ".join(word[:4] for word in default_process(words).split())

    exact = fuzz.token_set_ratio(text, other, processor=default_process)
    return round((exact + fuzz.token_set_ratio(stems(text), stems(other))) / 2, 1)


def similar_claims(
    session: Session, text: str, *, limit: int = 5, min_score: float = 0.0, exclude: int | None = None
) -> list[dict[str, Any]]:
    """The existing claims most likely to say what `text` says, best first, with a score."""
    scored: list[dict[str, Any]] = [
        {"id": claim_id, "slug": slug, "text": claim_text, "score": similarity(text, claim_text)}
        for claim_id, slug, claim_text in backend(session).candidate_claims(text, limit=50)
        if claim_id != exclude
    ]
    scored = [item for item in scored if item["score"] >= min_score]
    return sorted(scored, key=lambda item: (-item["score"], item["id"]))[:limit]


def passages(text: str) -> list[str]:
    """A text's sentences and lines long enough to state something, each once."""
    found = (passage.strip() for passage in _SENTENCE_END.split(text))
    return list(dict.fromkeys(passage for passage in found if len(passage) >= 30))


def claims_in_text(
    session: Session, text: str, *, limit: int = 10, max_passages: int | None = None
) -> list[dict[str, Any]]:
    """Claims that passages of a (new) source's text appear to speak to, each with its best
    passage, so that the user can link them with `evidence add`. Of a text with more than
    `max_passages` (default MAX_PASSAGES) passages, that many are compared, spread evenly over it."""
    max_passages = max_passages or MAX_PASSAGES
    found = passages(text)
    if len(found) > max_passages:
        found = [found[index * len(found) // max_passages] for index in range(max_passages)]
    best: dict[int, dict[str, Any]] = {}
    for passage in found:
        for match in similar_claims(session, passage, limit=3, min_score=SPEAKS_TO):
            if match["score"] > best.get(match["id"], {}).get("score", -1):
                best[match["id"]] = {**match, "passage": passage}
    return sorted(best.values(), key=lambda item: -item["score"])[:limit]
