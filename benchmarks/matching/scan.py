"""`factcheck scan` on public data and on the seed documents.

    python benchmarks/matching/scan.py DATA_DIR [--split train|dev] [--seeds ../shared/seeds]

1. CheckThat! 2020 task 2 (DATA_DIR as for checkthat.py): the split's tweets made into one page,
   a tweet a paragraph, scanned against the 10,375 verified claims as a user would
   (`factcheck scan page.txt --json`). A tweet counts as found when its verified claim is among
   the claims found with a sentence inside that tweet's paragraph. Beside it, the same tweets
   through `factcheck similar --file`: how many get their claim at rank 1 (any score), and how
   many at rank 1 with a score of SUGGEST or more (what `similar` shows by default).
2. The seed documents (with --seeds): each of the five archived sources of the seed database
   scanned against its claims; the claims the dataset records as stated in the document or
   repeated in it are the ones to find (recall), and the claims found that it does not record
   count against precision. (Matching reads only the claims' texts: the appearances recorded
   play no part in what is found.)
Both at the default --min-score (SUGGEST), and the time each run takes (one process, model load
included); the tweets are also scanned with --min-score 0, to compare with `similar` at any score."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

from checkthat import build, factcheck, read_split, read_tsv, require_data, vclaims_of_claims  # noqa: E402

from factcheck import db  # noqa: E402
from factcheck.services import similar  # noqa: E402


def checkthat(data: Path, split: str) -> None:
    claims = read_tsv(data / "verified_claims.docs.tsv")
    queries = read_split(data, split)
    url = db.resolve_url(str(build(data, claims)))
    owners = vclaims_of_claims(url)
    tweets = [" ".join(tweet.split()) for _id, tweet, _relevant in queries]
    page, spans, offset = [], [], 0
    for tweet in tweets:
        page.append(tweet)
        spans.append((offset, offset + len(tweet)))
        offset += len(tweet) + 2
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "page.txt"
        path.write_text("\n\n".join(page), encoding="utf-8")
        started = time.perf_counter()
        scanned = json.loads(factcheck("--db", url, "scan", str(path), "--json"))[0]
        scan_seconds = time.perf_counter() - started
        every = json.loads(factcheck("--db", url, "scan", str(path), "--json", "--min-score", "0"))[0]
        lines = Path(scratch) / "tweets.jsonl"
        lines.write_text("".join(json.dumps({"text": t}) + "\n" for t in tweets), encoding="utf-8")
        started = time.perf_counter()
        output = factcheck("--db", url, "similar", "--file", str(lines), "--limit", "1", "--min-score", "0")
        similar_seconds = time.perf_counter() - started

    def found_by(scanned: dict[str, Any]) -> int:
        """How many tweets' claims the scan found with a sentence of that tweet."""
        found = [False] * len(tweets)
        for claim in scanned["claims"]:
            for said in claim["sentences"]:
                for index, (start, end) in enumerate(spans):
                    if start <= said["start"] < end and owners[claim["slug"]] & queries[index][2]:
                        found[index] = True
        return sum(found)

    answers = [json.loads(line)["hits"] for line in output.splitlines()]
    first = [
        bool(hits) and bool(owners[hits[0]["slug"]] & wanted)
        for hits, (_i, _t, wanted) in zip(answers, queries, strict=True)
    ]
    shown = [ok and hits[0]["score"] >= similar.SUGGEST for ok, hits in zip(first, answers, strict=True)]
    print(f"CheckThat! 2020, {split}: {len(tweets)} tweets on one page, {scanned['sentences']} sentences")
    found = found_by(scanned)
    print(f"  scan: the tweet's claim found with a sentence of that tweet   {found:5}  ({scan_seconds:.0f} s)")
    print(f"  scan --min-score 0: the same, any score                      {found_by(every):5}")
    print(f"  similar --file: the tweet's claim at rank 1, any score         {sum(first):5}  ({similar_seconds:.0f} s)")
    print(f"  similar --file: the same, scoring SUGGEST ({similar.SUGGEST:g}) or more   {sum(shown):5}")


def seeds(folder: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        url = db.resolve_url(str(Path(scratch) / "seed.db"))
        factcheck("--db", url, "init", "--seed", "--texts", str(folder))
        from sqlalchemy import select

        from factcheck import open as open_database
        from factcheck.models import Claim, Source, claim_appearances

        with open_database(url).read() as session:
            documents = session.execute(select(Source.id, Source.slug).where(Source.text_sha256.is_not(None))).all()
            recorded: dict[str, set[str]] = {}
            for source_id, slug in documents:
                stated = set(session.scalars(select(Claim.slug).where(Claim.stated_in_id == source_id)))
                repeated = set(
                    session.scalars(
                        select(Claim.slug).join(claim_appearances).where(claim_appearances.c.source_id == source_id)
                    )
                )
                recorded[slug] = stated | repeated
        total_found = total_right = total_recorded = 0
        print(f"\nThe seed documents ({len(documents)} archived sources)")
        print(f"  {'source':58} {'recorded':>8} {'found':>6} {'right':>6}")
        for _id, slug in documents:
            started = time.perf_counter()
            result = json.loads(factcheck("--db", url, "scan", slug, "--json"))[0]
            seconds = time.perf_counter() - started
            found = {claim["slug"] for claim in result["claims"]}
            right = found & recorded[slug]
            total_found, total_right, total_recorded = (
                total_found + len(found),
                total_right + len(right),
                total_recorded + len(recorded[slug]),
            )
            print(f"  {slug[:58]:58} {len(recorded[slug]):>8} {len(found):>6} {len(right):>6}  ({seconds:.0f} s)")
        print(
            f"  recall {total_right / max(1, total_recorded):.2f} ({total_right} of {total_recorded}), "
            f"precision {total_right / max(1, total_found):.2f} ({total_right} of {total_found})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="CheckThat! 2020 task 2's data directory.")
    parser.add_argument("--split", choices=("train", "dev"), default="dev")
    parser.add_argument("--seeds", type=Path, help="The seed documents' folder (../shared/seeds).")
    args = parser.parse_args()
    require_data(parser, args.data, args.split)
    checkthat(args.data, args.split)
    if args.seeds:
        seeds(args.seeds)


if __name__ == "__main__":
    main()
