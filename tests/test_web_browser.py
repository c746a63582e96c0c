"""The web view in a real browser: Debian's headless Chromium driven by Playwright, against the
real `factcheck serve` in a subprocess on a loopback port, over a seeded database.

Skipped, with the reason shown, where no browser is found; with FACTCHECK_REQUIRE_BROWSER=1 (as
.ci/run sets after .ci/install-browser) a missing browser fails instead."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The browser serves a SQLite file of its own; the web view on PostgreSQL is tests/test_web.py's.
pytestmark = pytest.mark.sqlite_only("the browser's own database file")
CHROMIUM = Path(os.environ.get("FACTCHECK_CHROMIUM", "/usr/bin/chromium"))
REQUIRE = os.environ.get("FACTCHECK_REQUIRE_BROWSER") == "1"
CLAIM = "nato-promised-no-eastward-expansion"
HOSTILE = (
    "<script>alert('xss');document.title='pwned'</script><img src=x onerror=\"alert('img');document.title='pwned'\">"
)
TEXT = "Archived page.\n\nThe minister said that no promise was ever given about enlargement, as the record shows.\n"
QUOTE = "no promise was ever given about enlargement"


def _browser_problem() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.is_file():
        return f"no browser at {CHROMIUM}: run .ci/install-browser (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = _browser_problem()
    if problem:
        if REQUIRE:
            pytest.fail(f"FACTCHECK_REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Debian's chromium, never a downloaded one (`playwright install` is not used).
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield launched
        launched.close()


def factcheck(database: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "factcheck", "--db", str(database), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "FACTCHECK_USER": "tester"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("web")
    path = folder / "seeded.db"
    factcheck(path, "init", "--seed")
    (folder / "page.txt").write_text(TEXT, encoding="utf-8")
    factcheck(
        path, "source", "add", "Minister's page", "--text-file", str(folder / "page.txt"), "--slug", "minister-page"
    )
    factcheck(path, "evidence", "add", CLAIM, "minister-page", "--stance", "refutes", "--quote", QUOTE)
    factcheck(path, "claim", "add", HOSTILE, "--slug", "hostile", "--force")
    factcheck(path, "claim", "rate", "hostile", "false", "--rationale", HOSTILE)
    return path


@pytest.fixture(scope="module")
def server(browser: Any, database: Path) -> Iterator[str]:
    """`factcheck serve` on a free loopback port (port 0: the system picks one; the command says which)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "factcheck", "--db", str(database), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert found, f"serve said {line!r}; stderr: {process.stderr.read() if process.stderr else ''}"
        base = found.group()
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield base.rstrip("/")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page that records every dialog and every request leaving the server."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    opened.dialogs = []
    opened.elsewhere = []
    opened.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
    opened.on(
        "request",
        lambda request: None if request.url.startswith((server, "data:")) else opened.elsewhere.append(request.url),
    )
    yield opened
    assert opened.dialogs == [], "a dialog opened"
    assert opened.elsewhere == [], "the page loaded something from elsewhere"
    context.close()


