"""Realistic synthetic factcheck data at any size, in the dataset format.

Claims come in pairs of claim and counterclaim; sources carry archived text; evidence quotes are
cut from those texts (so they verify); some claims have verdicts; tags are shared.

    python benchmarks/generate.py 10000 -o data.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from pathlib import Path
from typing import Any

WORDS = [
    "nato",
    "russia",
    "ukraine",
    "treaty",
    "promise",
    "guarantee",
    "expansion",
    "east",
    "border",
    "troops",
    "summit",
    "charter",
    "founding",
    "act",
    "baker",
    "gorbachev",
    "putin",
    "ryabkov",
    "stoltenberg",
    "alliance",
    "security",
    "demand",
    "draft",
    "agreement",
    "missile",
    "exercise",
    "declaration",
    "bucharest",
    "paris",
    "moscow",
    "washington",
    "brussels",
    "kyiv",
    "sovereignty",
    "influence",
    "buildup",
    "talks",
    "geneva",
    "assurance",
    "written",
    "verbal",
    "denied",
    "confirmed",
    "reported",
    "officials",
    "analysts",
    "diplomats",
    "military",
    "withdrawal",
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "to",
    "vi",
    "ze",
    "bo",
    "da",
    "fe",
    "gu",
    "hi",
    "ja",
    "ki",
    "lu",
    "ma",
    "no",
    "pe",
    "ri",
    "su",
    "te",
    "vo",
    "wa",
]
# Word frequencies follow Zipf's law, as in real text: a few words everywhere, most words rare.
VOCABULARY = WORDS + [
    "".join(random.Random(i).choice(SYLLABLES) for _ in range(2 + i % 3)) + str(i % 7 or "") for i in range(5000)
]
CUMULATIVE = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(VOCABULARY))))
# Words of middling frequency, the kind a fact-checker searches for.
SEARCH_WORDS = VOCABULARY[300:320]
STANCES = ("supports", "refutes", "qualifies", "context")
RATINGS = ("true", "mostly-true", "mixed", "misleading", "mostly-false", "false", "unproven")


def sentence(rng: random.Random, length: int) -> str:
    words = rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=length)
    return " ".join(words).capitalize() + "."


def generate(claims: int, *, seed: int = 7, evidence_per_claim: int = 3, text_words: int = 400) -> dict[str, Any]:
    """A dataset with `claims` claims, about claims/10 sources and `evidence_per_claim` quotes each."""
    rng = random.Random(seed)
    actors = [
        {"slug": f"actor-{i}", "name": f"Actor {i}", "kind": "person", "role": sentence(rng, 4)}
        for i in range(max(10, claims // 50))
    ]
    sources = []
    for i in range(max(5, claims // 10)):
        text = " ".join(sentence(rng, rng.randint(8, 20)) for _ in range(text_words // 14))
        source = {
            "slug": f"source-{i}",
            "title": sentence(rng, 6),
            "kind": "article",
            "publisher": f"Outlet {i % 40}",
            "authors": [f"Author {i % 97}"],
            "url": f"https://example.org/articles/{i}",
            "published_on": f"20{rng.randint(10, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "text": text,
        }
        sources.append(source)
    tags = [f"topic {i}" for i in range(50)]
    claim_records = []
    for i in range(claims):
        evidence = []
        for _ in range(evidence_per_claim):
            source = rng.choice(sources)
            start = rng.randint(0, len(source["text"]) - 120)
            start = source["text"].find(" ", start) + 1
            quote = source["text"][start : start + rng.randint(40, 110)].rsplit(" ", 1)[0]
            evidence.append(
                {
                    "source": source["slug"],
                    "stance": rng.choice(STANCES),
                    "quote": quote,
                    "speaker": rng.choice(actors)["slug"],
                }
            )
        claim = {
            "slug": f"claim-{i}",
            "text": f"{sentence(rng, rng.randint(6, 14))[:-1]} ({i})",
            "claimant": rng.choice(actors)["slug"],
            "stated_on": f"20{rng.randint(10, 24)}-{rng.randint(1, 12):02d}",
            "stated_in": rng.choice(sources)["slug"],
            "tags": rng.sample(tags, 2),
            "evidence": evidence,
        }
        if rng.random() < 0.3:
            claim["verdicts"] = [{"rating": rng.choice(RATINGS), "rationale": sentence(rng, 20)}]
        claim_records.append(claim)
    links = [{"from": f"claim-{i + 1}", "relation": "rebuts", "to": f"claim-{i}"} for i in range(0, claims - 1, 2)]
    return {"actors": actors, "sources": sources, "claims": claim_records, "links": links}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.output.write_text(json.dumps(generate(args.claims, seed=args.seed)), encoding="utf-8")


if __name__ == "__main__":
    main()
