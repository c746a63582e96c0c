"""`factcheck claim ...`: contested claims, their counterclaims and verdicts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..limits import MAX_ID
from . import claim_desk
from .claim_desk import CorrectionNote, desk_line
from .listing import Facets, Format, output_kind, page_size, pairs, print_facets, print_listing
from .output import (
    JsonFlag,
    escape,
    print_json,
    print_rich,
    print_table,
    say,
    say_deleted,
    visible,
)
from .state import reading, writing

if TYPE_CHECKING:
    from ..services.views import CitedSource, Dossier, EvidenceView, RelatedClaim

# The values of Relation and Rating in factcheck.models, written out because importing the models
# would load SQLAlchemy for --help; tests/test_reports.py fails when they drift apart.
RELATIONS = "rebuts, supports, qualifies or duplicates"
RATINGS = "true, mostly-true, mixed, misleading, mostly-false, false or unproven"

claim_app = typer.Typer(help="Claims, counterclaims, links and verdicts.", no_args_is_help=True)
# The desk's work on a claim (cli/claim_desk.py).
claim_app.command("status")(claim_desk.status)
claim_app.command("assign")(claim_desk.assign)
claim_app.command("publish")(claim_desk.publish)
claim_app.command("unpublish")(claim_desk.unpublish)

ClaimRef = Annotated[str, typer.Argument(metavar="CLAIM", help="Claim id or slug.")]
Claimant = Annotated[str | None, typer.Option(help="Who made the claim (actor id or slug).")]
StatedOn = Annotated[str | None, typer.Option("--date", help="When: 1990, 2021-12 or 2021-12-17.")]
StatedIn = Annotated[str | None, typer.Option("--source", help="Where it was made (source id or slug).")]
Language = Annotated[str | None, typer.Option(help="Language code, e.g. en.")]
Note = Annotated[str | None, typer.Option(help="A note for fact-checkers.")]
Slug = Annotated[str | None, typer.Option(help="Slug to use instead of one made from the text.")]


@claim_app.command("add")
def add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The claim, in neutral wording.")],
    claimant: Claimant = None,
    date: StatedOn = None,
    source: StatedIn = None,
    appears_in: Annotated[list[str] | None, typer.Option(help="Another source repeating it (repeatable).")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="A topic (repeatable).")] = None,
    language: Language = None,
    note: Note = None,
    slug: Slug = None,
    force: Annotated[bool, typer.Option("--force", help="Add it even if a similar claim exists.")] = False,
) -> None:
    """Add a claim; refused, naming them, when similar claims exist (see `factcheck similar`)."""
    from ..services.claims import add_claim
    from ..services.vectors import warm

    warm()  # the model loads (a second or two) before the write transaction, which stays short
    with writing(ctx) as session:
        claim = add_claim(
            session,
            text,
            claimant=claimant,
            stated_on=date,
            stated_in=source,
            appearances=appears_in,
            tags=tag,
            language=language,
            note=note,
            slug=slug,
            force=force,
        )
    say(f"Added claim {escape(claim.slug)} ({claim.id}).")


@claim_app.command("edit")
def edit(
    ctx: typer.Context,
    claim: ClaimRef,
    text: Annotated[str | None, typer.Option(help="New wording.")] = None,
    claimant: Claimant = None,
    date: StatedOn = None,
    source: StatedIn = None,
    appears_in: Annotated[list[str] | None, typer.Option(help="Add a source repeating it.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Add a tag.")] = None,
    untag: Annotated[list[str] | None, typer.Option(help="Remove a tag.")] = None,
    language: Language = None,
    note: Note = None,
    slug: Slug = None,
    correction: CorrectionNote = None,
) -> None:
    """Change a claim's fields (only those given)."""
    from ..services.claims import edit_claim
    from ..services.vectors import warm

    if text is not None:
        warm()  # before the write transaction, as `claim add`
    with writing(ctx, correction=correction) as session:
        edited = edit_claim(
            session,
            claim,
            text=text,
            slug=slug,
            claimant=claimant,
            stated_on=date,
            stated_in=source,
            language=language,
            note=note,
            add_tags=tag,
            remove_tags=untag,
            add_appearances=appears_in,
        )
    say(f"Updated claim {escape(edited.slug)} ({edited.id}).")


@claim_app.command("delete")
def delete(
    ctx: typer.Context,
    claim: ClaimRef,
    cascade: Annotated[bool, typer.Option("--cascade", help="Also delete its evidence, links and verdicts.")] = False,
) -> None:
    """Delete a claim; refused while it has evidence, links or verdicts, unless --cascade."""
    from ..services.claims import delete_claim

    with writing(ctx) as session:
        removed = delete_claim(session, claim, cascade=cascade)
    say_deleted(f"claim {claim}", removed)


@claim_app.command("link")
def link(
    ctx: typer.Context,
    claim: ClaimRef,
    relation: Annotated[str, typer.Argument(help=f"{RELATIONS}.")],
    other: Annotated[str, typer.Argument(metavar="OTHER", help="The claim it bears on.")],
    note: Note = None,
) -> None:
    """Record that CLAIM rebuts/supports/qualifies/duplicates OTHER."""
    from ..services.claims import link_claims

    with writing(ctx) as session:
        made = link_claims(session, claim, relation, other, note=note)
    say(f"Linked: {escape(claim)} {made.relation.value} {escape(other)} (link {made.id}).")


