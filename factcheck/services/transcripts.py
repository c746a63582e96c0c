"""Reading transcripts: WebVTT (webvtt-py) and SRT (srt) files, whose cues' text becomes the
source's text, a cue a line, with the time each cue starts (captures.py's layout), so that a quote
is placed at the moment it was said. Markup (<v Speaker>, <i>, {\\an8}) is dropped and entities
are decoded; cues out of order, overlapping or ending before they start are refused, naming the cue."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from .articles import Article, decode_text, read_bytes
from .captures import TRANSCRIPT, Kept, clock

_MARKUP = re.compile(r"<[^>]*>|\{\\[^}]*\}")
# A WebVTT cue's timing line; webvtt-py skips a malformed one without a word, so each is checked.
_VTT_TIMING = re.compile(r"^(?:\d{2,}:)?\d{2}:\d{2}\.\d{3}[ \t]+-->[ \t]+(?:\d{2,}:)?\d{2}:\d{2}\.\d{3}(?:[ \t].*)?$")
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})$")


def _is_webvtt(text: str) -> bool:
    """Whether the file is WebVTT: its first line is WEBVTT, alone or followed by a space or tab."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    return first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))


def _seconds(stamp: str) -> float:
    match = _TIME.match(stamp.strip())
    if match is None:
        raise ValueError(stamp)
    hours, minutes, seconds, fraction = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(fraction.ljust(3, "0")) / 1000


def _cues(text: str, path: Path) -> list[tuple[float, float, str]]:
    """(start, end, text) of each cue, as the file gives them."""
    if _is_webvtt(text):
        import webvtt
        from webvtt.errors import MalformedCaptionError, MalformedFileError

        for number, line in enumerate(text.splitlines(), 1):
            if "-->" in line and not _VTT_TIMING.match(line.strip()):
                raise InvalidInput(
                    f"{path} is not a well-formed WebVTT file: line {number} ({line.strip()[:60]!r}) is not a cue "
                    "timing (HH:MM:SS.mmm --> HH:MM:SS.mmm)"
                )
        try:
            captions = webvtt.from_string(text)
            return [(_seconds(c.start), _seconds(c.end), c.raw_text) for c in captions.captions]
        except (MalformedFileError, MalformedCaptionError, ValueError) as error:
            raise InvalidInput(f"{path} is not a well-formed WebVTT file: {error}") from None
    import srt

    try:
        return [
            (s.start.total_seconds(), s.end.total_seconds(), s.content) for s in srt.parse(text, ignore_errors=False)
        ]
    except (srt.SRTParseError, ValueError) as error:
        first = str(error).split("(unmatched content")[0].strip()
        raise InvalidInput(
            f"{path} is neither a WebVTT file (it would begin with WEBVTT) nor a well-formed SRT file: {first}"
        ) from None


def read_transcript(path: Path) -> Article:
    """A WebVTT or SRT transcript's text, a cue a line, with where each cue starts in it and when."""
    raw = read_bytes(path)
    data = decode_text(raw, path)
    cues = _cues(data, path)
    lines: list[str] = []
    starts: list[list[Any]] = []
    offset = 0
    previous_end = 0.0
    for number, (start, end, cue_text) in enumerate(cues, 1):
        if end < start:
            raise InvalidInput(f"{path}: cue {number} ends ({clock(end)}) before it starts ({clock(start)})")
        if start < previous_end:
            raise InvalidInput(
                f"{path}: cue {number} starts at {start:.3f} s, before cue {number - 1} ends ({previous_end:.3f} s): "
                "overlapping cues are not read; give a transcript whose cues follow one another"
            )
        previous_end = end
        line = " ".join(html.unescape(_MARKUP.sub("", cue_text)).split())
        if not line:
            continue
        starts.append([offset, start])
        lines.append(line)
        offset += len(line) + 1
    if not lines:
        raise InvalidInput(f"{path} has no cue with text")
    webvtt = _is_webvtt(data)
    media_type, suffix = ("text/vtt", ".vtt") if webvtt else ("application/x-subrip", ".srt")
    return Article(
        text="\n".join(lines),
        layout={"cues": starts},
        capture=Kept(TRANSCRIPT, raw, media_type, {"cues": len(starts), "suffix": suffix}),
    )
