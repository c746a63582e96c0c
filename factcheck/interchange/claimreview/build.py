"""ClaimReview in, second half: reviews (from read.py or claimskg.py) made into the
dataset's records, with the identity of reviewers, placeholder claimants and the sources of
appearances and review pages matched against the database."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from ...models import Actor, ActorKind, Verdict
from ..dataset.records import SECTIONS, Record, add_records
from .ratings import RatingReader, not_understood_summary, words
from .reviews import CHUNK, CLAIM_ID, FROM_HEADLINE, STATED_CLAIMANT, Party, Problems, Review, Work, slugify
from .sources import Sources

# Who "said" it when nobody is named: kept as text, never made a person. One line per language.
# Actors with aliases: compared as text, since PostgreSQL's json type has no comparison operators.
_HAS_ALIASES = cast(Actor.aliases, String) != "[]"
_PLACEHOLDER_NAMES = """
Unknown | Unknown source | Unknown sources | Anonymous | N/A | None | Not applicable | Multiple sources
Multiple people | Various sources | Various | Several sources | Facebook posts | Facebook post | Facebook users
Facebook user | Twitter users | Twitter posts | Instagram posts | TikTok posts | TikTok videos | WhatsApp messages
WhatsApp | Telegram posts | Social media | Social media posts | Social media users | Social media user
Multiple social media users | Viral post | Viral posts | Viral image | Viral video | Viral message | Internet users
Netizens | Bloggers | Online posts | Websites | Multiple websites | Blog posts | Various websites
Inconnu | Inconnue | Sources multiples | Plusieurs sources | Réseaux sociaux | Internautes | Publications Facebook
Publications sur les réseaux sociaux | Utilisateurs des réseaux sociaux
Desconocido | Varias fuentes | Múltiples fuentes | Redes sociales | Usuarios de redes sociales | Internautas | Varios
Publicaciones en redes sociales
Desconhecido | Redes sociais | Usuários de redes sociais | Publicações nas redes sociais | Várias fontes
Múltiplas fontes
Unbekannt | Soziale Medien | Nutzer in sozialen Medien | Mehrere Quellen | Verschiedene Quellen
Sconosciuto | Social network | Utenti social | Più fonti | Fonti multiple
Onbekend | Sociale media
Nieznany | Media społecznościowe | Internauci
Neznámý | Sociální sítě
Nepoznato | Društvene mreže
Bilinmiyor | Sosyal medya | Sosyal medya kullanıcıları
Άγνωστο | Μέσα κοινωνικής δικτύωσης
Неизвестно | Соцсети | Пользователи соцсетей
Невідомо | Соцмережі | Користувачі соцмереж
مجهول | مواقع التواصل الاجتماعي
अज्ञात | सोशल मीडिया | सोशल मीडिया यूजर | सोशल मीडिया यूजर्स | वायरल पोस्ट
Media sosial | Warganet | Tidak diketahui
"""
PLACEHOLDERS = {" ".join(words(name)) for name in re.split(r"[|\n]", _PLACEHOLDER_NAMES) if words(name)}


def is_placeholder(name: str) -> bool:
    return " ".join(words(name)) in PLACEHOLDERS


def _host(url: str) -> str | None:
    """The site of a URL, or of a bare domain ("factcheck.afp.com"); None for other identifiers."""
    if "://" not in url and (":" in url or "." not in url):
        return None  # "urn:example:checker", "#organization"
    text = url if "://" in url else f"https://{url}"
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


class _Groups:
    """Union-find over a file's reviewers: mentions sharing an identifier are one reviewer."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, keys: list[str]) -> None:
        roots = [self.find(key) for key in keys]
        for root in roots[1:]:
            self.parent[root] = roots[0]


def reviewer_keys(party: Party, review_url: str | None) -> list[str]:
    """A reviewer's identifiers: each @id/url/sameAs, the site it is on, and its folded name."""
    keys = []
    for key in party.keys:
        keys.append(f"id:{key.strip().rstrip('/').lower()}")
        if host := _host(key):
            keys.append(f"host:{host}")
    if not party.keys and not party.person and review_url and (host := _host(review_url)):
        keys.append(f"host:{host}")  # an outlet named only by name: the site its review is on
    if party.name:
        keys.append(f"name:{slugify(party.name)}")
    return keys


def _unnamed(keys: list[str]) -> str:
    """A name for a reviewer the file gives only by identifiers: its site, else its first one."""
    hosts = [key for key in keys if key.startswith("host:")]
    return (hosts or keys)[0].split(":", 1)[1]


