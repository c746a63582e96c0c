"""The one way factcheck writes JSON: `--json` on the CLI, the web view's JSON twins, the static
site and every JSON export. Indented by 2, UTF-8 text as it is, dates and other values as their
text; the characters that could steer a terminal or reorder what a reader sees are JSON escapes
(`\\u202e`, the same data once parsed); NaN and infinities, which JSON does not have, are refused.
Light (json and re only), so the CLI can use it before anything heavy is loaded; a document of
plain values is indented by orjson (20 times the speed of json's pure-Python indenting, the same
text: tests/test_jsontext.py), anything else by json."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .controls import json_safe
from .errors import InvalidInput


def to_json(document: Any) -> str:
    """`document` as JSON text ending with a newline."""
    return json_safe(_dumps(document, indent=2)) + "\n"


def to_json_line(document: Any) -> str:
    """`document` as one line of JSON (for JSON lines), ending with a newline."""
    return json_safe(_dumps(document, indent=None)) + "\n"


def _dumps(document: Any, indent: int | None) -> str:
    if indent == 2 and _plain(document):
        import orjson

        try:
            return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
        except orjson.JSONEncodeError:  # a string orjson refuses (a lone surrogate): json writes it
            pass
    try:
        return json.dumps(document, ensure_ascii=False, indent=indent, allow_nan=False, default=str)
    except ValueError:
        raise InvalidInput(
            "the data holds a number that JSON cannot write (NaN or infinity): correct it, or export as YAML"
        ) from None


def json_list(items: Iterable[Any], *, depth: int = 1, dumps: Callable[[Any], str] = to_json) -> Iterator[str]:
    """A JSON list written item by item, laid out as `to_json` lays out the whole, at nesting
    `depth`; a top-level list (depth 1) ends with a newline."""
    inner, outer = "  " * depth, "  " * (depth - 1)
    empty = True
    for item in items:
        # JSON text has no raw line breaks inside strings: "\n" only ever separates lines.
        yield ("[\n" if empty else ",\n") + "\n".join(inner + line for line in dumps(item).rstrip("\n").split("\n"))
        empty = False
    yield ("[]" if empty else f"\n{outer}]") + ("\n" if depth == 1 else "")


def _plain(value: Any) -> bool:
    """Whether orjson writes `value` as json does: dicts with str keys, lists, tuples, str, bool,
    None, 64-bit ints and the finite floats json writes without an exponent (orjson writes 1e-05
    as 0.00001)."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) not in _LEAVES and not _plain(item)):
                return False
        return True
    if kind is list or kind is tuple:
        return all(type(item) in _LEAVES or _plain(item) for item in value)
    if kind is int:
        return -(2**63) <= value < 2**63
    if kind is float:
        return value == 0.0 or 1e-4 <= abs(value) < 1e16
    return kind in _LEAVES


_LEAVES = frozenset((str, bool, type(None)))  # written alike whatever their value
