"""Quote anchoring at 100 KB and 1 MB, against plain str.find on the text already normalised.

Each row times one thing factcheck does and, interleaved with it run by run (so that a busy
machine slows both alike), a baseline; the table gives the medians and their ratio.

    python benchmarks/quotes.py              # 100 KB and 1 MB, 15 runs (about a minute on 2 cores)
    python benchmarks/quotes.py --runs 5

The last two rows per size: a new version of a source's text (what `source edit --text-file`
writes, 20 quotes re-anchored, history recorded) against a raw sqlite3 UPDATE of the text, and the
disk a kept version takes.

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
            quotes.source_map.cache_clear()  # the cache of factcheck.services.normalised
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


def version_rows(size: int, runs: int) -> list[tuple[str, str, float, float]]:
    """A new version of a source's text with 20 quotes (what `source edit --text-file` does in its
    write transaction, history included), against a raw sqlite3 UPDATE of the text; and the disk
    a version takes."""
    import sqlite3
    import tempfile

    import factcheck
    from factcheck import db
    from factcheck.services.claims import add_claim
    from factcheck.services.evidence import add_evidence
    from factcheck.services.source_versions import replace_text
    from factcheck.services.sources import add_source, get_source

    texts = [article(size, seed) for seed in (19, 20)]
    # The second text: the first with one sentence in ten dropped, so quotes move and some are lost.
    sentences = texts[0].split(". ")
    texts[1] = ". ".join(sentence for i, sentence in enumerate(sentences) if i % 10 != 5)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "versions.db"
        url = db.resolve_url(str(path))
        db.upgrade(url)
        with factcheck.open(url).write() as session:
            source = add_source(session, "Article", text=texts[0])
            claim = add_claim(session, "The minister said so")
            step = len(sentences) // 20
            for i in range(20):
                add_evidence(session, claim.id, source.id, stance="supports", quote=sentences[i * step + 1][:120])
        raw = sqlite3.connect(path)
        ours, theirs = [], []
        for run in range(runs):
            text = texts[(run + 1) % 2]
            quotes.source_map.cache_clear()  # the cache of factcheck.services.normalised
            start = time.perf_counter()
            with factcheck.open(url).write() as session:
                replace_text(session, get_source(session, "article"), text)
            ours.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            with raw:
                raw.execute("UPDATE sources SET text = ? WHERE id = ?", (text, source.id))
                raw.execute("UPDATE sources SET text = ? WHERE id = ?", (texts[run % 2], source.id))
            theirs.append((time.perf_counter() - start) * 1000 / 2)
        raw.close()
        check = sqlite3.connect(path)
        count, stored = check.execute(
            "SELECT count(*), coalesce(sum(length(CAST(text AS BLOB))), 0) FROM source_versions"
        ).fetchone()
        check.close()
    kept = stored / max(1, count - 1) / 1000  # KB of text per version kept (the current one is the source's)
    return [
        ("new version of the text, 20 quotes re-anchored, history", "sqlite3 UPDATE", ours_ms(ours), ours_ms(theirs)),
        ("disk per version kept (KB; baseline: the text's size)", "text size", kept, size / 1000),
    ]


def ours_ms(times: list[float]) -> float:
    return statistics.median(times)


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
        for label, baseline, ours, base in [*rows_for(size, options.runs), *version_rows(size, options.runs)]:
            ratio = ours / base if base else float("inf")
            unit = "KB" if "KB" in label else "ms"
            shown = (f"{ours:,.2f} {unit}", baseline, f"{base:,.3f} {unit}", f"{ratio:,.1f}x")
            cells = (f"{size // 1000:,} KB", label, *shown)
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
