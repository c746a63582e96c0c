"""The dataset format: human-editable YAML (or JSON) of actors, sources, claims (with their
evidence and verdicts), links and events; see seeds/README.md.

Its parts: `records` (sections, fields, reading files and checking values; `streaming` reads a
file record by record, under the limits of `interchange.parsing`), `loader` with `loader_bulk` and
`loader_evidence` (the bulk loader, which every import format's records go through), `export`
(YAML and JSON) and `csvfiles`. This module gathers the names callers use."""

from __future__ import annotations

from pathlib import Path

from ...resources import bundled
from .export import export_dataset
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
    "export_dataset",
    "load_dataset",
    "load_records",
    "read_dataset",
]


def default_seeds_dir() -> Path:
    """The dataset that ships with factcheck: the December 2021 NATO-demands story."""
    return bundled("_seeds", "seeds", "claims.yaml")
