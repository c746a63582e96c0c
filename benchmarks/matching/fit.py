"""Fit the matching model's weights and thresholds on the CheckThat! 2020 train split, and write
them to factcheck/services/ranking.json (the package's data).

    python benchmarks/matching/fit.py DATA_DIR [--check]

Every train tweet goes through the candidate search `similar` uses (candidates_of: full text and
vectors) and each candidate's features (similar.features) are labelled by the lab's qrels. A
logistic regression (Newton's method, a little L2) is fitted twice: with the vectors' features
and with the words' alone (for a database without vectors). The thresholds are chosen on the
same tweets, never on dev: DUPLICATE, the lowest score at which at most half a percent of the
tweets get a wrong top hit labelled duplicate (the target is 1% on unseen tweets), whether their
claim is in the database or taken out of it; SUGGEST stays 30 (a claim with a 30% chance of being
the one is worth a look). The meaning-alone estimate (similar.meaning_alone) is fitted on the
fact-checks' headlines against the claims. The dev split is then measured by checkthat.py, with
these weights. `--check` fits and prints without writing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))

from checkthat import build, read_split, read_tsv, require_data, vclaims_of_claims  # noqa: E402

import factcheck  # noqa: E402
from factcheck import db  # noqa: E402
from factcheck.services import similar, wording  # noqa: E402

MODEL = HERE.parent.parent / "factcheck" / "services" / "ranking.json"
FEATURES = {
    "words_only": ["bm25_of_best", "log_bm25_place", "word_share"],
    "with_vectors": [
        "bm25_of_best",
        "log_bm25_place",
        "word_share",
        "cosine",
        "cosine_behind_best",
        "log_cosine_place",
    ],
}
WRONG_DUPLICATES = 0.005  # of the train tweets; the target on unseen ones is 0.01
L2 = 1.0


def logistic(rows: Any, labels: Any) -> tuple[float, list[float]]:
    """(bias, weights) of an L2-regularised logistic regression, by Newton's method."""
    import numpy as np

    x = np.hstack([np.ones((len(rows), 1)), np.asarray(rows, dtype=np.float64)])
    y = np.asarray(labels, dtype=np.float64)
    w = np.zeros(x.shape[1])
    penalty = L2 * np.eye(x.shape[1])
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return float(w[0]), [float(v) for v in w[1:]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--check", action="store_true", help="Fit and print; do not write ranking.json.")
    args = parser.parse_args()
    require_data(parser, args.data, "train")
    path = build(args.data, read_tsv(args.data / "verified_claims.docs.tsv"))
    url = db.resolve_url(str(path))
    owners = vclaims_of_claims(url)
    tweets = read_split(args.data, "train")
    queries: list[tuple[str, Any, Any, Any, set[int]]] = []
    with factcheck.open(url).read() as session:
        for number, (_id, tweet, wanted) in enumerate(tweets, start=1):
            candidates, relevance, cosines = similar.candidates_of(session, tweet)
            queries.append((tweet, candidates, relevance, cosines, wanted))
            if number % 100 == 0:
                print(f"candidates of {number}/{len(tweets)} train tweets", file=sys.stderr)

    model: dict[str, Any] = {
        "about": (
            "factcheck's claim-matching model (factcheck.services.similar): logistic weights over each "
            "candidate's features, fitted by benchmarks/matching/fit.py on the train split (800 tweets) of "
            "CLEF CheckThat! 2020 task 2 against its 10,375 Snopes claims; thresholds chosen on the same tweets."
        ),
        "suggest": 30.0,
    }
    # Each tweet twice: as it is, and with its right claims taken out of the database. In the lab's
    # data every tweet has its claim; a desk's database often has none, and then the claim first in
    # both rankings is wrong however far ahead it is: only how close it is, not its place, can say.
    unanswered = [(t, *without(owners, wanted, c, r, v), set()) for t, c, r, v, wanted in queries]
    for kind, names in FEATURES.items():
        rows, labels = [], []
        for tweet, candidates, relevance, cosines, wanted in queries + unanswered:
            found = similar.features(
                tweet,
                {i: claim[1] for i, claim in candidates.items()},
                relevance,
                cosines if kind == "with_vectors" else None,
            )
            for claim_id, row in found.items():
                rows.append(row)
                labels.append(bool(owners[candidates[claim_id][0]] & wanted))
        bias, weights = logistic(rows, labels)
        model[kind] = {"features": names, "bias": round(bias, 4), "weights": [round(w, 4) for w in weights]}
        print(f"{kind}: {len(rows):,} candidates of {len(queries)} tweets; bias {bias:.3f}, weights {weights}")

    model["semantic"] = semantic_weights(read_tsv(args.data / "verified_claims.docs.tsv"))
    print(f"semantic: {model['semantic']}")

    # The thresholds, with the new weights: the top hits' scores, as `similar` gives them.
    similar._MODEL.update(model)
    similar.DUPLICATE = 101.0  # no label yet: the rules' ceiling is DUPLICATE - 1

    def top_hits(which: list[Any]) -> list[tuple[float, bool, float]]:
        """(score, right, meaning alone) of each tweet's top hit; a score the rules cap counts as 0."""
        found = []
        for tweet, candidates, relevance, cosines, wanted in which:
            ranked = similar.rank(tweet, candidates, relevance, cosines)
            if ranked:
                top = ranked[0]
                score = 0.0 if negated_or_differs(tweet, top["text"]) else top["score"]
                found.append((score, bool(owners[top["slug"]] & wanted), similar.meaning_alone(top["semantic"] or 0)))
        return found

    def labelled(hits: list[tuple[float, bool, float]], threshold: float, *, meaning: bool = False) -> list[bool]:
        """Whether each top hit scoring `threshold` or more is right; with `meaning`, only those that
        also reach it by their meaning alone, as similar.rank labels them. The threshold is chosen on
        the scores: that rule, which only takes labels away, is a guard for databases about one
        story, unlike the lab's, where a claim first in both rankings can still be another claim."""
        return [right for score, right, alone in hits if score >= threshold and (alone >= threshold or not meaning)]

    average_precision = 0.0
    for tweet, candidates, relevance, cosines, wanted in queries:
        ranked = similar.rank(tweet, candidates, relevance, cosines)
        right = [bool(owners[hit["slug"]] & wanted) for hit in ranked[:5]]
        average_precision += next((1 / (n + 1) for n, ok in enumerate(right) if ok), 0.0)
    tops, orphans = top_hits(queries), top_hits(unanswered)
    allowed = WRONG_DUPLICATES * len(queries)
    duplicate = next(
        threshold
        for threshold in range(50, 101)
        if labelled(tops, threshold).count(False) <= allowed and len(labelled(orphans, threshold)) <= allowed
    )
    model["duplicate"] = float(duplicate)
    print(f"train MAP@5 (one relevant claim a tweet): {average_precision / len(queries):.3f}")
    print(
        f"duplicate threshold {duplicate}: {len(labelled(tops, duplicate))} top hits score it, "
        f"{labelled(tops, duplicate).count(False)} wrongly, of {len(queries)} tweets; "
        f"{len(labelled(orphans, duplicate))} of the {len(orphans)} tweets without their claim; "
        f"{len(labelled(tops, duplicate, meaning=True))} also reach it by their meaning alone (labelled duplicate), "
        f"{labelled(tops, duplicate, meaning=True).count(False)} wrongly"
    )
    if not args.check:
        MODEL.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL}")


