"""The Argument Interchange Format (AIF) as AIFdb reads and writes it: JSON with `nodes` (each with
`nodeID`, `text`, `type`), `edges` (`edgeID`, `fromID`, `toID`) and `locutions`.

Claims and quotes are information nodes (I). A link becomes a scheme node between two I-nodes:
`supports` an inference (RA), `rebuts` a conflict (CA), `duplicates` a rephrase (MA). A
qualification does not deny a claim but limits the reasons for it, so it is a conflict (CA) aimed at
each inference (RA) that concludes the qualified claim, or at the claim itself when nothing yet
supports it. Evidence is a quote I-node with the same scheme nodes towards its claim (context gives
none); who said it, and where, is a locution (L) that asserts the quote through a YA node, as in
AIFdb's dialogical corpora, and is listed in `locutions` with the speaker and source."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ...jsontext import to_json
from ...services.graphs import ClaimGraph, claim_graph

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SCHEMES = {"supports": "RA", "rebuts": "CA", "qualifies": "CA", "duplicates": "MA"}
SCHEME_TEXT = {"RA": "Default Inference", "CA": "Default Conflict", "MA": "Default Rephrase"}
STANCE_SCHEMES = {"supports": "supports", "refutes": "rebuts", "qualifies": "qualifies"}


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []
        self.locutions: list[dict[str, Any]] = []
        self.participants: dict[str, dict[str, Any]] = {}
        self.inferences: dict[str, list[str]] = {}  # I-node id → RA nodes concluding in it

    def node(self, type: str, text: str, **extra: Any) -> str:
        node_id = str(len(self.nodes) + 1)
        self.nodes.append({"nodeID": node_id, "text": text, "type": type, **extra})
        return node_id

    def edge(self, from_id: str, to_id: str) -> None:
        self.edges.append({"edgeID": str(len(self.edges) + 1), "fromID": from_id, "toID": to_id, "formEdgeID": None})

    def scheme(self, relation: str, premise: str, conclusion: str) -> None:
        type = SCHEMES[relation]
        node_id = self.node(type, SCHEME_TEXT[type], scheme=relation)
        self.edge(premise, node_id)
        self.edge(node_id, conclusion)
        if type == "RA":
            self.inferences.setdefault(conclusion, []).append(node_id)

    def qualify(self, premise: str, conclusion: str) -> None:
        for target in self.inferences.get(conclusion) or [conclusion]:
            self.scheme("qualifies", premise, target)


def write_aif(graph: ClaimGraph) -> dict[str, Any]:
    """The claim graph as an AIFdb JSON document."""
    aif = _Builder()
    claims = {claim.slug: aif.node("I", claim.text, claim=claim.slug) for claim in graph.claims}
    qualifications: list[tuple[str, str]] = []
    for link in graph.links:
        premise, conclusion = claims[link.source], claims[link.target]
        if link.relation == "qualifies":
            qualifications.append((premise, conclusion))
        else:
            aif.scheme(link.relation, premise, conclusion)
    for claim in graph.claims:
        for evidence in claim.evidence:
            quote = aif.node("I", evidence.quote, evidence=evidence.id)
            _locution(aif, quote, evidence)
            relation = STANCE_SCHEMES.get(evidence.stance)
            if relation == "qualifies":
                qualifications.append((quote, claims[claim.slug]))
            elif relation is not None:
                aif.scheme(relation, quote, claims[claim.slug])
    for premise, conclusion in qualifications:  # after every inference they may limit is known
        aif.qualify(premise, conclusion)
    return {
        "nodes": aif.nodes,
        "edges": aif.edges,
        "locutions": aif.locutions,
        "participants": list(aif.participants.values()),
    }


def _locution(aif: _Builder, quote: str, evidence: Any) -> None:
    speaker = evidence.speaker_name or evidence.source_title
    locution = aif.node("L", f"{speaker}: {evidence.quote}")
    assertion = aif.node("YA", "Asserting")
    aif.edge(locution, assertion)
    aif.edge(assertion, quote)
    if evidence.speaker and evidence.speaker not in aif.participants:
        aif.participants[evidence.speaker] = {
            "participantID": str(len(aif.participants) + 1),
            "firstname": evidence.speaker_name,
            "surname": "",
            "slug": evidence.speaker,
        }
    aif.locutions.append(
        {
            "nodeID": locution,
            "personID": aif.participants[evidence.speaker]["participantID"] if evidence.speaker else None,
            "speaker": evidence.speaker_name,
            "source": evidence.source,
            "sourceTitle": evidence.source_title,
            "locator": evidence.locator,
            "quoteStatus": evidence.quote_status,
        }
    )


def write_file(
    session: Session, *, claims: Iterable[str] | None = None, tags: Iterable[str] | None = None
) -> Iterator[str]:
    """`factcheck export --format aif`: the argument map of every claim, or of some with all they link to."""
    graph = claim_graph(session, claims=claims, tags=tags)
    return iter([to_json(write_aif(graph))])
