"""The desk's workflow: statuses, assignment, the queue, the desk's figures, and publication with
its corrections, through the real CLI on either backend (the PostgreSQL leg runs them there).

The publication lock is checked on every path that can change a published claim's text, verdicts
or evidence: the CLI's commands, an import, a restore; and a correction shows wherever the claim
is: `claim show`, its JSON, its report, its web page and its ClaimReview."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from factcheck import db
from factcheck.web.app import create_app

from .conftest import ON_POSTGRES, Run

CLAIM = "nato-promised-no-eastward-expansion"  # rated in the seed: it can be published
UNRATED = "no-enlargement-guarantee-sought-or-given"


@pytest.fixture
def desk(cli: Run) -> Run:
    cli.ok("seed")
    cli.ok("actor", "add", "Ana Lima", "--kind", "person", "--slug", "ana")
    cli.ok("actor", "add", "The Desk Inc", "--kind", "organisation", "--slug", "desk-inc")
    return cli


def _desk(cli: Run, claim: str = CLAIM) -> dict[str, Any]:
    return cli.json("claim", "show", claim)["desk"]


def _history(cli: Run, claim: str = CLAIM) -> list[dict[str, Any]]:
    return cli.json("history", claim, "--limit", "100")["revisions"]


# --- statuses and assignment ----------------------------------------------------------------------


def test_the_desk_starts_with_five_statuses_and_adds_its_own(desk: Run) -> None:
    listed = desk.json("desk", "statuses")
    assert [(s["name"], s["open"]) for s in listed] == [
        ("new", True),
        ("in-progress", True),
        ("needs-review", True),
        ("published", False),
        ("not-checkable", False),
    ]
    assert listed[0]["claims"] == 26  # every claim starts new
    assert "Added the status awaiting-editor (open)" in desk.ok("desk", "statuses", "--add", "awaiting-editor")
    desk.ok("desk", "statuses", "--add", "spiked", "--closed")
    assert {s["name"]: s["open"] for s in desk.json("desk", "statuses")}["spiked"] is False
    assert "already" in desk.fails("desk", "statuses", "--add", "awaiting-editor")
    assert "bad status name 'Not Good'" in desk.fails("desk", "statuses", "--add", "Not Good")
    assert "--closed goes with --add" in desk.fails("desk", "statuses", "--closed")
    desk.ok("claim", "status", CLAIM, "awaiting-editor")
    assert _desk(desk)["status"] == "awaiting-editor"


def test_a_status_change_is_a_revision_with_who_when_from_and_to(desk: Run) -> None:
    desk.ok("--by", "ana", "claim", "status", CLAIM, "in-progress", "--note", "reading the Baker memo")
    change = _history(desk)[0]
    assert (change["entity"], change["action"], change["by"]) == ("claims", "update", "ana")
    assert change["changes"]["status"] == ["new", "in-progress"]
    assert change["changes"]["status_note"] == [None, "reading the Baker memo"]
    assert _desk(desk)["status_note"] == "reading the Baker memo"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("claim", "status", CLAIM, "new"), "is new already"),
        (("claim", "status", CLAIM, "bogus"), "unknown status 'bogus': allowed: new, in-progress"),
        (("claim", "status", CLAIM, "published"), "by publishing it"),
        (("claim", "status", "no-such-claim", "new"), "no claim 'no-such-claim'"),
        (("claim", "assign", CLAIM, "desk-inc"), "desk-inc is an organisation: claims are assigned to desk members"),
        (("claim", "assign", CLAIM, "nobody-here"), "no actor 'nobody-here'"),
        (("claim", "assign", CLAIM), "give the actor to assign the claim to, or --unassign"),
        (("claim", "assign", CLAIM, "ana", "--unassign"), "give the actor to assign the claim to, or --unassign"),
        (("claim", "assign", CLAIM, "--unassign"), "is unassigned already"),
        (("claim", "publish", UNRATED), "has no verdict: rate it before publishing it"),
        (("claim", "unpublish", CLAIM, "--reason", "x"), "is not published (it is new)"),
        (("queue", "--assignee", "ana", "--unassigned"), "not both"),
        (("queue", "--status", "bogus"), "unknown status 'bogus'"),
        (("desk", "stats", "--since", "yesterday"), "yesterday"),
    ],
)
def test_bad_desk_input_is_one_line_and_writes_nothing(
    desk: Run, dump: Any, args: tuple[str, ...], message: str
) -> None:
    before = dump()
    assert message in desk.fails(*args)
    assert dump() == before


def test_assignment_goes_to_a_person_and_back_to_nobody(desk: Run) -> None:
    assert "is assigned to ana" in desk.ok("claim", "assign", CLAIM, "ana")
    assert _desk(desk)["assignee"] == "ana"
    assert _history(desk)[0]["changes"]["assignee_id"][0] is None
    assert "is assigned to ana already" in desk.fails("claim", "assign", CLAIM, "ana")
    desk.ok("claim", "assign", CLAIM, "--unassign")
    assert _desk(desk)["assignee"] is None


# --- the queue and the desk's figures -------------------------------------------------------------


def test_the_queue_lists_claims_in_work_oldest_first_with_filters(desk: Run) -> None:
    desk.ok("claim", "assign", CLAIM, "ana")
    desk.ok("claim", "status", UNRATED, "not-checkable")
    queue = desk.json("queue")
    assert queue["total"] == 25  # the not-checkable one is done with
    assert [c["id"] for c in queue["claims"]] == sorted(c["id"] for c in queue["claims"])  # oldest first
    first = queue["claims"][0]
    assert (first["slug"], first["assignee"], first["evidence"], first["rating"]) == (CLAIM, "ana", 9, "misleading")
    assert [c["slug"] for c in desk.json("queue", "--assignee", "ana")["claims"]] == [CLAIM]
    unassigned = desk.json("queue", "--unassigned", "--limit", "3")
    assert unassigned["total"] == 24 and len(unassigned["claims"]) == 3
    assert [c["slug"] for c in desk.json("queue", "--status", "not-checkable")["claims"]] == [UNRATED]
    tagged = desk.json("queue", "--tag", "december-2021-demands")["claims"]
    assert tagged and all(c["status"] == "new" or c["slug"] == CLAIM for c in tagged)
    table = desk.ok("queue", "--limit", "2")
    assert "2 of 25 claims in work, oldest first" in table and CLAIM[:10] in table


def test_desk_stats_count_opened_and_published_and_the_backlog(desk: Run) -> None:
    desk.ok("claim", "assign", CLAIM, "ana")
    desk.ok("claim", "status", UNRATED, "in-progress")
    desk.ok("claim", "publish", CLAIM)
    stats = desk.json("desk", "stats")
    assert (stats["opened"], stats["published"]) == (26, 1)
    assert 0 <= stats["median_days_to_publish"] < 1
    assert stats["backlog"]["by_status"] == {"new": 24, "in-progress": 1, "needs-review": 0}
    assert stats["backlog"]["by_assignee"] == {"(unassigned)": 25}  # the published one is done with
    later = desk.json("desk", "stats", "--since", "2999")
    assert (later["opened"], later["published"], later["median_days_to_publish"]) == (0, 0, None)
    assert "median days to publish" in desk.ok("desk", "stats")


def test_queue_and_stats_run_a_fixed_number_of_queries(tmp_path: Path) -> None:
    """No query a claim: the same statements for 5 claims in work as for 40."""
    from sqlalchemy import event

    from factcheck import api
    from factcheck.services import claims, desk

    counts = []
    for n in (5, 40):
        url = db.resolve_url(str(tmp_path / f"q{n}.db"))
        db.upgrade(url)
        database = api.open(url, by="t")
        with database.write() as session:
            from factcheck.services.actors import add_actor

            add_actor(session, "Ana", kind="person", slug="ana")
            for i in range(n):
                claim = claims.add_claim(session, f"Claim number {i} about things", slug=f"c{i}", force=True)
                claims.rate_claim(session, claim.slug, "false", rationale="r")
                desk.assign(session, claim.slug, "ana")
        statements: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any, seen: list[str] = statements) -> None:
            seen.append(statement)

        engine = db.get_engine(url, read_only=True)
        event.listen(engine, "before_cursor_execute", count)
        try:
            with database.read() as session:
                assert len(desk.queue(session)["claims"]) == n
                desk.desk_stats(session)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1]


# --- publication and the lock ---------------------------------------------------------------------


def test_publishing_freezes_the_claim_and_a_correction_is_recorded_and_shown(desk: Run, dump: Any) -> None:
    published_text = desk.json("claim", "show", CLAIM)["claim"]["text"]
    desk.ok("--by", "editor", "claim", "publish", CLAIM)
    shown = _desk(desk)
    assert shown["status"] == "published" and shown["published"]["by"] == "editor"
    assert "is published already" in desk.fails("claim", "publish", CLAIM)
    assert "unpublish it" in desk.fails("claim", "status", CLAIM, "in-progress")

    before = dump()
    refused = desk.fails("claim", "edit", CLAIM, "--text", "NATO promised Gorbachev not to expand.")
    assert f"claim {CLAIM} is published" in refused and '--correction "what changed and why"' in refused
    assert "the correction note is empty" in desk.fails("claim", "edit", CLAIM, "--text", "Other.", "--correction", " ")
    assert dump() == before

    desk.ok("claim", "edit", CLAIM, "--note", "A note for checkers is not frozen.")  # not text: no correction
    desk.ok(
        "--by",
        "editor",
        "claim",
        "edit",
        CLAIM,
        "--text",
        "NATO promised Gorbachev in 1990 not to expand eastward.",
        "--correction",
        "The claim's wording now names Gorbachev, as Putin said it.",
    )
    corrections = _desk(desk)["corrections"]
    assert [(c["number"], c["by"], c["changed"]) for c in corrections] == [(1, "editor", ["text"])]
    note = corrections[0]["note"]
    day = corrections[0]["at"][:10]

    # Shown wherever the claim is: the terminal, its report, its web page, its ClaimReview.
    assert f"Corrected on {day}: {note}" in " ".join(desk.ok("claim", "show", CLAIM).split())
    assert f"**Corrected on {day}:** {note}" in desk.ok("report", CLAIM).replace("\\", "")
    page = TestClient(create_app(db.resolve_url(str(desk.path))), base_url="http://127.0.0.1").get(f"/claims/{CLAIM}")
    assert f"Corrected on <time>{day}</time>: The claim&#39;s wording" in page.text
    assert "published on" in page.text
    exported = json.loads(desk.ok("export", "--format", "claimreview"))
    reviews = [r for r in exported if r["itemReviewed"]["@id"].endswith(CLAIM)]
    assert reviews and all(r["dateModified"] == day for r in reviews)
    assert all(f"Corrected on {day}: {note}" in r["reviewBody"] for r in reviews)
    assert reviews[0]["correction"] == [{"@type": "CorrectionComment", "text": note, "datePublished": day}]

    # The published version stays as it was published.
    history = _history(desk)
    publication = next(r for r in history if r["entity"] == "publications" and r["action"] == "insert")
    assert publication["changes"]["version"]["text"] == published_text
    assert desk.json("claim", "show", CLAIM)["claim"]["text"] != published_text


@pytest.mark.parametrize(
    "change",
    [
        ("claim", "rate", CLAIM, "false", "--rationale", "New documents."),
        ("evidence", "add", CLAIM, "charter-of-paris-1990", "--stance", "context", "--quote", "Europe whole and free"),
        ("evidence", "delete", "1"),
        ("source", "delete", "foreign-policy-whats-behind-russias-latest-demands", "--cascade"),
    ],
)
def test_verdicts_and_evidence_of_a_published_claim_change_only_with_a_correction(
    desk: Run, dump: Any, change: tuple[str, ...]
) -> None:
    desk.ok("claim", "publish", CLAIM)
    before = dump()
    assert "--correction" in desk.fails(*change)
    assert dump() == before
    desk.ok(*change, "--correction", "Updated after review.")
    (correction,) = _desk(desk)["corrections"]
    assert correction["note"] == "Updated after review." and correction["changed"]


def test_a_published_claim_is_deleted_only_after_it_is_unpublished(desk: Run) -> None:
    desk.ok("claim", "publish", CLAIM)
    desk.ok("claim", "rate", CLAIM, "false", "--rationale", "On review.", "--correction", "Rated again.")
    refused = desk.fails("claim", "delete", CLAIM, "--cascade")
    assert "unpublish it" in refused and "--correction" not in refused
    assert "the reason for unpublishing is empty" in desk.fails("claim", "unpublish", CLAIM, "--reason", "")
    desk.ok("--by", "editor", "claim", "unpublish", CLAIM, "--reason", "Published too early.")
    shown = _desk(desk)
    assert shown["status"] == "in-progress"
    assert (shown["published"]["unpublished_by"], shown["published"]["unpublish_reason"]) == (
        "editor",
        "Published too early.",
    )
    desk.ok("claim", "edit", CLAIM, "--text", "Free to change again.")  # no correction needed
    assert [c["note"] for c in _desk(desk)["corrections"]] == ["Rated again."]

    # Deleted with its publication, then restored with it, its status and assignee.
    desk.ok("claim", "assign", CLAIM, "ana")
    desk.ok("claim", "delete", CLAIM, "--cascade")
    deletion = next(r for r in _history(desk) if r["entity"] == "claims" and r["action"] == "delete")
    desk.ok("restore", str(deletion["id"]))
    back = _desk(desk)
    assert (back["status"], back["assignee"], back["published"]["number"]) == ("in-progress", "ana", 1)
    assert back["published"]["unpublish_reason"] == "Published too early."
    assert [c["note"] for c in back["corrections"]] == ["Rated again."]


def test_an_import_that_touches_a_published_claim_needs_a_correction(desk: Run, dump: Any, tmp_path: Path) -> None:
    desk.ok("claim", "publish", CLAIM)
    dataset = tmp_path / "more.yaml"
    dataset.write_text(
        f"claims:\n- slug: {CLAIM}\n  text: ignored, the claim exists\n"
        "  verdicts:\n  - {rating: false, rationale: A new review.}\n"
        "  evidence:\n  - {source: charter-of-paris-1990, stance: context, quote: Europe whole and free}\n"
    )
    before = dump()
    assert f"claim {CLAIM} is published" in desk.fails("import", str(dataset), "--no-index")
    assert dump() == before
    desk.ok("import", str(dataset), "--no-index", "--correction", "A second review, imported.")
    (correction,) = _desk(desk)["corrections"]  # one import, one correction
    assert sorted(correction["changed"]) == ["evidence imported", "verdicts imported"]


def test_a_restore_that_brings_back_a_published_claims_evidence_needs_a_correction(desk: Run, dump: Any) -> None:
    source = "foreign-policy-whats-behind-russias-latest-demands"  # quoted as evidence on CLAIM
    desk.ok("source", "delete", source, "--cascade")
    deletion = desk.json("history", source, "--limit", "1")["revisions"][0]
    assert (deletion["entity"], deletion["action"]) == ("sources", "delete")
    desk.ok("claim", "publish", CLAIM)
    before = dump()
    assert f"claim {CLAIM} is published" in desk.fails("restore", str(deletion["id"]))
    assert dump() == before
    desk.ok("restore", str(deletion["id"]), "--correction", "Foreign Policy's article is cited again.")
    (correction,) = _desk(desk)["corrections"]
    assert correction["changed"] == ["evidence added: qualifies", "evidence added: context"]


def test_dedupe_apply_links_a_published_claim_without_touching_what_was_published(desk: Run) -> None:
    """A `duplicates` link is not part of a published version (its text, verdicts and evidence),
    so dedupe --apply needs no correction and leaves the publication as it was."""
    desk.ok("claim", "publish", CLAIM)
    desk.ok("claim", "add", "NATO vowed to Gorbachev not to expand eastward in 1990.", "--force")
    applied = desk.json("dedupe", "--apply")["recorded"]
    assert any(CLAIM in (link["from"], link["to"]) for link in applied["links"])
    shown = _desk(desk)
    assert shown["status"] == "published" and shown["corrections"] == []


# --- exchange -------------------------------------------------------------------------------------


def test_export_import_and_copy_carry_the_desks_work(desk: Run, tmp_path: Path) -> None:
    desk.ok("desk", "statuses", "--add", "awaiting-editor")
    desk.ok("claim", "status", UNRATED, "awaiting-editor", "--note", "ask the editor")
    desk.ok("claim", "assign", CLAIM, "ana")
    desk.ok("claim", "publish", CLAIM)
    desk.ok("claim", "edit", CLAIM, "--text", "Corrected wording.", "--correction", "Wording.")
    exported = tmp_path / "out.yaml"
    desk.ok("export", "-o", str(exported))
    expected = {slug: _desk(desk, slug) for slug in (CLAIM, UNRATED)}

    fresh = Run(tmp_path / "fresh.db")
    fresh.ok("init")
    fresh.ok("import", str(exported), "--no-index")
    assert {slug: _desk(fresh, slug) for slug in (CLAIM, UNRATED)} == expected
    assert "awaiting-editor" in {s["name"] for s in fresh.json("desk", "statuses")}
    again = fresh.ok("import", str(exported), "--no-index")  # what is there is skipped
    assert {slug: _desk(fresh, slug) for slug in (CLAIM, UNRATED)} == expected and "already present" in again
    # The imported claim is published: the lock holds there too.
    assert "--correction" in fresh.fails("claim", "edit", CLAIM, "--text", "Again.")

    copied = tmp_path / "copy.db"
    desk.ok("db", "copy", str(desk.path), str(copied))
    assert {slug: _desk(Run(copied), slug) for slug in (CLAIM, UNRATED)} == expected


def test_a_desk_section_that_contradicts_itself_is_refused(desk: Run, tmp_path: Path, dump: Any) -> None:
    dataset = tmp_path / "bad.yaml"
    dataset.write_text(f"desk:\n- {{claim: {CLAIM}, status: published}}\n")
    before = dump()
    assert "a claim is published exactly when its last publication is not unpublished" in desk.fails(
        "import", str(dataset), "--no-index"
    )
    dataset.write_text(f"desk:\n- {{claim: {CLAIM}, status: bogus}}\n")
    assert "unknown status 'bogus'" in desk.fails("import", str(dataset), "--no-index")
    dataset.write_text(f"desk:\n- {{claim: {CLAIM}, status: new, assignee: desk-inc}}\n")
    assert "desk members" in desk.fails("import", str(dataset), "--no-index")
    assert dump() == before


# --- two at once ----------------------------------------------------------------------------------


def _at_once(target: str, *commands: tuple[str, ...]) -> list[subprocess.CompletedProcess[str]]:
    """The commands run as processes started together; their results."""
    environment = {**os.environ, "FACTCHECK_BUSY_TIMEOUT": "30"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "factcheck", "--db", target, *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for command in commands
    ]
    results = []
    for process, command in zip(processes, commands, strict=True):
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(command, process.returncode, out, err))
    return results


def test_two_publishing_one_claim_at_once_one_wins(desk: Run) -> None:
    target = str(desk.path)
    for attempt in range(3):
        if attempt:
            desk.ok("claim", "unpublish", CLAIM, "--reason", "again")
        results = _at_once(target, ("claim", "publish", CLAIM), ("claim", "publish", CLAIM))
        won = [r for r in results if r.returncode == 0]
        lost = [r for r in results if r.returncode != 0]
        assert len(won) == 1 and len(lost) == 1, [r.stderr for r in results]
        error = lost[0].stderr.strip()
        assert error.count("\n") == 0 and "Traceback" not in error
        assert "published already" in error or "run it again" in error, error
    publications = [r for r in _history(desk) if r["entity"] == "publications" and r["action"] == "insert"]
    assert len(publications) == 3


def test_two_correcting_one_claim_at_once_lose_nothing(desk: Run) -> None:
    desk.ok("claim", "publish", CLAIM)
    results = _at_once(
        str(desk.path),
        ("claim", "edit", CLAIM, "--text", "First wording.", "--correction", "first"),
        ("claim", "edit", CLAIM, "--text", "Second wording.", "--correction", "second"),
    )
    won = [r for r in results if r.returncode == 0]
    for lost in (r for r in results if r.returncode != 0):
        assert "run it again" in lost.stderr and lost.stderr.strip().count("\n") == 0, lost.stderr
    corrections = _desk(desk)["corrections"]
    assert sorted(c["note"] for c in corrections) == sorted(r.args[-1] for r in won)
    assert [c["number"] for c in corrections] == list(range(1, len(won) + 1))
    text = desk.json("claim", "show", CLAIM)["claim"]["text"]
    assert text == {"first": "First wording.", "second": "Second wording."}[corrections[-1]["note"]]


@pytest.mark.skipif(ON_POSTGRES, reason="the API's own write session: SQLite file")
def test_the_python_api_keeps_the_lock(desk: Run) -> None:
    import factcheck
    from factcheck.errors import Conflict
    from factcheck.services import claims

    desk.ok("claim", "publish", CLAIM)
    database = factcheck.open(str(desk.path), by="script")
    with pytest.raises(Conflict, match="published"), database.write() as session:
        claims.edit_claim(session, CLAIM, text="Changed by a script.")
    with database.write(correction="Changed by a script, with a note.") as session:
        claims.edit_claim(session, CLAIM, text="Changed by a script.")
    assert json.dumps(_desk(desk)["corrections"][0]["changed"]) == '["text"]'


def test_a_source_whose_text_changes_under_a_published_claim_needs_no_correction(desk: Run, tmp_path: Path) -> None:
    """Where a quote stands in its source is worked out again when the text changes: not frozen."""
    page = tmp_path / "page.txt"
    page.write_text("Intro.\n\nThe minister said no promise was ever given about enlargement.\n")
    desk.ok("source", "add", "Minister", "--text-file", str(page), "--slug", "minister")
    desk.ok("evidence", "add", CLAIM, "minister", "--stance", "refutes", "--quote", "no promise was ever given")
    desk.ok("claim", "publish", CLAIM)
    page.write_text("A longer intro, moving the quote.\n\nThe minister said no promise was ever given, twice.\n")
    desk.ok("source", "edit", "minister", "--text-file", str(page))
    desk.ok("verify")
    assert _desk(desk)["corrections"] == []


def test_a_claimreview_export_reads_back_as_it_was_written(desk: Run, tmp_path: Path) -> None:
    desk.ok("claim", "publish", CLAIM)
    desk.ok("claim", "rate", CLAIM, "false", "--rationale", "Read in full.", "--correction", "Rated false.")
    feed = tmp_path / "reviews.json"
    desk.ok("export", "--format", "claimreview", "-o", str(feed))
    assert "Rated false." in feed.read_text()
    again = desk.ok("import", str(feed), "--format", "claimreview", "--no-index")  # the same reviews: skipped
    assert "added nothing" in again and len(_desk(desk)["corrections"]) == 1
    fresh = Run(tmp_path / "fresh.db")
    fresh.ok("init")
    fresh.ok("import", str(feed), "--format", "claimreview", "--no-index")
    rationales = {
        v["rationale"]
        for c in fresh.json("claim", "list")
        for v in fresh.json("claim", "show", str(c["id"]))["current_verdicts"]
    }
    assert "Read in full." in rationales and not any("Corrected on" in (r or "") for r in rationales)


def test_desk_stats_survive_an_export_and_import(desk: Run, tmp_path: Path) -> None:
    desk.ok("claim", "publish", CLAIM)
    exported = tmp_path / "out.yaml"
    desk.ok("export", "-o", str(exported))
    fresh = Run(tmp_path / "fresh.db")
    fresh.ok("init")
    fresh.ok("import", str(exported), "--no-index")
    ours, theirs = desk.json("desk", "stats"), fresh.json("desk", "stats")
    assert theirs["median_days_to_publish"] == ours["median_days_to_publish"] >= 0


PUBLICATION = "{number: 1, published_at: '2026-01-02T00:00:00', version: {text: T}}"
TAKEN_BACK = (
    "{number: 1, published_at: '2026-01-02T00:00:00', unpublished_at: '2026-01-03T00:00:00', "
    "unpublish_reason: r, version: {text: T}}"
)


def _record(status: str = "published", publications: str = PUBLICATION, more: str = "", claim: str = CLAIM) -> str:
    """A `desk` record of a claim opened on 2026-01-01."""
    return f"{{claim: {claim}, opened: '2026-01-01T00:00:00', status: {status}, publications: [{publications}]{more}}}"


def _correction(fields: str) -> str:
    return f", corrections: [{{number: 1, publication: 1, note: N, {fields}}}]"


@pytest.mark.parametrize(
    ("desk_record", "message"),
    [
        (f"{{claim: {CLAIM}, status: published}}", "published exactly when"),
        (f"{{claim: {CLAIM}, status: bogus}}", "unknown status 'bogus'"),
        (f"{{claim: {CLAIM}, status: new, assignee: desk-inc}}", "desk members"),
        (f"{{claim: {CLAIM}, status: published, publications: [{PUBLICATION}]}}", "field 'opened' is needed"),
        (_record(claim=UNRATED), "no verdict"),
        (_record(publications=PUBLICATION.replace("number: 1", "number: 1180591620717411303424")), "publications #1"),
        (_record(publications=PUBLICATION.replace("2026-01-02T00:00:00", "0001-01-01T00:00:00+14:00")), "before 1900"),
        (_record(publications=PUBLICATION.replace("2026-01-02", "2999-01-02")), "in the future"),
        (_record(publications=PUBLICATION.replace("2026-01-02", "2025-12-31")), "which it follows"),
        (_record(publications=PUBLICATION.replace("number: 1", "number: 7")), "numbered 1, 2, ..."),
        (_record(publications=f"{PUBLICATION}, {PUBLICATION.replace('number: 1', 'number: 2')}"), "each but the last"),
        (_record("in-progress", TAKEN_BACK.replace("unpublish_reason: r, ", "")), "when and why"),
        (_record(publications=PUBLICATION.replace("version", "unpublished_by: x, version")), "when and why"),
        (
            _record(
                more=_correction("changed: [text], at: '2026-01-03T00:00:00'").replace(
                    "publication: 1", "publication: 2"
                )
            ),
            "names no publication",
        ),
        (_record(more=_correction("changed: [text], at: '2026-01-01T12:00:00'")), "which it follows"),
        (_record(more=_correction("changed: [], at: '2026-01-03T00:00:00'")), "field 'changed'"),
        (
            _record("in-progress", TAKEN_BACK, _correction("changed: [text], at: '2026-01-04T00:00:00'")),
            "while its publication stands",
        ),
        (_record(publications="{number: 1, published_at: x, version: {text: T}}"), "field 'published_at'"),
        (_record(publications="{number: 1, published_at: '2026-01-02T00:00:00', version: {}}"), "field 'version'"),
        (_record(publications=PUBLICATION.replace("text: T", 'text: "T\\0"')), "NUL"),
    ],
)
def test_a_desk_record_must_tell_one_story(
    desk: Run, tmp_path: Path, dump: Any, desk_record: str, message: str
) -> None:
    dataset = tmp_path / "desk.yaml"
    dataset.write_text(f"desk:\n- {desk_record}\n")
    before = dump()
    assert message in desk.fails("import", str(dataset), "--no-index")
    assert dump() == before


def test_blank_queue_filters_are_no_filters(desk: Run) -> None:
    assert desk.json("queue", "--status", "", "--assignee", " ", "--tag", "")["total"] == 26


@pytest.mark.skipif(ON_POSTGRES, reason="the API's own write session: SQLite file")
def test_a_new_claim_is_not_made_published(desk: Run) -> None:
    import factcheck
    from factcheck.errors import Conflict
    from factcheck.models import Claim

    with pytest.raises(Conflict, match="published by publishing it"), factcheck.open(str(desk.path)).write() as s:
        s.add(Claim(slug="sneaky", text="Born published.", status="published"))
        s.flush()


def test_the_static_site_shows_what_the_live_view_shows(desk: Run, tmp_path: Path) -> None:
    """The site is the web view as files: a claim's page there is its live page, desk and all (its
    history pages publish every change anyway, as they do a claim's notes)."""
    desk.ok("claim", "assign", CLAIM, "ana")
    desk.ok("claim", "status", CLAIM, "needs-review", "--note", "ask Ana")
    desk.ok("claim", "publish", CLAIM)
    desk.ok("claim", "rate", CLAIM, "false", "--rationale", "Read in full.", "--correction", "Rated false.")
    desk.ok("site", "-o", str(tmp_path / "site"))
    published = (tmp_path / "site" / "claims" / f"{CLAIM}.html").read_text()
    assert 'Status: <span class="status">published</span> · assigned to' in published
    assert "published on <time>" in published and "Rated false." in published


@pytest.mark.skipif(ON_POSTGRES, reason="the API's own write session: SQLite file")
def test_a_correction_rolled_back_with_its_savepoint_is_made_again(desk: Run) -> None:
    import factcheck
    from factcheck.services import claims

    desk.ok("claim", "publish", CLAIM)
    with factcheck.open(str(desk.path), by="script").write(correction="Wording.") as session:
        claim = claims.get_claim(session, CLAIM)
        with pytest.raises(RuntimeError), session.begin_nested():
            claim.text = "A first try, taken back."
            session.flush()
            raise RuntimeError
        claim.text = "The wording kept."
        session.flush()
    assert desk.json("claim", "show", CLAIM)["claim"]["text"] == "The wording kept."
    assert [(c["note"], c["changed"]) for c in _desk(desk)["corrections"]] == [("Wording.", ["text"])]
