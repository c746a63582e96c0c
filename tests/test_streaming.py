"""Import and export stream: datasets larger than a batch, sections in any order, errors found far
into a file, and output files that never appear half-written."""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from factcheck import db
from factcheck.interchange.dataset.export import export_dataset
from factcheck.interchange.dataset.loader_bulk import BATCH
from factcheck.interchange.dataset.streaming import READ
from tests.conftest import Run
from tests.test_interchange import generated_dataset

CLAIMS = 2 * BATCH + 500  # three batches, the last one partial


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    return generated_dataset(5, claims=CLAIMS)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, generated: dict) -> Run:  # type: ignore[type-arg]
    folder = tmp_path_factory.mktemp("loaded")
    file = folder / "generated.json"
    file.write_text(json.dumps(generated, ensure_ascii=False))
    run = Run(folder / "loaded.db")
    run.ok("init")
    run.ok("import", str(file))
    return run


def whole_document(path: Path, format: str) -> str:
    """The export as the whole document dumped at once, by the libraries themselves."""
    with db.session_scope(db.resolve_url(str(path))) as session:
        document = export_dataset(session)
    if format == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return yaml.dump(document, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False, width=100)


@pytest.mark.parametrize("format", ["yaml", "json"])
def test_a_streamed_export_is_the_whole_document_and_imports_back_the_same(loaded, tmp_path, format) -> None:  # type: ignore[no-untyped-def]
    exported = tmp_path / f"export.{format}"
    loaded.ok("export", "--format", format, "-o", str(exported))
    text = exported.read_text(encoding="utf-8")
    assert text == whole_document(loaded.path, format)
    assert text.count("\n- slug: claim-" if format == "yaml" else '"slug": "claim-') == CLAIMS

    other = Run(tmp_path / "other.db")
    other.ok("init")
    assert f"{CLAIMS} claims" in other.ok("import", str(exported))
    assert other.ok("export", "--format", format) == text
    assert "added nothing" in other.ok("import", str(exported))


def test_sections_in_any_order_and_an_alias_to_an_earlier_section(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Claims come first, sources last; the claim's source is an alias of an anchor in the links'
    # section, which the loader reads after the sources: the file is read again from its start.
    file = tmp_path / "odd.yaml"
    file.write_text(
        "claims:\n"
        "- {slug: c1, text: One, claimant: a1, stated_in: s1, evidence: [{source: s1, stance: supports, quote: two}]}\n"
        "- {slug: c2, text: Two, stated_in: *src}\n"
        "links:\n- {from: c1, relation: rebuts, to: c2, note: &src s1}\n"
        "actors:\n- {slug: a1, name: A}\n"
        "sources:\n- {slug: s2, title: Copy, republishes: s1}\n- {slug: s1, title: S, text: one two three}\n"
    )
    cli = Run(tmp_path / "odd.db")
    cli.ok("init")
    error = cli.fails("import", str(file))
    assert "found undefined alias" in error  # an alias before its anchor is an error, as in YAML

    file.write_text(file.read_text().replace("stated_in: *src", "stated_in: s1").replace("note: &src s1", "note: n"))
    assert "added 1 actors, 2 sources, 2 claims, 1 evidence" in cli.ok("import", str(file))
    assert cli.json("source", "show", "s2")["republishes"] == "s1"
    assert cli.json("evidence", "list")[0]["quote_status"] == "verified"


def test_an_anchor_in_a_section_read_later_serves_an_alias_in_one_read_first(tmp_path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "anchors.yaml"
    file.write_text(
        "claims:\n- {slug: c1, text: &said One claim}\n"
        "actors:\n- {slug: a1, name: *said}\n"  # actors are loaded first: the claims are passed over
    )
    cli = Run(tmp_path / "anchors.db")
    cli.ok("init")
    cli.ok("import", str(file))
    assert [actor["name"] for actor in cli.json("actor", "list")] == ["One claim"]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("twice.yaml", "claims: []\nactors: []\nclaims: []\n", "section 'claims' appears twice"),
        ("twice.json", '{"claims": [], "claims": []}', "section 'claims' appears twice"),
        ("list.json", "[1, 2]", "expected a mapping with the sections"),
        ("other.json", '{"claims": [], "people": []}', "expected a mapping with the sections"),
        ("notlist.json", '{"claims": {"slug": "x"}}', "section 'claims' must be a list"),
        ("trailing.json", '{"claims": []} []', "not valid JSON at line 1: Extra data"),
        ("two.yaml", "claims: []\n---\nactors: []\n", "not valid YAML at line 2: expected a single document"),
    ],
)
def test_the_shape_of_a_file_is_checked_before_anything_is_loaded(tmp_path, name, content, expected) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / name
    file.write_text(content)
    cli = Run(tmp_path / "shape.db")
    cli.ok("init")
    assert expected in cli.fails("import", str(file))


