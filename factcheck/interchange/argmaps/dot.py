"""The claim graph as Graphviz DOT (`export --format dot`). Labels are DOT's quoted strings with
backslashes, so that no claim text can end a label or a statement."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ...services.graphs import ClaimGraph, GraphClaim, claim_graph

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

EDGE_STYLES = {
    "rebuts": 'color="#c0392b"',
    "supports": 'color="#27ae60"',
    "qualifies": 'color="#d68910", style=dashed',
    "duplicates": 'color="#7f8c8d", style=dotted',
}
LABEL_WIDTH = 40  # characters on a line of a node's label


def dot_string(text: str) -> str:
    """`text` as a DOT quoted string: backslashes and quotes escaped, line breaks as \\n."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "\\n".join(" ".join(line.split()) for line in escaped.splitlines() or [""]) + '"'


def _dot_label(claim: GraphClaim) -> str:
    lines = textwrap.wrap(" ".join(claim.text.split()), LABEL_WIDTH) or [""]
    verdicts = ", ".join(v.rating + (f" ({v.reviewer_name})" if v.reviewer_name else "") for v in claim.verdicts)
    return "\n".join([*lines, *([f"[{verdicts}]"] if verdicts else [])])


def write_dot(graph: ClaimGraph) -> str:
    """The claim graph as a Graphviz digraph: a node per claim (its slug as id), an edge per link."""
    out = ["digraph claims {", "  rankdir=LR;", '  node [shape=box, style=rounded, fontname="Helvetica"];']
    for claim in graph.claims:
        out.append(f"  {dot_string(claim.slug)} [label={dot_string(_dot_label(claim))}];")
    for link in graph.links:
        out.append(
            f"  {dot_string(link.source)} -> {dot_string(link.target)} "
            f"[label={dot_string(link.relation)}, {EDGE_STYLES.get(link.relation, '')}];"
        )
    out.append("}")
    return "\n".join(out) + "\n"


def write_file(
    session: Session, *, claims: Iterable[str] | None = None, tags: Iterable[str] | None = None
) -> Iterator[str]:
    """`factcheck export --format dot`: the argument map of every claim, or of some with all they link to."""
    graph = claim_graph(session, claims=claims, tags=tags)
    return iter([write_dot(graph)])
