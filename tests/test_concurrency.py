"""Concurrency: ingest while 10 clients ask and search; no errors, no half-written articles seen.

Why: the web app serves many users from one `Briefing` while a user (or `ingest --watch`)
adds articles. Every article's chunks go to Chroma in one upsert, so a reader sees an article
whole or not at all; this checks it under load, embedded and over a `chroma run` server.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from bench.concurrency import run
from tests.support.chroma_server import ChromaServer


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_ingest_while_ten_clients_query(mode: str, embeddings, tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(ChromaServer(tmp_path / "chroma")).url if mode == "server" else None
        s = run(
            clients=10,
            articles=24,
            batches=3,
            chroma_url=url,
            work=tmp_path,
            embeddings=embeddings,
            pause=0.5,
        )
    assert s["errors"] == 0, s["first_errors"]
    assert s["queries"] >= 10 and s["watcher_rounds"] >= 5, s
    assert s["bad_citations"] == 0 and s["incomplete_seen_by_watcher"] == 0 and s["incomplete_at_end"] == 0
    assert s["articles_added"] == 24 and s["articles_replaced"] > 0, s
    assert s["articles_stored"] == 30  # 6 first, 24 added while the clients ran (2 of the 6 replaced)
