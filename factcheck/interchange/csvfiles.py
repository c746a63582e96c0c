"""Claims and evidence as CSV files, for spreadsheets."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy.orm import Session

from ..services.claims import list_claims
from ..services.evidence import list_evidence

CLAIM_COLUMNS = ("id", "slug", "text", "claimant", "stated_on", "tags", "supports", "refutes", "evidence", "rating")
EVIDENCE_COLUMNS = ("id", "claim", "source", "stance", "quote", "speaker", "locator", "quote_status", "start", "end")


def write_csv(session: Session, folder: Path) -> dict[str, int]:
    """claims.csv and evidence.csv in `folder`; returns how many rows each has."""
    folder.mkdir(parents=True, exist_ok=True)
    claims = list_claims(session)
    with (folder / "claims.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, CLAIM_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({**claim, "tags": "; ".join(claim["tags"])} for claim in claims)
    evidence = list_evidence(session)
    with (folder / "evidence.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, EVIDENCE_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(
            {**row, "source": row["source"]["slug"], "speaker": row["speaker"]["name"] if row["speaker"] else None}
            for row in evidence
        )
    return {"claims.csv": len(claims), "evidence.csv": len(evidence)}
