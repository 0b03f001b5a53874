"""The web app in a real headless Chromium: chat, briefing, library, status, and a hostile article.

One app per module (real Chroma in a temp dir, the real embedding model, a real socket on a
free 127.0.0.1 port); screenshots of each view go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.browser import (
    chromium,
    chromium_missing,
    click_tab,
    free_port,
    running_app,
    screenshot,
    static_site,
    text_of,
    wait_for,
)
from tests.conftest import SEED

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(bool(chromium_missing()), reason=str(chromium_missing())),
]

PAYLOAD = "window.__pwned=1"
EVIL = {
    "title": f'Ferry strike <img src=x onerror="{PAYLOAD}"> update',
    "source": "Evil <b>Outlet</b>",
    "url": f"javascript:{PAYLOAD}",
    "published": "2023-11-12",
    "text": (
        f"The ferry strike <script>{PAYLOAD}</script> continued on Sunday, union officials said. "
        f'<img src=x onerror="{PAYLOAD}"> [click](javascript:{PAYLOAD}) ${{{PAYLOAD}}} {{{{constructor}}}} '
        "The ferry operators said talks with the union would resume on Monday."
    ),
}
FERRY = """---
title: Harbour council approves new ferry timetable
source: Baywater Gazette
url: https://baywater.example/ferry
published: 2023-11-12
---
The harbour council approved a new ferry timetable on Sunday, the council's chair said.
Ferries will run every 30 minutes from December, according to the plan.
"""
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Northwind Daily</title>
<item><title>Ferry talks resume</title><link>https://northwind.example/ferry</link>
<pubDate>Sat, 11 Nov 2023 08:00:00 GMT</pubDate>
<description>Ferry operators and the union resumed talks on Saturday, both said.</description></item>
</channel></rss>
"""
UPLOAD = """---
title: Lighthouse museum reopens after repairs
source: Coastline Courier
url: https://coastline.example/lighthouse
published: 2023-11-11
---
The lighthouse museum reopened on Saturday after two years of repairs, its director said.
"""


def _settings_env_free(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith(("BRIEFING_", "OPENAI_")):
            monkeypatch.delenv(key, raising=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("ui-corpus")
    (d / "ferry.md").write_text(FERRY, encoding="utf-8")
    (d / "evil.json").write_text(json.dumps(EVIL), encoding="utf-8")
    (d / "seed.txt").write_bytes(SEED.read_bytes())
    return d


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, embeddings, corpus: Path):
    from briefing import Briefing, Settings

    with pytest.MonkeyPatch.context() as mp:
        _settings_env_free(mp)
        settings = Settings(store_dir=tmp_path_factory.mktemp("ui-store"), port=free_port(), _env_file=None)
    b = Briefing(settings, embeddings=embeddings)
    assert b.ingest([corpus]).ok
    with running_app(b) as url:
        yield b, url


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory):
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as d:
        yield d


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request: pytest.FixtureRequest):
    failed = request.session.testsfailed
    yield
    if request.session.testsfailed > failed and "driver" in request.fixturenames:
        screenshot(request.getfixturevalue("driver"), f"FAILED-{request.node.name}")


def _open(driver, url: str) -> None:
    driver.get(url)
    wait_for(lambda: "articles from" in text_of(driver, "#status-line"), what="the status line")


def _ask(driver, question: str) -> None:
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.CSS_SELECTOR, "#question textarea")
    box.clear()
    box.send_keys(question)
    driver.find_element(By.CSS_SELECTOR, "#ask").click()


def _not_pwned(driver) -> None:
    assert driver.execute_script("return window.__pwned") is None, "a script from an article ran"


