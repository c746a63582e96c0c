"""Import and export: our dataset format, ClaimReview (JSON-LD and the Fact Check Tools API), CSV."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
import yaml

from tests.conftest import Run

REVIEWS = Path(__file__).parent / "claimreview"


@pytest.fixture
def seeded(cli):  # type: ignore[no-untyped-def]
    cli.ok("seed")
    return cli


@pytest.mark.parametrize("format", ["yaml", "json"])
def test_export_import_export_is_identical_on_the_seed_dataset(seeded, tmp_path, format) -> None:  # type: ignore[no-untyped-def]
    first = seeded.ok("export", "--format", format)
    (tmp_path / f"export.{format}").write_text(first)
    other = Run(tmp_path / "other.db")
    other.ok("init")
    assert "added 25 actors, 12 sources, 26 claims, 89 evidence" in other.ok(
        "import", str(tmp_path / f"export.{format}")
    )
    assert other.ok("export", "--format", format) == first
    assert "added nothing" in other.ok("import", str(tmp_path / f"export.{format}"))


def generated_dataset(seed: int, claims: int = 60) -> dict:  # type: ignore[type-arg]
    """Random but valid data, texts and quotes cut from them included."""
    rng = random.Random(seed)
    words = [
        "NATO",
        "Russia",
        "promise",
        "treaty",
        "east",
        "Baker",
        "Gorbachev",
        "1990",
        "Ukraine",
        "guarantee",
        "border",
        "troops",
        "summit",
    ]
    sentence = lambda n: " ".join(rng.choice(words) for _ in range(n))  # noqa: E731
    actors = [
        {"slug": f"actor-{i}", "name": f"Actor {i} | “quoted”", "kind": rng.choice(["person", "state"])}
        for i in range(8)
    ]
    sources = []
    for i in range(10):
        source = {
            "slug": f"source-{i}",
            "title": f"Source {i}: {sentence(4)}",
            "kind": "article",
            "published_on": rng.choice(["2021", "2021-12", "2021-12-17"]),
            "text": sentence(300),
        }
        if i and rng.random() < 0.3:
            source["republishes"] = f"source-{i - 1}"
        sources.append(source)
    claim_records = []
    for i in range(claims):
        evidence = []
        for _ in range(rng.randint(0, 4)):
            source = rng.choice(sources)
            start = rng.randint(0, len(source["text"]) - 60)
            quote = source["text"][start : start + rng.randint(20, 60)].strip()
            if rng.random() < 0.2:
                quote = quote + " not in the source at all"
            evidence.append(
                {
                    "source": source["slug"],
                    "stance": rng.choice(["supports", "refutes", "qualifies", "context"]),
                    "quote": quote,
                    "speaker": rng.choice([None, "actor-1", "actor-2"]),
                }
            )
        claim = {
            "slug": f"claim-{i}",
            "text": f"Claim {i}: {sentence(8)}",
            "claimant": rng.choice(["actor-0", "actor-3"]),
            "stated_on": rng.choice([None, "1990", "2021-12-01"]),
            "tags": rng.sample(["a", "b c", "d|e"], 2),
            "evidence": [{k: v for k, v in e.items() if v} for e in evidence],
        }
        if rng.random() < 0.3:
            claim["verdicts"] = [{"rating": rng.choice(["true", "false", "mixed"]), "rationale": sentence(10)}]
        claim_records.append({k: v for k, v in claim.items() if v})
    links = [{"from": f"claim-{i}", "relation": "rebuts", "to": f"claim-{i + 1}"} for i in range(0, claims - 1, 3)]
    return {"actors": actors, "sources": sources, "claims": claim_records, "links": links}


@pytest.mark.parametrize("seed", [1, 2])
def test_round_trip_on_generated_data(tmp_path, seed) -> None:  # type: ignore[no-untyped-def]
    source_file = tmp_path / "generated.yaml"
    source_file.write_text(yaml.safe_dump(generated_dataset(seed), allow_unicode=True))
    first, second = Run(tmp_path / "first.db"), Run(tmp_path / "second.db")
    first.ok("init"), second.ok("init")
    first.ok("import", str(source_file))
    exported = first.ok("export", "--format", "json")
    (tmp_path / "exported.json").write_text(exported)
    second.ok("import", str(tmp_path / "exported.json"))
    assert second.ok("export", "--format", "json") == exported
    statuses = {row["quote_status"] for row in second.json("evidence", "list")}
    assert statuses == {"verified", "not-found"}


def test_subset_export_brings_what_the_claims_reference(seeded) -> None:  # type: ignore[no-untyped-def]
    subset = yaml.safe_load(
        seeded.ok("export", "--claim", "budapest-declaration-2008", "--claim", "bucharest-summit-2008-promise")
    )
    assert [c["slug"] for c in subset["claims"]] == ["budapest-declaration-2008", "bucharest-summit-2008-promise"]
    sources = {s["slug"] for s in subset["sources"]}
    assert {
        "london-daily-russia-lays-out-demands",
        "nyt-russia-lays-out-demands",
        "bucharest-summit-declaration-2008",
    } <= sources
    assert [(link["from"], link["relation"], link["to"]) for link in subset["links"]] == [
        ("bucharest-summit-2008-promise", "rebuts", "budapest-declaration-2008")
    ]
    tagged = yaml.safe_load(seeded.ok("export", "--tag", "discrepancy", "--format", "yaml"))
    assert len(tagged["claims"]) == 5


def test_claimreview_export(seeded) -> None:  # type: ignore[no-untyped-def]
    reviews = json.loads(seeded.ok("export", "--format", "claimreview"))
    assert len(reviews) == 2
    review = next(r for r in reviews if r["claimReviewed"].startswith("NATO's 2008"))
    assert review["@type"] == "ClaimReview" and review["@context"][0] == "https://schema.org"
    assert review["itemReviewed"]["author"]["name"] == "The New York Times"
    assert review["itemReviewed"]["datePublished"] == "2021-12-17"
    assert review["reviewRating"] == {
        "@type": "Rating",
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "false",
        "factcheck:rating": "false",
        "ratingValue": 1,
    }
    assert {"claimReviewed", "itemReviewed", "reviewRating"} <= set(review)
    assert "datePublished" not in review and "author" not in review  # no date, no reviewer: none invented


def test_claimreview_import_of_every_shape(cli, dump) -> None:  # type: ignore[no-untyped-def]
    assert "added" in cli.ok("import", str(REVIEWS / "single-review.json"), "--format", "claimreview")
    (claim,) = cli.json("claim", "list")
    dossier = cli.json("claim", "show", claim["slug"])
    assert dossier["claim"]["claimant"]["name"] == "Vladimir Putin"
    assert dossier["claim"]["stated_on"] == "2021-12-23"
    verdict = dossier["verdict"]
    assert (verdict["rating"], verdict["textual_rating"]) == ("mostly-false", "Mostly False")
    assert verdict["reviewer"]["name"] == "Example Fact Checker" and verdict["reviewed_on"] == "2022-01-12"
    assert verdict["review_url"].endswith("/nato-promise/")
    page = cli.json("source", "list", "--text", "did not promise")
    assert page[0]["url"] == verdict["review_url"]

    cli.ok("import", str(REVIEWS / "graph.json"), "--format", "claimreview")
    ratings = {c["slug"].split("-")[0]: c["rating"] for c in cli.json("claim", "list")}
    assert ratings["natos"] == "false" and ratings["russia"] == "true"

    before = dump()
    assert "added nothing" in cli.ok("import", str(REVIEWS / "single-review.json"), "--format", "claimreview")
    assert dump() == before

    # The Fact Check Tools API: the same claim, a second reviewer; the review already imported is skipped.
    output = cli.ok("import", str(REVIEWS / "factcheck-tools-api.json"), "--format", "claimreview")
    assert "added 1 actors, 1 sources, 1 verdicts" in output
    dossier = cli.json("claim", "show", claim["slug"])
    labels = {v["reviewer"]["name"]: v["textual_rating"] for v in dossier["current_verdicts"]}
    assert labels == {"Another Checker": "Half True", "Example Fact Checker": "Mostly False"}


def test_claimreview_round_trip(seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "reviews.json").write_text(seeded.ok("export", "--format", "claimreview"))
    other = Run(tmp_path / "other.db")
    other.ok("init")
    other.ok("import", str(tmp_path / "reviews.json"), "--format", "claimreview")
    assert sorted(c["rating"] for c in other.json("claim", "list") if c["rating"]) == ["false", "misleading"]


BAD = [
    ("broken.json", '{"claims": [', "not valid JSON at line 1"),
    ("missing.yaml", "claims:\n- slug: x\n", "claims #1 'x': missing required field 'text'"),
    (
        "stance.yaml",
        "sources:\n- {slug: s, title: S}\nclaims:\n- slug: x\n  text: X\n"
        "  evidence:\n  - {source: s, stance: agrees, quote: q}\n",
        "field 'stance': unknown stance 'agrees'",
    ),
    ("date.yaml", "claims:\n- {slug: x, text: X, stated_on: '2021-02-31'}\n", "field 'stated_on': impossible date"),
    ("ref.yaml", "claims:\n- {slug: x, text: X, claimant: nobody}\n", "no actor 'nobody'"),
    (
        "later.yaml",
        "claims:\n- {slug: fine, text: Fine}\n- {slug: bad, text: Bad, stated_on: soon}\n",
        "claims #2 'bad'",
    ),
]


@pytest.mark.parametrize(("name", "content", "expected"), BAD, ids=[name for name, _, _ in BAD])
def test_a_bad_file_imports_nothing_and_says_where(seeded, dump, tmp_path, name, content, expected) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / name
    bad.write_text(content)
    before = dump()
    error = seeded.fails("import", str(bad))
    assert expected in error and name in error
    assert dump() == before


def test_bad_claimreview_files(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "none.json").write_text('{"@type": "WebPage"}')
    assert "no ClaimReview found" in cli.fails("import", str(tmp_path / "none.json"), "--format", "claimreview")
    (tmp_path / "nolabel.json").write_text('{"@type": "ClaimReview", "claimReviewed": "x", "reviewRating": {}}')
    error = cli.fails("import", str(tmp_path / "nolabel.json"), "--format", "claimreview")
    assert "reviewRating.alternateName: missing" in error
    (tmp_path / "notext.json").write_text('{"claims": [{"claimReview": [{"textualRating": "False"}]}]}')
    assert "claims #1: text: missing" in cli.fails("import", str(tmp_path / "notext.json"), "--format", "claimreview")


def test_csv_export(seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert "claims.csv (26 rows), evidence.csv (89 rows)" in seeded.ok("export", "--format", "csv", "-o", str(tmp_path))
    with (tmp_path / "claims.csv").open(newline="") as file:
        claims = list(csv.DictReader(file))
    row = next(c for c in claims if c["slug"] == "nato-promised-no-eastward-expansion")
    assert (row["supports"], row["refutes"], row["rating"]) == ("3", "2", "misleading")
    with (tmp_path / "evidence.csv").open(newline="") as file:
        evidence = list(csv.DictReader(file))
    assert len(evidence) == 89 and {"claim", "source", "stance", "quote", "speaker"} <= set(evidence[0])
    assert "exists" in seeded.fails("export", "--format", "csv", "-o", str(tmp_path))


def test_export_never_overwrites_without_force(seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.yaml"
    target.write_text("mine")
    assert "--force" in seeded.fails("export", "-o", str(target))
    seeded.ok("export", "-o", str(target), "--force")
    assert target.read_text().startswith("actors:")
    assert "unknown format" in seeded.fails("export", "--format", "xml")


# --- the services' rules hold for imports too ---------------------------------------------------

MOSCOW_TIMES = (
    "https://www.themoscowtimes.com/2021/12/17/"
    "russia-issues-demands-to-limit-natos-influence-in-post-soviet-space-eastern-europe-a75857"
)
RULES = [
    (
        {"sources": [{"slug": "copy", "title": "Copy", "url": MOSCOW_TIMES}]},
        "sources #1 'copy': field 'url': source 'moscow-times-russia-issues-demands' already has the URL "
        + MOSCOW_TIMES,
    ),
    (
        {
            "sources": [
                {"slug": "a", "title": "A", "url": "https://x/1"},
                {"slug": "b", "title": "B", "url": "https://x/1"},
            ]
        },
        "sources #2 'b': field 'url': source 'a' in the dataset has the URL https://x/1 already",
    ),
    (
        {"sources": [{"slug": "a", "title": "A", "republishes": "a"}]},
        "sources #1 'a': field 'republishes': source 'a' cannot republish itself",
    ),
    (
        {
            "sources": [
                {"slug": "a", "title": "A", "republishes": "b"},
                {"slug": "b", "title": "B", "republishes": "a"},
            ]
        },
        "field 'republishes': source 'a' cannot republish 'b': 'b' already republishes 'a'",
    ),
    (
        {"links": [{"from": "budapest-declaration-2008", "relation": "rebuts", "to": "budapest-declaration-2008"}]},
        "links #1: field 'to': a claim cannot be linked to itself ('budapest-declaration-2008')",
    ),
]


@pytest.mark.parametrize(("dataset", "expected"), RULES, ids=["url-taken", "url-twice", "self", "loop", "link"])
def test_imports_obey_the_rules_of_single_additions(seeded, dump, tmp_path, dataset, expected) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "rules.json"
    file.write_text(json.dumps(dataset))
    before = dump()
    assert expected in seeded.fails("import", str(file))
    assert dump() == before


def test_the_service_says_the_same_about_a_taken_url(seeded) -> None:  # type: ignore[no-untyped-def]
    error = seeded.fails("source", "add", "Copy", "--url", MOSCOW_TIMES)
    assert f"source 'moscow-times-russia-issues-demands' already has the URL {MOSCOW_TIMES}" in error


# --- dates are never guessed --------------------------------------------------------------------


def test_ambiguous_dates_in_a_file_are_refused_naming_the_record_and_both_readings(cli, dump, tmp_path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "dates.yaml"
    file.write_text(
        "claims:\n- {slug: fine, text: Fine, stated_on: 13.10.2017}\n- {slug: x, text: X, stated_on: 03/04/2022}\n"
    )
    before = dump()
    error = cli.fails("import", str(file))
    assert "dates.yaml: claims #2 'x': field 'stated_on': ambiguous date '03/04/2022'" in error
    assert "3 April 2022 (--date-order dmy)" in error and "4 March 2022 (--date-order mdy)" in error
    assert "--date-order" in error
    assert dump() == before
    assert "unknown date order" in cli.fails("import", str(file), "--date-order", "ymd")
    assert dump() == before


@pytest.mark.parametrize(
    ("options", "expected"),
    [(("import", "--date-order", "dmy"), "2022-04-03"), (("--date-order", "mdy", "import"), "2022-03-04")],
    ids=["import-option", "global-option"],
)
def test_a_date_order_reads_them(tmp_path, options, expected) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "dates.yaml"
    file.write_text(
        "claims:\n- {slug: fine, text: Fine, stated_on: 17 December 2021}\n"
        "- {slug: x, text: X, stated_on: 03/04/2022}\n"
    )
    run = Run(tmp_path / "dates.db")
    run.ok("init")
    position = options.index("import")
    run.ok(*options[:position], "import", str(file), *options[position + 1 :])
    dates = {claim["slug"]: claim["stated_on"] for claim in run.json("claim", "list")}
    assert dates == {"fine": "2021-12-17", "x": expected}


# --- the format registry ------------------------------------------------------------------------


def test_format_options_are_checked_before_anything_is_written(seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    afile = tmp_path / "a-file"
    afile.write_text("mine")
    error = seeded.fails("export", "--format", "csv", "-o", str(afile))
    assert f"{afile} is a file: csv writes claims.csv and evidence.csv into a folder" in error
    assert afile.read_text() == "mine"
    assert "give a folder with -o DIR" in seeded.fails("export", "--format", "csv")
    assert "not csv" in seeded.fails("export", "--format", "csv", "--tag", "discrepancy", "-o", str(tmp_path / "d"))
    assert not (tmp_path / "d").exists()
    assert "allowed: yaml, json, claimreview" in seeded.fails("import", str(afile), "--format", "xml")
    assert "cannot write" in seeded.fails("export", "-o", str(tmp_path / "missing" / "out.yaml"))


def test_every_format_names_functions_that_exist() -> None:
    """The registry names readers and writers by import string: each must import and be callable."""
    from factcheck.interchange.formats import FORMATS

    for fmt in FORMATS.values():
        assert fmt.reader or fmt.writer, fmt.name
        assert not fmt.reader or callable(fmt.read()), fmt.name
        assert not fmt.writer or callable(fmt.write()), fmt.name
