"""The public Python API (factcheck.open): its writes are recorded, its imports do their upkeep."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import factcheck
from factcheck import db
from factcheck.errors import FactcheckError
from factcheck.services import claim_lists, claims, history

from .conftest import ON_POSTGRES


@pytest.fixture
def database(db_url: str) -> factcheck.Database:
    db.upgrade(db_url)
    return factcheck.open(db_url, by="a-script")


def test_writes_through_the_api_are_recorded_as_made_by_its_author(database: factcheck.Database) -> None:
    with database.write() as session:
        claims.add_claim(session, "The bridge was built in 1990.")
    with database.read() as session:
        (revision,) = history.list_history(session)["revisions"]
    assert (revision["entity"], revision["action"], revision["by"]) == ("claims", "insert", "a-script")


def test_a_failed_write_leaves_nothing(database: factcheck.Database) -> None:
    with pytest.raises(FactcheckError), database.write() as session:
        claims.add_claim(session, "A claim that will not stay.")
        claims.add_claim(session, "\u200b")  # invisible: refused, and the first claim with it
    with database.read() as session:
        assert list(claim_lists.list_claims(session)) == []
        assert history.list_history(session)["revisions"] == []


def test_read_sessions_cannot_write(database: factcheck.Database) -> None:
    with pytest.raises(Exception), database.read() as session:  # noqa: B017  # the driver's own refusal
        claims.add_claim(session, "Written through a reader.")


def _dataset(folder: Path, count: int) -> Path:
    folder.mkdir()
    (folder / "claims.yaml").write_text(
        yaml.safe_dump(
            {"claims": [{"slug": f"claim-{n}", "text": f"Claim number {n} was said."} for n in range(count)]}
        )
    )
    return folder


def test_import_and_export_through_the_api(database: factcheck.Database, tmp_path: Path) -> None:
    report = database.import_file(_dataset(tmp_path / "set", 1200), index=False)
    assert report.added["claims"] == 1200
    with database.read() as session:
        revisions = history.list_history(session, limit=5000)["revisions"]
    assert len(revisions) == 1200 and {r["by"] for r in revisions} == {"a-script"}
    exported = database.export("yaml", claims=["claim-7"])
    assert "Claim number 7 was said." in (exported.text or "")
    if ON_POSTGRES:  # a bulk load is followed by VACUUM ANALYZE, as `factcheck import` does
        from sqlalchemy import create_engine, text

        engine = create_engine(database.url)
        with engine.connect() as connection:
            analysed = connection.execute(
                text("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'claims'")
            ).scalar()
        engine.dispose()
        assert analysed


def test_open_names_the_default_database_and_author(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FACTCHECK_DB", str(tmp_path / "elsewhere.db"))
    monkeypatch.setenv("FACTCHECK_USER", "desk")
    opened = factcheck.open()
    assert opened.url == db.resolve_url(str(tmp_path / "elsewhere.db")) and opened.by == "desk"
