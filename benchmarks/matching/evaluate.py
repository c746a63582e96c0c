"""Claim matching on our own examples: recall, refusals and translations in a 10,000-claim database.

    python benchmarks/matching/evaluate.py [--claims 10000] [--json] [--db URL] [--multilingual FILE]

A smoke test, not evidence: the paraphrases, negatives and translations of cases.json were written
here, modelled on EUvsDisinfo cases. Nothing is tuned on them: the weights and thresholds of
matching are fitted on the public CheckThat! 2020 train split (fit.py; checkthat.py reports dev).

The database holds the generated claims (benchmarks/generate.py) plus the seed claims of
cases.json; it is built once and kept in benchmarks/matching/.cache/ (rebuilt when the model
changes). Queries are the paraphrases of the seed "NATO promised Russia it would not expand
eastward" (should find it first and be refused as duplicates), hard negatives on the same topic
(should not be refused) and translations of every seed into seven languages (should find their
seed first). With --db, the same evaluation runs on that database instead: a copy of the built
one, for example on PostgreSQL (`factcheck db copy benchmarks/matching/.cache/claims-10000.sqlite
postgresql://...`).

With --multilingual FILE, real wordings of fact-checked claims in other languages are matched too:
FILE is JSON, {"groups": [{"english": CLAIM, "wordings": [{"language": "es", "text": ...}]}]}, for
example the 37 groups we gathered from the MultiClaim sample of SemEval-2025 task 7 (Korean and
Spanish posts against English fact-checks) and from fact-check pages in eleven languages. Their
English claims are added to a copy of the database, and each wording should find its own first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE.parent))

import factcheck  # noqa: E402
from factcheck import db  # noqa: E402
from factcheck.services import similar, vectors  # noqa: E402
from factcheck.services.claims import add_claim  # noqa: E402


def build(path: Path, claims: int, cases: dict[str, Any]) -> dict[str, int]:
    """The database (made when missing or of another model); returns the seeds' ids by key."""
    from generate import generate
    from sqlalchemy import insert

    from factcheck.models import Claim

    marker = path.with_suffix(".model")
    if not (path.exists() and marker.exists() and marker.read_text() == vectors.model_name()):
        path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        url = db.resolve_url(str(path))
        db.upgrade(url)
        rows = [{"slug": c["slug"], "text": c["text"]} for c in generate(claims, evidence_per_claim=0)["claims"]]
        with factcheck.open(url).write() as session:
            session.execute(insert(Claim), rows)
            for key, seed in cases["seeds"].items():
                add_claim(session, seed["text"], slug=key, force=True)
            started = time.perf_counter()
            vectors.rebuild(session, progress=lambda done, total: print(f"\rembedding {done}/{total}", end=""))
            print(f"\nembedded {claims} claims in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        marker.write_text(vectors.model_name() or "")
    db.upgrade(db.resolve_url(str(path)))  # a database kept from an older schema
    return seed_ids(db.resolve_url(str(path)), cases)


def seed_ids(url: str, cases: dict[str, Any]) -> dict[str, int]:
    """The ids of the seed claims in the database at `url`, by key."""
    from sqlalchemy import select

    from factcheck.models import Claim, ClaimVector

    with factcheck.open(url).read() as session:
        ids = dict(session.execute(select(Claim.slug, Claim.id).where(Claim.slug.in_(list(cases["seeds"])))).all())
        assert session.scalar(select(ClaimVector.claim_id).limit(1)) is not None
    return {str(k): int(v) for k, v in ids.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    parser.add_argument("--verbose", action="store_true", help="Print every query's best hit.")
    parser.add_argument("--db", help="Evaluate on this database, a copy of the one built, instead.")
    parser.add_argument("--multilingual", type=Path, help="Real wordings in other languages (JSON, see above).")
    args = parser.parse_args()
    cases = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))
    path = HERE / ".cache" / f"claims-{args.claims}.sqlite"
    url = db.resolve_url(args.db or str(path))
    seeds = seed_ids(url, cases) if args.db else build(path, args.claims, cases)
    target = seeds["nato-promise"]
    vectors.embed(["warm up"])  # load the model before timing

    figures: dict[str, Any] = {"claims_in_database": args.claims + len(seeds), "model": vectors.model_name()}
    times: list[float] = []
    with factcheck.open(url).read() as session:

        def ask(text: str) -> list[dict[str, Any]]:
            started = time.perf_counter()
            hits = similar.similar_claims(session, text, limit=5, min_score=0)
            times.append(time.perf_counter() - started)
            return hits

        def refused(hits: list[dict[str, Any]]) -> bool:
            return any(hit["label"] == "duplicate" for hit in hits)

        first = top5 = refusals = suggested = 0
        for text in cases["paraphrases"]:
            hits = ask(text)
            ranks = [hit["id"] for hit in hits]
            first += ranks[:1] == [target]
            top5 += target in ranks
            refusals += refused(hits)
            suggested += any(hit["id"] == target and hit["score"] >= similar.SUGGEST for hit in hits)
            if args.verbose:
                print(f"P {hits[0]['score'] if hits else '-':>5} {hits[0]['label'] if hits else '':9} {text}")
        count = len(cases["paraphrases"])
        figures.update(
            paraphrases=count,
            recall_at_1=round(first / count, 3),
            recall_at_5=round(top5 / count, 3),
            suggested_rate=round(suggested / count, 3),
            duplicate_refusal_rate=round(refusals / count, 3),
        )
        false_refusals = rebuts = 0
        for text in cases["negatives"]:
            hits = ask(text)
            false_refusals += refused(hits)  # a duplicate of any claim
            rebuts += any(hit["label"] == "rebuts?" and hit["id"] == target for hit in hits)
            if args.verbose:
                print(f"N {hits[0]['score'] if hits else '-':>5} {hits[0]['label'] if hits else '':9} {text}")
        figures.update(
            negatives=len(cases["negatives"]),
            false_refusal_rate=round(false_refusals / len(cases["negatives"]), 3),
            negatives_labelled_rebuts=rebuts,
        )
        found = total = 0
        by_language: dict[str, int] = {}
        for key, seed in cases["seeds"].items():
            for language, text in seed["translations"].items():
                hits = ask(text)
                total += 1
                hit = bool(hits) and hits[0]["id"] == seeds[key]
                found += hit
                by_language[language] = by_language.get(language, 0) + hit
                if args.verbose:
                    print(f"T {hits[0]['score'] if hits else '-':>5} {language} {hit} {text}")
        figures.update(
            translations=total,
            translations_found_first=found,
            translations_found_first_by_language=by_language,
        )
        figures["similar_median_ms"] = round(statistics.median(times) * 1000, 1)
        # The price of refusing more paraphrases: the same queries at other duplicate thresholds.
        chosen, tradeoff = similar.DUPLICATE, {}
        for threshold in (70.0, 73.0, 75.0, chosen, 80.0, 85.0):
            similar.DUPLICATE = threshold
            tradeoff[f"{threshold:g}"] = {
                key: round(sum(refused(ask(text)) for text in cases[key]) / len(cases[key]), 3)
                for key in ("paraphrases", "negatives")
            }
        similar.DUPLICATE = chosen
        figures["refusals_by_duplicate_threshold"] = tradeoff
    if args.multilingual:
        figures.update(multilingual(url, json.loads(args.multilingual.read_text(encoding="utf-8")), args.verbose))
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return
    for key, value in figures.items():
        print(f"{key:40} {value}")


