"""Every change is recorded with its author; deleted claims and sources can be restored."""

from __future__ import annotations

import pytest


@pytest.fixture
def seeded(cli):  # type: ignore[no-untyped-def]
    cli.ok("seed")
    return cli


def _last(cli) -> dict:  # type: ignore[no-untyped-def, type-arg]
    return cli.json("history", "--limit", "1")["revisions"][0]


def test_every_kind_of_write_is_recorded_with_author_and_changes(seeded) -> None:  # type: ignore[no-untyped-def]
    seeded.ok("--by", "alice", "claim", "edit", "budapest-declaration-2008", "--date", "2021-12-18")
    change = _last(seeded)
    assert (change["entity"], change["action"], change["by"]) == ("claims", "update", "alice")
    assert change["changes"] == {"stated_on": ["2021-12-17", "2021-12-18"]}

    seeded.ok("claim", "link", "demands-are-an-ultimatum", "qualifies", "proposals-not-unacceptable")
    assert (_last(seeded)["entity"], _last(seeded)["action"], _last(seeded)["by"]) == (
        "claim_links",
        "insert",
        "tester",
    )
    seeded.ok("claim", "rate", "demands-are-an-ultimatum", "mixed", "--rationale", "Both readings are argued.")
    assert _last(seeded)["entity"] == "verdicts"
    seeded.ok("evidence", "delete", "1")
    assert (_last(seeded)["entity"], _last(seeded)["action"]) == ("evidence", "delete")
    assert _last(seeded)["changes"]["quote"].startswith("claimed that previously")

    # history CLAIM: the claim and what belongs to it, newest first.
    history = seeded.json("history", "budapest-declaration-2008")
    assert history["subject"]["entity"] == "claims"
    entities = [(r["entity"], r["action"]) for r in history["revisions"]]
    assert entities[0] == ("claims", "update")
    assert (
        ("evidence", "insert") in entities
        and ("verdicts", "insert") in entities
        and ("claim_links", "insert") in entities
    )
    assert seeded.json("claim", "show", "budapest-declaration-2008")["last_change"]["by"] == "alice"
    assert "alice" in seeded.ok("history", "budapest-declaration-2008")


def test_verdicts_are_never_overwritten(seeded) -> None:  # type: ignore[no-untyped-def]
    seeded.ok("claim", "rate", "budapest-declaration-2008", "mostly-false", "--rationale", "Second look.")
    history = seeded.json("claim", "show", "budapest-declaration-2008")["verdict_history"]
    assert [v["rating"] for v in history] == ["mostly-false", "false"]


