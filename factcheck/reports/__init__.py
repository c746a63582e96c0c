"""Markdown reports, rendered from Jinja2 templates: a dossier per claim, an index of claims, and
everything one source says. Every piece of user text goes through the `md` filter, and every URL
through the `link` filter, so that no claim text or URL can break a table, inject HTML or a
heading, or make a link that is not http(s).

`report --all` writes a folder whose file names cannot collide: `index.md` at the top, a claim's
dossier in `claims/SLUG.md`, a source's page in `sources/SLUG.md`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from ..controls import visible
from ..errors import InvalidInput
from ..files import atomic_output
from ..models import Relation, Stance
from ..services.claims import show_claim
from ..services.graphs import claim_graph, verdict_summary
from ..services.pages import claim_pages, index_groups, source_list, source_page
from ..services.sources import source_views
from ..services.views import Dossier
from .diagrams import mermaid

TEMPLATES = ("claim.md.j2", "index.md.j2", "source.md.j2")
CLAIMS_FOLDER = "claims"
SOURCES_FOLDER = "sources"
INDEX = "index.md"
LINKED_SCHEMES = ("http", "https")
# A URL in a link target: everything outside these is percent-encoded, so that no quote, bracket,
# angle bracket or line break can end the link and start markup of its own.
_URL_SAFE = "/:?#[]@!$&'*+,;=%~-._"
_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~&])")
_LINE_START = re.compile(r"^(\s*)([-=+]|\d+[.)])", re.MULTILINE)


def md(text: Any) -> str:
    """User text as inline markdown that shows exactly as typed: markdown and HTML characters
    are backslash-escaped and line breaks become spaces."""
    if text is None:
        return ""
    flat = visible(" ".join(str(text).split()))
    return _LINE_START.sub(r"\1\\\2", _SPECIAL.sub(r"\\\1", flat))


def link(url: Any) -> str:
    """A URL as a markdown link showing the URL itself, when it is http(s); anything else (a
    `javascript:` URL, a bare word) is shown as escaped text and never becomes a link."""
    from urllib.parse import quote, urlsplit

    if not url:
        return ""
    text = str(url).strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return md(text)
    if parts.scheme.lower() not in LINKED_SCHEMES or not parts.netloc:
        return md(text)
    return f"[{md(text)}]({quote(text, safe=_URL_SAFE)})"


def page(slug: Any) -> str:
    """A slug as a file name in a link target (slugs are [a-z0-9-], this keeps it so)."""
    from urllib.parse import quote

    return quote(str(slug), safe="") + ".md"


class _UserTemplates(FileSystemLoader):
    """The user's template folder; a template that is not UTF-8 text is named in one clear error."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as error:
            raise InvalidInput(
                f"template {template} in {self.searchpath[0]} is not UTF-8 text "
                f"(byte {error.object[error.start]:#04x} at offset {error.start}): save it as UTF-8"
            ) from None


@lru_cache(maxsize=8)  # compiled templates are kept: a report of every claim compiles them once
def environment(template_dir: Path | None = None) -> Environment:
    """Templates from `template_dir` when the user gives one, else the package's own."""
    if template_dir is not None and not template_dir.is_dir():
        raise InvalidInput(f"no template folder {template_dir}")
    loader = _UserTemplates(str(template_dir)) if template_dir else PackageLoader("factcheck.reports", "templates")
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=(), default=False),  # markdown: the md filter escapes
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md
    env.filters["link"] = link
    env.filters["page"] = page
    return env


class Citations:
    """Footnote numbers for sources, in order of first citation."""

    def __init__(self) -> None:
        self.sources: dict[str, dict[str, Any]] = {}

    def __call__(self, source: dict[str, Any]) -> str:
        if source["slug"] not in self.sources:
            self.sources[source["slug"]] = source
        return f"[^{list(self.sources).index(source['slug']) + 1}]"


