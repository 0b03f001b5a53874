"""News-grade ingest and retrieval: feeds, HTML, URLs, syndicated copies, hybrid search, dates."""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from briefing.articles import load_file
from tests.conftest import ROOT, SAMPLES
from tests.support.openai_server import FakeOpenAI

MANIFEST = json.loads((ROOT / "samples" / "manifest.json").read_text())


class Site:
    """A tiny web server on 127.0.0.1 serving scripted pages: path → (status, type, body, delay)."""

    def __init__(self, pages: dict[str, tuple[int, str, bytes, float]]) -> None:
        pages_ = pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, ctype, body, delay = pages_.get(self.path, (404, "text/plain", b"not found", 0.0))
                time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_feed_and_html_files_ingest_end_to_end(make_briefing) -> None:
    b = make_briefing()
    rss = SAMPLES / "feed_northwind-daily.xml"
    atom = SAMPLES / "feed_lantern-review.atom"
    html = next(SAMPLES.glob("*.html"))
    report = b.ingest([rss, atom, html])
    assert report.ok and report.added == len(load_file(rss)) + len(load_file(atom)) + 1
    entries = load_file(rss)
    assert len(entries) == 3 and {a.source for a in entries} == {"Northwind Daily"}
    assert all(a.url.startswith("https://") and a.published for a in entries)
    [page] = load_file(html)
    assert page.published and page.source and page.url.startswith("https://")
    assert "Subscribe" not in page.text and "cookie" not in page.text.lower()  # boilerplate is gone
    hit = b.search(page.title, k=1)[0]
    assert hit.article_id == page.id


def test_urls_of_pages_and_feeds_and_their_failures(make_briefing) -> None:
    page = (next(SAMPLES.glob("*.html"))).read_bytes()
    feed = (SAMPLES / "feed_northwind-daily.xml").read_bytes()
    site = Site(
        {
            "/page": (200, "text/html; charset=utf-8", page, 0.0),
            "/feed": (200, "application/rss+xml", feed, 0.0),
            "/big": (200, "text/html", b"<html>" + b"x" * 5000 + b"</html>", 0.0),
            "/slow": (200, "text/html", page, 3.0),
            "/broken-feed": (200, "application/rss+xml", b"<rss><channel><title>x</channel>", 0.0),
        }
    )
    try:
        b = make_briefing(fetch_timeout=1.0)
        report = b.ingest(
            [f"{site.url}/page", f"{site.url}/feed", f"{site.url}/missing", "http://127.0.0.1:9/dead"]
        )
        assert report.added == 4  # the page and the feed's three entries
        reasons = {f.path.rsplit("/", 1)[-1]: f.reason for f in report.failed}
        assert reasons["missing"] == "HTTP 404 Not Found"
        assert reasons["dead"].startswith("cannot fetch: ConnectError")
        assert all("\n" not in r for r in reasons.values())
        again = b.ingest([f"{site.url}/page", f"{site.url}/feed"])
        assert (again.added, again.unchanged) == (0, 4)  # idempotent over URLs too
        small = make_briefing(fetch_timeout=1.0, max_file_bytes=1000, collection="small")
        report = small.ingest([f"{site.url}/big", f"{site.url}/slow", f"{site.url}/broken-feed"])
        reasons = {f.path.rsplit("/", 1)[-1]: f.reason for f in report.failed}
        assert reasons["big"].startswith("too large")
        assert reasons["slow"] == "timed out after 1s"
        assert "feed" in reasons["broken-feed"] or "no" in reasons["broken-feed"]
        assert small.stats().articles == 0
    finally:
        site.close()


def test_syndicated_copies_are_stored_once_with_every_outlet(sample_briefing) -> None:
    groups: dict[str, list[dict]] = {}
    for entry in MANIFEST:
        if entry.get("syndicated_group"):
            groups.setdefault(entry["syndicated_group"], []).append(entry)
    assert len(groups) >= 2
    stored = {a.url: a for a in sample_briefing.articles()}
    for members in groups.values():
        urls = {m["url"] for m in members}
        kept = [u for u in urls if u in stored]
        assert len(kept) == 1, (urls, kept)  # one copy stored ...
        hit = next(h for h in sample_briefing.search(members[0]["title"], k=10) if h.url == kept[0])
        assert {c["url"] for c in hit.syndicated} == urls - set(kept)  # ... listing the others
    st = sample_briefing.stats()
    assert st.articles == len(MANIFEST) - sum(len(m) - 1 for m in groups.values())


def test_reingesting_copies_is_unchanged_and_distinct_stories_stay_apart(
    make_briefing, tmp_path: Path
) -> None:
    b = make_briefing()
    wire = [e for e in MANIFEST if e.get("syndicated_group") == "wire-milei"]
    files = sorted({SAMPLES / e["file"] for e in wire})
    first = b.ingest(files)
    assert first.merged >= 2
    again = b.ingest(files)
    assert (again.added, again.merged, again.chunks_written) == (0, 0, 0)
    # a different article on the same story (another outlet's own reporting) is not a copy
    other = next(e for e in MANIFEST if e["story"] == wire[0]["story"] and not e.get("syndicated_group"))
    assert b.ingest([SAMPLES / other["file"]]).added >= 1


