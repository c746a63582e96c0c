"""Anchoring quotes in archived texts: exact after normalising, fuzzy with small differences,
never a confident wrong match."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from factcheck.models import QuoteStatus
from factcheck.services.quotes import anchor_quote, normalise

ARTICLE = (
    "Russia demanded on Friday that the United States halt all military activity.\n\n"
    "“We were fooled by five waves of NATO’s eastward expansion,” he said — twice.\n"
    "The agreement was never put in writ-\ning, and the inter-\nnational  press   noticed.\n"
    "We were fooled again, said nobody."
)


def test_exact_after_normalising_quotes_dashes_whitespace_and_hyphenation() -> None:
    anchor = anchor_quote(ARTICLE, '"We were fooled by five waves of NATO\'s eastward expansion," he said - twice.')
    assert anchor.status is QuoteStatus.VERIFIED
    assert ARTICLE[anchor.start : anchor.end].startswith("“We were fooled")
    assert ARTICLE[anchor.end - 6 : anchor.end] == "twice."
    anchor = anchor_quote(ARTICLE, "never put in writing, and the international press noticed")
    assert anchor.status is QuoteStatus.VERIFIED
    assert ARTICLE[anchor.start : anchor.end] == "never put in writ-\ning, and the inter-\nnational  press   noticed"


def test_prefix_and_suffix_choose_among_repeated_quotes() -> None:
    first = anchor_quote(ARTICLE, "We were fooled")
    second = anchor_quote(ARTICLE, "We were fooled", prefix="international press noticed. ", suffix=" again")
    assert first.start < second.start
    assert ARTICLE[second.start : second.end + 6] == "We were fooled again"
    assert second.prefix.endswith("noticed. ")


def test_stored_offsets_are_kept_only_when_the_slice_is_the_quote() -> None:
    found = anchor_quote(ARTICLE, "We were fooled", prefix="noticed. ")
    again = anchor_quote(ARTICLE, "We were fooled", start=found.start, end=found.end)
    assert (again.start, again.status) == (found.start, QuoteStatus.VERIFIED)
    moved = anchor_quote(
        "Preface added. " + ARTICLE, "We were fooled", start=found.start, end=found.end, prefix="noticed. "
    )
    assert moved.start == found.start + len("Preface added. ")


def test_small_differences_are_fuzzy_with_the_passage_recorded() -> None:
    anchor = anchor_quote(ARTICLE, "Russia demanded on Friday that the United States halted all military activity")
    assert anchor.status is QuoteStatus.FUZZY
    assert anchor.passage == "Russia demanded on Friday that the United States halt all military activity"
    assert 90 <= anchor.score < 100


def test_lookalikes_and_absent_quotes_are_not_found() -> None:
    assert (
        anchor_quote(ARTICLE, "Russia demanded on Monday that Europe halt all naval activity").status
        is QuoteStatus.NOT_FOUND
    )
    assert anchor_quote(ARTICLE, "Gorbachev signed a written guarantee").status is QuoteStatus.NOT_FOUND
    assert anchor_quote(ARTICLE, "fooled agin").status is QuoteStatus.NOT_FOUND  # too short to guess at
    assert anchor_quote(None, "anything").status is QuoteStatus.UNVERIFIED


WORDS = [
    "NATO",
    "Russia",
    "promised",
    "expansion",
    "east",
    "the",
    "of",
    "“guarantee”",
    "Baker’s",
    "—",
    "Gorbachev",
    "1990",
    "treaty",
    "said",
    "never",
    "in",
    "writing",
    "Ukraine",
    "talks",
    "a",
]
texts = st.lists(st.sampled_from(WORDS), min_size=30, max_size=120).map(
    lambda words: "".join(word + (" " if i % 7 else "\n") for i, word in enumerate(words))
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, data=st.data())
def test_a_quote_cut_from_any_text_is_verified_at_its_offsets(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 2))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    assume(quote.strip() and quote == quote.strip())
    prefix, suffix = text[max(0, start - 32) : start], text[end : end + 32]
    anchor = anchor_quote(text, quote, prefix=prefix, suffix=suffix)
    assert anchor.status is QuoteStatus.VERIFIED
    assert normalise(text[anchor.start : anchor.end]) == normalise(quote)
    if normalise(text).count(normalise(prefix + quote + suffix)) == 1 and normalise(text).count(normalise(quote)) == 1:
        assert (anchor.start, anchor.end) == (start, end)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, data=st.data())
def test_a_few_changed_characters_make_a_quote_fuzzy_not_verified(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, max(0, len(text) - 60)))
    quote = text[start : start + 60].strip()
    assume(len(quote) >= 50)
    characters = list(quote)
    for _ in range(data.draw(st.integers(1, 2))):
        at = data.draw(st.integers(0, len(characters) - 1))
        assume(characters[at] in string.ascii_letters)
        characters[at] = "q" if characters[at] != "q" else "z"
    changed = "".join(characters)
    assume(normalise(changed) not in normalise(text))
    anchor = anchor_quote(text, changed)
    assert anchor.status is QuoteStatus.FUZZY
    assert anchor.start is not None and anchor.score >= 90


# --- the fuzzy search is bounded (issue 13, item 13) ---------------------------------------------------


def _long_text(size: int) -> str:
    """Numbered sentences: every stretch of the text is unique, as in a real article."""
    sentences, length, number = [], 0, 0
    while length < size:
        sentence = f"In session {number} the delegates of group {number * 7 % 1009} discussed item {number * 13 % 997}."
        sentences.append(sentence)
        length += len(sentence) + 1
        number += 1
    return " ".join(sentences)


def _misspelt(quote: str, every: int) -> str:
    return "".join("q" if i % every == every // 2 and c.isalpha() else c for i, c in enumerate(quote))


def test_long_quotes_in_long_texts_are_placed_by_seeds_not_aligned_against_the_whole_text(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rapidfuzz import fuzz

    from factcheck.services import quotes

    text = _long_text(quotes.FUZZY_SCAN_BUDGET // 400 + 10_000)
    aligned: list[int] = []
    real = fuzz.partial_ratio_alignment
    monkeypatch.setattr(fuzz, "partial_ratio_alignment", lambda a, b, **k: aligned.append(len(b)) or real(a, b, **k))
    for length in (400, 900, 5_000):  # scanned were it not for the text's length; aligned in a window; compared whole
        start = text.index("In session 6000 ")
        quote = _misspelt(text[start : start + length], 40)
        anchor = anchor_quote(text, quote)
        assert anchor.status is QuoteStatus.FUZZY and anchor.score >= 90
        assert abs(anchor.start - start) < 10 and abs(anchor.end - (start + length)) < 10
    # Only windows a little longer than the quote were aligned, never the whole text.
    assert aligned and max(aligned) < 2 * 900
    # A quote of nothing the text says is not found, and no window is aligned for it.
    aligned.clear()
    assert (
        anchor_quote(text, "Nothing of the sort was ever discussed by anyone at all. " * 50).status
        is QuoteStatus.NOT_FOUND
    )
    assert not aligned


def test_a_misquote_made_of_commonplace_pieces_is_not_found() -> None:
    text = _long_text(600_000)
    quote = "In session the delegates of group discussed item. " * 100  # every seed is everywhere
    assert anchor_quote(text, quote).status is QuoteStatus.NOT_FOUND


def test_short_quotes_in_texts_of_moderate_size_are_still_aligned_against_the_whole_text() -> None:
    text = _long_text(200_000)
    start = text.index("In session 3000 ")
    quote = _misspelt(text[start : start + 80], 30)
    anchor = anchor_quote(text, quote)
    assert anchor.status is QuoteStatus.FUZZY and anchor.start is not None and abs(anchor.start - start) < 5


# --- fuzzy candidates weighed with their context (issue 19) ------------------------------------------

TWICE = (
    "Opening remarks by the chair. The ministers agreed that no troops would be stationed further east. "
    "A long discussion of budgets followed, with figures for every year. "
    "Closing statement of the press office. The ministers agreed that no troops would be stationed further east. "
    "Questions from journalists were not taken."
)
MISQUOTED = "The ministers agreed that no troops would ever be stationed further east."


def test_a_misquote_said_twice_is_placed_where_its_context_says() -> None:
    first, second = (i for i in range(len(TWICE)) if TWICE.startswith("The ministers", i))
    plain = anchor_quote(TWICE, MISQUOTED)
    assert (plain.status, plain.start) == (QuoteStatus.FUZZY, first)
    after = anchor_quote(TWICE, MISQUOTED, prefix="statement of the press office. ", suffix=" Questions from")
    assert (after.status, after.start) == (QuoteStatus.FUZZY, second)
    assert after.prefix.endswith("press office. ") and after.suffix.startswith(" Questions")
    # The suffix alone names it too; and the first copy's context names the first.
    assert anchor_quote(TWICE, MISQUOTED, suffix=" Questions from journalists").start == second
    assert anchor_quote(TWICE, MISQUOTED, prefix="remarks by the chair.", suffix=" A long").start == first
    # Without prefix or suffix, the stored start is what is left to choose by.
    assert anchor_quote(TWICE, MISQUOTED, start=second + 3, end=second + 20).start == second


def test_context_never_makes_a_lookalike_below_the_threshold_pass() -> None:
    lookalike = "The generals decided that some soldiers might be stationed further west."
    anchor = anchor_quote(TWICE, lookalike, prefix="statement of the press office. ", suffix=" Questions from")
    assert anchor.status is QuoteStatus.NOT_FOUND and anchor.start is None
    assert anchor.score is not None and anchor.score < 90


def test_evidence_add_keeps_the_copy_the_prefix_names(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "minutes.txt"
    text.write_text(TWICE, encoding="utf-8")
    cli.ok("source", "add", "Minutes", "--slug", "minutes", "--text-file", str(text))
    cli.ok("claim", "add", "No troops further east", "--slug", "east")
    cli.ok(
        "evidence", "add", "east", "minutes", "--stance", "supports", "--quote", MISQUOTED,
        "--prefix", "statement of the press office.",
    )  # fmt: skip
    (row,) = cli.json("evidence", "list")
    assert row["quote_status"] == "fuzzy"
    assert row["start"] == TWICE.rindex("The ministers") and row["prefix"].endswith("press office. ")


# --- short quotes: one edit, only where the context confirms the place --------------------------------

SPEECH = "We have heard enough promises. What stands before us is a choice, and the choice is ours alone."


def test_a_short_misquote_is_anchored_only_when_the_context_confirms_the_place() -> None:
    at = SPEECH.index("before us")
    for context in ({"prefix": "What stands "}, {"suffix": " is a choice"}, {"prefix": "stands", "suffix": "is a"}):
        anchor = anchor_quote(SPEECH, "befor us", **context)
        assert (anchor.status, anchor.start, anchor.end) == (QuoteStatus.FUZZY, at, at + len("before us")), context
        assert anchor.passage == "before us"
    # No context: refused, however close.
    assert anchor_quote(SPEECH, "befor us").status is QuoteStatus.NOT_FOUND
    # Context that names another place, or two edits: refused.
    assert anchor_quote(SPEECH, "befor us", prefix="heard enough").status is QuoteStatus.NOT_FOUND
    assert anchor_quote(SPEECH, "befr uss", prefix="What stands ").status is QuoteStatus.NOT_FOUND
    assert anchor_quote(SPEECH, "befor us", prefix="What stands ", suffix=" was a choice").status is (
        QuoteStatus.NOT_FOUND
    )
    # A very short quote must be exact, context or not.
    assert anchor_quote(SPEECH, "uz", prefix="stands before ").status is QuoteStatus.NOT_FOUND


def test_short_quotes_through_the_cli(cli, dump, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "speech.txt"
    text.write_text(SPEECH, encoding="utf-8")
    cli.ok("source", "add", "Speech", "--slug", "speech", "--text-file", str(text))
    cli.ok("claim", "add", "A choice lies ahead", "--slug", "choice")
    before = dump()
    error = cli.fails("evidence", "add", "choice", "speech", "--stance", "supports", "--quote", "befor us")
    assert "quote not found in the archived text of source 'speech'" in error
    assert dump() == before
    out = cli.ok(
        "evidence", "add", "choice", "speech", "--stance", "supports", "--quote", "befor us", "--prefix", "What stands"
    )
    assert "(quote fuzzy)" in out and "before us" in out


# --- quick normalisation: the same text and offsets as character by character -------------------------

PIECES = [
    "the", "NATO", "“guarantee”", "Baker’s", "—", "café", "ﬁne", "e\u0301t\u00e9", "\u00a0", "inter-\nnational",
    "x\u2028y", "\u3000", "½", "3-\nx", "_-\nb", "′″", "\u212b", "가\u11a8", "`", "-",
]  # fmt: skip


@settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(["", " ", "\n", "  ", " \n"])), max_size=200))
def test_quick_normalisation_gives_the_reference_text_and_offsets(pieces: list[tuple[str, str]]) -> None:
    from factcheck.services.normalised import normalise_with_map

    text = "".join(piece + gap for piece, gap in pieces) * 3  # long enough to be halved
    quick, quick_map = normalise_with_map(text)
    reference, reference_map = normalise_with_map(text, quick=False)
    assert quick == reference == normalise(text)
    assert [quick_map[i] for i in range(len(quick) + 1)] == [reference_map[i] for i in range(len(reference) + 1)]


def test_a_text_stored_decomposed_matches_a_quote_typed_composed() -> None:
    """NFD ("e" and a combining diaeresis, Hangul as its letters) and NFC are one text after NFKC,
    as README promises: a quote in either form is verified in a text in the other, and its
    offsets cover the combining marks."""
    import unicodedata

    for words, quote in (
        ("The minister said: Zoë agreed. Renée left.", "Zoë agreed."),
        ("회의에서 합의했다.", "합의했다"),
    ):
        for stored, typed in (("NFD", "NFC"), ("NFC", "NFD"), ("NFD", "NFD")):
            text = unicodedata.normalize(stored, words)
            anchor = anchor_quote(text, unicodedata.normalize(typed, quote))
            assert anchor.status is QuoteStatus.VERIFIED, (stored, typed, quote)
            assert unicodedata.normalize("NFC", text[anchor.start : anchor.end]) == unicodedata.normalize("NFC", quote)
    long = unicodedata.normalize("NFD", "Zoë et Renée ont signé l'accord. " * 40)  # halved into stretches
    assert normalise(long) == unicodedata.normalize("NFC", " ".join(long.split()))


def test_a_match_ends_before_a_mark_that_is_a_character_of_its_own() -> None:
    """An Arabic vowel mark is kept as its own character by NFKC: a quote without it ends before
    it, so that the slice is the quote (what `db check` and a re-import compare)."""
    text = "Arabic: قالَ الوزيرُ كلاماً"
    anchor = anchor_quote(text, "Arabic: قال")
    assert anchor.status is QuoteStatus.VERIFIED
    assert text[anchor.start : anchor.end] == "Arabic: قال"


def test_a_prefix_with_its_spaces_is_kept_as_written_through_the_cli(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "minutes.txt"
    text.write_text(TWICE, encoding="utf-8")
    cli.ok("source", "add", "Minutes", "--slug", "minutes", "--text-file", str(text))
    cli.ok("claim", "add", "No troops further east", "--slug", "east")
    quote = TWICE[TWICE.rindex("The ministers") :].split(".")[0] + "."
    said = cli.ok(
        "evidence", "add", "east", "minutes", "--stance", "supports", "--quote", quote,
        "--prefix", "statement of the press office. ", "--suffix", "  ",
    )  # fmt: skip
    assert "verified" in said
    (row,) = cli.json("evidence", "list")
    assert row["prefix"].endswith("press office. ")
