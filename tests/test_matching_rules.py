"""The rules of claim matching, each on a small fixture (the public benchmark is not a test: see
benchmarks/matching/checkthat.py): queries read as people paste them, the reviews' headlines as
matching text, the choice of words searched, the fitted model's shape, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factcheck.search import COMMON, query_words, rarest
from factcheck.services import similar

# Shapes of the CheckThat! 2020 tweets: links glued to the word before them, pic.twitter.com
# links, and an embedded tweet's "— Name (@handle) Month D, YYYY" at the end.
TWEET = (
    'Trump\'s team has appeared to delete tweets where he used "invaders" to describe immigrants. '
    "#daytonshooterpic.twitter.com/OP8QgHUq2k — Amee Vanderpool (@girlsreallyrule) August 4, 2019"
)
GLUED = "Vote to save our NHS this Thursday.https://t.co/bKuLiMup0Y — Jeremy Corbyn (@jeremycorbyn) December 8, 2019"


def test_links_and_a_tweets_signature_are_left_out_of_what_is_embedded() -> None:
    words, statement = similar.query_texts(TWEET)
    assert "pic.twitter" not in words and "OP8QgHUq2k" not in words and "daytonshooter" in words
    assert "Amee Vanderpool" in words  # the name stays among the words: claims often name the speaker
    assert statement.endswith("daytonshooter") and "girlsreallyrule" not in statement
    words, statement = similar.query_texts(GLUED)
    assert words.startswith("Vote to save our NHS this Thursday.") and "t.co" not in words
    assert statement == "Vote to save our NHS this Thursday."
    text = "NATO promised not to expand — this is what Baker said, on 9 February 1990."
    assert similar.query_texts(text) == (text, text)  # a dash that is no signature stays


def test_hashtags_and_handles_are_read_as_their_words() -> None:
    words, statement = similar.query_texts("Look at #RevolutionaryWarAirports, @realDonaldTrump! #NATO #Trump2020")
    assert statement == "Look at Revolutionary War Airports, real Donald Trump! NATO Trump 2020"
    assert words == statement


def test_only_the_rarer_words_are_searched() -> None:
    counted = [(5, "said"), (1, "parmesan"), (0, "unknown"), (2, "cheese")]
    assert rarest(counted, claims=100) == ["parmesan", "cheese", "said"]
    assert rarest(counted, claims=20) == ["parmesan", "cheese"]  # "said" is in a quarter of them
    assert COMMON * 20 < 5
    assert rarest([(9, "the"), (7, "nato")], claims=10) == ["nato"]  # all common: the rarest alone
    assert query_words("Ünïcode_words, NATO's 2 café") == ["unicode", "words", "nato", "s", "2", "cafe"]


def test_the_shipped_model_has_a_weight_for_every_feature() -> None:
    model = json.loads((Path(similar.__file__).with_name("ranking.json")).read_text(encoding="utf-8"))
    candidates, relevance, cosines = {1: "NATO promised", 2: "Parmesan"}, {1: 3.0}, {1: 0.8, 2: 0.1}
    assert len(model["words_only"]["weights"]) == len(similar.features("NATO", candidates, relevance, None)[1])
    assert len(model["with_vectors"]["weights"]) == len(similar.features("NATO", candidates, relevance, cosines)[1])
    assert 0 < similar.SUGGEST < similar.DUPLICATE <= 100
    assert "CheckThat" in model["about"]


def review(url: str, headline: str, claim: str, outlet: str, label: str) -> dict[str, object]:
    """A ClaimReview as fact-checkers' pages carry it (JSON-LD)."""
    site = url.split("/")[2]
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "headline": headline,
        "claimReviewed": claim,
        "author": {"@type": "Organization", "name": outlet, "url": f"https://{site}"},
        "reviewRating": {"@type": "Rating", "alternateName": label},
        "itemReviewed": {"@type": "Claim"},
    }


CHEESE = "Some grated cheeses sold in the US contain cellulose."
FEED = [
    review(
        "https://factcheck.example/fact-check/parmesan-wood-pulp/",
        "Is There Wood Pulp in Your Parmesan Cheese?",
        CHEESE,
        "Example Checks",
        "Mostly True",
    ),
    # a second review of the same claim: its headline is kept for matching too
    review(
        "https://other.example/checks/sawdust/",
        "Sawdust in shredded Romano? What the FDA found",
        CHEESE,
        "Other Checks",
        "True",
    ),
    review(
        "https://factcheck.example/fact-check/animas-river/",
        "Did the EPA Turn the Animas River Orange?",
        "A federal agency spilled mine waste into a Colorado river.",
        "Example Checks",
        "True",
    ),
]


@pytest.fixture
def reviewed(cli, tmp_path):  # type: ignore[no-untyped-def]
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps(FEED), encoding="utf-8")
    cli.ok("import", str(feed), "--format", "claimreview")
    return cli


def test_a_claim_is_found_by_its_reviews_headlines(reviewed) -> None:  # type: ignore[no-untyped-def]
    for query in ("wood pulp in parmesan", "sawdust in romano"):  # words of either headline only
        hits = reviewed.json("search", query, "--in", "claims")
        assert [hit["title"] for hit in hits] == [CHEESE]
        assert reviewed.json("similar", query, "--min-score", "0")[0]["text"] == CHEESE
    river = reviewed.json("similar", "the Animas river turned orange", "--min-score", "0")
    assert river[0]["text"].startswith("A federal agency")


