"""Argdown (https://argdown.org): the claim graph as an argument map, and reading such a map back.

Every claim is a statement `[slug]: text #(tag) {data}` (its data: claimant, date, each reviewer's
current verdict, duplicates). Under it, indented, its outgoing links as Argdown relations:
`-> [other]` it rebuts (attacks) the other claim, `+> [other]` it supports it, `_> [other]` it
qualifies it (an undercut: it limits the claim rather than denying it). A duplicate is marked in the
statement's data and drawn as `+>`, since a claim entails the one it repeats; Argdown's own
equivalence (one title for both) would merge the two claims. Evidence follows as arguments whose
text is the quote: `+ <evidence-N>: quote {speaker, source, quote status}` supports the claim,
`-` refutes, `_` qualifies; evidence giving context has no relation: it stands on its own and names
its claim in its data.

User text is escaped so that Argdown reads it as plain text: every character that could open
markup (brackets, tags, mentions, data, comments, emphasis, shortcodes) gets a backslash, and line
breaks become spaces. Data is written as YAML flow mappings in JSON's quoting, with braces inside
strings as \\u escapes so that no text can close the data early.

`read_argdown` reads back claims, tags and links (statements and relations between statements,
whoever wrote them); arguments (evidence) are recognised and not imported. Anything else is named
with its line, and nothing is written."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import InvalidInput
from ...limits import MAX_FILE_BYTES
from ...services.graphs import ClaimGraph, GraphClaim, GraphEvidence, claim_graph
from ..dataset.records import SECTIONS, Record
from ..parsing import parse_yaml

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# Argdown relation arrows, seen from the statement they are indented under.
OUTGOING = {"rebuts": "->", "supports": "+>", "qualifies": "_>", "duplicates": "+>"}
EVIDENCE_ARROWS = {"supports": "+", "refutes": "-", "qualifies": "_"}
# An arrow under a statement: (relation, True when the statement above is the link's source).
ARROWS = {
    "->": ("rebuts", True),
    "+>": ("supports", True),
    "_>": ("qualifies", True),
    "-": ("rebuts", False),
    "<-": ("rebuts", False),
    "+": ("supports", False),
    "<+": ("supports", False),
    "_": ("qualifies", False),
    "<_": ("qualifies", False),
}
FRONT_MATTER = "===\ntitle: factcheck argument map\n===\n"
# Characters that can start Argdown markup inside a statement's text.
_MARKUP = re.compile(r"([\\@#*_\[\]<>/{}()~`|=+])")
_RUN = re.compile(r"([.:])(?=\S)")  # `.x.` and `:x:` are shortcodes
_TAG_SAFE = re.compile(r"[^()\r\n]+")


def escape(text: str) -> str:
    """`text` as Argdown statement text that reads back as exactly `text` (line breaks aside)."""
    flat = " ".join(text.split())
    return _RUN.sub(r"\\\1", _MARKUP.sub(r"\\\1", flat))


def _string(text: str) -> str:
    """A string in JSON's quoting (valid YAML), with no brace that could close Argdown data."""
    return json.dumps(text, ensure_ascii=False).replace("{", "\\u007b").replace("}", "\\u007d")


