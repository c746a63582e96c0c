"""The read-only web view, driven in-process with Starlette's TestClient: every page has a JSON
twin equal to the CLI's --json, user text is escaped, nothing is written, bad input is a 404 or
a 400 that names the problem, and `factcheck site` writes the same pages with relative links."""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from typing import Any
from urllib.parse import unquote

import lxml.html
import pytest
from starlette.testclient import TestClient

from factcheck.web.app import create_app

CLAIM = "nato-promised-no-eastward-expansion"
HOSTILE = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">'
TEXT = (
    "Archived page.\n\nThe minister said that no promise was ever given about enlargement, "
    "and the record bears that out.\nA second line & more <b>markup</b> in the text."
)
QUOTE = "no promise was ever given about enlargement"


@pytest.fixture
def seeded(cli, tmp_path):  # type: ignore[no-untyped-def]
    """The seed dataset, plus a source with archived text that a claim's quote is anchored in."""
    cli.ok("init", "--seed")
    text_file = tmp_path / "page.txt"
    text_file.write_text(TEXT, encoding="utf-8")
    cli.ok(
        "source",
        "add",
        "Minister's page",
        "--text-file",
        str(text_file),
        "--url",
        "https://example.org/page",
        "--slug",
        "minister-page",
    )
    cli.ok("evidence", "add", CLAIM, "minister-page", "--stance", "refutes", "--quote", QUOTE)
    cli.ok("actor", "add", "Fact Desk", "--kind", "outlet", "--slug", "fact-desk")
    cli.ok("claim", "rate", CLAIM, "false", "--rationale", "No promise was made.", "--reviewer", "fact-desk")
    return cli


@pytest.fixture
def client(db_url: str) -> TestClient:
    return TestClient(create_app(db_url), base_url="http://127.0.0.1")


def page(client: TestClient, path: str, status: int = 200) -> Any:
    response = client.get(path)
    assert response.status_code == status, f"{path}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(response.text)


# --- JSON twins equal the CLI's --json -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "command"),
    [
        (f"/claims/{CLAIM}.json", ["claim", "show", CLAIM]),
        ("/claims/1.json", ["claim", "show", "1"]),
        ("/sources/minister-page.json", ["source", "show", "minister-page"]),
        ("/actors/vladimir-putin.json", ["actor", "show", "vladimir-putin"]),
        ("/search.json?q=Gorbachev", ["search", "Gorbachev"]),
        ("/search.json?q=Gorbachev&in=evidence&limit=3", ["search", "Gorbachev", "--in", "evidence", "--limit", "3"]),
        ("/similar.json?text=NATO+promised+not+to+expand", ["similar", "NATO promised not to expand"]),
        (f"/history/{CLAIM}.json", ["history", CLAIM]),
        ("/history.json?limit=7", ["history", "--limit", "7"]),
    ],
)
def test_json_twin_equals_the_cli_json(seeded, client, path, command) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == seeded.json(*command)


def test_every_page_links_to_its_json_twin(seeded, client) -> None:  # type: ignore[no-untyped-def]
    for path in ["/", f"/claims/{CLAIM}", "/sources/minister-page", "/actors/vladimir-putin", "/search?q=baker"]:
        twin = page(client, path).xpath("//footer//a[text()='This page as JSON']/@href")
        assert twin and client.get(twin[0]).status_code == 200, path


# --- pages -----------------------------------------------------------------------------------------


