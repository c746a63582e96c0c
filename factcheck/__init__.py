"""factcheck: a claim-versus-counterclaim fact-tracking database.

`factcheck.open(path_or_url, by=...)` is the way in from Python (see factcheck.api)."""

from .api import Database, open  # noqa: A004  # factcheck.open, as gzip.open

__all__ = ["Database", "open"]
__version__ = "0.1.0"