def test_chat_answers_with_linked_sources(app, driver) -> None:
    from selenium.webdriver.common.by import By

    _b, url = app
    _open(driver, url)
    _ask(driver, "Who did Putin blame for the escalation in Gaza?")
    wait_for(lambda: "failure of U.S. politics" in text_of(driver, "#chat .bot"), what="the answer")
    wait_for(lambda: "Sources" in text_of(driver, "#sources"), what="the sources panel")
    sources = text_of(driver, "#sources")
    assert "[1]" in sources and "2023-11-10" in sources
    cite = wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#chat a.cite"), what="a linked citation")
    assert cite.get_attribute("href").endswith("#source-1") and cite.text == "[1]"
    assert driver.find_element(By.ID, "source-1").is_displayed()
    screenshot(driver, "chat")

    # multi-turn: the second question is answered with the first one in the history
    _ask(driver, "What happened with the ferry timetable?")
    wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#chat .bot")) >= 2, what="a second answer")
    wait_for(lambda: "new ferry timetable" in text_of(driver, "#chat"), what="the ferry answer")
    wait_for(lambda: "Harbour council" in text_of(driver, "#sources"), what="the new sources")

    driver.find_element(By.CSS_SELECTOR, "#new-conversation").click()
    wait_for(lambda: not driver.find_elements(By.CSS_SELECTOR, "#chat .bot"), what="an empty chat")
    assert "No sources yet" in text_of(driver, "#sources")


def test_date_filter(app, driver) -> None:
    from selenium.webdriver.common.by import By

    _b, url = app
    _open(driver, url)
    driver.find_element(By.CSS_SELECTOR, "#since input").send_keys("2023-11-12")
    _ask(driver, "Who did Putin blame for the escalation in Gaza?")
    wait_for(lambda: "Sources" in text_of(driver, "#sources"), what="the final sources")
    assert "failure of U.S. politics" not in text_of(driver, "#chat")  # the seed is from 11-10
    assert "2023-11-10" not in text_of(driver, "#sources")


def test_streaming_shows_partial_answer(tmp_path, embeddings, corpus) -> None:
    """With a model that writes slowly, the page shows the answer growing, then its sources."""
    from selenium.webdriver.common.by import By

    from briefing import Briefing, Settings
    from tests.support.openai_server import FakeOpenAI

    words = " ".join(f"word{i}" for i in range(40))
    with FakeOpenAI(f"Putin blamed a failure of U.S. politics [1]. {words}.") as server:
        server.stream_delay = 0.08
        settings = Settings(
            store_dir=tmp_path / "store",
            port=free_port(),
            writer="openai",
            openai_base_url=server.base_url,
            model="fake-model",
            _env_file=None,
        )
        b = Briefing(settings, embeddings=embeddings)
        assert b.ingest([corpus / "seed.txt"]).ok
        with running_app(b) as url, chromium(tmp_path / "profile") as d:
            _open(d, url)
            _ask(d, "Who did Putin blame for the escalation in Gaza?")
            seen: set[int] = set()

            def growing() -> bool:
                text = text_of(d, "#chat .bot")
                if "word" in text and "word39." not in text:
                    seen.add(len(text))
                return "word39." in text

            wait_for(growing, timeout=60, what="the whole streamed answer")
            assert len(seen) >= 3, f"expected the answer to appear piece by piece, saw {len(seen)} states"
            wait_for(lambda: "[1]" in text_of(d, "#sources"), what="sources after streaming")
            cite = wait_for(lambda: d.find_element(By.CSS_SELECTOR, "#chat a.cite"), what="a linked citation")
            assert cite.text == "[1]"
            screenshot(d, "chat-streaming")