def without(owners: dict[str, set[int]], wanted: set[int], candidates: Any, relevance: Any, cosines: Any) -> Any:
    """The candidates, BM25 and cosines of a tweet with its right claims left out."""
    kept = {i: claim for i, claim in candidates.items() if not owners[claim[0]] & wanted}
    return kept, {i: v for i, v in relevance.items() if i in kept}, {i: v for i, v in cosines.items() if i in kept}


def semantic_weights(claims: list[list[str]], sample: int = 3_000, nearest: int = 10) -> dict[str, float]:
    """(bias, weight) of P(same claim | cosine), on real paraphrases: each of `sample` fact-checks'
    headline asked against the claims (text alone), its own claim the one right answer among its
    `nearest` by cosine. Language-neutral evidence, for a text that shares no word with its claim."""
    import numpy as np

    from factcheck.services import vectors

    rows = claims[:: max(1, len(claims) // sample)]
    texts = vectors.embed([text for _id, text, _title in claims])
    headlines = vectors.embed([title for _id, _text, title in rows])
    assert texts is not None and headlines is not None, "the model is not installed"
    position = {vclaim_id: n for n, (vclaim_id, _text, _title) in enumerate(claims)}
    cosines, labels = [], []
    for (vclaim_id, _text, _title), headline in zip(rows, headlines, strict=True):
        similarity = texts @ headline
        for n in np.argsort(-similarity)[:nearest]:
            cosines.append([float(similarity[n])])
            labels.append(n == position[vclaim_id])
    bias, (weight,) = logistic(cosines, labels)
    return {"bias": round(bias, 4), "weight": round(weight, 4)}


def negated_or_differs(text: str, other: str) -> bool:
    """Whether the rules keep this pair below DUPLICATE whatever its score (see similar.rank)."""
    return (
        wording.negates(text, other)
        or wording.length_ratio(text, other) < similar.SHORTER
        or wording.numbers_differ(text, other)
    )


if __name__ == "__main__":
    main()
