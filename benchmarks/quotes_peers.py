"""Quote anchoring against the peers' own test cases: Hypothesis, dom-anchor-text-quote, Apache Annotator.

Each case is a text, a quote (W3C TextQuoteSelector: exact, with prefix and suffix when the test
gives them), and where the peer's test says it stands: one or more [start, end] offsets in the
text, or none when the test expects no match. factcheck's anchor_quote runs on each, and the
table counts per suite:

- exact: verified at one of the expected places, or refused where no match is expected;
- fuzzy-right: `fuzzy` at an expected place;
- wrong: verified or fuzzy anywhere else, or anchored where no match is expected;
- refused: `not-found` where a match is expected.

A place matches an expected one when both are the same once whitespace at either end is left out
(Hypothesis's own html tests compare anchored ranges trimmed, and factcheck folds whitespace).

    python benchmarks/quotes_peers.py CASES.json           # the table
    python benchmarks/quotes_peers.py CASES.json --list    # and every case not exact, with what factcheck gave

No third-party data is kept in this repository: CASES.json is made from the public suites, each
case transcribed as data (a list of objects: suite, name, text, exact, prefix, suffix, expected;
optionally hint, a stored start offset passed to anchor_quote as `start`, and note). Where the
tests are:

- Hypothesis (github.com/hypothesis/client, src/annotator/anchoring/test/): match-quote-test.js
  (matchQuote: exact, fuzzy, prefix/suffix and hint cases), types-test.js (TextQuoteAnchor),
  html-test.js (rangeSpecs: a range is described with 32 characters of context either side and
  must anchor back; its fixture is openannotation/annotator's test/fixtures/range.html and a
  small <gh-73> element).
- dom-anchor-text-quote (github.com/tilgovi/dom-anchor-text-quote, test/index_spec.js and
  test/bug_spec.js with test/fixtures/bug.html; the fork github.com/hypothesis/dom-anchor-text-quote
  adds cases in its test/index_spec.js). Their fixture test.html is an HTML Ipsum page; the copy
  in tilgovi/dom-anchor-text-position's test/fixtures/ gives exactly the context the fork's
  fromRange test expects.
- Apache Annotator (github.com/apache/incubator-annotator, packages/dom/test/text-quote/):
  match-cases.ts and the scope tests of match.test.ts (a scope becomes the text it spans), and
  describe-cases.ts (a selector the describer makes must anchor back to its range).

DOM fixtures become their text content (textContent: every text node in document order, comments
and tags left out); XPath ranges become offsets in it.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factcheck.models import QuoteStatus  # noqa: E402
from factcheck.services.quotes import Anchor, anchor_quote  # noqa: E402

OUTCOMES = ("exact", "fuzzy-right", "wrong", "refused")


@dataclass(frozen=True)
class Case:
    suite: str
    name: str
    text: str
    exact: str
    prefix: str | None
    suffix: str | None
    expected: list[tuple[int, int]]
    hint: int | None = None
    note: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Case:
        expected = data.get("expected") or []
        assert isinstance(expected, list), data
        hint = data.get("hint")
        return cls(
            suite=str(data["suite"]),
            name=str(data["name"]),
            text=str(data["text"]),
            exact=str(data["exact"]),
            prefix=str(data["prefix"]) if data.get("prefix") is not None else None,
            suffix=str(data["suffix"]) if data.get("suffix") is not None else None,
            expected=[(int(start), int(end)) for start, end in expected],
            hint=int(hint) if isinstance(hint, int) else None,
            note=str(data["note"]) if data.get("note") else None,
        )


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """start:end without the whitespace at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def outcome(case: Case, anchor: Anchor) -> str:
    anchored = anchor.status in (QuoteStatus.VERIFIED, QuoteStatus.FUZZY)
    if not case.expected:
        return "wrong" if anchored else "exact"
    if not anchored or anchor.start is None or anchor.end is None:
        return "refused"
    place = trimmed(case.text, anchor.start, anchor.end)
    if not any(place == trimmed(case.text, start, end) for start, end in case.expected):
        return "wrong"
    return "exact" if anchor.status is QuoteStatus.VERIFIED else "fuzzy-right"


def run(cases: list[Case]) -> list[tuple[Case, Anchor, str]]:
    results = []
    for case in cases:
        anchor = anchor_quote(case.text, case.exact, prefix=case.prefix, suffix=case.suffix, start=case.hint)
        results.append((case, anchor, outcome(case, anchor)))
    return results


def short(piece: str, width: int = 60) -> str:
    shown = json.dumps(piece, ensure_ascii=False)
    return shown if len(shown) <= width else shown[: width - 4] + '..."'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", type=Path, help="JSON list of cases made from the peers' suites (see above)")
    parser.add_argument("--list", action="store_true", help="list every case that is not exact")
    options = parser.parse_args()
    cases = [Case.from_json(item) for item in json.loads(options.cases.read_text(encoding="utf-8"))]
    results = run(cases)

    suites = list(dict.fromkeys(case.suite for case in cases))
    print(f"`python benchmarks/quotes_peers.py {options.cases.name}`\n")
    print("| suite | cases | " + " | ".join(OUTCOMES) + " |")
    print("|---|---:|" + "---:|" * len(OUTCOMES))
    for suite in [*suites, None]:
        rows = [result for result in results if suite is None or result[0].suite == suite]
        counts = [sum(1 for *_, found in rows if found == name) for name in OUTCOMES]
        label = suite or "**all**"
        print(f"| {label} | {len(rows)} | " + " | ".join(str(count) for count in counts) + " |")

    if options.list:
        print()
        for case, anchor, found in results:
            if found == "exact":
                continue
            expected = ", ".join(f"{start}-{end}" for start, end in case.expected) or "no match"
            gave = anchor.status.value
            if anchor.start is not None:
                gave += f" at {anchor.start}-{anchor.end} {short(anchor.passage or '')}"
            if anchor.score is not None:
                gave += f" (score {anchor.score})"
            sides = (("prefix", case.prefix), ("suffix", case.suffix))
            context = "".join(f" {label}={short(value, 30)}" for label, value in sides if value)
            hint = f" hint={case.hint}" if case.hint is not None else ""
            print(f"- {found}: [{case.suite}] {case.name}")
            print(f"    quote {short(case.exact)}{context}{hint}; expected {expected}; factcheck: {gave}")
            if case.note:
                print(f"    note: {case.note}")


if __name__ == "__main__":
    main()