@claim_app.command("rate")
def rate(
    ctx: typer.Context,
    claim: ClaimRef,
    rating: Annotated[str, typer.Argument(help=f"{RATINGS}.")],
    rationale: Annotated[str, typer.Option(help="Why: the grounds for the rating.")],
    reviewer: Annotated[str | None, typer.Option(help="Who rates it (actor id or slug).")] = None,
    label: Annotated[str | None, typer.Option(help="The reviewer's own wording of the rating.")] = None,
    url: Annotated[str | None, typer.Option(help="The published review.")] = None,
    date: Annotated[str | None, typer.Option("--date", help="When it was reviewed.")] = None,
    correction: CorrectionNote = None,
) -> None:
    """Add a verdict. Earlier verdicts are kept as history."""
    from ..services.claims import rate_claim

    with writing(ctx, correction=correction) as session:
        verdict = rate_claim(
            session,
            claim,
            rating,
            rationale=rationale,
            reviewer=reviewer,
            textual_rating=label,
            review_url=url,
            reviewed_on=date,
        )
    say(f"Rated {escape(claim)}: {verdict.rating.value} (verdict {verdict.id}).")


@claim_app.command("list")
def list_(
    ctx: typer.Context,
    tag: Annotated[list[str] | None, typer.Option(help="Only claims with this tag (repeatable: any of them).")] = None,
    claimant: Annotated[
        list[str] | None, typer.Option(help="Only claims by this actor (id or slug; repeatable).")
    ] = None,
    rating: Annotated[
        list[str] | None,
        typer.Option(help=f"Only claims whose newest verdict is this (repeatable): {RATINGS}.", show_default=False),
    ] = None,
    reviewer: Annotated[list[str] | None, typer.Option(help="Only claims reviewed by this actor (repeatable).")] = None,
    language: Annotated[list[str] | None, typer.Option(help="Only claims in this language (repeatable).")] = None,
    year: Annotated[
        list[str] | None, typer.Option(help="Only claims stated or reviewed in this year (repeatable).")
    ] = None,
    quote_status: Annotated[
        list[str] | None, typer.Option(help="Only claims with a quote of this status (repeatable).")
    ] = None,
    q: Annotated[str | None, typer.Option("--q", help="Only claims with all these words (full text).")] = None,
    text: Annotated[str | None, typer.Option(help="Only claims containing this text.")] = None,
    sort: Annotated[str, typer.Option(help="date, evidence (most first) or changed (latest first).")] = "date",
    limit: Annotated[int | None, typer.Option(min=1, max=MAX_ID, help="At most this many.")] = None,
    facets: Facets = False,
    output_format: Format = None,
    as_json: JsonFlag = False,
) -> None:
    """List claims by date, with counts of supporting and refuting evidence; the same filters as
    the web view's /claims (values of one option are alternatives), or their facet counts."""
    from ..interchange.dataset.csvfiles import CLAIM_COLUMNS
    from ..services import browse
    from ..services.common import get

    kind = output_kind(as_json, output_format, facets=facets, limit=limit)
    with reading(ctx) as session:  # rows are read page by page as they are printed
        from ..models import Actor

        given = {
            "tag": tag,
            "rating": rating,
            "claimant": [get(session, Actor, ref).slug for ref in claimant or ()],
            "reviewer": [get(session, Actor, ref).slug for ref in reviewer or ()],
            "language": language,
            "year": year,
            "quote_status": quote_status,
            "q": [q] if q is not None else None,
            "text": [text] if text is not None else None,
        }
        filters = browse.read_filters(pairs(given), sort=sort)
        if facets:
            print_facets(kind, filters.view(), browse.facets(session, filters), "claims")
            return
        print_listing(
            kind,
            browse.every(session, filters, size=page_size(limit, browse.MAX_PAGE_SIZE)),
            limit,
            CLAIM_COLUMNS,
            ("id", "date", "claim", "claimant", "for", "against", "verdict"),
            lambda c: (
                c["id"],
                c["stated_on"],
                f"{c['slug']}\n{c['text']}",
                c["claimant"],
                c["supports"],
                c["refutes"],
                c["rating"],
            ),
            empty="no claims",
            no_wrap=("id", "date", "for", "against", "verdict"),
            ratios={"claim": 3, "claimant": 1},
        )


@claim_app.command("show")
def show(ctx: typer.Context, claim: ClaimRef, as_json: JsonFlag = False) -> None:
    """Show a claim with all evidence for and against it, its counterclaims, and claims that may
    say the same but are not linked to it yet."""
    from ..services.suggestions import show_claim

    with reading(ctx) as session:
        dossier = show_claim(session, claim)
    if as_json:
        print_json(dossier)
    else:
        render_dossier(dossier)


