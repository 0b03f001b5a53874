"""The web app without a browser: its settings, escaping, upload handling, login and the public
API that gradio_client (and the load test) use, against the app served on a loopback port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefing.config import Settings
from briefing.ui import AuthConfigError, auth_pairs, safe_upload_name
from briefing.ui_render import cited, esc, safe_href, sources_html
from tests.browser import free_port, running_app, static_site
from tests.conftest import ROOT, SEED

ARTICLE = """---
title: Harbour council approves new ferry timetable
source: Baywater Gazette
url: https://baywater.example/ferry
published: 2023-11-12
---
The harbour council approved a new ferry timetable on Sunday, the council's chair said.
"""

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Northwind Daily</title>
<item><title>Tunnel rescue reaches final metres</title><link>https://northwind.example/tunnel</link>
<pubDate>Tue, 28 Nov 2023 08:00:00 GMT</pubDate>
<description>Rescuers reached the final metres of rubble on Tuesday, officials said.</description></item>
<item><title>Ferry talks resume</title><link>https://northwind.example/ferry</link>
<pubDate>Mon, 27 Nov 2023 08:00:00 GMT</pubDate>
<description>Ferry operators and the union resumed talks on Monday, both said.</description></item>
</channel></rss>
"""


# ------------------------------------------------------------------ settings and helpers


def test_auth_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert auth_pairs(Settings()) is None  # no login by default
    monkeypatch.setenv("BRIEFING_AUTH", "ann:s3cret:with:colons")
    assert auth_pairs(Settings()) == [("ann", "s3cret:with:colons")]
    logins = tmp_path / "logins"
    logins.write_text("# team\nbob:pw1\n\n carol:pw2\n", encoding="utf-8")
    monkeypatch.setenv("BRIEFING_AUTH_FILE", str(logins))
    assert auth_pairs(Settings()) == [("ann", "s3cret:with:colons"), ("bob", "pw1"), ("carol", "pw2")]


@pytest.mark.parametrize(
    ("auth", "file_text", "message"),
    [
        ("no-colon", None, "expected user:password"),
        (":pw", None, "expected user:password"),
        ("user:", None, "expected user:password"),
        (None, "bob:pw\nbroken\n", "logins:2: expected user:password"),
        (None, "# only a comment\n", "has no user:password line"),
    ],
)
def test_bad_auth_settings_are_refused(tmp_path: Path, auth, file_text, message) -> None:
    path = None
    if file_text is not None:
        path = tmp_path / "logins"
        path.write_text(file_text, encoding="utf-8")
    with pytest.raises(AuthConfigError, match=message):
        auth_pairs(Settings(auth=auth, auth_file=path))
    with pytest.raises(AuthConfigError, match="cannot read"):
        auth_pairs(Settings(auth_file=tmp_path / "missing"))


def test_bad_auth_stops_serve_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env.update(BRIEFING_AUTH="nocolon", BRIEFING_STORE_DIR=str(tmp_path / "s"), GRADIO_ANALYTICS_ENABLED="")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == "error: BRIEFING_AUTH: expected user:password"


def test_analytics_off_without_being_told() -> None:
    env = {k: v for k, v in os.environ.items() if k != "GRADIO_ANALYTICS_ENABLED"}
    out = subprocess.run(
        [sys.executable, "-c", "import os, briefing.ui; print(os.environ['GRADIO_ANALYTICS_ENABLED'])"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize(
    ("client_name", "safe"),
    [
        ("report.md", "report.md"),
        ("../../etc/cron.d/evil.txt", "evil.txt"),
        ("..\\..\\Windows\\evil.JSON", "evil.json"),
        (".bashrc", "upload.bashrc"),
        ("", "upload"),
        ("a b<script>.html", "a_b_script.html"),
        ("noext", "noext"),
    ],
)
def test_upload_names_are_plain(client_name: str, safe: str) -> None:
    assert safe_upload_name(client_name) == safe


def test_rendering_escapes_everything_from_outside() -> None:
    hostile = (
        '<script>alert(1)</script><img src=x onerror="alert(1)"> [x](javascript:alert(1)) ${a} {{b}} $$c$$'
    )
    out = esc(hostile)
    for bad in ("<script", "<img", "[x]", "${", "{{", "$$", '"'):
        assert bad not in out
    assert cited("Putin said so [2].") == "Putin said so <a class='cite' href='#source-2'>[2]</a>."
    assert safe_href("javascript:alert(1)") is None and safe_href("data:text/html,x") is None
    assert safe_href("https://a.example/?q='x'") == "https://a.example/?q=&#39;x&#39;"
    panel = sources_html([{"n": 1, "title": hostile, "url": "javascript:alert(1)", "snippet": hostile}])
    assert "<script" not in panel and "javascript:" in panel and "href='javascript" not in panel


# ------------------------------------------------------------------ the served app


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "ferry.md").write_text(ARTICLE, encoding="utf-8")
    (d / "seed.txt").write_bytes(SEED.read_bytes())
    return d


@pytest.fixture
def served(make_briefing, corpus: Path):
    b = make_briefing(port=free_port(), max_file_bytes=4000)
    assert b.ingest([corpus]).ok
    with running_app(b) as url:
        yield b, url


def _client(url: str, **kw):
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False, **kw)