def test_headlines_follow_their_sources_and_verdicts(reviewed, db_url) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from factcheck import db

    with db.session_scope(db_url, write=True) as session:  # the review page's title corrected
        session.execute(
            text("UPDATE sources SET title = 'Is there sawdust in grated cheese?' WHERE url = :url"),
            {"url": FEED[0]["url"]},
        )
    assert reviewed.json("search", "parmesan", "--in", "claims") == []
    assert len(reviewed.json("search", "sawdust", "--in", "claims")) == 1
    with db.session_scope(db_url, write=True) as session:  # the verdicts gone: their headlines too
        session.execute(text("DELETE FROM verdicts"))
    assert reviewed.json("search", "sawdust", "--in", "claims") == []
    assert "The database is sound." in reviewed.ok("db", "check")


@pytest.mark.parametrize("query", ["https://t.co/bKuLiMup0Y", "pic.twitter.com/OP8QgHUq2k", "🔥🔥🔥", "‼️ 🇺🇦"])
def test_a_query_with_no_words_matches_nothing(reviewed, query) -> None:  # type: ignore[no-untyped-def]
    result = reviewed("similar", query)
    assert result.exit_code == 0 and "no similar claims" in result.stdout and not result.stderr
    assert reviewed.json("similar", query, "--min-score", "0") == []


def test_a_handle_or_a_long_text_gets_an_answer(reviewed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert reviewed("similar", "@girlsreallyrule").exit_code == 0
    long = tmp_path / "long.txt"
    long.write_text(("Parmesan cheese contains wood pulp, says a viral post. " * 180)[:10_000] + "\n")
    out = json.loads(reviewed.ok("similar", "--file", str(long), "--min-score", "0"))
    assert out["hits"][0]["text"].startswith("Some grated cheeses")


def test_a_related_claim_first_in_both_rankings_is_not_a_duplicate(cli) -> None:  # type: ignore[no-untyped-def]
    """In a database about one story, the claim first by words and by vector may still be another
    claim: a duplicate must be one by its meaning alone too (similar.meaning_alone)."""
    troops = "About 100,000 Russian troops were massed near Ukraine's border around December 2021"
    for text in [troops, "NATO promised Gorbachev in 1990 that it would not expand eastward"]:
        cli.ok("claim", "add", text)
    related = "Russia provoked the crisis by massing troops near Ukraine's border"
    hit = cli.json("similar", related)[0]
    assert hit["text"] == troops and hit["label"] == "similar" and hit["score"] < similar.DUPLICATE
    assert similar.meaning_alone(hit["semantic"]) < similar.DUPLICATE
    cli.ok("claim", "add", related)  # not refused
    assert cli.json("dedupe")["clusters"] == []
    same = cli.json("similar", "NATO vowed to Gorbachev in 1990 not to expand eastward")[0]
    assert same["label"] == "duplicate" and similar.meaning_alone(same["semantic"]) >= similar.DUPLICATE


def test_a_reviews_page_added_retitled_or_removed_reaches_the_claims_vector(cli, db_url) -> None:  # type: ignore[no-untyped-def]
    from factcheck import db
    from factcheck.services.vectors import matching_texts, vectors_of

    cli.ok("claim", "add", "Some grated cheeses sold in the US contain cellulose.")
    url = "https://factcheck.example/fact-check/parmesan-wood-pulp/"
    cli.ok("claim", "rate", "1", "true", "--rationale", "The FDA says so.", "--url", url)

    def vector_is_of(text: str) -> bool:
        with db.session_scope(db_url) as session:
            stored, (_id, now) = vectors_of(session, [1])[1], matching_texts(session, [1])[0]
        from factcheck.services.vectors import embed

        fresh = embed([text])
        return now == text and float(stored @ fresh[0]) > 0.999  # type: ignore[index]

    claim = "Some grated cheeses sold in the US contain cellulose."
    assert vector_is_of(claim)
    cli.ok("source", "add", "Is There Wood Pulp in Your Parmesan?", "--url", url)
    assert vector_is_of(f"{claim} Is There Wood Pulp in Your Parmesan?")
    cli.ok("source", "edit", "is-there-wood-pulp-in-your-parmesan", "--title", "Sawdust in your cheese?")
    assert vector_is_of(f"{claim} Sawdust in your cheese?")
    cli.ok("source", "delete", "is-there-wood-pulp-in-your-parmesan")
    assert vector_is_of(claim)


def test_a_reviews_page_restored_or_imported_reaches_the_claims_vector(cli, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from factcheck import db
    from factcheck.services.vectors import embed, matching_texts, vectors_of

    def stale() -> bool:
        with db.session_scope(db_url) as session:
            stored, (_id, now) = vectors_of(session, [1])[1], matching_texts(session, [1])[0]
        return float(stored @ embed([now])[0]) < 0.999  # type: ignore[index]

    url = "https://example.org/review"
    cli.ok("claim", "add", "The moon is made of green cheese.")
    cli.ok("claim", "rate", "1", "false", "--rationale", "It is rock.", "--url", url)
    cli.ok("source", "add", "Astronomers debunk dairy satellite hoax", "--url", url, "--slug", "review")
    cli.ok("source", "delete", "review")
    deleted = next(r["id"] for r in cli.json("history")["revisions"] if r["entity"] == "sources")
    cli.ok("restore", str(deleted))
    assert not stale()
    cli.ok("source", "delete", "review")
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"sources": [{"slug": "review", "title": "Moon cheese hoax debunked", "url": url}]}))
    cli.ok("import", str(page))
    assert not stale()
