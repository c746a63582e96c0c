"""`factcheck report`: markdown dossiers, the index, and source pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import ForceFlag, ensure_writable, escape, say, write_out
from .state import reading


def report(
    ctx: typer.Context,
    claim: Annotated[
        str | None, typer.Argument(help="The claim to report on (id or slug).", show_default=False)
    ] = None,
    all_claims: Annotated[
        bool,
        typer.Option(
            "--all", help="Into -o DIR: index.md, a dossier per claim in claims/, a page per source in sources/."
        ),
    ] = False,
    source: Annotated[str | None, typer.Option(help="Everything this source says, claim by claim.")] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (or folder, with --all) to write [default: stdout].")
    ] = None,
    template_dir: Annotated[
        Path | None, typer.Option(help="Your own claim.md.j2, index.md.j2 and source.md.j2.")
    ] = None,
    force: ForceFlag = False,
) -> None:
    """Write a markdown report: a claim's dossier, every claim with an index, or a source."""
    from ..errors import InvalidInput
    from ..reports import render_claim, render_source, template_errors, write_all

    if sum([claim is not None, all_claims, source is not None]) != 1:
        raise InvalidInput("give one of: CLAIM, --all or --source SOURCE")
    if output is not None:
        _check_free(output, force=force, folder=all_claims)
    with reading(ctx) as session, template_errors(template_dir):
        if all_claims:
            if output is None:
                raise InvalidInput("--all writes a folder: give it with -o DIR")
            counts = write_all(session, output, template_dir=template_dir)
            say(
                f"Wrote index.md, {counts['claims']} claim dossiers in claims/ "
                f"and {counts['sources']} source pages in sources/ to {escape(output)}."
            )
            return
        markdown = (
            render_claim(session, claim, template_dir=template_dir)
            if claim is not None
            else render_source(session, source, template_dir=template_dir)  # type: ignore[arg-type]
        )
    if output is None:
        write_out(markdown)
    else:
        from ..files import atomic_output

        with atomic_output(output) as out:  # whole, or not at all
            out.write(markdown)
        say(f"Wrote {escape(output)}.")


def _check_free(output: Path, *, force: bool, folder: bool) -> None:
    from ..errors import InvalidInput

    if not folder:
        ensure_writable(output, force=force)
        return
    if output.exists() and not output.is_dir():
        raise InvalidInput(f"{output} is a file: --all needs a folder")
    if output.is_dir() and any(output.iterdir()) and not force:
        raise InvalidInput(f"folder {output} is not empty: pass --force to write over its reports")
