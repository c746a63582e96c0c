"""What the top-level options give every command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..api import Database


@dataclass
class AppState:
    db: str | None = None
    by: str | None = None

    @property
    def url(self) -> str:
        from ..db import resolve_url

        return resolve_url(self.db)

    @property
    def database(self) -> Database:
        """The database, its writes recorded as made by --by, $FACTCHECK_USER, or the OS user."""
        from ..api import open as open_database

        return open_database(self.db, by=self.by)


def state(ctx: typer.Context) -> AppState:
    return ctx.find_root().obj


def reading(ctx: typer.Context) -> AbstractContextManager[Session]:
    """A read-only session on the command's database."""
    return state(ctx).database.read()


@contextmanager
def writing(ctx: typer.Context, *, correction: str | None = None) -> Iterator[Session]:
    """One write transaction, recorded in the history as made by the command's author; with a
    `correction`, it may change published claims (the note is recorded with each)."""
    from .output import mark_saved

    with state(ctx).database.write(correction=correction) as session:
        yield session
    mark_saved()  # committed: a failure to print from here on must not read as "nothing written"