def test_date_relative_questions_only_use_articles_in_range(sample_briefing) -> None:
    ans = sample_briefing.ask("What happened in Argentina yesterday?", now="2023-11-20")
    assert ans.sources and "Milei" in ans.answer
    assert all("2023-11-19" <= s.published <= "2023-11-20" for s in ans.retrieved)
    assert any("2023-11-19" in n for n in ans.notes)
    week = sample_briefing.ask("What happened this week in Gaza?", now="2023-11-24")
    assert all("2023-11-20" <= s.published <= "2023-11-24" for s in week.retrieved)
    assert week.retrieved
    explicit = sample_briefing.ask("What happened on 10 November 2023?")
    assert explicit.retrieved and all(s.published in ("2023-11-10", "2023-11-11") for s in explicit.retrieved)
    # the default "today" is the newest article's date
    assert sample_briefing.reference_date() == date(2023, 11, 24)


def test_filters_reach_both_sides_of_hybrid_search(sample_briefing) -> None:
    for mode in ("dense", "bm25", "hybrid"):
        r = sample_briefing._make_retriever(
            sample_briefing.retriever(
                since="2023-11-15", until="2023-11-16", sources="Capital Courier"
            ).filters,
            20,
            mode=mode,
        )
        docs = r.retrieve("Biden signed a bill").docs
        assert docs, mode
        assert all(d.metadata["source"] == "Capital Courier" for d in docs)
        assert all("2023-11-15" <= d.metadata["published"] <= "2023-11-16" for d in docs)
    named = sample_briefing.ask("What did the Meridian Post report about the tunnel?")
    assert {s.source for s in named.retrieved} == {"Meridian Post"}


def test_keyword_side_finds_rare_names_and_stays_in_step(make_briefing, tmp_path: Path) -> None:
    b = make_briefing()
    b.ingest([SAMPLES])
    hits = b.search("Malligyong-1", k=3)
    assert "north-korea" in hits[0].url
    new = tmp_path / "zq.json"
    new.write_text(
        json.dumps({"title": "Zorbatronic widget recall", "text": "The Zorbatronic recall began today."})
    )
    other_process = make_briefing()  # another Briefing on the same store, e.g. the app while cron ingests
    other_process.search("Zorbatronic")  # loads the BM25 index as it is now
    b.ingest([new])
    assert other_process._make_retriever(b.retriever().filters, 3, mode="bm25").retrieve("Zorbatronic").docs
    aid = b.search("Zorbatronic", k=1)[0].article_id
    assert b.delete(aid) == 1
    assert (
        not other_process._make_retriever(b.retriever().filters, 3, mode="bm25").retrieve("Zorbatronic").docs
    )


def test_one_side_down_the_other_answers_and_says_so(tmp_path: Path) -> None:
    """Dense search needs the embedding server; when it dies, keyword search still answers."""
    from briefing import Briefing, Settings

    with FakeOpenAI() as server:
        settings = Settings(store_dir=tmp_path / "s", embedding_provider="openai", max_retries=0)
        b = Briefing(settings.with_overrides(openai_base_url=server.base_url))
        b.ingest([SAMPLES / "000_32c01d30a3fa47c6.txt"])
        assert server.embedding_requests
    hits = b.search("Putin Palestine solidarity")
    assert hits and hits[0].published == "2023-11-10"
    assert any("semantic search failed" in n for n in hits.notes)


def test_retrieval_eval_cli_reports_three_modes(sample_store: Path) -> None:
    import subprocess
    import sys

    gold = str(ROOT / "samples/eval/retrieval.jsonl")
    cmd = [
        sys.executable,
        "-m",
        "briefing.cli",
        "eval",
        "retrieval",
        "--dataset",
        gold,
        "--store",
        str(sample_store),
    ]
    out = subprocess.run([*cmd, "--json"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    modes = {m["mode"]: m for m in json.loads(out.stdout)["modes"]}
    assert set(modes) == {"dense", "bm25", "hybrid"}
    assert modes["hybrid"]["mrr"] >= modes["dense"]["mrr"]
    assert modes["hybrid"]["recall"]["@5"] >= 0.95


def test_mmr_and_the_per_article_cap(sample_store: Path, embeddings) -> None:
    from briefing import Briefing, Settings

    plain = Briefing(Settings(store_dir=sample_store, max_chunks_per_article=1), embeddings=embeddings)
    diverse = Briefing(Settings(store_dir=sample_store, mmr=True, mmr_lambda=0.3), embeddings=embeddings)
    for b in (plain, diverse):
        docs = b.retriever(k=5).invoke("Gaza truce hostages released")
        assert 0 < len(docs) <= 5 and len({d.id for d in docs}) == len(docs)
        per_article = max(
            sum(1 for d in docs if d.metadata["article_id"] == a)
            for a in {d.metadata["article_id"] for d in docs}
        )
        assert per_article <= b.settings.max_chunks_per_article
    assert (
        len({d.metadata["article_id"] for d in plain.retriever(k=5).invoke("Gaza truce hostages released")})
        == 5
    )