def render_dossier(dossier: Dossier) -> None:
    """A claim's dossier for the terminal. Sections follow the vocabularies in factcheck.models, so a
    new stance or relation shows up here without a change."""
    from rich.panel import Panel
    from rich.text import Text

    from ..models import Stance

    claim = dossier["claim"]
    lines = Text()
    lines.append(visible(claim["text"]), style="bold")
    byline = [f"slug {claim['slug']}"]
    if claim["claimant"]:
        byline.append(f"claimed by {claim['claimant']['name']}")
    if claim["stated_on"]:
        byline.append(f"on {claim['stated_on']}")
    if claim["stated_in"]:
        byline.append(f"in {claim['stated_in']['title']}")
    lines.append("\n" + visible(", ".join(byline)), style="dim")
    if claim["tags"]:
        lines.append("\ntags: " + visible(", ".join(claim["tags"])), style="dim")
    lines.append("\n" + visible(desk_line(dossier["desk"])), style="dim")
    for correction in dossier["desk"]["corrections"]:
        lines.append(f"\nCorrected on {correction['at'][:10]}: " + visible(correction["note"]), style="bold")
    if dossier["repeated_since_verdict"]:
        count = dossier["repeated_since_verdict"]
        lines.append(f"\nrepeated in {count} source{'s' if count != 1 else ''} since the verdict", style="bold")
    for source in claim["appearances"]:
        said = claim["appearance_sentences"].get(source["id"])
        lines.append(
            "\nrepeated in " + visible(source["title"]) + (": “" + visible(said["sentence"]) + "”" if said else ""),
            style="dim",
        )
    if len(dossier["current_verdicts"]) > 1:  # reviewers side by side: do they agree?
        from ..services.graphs import verdict_summary

        lines.append("\n" + visible(verdict_summary(dossier["current_verdicts"]) or ""), style="bold")
    for verdict in dossier["current_verdicts"]:
        who = f" ({verdict['reviewer']['name']})" if verdict["reviewer"] else ""
        label = f" ({verdict['textual_rating']})" if verdict["textual_rating"] else ""
        lines.append(visible(f"\nVerdict{who}: "), style="bold")
        lines.append(visible(f"{verdict['rating']}{label}"), style="bold magenta")
        if verdict["rationale"]:
            lines.append("\n  " + visible(verdict["rationale"]))
        else:
            lines.append("\n  (no rationale given)", style="dim")
    if not dossier["current_verdicts"]:
        lines.append("\nNo verdict yet.", style="dim")
    # A Text title: a markup string would load Rich's emoji table for nothing.
    print_rich(Panel(lines, title=Text(f"Claim {claim['id']}"), title_align="left"))

    def cite(source: CitedSource) -> str:
        cited = ", ".join(filter(None, [source["title"], source["publisher"], source["published_on"]]))
        original = source["republishes"]
        if original:
            cited += f" (republishing {', '.join(filter(None, [original['publisher'], original['published_on']]))})"
        return cited

    counts = dossier["evidence_counts"]
    say("Evidence: " + ", ".join(f"{counts.get(stance, 0)} {stance}" for stance in Stance))
    for stance in Stance:
        rows = [
            (
                e["id"],
                f"“{e['quote']}”"
                + (f"\n(orphaned since version {e['orphaned_since']})" if e.get("orphaned_since") else ""),
                e["speaker"]["name"] if e["speaker"] else None,
                ", ".join(filter(None, [cite(e["source"]), *_where(e)])),
            )
            for e in dossier["evidence"].get(stance, [])
        ]
        if rows:
            print_table(
                f"{stance.value.capitalize()} ({len(rows)})",
                ("id", "quote", "speaker", "source"),
                rows,
                ratios={"quote": 3, "speaker": 1, "source": 2},
            )

    def related_rows(items: list[RelatedClaim]) -> list[tuple[Any, ...]]:
        return [
            (
                item["reads"],
                item["text"],
                item["claimant"],
                f"{item['evidence_counts']['supports']} for / {item['evidence_counts']['refutes']} against",
            )
            for item in items
        ]

    sections = [("Counterclaims", dossier["counterclaims"])]
    sections += [(f"Related: {relation}", items) for relation, items in dossier["related"].items()]
    for title, items in sections:
        if items:
            print_table(
                title,
                ("link", "claim", "claimant", "evidence"),
                related_rows(items),
                ratios={"link": 2, "claim": 3, "claimant": 1, "evidence": 1},
            )
    if dossier.get("suggested_duplicates"):  # reports render dossiers without them
        print_table(
            "Similar claims not linked yet (link them with `claim link`)",
            ("score", "", "slug", "claim"),
            [(m["score"], m["label"], m["slug"], m["text"]) for m in dossier["suggested_duplicates"]],
            ratios={"claim": 3},
        )
    if dossier["last_change"]:
        change = dossier["last_change"]
        say(f"[dim]Last change: {change['action']} by {escape(change['by'])} at {change['at'][:19]}[/dim]")


def _where(evidence: EvidenceView) -> list[str]:
    """Where in its source a quote is: its locator, and its page or time when the locator does
    not already say it."""
    found = [evidence["locator"]] if evidence["locator"] else []
    if evidence["place"] and evidence["place"] != evidence["locator"]:
        found.append(evidence["place"])
    return found