def multilingual(url: str, data: dict[str, Any], verbose: bool) -> dict[str, Any]:
    """The real wordings' English claims added to a copy of the database (SQLite), and how many
    wordings find their own claim first, by language."""
    import shutil
    import tempfile

    from sqlalchemy.engine import make_url

    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "copy.sqlite"
        shutil.copy(make_url(url).database or "", copy)
        copy_url = db.resolve_url(str(copy))
        with factcheck.open(copy_url).write() as session:
            ids = [add_claim(session, group["english"], force=True).id for group in data["groups"]]
        found: dict[str, list[int]] = {}
        with factcheck.open(copy_url).read() as session:
            for claim_id, group in zip(ids, data["groups"], strict=True):
                for wording in group["wordings"]:
                    hits = similar.similar_claims(session, wording["text"], limit=5, min_score=0)
                    first = bool(hits) and hits[0]["id"] == claim_id
                    counts = found.setdefault(wording["language"], [0, 0])
                    counts[0] += first
                    counts[1] += 1
                    if verbose:
                        print(
                            f"M {hits[0]['score'] if hits else '-':>5} {wording['language']} {first} {wording['text']}"
                        )
    return {
        "real_wordings": sum(total for _first, total in found.values()),
        "real_wordings_found_first": sum(first for first, _total in found.values()),
        "real_wordings_found_first_by_language": {language: f"{a}/{b}" for language, (a, b) in sorted(found.items())},
    }


if __name__ == "__main__":
    main()
