"""Argument maps out: Argdown (checked with Argdown's own parser), AIF, DOT, the mermaid picture in
every claim report, and reviewers' verdicts side by side."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from factcheck import db
from tests.conftest import Run

ARGDOWN_DIR = Path(__file__).parent / "argdown"
HOSTILE = (
    'He said "NATO [won\'t] move" -> east; {x: 1} --> @[ref] #tag <arg>: //c /* c */ <!-- c --> '
    "*bold* _it_ .x. :y: (p) a\\b `tick` ``` fence [^1] | pipe & amp; end\nsecond line"
)
# Argdown model relation types for our links (statement to statement), as the parser reports them.
ARGDOWN_TYPES = {"rebuts": "attack", "supports": "support", "qualifies": "undercut", "duplicates": "support"}


def argdown_model(path: Path) -> dict[str, Any]:
    """The model Argdown's own parser (@argdown/core, run by node) makes of a file."""
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed"
    elif not (ARGDOWN_DIR / "node_modules" / "@argdown" / "core").is_dir():
        missing = "@argdown/core is not installed: run npm ci --prefix tests/argdown"
    if missing or node is None:
        missing = missing or "node is not installed"
        if os.environ.get("FACTCHECK_REQUIRE_NODE") == "1":
            pytest.fail(f"FACTCHECK_REQUIRE_NODE=1 but {missing}")
        pytest.skip(missing)
    done = subprocess.run(
        [node, str(ARGDOWN_DIR / "parse.js"), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    model: dict[str, Any] = json.loads(done.stdout)
    return model


@pytest.fixture
def seeded(cli: Run) -> Run:
    cli.ok("init", "--seed")
    return cli


def fresh(tmp_path: Path, name: str) -> Run:
    path = tmp_path / name
    db.upgrade(db.resolve_url(str(path)))
    return Run(path)


def dataset(cli: Run) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(cli.ok("export", "--format", "json"))
    return document


def links_of(cli: Run) -> list[tuple[str, str, str]]:
    rows = dataset(cli)["links"]
    return [(row["from"], row["relation"], row["to"]) for row in rows]


def add_hostile(cli: Run) -> None:
    cli.ok("claim", "add", HOSTILE, "--slug", "hostile", "--tag", "weird (tag)", "--tag", "NATO enlargement", "--force")
    cli.ok("claim", "link", "hostile", "rebuts", "nato-promised-no-eastward-expansion")
    cli.ok("claim", "link", "hostile", "duplicates", "west-deceived-russia-five-waves")


# --- Argdown --------------------------------------------------------------------------------------


def test_argdown_export_parses_and_every_link_is_one_relation(seeded: Run, tmp_path: Path) -> None:
    add_hostile(seeded)
    out = tmp_path / "map.argdown"
    seeded.ok("export", "--format", "argdown", "-o", str(out))
    model = argdown_model(out)
    assert model["errors"] == []

    claims = {row["slug"]: row for row in dataset(seeded)["claims"]}
    statements = {s["title"]: s for s in model["statements"]}
    assert set(statements) == set(claims)
    for slug, claim in claims.items():
        text = next(t for t in statements[slug]["texts"] if t)
        flat = " ".join(claim["text"].split())
        assert text == flat or text.startswith(flat + " #("), (slug, text)  # Argdown keeps #tags in the text
        assert set(statements[slug]["tags"]) | set((statements[slug]["data"] or {}).get("tags", [])) == set(
            claim.get("tags", [])
        )
    hostile = statements["hostile"]
    assert hostile["tags"] == ["NATO enlargement"] and hostile["data"]["tags"] == ["weird (tag)"]
    assert hostile["data"]["duplicates"] == ["west-deceived-russia-five-waves"]

    between_claims = [r for r in model["relations"] if r["fromType"] == r["toType"] == "equivalence-class"]
    expected = Counter((a, ARGDOWN_TYPES[rel], b) for a, rel, b in links_of(seeded))
    assert Counter((r["from"], r["type"], r["to"]) for r in between_claims) == expected
    assert len(between_claims) == len(links_of(seeded)) == 21

    evidence = [e for claim in claims.values() for e in claim.get("evidence", [])]
    arguments = {a["title"]: a for a in model["arguments"]}
    assert len(arguments) == len(evidence)
    from_evidence = Counter(r["type"] for r in model["relations"] if r["fromType"] == "argument")
    stances = Counter(e["stance"] for e in evidence)
    assert from_evidence == {
        "support": stances["supports"],
        "attack": stances["refutes"],
        "undercut": stances["qualifies"],
    }
    quoted = next(a for a in arguments.values() if a["data"]["speaker"] == "james-baker")
    assert set(quoted["data"]) >= {"stance", "source", "speaker", "speaker_name", "source_title", "quote_status"}
    context = [a for a in arguments.values() if a["data"]["stance"] == "context"]
    assert context and all(a["data"]["claim"] in claims for a in context)  # standing alone, they name their claim


def test_argdown_export_of_some_claims_has_what_they_link_to(seeded: Run, tmp_path: Path) -> None:
    text = seeded.ok("export", "--format", "argdown", "--claim", "baker-assurance-only-east-germany")
    titles = re.findall(r"^\[([a-z0-9-]+)\]:", text, re.MULTILINE)
    assert titles == [
        "nato-promised-no-eastward-expansion",
        "baker-assurance-only-east-germany",
        "gorbachev-confirmed-no-guarantee",
    ]
    out = tmp_path / "some.argdown"
    out.write_text(text, encoding="utf-8")
    model = argdown_model(out)
    assert model["errors"] == []
    assert {(r["from"], r["type"], r["to"]) for r in model["relations"] if r["fromType"] == "equivalence-class"} == {
        ("baker-assurance-only-east-germany", "undercut", "nato-promised-no-eastward-expansion"),
        ("baker-assurance-only-east-germany", "undercut", "gorbachev-confirmed-no-guarantee"),
    }
    tagged = seeded.ok("export", "--format", "argdown", "--tag", "December 2021 demands")
    assert "[nato-promised-no-eastward-expansion]:" in tagged


def small_map(cli: Run) -> None:
    cli.ok("claim", "add", "NATO promised no expansion", "--slug", "promise", "--tag", "1990", "--date", "2021-12")
    cli.ok("claim", "add", HOSTILE, "--slug", "hostile", "--tag", "weird (tag)", "--force")
    cli.ok("claim", "add", "Only East Germany was discussed", "--slug", "east-germany", "--force")
    cli.ok("claim", "add", "The West promised not to expand", "--slug", "west-promised", "--force")
    cli.ok("claim", "link", "hostile", "rebuts", "promise", "--note", 'a note with "quotes" and {braces} }')
    cli.ok("claim", "link", "east-germany", "qualifies", "promise")
    cli.ok("claim", "link", "promise", "supports", "hostile")
    cli.ok("claim", "link", "west-promised", "duplicates", "promise")


def test_argdown_round_trip(cli: Run, tmp_path: Path) -> None:
    small_map(cli)
    first = cli.ok("export", "--format", "argdown")
    path = tmp_path / "map.argdown"
    path.write_text(first, encoding="utf-8")
    assert argdown_model(path)["errors"] == []
    other = fresh(tmp_path, "other.db")
    other.ok("import", str(path))  # the format is read from the .argdown suffix
    assert other.ok("export", "--format", "argdown") == first
    assert sorted(links_of(other)) == sorted(links_of(cli))
    [note] = [link["note"] for link in dataset(other)["links"] if link["from"] == "hostile"]
    assert note == 'a note with "quotes" and {braces} }'
    claims = {c["slug"]: c for c in dataset(other)["claims"]}
    assert claims["promise"]["tags"] == ["1990"] and claims["promise"]["stated_on"] == "2021-12"
    assert claims["hostile"]["text"] == " ".join(HOSTILE.split())  # a line break becomes a space
    assert claims["hostile"]["tags"] == ["weird (tag)"]


def test_argdown_import_of_the_seed_export(seeded: Run, tmp_path: Path) -> None:
    path = tmp_path / "seed.argdown"
    path.write_text(seeded.ok("export", "--format", "argdown"), encoding="utf-8")
    other = fresh(tmp_path, "other.db")
    result = other("import", str(path), "--format", "argdown")
    assert result.exit_code == 0, result.output
    assert "arguments (evidence) were read but not imported" in result.output
    assert sorted(links_of(other)) == sorted(links_of(seeded))
    assert len(other.json("claim", "list")) == len(seeded.json("claim", "list"))


def test_argdown_written_by_hand_comes_home(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "hand.argdown"
    path.write_text(
        "# A heading\n\n"
        "[a]: Claim A #disputed\n"
        "  - [b]: Claim B attacks it\n"
        "    + [c]: Claim C supports B\n"
        "  <_ [d]: Claim D qualifies A\n"
        "  + <An argument>: not imported\n"
        "// a comment\n",
        encoding="utf-8",
    )
    cli.ok("import", str(path), "--format", "argdown")
    assert sorted(links_of(cli)) == [("b", "rebuts", "a"), ("c", "supports", "b"), ("d", "qualifies", "a")]
    assert cli.json("claim", "show", "a")["claim"]["tags"] == ["disputed"]


def test_argdown_unknown_syntax_is_named_by_line_and_nothing_written(
    seeded: Run, tmp_path: Path, dump: Callable[[], list[str]]
) -> None:
    path = tmp_path / "bad.argdown"
    path.write_text(
        "[new-claim]: A new claim\n  >< [nato-promised-no-eastward-expansion]\nwhat is this\n[Bad Title]: x\n",
        encoding="utf-8",
    )
    before = dump()
    error = seeded.fails("import", str(path), "--format", "argdown")
    assert "line 2: >< (contradiction) is not a claim link" in error
    assert "line 3: not understood: 'what is this'" in error
    assert "line 4: [Bad Title] is not a claim slug" in error
    assert "nothing was imported" in error
    assert dump() == before


# --- AIF ------------------------------------------------------------------------------------------


def test_aif_structure(seeded: Run) -> None:
    add_hostile(seeded)
    aif = json.loads(seeded.ok("export", "--format", "aif"))
    nodes = {node["nodeID"]: node for node in aif["nodes"]}
    assert len(nodes) == len(aif["nodes"])
    assert {node["type"] for node in aif["nodes"]} <= {"I", "RA", "CA", "MA", "L", "YA"}
    for edge in aif["edges"]:
        assert edge["fromID"] in nodes and edge["toID"] in nodes, edge
    into: dict[str, list[str]] = {}
    out_of: dict[str, list[str]] = {}
    for edge in aif["edges"]:
        out_of.setdefault(edge["fromID"], []).append(edge["toID"])
        into.setdefault(edge["toID"], []).append(edge["fromID"])
    for node_id, node in nodes.items():
        if node["type"] in ("RA", "CA", "MA"):
            premises = [nodes[p]["type"] for p in into.get(node_id, [])]
            assert premises.count("I") == 1, node  # one premise, an I-node
            assert set(premises) <= {"I", "CA"}, node  # and what undercuts this inference
            assert len(out_of.get(node_id, [])) == 1, node  # one conclusion
            assert nodes[out_of[node_id][0]]["type"] in ("I", "RA"), node
        if node["type"] == "I":  # information nodes connect only through scheme nodes
            assert all(nodes[n]["type"] != "I" for n in out_of.get(node_id, []))
    claims = dataset(seeded)["claims"]
    i_texts = [node["text"] for node in aif["nodes"] if node["type"] == "I"]
    evidence = [e for claim in claims for e in claim.get("evidence", [])]
    assert len(i_texts) == len(claims) + len(evidence)
    assert HOSTILE in i_texts
    schemes = Counter(node["scheme"] for node in aif["nodes"] if "scheme" in node)
    links = Counter(rel for _a, rel, _b in links_of(seeded))
    assert schemes["duplicates"] == links["duplicates"] == 1
    assert schemes["rebuts"] == links["rebuts"] + sum(e["stance"] == "refutes" for e in evidence)
    # A qualification limits the inferences towards the claim it qualifies.
    baker = next(n["nodeID"] for n in aif["nodes"] if n.get("claim") == "baker-assurance-only-east-germany")
    aimed = [nodes[out_of[ca][0]]["type"] for ca in out_of[baker] if nodes[ca].get("scheme") == "qualifies"]
    assert aimed and set(aimed) == {"RA"}
    locutions = {loc["nodeID"]: loc for loc in aif["locutions"]}
    assert all(nodes[node_id]["type"] == "L" for node_id in locutions)
    assert len(locutions) == len(evidence)
    baker_said = [loc for loc in locutions.values() if loc["speaker"] == "James Baker"]
    assert baker_said and baker_said[0]["source"] == "london-daily-russia-lays-out-demands"


# --- DOT and mermaid ------------------------------------------------------------------------------

_DOT_STRING = r'"(?:[^"\\\n]|\\.)*"'


def test_dot_export_escapes_labels(seeded: Run) -> None:
    add_hostile(seeded)
    text = seeded.ok("export", "--format", "dot")
    lines = text.splitlines()
    assert lines[0] == "digraph claims {" and lines[-1] == "}"
    node = re.compile(rf"  {_DOT_STRING} \[label={_DOT_STRING}\];")
    edge = re.compile(rf"  {_DOT_STRING} -> {_DOT_STRING} \[label={_DOT_STRING}, [^\]]*\];")
    body = lines[3:-1]
    assert all(node.fullmatch(line) or edge.fullmatch(line) for line in body), body
    assert sum(bool(edge.fullmatch(line)) for line in body) == len(links_of(seeded))
    assert r"He said \"NATO [won" in text and r"a\\b" in text


def mermaid_blocks(markdown: str) -> list[list[str]]:
    """The lines of each ```mermaid block, checking that every fence is closed."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in markdown.splitlines():
        if current is None and line == "```mermaid":
            current = []
        elif current is not None and line == "```":
            blocks.append(current)
            current = None
        elif current is not None:
            assert "`" not in line, line
            current.append(line)
    assert current is None
    return blocks


def test_report_carries_a_mermaid_block_that_hostile_text_cannot_break(seeded: Run, tmp_path: Path) -> None:
    add_hostile(seeded)
    report = seeded.ok("report", "hostile")
    assert report.count("```") == 2
    [block] = mermaid_blocks(report)
    assert block[0] == "flowchart LR"
    label = re.compile(r'  c\d+\["[^"\[\]{}<>|`;#]*(?:#(?:quot|\d+);[^"\[\]{}<>|`;#]*)*"\]')
    arrow = re.compile(r"  c\d+ -->\|(rebuts|supports|qualifies|duplicates)\| c\d+")
    nodes = [line for line in block[1:] if label.fullmatch(line)]
    arrows = [line for line in block[1:] if arrow.fullmatch(line)]
    assert len(nodes) + len(arrows) + 1 == len(block) - 1, block  # and the focus style
    assert block[-1].startswith("  style c") and block[-1].endswith(" stroke-width:3px")
    hostile = next(line for line in nodes if "He said" in line)
    assert "#quot;NATO #91;won't#93; move#quot;" in hostile
    assert len(nodes) == 3 and len(arrows) == 2  # the claim, the two it links to, and those links

    seeded.ok("report", "--all", "-o", str(tmp_path / "site"))
    slug = "nato-promised-no-eastward-expansion"
    page = (tmp_path / "site" / "claims" / f"{slug}.md").read_text(encoding="utf-8")
    [block] = mermaid_blocks(page)
    touching = [link for link in links_of(seeded) if slug in (link[0], link[2])]
    assert sum("-->|" in line for line in block) == len(touching) == 6
    assert sum('["' in line for line in block) == 1 + len({a if b == slug else b for a, _r, b in touching})


# --- reviewers side by side -----------------------------------------------------------------------


def test_reviewers_side_by_side_in_claim_show_and_reports(seeded: Run) -> None:
    seeded.ok("actor", "add", "AFP", "--kind", "outlet", "--slug", "afp")
    seeded.ok("actor", "add", "PolitiFact", "--kind", "outlet", "--slug", "politifact")
    claim = "west-deceived-russia-five-waves"
    seeded.ok("claim", "rate", claim, "false", "--reviewer", "afp", "--rationale", "no such promise")
    shown = seeded.ok("claim", "show", claim)
    assert "reviewers" not in shown  # one reviewer: nothing to compare
    seeded.ok("claim", "rate", claim, "mixed", "--reviewer", "politifact", "--rationale", "partly")
    expected = "2 reviewers disagree: false (AFP), mixed (PolitiFact)"
    assert expected in " ".join(seeded.ok("claim", "show", claim).split())
    assert expected + "." in seeded.ok("report", claim)
    seeded.ok("claim", "rate", claim, "false", "--reviewer", "politifact", "--rationale", "on reflection")
    assert "2 reviewers agree: false (AFP), false (PolitiFact)" in " ".join(seeded.ok("claim", "show", claim).split())


def test_argdown_import_names_claims_it_cannot_find(seeded: Run, tmp_path: Path, dump: Callable[[], list[str]]) -> None:
    path = tmp_path / "refs.argdown"
    path.write_text(
        "[new-claim]: A new claim that rebuts one already there\n"
        "  -> [nato-promised-no-eastward-expansion]\n"
        "  +> [nowhere-to-be-found]\n",
        encoding="utf-8",
    )
    before = dump()
    error = seeded.fails("import", str(path))
    assert "nowhere-to-be-found" in error
    assert dump() == before
    path.write_text(path.read_text(encoding="utf-8").replace("  +> [nowhere-to-be-found]\n", ""), encoding="utf-8")
    seeded.ok("import", str(path))
    assert ("new-claim", "rebuts", "nato-promised-no-eastward-expansion") in links_of(seeded)


def test_argdown_import_refuses_bad_data_and_open_front_matter(
    cli: Run, tmp_path: Path, dump: Callable[[], list[str]]
) -> None:
    path = tmp_path / "data.argdown"
    before = dump()
    path.write_text("[a]: Text {not: [closed}\n", encoding="utf-8")
    assert "line 1: data" in cli.fails("import", str(path))
    path.write_text("===\ntitle: x\n[a]: Text\n", encoding="utf-8")
    assert "line 1: front matter (===) is not closed" in cli.fails("import", str(path))
    path.write_bytes(b"[a]: caf\xe9\n")
    assert "not UTF-8" in cli.fails("import", str(path))
    assert dump() == before


def test_aif_and_dot_of_some_claims(seeded: Run) -> None:
    aif = json.loads(seeded.ok("export", "--format", "aif", "--claim", "baker-assurance-only-east-germany"))
    claims = {node["claim"] for node in aif["nodes"] if "claim" in node}
    assert claims == {
        "baker-assurance-only-east-germany",
        "nato-promised-no-eastward-expansion",
        "gorbachev-confirmed-no-guarantee",
    }
    dot = seeded.ok("export", "--format", "dot", "--tag", "1990 assurances")
    assert '"baker-assurance-only-east-germany" -> "nato-promised-no-eastward-expansion"' in dot


def test_node_check_is_skipped_with_its_reason_or_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    monkeypatch.delenv("FACTCHECK_REQUIRE_NODE", raising=False)
    with pytest.raises(pytest.skip.Exception, match="node is not installed"):
        argdown_model(tmp_path / "any.argdown")
    monkeypatch.setenv("FACTCHECK_REQUIRE_NODE", "1")
    with pytest.raises(pytest.fail.Exception, match="FACTCHECK_REQUIRE_NODE=1 but node is not installed"):
        argdown_model(tmp_path / "any.argdown")
