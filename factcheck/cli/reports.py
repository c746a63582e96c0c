"""`factcheck report`: markdown dossiers, the index, and source pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import ForceFlag, ensure_writable, say
from .state import reading


def report(
    ctx: typer.Context,
    claim: Annotated[
        str | None, typer.Argument(help="The claim to report on (id or slug).", show_default=False)
    ] = None,
    all_claims: Annotated[bool, typer.Option("--all", help="A dossier per claim and an index, into -o DIR.")] = False,
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
            count = write_all(session, output, template_dir=template_dir)
            say(f"Wrote {count} claim dossiers and index.md to {output}.")
            return
        markdown = (
            render_claim(session, claim, template_dir=template_dir)
            if claim is not None
            else render_source(session, source, template_dir=template_dir)  # type: ignore[arg-type]
        )
    if output is None:
        typer.echo(markdown, nl=False)
    else:
        output.write_text(markdown, encoding="utf-8")
        say(f"Wrote {output}.")


def _check_free(output: Path, *, force: bool, folder: bool) -> None:
    from ..errors import InvalidInput

    if not folder:
        ensure_writable(output, force=force)
        return
    if output.exists() and not output.is_dir():
        raise InvalidInput(f"{output} is a file: --all needs a folder")
    if output.is_dir() and any(output.iterdir()) and not force:
        raise InvalidInput(f"folder {output} is not empty: pass --force to write over its reports")