def _download(update: dict) -> str:
    """The file behind a download button's update, fetched from the app like a browser would."""
    import httpx

    data = update.get("value", update)
    return httpx.get(data["url"], timeout=30).raise_for_status().text


def _text(chat: list[dict]) -> str:
    content = chat[-1]["content"]
    return " ".join(p.get("text", "") for p in content) if isinstance(content, list) else content


def test_sources_panel_shows_copies_and_notes_escaped() -> None:
    src = {
        "n": 1,
        "title": "Wire story",
        "source": "Civic Wire",
        "url": "https://civic.example/a",
        "published": "2023-11-19",
        "snippet": "Milei won.",
        "syndicated": [{"source": "Northwind <b>Daily</b>"}, {"source": "Plainview Observer"}],
    }
    html = sources_html([src], notes=["only articles on 2023-11-19 <script>x</script>"])
    assert "Also published by Northwind &lt;b&gt;Daily&lt;/b&gt;, Plainview Observer" in html
    assert "Note: only articles on 2023-11-19 &lt;script&gt;" in html and "<script>" not in html


def test_api_ask_streams_and_reports_bad_dates(served) -> None:
    _b, url = served
    client = _client(url)
    job = client.submit(
        "Who did Putin blame for the escalation in Gaza?", [], None, None, [], api_name="/ask"
    )
    updates = list(job)
    chat, sources, _box = job.result()
    assert len(updates) >= 3  # the question, the retrieved sources, the text, the final answer
    assert "failure of U.S. politics" in _text(chat) and "href='#source-1'" in _text(chat)
    assert "id='source-1'" in sources and "2023-11-10" in sources
    chat, *_ = client.predict("Anything?", [], "last tuesday-ish", None, [], api_name="/ask")
    assert _text(chat).startswith("Error: bad date")
    chat, sources, _ = client.predict("Ferry?", [], "2023-11-11", None, ["Baywater Gazette"], api_name="/ask")
    assert "Baywater Gazette" in sources and "2023-11-10" not in sources


def test_api_uploads_are_checked_and_kept_in_our_folder(served, tmp_path: Path) -> None:
    from gradio_client import handle_file

    b, url = served
    client = _client(url)
    good = tmp_path / "lighthouse.md"
    good.write_text(ARTICLE.replace("Harbour council", "Lighthouse museum").replace("ferry", "lamp"), "utf-8")
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x90\x00")
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": "x", ', encoding="utf-8")
    with pytest.raises(Exception, match="Invalid file type"):  # refused before our code even runs
        client.predict([handle_file(str(exe))], "", api_name="/ingest")
    table, message = client.predict(
        [handle_file(str(p)) for p in (good, broken)], "ftp://example.org/x\n", api_name="/ingest"
    )
    rows = {r[0]: r[1:] for r in table["data"]}
    assert rows["lighthouse.md"][0] == "ok" and "1 added" in rows["lighthouse.md"][1]
    assert rows["broken.json"][0] == "failed" and rows["broken.json"][1]
    assert rows["ftp://example.org/x"] == ["refused", "not an http(s) URL"]
    assert "1 of 3 ingested" in message
    [new] = [a for a in b.articles() if a.title.startswith("Lighthouse")]
    assert Path(new.origin).parent.name.startswith("briefing-uploads-")
    assert sorted(p.name for p in Path(new.origin).parent.iterdir()) == ["broken.json", "lighthouse.md"]

    big = tmp_path / "big.txt"
    big.write_text("word " * 2000, encoding="utf-8")  # over the 4,000-byte limit of this app
    with pytest.raises(Exception, match=r"(?i)size|large|limit"):
        client.predict([handle_file(str(big))], "", api_name="/ingest")
    assert not [a for a in b.articles() if a.title.startswith("word")]