def test_briefing_view(app, driver) -> None:
    from selenium.webdriver.common.by import By

    _b, url = app
    _open(driver, url)
    click_tab(driver, "Briefing")
    date_box = driver.find_element(By.CSS_SELECTOR, "#daily-date input")
    wait_for(lambda: date_box.get_attribute("value") == "2023-11-12", what="the newest date preselected")
    driver.find_element(By.CSS_SELECTOR, "#show-daily").click()
    wait_for(lambda: "Briefing for 2023-11-12" in text_of(driver, "#daily"), what="the daily briefing")
    daily = text_of(driver, "#daily")
    assert "ferry" in daily.lower() and "Baywater Gazette" in daily and "Neutrality" in daily
    assert "[1]" in daily and driver.find_elements(By.CSS_SELECTOR, "#daily a.cite")
    assert driver.find_element(By.CSS_SELECTOR, "#download-md").is_displayed()
    assert driver.find_element(By.CSS_SELECTOR, "#download-json").is_displayed()
    _not_pwned(driver)
    screenshot(driver, "briefing")

    topic = driver.find_element(By.CSS_SELECTOR, "#topic textarea")
    topic.send_keys("Putin and Gaza")
    driver.find_element(By.CSS_SELECTOR, "#brief-me").click()
    wait_for(lambda: "Briefing: Putin and Gaza" in text_of(driver, "#brief"), what="the topic briefing")
    wait_for(lambda: "[1]" in text_of(driver, "#brief"), what="the briefing's citations")
    assert "2023-11-10" in text_of(driver, "#brief")
    _not_pwned(driver)

    date_box.clear()
    date_box.send_keys("2023-01-01")
    driver.find_element(By.CSS_SELECTOR, "#show-daily").click()
    shown = wait_for(
        lambda: re.search(r"No articles|Error", text_of(driver, "#daily")), what="an empty day answered"
    )
    assert shown.group(0) == "No articles", text_of(driver, "#daily")


