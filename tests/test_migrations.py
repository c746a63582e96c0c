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


def test_migrations_come_from_the_package_not_an_alembic_ini(tmp_path: Path) -> None:
    # A stray alembic.ini in the working folder (tests run in tmp_path) must not be read.
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = nowhere\n")
    url = db.resolve_url(str(tmp_path / "x.db"))
    config = db.alembic_config(url)
    assert config.config_file_name is None
    assert config.get_main_option("script_location") == str(db.migrations_dir())
    db.upgrade(url)
    assert db.current_revision(url) == db.SCHEMA_HEAD


def test_new_revisions_are_numbered_in_order_and_formatted(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    scripts = tmp_path / "migrations"
    shutil.copytree(db.migrations_dir(), scripts, ignore=shutil.ignore_patterns("__pycache__"))
    path = db.new_revision("add a column", autogenerate=False, scripts=scripts)
    number = f"{int(db.SCHEMA_HEAD) + 1:04d}"
    assert path.parent == scripts / "versions"
    assert path.name == f"{number}_add_a_column.py"
    source = path.read_text()
    # The template writes repr()s, 'single-quoted'; the post-write hook (ruff format) makes them double.
    assert f'revision: str = "{number}"' in source and f'down_revision: str | None = "{db.SCHEMA_HEAD}"' in source
    formatted = subprocess.run([sys.executable, "-m", "ruff", "format", "--check", str(path)], capture_output=True)
    assert formatted.returncode == 0, formatted.stdout
