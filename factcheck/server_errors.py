"""What a failure of the PostgreSQL server, or of the connection to it, means for the user: one
line naming the problem and what to do (db.session_scope raises it as a DatabaseProblem)."""

from __future__ import annotations

import os

from .errors import DatabaseProblem

# SQLSTATE classes and codes of PostgreSQL errors worth their own message.
_LOCK_TIMEOUT = ("55P03",)
# Serialization failure, deadlock; and a unique rule broken at the commit: the services check every
# unique rule before writing, so only a writer that got there first (the same publication or
# correction number, the same slug) breaks one then.
_CONFLICT = ("40001", "40P01", "23505")
_READ_ONLY = ("25006",)
_NO_PRIVILEGE = ("42501",)


def postgres_problem(url: str, exc: Exception, *, where: str, patience: str) -> DatabaseProblem:
    """One line for a failure of the PostgreSQL server or of the connection to it; `where` names the
    database as the user would, `patience` says how long a writer waits and how to change it."""
    from sqlalchemy.engine import make_url

    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlstate", None) or ""
    # The server's messages run over several lines ("FATAL:  ...", "DETAIL: ..."): keep the first.
    message = " ".join(str(orig).split("\n")[0].split())
    message = message.removeprefix("connection failed: ")
    parsed = make_url(url)
    user = parsed.username or os.environ.get("PGUSER") or "your user"
    if code in _CONFLICT:
        return DatabaseProblem(
            f"another writer changed the same rows at the same time ({message}); nothing was written: run it again"
        )
    if code in _LOCK_TIMEOUT or "lock timeout" in message:
        return DatabaseProblem(
            f"database is busy: another writer held a lock on {where} for longer than {patience}; nothing was written"
        )
    # Only a schema change writes alembic_version: a migration with nothing to change on this
    # server (one for SQLite only) is refused there, not at its first DDL statement.
    if code in _NO_PRIVILEGE and ("must be owner" in message or "alembic_version" in message):
        return DatabaseProblem(
            f"only an admin may change the schema of {where} ({message}); nothing was changed "
            f"(an admin can run `factcheck db grant {user} --admin`)"
        )
    if code in _READ_ONLY or code in _NO_PRIVILEGE:
        return DatabaseProblem(
            f"read-only access: the server does not let {user} do this on {where} ({message}); nothing was written "
            f"(an admin can run `factcheck db grant {user} --write`)"
        )
    if "does not exist" in message and "database" in message:
        return DatabaseProblem(
            f"there is no database {parsed.database!r} on the server of {where}: create it "
            f"(createdb {parsed.database}) and run `factcheck init`"
        )
    if (
        "authentication failed" in message
        or ("role" in message and "does not exist" in message)
        or ("no pg_hba.conf entry" in message)
    ):
        return DatabaseProblem(
            f"the server refused the login of {user} to {where} ({message}): check the user name and password "
            "in the URL (or ~/.pgpass)"
        )
    if "failed to resolve host" in message or "Connection refused" in message or "timeout expired" in message:
        return DatabaseProblem(
            f"cannot reach a PostgreSQL server for {where} ({message}): check the host and port in the URL, "
            "and that the server is running"
        )
    if code.startswith(("08", "57P")) or "closed the connection" in message or "server closed" in message:
        return DatabaseProblem(
            f"lost the connection to the server of {where} ({message}); nothing was written: run it again"
        )
    return DatabaseProblem(f"cannot use {where}: {message}")