def test_upload_then_listed_in_library(app, driver, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    b, url = app
    good = tmp_path / "lighthouse.md"
    good.write_text(UPLOAD, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n", encoding="utf-8")
    _open(driver, url)
    click_tab(driver, "Library")
    upload = driver.find_element(By.CSS_SELECTOR, "#upload input[type=file]")
    upload.send_keys(f"{good}\n{empty}")
    wait_for(lambda: "lighthouse" in text_of(driver, "#upload"), what="the uploaded file listed")
    wait_for(lambda: "empty" in text_of(driver, "#upload"), what="the second uploaded file listed")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "feed.xml").write_text(FEED, encoding="utf-8")
    with static_site(tmp_path / "site") as site:
        driver.find_element(By.CSS_SELECTOR, "#urls textarea").send_keys(f"not a url\n{site}/feed.xml\n")
        driver.find_element(By.CSS_SELECTOR, "#ingest").click()
        wait_for(lambda: "2 of 4 ingested" in text_of(driver, "#ingest-message"), timeout=90, what="ingest")
    results = text_of(driver, "#ingest-results")
    assert "1 added" in results and f"{site}/feed.xml" in results
    assert "failed" in results and "empty.txt" in results  # a bad file gets its own clear row
    assert "not an http(s) URL" in results
    wait_for(
        lambda: "Lighthouse museum reopens" in text_of(driver, "#articles"), what="the new article listed"
    )
    assert "Coastline Courier" in text_of(driver, "#articles")
    assert "Ferry talks resume" in text_of(driver, "#articles")  # from the pasted feed URL
    assert (b.settings.store_dir).exists()
    [listed] = [a for a in b.articles() if a.source == "Coastline Courier"]
    assert Path(listed.origin).parent.name.startswith("briefing-uploads-")  # our folder, not the client's
    screenshot(driver, "library")

    # search, select, preview, delete
    search = driver.find_element(By.CSS_SELECTOR, "#article-search textarea")
    search.send_keys("lighthouse repairs")
    driver.find_element(By.CSS_SELECTOR, "#list-articles").click()
    wait_for(lambda: "matching articles" in text_of(driver, "#article-count"), what="search results")
    cell = wait_for(
        lambda: [
            c
            for c in driver.find_elements(By.CSS_SELECTOR, "#articles [role=gridcell]")
            if "Lighthouse" in c.text
        ],
        what="the article row",
    )[0]
    cell.click()
    wait_for(lambda: "two years of repairs" in text_of(driver, "#article-preview"), what="the preview")
    selected = driver.find_element(By.CSS_SELECTOR, "#selected-id textarea, #selected-id input")
    assert selected.get_attribute("value") == listed.article_id
    driver.find_element(By.CSS_SELECTOR, "#delete").click()
    wait_for(lambda: "Deleted article" in text_of(driver, "#delete-message"), what="the delete message")
    assert not [a for a in b.articles() if a.source == "Coastline Courier"]


def test_hostile_article_shows_as_text(app, driver) -> None:
    from selenium.webdriver.common.by import By

    _b, url = app
    _open(driver, url)
    _ask(driver, "What happened with the ferry strike and the union?")
    wait_for(lambda: "union officials said" in text_of(driver, "#chat .bot"), what="the answer")
    wait_for(lambda: "Evil <b>Outlet</b>" in text_of(driver, "#sources"), what="the sources")
    page = driver.find_element(By.TAG_NAME, "body").text
    assert f"<script>{PAYLOAD}</script>" in page  # shown as text...
    assert f'<img src=x onerror="{PAYLOAD}">' in page
    assert "[click](javascript:" in page  # ...and a Markdown link stays text
    for area in ("#chat", "#sources"):
        html = driver.find_element(By.CSS_SELECTOR, area).get_attribute("innerHTML")
        assert "<script>window" not in html and '<img src="x"' not in html
    assert not driver.find_elements(By.CSS_SELECTOR, "#sources a[href^='javascript']")
    _not_pwned(driver)
    screenshot(driver, "hostile-article")

    click_tab(driver, "Library")
    wait_for(
        lambda: "Ferry strike <img" in text_of(driver, "#articles"), what="the hostile title in the table"
    )
    cell = next(
        c
        for c in driver.find_elements(By.CSS_SELECTOR, "#articles [role=gridcell]")
        if "Ferry strike <img" in c.text
    )
    cell.click()
    wait_for(lambda: "<script>" in text_of(driver, "#article-preview"), what="the hostile preview")
    time.sleep(0.5)
    _not_pwned(driver)


def test_status_view(app, driver) -> None:
    b, url = app
    _open(driver, url)
    click_tab(driver, "Status")
    wait_for(lambda: "Embedding model" in text_of(driver, "#status"), what="the status page")
    status = text_of(driver, "#status")
    assert "extractive" in status and b.settings.embedding_id() in status
    assert str(b.settings.store_dir.resolve()) in status
    assert "Baywater Gazette" in status and "Evil <b>Outlet</b>" in status
    assert "Login off" in " ".join(status.split())
    screenshot(driver, "status")


def test_views_of_the_sample_collection(sample_store: Path, embeddings, tmp_path: Path) -> None:
    """Each view over samples/news, as a user first sees it (the README's screenshots come from here)."""
    from selenium.webdriver.common.by import By

    from briefing import Briefing, Settings

    b = Briefing(Settings(store_dir=sample_store, port=free_port(), _env_file=None), embeddings=embeddings)
    newest = b.stats().last_date
    with running_app(b) as url, chromium(tmp_path / "profile") as d:
        _open(d, url)
        _ask(d, "Who did Putin blame for the escalation in Gaza?")
        wait_for(lambda: "Sources" in text_of(d, "#sources"), what="the sources")
        # the chat bubble and the sources panel are separate components: wait for both to render
        wait_for(
            lambda: d.find_elements(By.CSS_SELECTOR, "#chat a.cite"), what="linked citations in the answer"
        )
        screenshot(d, "readme-chat")
        click_tab(d, "Briefing")
        date_box = d.find_element(By.CSS_SELECTOR, "#daily-date input")
        wait_for(lambda: date_box.get_attribute("value") == newest, what="the newest date")
        d.find_element(By.CSS_SELECTOR, "#show-daily").click()
        wait_for(
            lambda: f"Briefing for {newest}" in text_of(d, "#daily"), timeout=120, what="the daily briefing"
        )
        assert "Covered by" in text_of(d, "#daily")
        screenshot(d, "readme-briefing")
        click_tab(d, "Library")
        wait_for(lambda: f"{b.stats().articles} articles" in text_of(d, "#article-count"), what="the list")
        screenshot(d, "readme-library")
        click_tab(d, "Status")
        wait_for(lambda: "Embedding model" in text_of(d, "#status"), what="the status page")
        screenshot(d, "readme-status")
        _not_pwned(d)
