"""Ids, limits and queries that a hostile or careless user types: one clear line, nothing written."""

from __future__ import annotations

import pytest


@pytest.fixture
def seeded(cli):  # type: ignore[no-untyped-def]
    cli.ok("seed")
    return cli


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("claim", "show", HUGE), [f"no claim '{HUGE}'"]),
        (("claim", "show", "²"), ["no claim '²'"]),
        (("source", "show", "²"), ["no source '²'"]),
        (("actor", "show", HUGE), [f"no actor '{HUGE}'"]),
        (("claim", "link", "1", "rebuts", HUGE), [f"no claim '{HUGE}'"]),
        (("history", HUGE), [f"no claim or source '{HUGE}'"]),
        (("search", "word " * 300), ["search query is", "at most 1,000"]),
    ],
)
def test_hostile_references_are_refused_cleanly(seeded, dump, args, words) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    error = seeded.fails(*args)
    for word in words:
        assert word in error
    assert dump() == before


def test_digits_of_other_scripts_are_not_ids(seeded) -> None:  # type: ignore[no-untyped-def]
    assert "no claim '١٢'" in seeded.fails("claim", "show", "١٢")  # Arabic-Indic 12 is not claim 12


def test_text_filters_take_wildcards_literally(seeded) -> None:  # type: ignore[no-untyped-def]
    assert seeded.json("claim", "list", "--text", "%") == []
    assert seeded.json("claim", "list", "--text", "_") == []
    seeded.ok("claim", "add", "Support fell to 50% in the poll")
    assert [c["slug"] for c in seeded.json("claim", "list", "--text", "50%")] == ["support-fell-to-50-in-the-poll"]


def test_a_deleted_claim_is_found_in_the_history_by_its_old_id(seeded) -> None:  # type: ignore[no-untyped-def]
    seeded.ok("claim", "delete", "budapest-declaration-2008", "--cascade")
    deletion = seeded.json("history", "--limit", "1")["revisions"][0]
    history = seeded.json("history", str(deletion["entity_id"]))
    assert history["subject"]["slug"] == "budapest-declaration-2008"
    assert history["revisions"][0]["action"] == "delete"


@pytest.mark.parametrize(
    "args",
    [
        ("claim", "list", "--limit", HUGE),
        ("source", "list", "--limit", HUGE),
        ("search", "NATO", "--limit", HUGE),
        ("history", "--limit", HUGE),
        ("evidence", "delete", HUGE),
        ("restore", HUGE),
    ],
)
def test_numbers_beyond_any_id_are_usage_errors(seeded, dump, args) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    error = seeded.fails(*args, code=2)
    assert "less than or equal to 9223372036854775807" in error
    assert dump() == before
