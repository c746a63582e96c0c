"""The mermaid block that every claim report carries (GitHub, GitLab and Obsidian draw it
natively): a claim and the claims linked to it. Labels get mermaid's `#code;` entities for every
character that is not a letter, digit, space or plain punctuation, so that no claim text can end a
label or the fenced block."""

from __future__ import annotations

from ..services.graphs import ClaimGraph

MERMAID_LABEL = 120  # characters of a claim's text in a mermaid node, then "…"
_MERMAID_PLAIN = set(" .,:!?'-/%+=")


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