def test_dossier_shows_verdicts_evidence_by_stance_and_counterclaims(seeded, client) -> None:  # type: ignore[no-untyped-def]
    tree = page(client, f"/claims/{CLAIM}")
    dossier = seeded.json("claim", "show", CLAIM)
    assert tree.xpath("string(//h1)").strip() == dossier["claim"]["text"]
    refuting = [" ".join(q.text_content().split()) for q in tree.xpath("//section[@id='stance-refutes']//blockquote")]
    assert refuting == [" ".join(e["quote"].split()) for e in dossier["evidence"]["refutes"]]
    assert QUOTE in refuting
    ratings = tree.xpath("//div[@class='verdicts']//span[contains(@class, 'rating')]/text()")
    assert sorted(ratings) == sorted(v["rating"] for v in dossier["current_verdicts"]) == ["false", "misleading"]
    # Two reviewers (the seed's and an unnamed one) rate differently: the page says so.
    assert "disagree" in tree.xpath("string(//p[contains(@class, 'agreement')])")
    counter = tree.xpath("//a[@class='counterclaim']/@href")
    assert counter == [f"/claims/{item['slug']}" for item in dossier["counterclaims"]]
    quote_id = _evidence_id(dossier)
    statuses = tree.xpath(f"//div[@id='quote-{quote_id}']//span[contains(@class,'status')]/text()")
    assert statuses == ["verified"]
    assert tree.xpath("string(//p[@class='last-change'])").startswith("Last change:")


def _evidence_id(dossier: dict[str, Any]) -> int:
    return next(e["id"] for e in dossier["evidence"]["refutes"] if e["quote"] == QUOTE)


