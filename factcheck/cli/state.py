"""What the top-level options give every command."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass

import typer

ENV_USER = "FACTCHECK_USER"


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
        if self.by:
            return self.by
        try:
            return os.environ.get(ENV_USER) or getpass.getuser()
        except (KeyError, OSError):
            return "unknown"


def state(ctx: typer.Context) -> AppState:
    return ctx.find_root().obj
