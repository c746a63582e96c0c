"""jsontext writes one text for a document whichever encoder indents it: orjson for plain values,
json for the rest; NaN and infinities are refused either way."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.errors import InvalidInput
from factcheck.jsontext import json_list, to_json


def expected(document: Any) -> str:
    """What json itself writes, with the characters that steer a terminal escaped."""
    text = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False, default=str)
    for code in [*range(0x7F, 0xA0), 0x61C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]:
        text = text.replace(chr(code), f"\\u{code:04x}")
    return text + "\n"


leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
documents = st.recursive(
    leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=30
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_any_document_is_written_as_json_writes_it(document: Any) -> None:
    assert to_json(document) == expected(document)


class Colour(Enum):
    RED = "red"


@pytest.mark.parametrize(
    "document",
    [
        {"small": 1e-05, "large": 1e16, "tiny": -2.5e-300, "zero": -0.0, "big": 2**64, "at most": -(2**63)},
        {"when": dt.datetime(2021, 12, 17, 9, 30), "on": dt.date(2021, 12, 17), "amount": Decimal("1.10")},
        {"colour": Colour.RED, "ids": (1, 2), "keys": {1: "one", None: "none", 2.5: "x"}},
        {"lone surrogate": "\ud800", "controls": "\x1b[2J\x7f\x9b\u202e\u2028"},
        [[], {}, [[{}]], ""],
    ],
)
def test_values_orjson_would_write_otherwise_are_written_by_json(document: Any) -> None:
    assert to_json(document) == expected(document)


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_nan_and_infinities_are_refused_in_a_plain_document(number: float) -> None:
    with pytest.raises(InvalidInput, match="NaN or infinity"):
        to_json({"claims": [{"score": 1.5, "rating_value": number}]})


def test_a_list_written_item_by_item_is_the_list_written_whole() -> None:
    items = [{"slug": "a", "score": 0.5}, {"slug": "b", "tags": ["x"]}, {}]
    assert "".join(json_list(items)) == to_json(items)
