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
