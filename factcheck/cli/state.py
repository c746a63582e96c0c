"""What the top-level options give every command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass
class AppState:
    db: str | None = None
    by: str | None = None

    @property
    def url(self) -> str:
        from ..db import resolve_url

        return resolve_url(self.db)

    @property
    def author(self) -> str:
        """Who a change is recorded as made by: --by, $FACTCHECK_USER, or the OS user."""
        from ..revisions import default_author

        return self.by or default_author()


def state(ctx: typer.Context) -> AppState:
    return ctx.find_root().obj


def reading(ctx: typer.Context) -> AbstractContextManager[Session]:
    """A read-only session on the command's database."""
    from ..db import session_scope

    return session_scope(state(ctx).url)


@contextmanager
def writing(ctx: typer.Context) -> Iterator[Session]:
    """One write transaction, recorded in the history as made by the command's author."""
    from ..db import session_scope
    from .output import mark_saved

    app_state = state(ctx)
    with session_scope(app_state.url, write=True, by=app_state.author) as session:
        yield session
    mark_saved()  # committed: a failure to print from here on must not read as "nothing written"
