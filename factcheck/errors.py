"""Errors a user can cause. The CLI's one handler turns each into a line on stderr and exit 1."""

from __future__ import annotations


class FactcheckError(Exception):
    """Base of every error that is the user's to fix; its message is shown as it is."""


class NotFound(FactcheckError):
    """An id or slug that names nothing."""


class Conflict(FactcheckError):
    """A write that would duplicate or orphan something."""


class InvalidInput(FactcheckError):
    """A value outside what is allowed (stance, date, empty text, ...)."""


class DatabaseProblem(FactcheckError):
    """The database cannot be used as it is: missing, not a database, busy, or out of date."""
