"""The migrations and the models agree; every revision upgrades and downgrades on a real file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from factcheck import db
from factcheck.models import Base
from factcheck.search import is_search_table


def _tables(path: Path) -> set[str]:
    connection = sqlite3.connect(path)
    try:
        # sqlite_sequence is SQLite's own (AUTOINCREMENT counters) and cannot be dropped.
        query = "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        return {row[0] for row in connection.execute(query)}
    finally:
        connection.close()


def test_models_and_migrations_agree(db_url: str) -> None:
    with db.get_engine(db_url).connect() as connection:
        include = lambda name, type_, _parents: not (type_ == "table" and is_search_table(name))  # noqa: E731
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include})
        assert compare_metadata(context, Base.metadata) == []


def test_schema_head_constant_matches_the_scripts() -> None:
    script = ScriptDirectory.from_config(db.alembic_config("sqlite://"))
    assert script.get_current_head() == db.SCHEMA_HEAD


def test_every_revision_goes_up_down_and_up_again(tmp_path: Path) -> None:
    path = tmp_path / "stairs.db"
    url = db.resolve_url(str(path))
    script = ScriptDirectory.from_config(db.alembic_config(url))
    revisions = list(reversed(list(script.walk_revisions())))
    assert revisions, "no migration scripts found"
    for revision in revisions:
        db.upgrade(url, revision.revision)
        assert db.current_revision(url) == revision.revision
        db.downgrade(url, revision.down_revision or "base")
        assert db.current_revision(url) == revision.down_revision
        db.upgrade(url, revision.revision)
    assert db.current_revision(url) == db.SCHEMA_HEAD
    assert {"claims", "sources", "evidence", "verdicts", "revisions"} <= _tables(path)
    db.downgrade(url, "base")
    assert _tables(path) == {"alembic_version"}


def test_migrations_found_without_alembic_ini(tmp_path: Path) -> None:
    assert (db.migrations_dir() / "env.py").is_file()
    assert not (tmp_path / "alembic.ini").exists()