def test_restore_a_deleted_claim_with_everything_deleted_with_it(seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = seeded.ok("export")
    before_dossier = seeded.json("claim", "show", "nato-promised-no-eastward-expansion")
    assert "9 evidence" in seeded.ok("claim", "delete", "nato-promised-no-eastward-expansion", "--cascade")
    deletion = _last(seeded)
    assert (deletion["entity"], deletion["action"]) == ("claims", "delete")
    assert "no claim" in seeded.fails("claim", "show", "nato-promised-no-eastward-expansion")
    history = seeded.json("history", "nato-promised-no-eastward-expansion")  # found by its old slug
    assert history["revisions"][0]["action"] == "delete"

    output = seeded.ok("restore", str(deletion["id"]))
    assert "Restored claims 1" in output and "evidence" in output and "claim_links" in output and "verdicts" in output
    after_dossier = seeded.json("claim", "show", "nato-promised-no-eastward-expansion")
    for key in ("claim", "evidence", "counterclaims", "related", "current_verdicts"):
        assert after_dossier[key] == before_dossier[key]
    assert seeded.ok("export") == before
    assert seeded.json("search", "Gorbachev 1990", "--in", "claims")[0]["slug"] == "nato-promised-no-eastward-expansion"
    assert "restored already" in seeded.fails("restore", str(deletion["id"]))


def test_restore_a_deleted_source_puts_back_the_references_it_had(seeded) -> None:  # type: ignore[no-untyped-def]
    before = seeded.ok("export")
    seeded.ok("source", "delete", "london-daily-russia-lays-out-demands", "--cascade")
    deletion = _last(seeded)
    seeded.ok("restore", str(deletion["id"]))
    assert seeded.ok("export") == before
    assert "The database is sound." in seeded.ok("db", "check")


def test_restore_refuses_what_it_cannot_restore(seeded) -> None:  # type: ignore[no-untyped-def]
    assert "no revision 99999" in seeded.fails("restore", "99999")
    assert "restore takes a revision that deleted" in seeded.fails("restore", "1")
    seeded.ok("claim", "delete", "budapest-declaration-2008", "--cascade")
    deletion = _last(seeded)
    seeded.ok("claim", "add", "A new claim that takes the old slug", "--slug", "budapest-declaration-2008")
    assert "taken by a newer claim" in seeded.fails("restore", str(deletion["id"]))


def test_ids_are_never_reused_so_restore_loses_nothing(seeded) -> None:  # type: ignore[no-untyped-def]
    """The attack: delete the newest rows, add others in between, restore: nothing may be lost."""
    newest = max(claim["id"] for claim in seeded.json("claim", "list"))
    slug = next(claim["slug"] for claim in seeded.json("claim", "list") if claim["id"] == newest)
    seeded.ok("evidence", "add", slug, "nato-russia-founding-act-1997", "--stance", "context", "--quote", "X marks")
    subset = ["export", "--format", "json", "--claim", slug]
    before = seeded.ok(*subset)
    newest_evidence = max(e["id"] for e in seeded.json("evidence", "list"))
    seeded.ok("claim", "delete", slug, "--cascade")
    deletion = _last(seeded)

    # New rows after the deletion take new ids, never the deleted ones.
    seeded.ok("claim", "add", "A claim added after the deletion")
    seeded.ok("evidence", "add", "1", "nato-russia-founding-act-1997", "--stance", "context", "--quote", "Y marks")
    added_claim = max(claim["id"] for claim in seeded.json("claim", "list"))
    added_evidence = max(e["id"] for e in seeded.json("evidence", "list"))
    assert added_claim > newest and added_evidence > newest_evidence
    assert seeded.json("history", str(added_claim))["revisions"][-1]["action"] == "insert"  # its own history only
    assert len(seeded.json("history", str(added_claim))["revisions"]) == 1

    output = seeded.ok("restore", str(deletion["id"]))
    assert f"evidence {newest_evidence}" in output or str(newest_evidence) in output
    assert seeded.ok(*subset) == before
    assert "The database is sound." in seeded.ok("db", "check")


def test_restore_in_the_wrong_order_names_what_to_restore_first(seeded, dump) -> None:  # type: ignore[no-untyped-def]
    claim = "nato-promised-no-eastward-expansion"
    source = "nato-russia-founding-act-1997"
    seeded.ok("evidence", "add", claim, source, "--stance", "context", "--quote", "Founding Act marks")
    seeded.ok("source", "delete", source, "--cascade")
    source_deletion = _last(seeded)
    seeded.ok("claim", "delete", claim, "--cascade")
    claim_deletion = _last(seeded)

    before = dump()
    error = seeded.fails("restore", str(source_deletion["id"]))
    assert f"restore claim {claim_deletion['entity_id']} first" in error
    assert f"factcheck restore {claim_deletion['id']}" in error
    assert "FOREIGN KEY" not in error and "SQLite" not in error
    assert dump() == before

    seeded.ok("restore", str(claim_deletion["id"]))
    seeded.ok("restore", str(source_deletion["id"]))
    quotes = [e["quote"] for e in seeded.json("evidence", "list", "--claim", claim)]
    assert "Founding Act marks" in quotes
    assert "The database is sound." in seeded.ok("db", "check")


def test_a_downgrade_and_upgrade_keep_what_restore_needs(seeded) -> None:  # type: ignore[no-untyped-def]
    before = seeded.ok("export")
    seeded.ok("claim", "delete", "nato-promised-no-eastward-expansion", "--cascade")
    deletion = _last(seeded)
    seeded.ok("db", "downgrade", "0002", "--yes")
    seeded.ok("db", "upgrade")
    seeded.ok("restore", str(deletion["id"]))
    assert seeded.ok("export") == before
    seeded.ok("claim", "add", "One more claim after the round trip")
    assert max(claim["id"] for claim in seeded.json("claim", "list")) == 27


@pytest.mark.parametrize(
    "opened", [{"write": True}, {"write": True, "on_open": "record_revisions"}, {"read_only": False}]
)
def test_a_script_that_can_write_is_recorded_once(cli, db_url, opened) -> None:  # type: ignore[no-untyped-def]
    """Whatever a Python caller passes to session_scope, what its session writes is in the history,
    once (a caller passing the hook itself, as scripts did before it was the rule, adds nothing)."""
    from factcheck import db
    from factcheck.revisions import record_revisions
    from factcheck.services.claims import add_claim

    options = {**opened, "on_open": record_revisions} if "on_open" in opened else opened
    with db.session_scope(db_url, by="a script", **options) as session:
        add_claim(session, "A claim written from Python")
    revisions = cli.json("history")["revisions"]
    assert [(r["entity"], r["action"], r["by"]) for r in revisions] == [("claims", "insert", "a script")]


def test_a_script_that_names_no_author_is_recorded_as_the_user(cli, db_url) -> None:  # type: ignore[no-untyped-def]
    from factcheck import db
    from factcheck.services.claims import add_claim

    with db.session_scope(db_url, write=True) as session:  # no `by`: $FACTCHECK_USER, as the CLI
        add_claim(session, "A claim written from Python")
    assert [r["by"] for r in cli.json("history")["revisions"]] == ["tester"]


def test_every_door_leaves_its_revisions_on_either_backend(cli, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The guarantee README states, door by door: the CLI, a script's session_scope (no hook
    passed), an import, a restore and `dedupe --apply` all write what they change into the history."""
    from factcheck import db
    from factcheck.services.claims import add_claim

    def newest(batch_of: str | None = None) -> list[tuple[str, str, str | None]]:
        revisions = cli.json("history", "--limit", "1000")["revisions"]
        batch = revisions[0]["batch"] if batch_of is None else batch_of
        return sorted((r["entity"], r["action"], r["by"]) for r in revisions if r["batch"] == batch)

    cli.ok("--by", "desk", "claim", "add", "NATO promised Gorbachev no eastward expansion in 1990.")
    assert newest() == [("claims", "insert", "desk")]
    with db.session_scope(db_url, write=True, by="a script") as session:
        add_claim(session, "A claim a script wrote", tags=["scripted"])
    assert newest() == [("claims", "insert", "a script"), ("tags", "insert", "a script")]
    dataset = tmp_path / "dataset.yaml"
    dataset.write_text("claims:\n- {slug: imported, text: An imported claim}\n")
    cli.ok("--by", "importer", "import", str(dataset))
    assert newest() == [("claims", "insert", "importer")]
    cli.ok("claim", "delete", "imported")
    deletion = cli.json("history", "--limit", "1")["revisions"][0]
    cli.ok("--by", "restorer", "restore", str(deletion["id"]))
    assert newest() == [("claims", "insert", "restorer")]
    cli.ok("claim", "add", "NATO vowed to Gorbachev not to expand eastward in 1990.", "--force")
    applied = cli.json("--by", "deduper", "dedupe", "--apply")["recorded"]
    assert applied["links"] and newest(applied["batch"]) == [("claim_links", "insert", "deduper")]


def test_a_bulk_import_records_what_one_add_records_on_either_backend(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """History is recorded one way: a claim imported in bulk has the insert revision a claim added
    by `claim add` has (its text and columns, its tags and appearances), and an event its sources."""
    cli.ok("source", "add", "Where it was said", "--url", "https://example.org/said")
    cli.ok("claim", "add", "Added one by one.", "--tag", "nato", "--language", "en")
    dataset = tmp_path / "dataset.yaml"
    dataset.write_text(
        "claims:\n- {slug: imported, text: Imported in bulk., tags: [nato], language: en,"
        " appearances: [where-it-was-said]}\n"
        "events:\n- {slug: summit, title: A summit, sources: [where-it-was-said]}\n"
    )
    cli.ok("import", str(dataset))
    inserted = {
        (r["entity"], r["entity_id"]): r["changes"]
        for r in cli.json("history", "--limit", "100")["revisions"]
        if r["action"] == "insert"
    }
    one, bulk, event = inserted[("claims", 1)], inserted[("claims", 2)], inserted[("events", 1)]
    assert set(bulk) == set(one)  # the same fields: text, columns and collections
    assert bulk["text"] == "Imported in bulk." and bulk["tags"] == one["tags"] and bulk["appearances"] == [1]
    assert event["sources"] == [1]


def test_a_sources_first_version_is_recorded_alike_on_either_path(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    typed = tmp_path / "typed.txt"
    typed.write_text("Typed in here.", encoding="utf-8")
    cli.ok("source", "add", "Typed in", "--text-file", str(typed))
    dataset = tmp_path / "dataset.yaml"
    dataset.write_text("sources:\n- {slug: imported, title: Imported, text: Imported here.}\n")
    cli.ok("import", str(dataset))
    versions = [
        r["changes"]
        for r in cli.json("history", "--limit", "100")["revisions"]
        if r["entity"] == "source_versions" and r["action"] == "insert"
    ]
    assert len(versions) == 2 and set(versions[0]) == set(versions[1])