def _timeline(dossier: Dossier) -> list[dict[str, str]]:
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
    slug = dossier["claim"]["slug"]
    diagram = mermaid(claim_graph(session, claims=[slug]), slug)
    return _render(environment(template_dir), "claim.md.j2", **dossier_context(dossier, diagram))


def dossier_context(dossier: Dossier, diagram: str) -> dict[str, Any]:
    """What claim.md.j2 is given. Stances and relations come from their Enums, so that a new one
    appears in every dossier without a change here. `diagram` is the mermaid diagram of the claim
    and the claims linked to it, its labels escaped (see reports.diagrams)."""

    related = [
        item for relation in Relation if relation != Relation.REBUTS for item in dossier["related"].get(relation, [])
    ]
    return {
        "d": dossier,
        "cite": Citations(),
        "stances": [stance.value for stance in Stance],
        "related": related,
        "timeline": _timeline(dossier),
        "reviewers": verdict_summary(dossier["current_verdicts"]),
        "mermaid": diagram,
    }


def _render(env: Environment, name: str, **context: Any) -> str:
    return "".join(_generate(env, name, **context))


def _generate(env: Environment, name: str, **context: Any) -> Iterator[str]:
    """A template's output, piece by piece; a template that extends or includes itself is the
    user's error, named, not a crash."""
    try:
        yield from env.get_template(name).generate(**context)
    except RecursionError:
        raise InvalidInput(
            f"template {name} extends or includes itself (directly or through another template)"
        ) from None


def render_source(session: Session, ref: str | int, *, template_dir: Path | None = None) -> str:
    """Everything one source says, claim by claim, as markdown."""

    return _render(environment(template_dir), "source.md.j2", **source_context(*source_page(session, ref)))


def write_all(session: Session, folder: Path, *, template_dir: Path | None = None) -> dict[str, int]:
    """`index.md`, a dossier per claim in `claims/` and a page per source in `sources/`, read a page
    of claims (or sources) at a time and written one file at a time, so that memory stays flat
    however many there are. Each file is written whole under a temporary name and then renamed,
    so an interrupted run leaves no half-written file. No slug can collide with another file: each
    kind has its own folder, and only the index sits at the top.
    Returns how many claim dossiers and source pages were written."""

    env = environment(template_dir)
    claims_folder, sources_folder = folder / CLAIMS_FOLDER, folder / SOURCES_FOLDER
    for made in (claims_folder, sources_folder):
        try:
            made.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # e.g. a file of that name is in the way
            raise InvalidInput(f"cannot make folder {made}: {error.strerror}") from None
    counts = {"claims": 0, "sources": 0}
    for slug, dossier, graph in claim_pages(session):
        context = dossier_context(dossier, mermaid(graph, slug))
        _write(claims_folder / page(slug), _generate(env, "claim.md.j2", **context))
        counts["claims"] += 1
    for view, texts in source_views(session):
        context = source_context(view, texts)
        _write(sources_folder / page(context["s"]["slug"]), _generate(env, "source.md.j2", **context))
        counts["sources"] += 1
    index = _generate(
        env, "index.md.j2", groups=index_groups(session), total=counts["claims"], sources=source_list(session)
    )
    _write(folder / INDEX, index)
    return counts


def _write(path: Path, chunks: Iterable[str]) -> None:
    """`path` written whole or not at all (a full disk is named as such)."""

    with atomic_output(path) as out:
        for chunk in chunks:
            out.write(chunk)


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


def source_context(view: dict[str, Any], texts: dict[str, str]) -> dict[str, Any]:
    """What source.md.j2 is given: the source's view (show_source), its quotes by claim, and the
    text of each claim they bear on (by slug)."""
    by_claim: dict[str, list[dict[str, Any]]] = {}
    for evidence in view["evidence"]:
        by_claim.setdefault(evidence["claim"], []).append(evidence)
    return {"s": view, "by_claim": by_claim, "texts": texts}
