"""Browsing a database: /claims and `claim list` with filters, facet counts (held to GROUP BY
queries of their own), keyset pages that stay right while claims are added, downloads, and bad
input answered with one line (a 400 on the web), on both backends."""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from factcheck import db
from factcheck.web.app import create_app

HOSTILE = "<b onmouseover=alert(1)>\"'&"


@pytest.fixture
def desk(cli):  # type: ignore[no-untyped-def]
    """The seed, and a few claims of other languages, years and reviewers."""
    cli.ok("init", "--seed")
    cli.ok("actor", "add", "AFP Fact Check", "--slug", "afp", "--kind", "organisation")
    for number in range(7):
        slug = f"ru-{number}"
        cli.ok("claim", "add", f"Утверждение номер {number} о расширении", "--slug", slug, "--language", "ru",
               "--date", f"202{number % 3}", "--tag", "russian", "--force")  # fmt: skip
        if number % 2:
            cli.ok("claim", "rate", slug, "false", "--rationale", "No such thing.", "--reviewer", "afp",
                   "--date", "2021-05-01")  # fmt: skip
    return cli


@pytest.fixture
def web(db_url: str, desk) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(create_app(db_url), base_url="http://localhost")


def _pages(web: TestClient, query: str, size: int = 3) -> list[dict[str, Any]]:
    found, url = [], f"/claims.json?{query}&size={size}"
    while url:
        page = web.get(url).json()
        found += page["claims"]
        url = page["next"]
    return found


def test_filters_combine_and_the_web_agrees_with_the_cli(desk, web) -> None:  # type: ignore[no-untyped-def]
    listed = desk.json("claim", "list", "--language", "ru", "--rating", "false", "--reviewer", "afp")
    assert [claim["slug"] for claim in listed] == ["ru-3", "ru-1", "ru-5"]  # by date: 2020, 2021, 2022
    assert _pages(web, "language=ru&rating=false&reviewer=afp", size=2) == listed
    assert [c["slug"] for c in _pages(web, "tag=russian&year=2021")] == [
        "ru-3",
        "ru-1",
        "ru-4",
        "ru-5",
    ]  # stated or reviewed
    assert {c["slug"] for c in _pages(web, "year=2020&year=2022&language=ru")} == {
        "ru-0",
        "ru-2",
        "ru-3",
        "ru-5",
        "ru-6",
    }
    assert [c["slug"] for c in _pages(web, "q=Gorbachev")] == [
        c["slug"] for c in desk.json("claim", "list", "--q", "Gorbachev")
    ]
    assert _pages(web, "q=Gorbachev") and all("gorbachev" in json.dumps(c).lower() for c in _pages(web, "q=Gorbachev"))
    everything = desk.json("claim", "list")
    assert _pages(web, "sort=date", size=5) == everything  # the same order as claim list, page after page
    by_evidence = _pages(web, "sort=evidence", size=4)
    assert [c["evidence"] for c in by_evidence] == sorted((c["evidence"] for c in everything), reverse=True)
    assert sorted(c["id"] for c in _pages(web, "sort=changed", size=4)) == sorted(c["id"] for c in everything)
    facets = web.get("/claims.json?language=ru").json()["facets"]
    assert facets == desk.json("claim", "list", "--language", "ru", "--facets")["facets"]


def _facets_by_sql(db_url: str) -> dict[str, dict[str, int]]:
    """The facet counts of the whole database by plain GROUP BY queries, written apart from the code."""
    queries = {
        "tag": "SELECT t.slug, count(*) FROM claim_tags ct JOIN tags t ON t.id = ct.tag_id GROUP BY t.slug",
        "rating": """SELECT v.rating, count(*) FROM verdicts v WHERE v.id IN
                     (SELECT max(id) FROM verdicts GROUP BY claim_id) GROUP BY v.rating""",
        "reviewer": """SELECT a.slug, count(DISTINCT v.claim_id) FROM verdicts v JOIN actors a ON a.id = v.reviewer_id
                       GROUP BY a.slug""",
        "claimant": "SELECT a.slug, count(*) FROM claims c JOIN actors a ON a.id = c.claimant_id GROUP BY a.slug",
        "language": "SELECT language, count(*) FROM claims WHERE language IS NOT NULL GROUP BY language",
        "year": """SELECT year, count(*) FROM (SELECT id, substr(stated_on, 1, 4) AS year FROM claims
                   WHERE stated_on IS NOT NULL UNION SELECT claim_id, substr(reviewed_on, 1, 4) FROM verdicts
                   WHERE reviewed_on IS NOT NULL) years GROUP BY year""",
    }
    with db.get_engine(db_url).connect() as connection:
        return {name: {str(v): n for v, n in connection.execute(text(sql))} for name, sql in queries.items()}


