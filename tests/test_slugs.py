"""Slugs are made for every script, always valid, and never shared by two different names."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.services.common import MAX_SLUG, SLUG_PATTERN, slugify


def same_name(a: str, b: str) -> bool:
    """Two names are one when their letters, marks and digits agree after case folding (so 'NATO' and
    'nato', or "Russia's" and 'Russias', are one name; 'Müller' and 'Muller' are two, and so are two
    Hindi names that differ in a vowel sign)."""

    def key(text: str) -> list[str]:
        folded = re.sub(r"(\w)['’](\w)", r"\1\2", unicodedata.normalize("NFKC", text).casefold())
        words = "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in folded).split()
        return words or [folded.strip()]

    return key(a) == key(b)


names = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Z")), min_size=1, max_size=120
)


@settings(max_examples=400, deadline=None)
@given(names, names)
def test_two_different_names_never_share_a_slug(a: str, b: str) -> None:
    if not same_name(a, b):
        assert slugify(a) != slugify(b)


@settings(max_examples=400, deadline=None)
@given(names)
def test_every_slug_is_valid(name: str) -> None:
    slug = slugify(name)
    assert SLUG_PATTERN.match(slug), slug
    assert len(slug) <= MAX_SLUG


def test_readable_slugs_for_every_script() -> None:
    assert slugify("NATO promised no eastward expansion") == "nato-promised-no-eastward-expansion"
    assert slugify("Russia’s demands") == "russias-demands"
    assert slugify("Владимир Путин").startswith("vladimir-putin-")
    assert slugify("中国").startswith("zhongguo-")
    assert slugify("Müller") != slugify("Muller") == "muller"
    assert slugify("राहुल गांधी") != slugify("राहुल गाँधी")


def test_long_texts_that_agree_in_their_start_get_two_slugs() -> None:
    start = "https://example.org/fact-check/" + "a" * 80
    first, second = slugify(start + "/one"), slugify(start + "/two")
    assert first != second
    assert len(first) <= MAX_SLUG and "--" not in first and not first.endswith("-")


def test_non_latin_tags_and_actors_stay_apart(cli) -> None:  # type: ignore[no-untyped-def]
    cli.ok("actor", "add", "Владимир Путин")
    cli.ok("actor", "add", "Владимир Зеленский")
    actors = {actor["name"]: actor["slug"] for actor in cli.json("actor", "list")}
    assert len(set(actors.values())) == 2
    putin, zelensky = actors["Владимир Путин"], actors["Владимир Зеленский"]
    cli.ok("claim", "add", "НАТО обещало не расширяться на восток", "--tag", "НАТО", "--claimant", putin)
    cli.ok("claim", "add", "Украина имеет право выбирать союзы", "--tag", "Украина", "--claimant", zelensky)
    claims = {claim["text"]: claim for claim in cli.json("claim", "list")}
    first, second = claims["НАТО обещало не расширяться на восток"], claims["Украина имеет право выбирать союзы"]
    assert first["slug"] != second["slug"]
    shown = cli.json("claim", "show", second["slug"])["claim"]
    assert shown["claimant"]["name"] == "Владимир Зеленский"
    assert shown["tags"] != cli.json("claim", "show", first["slug"])["claim"]["tags"]
    cli.ok("claim", "edit", first["slug"], "--untag", "中国")  # an unknown tag removes nothing
    assert cli.json("claim", "show", first["slug"])["claim"]["tags"] == [shown_tag(cli, first["slug"])]


def shown_tag(cli, slug: str) -> str:  # type: ignore[no-untyped-def]
    (tag,) = cli.json("claim", "show", slug)["claim"]["tags"]
    assert tag.startswith("nato-")
    return tag
