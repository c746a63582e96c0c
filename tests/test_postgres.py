"""PostgreSQL as a backend: the same commands give the same output as on SQLite, the schema is made
by the same migrations, and what goes wrong with a server is said in one line.

These tests need a server (FACTCHECK_TEST_POSTGRES, default the local one): see tests/conftest.py."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from factcheck import db

from .conftest import Run, fresh_postgres

CLAIM = "nato-promised-no-eastward-expansion"
_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d)?")
_BATCH = re.compile(r"\b[0-9a-f]{32}\b")


def _stable(output: str) -> str:
    """Output with the moments and batch ids (which differ between any two runs) masked; a moment
    keeps its offset, so that a naive time on one backend would still show."""
    output = _MOMENT.sub(lambda moment: "<moment" + (moment.group(2) or " naive") + ">", output)
    return _BATCH.sub("<batch>", output)


def _hits(hits: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    """Search hits without their snippets and ranks, which each engine computes its own way."""
    return [(hit["kind"], hit["id"], hit["slug"]) for hit in hits]


def _matches(hits: list[dict[str, Any]]) -> list[tuple[str, str, float | None]]:
    """What `similar` found: the same claims, labels and cosines on both backends. The scores
    differ a little: a claim's place in the full-text ranking is one of their features, and
    PostgreSQL ranks by ts_rank where SQLite ranks by BM25."""
    return [(hit["slug"], hit["label"], hit["semantic"]) for hit in hits]


def _history(cli: Run, *args: str, after: set[str]) -> str:
    """`history` of what was done after the batches `after` (the seed's: loaded in bulk, where
    PostgreSQL's triggers record what the loader leaves out on SQLite, a claim's tags), each
    transaction's revisions in one order (the order of rows within a transaction differs: the
    application records them in its order, PostgreSQL as its cascades run)."""
    history = cli.json("history", *args)
    batches: dict[str, list[dict[str, Any]]] = {}
    for revision in history["revisions"]:
        if revision["batch"] not in after:  # the server's user is PostgreSQL's alone
            batches.setdefault(revision["batch"], []).append({**revision, "id": "<id>", "db_user": None})
    ordered = [sorted(rows, key=lambda r: (r["entity"], r["entity_id"], r["action"])) for rows in batches.values()]
    return _stable(json.dumps({**history, "revisions": ordered}))


def _walk(cli: Run) -> dict[str, Any]:
    """The seed walk-through of the README, as each command prints it."""
    seen: dict[str, Any] = {}
    seen["seed"] = cli.ok("seed")
    seeded = {revision["batch"] for revision in cli.json("history", "--limit", "100000")["revisions"]}
    seen["show"] = _stable(cli.ok("claim", "show", CLAIM, "--json"))
    seen["list"] = _stable(cli.ok("claim", "list", "--json"))
    seen["search"] = _hits(cli.json("search", "Budapest"))
    seen["similar"] = _matches(cli.json("similar", "NATO pledged not to expand east"))
    seen["evidence"] = cli.ok(
        "evidence", "add", CLAIM, "charter-of-paris-1990", "--stance", "context", "--quote", "Europe whole",
        "--allow-unverified",
    )  # fmt: skip
    seen["rate"] = cli.ok("claim", "rate", CLAIM, "mixed", "--rationale", "Both sides quote the same talks.")
    seen["delete"] = cli.ok("claim", "delete", "budapest-declaration-2008", "--cascade")
    history = cli.json("history")
    deleted = next(r["id"] for r in history["revisions"] if r["entity"] == "claims" and r["action"] == "delete")
    seen["history"] = _history(cli, after=seeded)
    seen["restore"] = cli.ok("restore", str(deleted))
    seen["claim history"] = _history(cli, CLAIM, after=seeded)
    seen["export"] = cli.ok("export", "--format", "json")
    seen["check"] = cli.json("db", "check")
    return seen


def test_seed_walk_through_prints_the_same_on_both_backends(cli: Run, pg_cli: Run) -> None:
    on_sqlite, on_postgres = _walk(cli), _walk(pg_cli)
    assert on_sqlite["search"], "the walk-through should find something"
    for step in on_sqlite:
        assert on_postgres[step] == on_sqlite[step], step


def test_timestamps_are_utc_with_their_offset_on_both_backends(any_cli: Run) -> None:
    any_cli.ok("claim", "add", "NATO promised not to expand")
    any_cli.ok("claim", "rate", "nato-promised-not-to-expand", "false", "--rationale", "No treaty says so.")
    verdict = any_cli.json("claim", "show", "nato-promised-not-to-expand")["verdict"]
    assert verdict["recorded_at"].endswith("+00:00")
    revision = any_cli.json("history", "nato-promised-not-to-expand", "--limit", "1")["revisions"][0]
    assert revision["at"].endswith("+00:00")
    assert revision["changes"]["created_at"].endswith("+00:00")


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[Run, Run]]:
    """The seed dataset on SQLite and on PostgreSQL, for tests that only read it."""
    with tempfile.TemporaryDirectory() as folder, fresh_postgres() as pg_url:
        pair = (Run(Path(folder) / "seeded.db"), Run(pg_url))
        for run in pair:
            run.ok("init", "--seed")
        yield pair


def test_search_and_similar_find_the_same_top_hits_on_both_backends(seeded: tuple[Run, Run]) -> None:
    on_sqlite, on_postgres = seeded
    for query, scope in [("Budapest", []), ("NATO expansion", ["--in", "claims"]), ("ultimatum", []),
                         ('"draft agreement"', []), ("Gorbachev Baker", ["--in", "evidence"])]:  # fmt: skip
        expected = _hits(on_sqlite.json("search", query, *scope))
        found = _hits(on_postgres.json("search", query, *scope))
        assert expected, query
        assert found[0] == expected[0], query
        assert sorted(found) == sorted(expected), query  # ties may fall in another order
    for wording in ("NATO pledged not to expand east", "Russia issued an ultimatum to the West", "élargissement"):
        assert _matches(on_postgres.json("similar", wording)) == _matches(on_sqlite.json("similar", wording)), wording


def test_search_on_postgres_ignores_accents_and_keeps_its_json_shape(pg_cli: Run) -> None:
    pg_cli.ok("claim", "add", "Le président a promis une réforme", "--tag", "économie")
    hits = pg_cli.json("search", "president economie")
    assert [hit["kind"] for hit in hits] == ["claims"]
    assert set(hits[0]) == {"kind", "id", "slug", "title", "snippet", "rank"}
    assert "**président**" in hits[0]["snippet"]
    assert pg_cli.json("search", "réforme OR nothing", "--advanced")[0]["id"] == hits[0]["id"]
    assert pg_cli.fails("search", "  ") == "Error: nothing to search for in '  ': give some words"


def test_search_index_follows_edits_tags_and_deletes_on_postgres(pg_cli: Run) -> None:
    pg_cli.ok("claim", "add", "Wind power doubled", "--tag", "energy")
    pg_cli.ok("claim", "edit", "wind-power-doubled", "--text", "Solar power doubled", "--tag", "climate")
    assert pg_cli.json("search", "wind") == []
    assert _hits(pg_cli.json("search", "solar climate energy")) == [("claims", 1, "wind-power-doubled")]
    pg_cli.ok("claim", "edit", "wind-power-doubled", "--untag", "energy")
    assert pg_cli.json("search", "solar energy") == []
    pg_cli.ok("claim", "delete", "wind-power-doubled")
    assert pg_cli.json("search", "solar") == []


def test_migrations_go_down_and_up_again_on_postgres(pg_url: str) -> None:
    db.upgrade(pg_url)
    Run(pg_url).ok("claim", "add", "The Budapest Declaration", "--tag", "summits")
    assert db.downgrade(pg_url, "0005") == (db.SCHEMA_HEAD, "0005")
    db.upgrade(pg_url)
    assert _hits(Run(pg_url).json("search", "Budapest summits"))  # the index was rebuilt from the rows
    db.downgrade(pg_url, "base")
    with create_engine(pg_url).connect() as connection:
        left = connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
        assert sorted(left) == ["alembic_version"]
    assert db.upgrade(pg_url) == (None, db.SCHEMA_HEAD)


def test_models_match_the_migrations_on_postgres(pg_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from factcheck.models import Base
    from factcheck.search import is_search_table

    db.upgrade(pg_url)

    def include_name(name: str | None, type_: str, _parents: Any) -> bool:
        return not (type_ == "table" and name and is_search_table(name))

    with create_engine(pg_url).connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name, "target_metadata": Base.metadata}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_revisions_record_the_servers_user_whatever_by_says(pg_cli: Run, pg_url: str) -> None:
    pg_cli.ok("--by", "root-pretender", "claim", "add", "A claim")
    with create_engine(pg_url).connect() as connection:
        row = connection.execute(text("SELECT by, db_user FROM revisions")).one()
    assert tuple(row) == ("root-pretender", make_url(pg_url).username)


# --- one line for each thing that goes wrong ----------------------------------------------------


def _url(pg_url: str, **parts: Any) -> str:
    return make_url(pg_url).set(**parts).render_as_string(hide_password=False)


def test_no_server_at_the_url_is_one_line(pg_url: str) -> None:
    message = Run(_url(pg_url, port=1)).fails("claim", "list")
    assert message.startswith("Error: cannot reach a PostgreSQL server for postgresql://")
    assert "check the host and port in the URL, and that the server is running" in message
    assert "cannot reach" in Run(_url(pg_url, host="no-such-host.invalid")).fails("init")


def test_refused_login_is_one_line(pg_url: str) -> None:
    message = Run(_url(pg_url, username="nobody_here")).fails("claim", "list")
    assert message.startswith("Error: the server refused the login of nobody_here to ")
    assert "check the user name and password" in message


def test_missing_database_is_one_line(pg_url: str) -> None:
    message = Run(_url(pg_url, database="no_such_factcheck_db")).fails("init")
    assert message == (
        "Error: there is no database 'no_such_factcheck_db' on the server of "
        f"{_url(pg_url, database='no_such_factcheck_db')}: create it (createdb no_such_factcheck_db) "
        "and run `factcheck init`"
    )


def test_missing_driver_is_one_line(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    db._engine.cache_clear()
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "psycopg", None)  # as if it were not installed
        message = Run(pg_url).fails("claim", "list")
    db._engine.cache_clear()
    assert message == 'Error: PostgreSQL needs the psycopg driver: pip install "factcheck[postgres]"'


def test_database_at_an_older_or_newer_schema_is_one_line(pg_url: str) -> None:
    db.upgrade(pg_url, "0005")
    message = Run(pg_url).fails("claim", "list")
    assert message.endswith(
        f"is at schema revision 0005, this factcheck needs {db.SCHEMA_HEAD}: "
        "run `factcheck db backup FILE` then `factcheck db upgrade`"
    )
    db.upgrade(pg_url)
    with create_engine(pg_url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    assert "it was made by a newer factcheck" in Run(pg_url).fails("claim", "list")
    assert "it was made by a newer factcheck" in Run(pg_url).fails("init")


def test_an_empty_database_is_not_a_factcheck_database(pg_url: str) -> None:
    message = Run(pg_url).fails("claim", "list")
    assert message.endswith("is not a factcheck database: run `factcheck init` to set it up")


def test_a_dropped_connection_is_one_line_and_writes_nothing(pg_cli: Run, pg_url: str) -> None:
    from factcheck.errors import DatabaseProblem
    from factcheck.models import Claim

    pg_cli.ok("claim", "add", "A claim")
    with pytest.raises(DatabaseProblem) as caught, db.session_scope(pg_url, write=True) as session:
        session.add(Claim(slug="half-written", text="Half written"))
        session.flush()
        with create_engine(pg_url).connect() as other:
            pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        session.execute(text("SELECT 1"))
    assert str(caught.value).startswith("lost the connection to the server of ")
    assert "nothing was written" in str(caught.value)
    assert [claim["slug"] for claim in pg_cli.json("claim", "list")] == ["a-claim"]


# --- concurrent writers -------------------------------------------------------------------------

WRITER = """
import json, sys
from typer.testing import CliRunner
from factcheck.cli import app

