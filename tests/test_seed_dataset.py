"""The bundled seed dataset: faithful to its documents, loadable, idempotent, transactional."""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
import yaml

from factcheck.interchange.dataset import default_seeds_dir
from tests.conftest import Run

DOCUMENTS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def normalise(text: str) -> str:
    """Whitespace and quote-mark style aside."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).translate(QUOTE_MARKS)).strip()


def _load(name: str) -> list[dict]:  # type: ignore[type-arg]
    return next(iter(yaml.safe_load((default_seeds_dir() / name).read_text()).values()))


@pytest.mark.skipif(not DOCUMENTS.is_dir(), reason="../shared/seeds is not beside this checkout")
def test_every_quote_stands_verbatim_in_its_document() -> None:
    documents = {
        source["slug"]: normalise((DOCUMENTS / source["document"]).read_text(encoding="utf-8"))
        for source in _load("sources.yaml")
        if source.get("document")
    }
    assert len(documents) == 5
    checked = 0
    for claim in _load("claims.yaml"):
        for evidence in claim.get("evidence", []):
            where = f"{claim['slug']}: {evidence['quote'][:50]!r}"
            assert evidence["source"] in documents, f"{where} cites a source with no document"
            document = documents[evidence["source"]]
            quote = normalise(evidence["quote"])
            assert quote in document, f"{where} is not in {evidence['source']}"
            anchored = normalise(evidence.get("prefix", "") + evidence["quote"] + evidence.get("suffix", ""))
            assert anchored in document, f"{where}: prefix/suffix do not surround the quote"
            checked += 1
    assert checked >= 80


def test_seed_is_idempotent_and_complete(cli, dump) -> None:  # type: ignore[no-untyped-def]
    first = cli.ok("seed")
    assert "added 25 actors, 12 sources, 26 claims, 89 evidence, 2 verdicts, 19 links, 10 events" in first
    after_first = dump()
    assert "added nothing" in cli.ok("seed")
    assert dump() == after_first

    dossier = cli.json("claim", "show", "nato-promised-no-eastward-expansion")
    assert dossier["claim"]["claimant"]["name"] == "Vladimir Putin"
    assert dossier["verdict"]["rating"] == "misleading"
    counts = dossier["evidence_counts"]
    assert counts["supports"] >= 3 and counts["refutes"] >= 2 and counts["qualifies"] >= 3
    counterclaims = {c["slug"] for c in dossier["counterclaims"]}
    assert {
        "no-enlargement-guarantee-sought-or-given",
        "charter-and-founding-act-confirm-no-guarantee",
    } <= counterclaims
    speakers = {e["speaker"]["name"] for rows in dossier["evidence"].values() for e in rows if e["speaker"]}
    assert {"James Sherr", "James Baker", "Mikhail Gorbachev", "Vladimir Putin"} <= speakers

    budapest = cli.json("claim", "show", "budapest-declaration-2008")
    assert budapest["verdict"]["rating"] == "false"
    assert budapest["counterclaims"][0]["slug"] == "bucharest-summit-2008-promise"

    republished = cli.json("source", "show", "london-daily-russia-lays-out-demands")
    assert republished["republishes"] == "nyt-russia-lays-out-demands"
    assert republished["published_on"] == "2025-12-24"


def test_init_seed_loads_the_bundled_dataset(tmp_path: Path) -> None:
    run = Run(tmp_path / "fresh.db")
    output = run.ok("init", "--seed")
    assert "Created" in output and "26 claims" in output
    assert len(run.json("claim", "list")) == 26


@pytest.mark.skipif(not DOCUMENTS.is_dir(), reason="../shared/seeds is not beside this checkout")
def test_seed_with_texts_archives_the_documents(cli) -> None:  # type: ignore[no-untyped-def]
    cli.ok("seed", "--texts", str(DOCUMENTS))
    source = cli.json("source", "show", "moscow-times-russia-issues-demands")
    assert source["has_text"] and len(source["text_sha256"]) == 64
    assert not cli.json("source", "show", "nyt-russia-lays-out-demands")["has_text"]
    # Every seed quote is found, exactly, at the offsets its prefix and suffix point to.
    result = cli.json("verify")
    assert result["changed"] == [] and result["totals"]["verified"] == 89
    rows = cli.json("evidence", "list", "--claim", "about-100000-troops-near-ukraine")
    assert all(row["quote_status"] == "verified" and row["start"] is not None for row in rows)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda text: text.replace("stance: refutes", "stance: denies", 1), "unknown stance 'denies'"),
        (lambda text: text.replace("stated_on: '2021-12-01'", "stated_on: '2021-13-01'", 1), "impossible date"),
        (
            lambda text: text.replace("  claimant: vladimir-putin", "  claimant: vladimir-putn", 1),
            "no actor 'vladimir-putn'",
        ),
        (lambda text: text.replace("  note: Putin's", "  notes: Putin's", 1), "unknown field 'notes'"),
        (lambda text: text.replace("claims:\n", "claims:\n- slug: no-text\n", 1), "missing required field 'text'"),
        (lambda text: text + "\n  - [unclosed\n", "not valid YAML"),
    ],
)
def test_a_bad_dataset_loads_nothing_and_names_the_record(cli, dump, tmp_path, edit, expected) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken"
    shutil.copytree(default_seeds_dir(), broken)
    claims = broken / "claims.yaml"
    claims.write_text(edit(claims.read_text()))
    before = dump()
    error = cli.fails("seed", str(broken))
    assert expected in error
    assert "claims.yaml" in error
    assert dump() == before
