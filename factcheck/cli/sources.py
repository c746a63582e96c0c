"""`factcheck source ...`: the documents that claims and evidence come from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..limits import MAX_ID

if TYPE_CHECKING:
    from ..services.articles import Article
    from ..services.evidence import QuoteCheck
    from ..services.source_versions import ReplacedText
from .captured import archived_copy, capture_line
from .claim_desk import CorrectionNote
from .listing import Facets, Format, output_kind, print_list_of
from .output import (
    ForceFlag,
    JsonFlag,
    ensure_writable,
    escape,
    print_json,
    print_rows,
    print_table,
    say,
    say_deleted,
    warn,
)
from .state import reading, writing

source_app = typer.Typer(help="Sources: articles, documents, transcripts.", no_args_is_help=True)

Title = Annotated[str | None, typer.Option(help="Title.")]
Kind = Annotated[
    str | None,
    typer.Option(help="article, analysis, reference, treaty, declaration, draft, transcript, speech, webpage, other."),
]
Publisher = Annotated[str | None, typer.Option(help="Publisher or outlet.")]
Authors = Annotated[list[str] | None, typer.Option("--author", help="An author (repeatable).")]
Url = Annotated[str | None, typer.Option(help="Where it is published.")]
ArchiveUrl = Annotated[str | None, typer.Option(help="A web-archive copy.")]
Published = Annotated[str | None, typer.Option("--date", help="Publication date: 2021, 2021-12 or 2021-12-17.")]
Accessed = Annotated[str | None, typer.Option("--accessed", help="When it was read.")]
Language = Annotated[str | None, typer.Option(help="Language code, e.g. en.")]
Republishes = Annotated[str | None, typer.Option(help="The source this one republishes (id or slug).")]
Note = Annotated[str | None, typer.Option(help="A note for fact-checkers.")]
Slug = Annotated[str | None, typer.Option(help="Slug to use instead of one made from the title.")]
TextFile = Annotated[
    Path | None, typer.Option(help="Archive this UTF-8 text file as the source's text.", dir_okay=False)
]
HtmlFile = Annotated[
    Path | None,
    typer.Option(
        help="Archive the article in this saved web page; its metadata fills options not given.", dir_okay=False
    ),
]
PdfFile = Annotated[
    Path | None,
    typer.Option(
        help="Archive this PDF's text, page by page, and keep the file; its metadata fills options not given "
        "(with --text-file: the pages' text, e.g. from OCR, a form feed between pages).",
        dir_okay=False,
    ),
]
TranscriptFile = Annotated[
    Path | None,
    typer.Option(
        help="Archive this WebVTT or SRT transcript's text with its cues' times (--url: the recording).",
        dir_okay=False,
    ),
]
AllowPrivate = Annotated[
    bool, typer.Option("--allow-private", help="Fetch from private and local addresses too (your own network).")
]


@source_app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[
        str | None, typer.Argument(help="Title of the source (optional with --html-file).", show_default=False)
    ] = None,
    kind: Kind = "article",
    publisher: Publisher = None,
    author: Authors = None,
    url: Url = None,
    archive_url: ArchiveUrl = None,
    date: Published = None,
    accessed: Accessed = None,
    language: Language = None,
    republishes: Republishes = None,
    note: Note = None,
    slug: Slug = None,
    text_file: TextFile = None,
    html_file: HtmlFile = None,
    pdf_file: PdfFile = None,
    transcript_file: TranscriptFile = None,
    fetch: Annotated[
        bool, typer.Option("--fetch", help="Fetch the page at --url, archive its text and keep the response.")
    ] = False,
    archive: Annotated[
        bool, typer.Option("--archive", help="Also ask the Internet Archive to save --url; its copy's URL is kept.")
    ] = False,
    allow_private: AllowPrivate = False,
) -> None:
    """Add a source, optionally archiving its text: from a saved text or HTML file, a PDF, a
    transcript, or the page at --url (--fetch)."""
    from ..errors import FactcheckError, InvalidInput
    from ..services.scan import MAX_SUGGESTED_SENTENCES, suggestions_for
    from ..services.sources import add_source_from_article, read_source_file

    if (fetch or archive) and not url:
        raise InvalidInput(f"{'--fetch' if fetch else '--archive'} needs the page's address: give --url URL")
    if fetch and any((text_file, html_file, pdf_file, transcript_file)):
        raise InvalidInput("--fetch reads the text from --url: give no file beside it")
    # Fetching, reading the file and looking for related claims take time: none holds the write lock.
    if fetch:
        from ..services.fetching import read_url

        article: Article | None = read_url(url or "", allow_private=allow_private)
    else:
        article = read_source_file(text_file, html_file, pdf_file, transcript_file)
    if archive:
        archive_url = archived_copy(url or "", archive_url)
    with writing(ctx) as session:
        added = add_source_from_article(
            session,
            title,
            article,
            kind=kind or "article",
            publisher=publisher,
            authors=author,
            url=url,
            archive_url=archive_url,
            published_on=date,
            accessed_on=accessed,
            language=language,
            republishes=republishes,
            note=note,
            slug=slug,
        )
    source = added.source
    archived = f", {len(article.text):,} characters of text archived" if article else ""
    say(f"Added source {source.slug} ({source.id}): {escape(source.title)}{archived}")
    if article and article.capture:
        say(capture_line(article.capture.kind, article.capture.details, article.capture.sha256))
    for warning in added.warnings:
        warn(warning)
    if article is None:
        return
    try:
        with reading(ctx) as session:
            related = suggestions_for(session, article.text, layout=article.layout, language=source.language)
    except FactcheckError as error:  # the source is saved: this must not read as a refusal
        warn(f"source {source.slug} was saved, but the claims its text speaks to could not be looked up: {error}")
        return
    if related.sentences > MAX_SUGGESTED_SENTENCES:
        say(
            f"The text is long: {MAX_SUGGESTED_SENTENCES:,} of its {related.sentences:,} sentences, spread over it, "
            "were compared with the claims."
        )
    if related.claims:
        rows = [(item["score"], item["slug"], item["sentences"][0]["sentence"]) for item in related.claims]
        print_table(
            "Claims this text appears to speak to (link them with `factcheck evidence add`)",
            ("score", "claim", "sentence"),
            rows,
            ratios={"claim": 2, "sentence": 3},
        )


@source_app.command("edit")
def edit(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Id or slug.")],
    title: Title = None,
    kind: Kind = None,
    publisher: Publisher = None,
    author: Authors = None,
    url: Url = None,
    archive_url: ArchiveUrl = None,
    date: Published = None,
    accessed: Accessed = None,
    language: Language = None,
    republishes: Republishes = None,
    note: Note = None,
    slug: Slug = None,
    text_file: TextFile = None,
    html_file: HtmlFile = None,
    pdf_file: PdfFile = None,
    transcript_file: TranscriptFile = None,
) -> None:
    """Change a source's fields (only those given); a new text replaces the archived one, which is
    kept as an earlier version, and every quote is re-anchored in the new text."""
    from ..services.source_versions import replace_text_read
    from ..services.sources import edit_source, read_source_file

    article = read_source_file(text_file, html_file, pdf_file, transcript_file)
    check = _checked_in(ctx, source, article)
    with writing(ctx) as session:
        edited = edit_source(
            session,
            source,
            title=title,
            kind=kind,
            publisher=publisher,
            authors=author,
            url=url,
            archive_url=archive_url,
            published_on=date,
            accessed_on=accessed,
            language=language,
            republishes=republishes,
            note=note,
            slug=slug,
        )
        replaced = replace_text_read(session, edited, article, check)
    say(f"Updated source {edited.slug} ({edited.id}).")
    _say_replaced(article, replaced)


@source_app.command("recapture")
def recapture(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Id or slug of a source with a URL.")],
    allow_private: AllowPrivate = False,
) -> None:
    """Fetch a source's page at its URL again: a changed text becomes a new version (its quotes
    re-anchored, orphans reported) with the new response kept; an unchanged one adds nothing."""
    from ..errors import InvalidInput
    from ..services.captures import WEB, current_capture_kind
    from ..services.fetching import read_url
    from ..services.source_versions import replace_text_read
    from ..services.sources import get_source

    with reading(ctx) as session:
        found = get_source(session, source)
        slug, url, kind = found.slug, found.url, current_capture_kind(session, found.id)
    if not url:
        raise InvalidInput(f"source {slug!r} has no URL to fetch: give it one with `source edit --url`")
    if kind not in (None, WEB):
        raise InvalidInput(
            f"source {slug!r} was read from a {kind} file, and its URL is where that is published: "
            f"recapture fetches web pages; give a new file with `source edit --{kind}-file`"
        )
    article = read_url(url, allow_private=allow_private)
    check = _checked_in(ctx, source, article)
    with writing(ctx) as session:
        replaced = replace_text_read(session, get_source(session, source), article, check)
    assert article.capture is not None
    if replaced is None:
        say(f"Fetched {escape(url)}: the text is the same as before, so nothing was added.")
        return
    say(capture_line(article.capture.kind, article.capture.details, article.capture.sha256))
    _say_replaced(article, replaced)


@source_app.command("capture")
def capture(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Id or slug.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write it to.", dir_okay=False)],
    force: ForceFlag = False,
) -> None:
    """Write out the document a source's text was read from, as it was kept: a fetched page's
    response as a WARC file (.warc.gz), a PDF, a transcript."""
    from ..files import write_atomically
    from ..services.captures import capture_of, file_bytes
    from ..services.sources import get_source

    ensure_writable(output, force=force)
    with reading(ctx) as session:
        kept = capture_of(session, get_source(session, source))
        data, kind, sha256 = file_bytes(kept), kept.kind, kept.sha256
    write_atomically(output, data)
    say(
        f"Wrote the {kind} capture of {escape(source)} to {escape(str(output))} "
        f"({len(data):,} bytes, sha256 {sha256[:12]})."
    )


def _checked_in(ctx: typer.Context, source: str, article: Article | None) -> QuoteCheck | None:
    """The source's quotes re-anchored in a text about to replace its own: this takes time, so it
    is done before the write lock is taken."""
    from ..services.evidence import check_source_quotes
    from ..services.sources import get_source

    if article is None:
        return None
    with reading(ctx) as session:
        return check_source_quotes(session, get_source(session, source).id, article.text, article.layout)


def _say_replaced(article: Article | None, replaced: ReplacedText | None) -> None:
    if article and replaced is None:
        say("The archived text is the same as before: no new version.")
    if replaced:
        totals = ", ".join(f"{count} {status}" for status, count in replaced.check.totals.items() if count)
        say(
            f"Archived version {replaced.version} of the text (version {replaced.version - 1} kept); "
            f"its quotes re-anchored: {totals or 'none'}."
        )
        for orphan in replaced.orphaned:
            warn(
                f"evidence {orphan['evidence']} ({orphan['claim']}): quote orphaned since version "
                f"{orphan['orphaned_since']}: {orphan['quote']!r} is not in the new text"
            )


@source_app.command("versions")
def versions(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Id or slug.")],
    as_json: JsonFlag = False,
) -> None:
    """List the versions of a source's archived text: date, size, SHA-256 and quotes found in each."""
    from ..services.source_versions import list_versions

    with reading(ctx) as session:
        found = list_versions(session, source)
    print_rows(
        found,
        as_json,
        ("version", "archived", "size", "sha256", "quotes", "current"),
        lambda v: (
            v["version"],
            (v["archived_at"] or "")[:19].replace("T", " "),
            f"{v['size']:,} B",
            v["sha256"][:12],
            v["quotes"],
            "yes" if v["current"] else ("" if v["text_kept"] else "text not kept"),
        ),
        empty="no archived text",
    )


