"""Pictures of a dossier drawn on the server as inline SVG, so they need no JavaScript: the graph
of a claim with its counterclaims and related claims, and the timeline of what it involves.

Every piece of user text goes through `escape`; links are the web view's own paths."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from ..models import Relation
from ..services.views import Dossier

# Colour by relation; also used by the page's legend and CSS classes.
RELATION_COLOURS = {
    Relation.REBUTS.value: "#b3261e",
    Relation.SUPPORTS.value: "#2e7d32",
    Relation.QUALIFIES.value: "#a05a00",
    Relation.DUPLICATES.value: "#5b4bb7",
}
KIND_COLOURS = {
    "claim": "#1f3b5c",
    "related": "#5f6b7a",
    "source": "#0b6e79",
    "verdict": "#8a1c7c",
    "event": "#a05a00",
}
TIMELINE_KINDS = {
    "claim": "this claim",
    "related": "related claims",
    "source": "sources",
    "verdict": "verdicts",
    "event": "events",
}
MAX_NODES = 24  # more neighbours than this are only listed below the graph

_BOX_W, _BOX_H, _ROW = 220, 48, 60
_WIDTH = 760


def _lines(text: str, width: int, count: int) -> list[str]:
    lines = textwrap.wrap(" ".join(str(text).split()), width) or [""]
    if len(lines) > count:
        lines = lines[:count]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def _box(x: float, y: float, text: str, colour: str, href: str, title: str, *, strong: bool = False) -> str:
    lines = _lines(text, 30, 2)
    first = y + _BOX_H / 2 - (len(lines) - 1) * 8 + 4
    tspans = "".join(
        f'<tspan x="{x + _BOX_W / 2:.0f}" y="{first + number * 16:.0f}">{escape(line)}</tspan>'
        for number, line in enumerate(lines)
    )
    fill = colour if strong else "#ffffff"
    ink = "#ffffff" if strong else "#1d232b"
    return (
        f'<a href="{escape(href)}" class="node"><title>{escape(title)}</title>'
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{_BOX_W}" height="{_BOX_H}" rx="8" fill="{fill}" '
        f'stroke="{colour}" stroke-width="2"/>'
        f'<text text-anchor="middle" font-size="12" fill="{ink}">{tspans}</text></a>'
    )


def claim_graph(dossier: Dossier, claim_href: Callable[[str], str]) -> Markup:
    """The claim in the middle, counterclaims and related claims around it, one arrow each in
    the colour of its relation, pointing the way the link reads; every box links to its claim."""
    neighbours = [
        (relation, item)
        for relation, items in [(Relation.REBUTS.value, dossier["counterclaims"]), *dossier["related"].items()]
        for item in items
    ]
    if not neighbours:
        return Markup("")
    shown = neighbours[:MAX_NODES]
    rows = (len(shown) + 1) // 2
    height = max(rows * _ROW, _BOX_H + 20) + 50
    centre_x, centre_y = (_WIDTH - _BOX_W) / 2, (height - 50 - _BOX_H) / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}" role="img" aria-labelledby="graph-title">'
        '<title id="graph-title">The claim, its counterclaims and related claims</title><defs>'
    ]
    for relation, colour in RELATION_COLOURS.items():
        parts.append(
            f'<marker id="arrow-{relation}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )
    parts.append("</defs>")
    boxes = []
    for number, (relation, item) in enumerate(shown):
        left = number % 2 == 0
        x = 10 if left else _WIDTH - _BOX_W - 10
        y = 10 + (number // 2) * _ROW
        colour = RELATION_COLOURS.get(relation, "#5f6b7a")
        # From the edge of the other box to the edge of the claim's box (or back).
        other = (x + _BOX_W if left else x, y + _BOX_H / 2)
        centre = (centre_x if left else centre_x + _BOX_W, centre_y + _BOX_H / 2)
        start, end = (centre, other) if item["direction"] == "outgoing" else (other, centre)
        bend = (start[0] + end[0]) / 2
        parts.append(
            f'<path class="edge edge-{escape(relation)}" d="M{start[0]:.0f},{start[1]:.0f} C{bend:.0f},{start[1]:.0f} '
            f'{bend:.0f},{end[1]:.0f} {end[0]:.0f},{end[1]:.0f}" fill="none" stroke="{colour}" stroke-width="2" '
            f'marker-end="url(#arrow-{escape(relation)})"><title>{escape(item["reads"])}</title></path>'
        )
        counts = item["evidence_counts"]
        title = f"{item['reads']}: {item['text']} ({counts.get('supports', 0)} for, {counts.get('refutes', 0)} against)"
        boxes.append(_box(x, y, item["text"], colour, claim_href(item["slug"]), title))
    claim = dossier["claim"]
    boxes.append(_box(centre_x, centre_y, claim["text"], KIND_COLOURS["claim"], "#top", claim["text"], strong=True))
    parts.extend(boxes)
    legend_y = height - 20
    x = 10
    for relation, colour in RELATION_COLOURS.items():
        parts.append(
            f'<rect x="{x}" y="{legend_y - 9}" width="14" height="4" fill="{colour}"/>'
            f'<text x="{x + 20}" y="{legend_y - 4}" font-size="12" fill="#1d232b">{relation}</text>'
        )
        x += 110
    if len(neighbours) > len(shown):
        parts.append(
            f'<text x="{_WIDTH - 10}" y="{legend_y - 4}" font-size="12" text-anchor="end" fill="#5f6b7a">'
            f"{len(neighbours) - len(shown)} more listed below</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def timeline_entries(
    dossier: Dossier,
    events: list[dict[str, Any]],
    claim_href: Callable[[str], str],
    source_href: Callable[[str], str],
) -> list[dict[str, str]]:
    """The dated claims, sources, verdicts and events a dossier involves, oldest first."""
    entries: dict[tuple[str, str], dict[str, str]] = {}

    def add(date: str | None, key: str, kind: str, label: str, href: str) -> None:
        if date:
            entries.setdefault((date, key), {"date": date, "kind": kind, "label": label, "href": href})

    claim = dossier["claim"]
    add(claim["stated_on"], "claim:" + claim["slug"], "claim", f"Claimed: {claim['text']}", "#top")
    for item in dossier["counterclaims"] + [i for items in dossier["related"].values() for i in items]:
        add(item["stated_on"], "claim:" + item["slug"], "related", f"Claimed: {item['text']}", claim_href(item["slug"]))
    for rows in dossier["evidence"].values():
        for evidence in rows:
            source, original = evidence["source"], evidence["source"]["republishes"]
            if original:
                add(
                    original["published_on"],
                    "source:" + original["slug"],
                    "source",
                    f"Published: {original['title']}",
                    source_href(original["slug"]),
                )
            verb = "Republished" if original else "Published"
            add(
                source["published_on"],
                "source:" + source["slug"],
                "source",
                f"{verb}: {source['title']}",
                source_href(source["slug"]),
            )
    for verdict in dossier["verdict_history"]:
        reviewer = verdict["reviewer"]["name"] if verdict["reviewer"] else "a reviewer"
        add(
            verdict["reviewed_on"],
            f"verdict:{verdict['id']}",
            "verdict",
            f"Rated {verdict['textual_rating'] or verdict['rating']} by {reviewer}",
            "#verdicts",
        )
    for event in events:
        add(event["occurred_on"], "event:" + event["slug"], "event", f"Event: {event['title']}", "#timeline")
    return [entry for _key, entry in sorted(entries.items())]


def timeline(entries: list[dict[str, str]]) -> Markup:
    """A vertical timeline: the date, a dot in the colour of its kind, and what happened."""
    if not entries:
        return Markup("")
    row, top = 28, 34
    height = len(entries) * row + top + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}" role="img" aria-labelledby="timeline-title">'
        '<title id="timeline-title">Timeline of the claim, its sources, verdicts and events</title>'
        f'<line x1="110" y1="{top - 8}" x2="110" y2="{height - 8}" stroke="#c3cad3" stroke-width="2"/>'
    ]
    x = 10
    for kind, label in TIMELINE_KINDS.items():
        parts.append(
            f'<circle cx="{x + 5}" cy="10" r="5" fill="{KIND_COLOURS[kind]}"/>'
            f'<text x="{x + 14}" y="14" font-size="12" fill="#5f6b7a">{label}</text>'
        )
        x += 34 + 7 * len(label)
    previous_year = None
    for number, entry in enumerate(entries):
        y = top + number * row
        colour = KIND_COLOURS.get(entry["kind"], "#5f6b7a")
        year = entry["date"][:4]
        date_ink = "#1d232b" if year != previous_year else "#6b7480"
        previous_year = year
        label = _lines(entry["label"], 88, 1)[0]
        parts.append(
            f'<a href="{escape(entry["href"])}" class="entry entry-{escape(entry["kind"])}">'
            f"<title>{escape(entry['date'])}: {escape(entry['label'])}</title>"
            f'<text x="100" y="{y + 4}" text-anchor="end" font-size="12" fill="{date_ink}">'
            f"{escape(entry['date'])}</text>"
            f'<circle cx="110" cy="{y}" r="6" fill="{colour}" stroke="#ffffff" stroke-width="2"/>'
            f'<text x="124" y="{y + 4}" font-size="13" fill="#1d232b">{escape(label)}</text></a>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
