"""Hostile and malformed dataset files: alias bombs, deep nesting, paths out of the texts folder,
values of the wrong type or size. Each is refused in one line that names the file (and the record
and field, where there is one), and the database is left exactly as it was."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from factcheck.limits import MAX_NAME, MAX_TEXT


@pytest.fixture
def seeded(cli):  # type: ignore[no-untyped-def]
    cli.ok("seed")
    return cli


def refused(cli, dump, file: Path, *args: str) -> str:  # type: ignore[no-untyped-def]
    """Import `file`, which must fail; the database must be unchanged. Returns the error."""
    before = dump()
    error = cli.fails("import", str(file), *args)
    assert file.name in error
    assert dump() == before
    return error


# --- aliases and nesting ------------------------------------------------------------------------


def alias_bomb(levels: int, width: int) -> str:
    """Each anchor is a list of `width` aliases to the one before: width**levels values in all."""
    lines = ["claims:", "- slug: bomb", "  text: x", "  tags:", f"  - &a0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"  - &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    lines.append("  note: *a" + str(levels - 1))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("levels", "width"), [(9, 9), (6, 6), (3, 40)], ids=["billion-laughs", "7mb", "wide"])
def test_alias_bombs_are_refused(seeded, dump, tmp_path, levels, width) -> None:  # type: ignore[no-untyped-def]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(levels, width))
    assert len(bomb.read_bytes()) < 1000
    error = refused(seeded, dump, bomb)
    assert "YAML aliases" in error and "write the values out instead" in error


def test_an_alias_inside_its_own_anchor_is_refused(cli, dump, tmp_path) -> None:  # type: ignore[no-untyped-def]
    loop = tmp_path / "loop.yaml"
    loop.write_text("claims:\n- slug: x\n  text: x\n  tags: &t [a, *t]\n")
    assert "refers to the value that contains it" in refused(cli, dump, loop)


def test_a_few_aliases_are_fine(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shared = tmp_path / "shared.yaml"
    shared.write_text(
        "claims:\n- {slug: one, text: One, tags: &tags [nato, russia]}\n- {slug: two, text: Two, tags: *tags}\n"
    )
    cli.ok("import", str(shared))
    assert {claim["slug"]: sorted(claim["tags"]) for claim in cli.json("claim", "list")} == {
        "one": ["nato", "russia"],
        "two": ["nato", "russia"],
    }


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_deep_nesting_is_refused(seeded, dump, tmp_path, suffix) -> None:  # type: ignore[no-untyped-def]
    deep = tmp_path / f"deep.{suffix}"
    nested = "[" * 30_000 + "]" * 30_000
    deep.write_text(f"claims: {nested}\n" if suffix == "yaml" else f'{{"claims": {nested}}}')
    assert "nested more than 64 levels deep" in refused(seeded, dump, deep)


def test_deep_nesting_is_refused_in_claimreview_files(cli, dump, tmp_path) -> None:  # type: ignore[no-untyped-def]
    deep = tmp_path / "reviews.json"
    deep.write_text('{"@graph": ' + "[" * 30_000 + "]" * 30_000 + "}")
    assert "nested more than 64 levels deep" in refused(cli, dump, deep, "--format", "claimreview")


def test_nesting_a_little_deep_is_still_read(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # 50 levels is within the limit: the file is read, and refused only for its shape.
    deep = tmp_path / "deep.json"
    deep.write_text(json.dumps({"claims": [{"slug": "x", "text": "x", "note": [[[[[[[[[[]]]]]]]]]] * 1}]}))
    error = cli.fails("import", str(deep))
    assert "claims #1 'x': field 'note' is a list: expected text" in error


# --- documents stay inside --texts --------------------------------------------------------------


def document_dataset(tmp_path: Path, document: str) -> Path:
    file = tmp_path / "sources.yaml"
    file.write_text(json.dumps({"sources": [{"slug": "leak", "title": "Leak", "document": document}]}))
    return file


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("/etc/passwd", "'/etc/passwd' is not a file name inside the --texts folder"),
        ("../secret.txt", "'../secret.txt' is not a file name inside the --texts folder"),
        ("sub/../../secret.txt", "is not a file name inside the --texts folder"),
        ("link.txt", "'link.txt' leads outside the --texts folder"),
        ("missing.txt", "no file 'missing.txt' in the --texts folder"),
    ],
)
def test_documents_are_confined_to_the_texts_folder(cli, dump, tmp_path, document, expected) -> None:  # type: ignore[no-untyped-def]
    texts = tmp_path / "texts"
    texts.mkdir()
    (tmp_path / "secret.txt").write_text("not for the database")
    (texts / "link.txt").symlink_to(tmp_path / "secret.txt")
    error = refused(cli, dump, document_dataset(tmp_path, document), "--texts", str(texts))
    assert "sources #1 'leak': field 'document'" in error and expected in error


def test_a_document_inside_the_texts_folder_is_archived(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    texts = tmp_path / "texts"
    (texts / "sub").mkdir(parents=True)
    (texts / "sub" / "article.txt").write_text("The archived words.\n")
    cli.ok("import", str(document_dataset(tmp_path, "sub/article.txt")), "--texts", str(texts))
    assert cli.json("source", "show", "leak")["has_text"]


# --- values of the wrong type -------------------------------------------------------------------


WRONG_TYPES = [
    ("sources:\n- {slug: s, title: S, publisher: 2021}\n", "sources #1 's': field 'publisher' is a number (2021)"),
    ("claims:\n- slug: x\n  text: {a: 1}\n", "claims #1 'x': field 'text' is a mapping: expected text"),
    ("actors:\n- {slug: a, name: [Vladimir, Putin]}\n", "actors #1 'a': field 'name' is a list: expected text"),
    ("claims:\n- {slug: x, text: X, tags: [nato, 2021]}\n", "field 'tags', item 2, is a number (2021)"),
    ("claims:\n- {slug: x, text: X, tags: nato}\n", "field 'tags' is text: expected a list of texts"),
    ("claims:\n- {slug: x, text: X, claimant: {a: 1}}\n", "field 'claimant' is a mapping: expected text"),
    ("claims:\n- {slug: x, text: X, evidence: {a: 1}}\n", "field 'evidence' is a mapping: expected a list"),
    ("claims:\n- {slug: x, text: true}\n", "field 'text' is a boolean (true): expected text"),
    (
        "links:\n- {from: budapest-declaration-2008, relation: [rebuts], to: bucharest-summit-2008-promise}\n",
        "field 'relation' is a list: expected one of rebuts",
    ),
    ("claims:\n- {slug: 12, text: X}\n", "field 'slug' is a number (12)"),
    ("claims:\n- 7\n", "claims #1: expected a mapping of fields, not a number (7)"),
    ("claims:\n- {slug: x, text: X, 1: y}\n", "unknown field 1"),
    (
        "claims:\n- slug: x\n  text: X\n  verdicts:\n  - {rating: false, rationale: R, rating_value: .nan}\n",
        "field 'rating_value': 'nan' is not a finite number",
    ),
    (
        "claims:\n- slug: x\n  text: X\n  verdicts:\n  - {rating: false, rationale: R, best_rating: -.inf}\n",
        "field 'best_rating': '-inf' is not a finite number",
    ),
]


@pytest.mark.parametrize(("content", "expected"), WRONG_TYPES, ids=[e for _, e in WRONG_TYPES])
def test_values_of_the_wrong_type_are_refused(seeded, dump, tmp_path, content, expected) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "wrong.yaml"
    file.write_text(content)
    error = refused(seeded, dump, file)
    assert expected in error
    assert "{'a': 1}" not in error


def test_json_infinity_and_nan_are_refused(cli, dump, tmp_path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "numbers.json"
    file.write_text(
        '{"claims": [{"slug": "x", "text": "X", "verdicts": '
        '[{"rating": "false", "rationale": "R", "rating_value": Infinity}]}]}'
    )
    assert "field 'rating_value': 'inf' is not a finite number" in refused(cli, dump, file)


def test_yaml_words_stay_words(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # YAML 1.1 reads no, yes, on and off as booleans; these stay text. A date stays as written.
    file = tmp_path / "words.yaml"
    file.write_text(
        "sources:\n- {slug: norsk, title: Norsk, language: no, publisher: on, published_on: 2021-12-17}\n"
        "claims:\n- {slug: x, text: X, language: no, note: yes, stated_on: 2021}\n"
    )
    cli.ok("import", str(file))
    source = cli.json("source", "show", "norsk")
    assert (source["language"], source["publisher"], source["published_on"]) == ("no", "on", "2021-12-17")
    claim = cli.json("claim", "show", "x")["claim"]
    assert (claim["language"], claim["note"], claim["stated_on"]) == ("no", "yes", "2021")
    assert "language: 'no'" in cli.ok("export", "--format", "yaml")


def test_infinity_never_reaches_a_json_export(seeded, db_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute("UPDATE verdicts SET rating_value = 9e999")
    connection.close()
    error = seeded.fails("export", "--format", "json")
    assert "a number that JSON cannot write (NaN or infinity)" in error
    seeded.fails("export", "--format", "json", "-o", str(tmp_path / "out.json"))
    assert not (tmp_path / "out.json").exists()


# --- sizes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"claims": [{"slug": "x", "text": "w" * (MAX_TEXT + 1)}]}, f"claim text is {MAX_TEXT + 1:,} characters"),
        ({"sources": [{"slug": "s", "title": "t" * (MAX_NAME + 1)}]}, f"source title is {MAX_NAME + 1:,} characters"),
        ({"sources": [{"slug": "s", "title": "S", "url": "https://x/" + "u" * MAX_NAME}]}, "source URL is"),
        ({"actors": [{"slug": "a", "name": "A", "aliases": ["n" * (MAX_NAME + 1)]}]}, "field 'aliases': alias is"),
        (
            {
                "claims": [
                    {
                        "slug": "x",
                        "text": "X",
                        "evidence": [
                            {
                                "source": "nyt-russia-lays-out-demands",
                                "stance": "supports",
                                "quote": "q" * (MAX_TEXT + 1),
                            }
                        ],
                    }
                ]
            },
            "quote is",
        ),
    ],
    ids=["claim-text", "title", "url", "alias", "quote"],
)
def test_fields_over_their_size_limit_are_refused(seeded, dump, tmp_path, record, expected) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "big.json"
    file.write_text(json.dumps(record))
    error = refused(seeded, dump, file)
    assert expected in error and "are allowed" in error


@pytest.mark.parametrize(
    ("review", "expected"),
    [
        ({"url": ["https://a/", "https://b/"]}, "#1: url: a list: expected text"),
        ({"author": {"name": {"a": 1}}}, "#1: author.name: a mapping: expected text"),
        ({"reviewRating": {"alternateName": 3}}, "#1: reviewRating.alternateName: a number (3): expected text"),
        ({"itemReviewed": {"datePublished": {"a": 1}}}, "#1: itemReviewed.datePublished: a date must be text"),
    ],
    ids=["url-list", "author-mapping", "number-label", "date-mapping"],
)
def test_claimreview_values_of_the_wrong_type_are_refused(cli, dump, tmp_path, review, expected) -> None:  # type: ignore[no-untyped-def]
    document = {
        "@type": "ClaimReview",
        "claimReviewed": "A claim",
        "reviewRating": {"alternateName": "False"},
        "itemReviewed": {"@type": "Claim"},
        **review,
    }
    file = tmp_path / "review.json"
    file.write_text(json.dumps(document))
    assert expected in refused(cli, dump, file, "--format", "claimreview")


# --- texts no reader sees, and what is not text -------------------------------------------------

UNREADABLE = [
    ("zero-width.yaml", 'claims:\n- {slug: x, text: "\\u200b\\u200c\\u200d"}\n', "claim text is empty"),
    ("marks.yaml", 'claims:\n- {slug: x, text: "\\u200f\\u200e\\ufeff "}\n', "only invisible characters"),
    ("nul.json", '{"claims": [{"slug": "x", "text": "A\\u0000 claim"}]}', "NUL character (U+0000)"),
    ("surrogate.json", '{"claims": [{"slug": "x", "text": "A \\ud800 claim"}]}', "lone UTF-16 surrogate (U+D800)"),
    ("surrogate-note.json", '{"actors": [{"slug": "a", "name": "A", "role": "\\udfff"}]}', "lone UTF-16 surrogate"),
    ("nul.argdown", "[a-claim]: A claim\x00 with a NUL.\n", "NUL character (U+0000)"),
    ("deep.argdown", "[a-claim]: A claim. {a: " + "[" * 200 + "]" * 200 + "}\n", "nested more than 64 levels"),
    (
        "aliases.argdown",
        "[a-claim]: A claim. {a0: &a0 [x, x, x, x, x, x, x, x, x, x], "
        + ", ".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9))
        + "}\n",
        "YAML aliases that stand for more than 10,000 values",
    ),
]


@pytest.mark.parametrize(("name", "content", "expected"), UNREADABLE, ids=[name for name, _, _ in UNREADABLE])
def test_texts_a_reader_cannot_see_or_no_database_can_store_are_refused(
    cli, dump, tmp_path, name, content, expected
) -> None:  # type: ignore[no-untyped-def]
    """One rule on every backend: PostgreSQL refuses a NUL itself, SQLite stored it (and `db copy`
    to PostgreSQL then failed); a lone surrogate was an internal error; YAML limits bind Argdown's data too."""
    file = tmp_path / name
    file.write_text(content, encoding="utf-8", errors="surrogatepass")
    assert expected in refused(cli, dump, file)