@source_app.command("diff")
def diff(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Id or slug.")],
    first: Annotated[
        int | None,
        typer.Argument(metavar="[V1]", help="Older version (default: the one before V2).", min=1, max=MAX_ID),
    ] = None,
    second: Annotated[
        int | None, typer.Argument(metavar="[V2]", help="Newer version (default: the current).", min=1, max=MAX_ID)
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show what changed between two versions of a source's text, and the quotes lost, found or moved."""
    from rich.text import Text

    from ..services.source_versions import diff_versions

    with reading(ctx) as session:
        found = diff_versions(session, source, first, second)
    if as_json:
        print_json(found)
        return
    # A thousand lines at a time: one Rich text of a whole diff of two 20 MB texts took 900 MB.
    lines = found["diff"].splitlines()
    for start in range(0, len(lines), 1000):
        shown = Text("\n").join(
            Text(
                line,
                style="green" if line[:1] == "+" else "red" if line[:1] == "-" else "cyan" if line[:2] == "@@" else "",
            )
            for line in lines[start : start + 1000]
        )
        say(shown)
    if found["diff"]:
        say("")  # the blank line that ends the diff
    else:
        say(f"Versions {found['from']} and {found['to']} have the same text.")
    for key, what in (("quotes_lost", "lost"), ("quotes_found", "found"), ("quotes_moved", "moved")):
        rows = [(q["evidence"], q["claim"], _place(q["from"]), _place(q["to"]), q["quote"]) for q in found[key]]
        if rows:
            print_table(
                f"Quotes {what} (version {found['from']} → {found['to']})",
                ("evidence", "claim", "was at", "now at", "quote"),
                rows,
                ratios={"claim": 2, "quote": 3},
            )


def _place(found: dict[str, int] | None) -> str:
    return f"{found['start']}-{found['end']}" if found else "—"


@source_app.command("delete")
def delete(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Id or slug.")],
    cascade: Annotated[bool, typer.Option("--cascade", help="Also delete its evidence.")] = False,
    correction: CorrectionNote = None,
) -> None:
    """Delete a source; refused while evidence or claims depend on it, unless --cascade."""
    from ..services.sources import delete_source

    with writing(ctx, correction=correction) as session:
        removed = delete_source(session, source, cascade=cascade)
    say_deleted(f"source {source}", removed)


@source_app.command("list")
def list_(
    ctx: typer.Context,
    kind: Annotated[list[str] | None, typer.Option(help="Only this kind (repeatable: any of them).")] = None,
    publisher: Annotated[list[str] | None, typer.Option(help="Only this publisher (repeatable).")] = None,
    language: Annotated[list[str] | None, typer.Option(help="Only this language (repeatable).")] = None,
    capture: Annotated[
        list[str] | None, typer.Option(help="Only sources whose text came so: web, pdf or transcript (repeatable).")
    ] = None,
    text: Annotated[str | None, typer.Option(help="Only titles or publishers containing this.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, max=MAX_ID, help="At most this many.")] = None,
    facets: Facets = False,
    output_format: Format = None,
    as_json: JsonFlag = False,
) -> None:
    """List sources by date (undated last); the same filters as the web view's /sources, or their
    facet counts."""
    kind_ = output_kind(as_json, output_format, facets=facets, limit=limit)
    given = {
        "kind": kind,
        "publisher": publisher,
        "language": language,
        "capture": capture,
        "text": [text] if text else None,
    }
    with reading(ctx) as session:  # rows are read page by page as they are printed
        print_list_of(
            session,
            "sources",
            given,
            kind_,
            facets=facets,
            limit=limit,
            columns=("id", "slug", "date", "kind", "title", "publisher"),
            row=lambda s: (s["id"], s["slug"], s["published_on"], s["kind"], s["title"], s["publisher"]),
        )


@source_app.command("show")
def show(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Id or slug.")],
    as_json: JsonFlag = False,
) -> None:
    """Show a source and the evidence it gives."""
    from ..services.sources import show_source

    with reading(ctx) as session:
        view = show_source(session, source)
    if as_json:
        print_json(view)
        return
    say(f"[bold]{escape(view['title'])}[/bold] ({view['slug']}, {view['kind']})")
    byline = ", ".join(filter(None, [", ".join(view["authors"]), view["publisher"], view["published_on"]]))
    if byline:
        say(escape(byline))
    for label, key in (("URL", "url"), ("Archived copy", "archive_url"), ("Republishes", "republishes")):
        if view[key]:
            say(f"{label}: {escape(view[key])}")
    say(f"Archived text: {'yes, sha256 ' + view['text_sha256'][:12] if view['has_text'] else 'none'}")
    if view["capture"]:
        kept = view["capture"]
        say(
            f"Capture: {kept['kind']}, {kept['size']:,} bytes, sha256 {kept['sha256'][:12]} "
            "(`source capture` writes it out)"
        )
    if view["pages_without_text"]:
        say(f"Pages without text: {', '.join(map(str, view['pages_without_text']))}")
    rows = [(e["id"], e["claim"], e["stance"], e["speaker"], e["place"], e["quote"]) for e in view["evidence"]]
    print_table("Evidence", ("id", "claim", "stance", "speaker", "at", "quote"), rows, empty="no evidence yet")