def test_api_ingests_pasted_feed_urls(served, tmp_path: Path) -> None:
    _b, url = served
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "feed.xml").write_text(FEED, encoding="utf-8")
    with static_site(tmp_path / "site") as site:
        urls = f"{site}/feed.xml\n# a comment line\n{site}/missing.html\n"
        table, message = _client(url).predict([], urls, api_name="/ingest")
    rows = {r[0]: r[1:] for r in table["data"]}
    assert rows[f"{site}/feed.xml"] == ["ok", "2 added, 0 unchanged, 0 replaced"], rows
    assert rows[f"{site}/missing.html"][0] == "failed" and "404" in rows[f"{site}/missing.html"][1]
    assert "1 of 2 ingested" in message
    listed, _ = _client(url).predict("", None, None, ["Northwind Daily"], api_name="/articles")
    assert {r[2] for r in listed["data"]} == {"Tunnel rescue reaches final metres", "Ferry talks resume"}


def test_api_list_search_delete(served) -> None:
    b, url = served
    client = _client(url)
    table, count = client.predict("", None, None, [], api_name="/articles")
    assert count == "2 articles" and table["headers"] == ["date", "outlet", "title", "url", "id"]
    table, count = client.predict("ferry timetable", None, None, [], api_name="/articles")
    assert table["data"][0][2] == "Harbour council approves new ferry timetable"
    aid = table["data"][0][4]
    message, _selected, _preview = client.predict(aid, api_name="/delete")
    assert "Deleted article" in message and aid not in {a.article_id for a in b.articles()}
    message, *_ = client.predict(aid, api_name="/delete")
    assert "No article" in message


def test_api_daily_and_brief(served) -> None:
    _b, url = served
    client = _client(url)
    page, md, js = client.predict("2023-11-12", 1, api_name="/daily")
    assert "Briefing for 2023-11-12" in page and "Baywater Gazette" in page
    assert _download(md).startswith("# Daily briefing: 2023-11-12")  # served over HTTP, as the button does
    assert json.loads(_download(js))["date"] == "2023-11-12"
    page, *_ = client.predict("not a date", 1, api_name="/daily")
    assert "Error:" in page
    page = client.predict("Putin and Gaza", None, None, [], api_name="/brief")
    assert "Briefing: Putin and Gaza" in page and "id='brief-source-1'" in page


def test_empty_collection_says_where_to_start(make_briefing) -> None:
    import httpx

    b = make_briefing(port=free_port())
    with running_app(b) as url:
        chat, sources, _ = _client(url).predict("What happened today?", [], None, None, [], api_name="/ask")
        assert _text(chat) == "The collection is empty: add articles in the Library tab first."
        assert "No sources yet" in sources
        page = httpx.get(url, timeout=30).text
        assert "Who did Putin blame for the escalation in Gaza?" in page  # examples to start from


def test_login_required_when_configured(make_briefing, corpus: Path) -> None:
    import httpx

    b = make_briefing(port=free_port(), auth="ann:pw")
    b.ingest([corpus])
    with running_app(b) as url:
        assert httpx.get(url + "config").status_code in (401, 403)
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do, as long as it refuses
            _client(url).predict("Who did Putin blame?", [], None, None, [], api_name="/ask")
        with pytest.raises(Exception):  # noqa: B017
            _client(url, auth=("ann", "wrong"))
        chat, *_ = _client(url, auth=("ann", "pw")).predict(
            "Who did Putin blame for the escalation in Gaza?", [], None, None, [], api_name="/ask"
        )
        assert "failure of U.S. politics" in _text(chat)


def test_binds_loopback_by_default(served) -> None:
    """The listening socket is on 127.0.0.1 only (read from the kernel's table, not our config)."""
    b, url = served
    assert b.settings.host == "127.0.0.1" and url.startswith("http://127.0.0.1:")
    table = Path("/proc/net/tcp")
    if not table.exists():
        pytest.skip("no /proc/net/tcp on this system")
    port = f"{b.settings.port:04X}"
    listening = [
        line.split()[1]
        for line in table.read_text().splitlines()[1:]
        if line.split()[1].endswith(":" + port) and line.split()[3] == "0A"  # 0A = LISTEN
    ]
    assert listening == ["0100007F:" + port]  # 127.0.0.1, not 0.0.0.0


@pytest.mark.slow
def test_five_concurrent_chat_sessions(served) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.load_ui import run_sessions

    _b, url = served
    report = run_sessions(url, sessions=5, turns=2, deadline=180)
    assert report["errors"] == [] and report["questions"] == 10, report
    assert report["p95_s"] < 60