def test_facet_counts_are_the_group_by_counts(desk, web, db_url) -> None:  # type: ignore[no-untyped-def]
    expected = _facets_by_sql(db_url)
    facets = web.get("/claims.json").json()["facets"]
    for name, values in facets.items():
        assert values, name
        counts = {item["value"]: item["count"] for item in values}
        assert counts == {value: expected[name][value] for value in counts}, name
        top = sorted(expected[name].items(), key=lambda item: (-item[1], item[0]))[: len(values)]
        assert [item["value"] for item in values] == [value for value, _count in top], name
    afp = {item["value"]: item["count"] for item in web.get("/claims.json?reviewer=afp").json()["facets"]["language"]}
    assert afp == {"ru": 3}


def test_pages_go_on_by_cursor_while_claims_are_added(desk, web) -> None:  # type: ignore[no-untyped-def]
    first = web.get("/claims.json?tag=russian&size=3").json()
    assert [c["slug"] for c in first["claims"]] == ["ru-0", "ru-3", "ru-6"]
    desk.ok("claim", "add", "Ещё одно раннее утверждение", "--slug", "early", "--language", "ru", "--date", "1999",
            "--tag", "russian", "--force")  # fmt: skip
    desk.ok("claim", "add", "Ещё одно позднее утверждение", "--slug", "late", "--language", "ru", "--date", "2030",
            "--tag", "russian", "--force")  # fmt: skip
    rest = []
    url = first["next"]
    while url:
        page = web.get(url).json()
        rest += [c["slug"] for c in page["claims"]]
        url = page["next"]
    # Nothing repeated or skipped: the early claim sits before the cursor, the late one after it.
    assert rest == ["ru-1", "ru-4", "ru-2", "ru-5", "late"]


def test_downloads_stream_every_row_safely(desk, web) -> None:  # type: ignore[no-untyped-def]
    desk.ok("claim", "add", '=HYPERLINK("http://evil.example") says NATO', "--slug", "formula", "--force")
    answer = web.get("/claims.csv?text=HYPERLINK")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [row["slug"] for row in rows] == ["formula"] and rows[0]["text"].startswith("'=HYPERLINK")
    # The same text (the test runner's capture reads "\r\n", CSV's line end, as "\n").
    assert answer.text.replace("\r\n", "\n") == desk.ok("claim", "list", "--text", "HYPERLINK", "--format", "csv")
    every = web.get("/claims.jsonl").text.splitlines()
    assert [json.loads(line) for line in every] == desk.json("claim", "list")
    assert desk.ok("claim", "list", "--format", "jsonl").splitlines() == every


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("colour=red", "unknown filter 'colour'"),
        ("rating=blue", "unknown rating 'blue'"),
        ("year=21", "is not a year"),
        ("after=abc", "malformed or was altered"),
        ("after=WyJldmlkZW5jZSIsMSwyXQ", "malformed or was altered"),  # a cursor of another sort
        ("size=0", "size must be a whole number"),
        ("size=1001", "size must be a whole number from 1 to 1000"),
        ("q=%2A%2A", "nothing to search for"),
        ("text=%00", "holds a NUL character"),
        ("claimant=a%00b", "holds a NUL character"),
        ("after=WyJkYXRlIixmYWxzZSwiMjAyMSIsMTg0NDY3NDQwNzM3MDk1NTE2MTZd", "malformed or was altered"),  # id 2**64
        ("sort=colour", "cannot sort by 'colour'"),
        ("sort=date&sort=evidence", "give 'sort' once"),
        ("&".join(f"tag=t{n}" for n in range(21)), "too many values of 'tag'"),
        ("&".join(["language=en"] * 101), "too many parameters"),
    ],
)
def test_bad_queries_are_a_400_naming_the_problem(web, query, problem) -> None:  # type: ignore[no-untyped-def]
    page = web.get(f"/claims?{query}")
    assert page.status_code == 400 and problem in html.unescape(page.text) and "Traceback" not in page.text
    answer = web.get(f"/claims.json?{query}")
    assert answer.status_code == 400 and problem in answer.json()["error"]
    if not query.startswith(("after", "size")):  # a download has no pages; a bad filter is refused before it starts
        download = web.get(f"/claims.csv?{query}")
        assert download.status_code == 400 and problem in download.text


