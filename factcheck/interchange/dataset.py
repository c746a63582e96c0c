"""The dataset format: human-editable YAML (or JSON) of actors, sources, claims (with their
evidence and verdicts), links and events; see seeds/README.md.

Its parts: `records` (sections, fields, reading files and checking values; `parsing` reads YAML
and JSON under limits), `loader` (the bulk loader, also used by the ClaimReview importer) and
`export`. This module gathers the names callers use."""

from __future__ import annotations

from pathlib import Path

from ..resources import bundled
from .export import dump, export_dataset, to_json
from .loader import load_dataset, load_records
from .loader_bulk import LoadReport, Progress
from .records import FIELDS, REQUIRED, SECTIONS, Record, add_records, check_shape, read_dataset

__all__ = [
    "FIELDS",
    "REQUIRED",
    "SECTIONS",
    "LoadReport",
    "Progress",
    "Record",
    "add_records",
    "check_shape",
    "default_seeds_dir",
    "dump",
    "export_dataset",
    "load_dataset",
    "load_records",
    "read_dataset",
    "to_json",
]


def default_seeds_dir() -> Path:
    """The dataset that ships with factcheck: the December 2021 NATO-demands story."""
    return bundled("_seeds", "seeds", "claims.yaml")
