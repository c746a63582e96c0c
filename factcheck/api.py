"""The public Python API: one object per database, whose sessions cannot forget the history.

    import factcheck

    db = factcheck.open("factcheck.db", by="my-script")
    with db.write() as session:  # one transaction, every change recorded as made by "my-script"
        ...  # factcheck.services functions take the session
    with db.read() as session:  # read-only
        ...
    report = db.import_file("feed.json", format="claimreview")  # with its post-load work

The CLI, the web view and the benchmarks open their databases this way; `factcheck.db` holds the
engine and the session (`session_scope`) underneath."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .interchange.dataset.loader_bulk import LoadReport
    from .interchange.formats import Exported


@dataclass(frozen=True)
class Database:
    """A factcheck database: its URL and the author its writes are recorded as made by."""

    url: str
    by: str

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session, one transaction."""
        from .db import session_scope

        with session_scope(self.url) as session:
            yield session

    @contextmanager
    def write(self, *, correction: str | None = None) -> Iterator[Session]:
        """A write session, one transaction, committed when the block ends normally. Every change
        it makes is recorded in the history as made by `by`; after a bulk load (an import, a
        dedupe of many claims) the database's own upkeep runs once the transaction has committed.
        A published claim's text, verdicts and evidence change only with a `correction`: what
        changed and why, recorded and shown with the claim (factcheck.publication_lock)."""
        from .db import BULK_LOADED, session_scope
        from .services.common import required_text

        note = None if correction is None else required_text(correction, "the correction note")
        with session_scope(self.url, write=True, by=self.by, correction=note) as session:
            yield session
        if session.info.get(BULK_LOADED):
            from .maintenance import after_bulk_load

            after_bulk_load(self.url)

    def import_file(self, path: str | Path, **options: Any) -> LoadReport:
        """Import a dataset, ClaimReview or ClaimsKG file in one transaction; what the database has
        already is skipped. Options as `factcheck.interchange.formats.import_file` (format, texts,
        date_order, rating_map, progress, index)."""
        from .interchange.formats import import_file

        with self.write() as session:
            return import_file(session, Path(path), **options)

    def export(
        self,
        format: str = "yaml",
        output: str | Path | None = None,
        *,
        claims: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
    ) -> Exported:
        """Export the database (or some claims) in `format`: to `output`, else as text."""
        from .interchange.formats import export_data, export_format

        target = Path(output) if output is not None else None
        fmt = export_format(format, subset=bool(claims or tags), output=target)
        with self.read() as session:
            return export_data(session, fmt, output=target, claims=claims, tags=tags)


def open(database: str | None = None, *, by: str | None = None) -> Database:  # noqa: A001  # as gzip.open
    """The database at `database` (a file path or a SQLAlchemy URL; default $FACTCHECK_DB, else
    ./factcheck.db); its writes are recorded as made by `by` (else $FACTCHECK_USER, else the OS
    user). Nothing is opened until a session is: create a database with `factcheck init`."""
    from .db import resolve_url
    from .revisions import default_author

    return Database(resolve_url(database), by or default_author())