url, writer, rounds, dataset = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
runner = CliRunner()

def run(*args):
    result = runner.invoke(app, ["--db", url, "--by", f"writer-{writer}", *args])
    if result.exit_code != 0:
        sys.exit(f"writer {writer}: {args}: {result.output}")

for n in range(rounds):
    slug = f"writer-{writer}-claim-{n}"
    run("claim", "add", f"Writer {writer} says thing {n}", "--slug", slug, "--force")
    run("evidence", "add", slug, "shared-source", "--stance", "supports", "--quote", f"quote {writer} {n}",
        "--allow-unverified")
    run("claim", "rate", slug, "false", "--rationale", f"rated by {writer}")
run("import", dataset, "--format", "json")
"""


def test_eight_writer_processes_lose_nothing_on_postgres(pg_cli: Run, pg_url: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    writers, rounds = 8, 2
    pg_cli.ok("source", "add", "A shared source", "--slug", "shared-source")
    processes = []
    for writer in range(writers):
        dataset = tmp_path / f"dataset-{writer}.json"
        claims = [{"slug": f"bulk-{writer}-{n}", "text": f"Bulk claim {n} of writer {writer}"} for n in range(5)]
        dataset.write_text(json.dumps({"claims": claims}))
        command = [sys.executable, "-c", WRITER, pg_url, str(writer), str(rounds), str(dataset)]
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for process in processes:
        _out, errors = process.communicate(timeout=300)
        assert process.returncode == 0, errors
    claims = pg_cli.json("claim", "list", "--limit", "1000")
    assert len(claims) == writers * (rounds + 5)
    with create_engine(pg_url).connect() as connection:
        counted = connection.execute(
            text(
                "SELECT (SELECT count(*) FROM evidence), (SELECT count(*) FROM verdicts),"
                " (SELECT count(*) FROM revisions WHERE entity = 'claims' AND action = 'insert'),"
                " (SELECT count(*) FROM claims_fts)"
            )
        ).one()
        # Every bulk-loaded claim's revision names its own row.
        mismatched = connection.execute(
            text(
                "SELECT count(*) FROM revisions r JOIN claims c ON c.id = r.entity_id "
                "WHERE r.entity = 'claims' AND r.changes->>'slug' <> c.slug"
            )
        ).scalar()
    assert tuple(counted) == (writers * rounds, writers * rounds, writers * (rounds + 5), writers * (rounds + 5))
    assert mismatched == 0


def test_writers_adding_the_same_text_at_once_get_numbered_slugs(pg_cli: Run, pg_url: str) -> None:
    """As on SQLite, where writers take turns: no writer fails on the unique slug."""
    import subprocess
    import sys

    pg_cli.ok("claim", "add", "A claim to warm the model up")
    command = [
        sys.executable,
        "-m",
        "factcheck",
        "--db",
        pg_url,
        "claim",
        "add",
        "The same claim, eight times",
        "--force",
    ]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(8)]
    outcomes = [(process.wait(timeout=120), process.stderr.read() if process.stderr else "") for process in processes]
    assert [code for code, _ in outcomes] == [0] * 8, outcomes
    slugs = sorted(claim["slug"] for claim in pg_cli.json("claim", "list") if claim["text"].startswith("The same"))
    assert slugs == sorted(["the-same-claim-eight-times", *(f"the-same-claim-eight-times-{n}" for n in range(2, 9))])


# --- roles --------------------------------------------------------------------------------------


@pytest.fixture
def roles(pg_url: str) -> Iterator[list[str]]:
    """Role names for a test (roles belong to the whole server): dropped afterwards."""
    import secrets

    names = [f"fc_{kind}_{secrets.token_hex(4)}" for kind in ("reader", "writer")]
    yield names
    with create_engine(pg_url, isolation_level="AUTOCOMMIT").connect() as connection:
        for name in names:
            if connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first():
                connection.execute(text(f'DROP OWNED BY "{name}"'))
                connection.execute(text(f'DROP ROLE "{name}"'))


def _count_rows(url: str) -> tuple[int, ...]:
    with create_engine(url).connect() as connection:
        return tuple(
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("claims", "sources", "evidence", "verdicts", "revisions", "actors", "tags")
        )


def test_a_reader_is_refused_every_write_in_one_line(pg_cli: Run, pg_url: str, roles: list[str]) -> None:
    reader, _writer = roles
    pg_cli.ok("seed")
    assert pg_cli.ok("db", "grant", reader, "--read") == (f"Created role {reader} now has read access to {pg_url}.\n")
    as_reader = Run(_url(pg_url, username=reader))
    assert as_reader.json("claim", "show", CLAIM)["claim"]["slug"] == CLAIM
    assert _hits(as_reader.json("search", "Budapest"))
    before = _count_rows(pg_url)
    for command in (
        ("claim", "add", "A reader's claim"),
        ("claim", "rate", CLAIM, "false", "--rationale", "no"),
        ("claim", "edit", CLAIM, "--text", "Changed"),
        ("claim", "delete", CLAIM, "--cascade"),
        ("source", "add", "A reader's source"),
        ("actor", "add", "A reader"),
        (
            "evidence",
            "add",
            CLAIM,
            "charter-of-paris-1990",
            "--stance",
            "context",
            "--quote",
            "q",
            "--allow-unverified",
        ),
        ("claim", "link", CLAIM, "rebuts", "gorbachev-confirmed-no-guarantee"),
    ):
        message = as_reader.fails(*command)
        assert message.startswith(f"Error: read-only access: the server does not let {reader} do this"), command
        assert message.endswith(f"nothing was written (an admin can run `factcheck db grant {reader} --write`)")
    assert _count_rows(pg_url) == before


def test_a_writer_appends_to_the_history_but_cannot_rewrite_it(pg_cli: Run, pg_url: str, roles: list[str]) -> None:
    _reader, writer = roles
    pg_cli.ok("db", "grant", writer, "--write")
    as_writer = Run(_url(pg_url, username=writer))
    as_writer.ok("--by", "Someone Else", "claim", "add", "A writer's claim")
    as_writer.ok("claim", "delete", "a-writers-claim")
    with create_engine(pg_url).connect() as connection:
        rows = connection.execute(text("SELECT by, db_user FROM revisions ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [("Someone Else", writer), ("tester", writer)]
    with create_engine(_url(pg_url, username=writer)).connect() as connection:
        for statement in ("UPDATE revisions SET by = 'x'", "DELETE FROM revisions", "DROP TABLE claims"):
            with pytest.raises(Exception, match="permission denied|must be owner"):
                connection.execute(text(statement))
            connection.rollback()
    assert "only an admin may change the schema" in as_writer.fails("db", "downgrade", "--yes")
    pg_cli.ok("db", "grant", writer, "--read")  # a level replaces the one before
    assert "read-only access" in as_writer.fails("claim", "add", "Another")


def test_a_writer_in_psql_is_recorded_and_cannot_forge_or_bypass_the_history(
    pg_cli: Run, pg_url: str, roles: list[str]
) -> None:
    """The history is the server's own: what a `--write` role does with plain SQL is recorded as
    what the CLI does is, with the server's time and user, and no way around it works."""
    _reader, writer = roles
    pg_cli.ok("seed")
    page = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)  # noqa: SIM115
    page.write("First text of the page.")
    page.close()
    pg_cli.ok("source", "add", "A page", "--text-file", page.name)
    pg_cli.ok("source", "add", "Another page", "--text-file", page.name)
    Path(page.name).write_text("Second text of the page.")
    pg_cli.ok("source", "edit", "another-page", "--text-file", page.name)  # its first text is kept as version 1
    Path(page.name).unlink()
    pg_cli.ok("db", "grant", writer, "--write")
    pg_cli.ok("actor", "add", "Nobody at all")
    pg_cli.ok("claim", "edit", "budapest-declaration-2008", "--tag", "dates")  # the victim: a tags-only revision
    as_writer = _url(pg_url, username=writer)
    with create_engine(as_writer).connect() as connection:
        before = connection.execute(text("SELECT max(id) FROM revisions")).scalar_one()
        history = connection.execute(text("SELECT id, changes::text, batch, at FROM revisions ORDER BY id")).all()
        # Settings that would steer the triggers into another transaction's revisions are ignored.
        victim = history[-1].batch
        for name, value in (("batch", victim), ("flush", "x"), ("flush_seen", "x"), ("flush_floor", "0")):
            connection.execute(text(f"SET factcheck.{name} = '{value}'"))
        connection.execute(text("UPDATE verdicts SET rating = 'true' WHERE claim_id = 1"))
        connection.execute(
            text("DELETE FROM source_versions WHERE source_id = (SELECT id FROM sources WHERE slug = 'a-page')")
        )
        connection.execute(text("DELETE FROM claims WHERE slug = 'budapest-declaration-2008'"))  # cascades
        connection.commit()
        recorded = connection.execute(
            text(
                "SELECT entity, action, changes::text, by, db_user, at > now() - interval '1 minute' "
                "FROM revisions WHERE id > :before ORDER BY id"
            ),
            {"before": before},
        ).all()
        # What a hostile review found: each write below is refused, or recorded like any other.
        connection.execute(text("CREATE TEMP TABLE revisions (LIKE public.revisions INCLUDING DEFAULTS)"))
        connection.execute(text("UPDATE claims SET note = 'written beside a shadow history' WHERE id = 2"))
        connection.execute(text("UPDATE claim_tags SET tag_id = 1 WHERE claim_id = 3 AND tag_id = 2"))
        connection.execute(text("UPDATE verdicts SET created_at = '2019-01-01' WHERE claim_id = 1"))
        connection.commit()
        later = connection.execute(
            text("SELECT entity, entity_id, changes::text FROM public.revisions WHERE id > :before ORDER BY id"),
            {"before": before},
        ).all()[len(recorded) :]
        assert [(entity, entity_id) for entity, entity_id, _ in later] == [
            ("claims", 2),
            ("claims", 3),
            ("verdicts", 1),
        ]
        assert json.loads(later[1][2]) == {"tags": {"added": [1], "removed": [2]}}
        connection.execute(text("DROP TABLE pg_temp.revisions"))  # the attempts below aim at the real one
        connection.commit()
        # A deletion inside a savepoint (psql's ON_ERROR_ROLLBACK makes one a statement) keeps
        # the claim's tags in its revision, as restore needs them.
        tagged, tags = connection.execute(
            text(
                "SELECT claim_id, count(*) FROM claim_tags WHERE claim_id NOT IN (1, 2, 3, 15) "
                "GROUP BY claim_id ORDER BY claim_id LIMIT 1"
            )
        ).one()
        with connection.begin_nested():
            connection.execute(text("DELETE FROM claims WHERE id = :id"), {"id": tagged})
        connection.commit()
        kept = connection.execute(
            text(
                "SELECT changes::json -> 'tags' FROM public.revisions WHERE entity = 'claims' AND entity_id = :id "
                "AND action = 'delete'"
            ),
            {"id": tagged},
        ).scalar_one()
        assert len(kept) == tags
        for attempt in (
            "UPDATE actors SET id = 900 WHERE slug = 'nobody-at-all'",  # its history is filed under its id
            "UPDATE source_versions SET text = 'a forged archive' WHERE text IS NOT NULL",
            "UPDATE claims_fts SET document = to_tsvector('ponies') WHERE id = 2",
            "SELECT nextval('revisions_id_seq') FROM generate_series(1, 10)",
            "INSERT INTO revisions (entity, entity_id, action, changes, at) "
            "VALUES ('claims', 1, 'insert', '{}', now())",
            "UPDATE revisions SET by = 'x'",
            "DELETE FROM revisions",
            "TRUNCATE revisions",
            "SELECT factcheck_append_revision('claims', 1, 'update', '{}', '{}')",
            "ALTER TABLE verdicts DISABLE TRIGGER verdicts_history",
            "DROP TRIGGER verdicts_history ON verdicts",
            "SET session_replication_role = replica",
            # the server's functions on a table of one's own would write revisions of one's choosing
            "CREATE TEMP TABLE claims (id integer, slug text); "
            "CREATE TRIGGER forged AFTER UPDATE ON pg_temp.claims "
            "FOR EACH ROW EXECUTE FUNCTION public.factcheck_record_row()",
            "CREATE TEMP TABLE sources (id integer, title text); "
            "CREATE TRIGGER poisoned AFTER INSERT ON pg_temp.sources "
            "FOR EACH ROW EXECUTE FUNCTION public.factcheck_sources_fts()",
        ):
            with pytest.raises(Exception, match="permission denied|must be owner|not supported|never changes"):
                connection.execute(text(attempt))
            connection.rollback()
    with create_engine(pg_url).connect() as connection:
        after = connection.execute(
            text("SELECT id, changes::text, batch, at FROM revisions WHERE id <= :before"), {"before": before}
        ).all()
        batches = (
            connection.execute(text("SELECT DISTINCT batch FROM revisions WHERE id > :before"), {"before": before})
            .scalars()
            .all()
        )
    assert sorted(after) == sorted(history)  # nothing written before was changed or removed
    assert len(batches) == 3 and not set(batches) & {row.batch for row in history}  # the writer's three transactions
    kinds = [(entity, action) for entity, action, *_rest in recorded]
    assert kinds[:2] == [("verdicts", "update"), ("source_versions", "delete")]
    assert ("claims", "delete") in kinds and ("evidence", "delete") in kinds and ("claim_links", "delete") in kinds
    assert json.loads(recorded[0][2]) == {"rating": ["misleading", "true"]}
    assert all(row[3:] == (writer, writer, True) for row in recorded)  # no display name said: the server's user
    # The CLI reads it as its own: in the claim's history, and restore brings the claim back whole.
    verdicts = [r["changes"] for r in pg_cli.json("history", CLAIM)["revisions"] if r["entity"] == "verdicts"]
    assert verdicts[0]["created_at"][1] == "2019-01-01T00:00:00+00:00"  # a back-dated verdict is seen
    assert verdicts[1] == {"rating": ["misleading", "true"]}
    deleted = next(
        r
        for r in pg_cli.json("history")["revisions"]
        if (r["entity"], r["entity_id"], r["action"]) == ("claims", 15, "delete")
    )
    assert deleted["action"] == "delete" and len(deleted["changes"]["tags"]) == 3
    pg_cli.ok("restore", str(deleted["id"]))
    assert pg_cli.json("claim", "show", "budapest-declaration-2008")["claim"]["tags"] == [
        "dates",
        "discrepancy",
        "ukraine",
    ]
    # and only an admin gives access
    message = Run(as_writer).fails("db", "grant", "someone_else", "--read")
    assert message.startswith(f"Error: {writer} may not grant access: only an admin")
    assert "someone_else" not in {row[0] for row in _roles(pg_url)}


