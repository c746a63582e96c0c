"""The sources a file's reviews name (appearances, first appearances, review pages) as dataset
records, reusing the database's sources by URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Source
from .reviews import CHUNK, Review, Work, slugify


def _url_slug(url: str) -> str:
    return slugify(url.split("://", 1)[-1])


class Sources:
    """Sources named by a file's reviews, keyed by URL (or title, for works without one); URLs the
    database has keep their source."""

    def __init__(self, session: Session, reviews: list[Review]) -> None:
        self.session = session
        urls = {work.url for r in reviews for work in [*r.appearances, r.first] if work and work.url}
        urls |= {r.url for r in reviews if r.url}
        ordered = sorted(urls)
        self.known: dict[str, str] = {}
        for start in range(0, len(ordered), CHUNK):
            rows = session.execute(
                select(Source.url, Source.slug).where(Source.url.in_(ordered[start : start + CHUNK]))
            )
            self.known.update((url, slug) for url, slug in rows if url)
        # The slugs new URLs would take, looked up together: one query per chunk, not per source.
        wanted = sorted({_url_slug(url) for url in urls if url not in self.known})
        self.taken: set[str] = set()
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            self.taken.update(session.scalars(select(Source.slug).where(Source.slug.in_(chunk))))
        self.looked_up = set(wanted)
        self.by_key: dict[str, dict[str, Any]] = {}
        self.slugs: set[str] = set()

    def add(self, work: Work, language: str | None = None) -> str:
        key = work.url or f"title:{work.title}|{work.publisher}|{work.date}"
        if key in self.by_key:
            record = self.by_key[key]
            for name, value in (("archive_url", work.archive_url), ("published_on", work.date)):
                if value and not record.get(name):
                    record[name] = value
            return str(record["slug"])
        if work.url and work.url in self.known:
            slug = self.known[work.url]
        elif not work.url and (found := self._without_url(work)):
            slug = found
        else:
            slug = self._free_slug(_url_slug(work.url) if work.url else slugify(work.title or ""))
        record = {
            "slug": slug,
            "title": work.title or work.url,
            "kind": "article" if work.article else "webpage",
            "publisher": work.publisher,
            "authors": work.authors,
            "url": work.url,
            "archive_url": work.archive_url,
            "published_on": work.date,
            "language": language,
        }
        self.by_key[key] = {name: value for name, value in record.items() if value not in (None, [])}
        self.slugs.add(slug)
        return slug

    def _without_url(self, work: Work) -> str | None:
        """The database's source for a work named only by its title, publisher and date."""
        query = select(Source.slug).where(
            Source.url.is_(None),
            Source.title == work.title,
            Source.publisher.is_(None) if work.publisher is None else Source.publisher == work.publisher,
            Source.published_on.is_(None) if work.date is None else Source.published_on == work.date,
        )
        return self.session.scalars(query.order_by(Source.id).limit(1)).first()

    def _free_slug(self, base: str) -> str:
        """`base`, numbered when another URL (one differing only in case, say) has it already."""
        slug, number = base, 2
        while slug in self.slugs or self._taken(slug):
            slug, number = f"{base}-{number}", number + 1
        return slug

    def _taken(self, slug: str) -> bool:
        if slug in self.looked_up:
            return slug in self.taken
        return self.session.scalar(select(Source.id).where(Source.slug == slug)) is not None

    def records(self) -> list[dict[str, Any]]:
        return list(self.by_key.values())
