"""Real fact-check feeds in and out, through the CLI: ClaimReview JSON-LD in every published shape,
the Fact Check Tools claims:search API, ClaimsKG's CSV; identity, appearances, labels, errors,
dates, and the round trip with claim links. The fixtures in tests/claimreview/ reproduce the shapes
outlets publish (written for these tests, not copied)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factcheck import db
from factcheck.interchange.claimreview.reviews import FROM_HEADLINE
from tests.conftest import Run

FILES = Path(__file__).parent / "claimreview"


def rows(cli: Run, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    """The rows a query gives on the test's database, either backend; JSON columns as the text that
    SQLite keeps (PostgreSQL's driver parses them)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db.resolve_url(str(cli.path)))
    try:
        with engine.connect() as connection:
            found = connection.execute(text(sql)).all()
    finally:
        engine.dispose()
    as_text = lambda value: json.dumps(value) if isinstance(value, list | dict) else value  # noqa: E731
    return [tuple(as_text(value) for value in row) for row in found]


def load(cli: Run, name: str, *options: str) -> str:
    return cli.ok(
        "import", str(FILES / name), "--format", "claimskg" if name.endswith(".csv") else "claimreview", *options
    )


@pytest.mark.parametrize(
    ("name", "added"),
    [
        ("afp-appearances.json", "added 1 actors, 15 sources, 1 claims, 1 verdicts"),  # object, BOM
        ("list-of-reviews.json", "added 6 actors, 7 sources, 6 claims, 6 verdicts"),  # list, @type list/IRI
        ("graph-multilingual.json", "added 11 actors, 10 sources, 9 claims, 9 verdicts"),  # @graph, @id refs
        ("hindi-claimants.json", "added 11 actors, 10 sources, 10 claims, 10 verdicts"),
        ("feed-items.json", "added 3 actors, 4 sources, 4 claims, 4 verdicts"),  # claimReviews, DataFeed
        ("claims-search-page.json", "added 3 actors, 6 sources, 3 claims, 6 verdicts"),  # claims:search
        ("claimskg.csv", "added 9 actors, 7 sources, 7 claims, 7 verdicts"),  # ClaimsKG
    ],
)
def test_every_shape_imports_and_a_second_import_adds_nothing(cli, dump, name, added) -> None:  # type: ignore[no-untyped-def]
    assert added in load(cli, name)
    before = dump()
    assert "added nothing" in load(cli, name)
    assert dump() == before


def test_appearances_first_appearance_and_the_review_page(cli) -> None:  # type: ignore[no-untyped-def]
    load(cli, "afp-appearances.json")
    appearances = rows(
        cli,
        "SELECT s.url, s.archive_url, s.authors, s.published_on, s.title FROM claim_appearances a "
        "JOIN sources s ON s.id = a.source_id ORDER BY s.url",
    )
    assert len(appearances) == 14  # 15 listed, one twice
    by_url = {url: (archive, json.loads(authors), date, title) for url, archive, authors, date, title in appearances}
    assert by_url["https://twitter.com/example_user/status/1493000000000000001"] == (
        "https://perma.cc/BBBB-0002",
        ["example_user"],
        "2022-02-16",
        "https://twitter.com/example_user/status/1493000000000000001",
    )
    tiktok = by_url["https://www.tiktok.com/@example/video/7065000000000000003"]  # a VideoObject's contentUrl
    assert tiktok[0].startswith("https://web.archive.org/") and tiktok[3] == "Vidéo: le vaccin contient une puce"
    # firstAppearance: the source the claim was stated in, with the archive it gives.
    ((stated_in, archive, note, language),) = rows(
        cli,
        "SELECT s.url, s.archive_url, c.note, c.language FROM claims c JOIN sources s ON s.id = c.stated_in_id",
    )
    assert (stated_in, archive) == ("https://www.facebook.com/groups/100001/posts/200001", "https://archive.ph/first0")
    # "Sources multiples" is nobody: kept as text, never an actor.
    assert note == "Claimant as published: Sources multiples" and language == "fr"
    assert rows(cli, "SELECT name, kind FROM actors") == [("AFP Factuel", "outlet")]
    # The review page: the verdict's review URL and a source, not an appearance.
    ((label, rating, url, date, *values),) = rows(
        cli,
        "SELECT textual_rating, rating, review_url, reviewed_on, rating_value, best_rating, worst_rating FROM verdicts",
    )
    assert (label, rating, date, values) == ("Faux", "false", "2022-02-17", [1.0, 5.0, 1.0])
    assert url not in by_url
    assert rows(cli, f"SELECT kind, title FROM sources WHERE url = '{url}'") == [
        ("article", "Non, les vaccins contre le Covid-19 ne contiennent pas de puce électronique")
    ]


def test_reviewers_are_matched_by_site_and_name_and_keep_their_other_names(cli) -> None:  # type: ignore[no-untyped-def]
    output = load(cli, "claims-search-page.json")
    actors = {
        name: (kind, json.loads(aliases)) for name, kind, aliases in rows(cli, "SELECT name, kind, aliases FROM actors")
    }
    # "AFP Fact Check", a publisher given only by its site, and "factcheck_afp" on factcheck.afp.com: one reviewer.
    assert actors["AFP Fact Check"] == ("outlet", ["factcheck_afp"])
    assert "AFP Factuel" in actors and "factcheck.afp.com" not in actors and "factcheck_afp" not in actors
    # The claimant "factcheck_afp" is that reviewer, by its alias; "Social media users" is nobody.
    claimants = dict(rows(cli, "SELECT c.text, a.name FROM claims c LEFT JOIN actors a ON a.id = c.claimant_id"))
    assert claimants["The new law bans cash payments above 100 euros"] == "AFP Fact Check"
    assert claimants["Drinking hot water cures the coronavirus"] is None
    # The same outlet's reviews of one claim in two languages are two verdicts.
    bridge = rows(
        cli,
        "SELECT v.textual_rating FROM verdicts v JOIN claims c ON c.id = v.claim_id "
        "WHERE c.text LIKE 'The bridge%' ORDER BY v.id",
    )
    assert bridge == [("Misleading",), ("भ्रामक",)]
    assert "1 label not understood (read as unproven): “Cuidado con esto”" in output
    assert "--rating-map" in output

    # Later, another file: the reviewer is found by the site of its reviews already in the database.
    later = Path.cwd() / "later.json"  # the test's own folder
    later.write_text(
        json.dumps(
            {
                "@type": "ClaimReview",
                "url": "https://factcheck.afp.com/another",
                "author": {"@type": "Organization", "name": "AFP"},
                "claimReviewed": "Another claim",
                "reviewRating": {"alternateName": "Misleading"},
            }
        )
    )
    assert "added 1 sources, 1 claims, 1 verdicts" in cli.ok("import", str(later), "--format", "claimreview")
    assert rows(
        cli, "SELECT a.name FROM verdicts v JOIN actors a ON a.id = v.reviewer_id WHERE v.review_url LIKE '%another'"
    ) == [("AFP Fact Check",)]


def test_distinct_names_in_any_script_stay_distinct_actors(cli) -> None:  # type: ignore[no-untyped-def]
    from factcheck.services.common import slugify

    # A vowel sign or nasal mark is part of the name: these two were one slug once.
    assert slugify("राहुल गांधी") != slugify("राहुल गाँधी")
    load(cli, "hindi-claimants.json")
    names = [name for (name,) in rows(cli, "SELECT name FROM actors WHERE kind = 'person' ORDER BY id")]
    assert len(names) == 10 and "राहुल गांधी" in names and "राहुल गाँधी" in names
    assert rows(cli, "SELECT count(DISTINCT claimant_id) FROM claims") == [(10,)]


def test_labels_are_read_and_kept_verbatim(cli) -> None:  # type: ignore[no-untyped-def]
    load(cli, "list-of-reviews.json")
    load(cli, "graph-multilingual.json")
    load(cli, "feed-items.json")
    ratings = dict(rows(cli, "SELECT textual_rating, rating FROM verdicts"))
    assert ratings == {
        "Barely True": "mostly-false",
        "Incorrect. Waiting lists have grown from 2.5 million in 2010 to 5.8 million in 2021.": "false",
        "Miscaptioned": "misleading",
        "Misattributed": "false",
        "Four Pinocchios": "false",
        "Not correct": "false",
        "Bulo": "false",
        "Größtenteils falsch. Die meisten Angaben im Beitrag sind nicht belegt.": "mostly-false",
        "Falso": "false",
        "Yanlış": "false",
        "Фейк": "false",
        "Plutôt faux": "mostly-false",
        "Verdad a medias": "mixed",
        "Prawda": "true",
        "भ्रामक": "misleading",
        "Decontextualized": "misleading",
        "Altered": "false",
        "Netačno": "false",
        "Ψευδές": "false",
    }
    # The outlet's numbers are kept as data, whatever their scale; text in them is ignored, not refused.
    assert rows(
        cli, "SELECT rating_value, best_rating, worst_rating FROM verdicts WHERE textual_rating = 'Barely True'"
    ) == [(2.0, 6.0, 0.0)]
    assert rows(cli, "SELECT rating_value FROM verdicts WHERE textual_rating = 'Four Pinocchios'") == [(None,)]
    # Placeholders are no one; a Person stays a person.
    assert not rows(cli, "SELECT name FROM actors WHERE name IN ('Unknown', 'Facebook posts', 'Redes sociales')")
    assert rows(cli, "SELECT kind FROM actors WHERE name = 'Jane Example'") == [("person",)]
    # "Snopes" (text) and "Snopes.com" (with its url) publish on one site: one reviewer.
    assert rows(cli, "SELECT name, aliases FROM actors WHERE name LIKE 'Snopes%'") == [("Snopes.com", '["Snopes"]')]


def test_rating_maps_from_the_option_and_the_project_file(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    mapping = tmp_path / "labels.yaml"
    mapping.write_text('"Cuidado con esto": misleading\n')
    output = load(cli, "claims-search-page.json", "--rating-map", str(mapping))
    assert "not understood" not in output
    assert rows(cli, "SELECT rating FROM verdicts WHERE textual_rating = 'Cuidado con esto'") == [("misleading",)]

    other = Run(tmp_path / "other.db")
    other.ok("init")
    (tmp_path / "factcheck-ratings.yaml").write_text("Flip-flop: false  # YAML's false is the rating false\n")
    assert "not understood" not in load(other, "claimskg.csv")  # the tests run in tmp_path
    assert rows(other, "SELECT rating FROM verdicts WHERE textual_rating = 'Flip-flop'") == [("false",)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[1, 2]\n", "expected a mapping of labels to ratings"),
        ("Faux: wrongish\n", "label 'Faux': unknown rating 'wrongish': allowed: true, mostly-true"),
        ("Faux: [\n", "not valid YAML"),
    ],
)
def test_a_bad_rating_map_is_refused_and_nothing_is_written(cli, dump, tmp_path, content, expected) -> None:  # type: ignore[no-untyped-def]
    mapping = tmp_path / "labels.yaml"
    mapping.write_text(content)
    before = dump()
    error = cli.fails("import", str(FILES / "claimskg.csv"), "--rating-map", str(mapping))
    assert expected in error and "labels.yaml" in error
    assert dump() == before


def test_claimskg_columns(cli) -> None:  # type: ignore[no-untyped-def]
    output = load(cli, "claimskg.csv")
    assert "“Flip-flop”" in output
    ((claimant, stated, reviewer, url, title),) = rows(
        cli,
        "SELECT a.name, c.stated_on, r.name, v.review_url, s.title FROM claims c "
        "JOIN actors a ON a.id = c.claimant_id JOIN verdicts v ON v.claim_id = c.id "
        "JOIN actors r ON r.id = v.reviewer_id JOIN sources s ON s.url = v.review_url "
        "WHERE c.text LIKE 'Says the state%'",
    )
    tags = rows(
        cli,
        "SELECT t.name FROM claim_tags ct JOIN tags t ON t.id = ct.tag_id JOIN claims c ON c.id = ct.claim_id "
        "WHERE c.text LIKE 'Says the state%' ORDER BY t.name",
    )
    assert (claimant, stated, reviewer, title) == ("Jane Example", "2019-04-28", "politifact", "School funding claim")
    assert url.endswith("/school-funding/") and tags == [("Budget",), ("Education",)]
    notes = [note for (note,) in rows(cli, "SELECT note FROM claims WHERE note IS NOT NULL ORDER BY id")]
    assert notes == [
        "Claimant as published: Unknown",
        "Claimant as published: Multiple sources",
        "Claimant as published: Пользователи соцсетей",
    ]
    assert rows(cli, "SELECT rating FROM verdicts WHERE textual_rating = 'Half-True'") == [("mixed",)]
    assert rows(cli, "SELECT kind FROM actors WHERE name = 'राहुल शर्मा'") == [("person",)]


# Some outlets' whole ClaimsKG exports leave the claim empty: the claim is in the review's headline.
CLAIMSKG_HEADER = (
    ",claimReview_author_name,claimReview_author_url,claimReview_claimReviewed,claimReview_datePublished,"
    "claimReview_source,claimReview_url,creativeWork_author_name,creativeWork_author_sameAs,"
    "creativeWork_datePublished,extra_body,extra_entities_author,extra_entities_body,"
    "extra_entities_claimReview_claimReviewed,extra_entities_keywords,extra_refered_links,extra_tags,"
    "extra_title,rating_alternateName,rating_bestRating,rating_ratingValue,rating_worstRating\n"
)


def test_claimskg_rows_without_a_claim_take_the_headline_and_say_so(cli, dump, tmp_path) -> None:  # type: ignore[no-untyped-def]
    export = tmp_path / "outlet.csv"
    export.write_text(
        CLAIMSKG_HEADER
        + "0,checkyourfact,http://checkyourfact.com,,2019-3-5,checkyourfact,https://checkyourfact.com/2019/03/05/"
        'fact-check-wall/,,,,"The post...",[],[],[],[],[],,'
        '"FACT CHECK: Did The Wall Cost $25 Billion?",False,,,\n'
        + '1,checkyourfact,http://checkyourfact.com,"",2019-03-06,checkyourfact,https://checkyourfact.com/2019/03/06/'
        'fact-check-moon/,,,,"",[],[],[],[],[],,"FACT CHECK: Is This A Photo Of The Moon?",Verified,,,\n'
    )
    output = cli.ok("import", str(export), "--format", "claimskg")
    assert "added 1 actors, 2 sources, 2 claims, 2 verdicts" in output
    assert "2 claim(s) took their text from their review's headline" in output
    assert rows(cli, "SELECT text, note FROM claims ORDER BY id") == [
        ("FACT CHECK: Did The Wall Cost $25 Billion?", FROM_HEADLINE),
        ("FACT CHECK: Is This A Photo Of The Moon?", FROM_HEADLINE),
    ]
    assert rows(cli, "SELECT reviewed_on FROM verdicts ORDER BY id") == [("2019-03-05",), ("2019-03-06",)]
    # a row with neither is refused by its number, and nothing is written
    empty = tmp_path / "empty.csv"
    empty.write_text(CLAIMSKG_HEADER + "0,checkyourfact,,,,,,,,,,,,,,,,,False,,,\n")
    before = dump()
    assert "row #1: claimReview_claimReviewed: is empty, and so is extra_title" in cli.fails("import", str(empty))
    assert dump() == before


def test_a_review_with_no_reasons_and_unpadded_dates_is_kept(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An Indian outlet's export: dates with the year first and month and day unpadded, and reviews
    whose page holds the reasons (no reviewBody); a verdict in our own format from a reviewer likewise."""
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://www.example-check.in/fact-check/onion-cure/",
        "claimReviewed": "Eating raw onion cures the flu",
        "datePublished": "2021-7-16",
        "author": {"@type": "Organization", "name": "Example Check", "url": "https://www.example-check.in"},
        "itemReviewed": {"@type": "Claim", "datePublished": "2021-7-2", "appearance": []},
        "reviewRating": {"@type": "Rating", "alternateName": "False", "ratingValue": "1", "bestRating": "5"},
    }
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps([review]))
    cli.ok("import", str(feed), "--format", "claimreview")
    assert rows(
        cli, "SELECT c.stated_on, v.reviewed_on, v.rationale FROM claims c JOIN verdicts v ON v.claim_id = c.id"
    ) == [("2021-07-02", "2021-07-16", None)]
    dataset = tmp_path / "dataset.yaml"
    dataset.write_text(
        "actors:\n- {slug: afp, name: AFP, kind: organisation}\n"
        "claims:\n- slug: x\n  text: A claim\n  verdicts:\n"
        "  - {rating: false, reviewer: afp, review_url: 'https://factcheck.afp.com/x'}\n"
    )
    cli.ok("import", str(dataset))
    assert "(no rationale given)" in cli.ok("claim", "show", "x")
    typed = tmp_path / "typed.yaml"
    typed.write_text("claims:\n- slug: y\n  text: Another claim\n  verdicts:\n  - {rating: false}\n")
    assert "rationale is empty" in cli.fails("import", str(typed))  # typed in by a person: reasons are due


def test_a_csv_without_claimskg_columns_is_refused(cli, dump, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "other.csv"
    bad.write_text("claim,label\nx,False\n")
    before = dump()
    error = cli.fails("import", str(bad))
    assert "other.csv: not a ClaimsKG CSV file: no column claimReview_claimReviewed, rating_alternateName" in error
    assert dump() == before


def test_every_problem_is_reported_with_its_position_and_field(cli, dump) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    error = cli.fails("import", str(FILES / "many-problems.json"), "--format", "claimreview")
    assert error.startswith("Error: many-problems.json: 7 problems, nothing imported: ")
    for expected in (
        "#2: claimReviewed: a list: expected text",
        "#3: reviewRating: text: expected an object",
        "#4: reviewRating.alternateName: a number (3): expected text",
        "#5: datePublished: ambiguous date '03/04/2022'",
        "#6: itemReviewed: text: expected an object",
        "#7: claimReviewed: missing",
        "#8: text: expected a ClaimReview object",
    ):
        assert expected in error
    assert "#1" not in error  # a ratingValue that is not a number is only data: never a problem
    assert dump() == before


def test_at_most_twenty_problems_are_listed_then_a_count(cli, dump, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"@type": "ClaimReview", "reviewRating": {"alternateName": "False"}}] * 25))
    before = dump()
    error = cli.fails("import", str(bad), "--format", "claimreview")
    assert "25 problems" in error and "#20: claimReviewed: missing" in error and "#21" not in error
    assert error.endswith("; and 5 more")
    assert dump() == before


def test_dates_are_never_guessed_but_date_order_reads_them(cli, dump, tmp_path) -> None:  # type: ignore[no-untyped-def]
    review = {
        "@type": "ClaimReview",
        "claimReviewed": "A claim",
        "datePublished": "03/04/2022",
        "itemReviewed": {"@type": "Claim", "datePublished": "2022-02-17 01:47"},
        "reviewRating": {"alternateName": "False"},
    }
    file = tmp_path / "dated.json"
    file.write_text(json.dumps(review))
    before = dump()
    assert "ambiguous date '03/04/2022'" in cli.fails("import", str(file), "--format", "claimreview")
    assert dump() == before
    cli.ok("import", str(file), "--format", "claimreview", "--date-order", "dmy")
    assert rows(cli, "SELECT c.stated_on, v.reviewed_on FROM claims c JOIN verdicts v ON v.claim_id = c.id") == [
        ("2022-02-17", "2022-04-03")
    ]


def test_no_claimreview_in_the_file(cli, dump, tmp_path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "page.json"
    file.write_text(json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "x"}))
    before = dump()
    assert "page.json: no ClaimReview found" in cli.fails("import", str(file), "--format", "claimreview")
    assert dump() == before


def test_round_trip_with_claim_links_gives_the_same_file(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cli.ok("seed")
    load(cli, "afp-appearances.json")
    load(cli, "claims-search-page.json")
    first = cli.ok("export", "--format", "claimreview")
    reviews = json.loads(first)
    assert all(review["@context"] == ["https://schema.org", {"factcheck": "urn:factcheck:"}] for review in reviews)
    # The seed's rebuttal of the Budapest claim travels, inverse on the claim that is rated.
    budapest = next(r for r in reviews if r["itemReviewed"]["@id"] == "urn:factcheck:claim:budapest-declaration-2008")
    rebutters = budapest["itemReviewed"]["factcheck:rebuttedBy"]
    assert rebutters[0]["@id"] == "urn:factcheck:claim:bucharest-summit-2008-promise" and rebutters[0]["text"]
    # Our own verdicts have no date and no reviewer: none is invented.
    assert "datePublished" not in budapest and "author" not in budapest

    (tmp_path / "reviews.json").write_text(first)
    other = Run(tmp_path / "other.db")
    other.ok("init")
    other.ok("import", str(tmp_path / "reviews.json"), "--format", "claimreview")
    assert other.ok("export", "--format", "claimreview") == first
    rated = "(SELECT claim_id FROM verdicts)"
    linked = f"SELECT count(*) FROM claim_links WHERE from_claim_id IN {rated} OR to_claim_id IN {rated}"
    assert rows(other, "SELECT count(*) FROM claim_links") == rows(cli, linked) == [(6,)]
    # And importing the export into the database it came from adds nothing.
    assert "added nothing" in cli.ok("import", str(tmp_path / "reviews.json"), "--format", "claimreview")


def test_export_of_an_imported_file_keeps_its_fields(cli) -> None:  # type: ignore[no-untyped-def]
    load(cli, "afp-appearances.json")
    (review,) = json.loads(cli.ok("export", "--format", "claimreview"))
    assert review["url"] == "https://factuel.afp.com/doc.afp.com.32XY7ZA"
    assert review["name"].startswith("Non, les vaccins")
    assert review["datePublished"] == "2022-02-17" and review["inLanguage"] == "fr"
    assert review["author"] == {"@type": "Organization", "name": "AFP Factuel", "url": "https://factuel.afp.com/"}
    assert review["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Faux",
        "factcheck:rating": "false",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
    }
    item = review["itemReviewed"]
    assert item["author"] == {"@type": "Organization", "name": "Sources multiples"}
    assert item["datePublished"] == "2022-02-14" and len(item["appearance"]) == 14
    assert item["firstAppearance"]["archivedAt"] == "https://archive.ph/first0"
    twitter = next(a for a in item["appearance"] if "twitter" in a["url"])
    assert twitter["archivedAt"] == "https://perma.cc/BBBB-0002" and twitter["datePublished"] == "2022-02-16"
    assert "reviewBody" not in review  # no rationale was given: none is invented


def test_positions_inside_feeds_name_the_path(cli, dump, tmp_path) -> None:  # type: ignore[no-untyped-def]
    feed = json.loads((FILES / "feed-items.json").read_text(encoding="utf-8"))
    feed["items"][2]["claimReviews"][0]["reviewRating"] = ["Netačno"]
    feed["feed"]["dataFeedElement"][0]["item"][0]["datePublished"] = "2022-02-31"
    bad = tmp_path / "feed.json"
    bad.write_text(json.dumps(feed))
    before = dump()
    error = cli.fails("import", str(bad), "--format", "claimreview")
    assert "items #3 claimReviews #1: reviewRating: a list: expected an object" in error
    assert "feed dataFeedElement #1 item #1: datePublished: impossible date '2022-02-31'" in error
    assert dump() == before


def test_unnamed_reviewers_and_urls_differing_in_case(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    reviews = [
        {
            "@type": "ClaimReview",
            "claimReviewed": f"Claim {n}",
            "author": {"@id": "urn:example:checker"},  # an identifier, and nothing else
            "itemReviewed": {"@type": "Claim", "appearance": [url]},
            "reviewRating": {"alternateName": "False"},
        }
        for n, url in enumerate(["https://example.test/Post", "https://example.test/post"])
    ]
    file = tmp_path / "reviews.json"
    file.write_text(json.dumps(reviews))
    assert "added 1 actors, 2 sources, 2 claims, 2 verdicts" in cli.ok("import", str(file), "--format", "claimreview")
    assert rows(cli, "SELECT name, kind FROM actors") == [("urn:example:checker", "outlet")]
    assert rows(cli, "SELECT url FROM sources ORDER BY url") == [
        ("https://example.test/Post",),
        ("https://example.test/post",),
    ]
    assert "added nothing" in cli.ok("import", str(file), "--format", "claimreview")


# --- files of any size: read item by item and loaded a batch at a time (interchange/claimreview/feeds.py)


def _export(cli: Run) -> dict[str, list[str]]:
    """The export's records, section by section, in an order of their own (ids follow the batches)."""
    import yaml

    sections = yaml.safe_load(cli.ok("export", "--format", "yaml"))
    return {
        name: sorted(json.dumps(record, sort_keys=True) for record in records) for name, records in sections.items()
    }


@pytest.mark.parametrize(
    "name", ["list-of-reviews.json", "hindi-claimants.json", "factcheck-tools-api.json", "claimskg.csv"]
)
def test_a_file_read_item_by_item_in_batches_gives_what_a_whole_reading_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    whole = Run(tmp_path / "whole.db")
    whole.ok("init")
    said = load(whole, name, "--no-index")
    # As if the file were too large to read whole (ClaimReview) and its reviews came two at a time.
    monkeypatch.setattr("factcheck.interchange.claimreview.read.MAX_ARCHIVED_TEXT", 100)
    monkeypatch.setattr("factcheck.interchange.claimreview.feeds.REVIEWS_AT_ONCE", 2)
    batched = Run(tmp_path / "batched.db")
    batched.ok("init")
    assert load(batched, name, "--no-index") == said
    assert _export(batched) == _export(whole)


def test_a_large_feed_with_a_duplicate_key_or_broken_json_is_refused_whole(
    cli: Run,
    dump,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr("factcheck.interchange.claimreview.read.MAX_ARCHIVED_TEXT", 10)
    monkeypatch.setattr("factcheck.interchange.claimreview.feeds.REVIEWS_AT_ONCE", 1)
    reviews = json.loads((FILES / "list-of-reviews.json").read_text(encoding="utf-8"))
    before = dump()
    twice = tmp_path / "twice.json"
    good = json.dumps(reviews[:3])[1:-1]
    twice.write_text(f'[{good}, {{"@type": "ClaimReview", "url": "https://a.test/1", "url": "https://a.test/2"}}]')
    assert "item 4: the key 'url' appears twice in one object, with two values" in cli.fails(
        "import", str(twice), "--format", "claimreview"
    )
    broken = tmp_path / "broken.json"
    broken.write_text(f"[{good}, {{")
    assert "broken.json: not valid UTF-8 JSON" in cli.fails("import", str(broken), "--format", "claimreview")
    other = tmp_path / "other.json"
    other.write_text('{"@context": "https://schema.org", "@type": "ClaimReview", "url": "https://a.test"}')
    assert "too large to read whole, and not a list of reviews" in cli.fails(
        "import", str(other), "--format", "claimreview"
    )
    assert dump() == before  # the first batches were loaded, and rolled back with the rest


def _streamed(monkeypatch: pytest.MonkeyPatch, at_once: int = 2) -> None:
    """As if every ClaimReview file were too large to read whole, its reviews loaded `at_once`."""
    monkeypatch.setattr("factcheck.interchange.claimreview.read.MAX_ARCHIVED_TEXT", 10)
    monkeypatch.setattr("factcheck.interchange.claimreview.feeds.REVIEWS_AT_ONCE", at_once)


def test_a_bad_review_after_the_last_full_batch_is_still_refused(
    cli: Run,
    dump,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    _streamed(monkeypatch)
    reviews = json.loads((FILES / "list-of-reviews.json").read_text(encoding="utf-8"))[:4]
    bad = {**reviews[0], "url": "https://a.test/bad", "claimReviewed": ["a list"]}
    file = tmp_path / "bad-last.json"
    file.write_text(json.dumps([*reviews, bad]))
    before = dump()
    assert "#5: claimReviewed: a list: expected text" in cli.fails("import", str(file), "--format", "claimreview")
    csv_file = tmp_path / "bad-last.csv"
    lines = (FILES / "claimskg.csv").read_text(encoding="utf-8").splitlines()
    csv_file.write_text("\n".join([*lines[:5], lines[1].replace("2019-05-02", "2019-13-45", 1)]) + "\n")
    assert "row #5" in cli.fails("import", str(csv_file), "--format", "claimskg")
    assert dump() == before


@pytest.mark.parametrize(
    ("content", "refusal"),
    [
        ('{"items": [], "feed": {"dataFeedElement": []}}', "holds 'feed' beside its 'items': split the file"),
        ('{"@graph": [], "@graph": []}', "the key '@graph' appears twice"),
        (
            '{"@graph": [{"@id": "#org", "@type": "Organization", "name": "Checks Example"},'
            ' {"@type": "ClaimReview", "url": "https://a.test/1", "author": {"@id": "#org"}}]}',
            "item 2 refers to '#org', a node of item 1",
        ),
        ("[" * 3000 + "]" * 3000, "nested more than 64 levels"),
        ('[{"a": ' * 3000 + "1" + "}" * 3000 + "]", "nested more than 64 levels"),
    ],
)
def test_a_large_file_read_item_by_item_is_refused_where_it_would_be_misread(
    cli: Run,
    dump,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    content: str,
    refusal: str,  # type: ignore[no-untyped-def]
) -> None:
    _streamed(monkeypatch)
    file = tmp_path / "large.json"
    file.write_text(content)
    before = dump()
    assert refusal in cli.fails("import", str(file), "--format", "claimreview")
    assert dump() == before


def test_a_large_file_may_start_with_a_utf8_byte_order_mark_but_must_be_utf8(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _streamed(monkeypatch)
    text = (FILES / "list-of-reviews.json").read_text(encoding="utf-8")
    marked = tmp_path / "marked.json"
    marked.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert "6 claims" in cli.ok("import", str(marked), "--format", "claimreview", "--no-index")
    wide = tmp_path / "wide.json"
    wide.write_text(text, encoding="utf-16")
    assert "in UTF-8 only: convert it to UTF-8" in cli.fails("import", str(wide), "--format", "claimreview")


@pytest.mark.parametrize("name", ["claims-search-page.json", "claimskg.csv"])
def test_a_second_import_in_batches_counts_what_was_there_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    whole = Run(tmp_path / "whole.db")
    whole.ok("init")
    load(whole, name, "--no-index")
    again = load(whole, name, "--no-index")
    _streamed(monkeypatch)
    batched = Run(tmp_path / "batched.db")
    batched.ok("init")
    load(batched, name, "--no-index")
    assert load(batched, name, "--no-index") == again


def test_a_large_list_without_reviews_is_refused(cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _streamed(monkeypatch)
    for content in ("[]", '[{"@type": "WebPage", "name": "not a review"}]'):
        file = tmp_path / "none.json"
        file.write_text(content + " " * 20)  # over the (lowered) size read whole
        assert "no ClaimReview found in its list" in cli.fails("import", str(file), "--format", "claimreview")
