"""Bad input: hostile files get one clear line each, good files around them are all ingested.

Why: a news folder is whatever people and scrapers dropped there. One broken feed, a binary
renamed .txt, a symlink to /etc or a 3 MB line must neither crash ingest nor cost the good
files next to them, and the user must learn in one line what was wrong with which file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bench.hostile_corpus import build, verify
from briefing.articles import ArticleError, load_bytes
from briefing.config import Settings
from briefing.limits import check_articles

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@pytest.mark.slow
def test_hostile_corpus_every_bad_file_one_line_every_good_file_stored(make_briefing, tmp_path: Path) -> None:
    good, bad = build(tmp_path / "corpus", n_good=30)
    assert len(bad) >= 180 and len(good) >= 30
    b = make_briefing()
    report = b.ingest([tmp_path / "corpus"])
    problems = verify(report.as_dict(), good, bad, tmp_path / "store")
    assert not problems, "\n".join(problems)
    assert report.files == len(good) + len(bad)  # a symlinked directory counts once, its files never
    reasons = {Path(f.path).name: f.reason for f in report.failed}
    assert "outside the ingested folder" in reasons["link_passwd.txt"]
    assert "outside the ingested folder" in reasons["link_dir_out"]
    assert "in the future" in reasons["future_2999-01-01.txt"]
    assert "too long" in reasons["giant_line.txt"]
    assert "10,050 articles" in reasons["too_many.jsonl"]
    assert "too large" in reasons["huge.json"]
    assert "entities" in reasons["xxe.rss"] and "entities" in reasons["laughs.xml"]
    assert "nested too deeply" in reasons["nested_obj_500000.json"]
    assert "symlink" in reasons["loop_a.txt"] and "symlink" in reasons["dangling.txt"]
    assert not any("TOP SECRET" in b.article_text(a) for a in b.store.articles())


def test_cli_prints_one_line_per_bad_file_and_exits_1(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "ok.txt").write_text(
        "title: Fine\ndate: 2024-01-02\n\nThe council said the bridge reopens today.\n"
    )
    (folder / "empty.json").write_text("")
    (folder / "cut.json").write_text('[{"text": "abc", "title": "x"')
    (folder / "future.txt").write_text("date: 2999-01-01\n\nThe council said the bridge reopens.\n")
    (folder / "out.txt").symlink_to("/etc/hostname" if Path("/etc/hostname").exists() else "/etc/passwd")
    (folder / "multi\nline.txt").write_bytes(b"\x00\x01binary")
    proc = subprocess.run(
        [sys.executable, "-m", "briefing.cli", "ingest", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"BRIEFING_STORE_DIR": str(tmp_path / "store"), "PATH": "/usr/bin:/bin", "PYTHONPATH": "."},
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    failed = [line for line in proc.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failed) == 5, proc.stderr
    assert any("multi\\nline.txt: binary file" in line for line in failed), proc.stderr  # name escaped
    assert proc.stdout.strip().startswith("1 added"), proc.stdout


def test_future_date_policy_boundary() -> None:
    from briefing.articles import make_article

    s = Settings(max_future_days=2)
    today = date(2024, 5, 10)
    ok = make_article(text="Body.", published=today + timedelta(days=2))
    check_articles([ok], s, today=today)
    late = make_article(text="Body.", published=today + timedelta(days=3))
    with pytest.raises(ArticleError, match="in the future"):
        check_articles([late], s, today=today)
    with pytest.raises(ArticleError, match="article 2 date"):
        check_articles([ok, late], s, today=today)


def test_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing.articles import make_article

    monkeypatch.setenv("BRIEFING_MAX_ARTICLE_CHARS", "150")
    monkeypatch.setenv("BRIEFING_MAX_ARTICLES_PER_FILE", "2")
    s = Settings()
    arts = [make_article(text=f"Short body number {i}.") for i in range(3)]
    with pytest.raises(ArticleError, match="3 articles in one file > limit 2"):
        check_articles(arts, s)
    with pytest.raises(ArticleError, match="too long"):
        check_articles([make_article(text="word " * 100)], s)


# ---------------------------------------------------------------- fuzzing the loaders

KINDS = [".txt", ".md", ".json", ".jsonl", ".rss", ".html"]


def _loads_or_refuses(data: bytes, kind: str) -> None:
    """The loader contract: articles with text and an id, or ArticleError; nothing else."""
    try:
        arts = load_bytes(data, kind, origin="fuzz")
    except ArticleError as exc:
        assert str(exc).strip()
        return
    assert arts
    for a in arts:
        assert a.text.strip() and len(a.id) == 16 and "\n" not in a.title


@FUZZ
@given(data=st.binary(max_size=2000), kind=st.sampled_from(KINDS))
def test_fuzz_loaders_with_random_bytes(data: bytes, kind: str) -> None:
    _loads_or_refuses(data, kind)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["text", "title", "date", "published", "url", "source", "articles", "body", "x"]),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@FUZZ
@given(value=JSONISH)
def test_fuzz_json_records(value: object) -> None:
    raw = json.dumps(value).encode()
    _loads_or_refuses(raw, ".json")
    _loads_or_refuses(raw + b"\n" + raw, ".jsonl")


@FUZZ
@given(
    header=st.lists(
        st.tuples(
            st.sampled_from(["title", "date", "source", "url", "published", "x"]), st.text(max_size=30)
        ),
        max_size=4,
    ),
    body=st.text(max_size=500),
    front=st.booleans(),
)
@example(header=[("title", "0000-00-00")], body="", front=True)  # found by this fuzzer: YAML read a year 0
def test_fuzz_text_and_markdown(header: list[tuple[str, str]], body: str, front: bool) -> None:
    head = "".join(f"{k}: {v}\n" for k, v in header)
    _loads_or_refuses((head + "\n" + body).encode("utf-8", "surrogatepass"), ".txt")
    md = (f"---\n{head}---\n" if front else "") + "# " + body
    _loads_or_refuses(md.encode("utf-8", "surrogatepass"), ".md")


@FUZZ
@given(
    title=st.text(max_size=40),
    body=st.text(max_size=300),
    date_text=st.text(max_size=30),
    cut=st.integers(min_value=0, max_value=600),
)
def test_fuzz_feeds(title: str, body: str, date_text: str, cut: int) -> None:
    from xml.sax.saxutils import escape

    item = (
        f"<item><title>{escape(title)}</title><pubDate>{escape(date_text)}</pubDate>"
        f"<description>{escape(body)}</description></item>"
    )
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{item}</channel></rss>'
    raw = feed.encode("utf-8", "surrogatepass")
    _loads_or_refuses(raw, ".rss")
    _loads_or_refuses(raw[:cut] or b"<", ".rss")
