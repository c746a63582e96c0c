"""Folders that ship with factcheck: inside the installed wheel, or at the top of a source checkout."""

from __future__ import annotations

from pathlib import Path

from .errors import FactcheckError

_PACKAGE = Path(__file__).resolve().parent


def bundled(installed_name: str, checkout_name: str, marker: str) -> Path:
    """The folder holding `marker`: factcheck/<installed_name> in a wheel, <checkout_name>/ in a checkout."""
    for candidate in (_PACKAGE / installed_name, _PACKAGE.parent / checkout_name):
        if (candidate / marker).exists():
            return candidate
    raise FactcheckError(f"the factcheck installation has no {checkout_name} folder; reinstall it")