DUPLICATE_KEYS = [
    (
        "twice.yaml",
        "claims:\n- slug: x\n  text: First\n  text: Second\n",
        "the key 'text' appears twice in one mapping, with two values",
    ),
    ("twice.json", '{"claims": [{"slug": "x", "text": "First", "text": "Second"}]}', "the key 'text' appears twice"),
    ("twice.argdown", "[a-claim]: A claim. {stated_on: 2021, stated_on: 2022}\n", "the key 'stated_on' appears twice"),
]


@pytest.mark.parametrize(("name", "content", "expected"), DUPLICATE_KEYS, ids=[name for name, _, _ in DUPLICATE_KEYS])
def test_a_key_written_twice_is_refused_not_overwritten(cli, dump, tmp_path, name, content, expected) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / name
    file.write_text(content)
    assert expected in refused(cli, dump, file)


def test_a_key_written_twice_with_the_same_value_is_one_key(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A slip real JSON-LD has ("@context" twice) does not cost the whole feed."""
    file = tmp_path / "reviews.json"
    file.write_text(
        '[{"@context": "https://schema.org", "@context": "https://schema.org", "@type": "ClaimReview", '
        '"claimReviewed": "A claim", "reviewRating": {"alternateName": "False"}}]'
    )
    assert "added 1 claims" in cli.ok("import", str(file), "--format", "claimreview").replace("1 actors, ", "")


def test_a_claimreview_key_written_twice_is_refused(cli, dump, tmp_path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "reviews.json"
    file.write_text(
        '[{"@type": "ClaimReview", "claimReviewed": "A", "claimReviewed": "B", '
        '"reviewRating": {"alternateName": "False"}}]'
    )
    assert "the key 'claimReviewed' appears twice" in refused(cli, dump, file, "--format", "claimreview")