def test_claim_page_embeds_its_claimreview_as_the_export_writes_it(seeded, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tree = page(client, f"/claims/{CLAIM}")
    embedded = [json.loads(block.text) for block in tree.xpath("//script[@type='application/ld+json']")]
    out = tmp_path / "reviews.json"
    seeded.ok("export", "--format", "claimreview", "-o", str(out))
    text = seeded.json("claim", "show", CLAIM)["claim"]["text"]
    exported = [review for review in json.loads(out.read_text()) if review["claimReviewed"] == text]
    assert embedded == exported and len(embedded) == 2
    assert all(review["@type"] == "ClaimReview" for review in embedded)


def test_claim_page_draws_its_graph_and_timeline_as_svg(seeded, client) -> None:  # type: ignore[no-untyped-def]
    tree = page(client, f"/claims/{CLAIM}")
    dossier = seeded.json("claim", "show", CLAIM)
    graph = tree.xpath("//figure[@class='graph']/svg")[0]
    neighbours = dossier["counterclaims"] + [item for items in dossier["related"].values() for item in items]
    nodes = graph.xpath(".//a[@class='node']/@href")
    assert sorted(nodes) == sorted([f"/claims/{item['slug']}" for item in neighbours] + ["#top"])
    colours = {path.get("stroke") for path in graph.xpath(".//path[contains(@class, 'edge-rebuts')]")}
    assert colours == {"#b3261e"}
    dates = tree.xpath("//figure[@class='timeline']/svg//a/text[1]/text()")
    assert dates == sorted(dates) and dossier["claim"]["stated_on"] in dates
    assert "1990-02-09" in dates  # an event recorded by a cited source
    assert not tree.xpath("//script[not(@type='application/ld+json')]")


def test_source_page_highlights_each_quote_in_place(seeded, client) -> None:  # type: ignore[no-untyped-def]
    view = seeded.json("source", "show", "minister-page")
    (evidence,) = view["evidence"]
    tree = page(client, "/sources/minister-page")
    mark = tree.get_element_by_id(f"evidence-{evidence['id']}")
    assert mark.tag == "mark" and mark.text_content() == QUOTE
    assert "stance-refutes" in mark.get("class")
    back = mark.getnext()
    assert back.get("href") == f"/claims/{CLAIM}#quote-{evidence['id']}"
    # The whole archived text is there, in order, escaped (its "<b>" is text, not markup).
    assert tree.xpath("string(//div[@class='archived'])") == TEXT.replace(QUOTE, QUOTE + CLAIM)
    assert not tree.xpath("//div[@class='archived']//b")
    url = tree.xpath("//dl[@class='meta']//a[@class='external']")[0]
    assert url.get("href") == "https://example.org/page" and url.get("rel") == "nofollow noopener"


def test_the_overview_counts_what_is_there_and_leads_into_the_claims(seeded, client) -> None:  # type: ignore[no-untyped-def]
    tree = page(client, "/")
    claims = seeded.json("claim", "list")
    assert tree.xpath("//form[@action='/search']//input[@name='q']")
    assert tree.xpath("string(//p[@class='counts']/a[@href='/claims'])") == f"{len(claims)} claims"
    overview = client.get("/index.json").json()
    assert overview["counts"]["claims"] == len(claims)
    assert overview["facets"]["tag"] == seeded.json("claim", "list", "--facets")["facets"]["tag"]
    assert [r["id"] for r in overview["recent"]] == [
        r["id"] for r in seeded.json("history", "--limit", "10")["revisions"]
    ]
    top = overview["facets"]["tag"][0]
    assert tree.xpath(f"//section[@data-facet='tag']//a[@href='/claims?tag={top['value']}']")
    # A claim's tags lead to the claims with that tag.
    assert page(client, f"/claims/{CLAIM}").xpath("//a[@class='tag']/@href")[0].startswith("/claims?tag=")


def test_search_and_similar_pages(seeded, client) -> None:  # type: ignore[no-untyped-def]
    tree = page(client, "/search?q=Gorbachev")
    hits = tree.xpath("//ol[@class='hits']/li")
    assert hits and all("gorbachev" in hit.text_content().lower() for hit in hits)
    assert tree.xpath("//ol[@class='hits']//mark")
    tree = page(client, "/similar?text=NATO+promised+Gorbachev+no+eastward+expansion")
    assert tree.xpath("//table//a/@href")[0] == f"/claims/{CLAIM}"
    assert page(client, "/search").xpath("//input[@name='q']/@value") == [""]


def test_actor_and_history_pages(seeded, client) -> None:  # type: ignore[no-untyped-def]
    tree = page(client, "/actors/vladimir-putin")
    assert f"/claims/{CLAIM}" in tree.xpath("//ul[@class='linked-claims']//a/@href")
    tree = page(client, f"/history/{CLAIM}")
    assert len(tree.xpath("//table[@class='history']/tbody/tr")) == len(seeded.json("history", CLAIM)["revisions"])


# --- security ----------------------------------------------------------------------------------------


def test_user_text_is_escaped_and_only_http_urls_are_links(cli, client) -> None:  # type: ignore[no-untyped-def]
    cli.ok("actor", "add", HOSTILE, "--slug", "hostile-actor")
    cli.ok("source", "add", "Bad link " + HOSTILE, "--url", "javascript:alert(1)", "--slug", "bad-link")
    cli.ok("claim", "add", HOSTILE, "--slug", "hostile", "--claimant", "hostile-actor", "--tag", "x")
    cli.ok("claim", "add", "Another claim " + HOSTILE, "--slug", "other", "--source", "bad-link", "--force")
    cli.ok("claim", "link", "other", "rebuts", "hostile")
    cli.ok("claim", "rate", "hostile", "false", "--rationale", HOSTILE, "--url", "javascript:alert(2)")
    for path in [
        "/",
        "/claims/hostile",
        "/claims/other",
        "/sources/bad-link",
        "/actors/hostile-actor",
        "/search?q=script",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        tree = lxml.html.fromstring(response.text)
        assert not tree.xpath("//script[not(@type='application/ld+json')] | //img | //*[@onerror]"), path
        assert not [href for href in tree.xpath("//@href") if href.lower().startswith("javascript")], path
    tree = page(client, "/claims/hostile")
    assert tree.xpath("string(//h1)").strip() == HOSTILE
    assert HOSTILE in tree.xpath("string(//figure[@class='graph'])")
    # The JSON-LD block cannot be closed early by the data inside it.
    (block,) = tree.xpath("//script[@type='application/ld+json']")
    assert json.loads(block.text)["claimReviewed"] == HOSTILE
    assert (
        "</script"
        not in client.get("/claims/hostile").text.split('type="application/ld+json">')[1].split("</script>")[0]
    )


def test_security_headers_and_no_external_resources(seeded, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/claims/{CLAIM}")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    tree = lxml.html.fromstring(response.text)
    loaded = tree.xpath("//link/@href | //script/@src | //img/@src | //iframe/@src")
    assert all(not url.startswith(("http:", "https:", "//")) for url in loaded), loaded
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head(seeded, client, dump, method) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    for path in ["/", f"/claims/{CLAIM}", "/claims/nothing", "/no/such/page"]:
        response = client.request(method, path)
        assert response.status_code == 405, (method, path)
        assert response.headers["allow"] == "GET, HEAD"
    assert client.head(f"/claims/{CLAIM}").status_code == 200
    assert dump() == before


def test_reading_writes_nothing(seeded, client, dump) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    for path in ["/", f"/claims/{CLAIM}", "/sources/minister-page", "/search?q=nato", "/similar?text=nato", "/history"]:
        assert client.get(path).status_code == 200
    assert dump() == before


# --- bad input -------------------------------------------------------------------------------------


def test_unknown_slug_is_a_404_naming_it_with_close_slugs(seeded, client) -> None:  # type: ignore[no-untyped-def]
    tree = page(client, "/claims/nato-promised-no-eastward", status=404)
    assert "no claim 'nato-promised-no-eastward'" in tree.xpath("string(//p[@class='error-message'])")
    assert f"/claims/{CLAIM}" in tree.xpath("//ul[@class='suggestions']//a/@href")
    tree = page(client, "/sources/minister", status=404)
    assert "/sources/minister-page" in tree.xpath("//ul[@class='suggestions']//a/@href")
    response = client.get("/actors/nobody-at-all.json")
    assert response.status_code == 404 and response.json()["error"].startswith("no actor 'nobody-at-all'")
    assert client.get("/history/nothing-here").status_code == 404
    assert client.get("/no/such/page").status_code == 404


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/search?q=", "nothing to search for"),
        ("/search.json?q=%22%22", "nothing to search for"),
        ("/search?q=nato&in=tweets", "cannot search in 'tweets'"),
        ("/search?q=nato&limit=lots", "limit must be a whole number"),
        ("/search?q=" + "word+" * 600, "search query"),
        ("/claims?size=0", "size must be a whole number"),
        ("/similar?text=+", "empty"),
        ("/history?limit=-1", "limit must be a whole number"),
    ],
)
def test_malformed_query_is_a_400_with_the_reason(seeded, client, path, reason) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 400, response.text[:200]
    shown = (
        response.json()["error"]
        if ".json" in path
        else lxml.html.fromstring(response.text).xpath("string(//p[@class='error-message'])")
    )
    assert reason in shown


def test_a_busy_database_still_serves_reads(seeded, client, db_path) -> None:  # type: ignore[no-untyped-def]
    writer = sqlite3.connect(db_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE claims SET note = 'being edited' WHERE slug = ?", (CLAIM,))
    try:
        assert client.get(f"/claims/{CLAIM}").status_code == 200
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_serve_refuses_a_database_it_cannot_open(tmp_path, cli) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "missing.db"
    message = cli.fails("--db", str(missing), "serve")
    assert "no database at" in message and not missing.exists()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    assert "not a usable SQLite database" in cli.fails("--db", str(junk), "serve")


def test_serve_warns_when_listening_beyond_this_machine(seeded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    served: list[Any] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: served.append(sockets))
    result = seeded("serve", "--host", "0.0.0.0", "--port", "0")
    assert result.exit_code == 0, result.output
    assert "Warning: listening on 0.0.0.0" in result.stderr
    result = seeded("serve", "--port", "0")
    assert result.exit_code == 0 and "Warning" not in result.stderr
    assert "http://127.0.0.1:" in result.stdout
    for sockets in served:
        sockets[0].close()


def test_serve_names_a_port_it_cannot_use(seeded) -> None:  # type: ignore[no-untyped-def]
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        message = seeded.fails("serve", "--port", str(taken.getsockname()[1]))
    finally:
        taken.close()
    assert "cannot listen on 127.0.0.1:" in message


# --- static site -----------------------------------------------------------------------------------


def test_site_writes_the_pages_with_relative_links(seeded, tmp_path, dump) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    site = tmp_path / "site"
    assert "26 claims, 13 sources, 26 actors" in seeded.ok("site", "-o", str(site))
    claims = seeded.json("claim", "list")
    for claim in claims:
        assert (site / "claims" / f"{claim['slug']}.html").is_file()
    assert json.loads((site / "claims" / f"{CLAIM}.json").read_text()) == seeded.json("claim", "show", CLAIM)
    assert (site / "style.css").is_file() and (site / "index.html").is_file()
    broken = []
    for html in site.rglob("*.html"):
        tree = lxml.html.fromstring(html.read_text(encoding="utf-8"))
        for href in tree.xpath("//a/@href | //link/@href"):
            if href.startswith(("http:", "https:", "#", "data:")):
                continue
            target = unquote(href.split("#")[0])  # as a browser asks for it
            assert not target.startswith("/"), f"{html}: absolute link {href}"
            if not (html.parent / target).resolve().is_file():
                broken.append((html.name, href))
    assert not broken, broken[:5]
    # A page of claims for each facet's value: what `claim list` gives for that one filter.
    facet = json.loads((site / "browse" / "tag" / "nato-enlargement.json").read_text())
    assert facet == seeded.json("claim", "list", "--tag", "nato-enlargement")
    assert json.loads((site / "browse" / "rating" / "false.json").read_text()) == seeded.json(
        "claim", "list", "--rating", "false"
    )
    assert "browse/tag/nato-enlargement.html" in (site / "browse.html").read_text()
    assert dump() == before


def test_site_facet_pages_of_any_value_can_be_reached(seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for number, language in enumerate(["Português", "a b", "en/GB", "x%y", "EN", "en.page-2", ".."]):
        seeded.ok("claim", "add", f"A claim in language {number}", "--language", language, "--force")
    site = tmp_path / "site"
    seeded.ok("site", "-o", str(site))
    pages = sorted(page.name for page in (site / "browse" / "language").glob("*.html"))
    assert len(pages) == len(seeded.json("claim", "list", "--facets")["facets"]["language"]) >= 7
    assert all(page.parent.parent == site / "browse" for page in (site / "browse").rglob("*.html"))  # none deeper
    tree = lxml.html.fromstring((site / "browse.html").read_text(encoding="utf-8"))
    for href in tree.xpath("//section[@data-facet='language']//a/@href"):
        assert (site / unquote(href)).is_file(), href
    (site / "browse" / "notes.txt").write_text("mine")
    seeded.ok("site", "-o", str(site), "--force")
    assert (site / "browse" / "notes.txt").read_text() == "mine"  # only the pages it wrote are its own


def test_site_facet_pages_say_what_they_leave_out_and_are_written_afresh(seeded, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from factcheck.web import site as static

    folder = tmp_path / "site"
    seeded.ok("site", "-o", str(folder))
    assert (folder / "browse" / "tag" / "troop-buildup.html").is_file()
    monkeypatch.setattr(static, "STATIC_FACET_VALUES", 1)
    seeded.ok("site", "-o", str(folder), "--force")
    tags = sorted(page.name for page in (folder / "browse" / "tag").glob("*.html"))
    top = seeded.json("claim", "list", "--facets")["facets"]["tag"][0]["value"]
    assert tags == [f"{top}.html"]  # the others' pages of the earlier site are gone
    assert "rarer values of tag, year are left out" in " ".join((folder / "browse.html").read_text().split())


@pytest.mark.parametrize("candidates", [50, 5])
def test_site_pages_are_the_web_views_pages(seeded, tmp_path, db_url, monkeypatch, candidates) -> None:  # type: ignore[no-untyped-def]
    """The site finds its claims' suggestions a block at a time; each page is byte for byte the
    one the web view makes of that claim alone (show_claim with its own similarity search). With
    5 candidates a search, the two ways score different numbers of vectors at once: a cosine must
    not depend on that."""
    from factcheck import db
    from factcheck.jsontext import to_json
    from factcheck.services import similar, suggestions
    from factcheck.web import pages
    from factcheck.web import site as site_module
    from factcheck.web.app import render
    from factcheck.web.site import write_site

    monkeypatch.setattr(suggestions, "BLOCK", 7)  # blocks of 7 of the 26 claims, the last one short
    monkeypatch.setattr(site_module, "HISTORY_LIMIT", 3)  # revisions a history page shows: some have more
    monkeypatch.setattr(similar, "CANDIDATES", candidates)
    monkeypatch.setattr(suggestions, "CANDIDATES", candidates)
    site = tmp_path / "site"
    with db.session_scope(db_url) as session:
        write_site(session, site)
        links = pages.Links(static=True, up="../")
        suggested = 0
        for claim in seeded.json("claim", "list"):
            alone = pages.claim_page(session, links, claim["slug"])
            html = render(alone, links, self_path=f"{claim['slug']}.html")
            assert (site / "claims" / f"{claim['slug']}.html").read_text(encoding="utf-8") == html
            assert (site / "claims" / f"{claim['slug']}.json").read_text(encoding="utf-8") == to_json(alone.data)
            suggested += bool(alone.data["suggested_duplicates"])
        # Histories are read a block at a time too (services/history.histories): each is the one of its claim or source.
        cut = 0
        for slug in [claim["slug"] for claim in seeded.json("claim", "list")] + [
            source["slug"] for source in seeded.json("source", "list")
        ]:
            alone = pages.history_page(session, links, slug, limit=3)
            assert (site / "history" / f"{slug}.html").read_text(encoding="utf-8") == render(
                alone, links, self_path=f"{slug}.html"
            )
            assert (site / "history" / f"{slug}.json").read_text(encoding="utf-8") == to_json(alone.data)
            cut += len(alone.data["revisions"]) == 3
    assert suggested >= 3  # the comparison covers pages that list suggestions
    assert cut > 10  # and histories cut at their limit


def test_site_index_is_paged(seeded, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The site's index lists every claim once, in pages of INDEX_LIMIT by date linked both ways,
    so that no page grows with the database."""
    from factcheck.web import pages

    monkeypatch.setattr(pages, "INDEX_LIMIT", 10)
    site = tmp_path / "site"
    seeded.ok("site", "-o", str(site))  # the CLI runs in this process (see conftest's cli)
    names = ["index.html", "index-2.html", "index-3.html"]
    assert sorted(path.name for path in site.glob("index*.html")) == sorted(names)
    listed = []
    for number, name in enumerate(names):
        tree = lxml.html.fromstring((site / name).read_text(encoding="utf-8"))
        listed += tree.xpath("//table[@class='claims']//a/@href")
        assert tree.xpath("//a[@rel='next']/@href")[:1] == names[number + 1 : number + 2]
        assert tree.xpath("//a[@rel='prev']/@href")[:1] == names[max(number - 1, 0) : number]
        twin = json.loads((site / name).with_suffix(".json").read_text())
        assert len(twin) == (10 if number < 2 else 6)
    claims = [f"claims/{claim['slug']}.html" for claim in seeded.json("claim", "list")]
    assert sorted(set(listed)) == sorted(claims)  # each claim listed (under each of its tags)
    monkeypatch.setattr(pages, "INDEX_LIMIT", 20)  # written again, shorter: no page of the old one is left
    seeded.ok("site", "-o", str(site), "--force")
    assert sorted(path.name for path in site.glob("index*")) == [
        "index-2.html",
        "index-2.json",
        "index.html",
        "index.json",
    ]


def test_site_never_overwrites_without_force(seeded, tmp_path, dump) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    site.mkdir()
    (site / "keep.txt").write_text("mine")
    assert "pass --force" in seeded.fails("site", "-o", str(site))
    assert sorted(p.name for p in site.iterdir()) == ["keep.txt"]
    seeded.ok("site", "-o", str(site), "--force")
    assert (site / "index.html").is_file() and (site / "keep.txt").read_text() == "mine"
    file = tmp_path / "file.html"
    file.write_text("x")
    assert "is a file" in seeded.fails("site", "-o", str(file))
    # a claim and a source deleted since are unpublished when the site is written again
    seeded.ok("claim", "delete", "budapest-declaration-2008", "--cascade")
    seeded.ok("source", "delete", "minister-page", "--cascade")
    seeded.ok("site", "-o", str(site), "--force")
    gone = ["claims/budapest-declaration-2008", "history/budapest-declaration-2008", "sources/minister-page"]
    assert not [path for path in gone for suffix in (".html", ".json") if (site / f"{path}{suffix}").exists()]
    assert (site / f"claims/{CLAIM}.html").is_file() and (site / "keep.txt").read_text() == "mine"


def test_serve_with_workers_hands_them_the_database(seeded, monkeypatch, db_path) -> None:  # type: ignore[no-untyped-def]
    from uvicorn.supervisors import Multiprocess

    from factcheck.web import app as web_app

    started: list[Any] = []
    monkeypatch.setattr(Multiprocess, "run", lambda self: started.append(self.config))
    monkeypatch.delenv(web_app.ENV_SERVE_DB, raising=False)
    result = seeded("serve", "--port", "0", "--workers", "2")
    assert result.exit_code == 0, result.output
    (config,) = started
    assert (config.app, config.factory, config.workers) == (web_app.APP_FACTORY, True, 2)
    # What each worker process builds: the same app, on this database.
    client = TestClient(web_app.app_from_environment(), base_url="http://127.0.0.1")
    assert client.get(f"/claims/{CLAIM}.json").json() == seeded.json("claim", "show", CLAIM)
    monkeypatch.delenv(web_app.ENV_SERVE_DB)


# --- who may ask: the Host header, and what the server answers before the app -------------------


def test_only_its_addresses_localhost_and_allowed_names_are_served(seeded, db_url) -> None:  # type: ignore[no-untyped-def]
    """A page elsewhere that points its own name at this server (DNS rebinding) is refused, with
    the security headers; an address, localhost and a proxy's allowed name are served."""
    app = create_app(db_url, ["facts.example.org"])
    client = TestClient(app, base_url="http://127.0.0.1")
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", "facts.example.org.evil"):
        response = client.get(f"/claims/{CLAIM}.json", headers={"host": host})
        assert response.status_code == 400, host
        assert response.text.startswith(f"host {host!r} is not served here")
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert CLAIM not in response.text
    for host in (
        "127.0.0.1:8000",
        "localhost:8000",
        "localhost.",
        "[::1]:8000",
        "192.168.1.20",
        "facts.example.org",
        "FACTS.example.org.:443",
    ):
        assert client.get(f"/claims/{CLAIM}.json", headers={"host": host}).status_code == 200, host
    assert "without scheme, port or path" in seeded.fails("serve", "--allow-host", "https://facts.example.org")
    # a trailing-slash or other redirect never points at another host: it is refused before
    assert client.get("/claims/", headers={"host": "evil.example"}, follow_redirects=False).status_code == 400


def test_the_web_similar_has_the_clis_limit_and_odd_slugs_are_not_found(client, seeded) -> None:  # type: ignore[no-untyped-def]
    too_long = client.get("/search.json", params={"q": "x" * 20_000})
    assert too_long.status_code == 414 and "default-src 'none'" in too_long.headers["content-security-policy"]
    long = client.get("/similar.json", params={"text": "NATO " * 1000})
    assert long.status_code == 400 and "at most 1,000 are allowed" in long.json()["error"]
    for path in ("/claims/a%00b.json", "/sources/a%00b.json", "/history/a%00b.json", "/claims/%ED%A0%80.json"):
        response = client.get(path)
        assert response.status_code == 404, (path, response.text)
        assert "postgresql" not in response.text and "sqlite" not in response.text


def test_the_servers_own_refusals_carry_the_headers(seeded) -> None:  # type: ignore[no-untyped-def]
    """What uvicorn answers itself, before the app: a malformed request (400) and a URL too long
    (414, not a reset connection), with the same security headers as every page."""
    import contextlib
    import socket
    import subprocess
    import sys
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "factcheck", "--db", str(seeded.path), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])

        def connect() -> socket.socket:
            """The port is bound before the command says so; uvicorn listens on it a moment later."""
            for _attempt in range(100):
                with contextlib.suppress(ConnectionRefusedError):
                    return socket.create_connection(("127.0.0.1", port), timeout=10)
                time.sleep(0.1)
            raise AssertionError(f"nothing listens on port {port}")

        def ask(request: bytes) -> bytes:
            with connect() as connection:
                # The server may close while the URL is still arriving: its answer is read all the same.
                with contextlib.suppress(OSError):
                    connection.sendall(request)
                answer = b""
                with contextlib.suppress(ConnectionResetError):
                    while chunk := connection.recv(65536):
                        answer += chunk
                return answer

        malformed = ask(b"NOT HTTP AT ALL\r\n\r\n")
        too_long = ask(b"GET /search?q=" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert malformed.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert too_long.startswith(b"HTTP/1.1 414 URI Too Long\r\n")
    for answer in (malformed, too_long):
        assert b"content-security-policy: default-src 'none'" in answer
        assert b"x-frame-options: DENY" in answer


@pytest.mark.parametrize("out_of_step", ["no", "behind", "other blocks", "stopped", "noisy", "not started"])
def test_site_made_by_two_processes_is_the_site_made_by_one(seeded, tmp_path, db_url, monkeypatch, out_of_step) -> None:  # type: ignore[no-untyped-def]
    """With its second process (web/site_helper.py) finding the suggestions, the site is the same
    byte for byte, also where the site's process finds the last blocks' itself while the helper is
    behind; a helper that reads other blocks than the site's process (claims written between
    their reads: here, blocks of another size), that stops, or that writes anything else on its
    output, is stopped, and the site made without it, as it is where no second process can be started."""
    from factcheck import db
    from factcheck.services import suggestions
    from factcheck.web import site as site_module
    from factcheck.web import site_helper
    from factcheck.web.site import write_site
    from factcheck.web.site_helper import Helper

    served, asked = [], []

    class Counted(Helper):
        def __init__(self, session, block):  # type: ignore[no-untyped-def]
            super().__init__(session, block - 2 * (out_of_step == "other blocks"))
            if out_of_step == "stopped":
                self.process.kill()

        def ready(self):  # type: ignore[no-untyped-def]
            if out_of_step == "behind" and len(asked) < 2:  # not yet, twice: the last two blocks are found here
                asked.append(False)
                return False
            while not super().ready():  # else each block is waited for: the helper finds them all
                time.sleep(0.05)
            return True

        def block(self, ids):  # type: ignore[no-untyped-def]
            found = super().block(ids)
            served.append(found is not None)
            return found

    monkeypatch.setattr(suggestions, "BLOCK", 7)  # the helper is told the block's size: 4 blocks here
    monkeypatch.setattr(site_module, "Helper", Counted)
    if out_of_step == "not started":
        monkeypatch.setattr(site_helper.sys, "executable", str(tmp_path / "no-python"))
    if out_of_step == "noisy":  # a line on its output before its blocks, as a library's warning might be
        noisy = tmp_path / "noisy-python"
        noisy.write_text(f'#!/bin/sh\necho "a warning on stdout"\nexec "{sys.executable}" "$@"\n')
        noisy.chmod(0o755)
        monkeypatch.setattr(site_helper.sys, "executable", str(noisy))
    with db.session_scope(db_url) as session:
        write_site(session, tmp_path / "one", helper=False)
        write_site(session, tmp_path / "two", helper=True)
    assert served == {"no": [True] * 4, "behind": [True] * 2, "not started": []}.get(out_of_step, [False] * 4)
    suggested = [
        json.loads(page.read_text())["suggested_duplicates"] for page in (tmp_path / "one" / "claims").glob("*.json")
    ]
    assert sum(bool(found) for found in suggested) >= 3  # the pages compared list suggestions
    one = sorted(path.relative_to(tmp_path / "one") for path in (tmp_path / "one").rglob("*") if path.is_file())
    two = sorted(path.relative_to(tmp_path / "two") for path in (tmp_path / "two").rglob("*") if path.is_file())
    assert one == two and len(one) > 100
    for path in one:
        assert (tmp_path / "one" / path).read_bytes() == (tmp_path / "two" / path).read_bytes(), path