def test_empty_files_hold_no_records(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "a.yaml").write_text("# nothing yet\n")
    (folder / "b.json").write_text("null")
    (folder / "c.yaml").write_text("actors:\n- {slug: a1, name: A}\n")
    cli = Run(tmp_path / "empty.db")
    cli.ok("init")
    assert "added 1 actors" in cli.ok("import", str(folder))


def test_a_slug_twice_in_different_batches_is_refused_and_nothing_is_written(tmp_path, generated) -> None:  # type: ignore[no-untyped-def]
    claims = [*generated["claims"][: BATCH + 10], dict(generated["claims"][3])]
    file = tmp_path / "twice.json"
    file.write_text(json.dumps({**generated, "claims": claims}))
    cli = Run(tmp_path / "twice.db")
    cli.ok("init")
    before = list(sqlite3.connect(tmp_path / "twice.db").iterdump())
    error = cli.fails("import", str(file))
    assert f"claims #{BATCH + 11} 'claim-3': slug 'claim-3' appears twice in the dataset" in error
    assert list(sqlite3.connect(tmp_path / "twice.db").iterdump()) == before


def test_references_forward_across_batches(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A source republishes one that comes a batch later; a link names claims of the last batch.
    sources = [{"slug": "copy", "title": "Copy", "republishes": f"s-{BATCH + 5}"}]
    sources += [{"slug": f"s-{i}", "title": f"S {i}", "url": f"https://example.org/{i}"} for i in range(BATCH + 10)]
    claims = [{"slug": f"c-{i}", "text": f"Claim {i}"} for i in range(BATCH + 10)]
    links = [{"from": "c-0", "relation": "rebuts", "to": f"c-{BATCH + 9}"}]
    file = tmp_path / "forward.yaml"
    file.write_text(yaml.safe_dump({"sources": sources, "claims": claims, "links": links}, sort_keys=False))
    cli = Run(tmp_path / "forward.db")
    cli.ok("init")
    cli.ok("import", str(file))
    assert cli.json("source", "show", "copy")["republishes"] == f"s-{BATCH + 5}"
    assert "added nothing" in cli.ok("import", str(file))

    # The same URL twice, a batch apart, is refused.
    sources[-1]["url"] = "https://example.org/3"
    sources[-1]["slug"] = "another"
    file.write_text(yaml.safe_dump({"sources": sources}, sort_keys=False))
    assert "already has the URL https://example.org/3" in cli.fails("import", str(file))


def test_a_json_error_far_into_a_file_names_its_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    claims = [{"slug": f"c-{i}", "text": "é" * 200} for i in range(3 * READ // 200)]
    text = json.dumps({"claims": claims}, ensure_ascii=False, indent=1)
    lines = text.split("\n")
    broken = max(number for number, line in enumerate(lines) if '"text"' in line) - 40
    assert '"text"' in lines[broken] and len(text) > 2 * READ
    lines[broken] = lines[broken].replace('"text"', "text")
    file = tmp_path / "broken.json"
    file.write_text("\n".join(lines), encoding="utf-8")
    cli = Run(tmp_path / "broken.db")
    cli.ok("init")
    error = cli.fails("import", str(file))
    assert f"broken.json: not valid JSON at line {broken + 1}: Expecting property name" in error


def test_a_failed_export_leaves_the_file_that_was_there(seeded_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out.json"
    out.write_text("the old export\n")
    connection = sqlite3.connect(seeded_path)
    with connection:
        connection.execute("UPDATE verdicts SET rating_value = 9e999 WHERE id = (SELECT max(id) FROM verdicts)")
    connection.close()
    Run(seeded_path).fails("export", "--format", "json", "-o", str(out), "--force")
    assert out.read_text() == "the old export\n"
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".out")) == []


@pytest.mark.parametrize("format", ["yaml", "csv"])
def test_an_export_that_cannot_be_finished_leaves_no_file(seeded_path, tmp_path, format) -> None:  # type: ignore[no-untyped-def]
    # The file size limit stands in for a full disk: the write fails part way, in a real process.
    out = tmp_path / ("out" if format == "csv" else "out.yaml")

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    result = subprocess.run(
        [sys.executable, "-m", "factcheck", "--db", str(seeded_path), "export", "--format", format, "-o", str(out)],
        capture_output=True,
        text=True,
        preexec_fn=small_files,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "cannot write" in result.stderr and "Traceback" not in result.stderr
    left = [path for path in (out.iterdir() if out.is_dir() else [out]) if path.exists() and path.stat().st_size]
    assert [path.name for path in left if path.name.endswith(".yaml") or path.name == "evidence.csv"] == []
    assert [path.name for path in tmp_path.rglob("*.partial")] == []


@pytest.fixture
def seeded_path(tmp_path: Path) -> Path:
    path = tmp_path / "seeded.db"
    Run(path).ok("init", "--seed")
    return path


def test_a_folder_of_many_files_never_holds_them_all_open(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(60):
        (folder / f"f{number:03}.yaml").write_text(
            f"claims:\n- {{slug: c{number}, text: Claim {number}, claimant: a{number}}}\n"
            f"actors:\n- {{slug: a{number}, name: Actor {number}}}\n"
        )
    script = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48)); "
        "from factcheck.cli import main; sys.argv = sys.argv[1:]; main()"
    )
    db_file = tmp_path / "many.db"
    Run(db_file).ok("init")
    result = subprocess.run(
        [sys.executable, "-c", script, "factcheck", "--db", str(db_file), "import", str(folder), "--no-index"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert result.returncode == 0, result.stderr
    assert "added 60 actors, 60 claims" in result.stdout


def test_a_json_file_may_start_with_a_byte_order_mark_and_huge_numbers_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cli = Run(tmp_path / "bom.db")
    cli.ok("init")
    file = tmp_path / "bom.json"
    file.write_text('\ufeff{"actors": [{"slug": "a1", "name": "A"}]}', encoding="utf-8")
    assert "added 1 actors" in cli.ok("import", str(file))
    file.write_text('{"claims": [{"slug": "x", "text": "X", "note": ' + "9" * 5000 + "}]}")
    assert "bom.json: not valid JSON at line 1: Exceeds the limit" in cli.fails("import", str(file))


def test_an_export_follows_a_symbolic_link_and_writes_into_a_pipe(seeded_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    target, link = tmp_path / "target.yaml", tmp_path / "link.yaml"
    target.write_text("old\n")
    link.symlink_to(target)
    Run(seeded_path).ok("export", "-o", str(link), "--force")
    assert link.is_symlink() and target.read_text().startswith("actors:")

    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    reader = subprocess.Popen(["cat", str(pipe)], stdout=subprocess.PIPE)
    Run(seeded_path).ok("export", "-o", str(pipe), "--force")
    assert reader.communicate(timeout=60)[0].decode() == target.read_text()
    assert pipe.is_fifo()
