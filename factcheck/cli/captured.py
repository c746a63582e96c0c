"""What `source add` and `source recapture` say of the document a source's text came from, and
of the web archive's copy they asked for."""

from __future__ import annotations

from typing import Any

from .output import escape, warn


def archived_copy(url: str, given: str | None) -> str | None:
    """The Internet Archive's copy of `url`, asked for now; on failure a warning, and `given`."""
    from ..errors import InvalidInput
    from ..services.fetching import save_page_now

    try:
        return save_page_now(url)
    except InvalidInput as error:
        warn(f"{error}; the source is added without it (add one later with `source edit --archive-url`)")
        return given


def capture_line(kind: str, details: dict[str, Any], sha256: str) -> str:
    """What was kept of the document a source's text was read from, in one line."""
    if kind == "web":
        hops = len(details.get("redirects", []))
        via = f" after {hops} redirect{'s' if hops != 1 else ''} to {escape(details['final_url'])}" if hops else ""
        line = f"Fetched {escape(details['url'])} (HTTP {details['status']}{via}); response kept as WARC"
    elif kind == "pdf":
        line = f"PDF of {details['pages']} page{'s' if details['pages'] != 1 else ''} kept"
    else:
        cues = details.get("cues", 0)
        line = f"Transcript of {cues} cue{'s' if cues != 1 else ''} kept"
    line += f", sha256 {sha256[:12]}."
    blank = details.get("pages_without_text") or []
    if blank:
        line += (
            f"\nPages without text (a scan?): {', '.join(map(str, blank))}: quotes there stay unverified unless "
            "you give the pages' text (--text-file beside --pdf-file)."
        )
    return line
