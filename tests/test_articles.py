"""Loaders: every format, header shapes, aliases, dates, ids, and one-line errors."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from briefing.articles import (
    ArticleError,
    article_id,
    derive_title,
    iter_files,
    load_file,
    parse_date,
    split_sentences,
)
from tests.conftest import SEED, SHARED_SEEDS


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return p


def test_seed_shape_date_and_text_on_one_line() -> None:
    [a] = load_file(SEED)
    assert a.published == date(2023, 11, 10)
    assert a.text.startswith("In a recent development, President Vladimir Putin")
    assert "date 2023" not in a.text
    assert a.title.startswith("In a recent development")  # derived from the first sentence
    assert a.url == "" and len(a.id) == 16


@pytest.mark.skipif(not SHARED_SEEDS.exists(), reason="../shared/seeds not present")
def test_shared_seed_matches_the_copy_in_samples() -> None:
    [shared] = load_file(SHARED_SEEDS / SEED.name)
    [ours] = load_file(SEED)
    assert (shared.id, shared.title, shared.text, shared.published) == (
        ours.id,
        ours.title,
        ours.text,
        ours.published,
    )


def test_txt_headers_each_on_own_line(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "a.txt",
        "title: Summit ends\nsource: Meridian Post\nurl: https://m.example/a?utm_source=x\n"
        "date: 15 November 2023\n\nLeaders met. They talked.",
    )
    [a] = load_file(p)
    assert (a.title, a.source, a.published) == ("Summit ends", "Meridian Post", date(2023, 11, 15))
    assert a.text == "Leaders met. They talked."
    # the id comes from the canonical URL: tracking parameters do not make a new article
    assert a.id == article_id("other text", "https://M.example/a")


def test_txt_date_header_on_its_own_line(tmp_path: Path) -> None:
    [a] = load_file(
        write(tmp_path, "b.txt", "date 2023-11-12\nThe tunnel collapsed on Sunday. Workers are trapped.")
    )
    assert a.published == date(2023, 11, 12)
    assert a.text.startswith("The tunnel collapsed")


def test_markdown_front_matter_and_heading(tmp_path: Path) -> None:
    md = (
        "---\ntitle: Vote count\nsource: Civic Wire\npublished: 2023-11-22\n---\n"
        "# Ignored heading\n\nThe **party** won [37 seats](http://x)."
    )
    [a] = load_file(write(tmp_path, "c.md", md))
    assert (a.title, a.source, a.published) == ("Vote count", "Civic Wire", date(2023, 11, 22))
    assert a.text == "The party won 37 seats."


def test_json_object_list_and_aliases(tmp_path: Path) -> None:
    one = {
        "title": "A",
        "content": "Text one here.",
        "link": "https://x.example/1",
        "date": "November 19, 2023",
    }
    many = [{"body": "Text two here.", "published": "2023-11-19T21:30:00Z"}, {"text": "Text three here."}]
    [a] = load_file(write(tmp_path, "one.json", json.dumps(one)))
    assert (a.url, a.published, a.text) == ("https://x.example/1", date(2023, 11, 19), "Text one here.")
    arts = load_file(write(tmp_path, "many.json", json.dumps(many)))
    assert [x.text for x in arts] == ["Text two here.", "Text three here."]
    assert arts[0].published == date(2023, 11, 19) and arts[1].published is None


def test_jsonl_reports_the_bad_line(tmp_path: Path) -> None:
    good = json.dumps({"text": "Fine article text."})
    assert len(load_file(write(tmp_path, "ok.jsonl", f"{good}\n\n{good.replace('Fine', 'Other')}\n"))) == 2
    with pytest.raises(ArticleError, match="line 2: invalid JSON"):
        load_file(write(tmp_path, "bad.jsonl", good + "\n{broken\n"))


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", "", "empty file"),
        ("blank.json", "   \n", "empty file"),
        ("broken.json", '{"text": "unterminated', "invalid JSON"),
        ("notext.json", '{"title": "only a title"}', "no text"),
        ("bin.txt", b"\x00\x01\x02binary", "binary"),
        ("baddate.txt", "date: someday maybe\n\nText.", "bad date"),
        ("image.png", b"\x89PNG", "unsupported file type"),
        ("feed.xml", "<rss><channel><title>x</title></channel></rss>", "no entries"),
    ],
)
def test_bad_files_get_a_one_line_reason(
    tmp_path: Path, name: str, content: str | bytes, reason: str
) -> None:
    with pytest.raises(ArticleError, match=reason) as err:
        load_file(write(tmp_path, name, content))
    assert "\n" not in str(err.value)


def test_size_limit(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="too large"):
        load_file(write(tmp_path, "big.txt", "word " * 1000), max_bytes=100)


def test_encodings_bom_utf16_cp1252(tmp_path: Path) -> None:
    assert (
        load_file(write(tmp_path, "bom.txt", "\ufeffHello world text.".encode()))[0].text
        == "Hello world text."
    )
    assert (
        load_file(write(tmp_path, "u16.txt", "Grüße aus Köln.".encode("utf-16")))[0].text == "Grüße aus Köln."
    )
    assert load_file(write(tmp_path, "cp.txt", "Caf\xe9 opens.".encode("cp1252")))[0].text == "Café opens."


def test_parse_date_formats() -> None:
    assert parse_date("2023-11-10") == date(2023, 11, 10)
    assert parse_date("20231110") == date(2023, 11, 10)
    assert parse_date("Fri, 10 Nov 2023 08:00:00 GMT") == date(2023, 11, 10)
    assert parse_date("") is None
    with pytest.raises(ArticleError):
        parse_date("not a date")


def test_sentences_keep_abbreviations() -> None:
    text = "Putin blamed a “failure of U.S. politics,” officials said. Mr. Smith agreed. It rained."
    assert split_sentences(text) == [
        "Putin blamed a “failure of U.S. politics,” officials said.",
        "Mr. Smith agreed.",
        "It rained.",
    ]
    assert derive_title("Short first sentence. Second.") == "Short first sentence"


def test_directory_walk_skips_hidden_and_unsupported(tmp_path: Path) -> None:
    (tmp_path / "d" / ".hidden").mkdir(parents=True)
    write(tmp_path / "d", "a.txt", "x")
    write(tmp_path / "d", "b.md", "x")
    write(tmp_path / "d", "c.png", "x")
    write(tmp_path / "d" / ".hidden", "e.txt", "x")
    assert [p.name for p in iter_files([tmp_path / "d"])] == ["a.txt", "b.md"]
