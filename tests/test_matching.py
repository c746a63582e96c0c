"""Claim matching in any wording and language: sentence vectors beside the claims, one fused score,
the duplicate and suggest thresholds, negations and short texts, `similar --file/--claim`,
`dedupe` and `index rebuild`. The model loads once per test session (a module-level cache)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from factcheck.services.similar import DUPLICATE

SEED = "NATO promised Russia it would not expand eastward."
OTHERS = [
    "The European Union is a vassal of the United States.",
    "Western sanctions hurt Europe more than they hurt Russia.",
    "Flight MH17 was shot down by a Ukrainian fighter jet.",
]


@pytest.fixture
def claims(cli):  # type: ignore[no-untyped-def]
    """A database with the seed claim and a few others, each added through the CLI."""
    for text in [SEED, *OTHERS]:
        cli.ok("claim", "add", text)
    return cli


def vectors(path: Path) -> dict[int, tuple[str, bytes]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT claim_id, model, vector FROM claim_vectors").fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


def seed_slug(cli) -> str:  # type: ignore[no-untyped-def]
    return next(c["slug"] for c in cli.json("claim", "list") if c["text"] == SEED)


def test_a_paraphrase_sharing_no_rare_word_is_found(claims, db_url) -> None:  # type: ignore[no-untyped-def]
    from factcheck import db
    from factcheck.services.similar import similar_claims

    paraphrase = "Moscow was assured the Atlantic alliance would never take in the former Warsaw Pact states."
    with db.session_scope(db_url) as session:  # by its words alone, it is not found
        assert SEED not in [hit["text"] for hit in similar_claims(session, paraphrase, semantic=False)]
    hits = claims.json("similar", paraphrase)
    assert hits[0]["text"] == SEED
    assert hits[0]["lexical"] == 0 and hits[0]["semantic"] > 0.5  # no content word in common


@pytest.mark.parametrize(
    "translation",
    [
        "НАТО обещало России не расширяться на восток.",
        "وعد حلف الناتو روسيا بأنه لن يتوسع شرقاً.",
        "NATO, Rusya'ya doğuya doğru genişlemeyeceğine söz verdi.",
        "Die NATO hat Russland versprochen, sich nicht nach Osten auszudehnen.",
    ],
)
def test_a_translation_finds_its_claim_first(claims, translation) -> None:  # type: ignore[no-untyped-def]
    hits = claims.json("similar", translation)
    assert hits[0]["text"] == SEED
    assert all(hit["text"] != SEED for hit in hits[1:])


def test_a_negation_is_not_a_duplicate_but_a_possible_rebuttal(claims, dump) -> None:  # type: ignore[no-untyped-def]
    negations = ["NATO did not promise to expand eastward.", "NATO never promised Russia it would not expand eastward."]
    for negation in negations:
        hit = claims.json("similar", negation)[0]
        assert hit["text"] == SEED and hit["label"] == "rebuts?" and hit["score"] < DUPLICATE
        claims.ok("claim", "add", negation)  # no --force needed
    # whereas the same claim in other words is refused, and nothing is written
    before = dump()
    error = claims.fails("claim", "add", "NATO vowed not to expand eastward.")
    assert seed_slug(claims) in error and "--force" in error
    assert dump() == before


def test_a_short_text_is_not_a_duplicate_of_a_long_one(claims) -> None:  # type: ignore[no-untyped-def]
    hits = claims.json("similar", "NATO", "--min-score", "0")
    assert all(hit["label"] != "duplicate" for hit in hits)
    claims.ok("claim", "add", "NATO")
    longer = SEED + " It also promised to keep its troops out of the new members and to consult Moscow on everything."
    assert claims.json("similar", longer)[0]["label"] != "duplicate"
    claims.ok("claim", "add", longer)


def test_texts_stating_different_numbers_are_not_duplicates(claims) -> None:  # type: ignore[no-untyped-def]
    claims.ok("claim", "add", "NATO admitted ten new members in 2004.")
    # Sentence vectors barely see numbers: the two score high, yet they state different things.
    hit = claims.json("similar", "NATO admitted seven new members in 1999.")[0]
    assert hit["text"] == "NATO admitted ten new members in 2004." and hit["label"] == "similar"
    claims.ok("claim", "add", "NATO admitted seven new members in 1999.")
    # The same number in any script, or a number stated by one text only, is no difference.
    assert claims.json("similar", "NATO admitted ten new members in ٢٠٠٤.")[0]["label"] == "duplicate"
    assert claims.json("similar", "NATO admitted ten new members.")[0]["label"] == "duplicate"


def test_vectors_follow_add_edit_delete_and_restore(claims, db_path) -> None:  # type: ignore[no-untyped-def]
    from factcheck.services.vectors import model_name

    stored = vectors(db_path)
    assert len(stored) == 4 and {model for model, _vector in stored.values()} == {model_name()}
    slug = seed_slug(claims)
    claim_id = claims.json("claim", "show", slug)["claim"]["id"]
    claims.ok("claim", "edit", slug, "--note", "only a note")
    assert vectors(db_path)[claim_id] == stored[claim_id]  # the text did not change
    claims.ok("claim", "edit", slug, "--text", "NATO pledged to Moscow that it would stay out of Eastern Europe.")
    edited = vectors(db_path)[claim_id]
    assert edited != stored[claim_id]
    claims.ok("claim", "delete", slug)
    assert claim_id not in vectors(db_path)
    deletion = next(r["id"] for r in claims.json("history")["revisions"] if r["action"] == "delete")
    claims.ok("restore", str(deletion))
    assert vectors(db_path)[claim_id] == edited
    assert "Warning" not in claims("similar", SEED).stderr


def test_missing_or_foreign_vectors_are_reported_and_words_still_match(claims, db_path) -> None:  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path) as connection:
        connection.execute("DELETE FROM claim_vectors")
    result = claims("similar", "NATO promised not to expand eastward")
    assert result.exit_code == 0
    assert "4 of 4 claims have no vector: run `factcheck index rebuild`" in result.stderr
    assert SEED in result.stdout  # by its words, meanwhile
    with sqlite3.connect(db_path) as connection:
        connection.execute("INSERT INTO claim_vectors (claim_id, model, vector) VALUES (1, 'another-model@1', x'00')")
    assert "from another model: run `factcheck index rebuild`" in claims("similar", "NATO").stderr
    assert "Indexed 4 claim(s)" in claims.ok("index", "rebuild")
    assert "Warning" not in claims("similar", "NATO").stderr
    assert claims.json("index", "status")["current"] == 4


def test_similar_file_prints_one_json_line_per_text(claims, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lines = tmp_path / "texts.txt"
    lines.write_text("НАТО обещало России не расширяться на восток.\n\nLa Unión Europea es un vasallo de EE. UU.\n")
    out = [json.loads(line) for line in claims.ok("similar", "--file", str(lines)).splitlines()]
    assert [o["hits"][0]["text"] for o in out] == [SEED, OTHERS[0]]
    jsonl = tmp_path / "texts.jsonl"
    french = "Les sanctions occidentales nuisent davantage à l'Europe qu'à la Russie."
    jsonl.write_text(json.dumps({"text": french}) + "\n")
    assert json.loads(claims.ok("similar", "--file", str(jsonl)))["hits"][0]["text"] == OTHERS[1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "fine"}\n{"text": \n', "line 2: not a JSON object"),
        ('{"text": "fine"}\n{"title": "no text"}\n', 'line 2: "text" is missing'),
        ("fine\n" + "x" * 10_001 + "\n", "line 2: the text is 10,001 characters long"),
        ("\n\n", "has no text to match"),
    ],
)
def test_similar_file_names_a_bad_line(claims, tmp_path, content, message) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    result = claims("similar", "--file", str(bad))
    assert result.exit_code == 1 and result.stdout == ""
    assert message in result.stderr


def test_similar_claim_excludes_itself(claims) -> None:  # type: ignore[no-untyped-def]
    slug = seed_slug(claims)
    claims.ok("claim", "add", "НАТО обещало России не расширяться на восток.", "--force")
    hits = claims.json("similar", "--claim", slug)
    assert hits and all(hit["slug"] != slug for hit in hits)
    assert hits[0]["text"].startswith("НАТО")
    assert "no claim 'nope'" in claims.fails("similar", "--claim", "nope")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "the text to compare is empty"),
        (["x" * 1_001], "at most 1,000 are allowed"),
        ([], "give one of: a TEXT, --file FILE or --claim CLAIM"),
        (["NATO", "--claim", "1"], "give one of"),
    ],
)
def test_similar_bad_input(claims, args, message) -> None:  # type: ignore[no-untyped-def]
    assert message in claims.fails("similar", *args)


def test_dedupe_apply_is_recorded_and_reversible(claims, db_path) -> None:  # type: ignore[no-untyped-def]
    slug = seed_slug(claims)
    claims.ok("claim", "add", "NATO vowed not to expand eastward.", "--force")
    claims.ok("claim", "add", "NATO did not promise to expand eastward.")  # a negation: not clustered
    found = claims.json("dedupe")["clusters"]
    clustered = [[claim["slug"] for claim in cluster["claims"]] for cluster in found]
    assert clustered == [[slug, "nato-vowed-not-to-expand-eastward"]]
    assert found[0]["pairs"][0]["score"] >= DUPLICATE
    with sqlite3.connect(db_path) as connection:  # a dry run writes nothing
        assert connection.execute("SELECT count(*) FROM claim_links").fetchone() == (0,)

    applied = claims.json("dedupe", "--apply")["recorded"]
    assert applied["links"] == [{"from": "nato-vowed-not-to-expand-eastward", "to": slug}]
    history = claims.json("history")["revisions"]
    made = [r for r in history if r["entity"] == "claim_links" and r["action"] == "insert"]
    assert len(made) == 1 and made[0]["batch"] == applied["batch"]
    assert claims.json("dedupe", "--apply")["recorded"]["links"] == []  # linked already

    assert "Removed 1 duplicates link(s)" in claims.ok("dedupe", "--undo", applied["batch"])
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT count(*) FROM claim_links").fetchone() == (0,)
    assert "gone already" in claims.fails("dedupe", "--undo", applied["batch"])
    assert "no links were made in batch 'nope'" in claims.fails("dedupe", "--undo", "nope")
    # a link a person made is not dedupe's to take back, though it says `duplicates` too
    claims.ok("claim", "link", "nato-vowed-not-to-expand-eastward", "duplicates", slug)
    by_hand = claims.json("history", "--limit", "1")["revisions"][0]["batch"]
    assert "was not made by `dedupe --apply`" in claims.fails("dedupe", "--undo", by_hand)
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT count(*) FROM claim_links").fetchone() == (1,)


def test_dedupe_leaves_out_claims_someone_has_related(claims) -> None:  # type: ignore[no-untyped-def]
    slug = seed_slug(claims)
    claims.ok("claim", "add", "NATO vowed not to expand eastward.", "--force")
    assert len(claims.json("dedupe")["clusters"]) == 1
    claims.ok("claim", "link", "nato-vowed-not-to-expand-eastward", "qualifies", slug)  # so they differ
    assert claims.json("dedupe")["clusters"] == []
    # Nor are they joined through a third claim that duplicates both: each would be linked to the oldest.
    claims.ok("claim", "add", "NATO vowed it would not expand eastward.", "--force")
    clusters = [{claim["slug"] for claim in cluster["claims"]} for cluster in claims.json("dedupe")["clusters"]]
    assert clusters and not any({slug, "nato-vowed-not-to-expand-eastward"} <= cluster for cluster in clusters)
