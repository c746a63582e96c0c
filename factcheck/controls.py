"""Characters that steer a terminal or reorder text, and how to show them instead.

One rule for every place that shows user text: the CLI's tables and messages, its JSON, and the
markdown reports. Light on purpose (no imports beyond `re`), so the CLI can use it before --help."""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), and the bidi
# marks, embeddings, overrides and isolates that reorder what a reader sees.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What JSON's own escaping leaves raw (json.dumps already escapes C0 controls).
UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with each control or bidi character written out, e.g. ESC as `\\x1b`, U+202E as `\\u202e`."""
    return UNSAFE.sub(_shown, text)


def json_safe(text: str) -> str:
    """JSON text with those characters as JSON escapes (`\\u202e`): the same data once parsed."""
    if text.isascii() and "\x7f" not in text:  # two scans in C, for the common case
        return text
    return UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
