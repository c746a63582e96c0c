"""Alembic environment: the models' metadata, batch mode on SQLite, a connection passed in by
factcheck.db (or an engine made from the configured URL when run by the alembic command)."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from factcheck.models import Base, PartialDate, UtcDateTime
from factcheck.search import is_search_table

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write partial dates as the plain strings they are stored as, so that revisions do not
    import the models (a revision must keep working after the models change)."""
    if type_ == "type" and isinstance(obj, PartialDate):
        return "sa.String(length=10)"
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """The full-text search tables are made by hand in a migration, not described by the models."""
    return not (type_ == "table" and name and is_search_table(name))


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database: give sqlalchemy.url, or use `factcheck db upgrade`")
    with create_engine(url).begin() as connection:
        run_migrations(connection)


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
