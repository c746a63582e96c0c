"""`report --all` reads a page of claims at a time and writes each file whole. What it writes is what
the one-claim path gives (render_claim: show_claim and claim_graph per claim; render_source; the
index from list_claims and list_sources), byte for byte, on the seed data and on a few thousand
generated claims; a full disk or an interruption leaves no half-written file."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from factcheck import db
from factcheck.models import Claim, QuoteStatus, Source, Tag, claim_tags
from factcheck.reports import environment, render_claim, render_source, write_all
from factcheck.services.claim_lists import list_claims
from factcheck.services.sources import list_sources

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def seeded(cli):  # type: ignore[no-untyped-def]
    cli.ok("seed")
    return cli


def one_at_a_time(url: str, claims: list[str] | None = None) -> dict[str, str]:
    """The files of `report --all` as the one-claim renderers give them (of `claims` only, when given)."""
    files = {}
    with db.session_scope(url) as session:
        for slug in claims if claims is not None else session.scalars(select(Claim.slug)):
            files[f"claims/{slug}.md"] = render_claim(session, slug)
        for slug in session.scalars(select(Source.slug)):
            files[f"sources/{slug}.md"] = render_source(session, slug)
        groups = []
        for slug, name in session.execute(select(Tag.slug, Tag.name).order_by(Tag.name)).all():
            if rows := list(list_claims(session, tag=slug)):
                groups.append({"name": name, "claims": rows})
        untagged = list(
            list_claims(session, ids=select(Claim.id).where(Claim.id.not_in(select(claim_tags.c.claim_id))))
        )
        if untagged:
            groups.append({"name": "Untagged", "claims": untagged})
        total = len(session.scalars(select(Claim.id)).all())
        files["index.md"] = (
            environment(None)
            .get_template("index.md.j2")
            .render(groups=groups, total=total, sources=list_sources(session))
        )
    return files


def written(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): path.read_text(encoding="utf-8") for path in folder.rglob("*.md")}


def test_every_seed_report_is_what_the_one_claim_renderer_writes(any_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    any_cli.ok("seed")
    folder = tmp_path / "reports"
    any_cli.ok("report", "--all", "-o", str(folder))
    expected = one_at_a_time(db.resolve_url(str(any_cli.path)))
    assert written(folder) == expected
    assert len(expected) > 30


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """3,000 generated claims over several pages: three tags of about 800 claims each (a tag's
    index rows span pages), untagged claims, links of every kind, verdicts by two reviewers,
    quotes not found, a republished source."""
    sys.path.insert(0, str(BENCHMARKS))
    from generate import generate

    from factcheck.interchange.dataset import SECTIONS, add_records, load_records
    from factcheck.models import Evidence

    dataset = generate(3000, seed=11)
    relations = ("rebuts", "supports", "qualifies", "duplicates")
    for number, claim in enumerate(dataset["claims"]):
        claim["tags"] = [f"topic {number % 3}"] if number % 4 else []
        for verdict in claim.get("verdicts", []):
            verdict["reviewer"] = f"actor-{number % 2}"
        if number % 5 == 0:
            claim.setdefault("verdicts", []).append(
                {
                    "rating": "false",
                    "textual_rating": "Pants on fire",
                    "rationale": "Said twice, wrong both times.",
                    "reviewer": "actor-3",
                }
            )
    dataset["links"] += [
        {"from": f"claim-{i}", "relation": relations[i % 4], "to": f"claim-{(i * 7) % 3000}"}
        for i in range(1, 3000, 13)
        if i != (i * 7) % 3000
    ]
    dataset["sources"][1]["republishes"] = dataset["sources"][0]["slug"]
    url = db.resolve_url(str(tmp_path_factory.mktemp("generated") / "generated.db"))
    db.upgrade(url)
    with db.session_scope(url, write=True, by="test") as session:
        load_records(session, add_records({section: [] for section in SECTIONS}, dataset, "generated"))
        for row in session.scalars(select(Evidence).where(Evidence.id % 17 == 0)):
            row.quote_status = QuoteStatus.NOT_FOUND
    return url


def test_report_all_of_thousands_of_claims_is_unchanged(generated, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "reports"
    with db.session_scope(generated) as session:
        counts = write_all(session, folder)
    assert counts == {"claims": 3000, "sources": 300}
    files = written(folder)
    # The one-claim renderer takes a few ms a claim: a sample of claims from every page, with
    # each page's first and last; every source page and the index whole.
    sample = sorted({f"claim-{i}" for i in range(0, 3000, 7)} | {f"claim-{i}" for i in range(0, 3000, 500)})
    sample += [f"claim-{i + 499}" for i in range(0, 3000, 500)]
    expected = one_at_a_time(generated, sample)
    assert {name: files[name] for name in expected} == expected
    assert len([name for name in files if name.startswith("claims/")]) == 3000
    assert "## Untagged" in files["index.md"] and "not-found" in "".join(files.values())


def test_a_full_disk_is_named_and_leaves_no_truncated_report(seeded, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The disk fills up in the middle of a file: the error says so in one line, and every file
    in the folder is a whole one (none half-written, no temporary name left behind)."""
    import io

    folder = tmp_path / "reports"
    budget = {"bytes": 60_000}  # the seed reports take more than this
    real_fdopen = os.fdopen

    class FillingUp(io.TextIOWrapper):
        def write(self, text: str) -> int:
            budget["bytes"] -= len(text)
            if budget["bytes"] < 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return super().write(text)

    def fdopen(handle: int, mode: str = "r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if "w" not in mode:
            return real_fdopen(handle, mode, *args, **kwargs)
        encoding, newline = kwargs.get("encoding"), kwargs.get("newline")
        return FillingUp(real_fdopen(handle, "wb"), encoding=encoding, newline=newline)

    monkeypatch.setattr(os, "fdopen", fdopen)
    error = seeded.fails("report", "--all", "-o", str(folder))
    monkeypatch.undo()
    assert "no space left" in error
    expected = one_at_a_time(db.resolve_url(str(seeded.path)))
    files = written(folder)
    assert 0 < len(files) < len(expected)
    assert all(text == expected[name] for name, text in files.items())
    assert [path.name for path in folder.rglob("*") if path.is_file() and path.suffix != ".md"] == []


def _interruptible_and_slow() -> None:
    # Ctrl-C must reach the report even when this suite runs in the background (a shell starts
    # background jobs with SIGINT ignored, and Python keeps it so); and its lowest priority lets
    # this test look in time on a busy machine.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.nice(19)


def test_an_interrupted_report_leaves_only_whole_files(generated, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C in the middle of `report --all`: the files written are whole, the one being written
    is not left behind under its own name or a temporary one."""
    folder = tmp_path / "reports"
    run = subprocess.Popen(
        [sys.executable, "-m", "factcheck", "--db", generated, "report", "--all", "-o", str(folder)],
        stderr=subprocess.PIPE,
        preexec_fn=_interruptible_and_slow,
    )
    claims = folder / "claims"
    while run.poll() is None and len(list(claims.glob("*.md")) if claims.is_dir() else []) < 100:
        time.sleep(0.01)
    run.send_signal(signal.SIGINT)
    run.wait()
    assert run.returncode != 0, "the report finished before it could be interrupted"
    files = written(folder)
    assert "index.md" not in files and len(files) >= 100
    expected = one_at_a_time(generated, [name[len("claims/") : -3] for name in files])
    assert files == {name: expected[name] for name in files}
    assert [path.name for path in folder.rglob("*") if path.is_file() and path.suffix != ".md"] == []
