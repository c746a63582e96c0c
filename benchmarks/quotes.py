"""Quote anchoring at 100 KB and 1 MB, against plain str.find on the text already normalised.

Each row times one thing factcheck does and, interleaved with it run by run (so that a busy
machine slows both alike), a baseline; the table gives the medians and their ratio.

    python benchmarks/quotes.py              # 100 KB and 1 MB, 15 runs (about a minute on 2 cores)
    python benchmarks/quotes.py --runs 5

Cold means the normalised text is not cached yet: what the first `evidence add` or a `verify` of
a source (each a new process) pays. The reference normalisation (character by character, as
before issue 19) is timed once per size, being slow.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factcheck.services import quotes  # noqa: E402

WORDS = [
    "the",
    "minister",
    "said",
    "that",
    "alliance",
    "would",
    "not",
    "expand",
    "east",
    "of",
    "the",
    "river",
    "after",
    "talks",
    "in",
    "Geneva",
    "and",
    "Brussels",
    "where",
    "delegates",
    "from",
    "twelve",
    "states",
    "discussed",
    "budgets",
    "treaties",
    "troops",
    "guarantees",
    "élan",
    "café",
    "Zürich",
    "naïve",
    "São",
    "Paulo",
    "Kraków",
]


def article(size: int, seed: int = 19) -> str:
    """Paragraphs of numbered sentences (every stretch unique, as in a real article), with curly
    quotes, dashes and accented names, about `size` characters."""
    rng = random.Random(seed)
    paragraphs, length, number = [], 0, 0
    while length < size:
        sentences = []
        for _ in range(rng.randint(3, 8)):
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20)))
            mark = rng.choice(["", "“", "’", " — "])
            sentences.append(f"In item {number} {mark}{words}{'”' if mark == '“' else ''}.")
            number += 1
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:size]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def interleaved(runs: int, measured: Callable[[], object], baseline: Callable[[], object]) -> tuple[float, float]:
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(timed(measured))
        theirs.append(timed(baseline))
    return statistics.median(ours), statistics.median(theirs)


def rows_for(size: int, runs: int) -> list[tuple[str, str, float, float]]:
    text = article(size)
    normalised = quotes.normalise(text)
    middle = text.index("In item", len(text) // 2)
    quote = text[middle : text.index(".", middle) + 1]
    needle = quotes.normalise(quote)
    misquote = quote[:20] + "q" + quote[21:]
    prefix, suffix = quotes.context_around(text, middle, middle + len(quote))
    start, end = middle, middle + len(quote)
    find = lambda: normalised.find(needle)  # noqa: E731

    def cold(action: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            quotes._source_map.cache_clear()
            return action()

        return run

    found = quotes.anchor_quote(text, misquote, prefix=prefix, suffix=suffix)
    assert found.status.value == "fuzzy" and found.start == middle, found
    rows = []
    ours, _ = interleaved(1, lambda: quotes.normalise_with_map(text, quick=False), find)
    quick, base = interleaved(runs, lambda: quotes.normalise_with_map(text), find)
    rows.append(("normalise with offset map (reference, char by char)", "str.find", ours, base))
    rows.append(("normalise with offset map (quick)", "str.find", quick, base))
    for label, action in (
        ("exact quote, cold (first evidence add)", cold(lambda: quotes.anchor_quote(text, quote))),
        ("exact quote, warm", lambda: quotes.anchor_quote(text, quote)),
        ("verify, stored offsets hold", cold(lambda: quotes.anchor_quote(text, quote, start=start, end=end))),
        (
            "verify, text moved: context then exact, cold",
            cold(lambda: quotes.anchor_quote(text, quote, prefix=prefix, suffix=suffix, start=start + 5, end=end + 5)),
        ),
        ("misquote (1 edit) with context, cold", cold(lambda: quotes.anchor_quote(text, misquote, prefix=prefix))),
        ("misquote (1 edit) with context, warm", lambda: quotes.anchor_quote(text, misquote, prefix=prefix)),
    ):
        ours, base = interleaved(runs, action, find)
        rows.append((label, "str.find", ours, base))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="text sizes (characters)")
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    print(f"`python benchmarks/quotes.py --runs {options.runs}`\n")
    print(f"Machine: {platform.machine()}, Python {platform.python_version()}; median of {options.runs} runs.\n")
    print("| text | operation | factcheck | baseline | baseline time | ratio |")
    print("|---|---|---|---|---|---|")
    for size in options.sizes:
        for label, baseline, ours, base in rows_for(size, options.runs):
            ratio = ours / base if base else float("inf")
            print(f"| {size // 1000:,} KB | {label} | {ours:,.2f} ms | {baseline} | {base:,.3f} ms | {ratio:,.0f}x |")


if __name__ == "__main__":
    main()
