"""`factcheck scan`: sentences in several scripts, known claims found in any language, where each
was said, the JSON shape, and bad input refused with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factcheck.services.scan import sentences

PROMISE = "NATO promised Gorbachev in 1990 that it would not expand eastward"
ARTICLE = """Moscow repeats its old grievance.

Putin said again this week that NATO promised Gorbachev in 1990 that it would not expand eastward.
The foreign ministry added nothing new. Historians disagree about what was said.

Short one."""


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "Mr. Baker spoke on Feb. 9, 1990 in Moscow. Was it a promise? Historians disagree.", 3),
        ("ru", "Г-н Бейкер выступил в Москве 9 февраля. Было ли это обещанием? Историки спорят до сих пор.", 3),
        ("ar", "قال بيكر إن الناتو لن يتحرك بوصة واحدة شرقا. هل كان ذلك وعدا حقيقيا؟ المؤرخون مختلفون في ذلك.", 3),
        ("zh", "贝克说北约不会向东扩张一英寸。这是一个真正的承诺吗？历史学家对此意见不一致！", 3),
    ],
)
def test_sentences_in_several_scripts_keep_their_offsets(language: str, text: str, expected: int) -> None:
    *found, whole = sentences(text, language)
    assert len(found) == expected and (whole.start, whole.end) == (0, len(text))  # and the paragraph whole
    for sentence in found:
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text[-1] in ".!?。！？؟"


def test_short_and_repeated_sentences_are_left_out_and_short_paragraphs_are_kept_whole() -> None:
    text = "Yes. No.\n\nNATO promised not to expand one inch.\n\nNATO promised not to expand one inch."
    (only,) = sentences(text)
    assert only.text == "NATO promised not to expand one inch." and only.start == 10
    post = "They promised. NATO would not move one inch east.\n\nAnother post on another matter here."
    found = [(s.start, s.end, s.text) for s in sentences(post)]
    assert found == [
        (0, 14, "They promised."),
        (15, 49, "NATO would not move one inch east."),
        (0, 49, "They promised. NATO would not move one inch east."),  # the post whole, beside its sentences
        (51, 87, "Another post on another matter here."),
    ]


@pytest.fixture
def promise(cli):  # type: ignore[no-untyped-def]
    cli.ok("claim", "add", PROMISE, "--slug", "promise")
    cli.ok("claim", "add", "About 100,000 Russian troops were massed near Ukraine in December 2021", "--slug", "troops")
    return cli


def test_a_repeated_claim_is_found_with_its_sentence_and_place(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "article.txt"
    page.write_text(ARTICLE)
    (result,) = promise.json("scan", str(page))
    assert (
        result["scanned"] == str(page) and result["sentences"] == 4
    )  # its paragraph of 3 matched whole is not counted
    (claim,) = result["claims"]
    assert (claim["slug"], claim["label"]) == ("promise", "duplicate")
    best = claim["sentences"][0]
    assert best["sentence"].startswith("Putin said again this week")
    assert " ".join(ARTICLE[best["start"] : best["end"]].split()) == best["sentence"]  # its whitespace folded
    assert set(best) == {"sentence", "start", "end", "score", "label", "page", "page_label", "media_time", "place"}
    out = promise.ok("scan", str(page))
    assert "1 known claim found" in out and "promise" in out


def test_a_claim_is_found_in_another_language(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "statement-ru.txt"
    page.write_text("Заявление МИД России.\n\nВ 1990 году НАТО обещало Горбачёву, что не будет расширяться на восток.")
    (result,) = promise.json("scan", str(page), "--language", "ru")
    assert [claim["slug"] for claim in result["claims"]][:1] == ["promise"]


def test_a_stored_source_is_scanned_with_its_pages_or_times(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    transcript = tmp_path / "press.vtt"
    transcript.write_text(
        "WEBVTT\n\n00:41:02.000 --> 00:41:06.000\nYou know what they told us.\n\n"
        "00:41:07.000 --> 00:41:12.000\nNATO promised Gorbachev in 1990 that it would not expand eastward.\n"
    )
    promise.ok("source", "add", "Press conference", "--transcript-file", str(transcript), "--slug", "press")
    (result,) = promise.json("scan", "press")
    said = next(s for s in result["claims"][0]["sentences"] if s["sentence"].startswith("NATO promised"))
    assert (said["media_time"], said["place"]) == (2467.0, "00:41:07")
    lines = promise.ok("scan", "press", str(transcript), "--jsonl").splitlines()
    assert [json.loads(line)["scanned"] for line in lines] == ["press", str(transcript)]


def test_folders_and_standard_input(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE)
    (folder / "b.html").write_text(f"<html><body><article><p>{ARTICLE}</p></article></body></html>")
    assert [r["scanned"] for r in promise.json("scan", str(folder))] == [str(folder / "a.txt"), str(folder / "b.html")]
    result = promise("scan", "-", "--json", input=ARTICLE)
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["claims"][0]["slug"] == "promise"


def test_scan_writes_nothing(promise, tmp_path, dump) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "article.txt"
    page.write_text(ARTICLE)
    before = dump()
    promise.ok("scan", str(page))
    assert dump() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("   \n\n ", "is empty"),
        ("Yes. No. Maybe.", "no sentence long enough to state something"),
        (b"\x00\x01binary", "is a binary file"),
    ],
    ids=["empty", "no-sentence", "binary"],
)
def test_bad_texts_are_refused_with_one_line(promise, tmp_path, dump, content, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.txt"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = dump()
    assert message in promise.fails("scan", str(path))
    assert dump() == before


def test_what_is_neither_a_file_nor_a_source_with_text_is_refused(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert "neither a file nor a source" in promise.fails("scan", "no-such-thing")
    promise.ok("source", "add", "No text", "--slug", "bare")
    assert "has no archived text to scan" in promise.fails("scan", "bare")
    (tmp_path / "empty").mkdir()
    assert "has no files to scan" in promise.fails("scan", str(tmp_path / "empty"))


def test_the_limit_and_the_floor(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "article.txt"
    page.write_text(ARTICLE + "\n\nSome 100,000 Russian troops were massed near Ukraine in December 2021.")
    assert len(promise.json("scan", str(page))[0]["claims"]) == 2
    assert len(promise.json("scan", str(page), "--limit", "1")[0]["claims"]) == 1
    assert promise.json("scan", str(page), "--min-score", "100")[0]["claims"] == []
    assert Path(page).exists()


def test_apply_records_what_a_source_repeats_in_one_batch_and_undo_takes_it_back(promise, tmp_path, dump) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "article.txt"
    page.write_text(ARTICLE + "\n\nThe army held exercises near the Ukrainian border last month.")
    promise.ok("source", "add", "Moscow repeats", "--text-file", str(page), "--slug", "moscow")
    before = dump()
    applied = promise.json("scan", "moscow", "--apply")
    assert [item["claim"] for item in applied["applied"]] == ["promise"]
    assert [item["claim"] for item in applied["to_confirm"]] == ["troops"]  # similar, not duplicate: a person confirms
    shown = promise.json("claim", "show", "promise")["claim"]
    assert [source["slug"] for source in shown["appearances"]] == ["moscow"]
    (said,) = shown["appearance_sentences"].values()
    assert said["sentence"].startswith("Putin said again")
    assert " ".join(ARTICLE[said["start"] : said["end"]].split()) == said["sentence"]
    assert "repeated in Moscow repeats: “Putin said again" in promise.ok("claim", "show", "promise")
    history = promise.json("history", "promise")["revisions"]
    assert {revision["batch"] for revision in history[:2]} == {applied["batch"]}
    assert {revision["entity"] for revision in history[:2]} == {"claims", "appearance_sentences"}

    again = promise.json("scan", "moscow", "--apply", "--confirm", "troops")
    assert again["recorded_already"] == ["promise"] and [i["claim"] for i in again["applied"]] == ["troops"]
    assert "not found by this scan" in promise.fails("scan", "moscow", "--apply", "--confirm", "no-such-claim")

    assert "Took back 1 appearance: troops" in promise.ok("scan", "--undo", again["batch"])
    assert "Took back 1 appearance: promise" in promise.ok("scan", "--undo", applied["batch"])
    assert "gone already" in promise.fails("scan", "--undo", applied["batch"])
    assert "recorded nothing in batch" in promise.fails("scan", "--undo", "0" * 32)
    after = [line for line in dump() if "revisions" not in line and "sqlite_sequence" not in line]
    assert after == [line for line in before if "revisions" not in line and "sqlite_sequence" not in line]


def test_a_deleted_claim_comes_back_with_its_appearance_sentence(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "article.txt"
    page.write_text(ARTICLE)
    promise.ok("source", "add", "Moscow repeats", "--text-file", str(page), "--slug", "moscow")
    promise.ok("scan", "moscow", "--apply")
    promise.ok("claim", "delete", "promise", "--cascade")
    revisions = promise.json("history", "promise")["revisions"]
    deletion = next(r for r in revisions if (r["entity"], r["action"]) == ("claims", "delete"))
    promise.ok("restore", str(deletion["id"]))
    shown = promise.json("claim", "show", "promise")["claim"]
    assert [s["slug"] for s in shown["appearances"]] == ["moscow"] and len(shown["appearance_sentences"]) == 1


def test_apply_takes_one_stored_source(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "article.txt"
    page.write_text(ARTICLE)
    assert "give one source (id or slug), not a file" in promise.fails("scan", str(page), "--apply")
    assert "--confirm goes with --apply" in promise.fails("scan", str(page), "--confirm", "promise")
    assert "--undo takes only the batch" in promise.fails("scan", str(page), "--undo", "abc")
    assert "give a file, a folder" in promise.fails("scan")


def test_claim_show_says_how_often_a_claim_was_repeated_since_its_verdict(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    promise.ok(
        "claim", "rate", "promise", "misleading", "--rationale", "Only East Germany was meant.", "--date", "2021-06"
    )
    page = tmp_path / "article.txt"
    page.write_text(ARTICLE)
    promise.ok("source", "add", "Moscow repeats", "--text-file", str(page), "--slug", "moscow", "--date", "2021-12-22")
    assert promise.json("claim", "show", "promise")["repeated_since_verdict"] == 0
    promise.ok("scan", "moscow", "--apply")
    assert promise.json("claim", "show", "promise")["repeated_since_verdict"] == 1
    assert "repeated in 1 source since the verdict" in promise.ok("claim", "show", "promise")


def test_a_long_run_without_full_stops_is_matched_a_line_at_a_time(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    captions = [f"and then the speaker talked about the weather number {n} for a while" for n in range(40)]
    page = tmp_path / "captions.txt"
    page.write_text("\n".join([*captions, PROMISE, "and more talk about nothing in particular"]))
    (result,) = promise.json("scan", str(page))
    said = result["claims"][0]["sentences"][0]
    assert result["claims"][0]["slug"] == "promise" and said["sentence"] == PROMISE
    assert page.read_text()[said["start"] : said["end"]] == PROMISE


def test_one_bad_text_among_many_is_named_and_the_others_are_scanned(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "inbox"
    (folder / ".git").mkdir(parents=True)
    (folder / ".git" / "index").write_bytes(b"\x00binary")
    (folder / "a.txt").write_text(ARTICLE)
    (folder / "b.txt").write_text("!!! ... ???")
    (folder / "c.txt").write_text(ARTICLE.replace("Moscow", "The Kremlin"))
    result = promise("scan", str(folder), "--json")
    assert result.exit_code == 1
    assert [r["scanned"] for r in json.loads(result.stdout)] == [str(folder / "a.txt"), str(folder / "c.txt")]
    assert f"{folder / 'b.txt'}: not scanned: the text has no sentence long enough" in result.stderr
    assert "1 of the texts could not be scanned" in result.stderr


def test_standard_input_must_be_utf8_and_one_output_form_is_given(promise) -> None:  # type: ignore[no-untyped-def]
    bad = b"NATO promised Gorbachev \xff\xfe in 1990 that it would not expand eastward"
    result = promise("scan", "-", input=bad)  # type: ignore[arg-type]
    assert result.exit_code == 1 and "standard input is not UTF-8 text (byte 24 cannot be read)" in result.stderr
    assert "give --json (one document) or --jsonl" in promise.fails("scan", "-", "--json", "--jsonl")


def test_undo_takes_back_only_what_apply_made_and_a_negation_is_not_a_repetition(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "article.txt"
    page.write_text(ARTICLE + "\n\nIt is false that NATO promised Gorbachev in 1990 that it would not expand eastward.")
    promise.ok("source", "add", "Moscow repeats", "--text-file", str(page), "--slug", "moscow")
    promise.ok("scan", "moscow", "--apply")
    promise.ok("source", "delete", "moscow", "--cascade")
    revisions = promise.json("history", "moscow")["revisions"]
    deletion = next(r for r in revisions if (r["entity"], r["action"]) == ("sources", "delete"))
    out = promise.ok("restore", str(deletion["id"]))
    restored = next(r for r in promise.json("history", "moscow")["revisions"] if r["entity"] == "sources")
    restored_batch = restored["batch"]
    assert "was not made by `scan --apply`" in promise.fails("scan", "--undo", restored_batch)
    assert out


def test_a_kept_sentence_follows_its_source_into_a_new_text(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "article.txt"
    page.write_text(ARTICLE)
    promise.ok("source", "add", "Moscow repeats", "--text-file", str(page), "--slug", "moscow")
    promise.ok("scan", "moscow", "--apply", "--min-score", "0")
    newer = tmp_path / "newer.txt"
    newer.write_text("A new first paragraph, added by the editors this morning.\n\n" + ARTICLE)
    promise.ok("source", "edit", "moscow", "--text-file", str(newer))
    (said,) = promise.json("claim", "show", "promise")["claim"]["appearance_sentences"].values()
    assert " ".join(newer.read_text()[said["start"] : said["end"]].split()) == said["sentence"]


def test_a_claim_the_source_negates_is_not_confirmed_as_repeated(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "denial.txt"
    page.write_text("It is not true that NATO promised Gorbachev in 1990 that it would not expand eastward.")
    promise.ok("source", "add", "A denial", "--text-file", str(page), "--slug", "denial")
    (result,) = promise.json("scan", "denial")
    assert [(c["slug"], c["label"]) for c in result["claims"]][:1] == [("promise", "rebuts?")]
    error = promise.fails("scan", "denial", "--apply", "--confirm", "promise")
    assert "seems to negate 'promise' (labelled rebuts?), not to repeat it" in error


def test_kept_sentences_travel_with_an_export_and_a_tampered_one_is_refused(promise, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import Run

    page = tmp_path / "article.txt"
    page.write_text(ARTICLE)
    promise.ok("source", "add", "Moscow repeats", "--text-file", str(page), "--slug", "moscow")
    promise.ok("scan", "moscow", "--apply")
    exported = json.loads(promise.ok("export", "--format", "json"))
    (said,) = exported["appearance_sentences"]
    assert (said["claim"], said["source"]) == ("promise", "moscow") and said["sentence"].startswith("Putin said")
    (tmp_path / "all.json").write_text(json.dumps(exported))
    other = Run(tmp_path / "other.db")
    other.ok("init")
    assert "1 appearance sentence" in other.ok("import", str(tmp_path / "all.json"))
    assert other.ok("export", "--format", "json") == promise.ok("export", "--format", "json")
    assert "added nothing; 4 already present" in other.ok("import", str(tmp_path / "all.json"))
    assert json.loads(promise.ok("export", "--claim", "troops", "--format", "json")).get("appearance_sentences") is None

    for change, problem in [
        ({"sentence": "NATO promised nothing at all."}, "is not the text of source 'moscow' from"),
        ({"start": said["start"] + 1}, "is not the text of source 'moscow' from"),
        ({"score": "high"}, "field 'score' is text: expected a number from 0 to 100"),
        ({"claim": "troops"}, "claim 'troops' does not appear in source 'moscow'"),
        ({"colour": "red"}, "unknown field 'colour'"),
    ]:
        fresh = Run(tmp_path / f"fresh-{len(problem)}-{sorted(change)[0]}.db")
        fresh.ok("init")
        tampered = {**exported, "appearance_sentences": [{**said, **change}]}
        (tmp_path / "tampered.json").write_text(json.dumps(tampered))
        assert problem in fresh.fails("import", str(tmp_path / "tampered.json"))
        assert fresh.ok("export", "--format", "json").count('"slug"') == 0  # nothing loaded
