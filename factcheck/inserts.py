"""Bulk inserts in a session's transaction: COPY on PostgreSQL, one executemany elsewhere (used by
the bulk loader and for the revisions of a bulk load)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session


def insert_many(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows (dicts with the same keys) in the session's transaction. On PostgreSQL by COPY,
    each column's default and type conversion applied as an INSERT applies them: a pipeline of one
    INSERT a row took twice the time of COPY for a bulk import. Elsewhere, one executemany."""
    from sqlalchemy import insert

    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    given = list(rows[0])
    defaults = [column for column in table.columns if column.name not in given and column.default is not None]
    columns = [table.c[name] for name in given] + defaults
    convert = [_copy_processor(column, session.get_bind().dialect) for column in columns]
    session.flush()  # rows the ORM holds go first: these may refer to them
    connection = session.connection().connection.driver_connection
    assert connection is not None
    names = ", ".join(f'"{column.name}"' for column in columns)
    with connection.cursor().copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            values = [row[name] for name in given] + [_default(column) for column in defaults]
            copy.write_row([v if to is None or v is None else to(v) for to, v in zip(convert, values, strict=True)])


def _copy_processor(column: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """How a value of `column` is written by COPY: as an INSERT would bind it; JSON as json.dumps
    makes it (psycopg's COPY would write a list as an array)."""
    import json

    from sqlalchemy import JSON

    if isinstance(column.type, JSON):
        return json.dumps
    return column.type.bind_processor(dialect)


def _default(column: Any) -> Any:
    """A column's Python-side default, as an INSERT would take it (a callable is called per row)."""
    return column.default.arg(None) if column.default.is_callable else column.default.arg
