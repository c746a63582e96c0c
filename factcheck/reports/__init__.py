"""Markdown reports, rendered from Jinja2 templates: a dossier per claim, an index of claims, and
everything one source says. Every piece of user text goes through the `md` or `cell` filter, so
that no claim text can break a table or inject HTML."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..models import Claim, Stance, Tag, claim_tags
from ..services.claims import list_claims, show_claim
from ..services.sources import show_source

TEMPLATES = ("claim.md.j2", "index.md.j2", "source.md.j2")
_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~&])")
_LINE_START = re.compile(r"^(\s*)([-=+]|\d+[.)])", re.MULTILINE)


def md(text: Any) -> str:
    """User text as inline markdown that shows exactly as typed: markdown and HTML characters
    are backslash-escaped and line breaks become spaces."""
    if text is None:
        return ""
    flat = " ".join(str(text).split())
    return _LINE_START.sub(r"\1\\\2", _SPECIAL.sub(r"\\\1", flat))


@lru_cache(maxsize=8)  # compiled templates are kept: a report of every claim compiles them once
def environment(template_dir: Path | None = None) -> Environment:
    """Templates from `template_dir` when the user gives one, else the package's own."""
    if template_dir is not None and not template_dir.is_dir():
        raise InvalidInput(f"no template folder {template_dir}")
    loader = FileSystemLoader(str(template_dir)) if template_dir else PackageLoader("factcheck.reports", "templates")
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=(), default=False),  # markdown: the md filter escapes
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md
    return env


class Citations:
    """Footnote numbers for sources, in order of first citation."""

    def __init__(self) -> None:
        self.sources: dict[str, dict[str, Any]] = {}

    def __call__(self, source: dict[str, Any]) -> str:
        if source["slug"] not in self.sources:
            self.sources[source["slug"]] = source
        return f"[^{list(self.sources).index(source['slug']) + 1}]"


def _timeline(dossier: dict[str, Any]) -> list[dict[str, str]]:
    """The dated claims and sources a dossier involves, in date order."""
    entries: dict[tuple[str, str], str] = {}
    claim = dossier["claim"]
    if claim["stated_on"]:
        entries[(claim["stated_on"], "claim")] = f"The claim is made: {claim['text']}"
    for item in dossier["counterclaims"] + [i for items in dossier["related"].values() for i in items]:
        if item["stated_on"]:
            entries[(item["stated_on"], item["slug"])] = f"Claim made: {item['text']}"
    for rows in dossier["evidence"].values():
        for evidence in rows:
            source = evidence["source"]
            original = source["republishes"]
            if original and original["published_on"]:
                entries[(original["published_on"], original["slug"])] = (
                    f"Published: {original['title']} ({original['publisher'] or 'unknown publisher'})"
                )
            if source["published_on"]:
                verb = "Republished" if original else "Published"
                entries[(source["published_on"], source["slug"])] = (
                    f"{verb}: {source['title']} ({source['publisher'] or 'unknown publisher'})"
                )
    return [{"date": date, "event": event} for (date, _key), event in sorted(entries.items())]


def render_claim(session: Session, ref: str | int, *, template_dir: Path | None = None) -> str:
    """The dossier of one claim as markdown."""
    dossier = show_claim(session, ref)
    return _render_dossier(environment(template_dir), dossier)


def _render_dossier(env: Environment, dossier: dict[str, Any]) -> str:
    return env.get_template("claim.md.j2").render(
        d=dossier, cite=Citations(), stances=[stance.value for stance in Stance], timeline=_timeline(dossier)
    )


def render_source(session: Session, ref: str | int, *, template_dir: Path | None = None) -> str:
    """Everything one source says, claim by claim, as markdown."""
    view = show_source(session, ref)
    by_claim: dict[str, list[dict[str, Any]]] = {}
    for evidence in view["evidence"]:
        by_claim.setdefault(evidence["claim"], []).append(evidence)
    texts = dict(session.execute(select(Claim.slug, Claim.text).where(Claim.slug.in_(list(by_claim)))).all())
    return environment(template_dir).get_template("source.md.j2").render(s=view, by_claim=by_claim, texts=texts)


def write_all(session: Session, folder: Path, *, template_dir: Path | None = None) -> int:
    """A dossier per claim and an index page, written claim by claim so that memory stays flat
    however many claims there are. Returns the number of dossiers."""
    env = environment(template_dir)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for slug in session.scalars(select(Claim.slug).order_by(Claim.id)).all():
        (folder / f"{slug}.md").write_text(_render_dossier(env, show_claim(session, slug)), encoding="utf-8")
        session.expunge_all()  # nothing of this claim is kept once its page is written
        count += 1
    with (folder / "index.md").open("w", encoding="utf-8") as out:
        for chunk in env.get_template("index.md.j2").generate(groups=_index_groups(session), total=count):
            out.write(chunk)
    return count


def _index_groups(session: Session) -> Iterator[dict[str, Any]]:
    """Claims grouped by tag (a claim stands under each of its tags), then the untagged ones."""
    tags = session.execute(select(Tag.slug, Tag.name).order_by(Tag.name)).all()
    for slug, name in tags:
        rows = list_claims(session, tag=slug)
        if rows:
            yield {"name": name, "claims": rows}
    tagged = select(claim_tags.c.claim_id)
    untagged = [row for row in list_claims(session, ids=select(Claim.id).where(Claim.id.not_in(tagged)))]
    if untagged:
        yield {"name": "Untagged", "claims": untagged}


@contextmanager
def template_errors(template_dir: Path | None) -> Iterator[None]:
    """A broken or missing user template is the user's error, named with its file and line."""
    from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError

    try:
        yield
    except TemplateNotFound as error:
        raise InvalidInput(
            f"template {error.name} not found in {template_dir}: it needs {', '.join(TEMPLATES)}"
        ) from None
    except TemplateSyntaxError as error:
        raise InvalidInput(f"template {error.name}, line {error.lineno}: {error.message}") from None
    except TemplateError as error:
        raise InvalidInput(f"template problem: {error}") from None
