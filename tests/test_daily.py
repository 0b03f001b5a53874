"""The daily briefing: stories clustered with all their outlets, neutral, cited, rendered."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing.cli import app
from briefing.digest import DailyError, cluster

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((ROOT / "samples" / "manifest.json").read_text())


def outlets_of(story_label: str, day: str) -> set[str]:
    return {m["source"] for m in MANIFEST if m["story"] == story_label and m["published"] == day}


def urls_of(story_label: str, day: str) -> set[str]:
    return {m["url"] for m in MANIFEST if m["story"] == story_label and m["published"] == day}


def test_multi_outlet_story_is_one_story_with_all_its_outlets(sample_briefing):
    d = sample_briefing.daily("2023-11-15")
    expected = outlets_of("biden-xi-summit", "2023-11-15")
    assert len(expected) >= 3
    urls = urls_of("biden-xi-summit", "2023-11-15")
    matching = [s for s in d.stories if {x.url for x in s.sources} & urls]
    assert len(matching) == 1, [s.headline for s in matching]
    story = matching[0]
    assert {x.url for x in story.sources} == urls
    assert {x.source for x in story.sources} == expected
    assert d.stories[0] is story  # ordered by coverage
    assert "[1]" in story.summary and len([x for x in story.summary.split("[") if x]) <= 4
    assert story.neutrality["summary"]["flags"] == []
    assert all(sc >= 0.6 for sc in story.support)


def test_window_and_default_date(sample_briefing):
    newest = max(m["published"] for m in MANIFEST)
    assert sample_briefing.daily().date == newest
    week = sample_briefing.daily("2023-11-19", days=7)
    assert week.days == 7 and week.articles > sample_briefing.daily("2023-11-19").articles
    milei = urls_of("milei-wins-argentina", "2023-11-19")
    assert any({x.url for x in s.sources} >= milei for s in week.stories)


def test_framing_line_names_the_loaded_outlet(sample_briefing):
    d = sample_briefing.daily("2023-11-15")
    rwanda = next(s for s in d.stories if "Rwanda" in s.headline)
    assert rwanda.framing and "The Lantern Review used loaded language" in rwanda.framing
    assert "sinks" not in rwanda.headline  # the neutral outlet's title was chosen


def test_deterministic_and_renderers(sample_briefing):
    a, b = sample_briefing.daily("2023-11-15"), sample_briefing.daily("2023-11-15")
    assert a.to_json() == b.to_json()
    data = json.loads(a.to_json())
    assert set(data) >= {"date", "stories"}
    assert set(data["stories"][0]) >= {"headline", "summary", "sources", "neutrality"}
    assert set(data["stories"][0]["sources"][0]) == {"title", "source", "url", "published"}
    md = a.to_markdown()
    assert md.startswith("# Daily briefing: 2023-11-15") and "](https://" in md
    html = a.to_html()
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "&#x27;" in html


def test_html_escapes_everything():
    from briefing.digest import DailyBriefing, Story, StorySource

    evil = "<script>alert(1)</script>"
    d = DailyBriefing(
        "2023-11-15", 1, 1, [Story(evil, evil, [StorySource(evil, evil, 'javascript:x"<', "")], {})]
    )
    html = d.to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html and 'href="javascript:x&quot;&lt;"' in html


def test_bad_date_is_a_clear_error_and_exit_2(sample_briefing, sample_store):
    with pytest.raises(DailyError, match="bad date"):
        sample_briefing.daily("2023-13-45")
    with pytest.raises(DailyError, match="days"):
        sample_briefing.daily("2023-11-15", days=0)
    res = CliRunner().invoke(app, ["daily", "--store", str(sample_store), "--date", "15/11/2023"])
    assert res.exit_code == 2 and "bad date" in res.output


def test_cli_writes_each_format(sample_store, tmp_path):
    for fmt in ("md", "json", "html"):
        out = tmp_path / f"daily.{fmt}"
        res = CliRunner().invoke(
            app,
            [
                "daily",
                "--store",
                str(sample_store),
                "--date",
                "2023-11-19",
                "--format",
                fmt,
                "--out",
                str(out),
            ],
        )
        assert res.exit_code == 0, res.output
        assert "Milei" in out.read_text()
    res = CliRunner().invoke(app, ["daily", "--store", str(sample_store), "--format", "pdf"])
    assert res.exit_code == 2


def test_cluster_average_link():
    import numpy as np

    v = np.array([[1, 0], [0.99, 0.14], [0, 1], [0.1, 0.99]], dtype=float)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert cluster(v, 0.9) == [[0, 1], [2, 3]]
    assert cluster(v, 0.0) == [[0, 1, 2, 3]]
    assert cluster(v[:0], 0.5) == []


def test_a_day_without_articles_is_an_empty_briefing(sample_briefing) -> None:
    d = sample_briefing.daily("2023-01-01")
    assert (d.articles, d.stories) == (0, [])
    assert "No articles" in d.to_markdown()
    assert json.loads(d.to_json())["stories"] == []