def test_dossier_shows_its_refuting_quotes_and_verdict(page, server, database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/claims/{CLAIM}")
    dossier = json.loads(factcheck(database, "claim", "show", CLAIM, "--json"))
    refuting = page.locator("#stance-refutes blockquote")
    assert refuting.count() == len(dossier["evidence"]["refutes"]) >= 3
    assert QUOTE in refuting.all_inner_texts()
    assert refuting.first.is_visible()
    verdict = page.locator("#verdicts .rating").first
    assert verdict.is_visible() and verdict.inner_text() == dossier["verdict"]["rating"] == "misleading"
    assert page.locator("figure.graph svg a.node").count() == 1 + len(dossier["counterclaims"]) + sum(
        len(items) for items in dossier["related"].values()
    )
    page.screenshot(path=str(tmp_path / "dossier.png"), full_page=True)
    assert (tmp_path / "dossier.png").stat().st_size > 10_000


def test_clicking_a_counterclaim_opens_its_page(page, server, database) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/claims/{CLAIM}")
    first = json.loads(factcheck(database, "claim", "show", CLAIM, "--json"))["counterclaims"][0]
    page.locator("a.counterclaim").first.click()
    page.wait_for_url(f"{server}/claims/{first['slug']}")
    assert page.locator("h1").inner_text() == first["text"]
    # And a node of the graph is a link too.
    page.go_back()
    page.locator("figure.graph svg a.node").first.click()
    page.wait_for_url(re.compile(r"/claims/[a-z0-9-]+$"))
    assert page.url != f"{server}/claims/{CLAIM}"


def test_the_search_form_finds_gorbachev(page, server) -> None:  # type: ignore[no-untyped-def]
    page.goto(server)
    page.locator("main form.search input[name=q]").fill("Gorbachev")
    page.locator("main form.search button").click()
    page.wait_for_url(re.compile(r"/search\?q=Gorbachev"))
    hits = page.locator("ol.hits li")
    assert hits.count() > 0
    assert all("gorbachev" in text.lower() for text in hits.all_inner_texts())
    assert page.locator("ol.hits mark").first.inner_text().lower() == "gorbachev"


def test_a_quote_link_opens_the_source_with_the_quote_highlighted(page, server, database) -> None:  # type: ignore[no-untyped-def]
    dossier = json.loads(factcheck(database, "claim", "show", CLAIM, "--json"))
    evidence = next(e for e in dossier["evidence"]["refutes"] if e["quote"] == QUOTE)
    page.goto(f"{server}/claims/{CLAIM}")
    page.locator(f"#quote-{evidence['id']} a.in-context").click()
    page.wait_for_url(f"{server}/sources/minister-page#evidence-{evidence['id']}")
    mark = page.locator(f"#evidence-{evidence['id']}")
    assert mark.evaluate("node => node.tagName") == "MARK"
    assert mark.inner_text() == QUOTE
    assert mark.evaluate("node => node.matches(':target')")
    # Highlighted as the target (the stylesheet's own colour), and on screen.
    assert mark.evaluate("node => getComputedStyle(node).backgroundColor") == "rgb(255, 213, 74)"
    assert mark.is_visible() and mark.bounding_box()["y"] < 900
    # The mark links back to its claim.
    page.locator(f"#evidence-{evidence['id']} + a.qref").click()
    page.wait_for_url(f"{server}/claims/{CLAIM}#quote-{evidence['id']}")


def test_the_json_ld_parses_as_claimreview(page, server, database) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/claims/{CLAIM}")
    blocks = page.locator("script[type='application/ld+json']").all_text_contents()
    reviews = [json.loads(block) for block in blocks]
    assert reviews and all(review["@type"] == "ClaimReview" for review in reviews)
    context = reviews[0]["@context"]
    assert "https://schema.org" in (context if isinstance(context, list) else [context])
    assert {review["claimReviewed"] for review in reviews} == {page.locator("h1").inner_text()}
    assert reviews[0]["reviewRating"]["alternateName"]


def test_hostile_claim_text_does_not_run(page, server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/claims/hostile")
    page.wait_for_load_state("load")
    assert page.title() == f"{HOSTILE} · factcheck"
    assert page.locator("h1").inner_text() == HOSTILE
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == page.locator("script[type='application/ld+json']").count()
    assert page.evaluate("() => document.querySelectorAll('[onerror]').length") == 0
    page.goto(f"{server}/search?q=xss")
    assert page.title() != "pwned" and page.locator("ol.hits li").count() >= 1
    # `page` checks on teardown that no dialog opened.


@pytest.mark.parametrize(
    ("path", "command"),
    [
        (f"/claims/{CLAIM}.json", ["claim", "show", CLAIM]),
        ("/sources/minister-page.json", ["source", "show", "minister-page"]),
        ("/search.json?q=Gorbachev", ["search", "Gorbachev"]),
        ("/actors/vladimir-putin.json", ["actor", "show", "vladimir-putin"]),
    ],
)
def test_json_twins_equal_the_cli_json(page, server, database, path, command) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(f"{server}{path}")
    assert response.status == 200 and response.headers["content-type"].startswith("application/json")
    assert json.loads(response.text()) == json.loads(factcheck(database, *command, "--json"))


def test_an_unknown_claim_is_a_404_page_with_close_slugs(page, server) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(f"{server}/claims/nato-promised")
    assert response.status == 404
    assert "no claim 'nato-promised'" in page.locator(".error-message").inner_text()
    page.locator(f"ul.suggestions a[href='/claims/{CLAIM}']").click()
    page.wait_for_url(f"{server}/claims/{CLAIM}")


def test_browsing_by_facets_and_pages_and_downloading_the_list(page, server, database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/claims?size=5")
    tags = page.locator("section.facet[data-facet=tag] a")
    first_tag = tags.first.inner_text()
    count = int(page.locator("section.facet[data-facet=tag] small").first.inner_text())
    tags.first.click()
    page.wait_for_url(re.compile(r"/claims\?tag="))
    listed = json.loads(factcheck(database, "claim", "list", "--tag", first_tag, "--json"))
    assert len(listed) == count > 5
    shown = page.locator("table.claims tbody tr td:nth-child(2) a").all_inner_texts()
    assert shown == [claim["text"] for claim in listed[:5]]
    page.locator("nav.pager a[rel=next]").click()
    page.wait_for_url(re.compile(r"after="))
    shown = page.locator("table.claims tbody tr td:nth-child(2) a").all_inner_texts()
    assert shown == [claim["text"] for claim in listed[5:10]]
    # The filter is shown, and clicking it removes it again.
    page.locator("p.filters a.filter").first.click()
    page.wait_for_url(re.compile(r"/claims(\?size=5)?$"))
    with page.expect_download() as download:
        page.locator("p.downloads a", has_text="CSV").click()
    saved = tmp_path / "claims.csv"
    download.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,slug,text") and len(lines) == 1 + len(
        json.loads(factcheck(database, "claim", "list", "--json"))
    )


def test_the_queue_filters_and_a_published_claims_correction_shows(page, server, database) -> None:  # type: ignore[no-untyped-def]
    factcheck(database, "actor", "add", "Ana Lima", "--kind", "person", "--slug", "ana")
    factcheck(database, "claim", "assign", "hostile", "ana")
    factcheck(database, "claim", "status", "hostile", "needs-review", "--note", HOSTILE)
    factcheck(database, "claim", "publish", "hostile")
    factcheck(database, "claim", "rate", "hostile", "mixed", "--rationale", "Second look.", "--correction", HOSTILE)
    factcheck(database, "claim", "status", "baker-assurance-only-east-germany", "needs-review")

    page.goto(server)
    page.locator("header.site nav a", has_text="Queue").click()
    page.wait_for_url(re.compile(r"/queue$"))
    in_work = json.loads(factcheck(database, "queue", "--json"))
    assert (
        page.locator("p.count").inner_text()
        == f"{len(in_work['claims'])} of {in_work['total']} claims in work, oldest first."
    )
    page.locator("select[name=status]").select_option("needs-review")
    page.locator("form.filters button").click()
    page.wait_for_url(re.compile(r"status=needs-review"))
    assert page.locator("table.queue tbody tr td:first-child a").all_inner_texts() == [
        claim["text"]
        for claim in json.loads(factcheck(database, "queue", "--status", "needs-review", "--json"))["claims"]
    ]
    page.locator("select[name=status]").select_option("published")
    page.locator("form.filters button").click()
    page.locator("table.queue tbody tr td:first-child a").first.click()
    page.wait_for_url(re.compile(r"/claims/hostile$"))
    assert page.locator("p.desk").inner_text().startswith("Status: published · assigned to ana · published on ")
    correction = page.locator("p.correction").inner_text()
    assert correction.startswith("Corrected on ") and correction.endswith(f": {HOSTILE}")
    assert page.locator("img").count() == 0 and page.title() != "pwned"
