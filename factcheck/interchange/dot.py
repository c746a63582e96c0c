"""Pictures of the claim graph: Graphviz DOT for the whole graph (`export --format dot`), and the
mermaid block that every claim report carries (GitHub, GitLab and Obsidian draw it natively).

Labels are escaped for each language, so that no claim text can end a label, a statement or the
fenced block: DOT's quoted strings get backslashes; mermaid's get its `#code;` entities for every
character that is not a letter, digit, space or plain punctuation."""

from __future__ import annotations

import textwrap

from .graph import ClaimGraph, GraphClaim

EDGE_STYLES = {
    "rebuts": 'color="#c0392b"',
    "supports": 'color="#27ae60"',
    "qualifies": 'color="#d68910", style=dashed',
    "duplicates": 'color="#7f8c8d", style=dotted',
}
LABEL_WIDTH = 40  # characters on a line of a node's label
MERMAID_LABEL = 120  # characters of a claim's text in a mermaid node, then "…"
_MERMAID_PLAIN = set(" .,:!?'-/%+=")


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


def mermaid_text(text: str) -> str:
    """`text` for inside a mermaid node's "…" label: one line, every character that mermaid or
    markdown could read as markup written as a `#code;` entity (a quote as #quot;)."""
    flat = " ".join(text.split())
    return "".join(
        char if char.isalnum() or char in _MERMAID_PLAIN else ("#quot;" if char == '"' else f"#{ord(char)};")
        for char in flat
    )


def mermaid(graph: ClaimGraph, focus: str) -> str:
    """A mermaid flowchart of `focus` and the claims linked to it (arrows read "A rebuts B")."""
    ids = {claim.slug: f"c{number}" for number, claim in enumerate(graph.claims, start=1)}
    out = ["flowchart LR"]
    for claim in graph.claims:
        text = claim.text if len(claim.text) <= MERMAID_LABEL else claim.text[: MERMAID_LABEL - 1].rstrip() + "…"
        out.append(f'  {ids[claim.slug]}["{mermaid_text(text)}"]')
    for link in graph.links:
        out.append(f"  {ids[link.source]} -->|{link.relation}| {ids[link.target]}")
    if focus in ids:
        out.append(f"  style {ids[focus]} stroke-width:3px")
    return "\n".join(out)