def _roles(pg_url: str) -> list[Any]:
    with create_engine(pg_url).connect() as connection:
        return connection.execute(text("SELECT rolname FROM pg_roles")).all()


@pytest.mark.sqlite_only("the refusal on a SQLite file")
def test_db_grant_refuses_sqlite_and_odd_names(cli: Run, pg_cli: Run) -> None:
    assert cli.fails("db", "grant", "someone", "--read") == (
        "Error: db grant works on PostgreSQL; who may use a SQLite file is up to the file's permissions"
    )
    assert pg_cli.fails("db", "grant", 'x"; DROP TABLE claims; --', "--read").startswith(
        "Error: 'x\"; DROP TABLE claims; --' is not a role name this command makes"
    )
    assert pg_cli.fails("db", "grant", "someone", "--read", "--write") == (
        "Error: give exactly one of --read, --write and --admin"
    )


# --- db copy ------------------------------------------------------------------------------------


def test_db_copy_both_ways_gives_the_same_export(cli: Run, db_path: Path, pg_url: str, tmp_path: Path) -> None:
    cli.ok("seed")
    cli.ok("claim", "delete", "russia-will-respond-militarily", "--cascade")  # the newest: its id stays unused
    original = cli.ok("export", "--format", "json")
    copied = cli.ok("db", "copy", str(db_path), pg_url)
    assert copied.startswith(f"Copied test.db to {pg_url}: ")
    on_postgres = Run(pg_url)
    assert on_postgres.ok("export", "--format", "json") == original
    assert on_postgres.json("history") == cli.json("history")
    back = tmp_path / "back.db"
    cli.ok("db", "copy", pg_url, str(back))
    assert Run(back).ok("export", "--format", "json") == original
    assert Run(back).json("db", "check")["ok"]
    for run in (on_postgres, Run(back)):
        assert run.ok("claim", "add", "A claim after the copy").endswith("(27).\n")  # 26 was the deleted one


def test_db_copy_refuses_a_non_empty_target_unless_replace(cli: Run, db_path: Path, pg_cli: Run, pg_url: str) -> None:
    cli.ok("seed")
    pg_cli.ok("claim", "add", "Only on the server")
    before = _count_rows(pg_url)
    message = cli.fails("db", "copy", str(db_path), pg_url)
    assert message == (
        f"Error: {pg_url} is not empty (3 rows: 1 claims, 0 sources, 1 revisions): pass --replace to delete its "
        "rows and copy over them, or give an empty database"
    ) or message.startswith(f"Error: {pg_url} is not empty (")
    assert _count_rows(pg_url) == before
    cli.ok("db", "copy", str(db_path), pg_url, "--replace")
    assert pg_cli.ok("export", "--format", "json") == cli.ok("export", "--format", "json")
    assert cli.fails("db", "copy", str(db_path), str(db_path)) == (
        "Error: the source and the target are the same database"
    )
