"""Claim matching on the bulk paths and in `claim show`: `seed` and `import` write each new claim's
sentence vector in the load's transaction (or not, with `import --no-index`), and `claim show`
lists the claims that may say the same and are not linked to it yet."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from factcheck.services.similar import SUGGEST
from factcheck.services.suggestions import SUGGESTIONS

NATO = "nato-promised-no-eastward-expansion"
IMPORTED = [
    {"slug": "sanctions-hurt-europe-most", "text": "Western sanctions hurt Europe more than they hurt Russia."},
    {"slug": "eu-is-a-us-vassal", "text": "The European Union is a vassal of the United States."},
]


def dataset(tmp_path: Path, claims: list[dict[str, str]], **sections: list[dict[str, str]]) -> Path:
    path = tmp_path / "claims.json"
    path.write_text(json.dumps({"claims": claims, **sections}))
    return path


def test_seed_and_import_write_a_vector_per_claim(any_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    any_cli.ok("seed")
    status = any_cli.json("index", "status")
    assert status["claims"] == status["current"] == 26 and status["missing"] == 0
    # A claim already there is skipped and keeps its vector; the new ones get theirs.
    seeded = {"slug": NATO, "text": "NATO promised Gorbachev in 1990 that it would not expand eastward"}
    any_cli.ok("import", str(dataset(tmp_path, [seeded, *IMPORTED])))
    status = any_cli.json("index", "status")
    assert status["claims"] == status["current"] == 28 and status["notice"] is None
    # Each stored vector is that of the claim's text: the text finds its claim with a cosine of 1.
    for claim in IMPORTED:
        hit = any_cli.json("similar", claim["text"])[0]
        assert hit["slug"] == claim["slug"] and hit["semantic"] == pytest.approx(1, abs=1e-3)
    german = "Die westlichen Sanktionen schaden Europa mehr als Russland."
    assert any_cli.json("similar", german)[0]["slug"] == IMPORTED[0]["slug"]


def test_import_no_index_leaves_the_vectors_to_rebuild(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = cli.ok("import", str(dataset(tmp_path, IMPORTED)), "--no-index")
    assert "run `factcheck index rebuild`" in out
    assert cli.json("index", "status")["missing"] == 2
    assert "2 of 2 claims have no vector" in cli("similar", IMPORTED[0]["text"]).stderr
    cli.ok("index", "rebuild")
    assert cli.json("index", "status")["current"] == 2


def test_a_failed_import_writes_no_vector(cli, tmp_path, dump) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    # Links are loaded after the claims, so the claims were embedded when this one is refused.
    bad = {"from": IMPORTED[0]["slug"], "relation": "rebuts", "to": "no-such-claim"}
    error = cli.fails("import", str(dataset(tmp_path, IMPORTED, links=[bad])))
    assert "no-such-claim" in error
    assert dump() == before


def test_claim_show_suggests_lookalikes_not_linked_yet(cli) -> None:  # type: ignore[no-untyped-def]
    cli.ok("seed")
    # The Bucharest and Budapest claims look alike but are linked (one rebuts the other).
    bucharest = "bucharest-summit-2008-promise"
    assert cli.json("similar", "--claim", bucharest)[0]["slug"] == "budapest-declaration-2008"
    shown = cli.json("claim", "show", bucharest)
    assert [c["slug"] for c in shown["counterclaims"]] == ["budapest-declaration-2008"]
    assert "budapest-declaration-2008" not in {s["slug"] for s in shown["suggested_duplicates"]}

    paraphrase = "In 1990 the Atlantic alliance assured Gorbachev that it would not move east."
    slug = re.search(r"Added claim (\S+) ", cli.ok("claim", "add", paraphrase, "--force"))[1]  # type: ignore[index]
    suggested = cli.json("claim", "show", NATO)["suggested_duplicates"]
    assert suggested[0]["slug"] == slug and suggested[0]["label"] in {"duplicate", "similar"}
    assert 0 < len(suggested) <= SUGGESTIONS
    assert all(s["score"] >= SUGGEST and s["slug"] != NATO for s in suggested)
    screen = " ".join(cli.ok("claim", "show", NATO).split())
    assert "Similar claims not linked yet" in screen and slug in screen

    cli.ok("claim", "link", slug, "duplicates", NATO)
    assert slug not in {s["slug"] for s in cli.json("claim", "show", NATO)["suggested_duplicates"]}

    # A translation shares no word with the claim: it comes from the search of every vector.
    russian = "В 1990 году НАТО пообещало Горбачёву не расширяться на восток."
    translated = re.search(r"Added claim (\S+) ", cli.ok("claim", "add", russian, "--force"))[1]  # type: ignore[index]
    assert translated in {s["slug"] for s in cli.json("claim", "show", NATO)["suggested_duplicates"]}


QUERIES = [
    "NATO promised Gorbachev in 1990 that it would not expand eastward",
    "The West gave its word in 1990 that the alliance would not move east.",
    "Die NATO hat 1990 versprochen, sich nicht nach Osten auszudehnen.",
    "НАТО обещало не расширяться на восток.",
    "NATO did not promise anything about eastward expansion",
    "https://t.co/abc123",
    "Western sanctions hurt Europe more than they hurt Russia.",
    "Ukraine is not a real country",
    "1990",
    "Russia massed troops near Ukraine's border",
    "The Charter of Paris promised a Europe whole and free.",
]


def test_similar_file_finds_what_each_text_finds_alone(cli, db_url, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`similar --file` embeds its texts in batches and reads the stored codes once a batch; each
    text gets exactly what `similar TEXT` gives it, also where a search reads several chunks of
    codes and rescores only some of them (made small here, so that the seed's 26 claims need it)."""
    from factcheck import db
    from factcheck.services import vector_passes, vectors
    from factcheck.services.similar import CANDIDATES, candidates_of, query_texts, similar_claims, similar_each

    cli.ok("init", "--seed")
    lines = tmp_path / "texts.txt"
    lines.write_text("\n".join(QUERIES), encoding="utf-8")
    batched = [json.loads(line) for line in cli.ok("similar", "--file", str(lines), "--min-score", "0").splitlines()]
    alone = [cli.json("similar", text, "--min-score", "0") for text in QUERIES]
    assert [line["hits"] for line in batched] == alone and [line["text"] for line in batched] == QUERIES
    assert sum(bool(hits) for hits in alone) >= len(QUERIES) - 1  # only the bare link matches nothing
    monkeypatch.setattr(vectors, "CODE_CHUNK", 7)
    monkeypatch.setattr(vectors, "RESCORE", 10)
    # The cosines read by a pass over the table or by their ids, a few vectors and pairs at a time.
    for share, chunk, pairs in [(0.4, 2_000, 4_096), (0.0, 5, 3), (100.0, 4, 7)]:
        monkeypatch.setattr(vector_passes, "PASS_SHARE", share)
        monkeypatch.setattr(vectors, "VECTOR_CHUNK", chunk)
        monkeypatch.setattr(vector_passes, "PAIRS", pairs)
        with db.session_scope(db_url) as session:
            each = list(similar_each(session, QUERIES, limit=8, min_score=0, batch=4))
            assert each == [similar_claims(session, text, limit=8, min_score=0) for text in QUERIES]
            for text in QUERIES[:4]:  # each pair's cosine is the one the single vector search gives it
                _found, _relevance, cosines = candidates_of(session, text)
                nearest = vectors.nearest(session, vectors.embed([query_texts(text)[1]])[0], limit=CANDIDATES)
                assert nearest and {claim_id: cosines[claim_id] for claim_id, _c in nearest} == dict(nearest)


def test_a_ranking_cut_at_a_floor_and_a_limit_is_the_whole_ranking_cut(cli, db_url) -> None:  # type: ignore[no-untyped-def]
    """`rank` with a floor and a limit checks only the candidates that may still make the cut
    against the rules: what it gives is the head of the whole ranking, score for score."""
    from factcheck import db
    from factcheck.services.similar import candidates_of, rank

    cli.ok("init", "--seed")
    texts = [*QUERIES, *(claim["text"] for claim in cli.json("claim", "list"))]
    cut = 0
    with db.session_scope(db_url) as session:
        for text in texts:
            found = candidates_of(session, text)
            whole = rank(text, *found)
            for floor in (0.0, 10.0, SUGGEST, 60.0):
                above = [item for item in whole if item["score"] >= floor]
                cut += len(above) < len(whole)
                for limit in (1, 3, 8, None):
                    assert rank(text, *found, floor=floor, limit=limit) == above[:limit]
            assert rank(text, *found, limit=0) == []
    assert cut > len(texts)  # the floors leave candidates out
