"""Claims and evidence as CSV files, for spreadsheets.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before
one) as a formula, so a claim reading `=HYPERLINK(...)` would become a live link: as OWASP advises,
such text cells are written with a leading single quote, which spreadsheets show as text."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..services.claims import list_claims
from ..services.evidence import list_evidence

CLAIM_COLUMNS = ("id", "slug", "text", "claimant", "stated_on", "tags", "supports", "refutes", "evidence", "rating")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EVIDENCE_COLUMNS = ("id", "claim", "source", "stance", "quote", "speaker", "locator", "quote_status", "start", "end")


def write_csv(session: Session, folder: Path) -> dict[str, int]:
    """claims.csv and evidence.csv in `folder`; returns how many rows each has."""
    folder.mkdir(parents=True, exist_ok=True)
    claims = list_claims(session)
    with (folder / "claims.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, CLAIM_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(_inert({**claim, "tags": "; ".join(claim["tags"])}) for claim in claims)
    evidence = list_evidence(session)
    with (folder / "evidence.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, EVIDENCE_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(
            _inert(
                {**row, "source": row["source"]["slug"], "speaker": row["speaker"]["name"] if row["speaker"] else None}
            )
            for row in evidence
        )
    return {"claims.csv": len(claims), "evidence.csv": len(evidence)}


def inert(cell: Any) -> Any:
    """A cell a spreadsheet will not run as a formula; numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def _inert(row: dict[str, Any]) -> dict[str, Any]:
    return {column: inert(value) for column, value in row.items()}