def data(value: Any) -> str:
    """A value as a YAML flow mapping/list that Argdown's data reader takes as one piece."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_string(str(k))}: {data(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(data(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return _string(str(value))


def _tag(name: str) -> str:
    return f"#({name})" if _TAG_SAFE.fullmatch(name) and name.strip() == name else ""


def write_argdown(graph: ClaimGraph) -> str:
    """The claim graph as an Argdown document."""
    blocks = [FRONT_MATTER]
    for claim in graph.claims:
        links = [link for link in graph.links if link.source == claim.slug]
        lines = [_statement(claim, links)]
        lines += [f"  {OUTGOING[link.relation]} [{link.target}]" for link in links]
        lines += [
            f"  {EVIDENCE_ARROWS[e.stance]} {_argument(claim, e)}"
            for e in claim.evidence
            if e.stance in EVIDENCE_ARROWS
        ]
        blocks.append("\n".join(lines) + "\n")
        blocks += [_argument(claim, e) + "\n" for e in claim.evidence if e.stance not in EVIDENCE_ARROWS]
    return "\n".join(blocks)


def _statement(claim: GraphClaim, links: list[Any]) -> str:
    tags = [_tag(name) for name in claim.tags]
    facts: dict[str, Any] = {}
    if claim.claimant:
        facts["claimant"] = claim.claimant
    if claim.stated_on:
        facts["stated_on"] = claim.stated_on
    if any(not tag for tag in tags):  # names Argdown's #(...) cannot hold
        facts["tags"] = [name for name, tag in zip(claim.tags, tags, strict=True) if not tag]
    if claim.verdicts:
        facts["verdicts"] = [
            {
                key: value
                for key, value in (
                    ("rating", v.rating),
                    ("label", v.label),
                    ("reviewer", v.reviewer),
                    ("reviewed_on", v.reviewed_on),
                )
                if value is not None
            }
            for v in claim.verdicts
        ]
    duplicates = [link.target for link in links if link.relation == "duplicates"]
    if duplicates:
        facts["duplicates"] = duplicates
    notes = [{"to": link.target, "relation": link.relation, "note": link.note} for link in links if link.note]
    if notes:
        facts["notes"] = notes
    parts = [f"[{claim.slug}]: {escape(claim.text)}", *(tag for tag in tags if tag)]
    if facts:
        parts.append(data(facts))
    return " ".join(parts)


def _argument(claim: GraphClaim, evidence: GraphEvidence) -> str:
    facts = {
        "claim": claim.slug if evidence.stance not in EVIDENCE_ARROWS else None,  # else the claim it is under
        "stance": evidence.stance,
        "source": evidence.source,
        "source_title": evidence.source_title,
        "speaker": evidence.speaker,
        "speaker_name": evidence.speaker_name,
        "locator": evidence.locator,
        "quote_status": evidence.quote_status,
    }
    kept = {key: value for key, value in facts.items() if value is not None}
    return f"<evidence-{evidence.id}>: {escape(evidence.quote)} {data(kept)}"


# --- reading ------------------------------------------------------------------------------------

_STATEMENT = re.compile(r"\[(?P<title>[^\]\s][^\]]*)\]:\s*(?P<rest>.*)")
_ARGUMENT = re.compile(r"<(?P<title>[^>\s][^>]*)>(?::\s*(?P<rest>.*))?")
_RELATION = re.compile(r"(?P<indent>[ \t]+)(?P<arrow>\+>|->|_>|<\+|<-|<_|><|\+|-|_)\s+(?P<target>.*)")
_REFERENCE = re.compile(r"\[(?P<title>[^\]\s][^\]]*)\](?::\s*(?P<rest>.*))?")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class _Statement:
    line: int
    text: str | None = None
    tags: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def read_argdown(path: Path) -> tuple[dict[str, list[Record]], list[str]]:
    """The claims (slug, text, tags, date) and links in an Argdown file as dataset records, and
    notes on what was read but not imported. Unknown syntax is refused, naming every such line."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput(f"{path.name} is larger than {MAX_FILE_BYTES} bytes")
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path.name} is not UTF-8 text") from None
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror}") from None
    statements: dict[str, _Statement] = {}
    links: list[tuple[int, str, str, str]] = []  # line, from, relation, to
    problems: list[str] = []
    evidence = 0
    parents: list[tuple[int, str | None]] = []  # (indent, statement title or None for an argument)
    lines = source.splitlines()
    number = 0
    if lines and lines[0].strip() == "===":  # front matter: settings for Argdown's tools
        closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "==="), None)
        if closing is None:
            raise InvalidInput(f"{path.name}, line 1: front matter (===) is not closed")
        number = closing + 1
    for index in range(number, len(lines)):
        line, where = lines[index].rstrip(), index + 1
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        if not line[0].isspace():
            parents = []
            if stripped.startswith("#") and re.match(r"#+\s", stripped):  # a heading
                continue
            if match := _STATEMENT.fullmatch(stripped):
                title = match["title"]
                problem = _define(statements, title, match["rest"], where)
                if problem:
                    problems.append(problem)
                parents = [(0, title)]
            elif _ARGUMENT.fullmatch(stripped):
                evidence += 1
                parents = [(0, None)]
            else:
                problems.append(f"line {where}: not understood: {stripped[:60]!r}")
            continue
        relation = _RELATION.fullmatch(line)
        if relation is None or not parents:
            problems.append(f"line {where}: not understood: {stripped[:60]!r}")
            continue
        indent = len(relation["indent"].expandtabs(4))
        while parents and parents[-1][0] >= indent:
            parents.pop()
        if not parents:
            problems.append(f"line {where}: a relation must be indented under a statement")
            continue
        parent = parents[-1][1]
        arrow, target = relation["arrow"], relation["target"].strip()
        if _ARGUMENT.fullmatch(target):  # evidence (an argument): not imported
            evidence += 1
            parents.append((indent, None))
            continue
        reference = _REFERENCE.fullmatch(target)
        if reference is None:
            problems.append(f"line {where}: not understood: {stripped[:60]!r}")
            continue
        title = reference["title"]
        if reference["rest"] is not None:
            problem = _define(statements, title, reference["rest"], where)
            if problem:
                problems.append(problem)
        else:
            statements.setdefault(title, _Statement(where))
        parents.append((indent, title))
        if parent is None:
            continue  # a relation of an argument: evidence, not imported
        if arrow not in ARROWS:
            problems.append(f"line {where}: {arrow} (contradiction) is not a claim link: use ->, +> or _>")
            continue
        name, outgoing = ARROWS[arrow]
        source_title, target_title = (parent, title) if outgoing else (title, parent)
        links.append((where, source_title, name, target_title))
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise InvalidInput(f"{path.name}: {shown}{more}; nothing was imported")
    return _records(path.name, statements, links), _notes(evidence)


