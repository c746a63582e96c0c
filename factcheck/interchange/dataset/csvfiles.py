"""Claims and evidence as CSV files, for spreadsheets.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before
one) as a formula, so a claim reading `=HYPERLINK(...)` would become a live link: as OWASP advises,
such text cells are written with a leading single quote, which spreadsheets show as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ...files import atomic_output, cannot_write
from ...models import Claim, Evidence, Source
from ...services.claim_lists import list_claims
from ...services.evidence import evidence_view
from ...services.views import ClaimRow
from .export import PAGE

CLAIM_COLUMNS = ("id", "slug", "text", "claimant", "stated_on", "tags", "supports", "refutes", "evidence", "rating")
LIST_COLUMNS = {  # the downloads of /sources, /actors and /search
    "sources": ("id", "slug", "title", "kind", "publisher", "authors", "published_on", "url", "language"),
    "actors": ("id", "slug", "name", "kind", "role", "aliases"),
    "search": ("kind", "id", "slug", "title", "snippet", "rank"),
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EVIDENCE_COLUMNS = ("id", "claim", "source", "stance", "quote", "speaker", "locator", "quote_status", "start", "end")


def write_csv(session: Session, folder: Path) -> dict[str, int]:
    """claims.csv and evidence.csv in `folder`, written row by row; returns how many rows each has."""

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise cannot_write(folder, error) from None
    written = {}
    for name, columns, rows in (
        ("claims.csv", CLAIM_COLUMNS, _claim_rows(session)),
        ("evidence.csv", EVIDENCE_COLUMNS, _evidence_rows(session)),
    ):
        with atomic_output(folder / name, newline="") as out:
            writer = csv.DictWriter(out, columns, extrasaction="ignore")
            writer.writeheader()
            written[name] = 0
            for row in rows:
                writer.writerow(_inert(row))
                written[name] += 1
    return written


def _claim_rows(session: Session) -> Iterator[dict[str, Any]]:
    for claim in list_claims(session):
        yield _claim_cells(claim)


def _claim_cells(claim: ClaimRow) -> dict[str, Any]:
    return {**claim, "tags": "; ".join(claim["tags"])}


def _evidence_rows(session: Session) -> Iterator[dict[str, Any]]:
    """Evidence by claim id, then id: read a page of claims at a time."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    query = select(Evidence).options(
        joinedload(Evidence.source).joinedload(Source.republishes), joinedload(Evidence.speaker)
    )
    last = 0
    while claims := session.execute(
        select(Claim.id, Claim.slug).where(Claim.id > last).order_by(Claim.id).limit(PAGE)
    ).all():
        slugs = dict(claims)
        for row in session.scalars(query.where(Evidence.claim_id.in_(slugs)).order_by(Evidence.claim_id, Evidence.id)):
            view = evidence_view(row)
            yield {
                **view,
                "claim": slugs[row.claim_id],
                "source": view["source"]["slug"],
                "speaker": view["speaker"]["name"] if view["speaker"] else None,
            }
        last = claims[-1][0]


def inert(cell: Any) -> Any:
    """A cell a spreadsheet will not run as a formula; numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def _inert(row: dict[str, Any]) -> dict[str, Any]:
    return {column: inert(value) for column, value in row.items()}


def rows_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    """Rows (`claim list`, /claims, /sources, /actors) as CSV text with these columns, a line at a
    time (the header first), for a download that streams; lists joined by "; "."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, extrasaction="ignore")

    def taken() -> str:
        line = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return line

    writer.writeheader()
    yield taken()
    for row in rows:
        writer.writerow(_inert({key: "; ".join(v) if isinstance(v, list) else v for key, v in row.items()}))
        yield taken()