def test_the_cli_refuses_what_the_web_refuses(desk) -> None:  # type: ignore[no-untyped-def]
    assert "unknown rating 'blue'" in desk.fails("claim", "list", "--rating", "blue")
    assert "is not a year" in desk.fails("claim", "list", "--year", "twenty")
    assert "no actor 'nobody'" in desk.fails("claim", "list", "--claimant", "nobody")
    assert "--format takes table, json, jsonl or csv" in desk.fails("claim", "list", "--format", "xml")
    assert "give --json or --format csv, not both" in desk.fails("claim", "list", "--json", "--format", "csv")
    assert "no --limit, jsonl or csv" in desk.fails("claim", "list", "--facets", "--limit", "3")
    assert [c["slug"] for c in desk.json("claim", "list", "--tag", "russian", "--limit", "2")] == ["ru-0", "ru-3"]
    assert "cannot sort by 'size'" in desk.fails("claim", "list", "--sort", "size")


def test_what_a_user_typed_is_escaped_in_the_page_and_its_links(desk, web) -> None:  # type: ignore[no-untyped-def]
    desk.ok("claim", "add", "A hostile claim about tags", "--slug", "hostile", "--tag", HOSTILE, "--language", "en")
    page = web.get("/claims", params={"text": HOSTILE, "language": "en"}).text
    assert "<b onmouseover" not in page and "&lt;b onmouseover" in page
    assert 'href="/claims?language=en"' in page  # the link that removes the typed filter
    tagged = web.get("/claims", params={"language": "en"}).text
    assert "<b onmouseover" not in tagged


def test_facets_in_the_terminal(desk) -> None:  # type: ignore[no-untyped-def]
    shown = desk.ok("claim", "list", "--language", "ru", "--facets")
    assert "russian" in shown and "AFP Fact Check" in shown and "2021" in shown


def test_sources_and_actors_are_browsed_the_same_way(desk, web, db_url) -> None:  # type: ignore[no-untyped-def]
    with db.get_engine(db_url).connect() as connection:
        kinds = dict(connection.execute(text("SELECT kind, count(*) FROM sources GROUP BY kind")).all())
        by_publisher = "SELECT publisher, count(*) FROM sources WHERE publisher IS NOT NULL GROUP BY publisher"
        publishers = dict(connection.execute(text(by_publisher)).all())
        by_name = "SELECT slug FROM actors WHERE kind = 'person' ORDER BY name, id"
        people = connection.execute(text(by_name)).scalars().all()
    page = web.get("/sources.json").json()
    assert {item["value"]: item["count"] for item in page["facets"]["kind"]} == {str(k): n for k, n in kinds.items()}
    assert all(publishers[item["value"]] == item["count"] for item in page["facets"]["publisher"])
    found, url = [], "/actors.json?kind=person&size=4"
    while url:
        answer = web.get(url).json()
        found += [actor["slug"] for actor in answer["actors"]]
        url = answer["next"]
    assert found == people
    articles = list(csv.DictReader(io.StringIO(web.get("/sources.csv?kind=article").text)))
    assert len(articles) == kinds["article"] and {row["kind"] for row in articles} == {"article"}
    lines = web.get("/actors.jsonl?kind=organisation").text.splitlines()
    assert [json.loads(line) for line in lines] == desk.json("actor", "list", "--kind", "organisation")
    assert "afp" in {json.loads(line)["slug"] for line in lines}  # by name: "AFP Fact Check"
    assert "unknown filter 'colour' of sources" in web.get("/sources.json?colour=red").json()["error"]
    assert "unknown actor kind 'bad'" in html.unescape(web.get("/actors?kind=bad").text)
    assert web.get("/actors.csv?after=x&kind=bad").status_code == 400
    assert (
        "malformed or was altered" in web.get("/actors.json?after=WyJzb3VyY2VzIiwzXQ").json()["error"]
    )  # a source's cursor


def test_a_blank_box_is_no_filter_and_facets_offer_the_other_values(desk, web) -> None:  # type: ignore[no-untyped-def]
    assert web.get("/claims?q=&sort=evidence&tag=").status_code == 200  # the form's empty search box
    assert web.get("/sources.json?kind=").json()["filters"] == {}
    rated = web.get("/claims.json?rating=false").json()
    ratings = {item["value"]: item for item in rated["facets"]["rating"]}
    assert len(ratings) > 1 and ratings["false"]["selected"] and not ratings["misleading"]["selected"]
    # A facet's count is what choosing that value as well adds: its claims under the other filters.
    either = _pages(web, "rating=false&rating=misleading&language=ru", size=50)
    alone = web.get("/claims.json?language=ru&rating=false").json()["facets"]["rating"]
    assert len(either) == sum(item["count"] for item in alone if item["value"] in ("false", "misleading"))
    kinds = {item["value"] for item in web.get("/sources.json?kind=article").json()["facets"]["kind"]}
    assert {"article", "draft"} <= kinds


