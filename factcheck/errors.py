"""Errors a user can cause. The CLI's one handler turns each into a line on stderr and exit 1."""

from __future__ import annotations

from enum import StrEnum


class FactcheckError(Exception):
    """Base of every error that is the user's to fix; its message is shown as it is.

    The message speaks the domain ("delete them with it"), never one interface's flags; `remedy`
    names the way through that a caller may offer (Remedy), and each interface words it its way:
    the CLI adds "pass --cascade", a Python caller passes cascade=True."""

    def __init__(self, message: str, *, remedy: Remedy | None = None) -> None:
        super().__init__(message)
        self.remedy = remedy


class Remedy(StrEnum):
    """What would let a refused operation through."""

    CASCADE = "cascade"  # delete what depends on the row too
    FORCE = "force"  # add or overwrite anyway
    OTHER_SLUG = "other_slug"  # give another slug
    ALLOW_UNVERIFIED = "allow_unverified"  # record a quote that is not in its source as not-found
    DATE_ORDER = "date_order"  # say how to read day and month
    CORRECTION = "correction"  # change a published claim, saying what changed and why


class NotFound(FactcheckError):
    """An id or slug that names nothing."""


class Conflict(FactcheckError):
    """A write that would duplicate or orphan something."""


class InvalidInput(FactcheckError):
    """A value outside what is allowed (stance, date, empty text, ...)."""


class DatabaseProblem(FactcheckError):
    """The database cannot be used as it is: missing, not a database, busy, or out of date."""