class RecordBuilder:
    """Turns reviews into the dataset's records (actors, sources, claims with verdicts, links),
    reusing what the database has: sources by URL, actors by name or alias, reviewers also by the
    site of their existing reviews; claims by slug (made from their text)."""

    def __init__(self, session: Session, file: str, ratings: RatingReader, problems: Problems) -> None:
        self.session = session
        self.file = file
        self.ratings = ratings
        self.problems = problems
        self.unread: list[str] = []
        self.aliases_not_added: list[str] = []
        self.from_headlines: set[str] = set()  # claims whose text is a review's headline

    def build(self, reviews: list[Review]) -> dict[str, list[Record]]:
        self.reviews = reviews
        reviewers = self._reviewers()
        actors: dict[str, dict[str, Any]] = {}
        for slug, record in reviewers.values():
            if record is not None:
                actors.setdefault(slug, record)
        # A review page's publisher is its reviewer, new in this file or already in the database.
        known = sorted({slug for slug, record in reviewers.values() if record is None})
        names = dict(self.session.execute(select(Actor.slug, Actor.name).where(Actor.slug.in_(known))).all())
        names.update((slug, record["name"]) for slug, record in actors.items())
        sources = Sources(self.session, reviews)
        claims: dict[str, dict[str, Any]] = {}
        links: dict[tuple[str, str, str], dict[str, Any]] = {}
        existing_actors = self._existing_actor_slugs(reviews)
        for record in actors.values():  # a claimant may be a reviewer of this file, by one of its names
            for name in [record["name"], *record.get("aliases", [])]:
                existing_actors.setdefault(slugify(name), record["slug"])
        for review in reviews:
            claim_slug = self._claim_slug(review.claim_id, review.claim)
            claim = claims.setdefault(
                claim_slug, {"slug": claim_slug, "text": review.claim, "appearances": [], "verdicts": []}
            )
            self._claimant(review, claim, actors, existing_actors)
            if review.from_headline and claim_slug not in self.from_headlines:
                self.from_headlines.add(claim_slug)
                claim["note"] = " ".join(filter(None, [claim.get("note"), FROM_HEADLINE]))
            for key, value in (("stated_on", review.stated_on), ("language", review.language)):
                if value and not claim.get(key):
                    claim[key] = value
            for work in review.appearances:
                slug = sources.add(work)
                if slug not in claim["appearances"]:
                    claim["appearances"].append(slug)
            if review.first and not claim.get("stated_in"):
                claim["stated_in"] = sources.add(review.first)
            if review.tags:
                claim["tags"] = list(dict.fromkeys([*claim.get("tags", []), *review.tags]))
            reviewer_slug, _ = reviewers.get(id(review), (None, None))
            reviewer_name = names.get(reviewer_slug) if reviewer_slug else None
            if review.url:
                page = Work(review.url, review.title, publisher=reviewer_name, date=review.date, article=True)
                sources.add(page, language=review.review_language)
            self._verdict(review, claim, reviewer_slug)
            for relation, outgoing, target_id, text in review.links:
                other = self._claim_slug(target_id, text) if target_id or text else None
                if other is None:
                    continue
                if text and other not in claims:
                    claims[other] = {"slug": other, "text": text, "appearances": [], "verdicts": []}
                first, second = (claim_slug, other) if outgoing else (other, claim_slug)
                links.setdefault(
                    (first, relation.value, second), {"from": first, "relation": relation.value, "to": second}
                )
        self.problems.raise_any()
        for claim in claims.values():
            for key in ("appearances", "verdicts"):
                if not claim[key]:
                    del claim[key]
        document = {
            "actors": list(actors.values()),
            "sources": sources.records(),
            "claims": list(claims.values()),
            "links": list(links.values()),
        }
        return add_records({section: [] for section in SECTIONS}, document, self.file)

    def _claim_slug(self, claim_id: str | None, text: str | None) -> str:
        """Our own `urn:factcheck:claim:SLUG` keeps its slug; any other claim is named by its text."""
        if claim_id and claim_id.startswith(CLAIM_ID) and claim_id[len(CLAIM_ID) :]:
            return claim_id[len(CLAIM_ID) :]
        return slugify(text or claim_id or "")

    def _existing_actor_slugs(self, reviews: list[Review]) -> dict[str, str]:
        """Folded names and aliases of the database's actors → their slugs, for the names in the file."""
        names = {slugify(r.claimant.name) for r in reviews if r.claimant and r.claimant.name}
        found: dict[str, str] = {}
        ordered = sorted(names)
        for start in range(0, len(ordered), CHUNK):
            for slug in self.session.scalars(select(Actor.slug).where(Actor.slug.in_(ordered[start : start + CHUNK]))):
                found[slug] = slug
        for slug, aliases in self.session.execute(select(Actor.slug, Actor.aliases).where(_HAS_ALIASES)):
            for alias in aliases or []:
                found.setdefault(slugify(alias), slug)
        return found

    def _claimant(
        self, review: Review, claim: dict[str, Any], actors: dict[str, dict[str, Any]], existing: dict[str, str]
    ) -> None:
        party = review.claimant
        if party is None or not party.name or claim.get("claimant") or claim.get("note"):
            return
        if is_placeholder(party.name):
            claim["note"] = f"{STATED_CLAIMANT}{party.name}"
            return
        key = slugify(party.name)
        slug = existing.get(key)
        if slug is None:  # not in the database: a new actor
            slug = key
            kind = ActorKind.ORGANISATION if party.organisation else ActorKind.PERSON
            actors.setdefault(slug, {"slug": slug, "name": party.name, "kind": kind.value})
        claim["claimant"] = slug

    def _reviewers(self) -> dict[int, tuple[str, dict[str, Any] | None]]:
        """Each review's reviewer slug, and the actor record when it is new."""
        groups = _Groups()
        mentions = [(review, reviewer_keys(review.reviewer, review.url)) for review in self.reviews if review.reviewer]
        for _review, keys in mentions:
            if keys:
                groups.join(keys)
        known = self._known_reviewers({key for _review, keys in mentions for key in keys})
        members: dict[str, list[tuple[Review, list[str]]]] = {}
        for review, keys in mentions:
            if keys:
                members.setdefault(groups.find(keys[0]), []).append((review, keys))
        result: dict[int, tuple[str, dict[str, Any] | None]] = {}
        for group in members.values():
            names = Counter(r.reviewer.name for r, _keys in group if r.reviewer and r.reviewer.name)
            all_keys = [key for _r, keys in group for key in keys]
            existing = next((known[key] for key in all_keys if key in known), None)
            if existing is not None:
                slug, record = existing, None
                self.aliases_not_added += [n for n in names if slugify(n) != existing]
            else:
                ordered = [name for name, _count in names.most_common()]
                name = ordered[0] if ordered else _unnamed(all_keys)
                person = all(r.reviewer.person for r, _keys in group if r.reviewer)
                slug = slugify(name)
                aliases = [other for other in ordered[1:] if slugify(other) != slug]
                kind = ActorKind.PERSON if person else ActorKind.OUTLET
                record = {"slug": slug, "name": name, "kind": kind.value, "aliases": aliases}
            for review, _keys in group:
                result[id(review)] = (slug, record)
        return result

    def _known_reviewers(self, keys: set[str]) -> dict[str, str]:
        """The database's actors for some of these keys: by name or alias, or by the site of a review."""
        names = sorted(key[5:] for key in keys if key.startswith("name:"))
        known: dict[str, str] = {}
        for start in range(0, len(names), CHUNK):
            for slug in self.session.scalars(select(Actor.slug).where(Actor.slug.in_(names[start : start + CHUNK]))):
                known[f"name:{slug}"] = slug
        for slug, aliases in self.session.execute(select(Actor.slug, Actor.aliases).where(_HAS_ALIASES)):
            for alias in aliases or []:
                known.setdefault(f"name:{slugify(alias)}", slug)
        hosts = {key for key in keys if key.startswith("host:")}
        if hosts:
            # One or two review pages per reviewer say which site it publishes on.
            sample = (
                select(Verdict.reviewer_id, func.min(Verdict.review_url), func.max(Verdict.review_url))
                .where(Verdict.review_url.is_not(None), Verdict.reviewer_id.is_not(None))
                .group_by(Verdict.reviewer_id)
            )
            slugs = dict(self.session.execute(select(Actor.id, Actor.slug)).all())
            for reviewer_id, *urls in self.session.execute(sample):
                for url in urls:
                    host = f"host:{_host(url or '')}"
                    if host in hosts and reviewer_id in slugs:
                        known.setdefault(host, slugs[reviewer_id])
        return known

    def _verdict(self, review: Review, claim: dict[str, Any], reviewer: str | None) -> None:
        if review.our_rating is not None:  # as our own export read it, whatever the vocabulary says now
            rating = review.our_rating
        else:
            reading = self.ratings.read(review.label)
            if not reading.understood:
                self.unread.append(review.label)
            rating = reading.rating
        verdict = {
            "rating": rating.value,
            "textual_rating": None if review.own else review.label,
            "rationale": review.body,
            "reviewer": reviewer,
            "review_url": review.url,
            "reviewed_on": review.date,
            **(
                {}
                if review.own
                else dict(zip(("rating_value", "best_rating", "worst_rating"), review.values, strict=True))
            ),
        }
        verdict = {key: value for key, value in verdict.items() if value is not None}
        if verdict not in claim["verdicts"]:  # the same review twice in a file counts once
            claim["verdicts"].append(verdict)


@dataclass
class ReadReviews:
    """A file's records, and what the reading found worth saying (labels not understood)."""

    records: dict[str, list[Record]]
    unread_labels: list[str]
    aliases_not_added: list[str]
    from_headlines: int = 0  # claims whose text was taken from their review's headline

    def notes(self) -> list[str]:
        """What an import says of the reading: labels not understood, names, headlines as claims."""
        notes = [note for note in [not_understood_summary(self.unread_labels)] if note]
        if self.aliases_not_added:
            names = ", ".join(f"“{name}”" for name in dict.fromkeys(self.aliases_not_added))
            notes.append(f"Reviewers already in the database were matched by their site; other names seen: {names}")
        if self.from_headlines:
            notes.append(
                f"{self.from_headlines} claim(s) took their text from their review's headline (the review states "
                "no claim): their note says so; reword them with `factcheck claim edit`"
            )
        return notes


def build_records(
    session: Session, file: str, reviews: list[Review], ratings: RatingReader | None, problems: Problems
) -> ReadReviews:
    builder = RecordBuilder(session, file, ratings or RatingReader(), problems)
    problems.raise_any()
    records = builder.build(reviews)
    return ReadReviews(records, builder.unread, builder.aliases_not_added, len(builder.from_headlines))