def test_a_subset_export_of_many_claims_carries_their_sentences(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from factcheck.interchange.dataset import export

    cli.ok("init", "--seed")
    page = tmp_path / "article.txt"
    page.write_text("Putin said again that NATO promised Gorbachev in 1990 that it would not expand eastward.\n")
    cli.ok("source", "add", "Moscow repeats", "--text-file", str(page), "--slug", "moscow")
    cli.ok("scan", "moscow", "--apply")
    chunked = json.loads(cli.ok("export", "--tag", "1990-assurances", "--tag", "nato-enlargement", "--format", "json"))
    original = export.PAGE
    try:
        export.PAGE = 2  # the claims' ids read two at a time
        small = json.loads(
            cli.ok("export", "--tag", "1990-assurances", "--tag", "nato-enlargement", "--format", "json")
        )
    finally:
        export.PAGE = original
    assert small["appearance_sentences"] == chunked["appearance_sentences"] and len(small["appearance_sentences"]) == 1


def test_source_and_actor_lists_take_the_web_views_filters(desk, web) -> None:  # type: ignore[no-untyped-def]
    listed = desk.json("source", "list", "--kind", "article", "--kind", "draft")
    assert listed == _every(web, "/sources.json?kind=article&kind=draft&size=2", "sources")
    assert [s["published_on"] for s in listed if s["published_on"]] == sorted(
        s["published_on"] for s in listed if s["published_on"]
    )  # by date, as before
    assert desk.json("source", "list", "--facets")["facets"] == web.get("/sources.json").json()["facets"]
    assert "article" in desk.ok("source", "list", "--facets")
    rows = list(csv.DictReader(io.StringIO(desk.ok("source", "list", "--kind", "article", "--format", "csv"))))
    assert [row["slug"] for row in rows] == [s["slug"] for s in desk.json("source", "list", "--kind", "article")]
    assert [a["slug"] for a in desk.json("actor", "list", "--text", "AFP")] == ["afp"]
    assert len(desk.json("actor", "list", "--kind", "person", "--limit", "2")) == 2
    assert "unknown actor kind 'robot'" in desk.fails("actor", "list", "--kind", "robot")
    assert "unknown filter" not in desk.ok("source", "list", "--capture", "pdf")  # none yet: an empty list


def _every(web: TestClient, url: str, key: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while url:
        page = web.get(url).json()
        found += page[key]
        url = page["next"]
    return found


def test_a_search_downloads_its_hits(desk, web) -> None:  # type: ignore[no-untyped-def]
    hits = desk.json("search", "Gorbachev", "--limit", "1000")
    lines = web.get("/search.jsonl?q=Gorbachev").text.splitlines()
    assert [json.loads(line) for line in lines] == hits and len(hits) > 5
    rows = list(csv.DictReader(io.StringIO(web.get("/search.csv?q=Gorbachev&in=claims&limit=3").text)))
    assert [(row["kind"], row["slug"]) for row in rows] == [
        (hit["kind"], hit["slug"]) for hit in desk.json("search", "Gorbachev", "--in", "claims", "--limit", "3")
    ]
    page = web.get("/search?q=Gorbachev&in=claims").text
    assert 'href="/search.csv?q=Gorbachev&amp;in=claims"' in page
    assert web.get("/search.csv?q=").status_code == 400 and "nothing to search for" in web.get("/search.csv").text
    assert "cannot search in 'tweets'" in web.get("/search.jsonl?q=nato&in=tweets").text


def test_cursors_hold_long_names_and_refuse_what_no_database_holds(desk, web) -> None:  # type: ignore[no-untyped-def]
    import base64

    desk.ok("actor", "add", "Я" * 1500, "--slug", "long-name")
    everyone = desk.json("actor", "list")
    assert _every(web, "/actors.json?size=1", "actors") == everyone  # a cursor holds a name of 1,500 letters
    assert [json.loads(line) for line in desk.ok("actor", "list", "--format", "jsonl").splitlines()] == everyone
    for key in ('["actors","\\ud800",1]', '["actors","a\\u0000",1]', '["sources",false,"\\u0000",1]'):
        cursor = base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")
        name = json.loads(key)[0]
        answer = web.get(f"/{name}.json?after={cursor}")
        assert answer.status_code == 400 and "malformed or was altered" in answer.json()["error"], key
