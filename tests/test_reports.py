"""Markdown reports, checked by parsing them: structure, tables, footnotes, links, escaping."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

HOSTILE = "Pipes | stars *bold* [link](http://x) `code` <script>alert(1)</script>\nsecond line # not a heading"


def parse(markdown: str) -> tuple[list[Token], dict]:  # type: ignore[type-arg]
    env: dict = {}  # type: ignore[type-arg]
    tokens = MarkdownIt("commonmark").enable("table").use(footnote_plugin).parse(markdown, env)
    return tokens, env


def shown(inline: Token) -> str:
    """The text a reader sees, escapes resolved."""
    return "".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline"))


def headings(tokens: list[Token]) -> list[tuple[str, str]]:
    return [(token.tag, shown(tokens[i + 1])) for i, token in enumerate(tokens) if token.type == "heading_open"]


def check_structure(markdown: str) -> tuple[list[Token], dict]:  # type: ignore[type-arg]
    """Every table row has as many cells as its header; every footnote reference is defined;
    no raw HTML gets through."""
    tokens, env = parse(markdown)
    columns = None
    for token in tokens:
        if token.type == "thead_open":
            columns = None
        if token.type == "tr_open":
            row: list[str] = []
        if token.type in ("th_open", "td_open"):
            row.append(token.type)
        if token.type == "tr_close":
            columns = columns or len(row)
            assert len(row) == columns, "a table row has the wrong number of cells"
        assert token.type not in ("html_block", "html_inline")
        for child in token.children or []:
            assert child.type != "html_inline", child.content
            if child.type == "text":
                assert "[^" not in child.content, f"undefined footnote in {child.content!r}"
    labels_used = {child.meta["label"] for t in tokens for child in t.children or [] if child.type == "footnote_ref"}
    defined = {item["label"] for item in env.get("footnotes", {}).get("list", {}).values() if "label" in item}
    assert labels_used <= defined
    return tokens, env


def links(tokens: list[Token]) -> list[str]:
    return [child.attrs["href"] for t in tokens for child in t.children or [] if child.type == "link_open"]


@pytest.fixture
def seeded(cli):  # type: ignore[no-untyped-def]
    cli.ok("seed")
    return cli


def test_claim_dossier(seeded) -> None:  # type: ignore[no-untyped-def]
    markdown = seeded.ok("report", "nato-promised-no-eastward-expansion")
    tokens, env = check_structure(markdown)
    assert headings(tokens)[:3] == [
        ("h1", "NATO promised Gorbachev in 1990 that it would not expand eastward"),
        ("h2", "Verdict"),
        ("h2", "Claim versus counterclaims"),
    ]
    names = [text for _tag, text in headings(tokens)]
    for section in (
        "Evidence",
        "Supports (3)",
        "Refutes (2)",
        "Qualifies (3)",
        "Context (1)",
        "Timeline",
        "Verdict history",
        "Sources",
        "Related claims",
    ):
        assert section in names
    assert "misleading" in markdown
    assert sum(1 for token in tokens if token.type == "blockquote_open") == 9
    assert "no-enlargement-guarantee-sought-or-given.md" in links(tokens)
    assert len(env["footnotes"]["list"]) == 4  # four sources cited
    assert "Republishes Andrew E. Kramer, Steven Erlanger, *Russia Lays Out Demands" in markdown
    timeline = markdown.split("## Timeline")[1].split("##")[0]
    assert timeline.index("1990") < timeline.index("2021-12-01") < timeline.index("2025-12-24")


def test_all_reports_have_an_index_and_working_links(seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "site"
    said = seeded.ok("report", "--all", "-o", str(folder))
    assert "Wrote index.md, 26 claim dossiers in claims/ and 12 source pages in sources/" in said
    pages = sorted(folder.rglob("*.md"))
    assert len(pages) == 1 + 26 + 12
    assert {page.parent.name for page in pages} == {"site", "claims", "sources"}
    for page in pages:
        tokens, _env = check_structure(page.read_text())
        for target in links(tokens):
            if not target.startswith("http"):
                assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
    index_tokens, _ = parse((folder / "index.md").read_text())
    assert ("h2", "Discrepancy") in [(tag, text.capitalize()) for tag, text in headings(index_tokens)]
    assert "claims/nato-promised-no-eastward-expansion.md" in links(index_tokens)
    assert "sources/foreign-policy-whats-behind-russias-latest-demands.md" in links(index_tokens)


def test_source_report(seeded) -> None:  # type: ignore[no-untyped-def]
    markdown = seeded.ok("report", "--source", "foreign-policy-whats-behind-russias-latest-demands")
    tokens, _ = check_structure(markdown)
    assert headings(tokens)[0] == ("h1", "What’s Behind Russia’s Latest Demands")
    assert "../claims/budapest-declaration-2008.md" in links(tokens)
    assert "**refutes:**" in markdown


def test_user_text_is_escaped_everywhere(cli) -> None:  # type: ignore[no-untyped-def]
    cli.ok("actor", "add", "Mallory | <b>", "--slug", "mallory", "--role", "role with *stars*")
    cli.ok("source", "add", "Title | with `ticks` [x]", "--slug", "src", "--publisher", "<i>pub</i>", "--author", "A|B")
    cli.ok("claim", "add", HOSTILE, "--slug", "hostile", "--claimant", "mallory", "--source", "src", "--tag", "x|y")
    cli.ok("claim", "add", "A counterclaim", "--slug", "counter", "--force")
    cli.ok("claim", "link", "counter", "rebuts", "hostile")
    cli.ok("evidence", "add", "hostile", "src", "--stance", "supports", "--quote", HOSTILE, "--speaker", "mallory")
    cli.ok("claim", "rate", "hostile", "false", "--rationale", "| broken | table |\n<img src=x>", "--label", "*x*")
    markdown = cli.ok("report", "hostile")
    tokens, _ = check_structure(markdown)
    assert headings(tokens)[0][1] == " ".join(HOSTILE.split())  # shown exactly as typed, on one line
    html = MarkdownIt("commonmark").enable("table").use(footnote_plugin).render(markdown)
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>bold</strong>" not in html and "<code>" not in html.split("Identifier")[0]


def test_output_files_are_not_overwritten_without_force(seeded, tmp_path, dump) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "report.md"
    target.write_text("my notes")
    assert "--force" in seeded.fails("report", "budapest-declaration-2008", "-o", str(target))
    assert target.read_text() == "my notes"
    seeded.ok("report", "budapest-declaration-2008", "-o", str(target), "--force")
    assert target.read_text().startswith("# NATO's 2008 promise")
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "keep.md").write_text("mine")
    assert "not empty" in seeded.fails("report", "--all", "-o", str(folder))
    assert "one of" in seeded.fails("report")
    assert "one of" in seeded.fails("report", "budapest-declaration-2008", "--all", "-o", str(tmp_path / "x"))
    assert "-o DIR" in seeded.fails("report", "--all")


def test_user_templates(seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "claim.md.j2").write_text("Claim: {{ d.claim.text | md }} ({{ d.evidence_counts.supports }} for)\n")
    assert seeded.ok("report", "budapest-declaration-2008", "--template-dir", str(templates)) == (
        "Claim: NATO's 2008 promise that Ukraine and Georgia would join the alliance is known as the Budapest "
        "Declaration (1 for)\n"
    )
    (templates / "claim.md.j2").write_text("{% if %}")
    assert "claim.md.j2, line 1" in seeded.fails(
        "report", "budapest-declaration-2008", "--template-dir", str(templates)
    )
    assert "source.md.j2 not found" in seeded.fails(
        "report", "--source", "moscow-times-russia-issues-demands", "--template-dir", str(templates)
    )
    assert "no template folder" in seeded.fails(
        "report", "budapest-declaration-2008", "--template-dir", str(tmp_path / "no")
    )


HOSTILE_URLS = {
    "quote": 'https://x/"><img src=x onerror=alert(1)>',
    "lines": "https://x/a\n# Injected heading\n<script>alert(1)</script>\n[link](javascript:alert(1))",
    "script": "javascript:alert(1)",
    "angle": "https://x/a> <b>bold</b> <https://evil/",
}


def test_urls_cannot_inject_html_headings_or_links(cli) -> None:  # type: ignore[no-untyped-def]
    cli.ok("claim", "add", "A claim with hostile sources", "--slug", "target")
    for slug, url in HOSTILE_URLS.items():
        cli.ok("source", "add", f"Source {slug}", "--slug", slug, "--url", url, "--archive-url", url)
        cli.ok("evidence", "add", "target", slug, "--stance", "refutes", "--quote", f"quote from {slug}")
    reports = [cli.ok("report", "target")] + [cli.ok("report", "--source", slug) for slug in HOSTILE_URLS]
    for markdown in reports:
        tokens, _ = check_structure(markdown)  # no html_inline or html_block anywhere
        assert all(tag == "h1" or not text.startswith("Injected") for tag, text in headings(tokens))
        assert "Injected heading" not in [text for _tag, text in headings(tokens)]
        for href in links(tokens):
            assert href.startswith(("https://", "../claims/")) or href.endswith(".md"), href
            assert not any(character in href for character in '"<> \n'), href
        html = MarkdownIt("commonmark").enable("table").use(footnote_plugin).render(markdown)
        assert "<img" not in html and "<script" not in html and "<b>" not in html
        assert 'href="javascript:' not in html
    dossier, _ = check_structure(reports[0])
    hrefs = links(dossier)
    assert "https://x/%22%3E%3Cimg%20src=x%20onerror=alert%281%29%3E" in hrefs  # a link, to the URL typed
    assert not any(href.lower().startswith("javascript") for href in hrefs)  # shown, never linked
    assert "javascript:alert(1)" in reports[0]


def test_a_slug_cannot_overwrite_another_report_file(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cli.ok("claim", "add", "The index claim", "--slug", "index")
    cli.ok("claim", "add", "A claim named like the folders", "--slug", "claims", "--force")
    cli.ok("source", "add", "A source named index", "--slug", "index")
    cli.ok("evidence", "add", "index", "index", "--stance", "supports", "--quote", "q")
    folder = tmp_path / "site"
    cli.ok("report", "--all", "-o", str(folder))
    assert (folder / "index.md").read_text().startswith("# Claims\n\n2 claims")
    assert (folder / "claims" / "index.md").read_text().startswith("# The index claim")
    assert (folder / "claims" / "claims.md").read_text().startswith("# A claim named like the folders")
    assert (folder / "sources" / "index.md").read_text().startswith("# A source named index")
    assert sorted(path.name for path in folder.iterdir()) == ["claims", "index.md", "sources"]
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "claims").write_text("a file where the claims folder goes")
    error = cli.fails("report", "--all", "-o", str(blocked), "--force")
    assert error.startswith(f"Error: cannot make folder {blocked / 'claims'}: ")


def test_broken_user_templates_are_named(seeded, tmp_path, dump) -> None:  # type: ignore[no-untyped-def]
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "claim.md.j2").write_bytes("Claim: {{ d.claim.text }} — caf\xe9\n".encode("latin-1", "replace"))
    error = seeded.fails("report", "budapest-declaration-2008", "--template-dir", str(templates))
    assert error.startswith("Error: template claim.md.j2 in ") and "is not UTF-8 text" in error
    (templates / "claim.md.j2").write_text('{% extends "claim.md.j2" %}')
    error = seeded.fails("report", "budapest-declaration-2008", "--template-dir", str(templates))
    assert error == "Error: template claim.md.j2 extends or includes itself (directly or through another template)"
    (templates / "claim.md.j2").write_text('{% include "other.md.j2" %}')
    (templates / "other.md.j2").write_text('{% include "claim.md.j2" %}')
    assert "includes itself" in seeded.fails("report", "budapest-declaration-2008", "--template-dir", str(templates))
    before = dump()
    assert "includes itself" in seeded.fails(
        "report", "--all", "-o", str(tmp_path / "s"), "--template-dir", str(templates)
    )
    assert dump() == before


def test_every_stance_and_relation_has_its_section(cli) -> None:  # type: ignore[no-untyped-def]
    from factcheck.models import Relation, Stance

    cli.ok("claim", "add", "The claim under review", "--slug", "main")
    cli.ok("source", "add", "A source", "--slug", "src")
    for stance in Stance:
        cli.ok("evidence", "add", "main", "src", "--stance", stance.value, "--quote", f"quote that {stance.value}")
    for relation in Relation:
        cli.ok("claim", "add", f"Another claim that {relation.value} it", "--slug", f"c-{relation.value}", "--force")
        cli.ok("claim", "link", f"c-{relation.value}", relation.value, "main")
    shown = cli.ok("claim", "show", "main")
    markdown = cli.ok("report", "main")
    titles = [text for _tag, text in headings(check_structure(markdown)[0])]
    for stance in Stance:
        assert f"{stance.value.capitalize()} (1)" in shown
        assert f"{stance.value.capitalize()} (1)" in titles
        assert f"quote that {stance.value}" in shown and f"quote that {stance.value}" in markdown
    for relation in Relation:
        assert f"Another claim that {relation.value} it" in shown
        assert f"Another claim that {relation.value} it" in markdown


@pytest.mark.parametrize(
    ("command", "vocabulary"),
    [
        (("claim", "link"), "Relation"),
        (("claim", "rate"), "Rating"),
        (("claim", "list"), "Rating"),
        (("actor", "add"), "ActorKind"),
        (("actor", "list"), "ActorKind"),
        (("evidence", "add"), "Stance"),
        (("source", "add"), "SourceKind"),
    ],
)
def test_help_lists_every_value_of_its_vocabulary(cli, command, vocabulary) -> None:  # type: ignore[no-untyped-def]
    from factcheck import models

    shown = " ".join(cli.ok(*command, "--help").split()).replace("- ", "-")  # help wraps after hyphens
    for member in getattr(models, vocabulary):
        assert member.value in shown, f"{' '.join(command)} --help does not mention {member.value}"