def _define(statements: dict[str, _Statement], title: str, rest: str, where: int) -> str | None:
    """Record a statement's text, tags and data; a problem with it, named by line."""
    if not _SLUG.fullmatch(title):
        return f"line {where}: [{title[:40]}] is not a claim slug (lowercase letters, digits and hyphens)"
    try:
        text, tags, facts = _split(rest)
    except ValueError as error:
        return f"line {where}: {error}"
    statement = statements.setdefault(title, _Statement(where))
    if statement.text is not None and text and statement.text != text:
        return f"line {where}: [{title}] is given two different texts (line {statement.line} and here)"
    if text:
        statement.text, statement.line = text, where
    statement.tags += [tag for tag in tags if tag not in statement.tags]
    statement.facts.update(facts)
    return None


def _split(rest: str) -> tuple[str, list[str], dict[str, Any]]:
    """A statement's text, its #tags and its {data}, with escapes undone."""
    text: list[str] = []
    tags: list[str] = []
    facts: dict[str, Any] = {}
    i = 0
    while i < len(rest):
        char = rest[i]
        if char == "\\" and i + 1 < len(rest):
            text.append(rest[i + 1])
            i += 2
        elif char == "#" and (tag := re.match(r"#\(([^)]+)\)|#([\w-]+)", rest[i:])):
            tags.append((tag[1] or tag[2]).strip())
            i += tag.end()
        elif char == "{":
            facts = _facts(rest[i:])
            break
        else:
            text.append(char)
            i += 1
    return " ".join("".join(text).split()), tags, facts


def _facts(raw: str) -> dict[str, Any]:
    """A statement's {data}, read as a dataset's YAML is: under the same limits (aliases, depth)."""

    try:
        loaded = parse_yaml(raw, "data")
    except InvalidInput as error:
        raise ValueError(f"data {raw[:40]!r} is not readable: {str(error).removeprefix('data: ')}") from None
    if not isinstance(loaded, dict):
        raise ValueError(f"data {raw[:40]!r} is not a mapping")
    return loaded


def _records(
    name: str, statements: dict[str, _Statement], links: list[tuple[int, str, str, str]]
) -> dict[str, list[Record]]:
    records: dict[str, list[Record]] = {section: [] for section in SECTIONS}
    for title, statement in statements.items():
        if statement.text is None:  # only referred to: the claim must be in the database already
            continue
        facts = statement.facts
        extra = _listed(facts, "tags")
        claim: dict[str, Any] = {"slug": title, "text": statement.text, "tags": statement.tags + extra}
        if facts.get("stated_on") is not None:
            claim["stated_on"] = str(facts["stated_on"])
        records["claims"].append(Record(name, "claims", len(records["claims"]), claim))
    for _where, source, relation, target in links:
        facts = statements[source].facts
        if relation == "supports" and target in _listed(facts, "duplicates"):
            relation = "duplicates"
        link: dict[str, Any] = {"from": source, "relation": relation, "to": target}
        for note in facts.get("notes") or []:
            if isinstance(note, dict) and note.get("to") == target and note.get("relation") == relation:
                link["note"] = note.get("note")
        records["links"].append(Record(name, "links", len(records["links"]), link))
    return records


def _listed(facts: dict[str, Any], key: str) -> list[Any]:
    value = facts.get(key)
    return value if isinstance(value, list) else []


def _notes(evidence: int) -> list[str]:
    if not evidence:
        return []
    return [f"{evidence} arguments (evidence) were read but not imported: Argdown carries no sources to check them"]


def write_file(
    session: Session, *, claims: Iterable[str] | None = None, tags: Iterable[str] | None = None
) -> Iterator[str]:
    """`factcheck export --format argdown`: the argument map of every claim, or of some with all they link to."""
    graph = claim_graph(session, claims=claims, tags=tags)
    return iter([write_argdown(graph)])


def read_file(session: Session, path: Path, rating_map: Path | None) -> tuple[dict[str, list[Record]], list[str]]:
    """`factcheck import --format argdown`: the records, and notes on what was not imported."""
    return read_argdown(path)
