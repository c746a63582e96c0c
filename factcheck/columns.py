"""The column types every table shares: vocabularies as constrained strings, partial dates, moments
in UTC, and the created/updated stamps."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import DateTime, Enum, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from .dates import parse_partial_date


def vocabulary(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable constrained string (VARCHAR + CHECK), storing the Enum's values, not its names."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class PartialDate(TypeDecorator[str]):
    """An ISO-8601 date that may stop at the year or month; validated on the way in."""

    impl = String(10)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return parse_partial_date(value)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A moment, stored in UTC and read back timezone-aware (UTC) on every backend: SQLite keeps
    no offset, and a PostgreSQL session may be in another time zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | str | None, dialect: Any) -> dt.datetime | None:
        if isinstance(value, str):  # as the history keeps it (restore)
            value = dt.datetime.fromisoformat(value)
        if value is None or value.tzinfo is None:
            return value  # naive values are UTC already (older databases, ISO strings without offset)
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


def normalise_dates_on_assignment(base: Any) -> None:
    """Check partial dates when they are set, not at flush, so that a bad date is the user's clear
    error at the line that set it (the type still guards anything written around the ORM)."""
    from sqlalchemy import event
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    for mapper in base.registry.mappers:
        for attribute in mapper.column_attrs:
            if any(isinstance(column.type, PartialDate) for column in attribute.columns):

                @event.listens_for(attribute.class_attribute, "set", retval=True)
                def _parse(_target: Any, value: Any, _old: Any, _initiator: Any) -> str | None:
                    return parse_partial_date(value)
