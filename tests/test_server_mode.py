"""Server mode: the same flows against Chroma's own server (`chroma run`), and its failures.

Why: the scale path (several app processes over one Chroma server) only holds if every
flow works over HTTP too, and if a dead or restarted server gives a clear error instead of a
traceback or a half-written collection.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from bench.crash_trials import write_corpus
from tests.conftest import SEED
from tests.support.chroma_server import ChromaServer

QUESTION = "Who did Putin blame for the escalation in Gaza?"


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory):
    with ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data") as server:
        yield server


@pytest.fixture
def server(tmp_path: Path):
    """A private server for tests that kill it."""
    with ChromaServer(tmp_path / "chroma-data") as srv:
        yield srv


def _collection() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_ingest_and_ask_end_to_end(mode: str, chroma: ChromaServer, make_briefing) -> None:
    b = make_briefing(chroma_url=chroma.url if mode == "server" else None, collection=_collection())
    report = b.ingest([SEED])
    assert report.ok and report.added == 1
    answer = b.ask(QUESTION)
    assert "U.S. politics" in answer.answer
    assert "[1]" in answer.answer
    assert answer.sources and answer.sources[0].n == 1
    again = b.ingest([SEED])
    assert (again.added, again.unchanged) == (0, 1)
    st = b.stats()
    assert st.articles == 1 and st.incomplete_articles == 0
    assert st.store == (chroma.url if mode == "server" else str((Path.cwd() / "store").resolve()))
    hits = b.search("Putin Gaza U.S. politics")
    assert hits and hits[0].title


def test_dead_server_is_a_clear_error_and_a_restart_recovers(server: ChromaServer, make_briefing) -> None:
    b = make_briefing(chroma_url=server.url, collection=_collection())
    assert b.ingest([SEED]).added == 1
    server.kill()
    from briefing.store import StoreError

    t0 = time.monotonic()
    with pytest.raises(StoreError, match="Chroma server unreachable") as err:
        b.ask(QUESTION)
    assert time.monotonic() - t0 < 20, "backoff must be bounded"
    assert "\n" not in str(err.value)
    server.start()
    assert "U.S. politics" in b.ask(QUESTION).answer  # the same Briefing works again
    again = b.ingest([SEED])
    assert (again.added, again.unchanged) == (0, 1)
    assert b.stats().chunks == b.store.articles()[next(iter(b.store.articles()))].expected_chunks


def test_a_restart_within_the_backoff_is_invisible(server: ChromaServer, make_briefing) -> None:
    b = make_briefing(chroma_url=server.url, collection=_collection())
    b.ingest([SEED])
    server.kill()
    restart = threading.Timer(0.8, server.start)
    restart.start()
    try:
        assert "U.S. politics" in b.ask(QUESTION).answer  # retried with backoff until it is back
    finally:
        restart.join()


def test_server_killed_mid_ingest_then_resume_without_duplicates(
    server: ChromaServer, make_briefing, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 80)
    b = make_briefing(chroma_url=server.url, collection=_collection(), chunk_size=600, chunk_overlap=80)
    from briefing.ingest import BATCH_CHUNKS
    from briefing.store import StoreError

    killed = []

    def progress(done: int, total: int, label: str) -> None:
        if label.startswith("embedding") and done > 0 and not killed:
            server.kill()  # after the first write went through, before the next one
            killed.append(done)

    with pytest.raises(StoreError, match="unreachable"):
        b.ingest([corpus], progress=progress)
    assert killed, f"the corpus must need more than one write of {BATCH_CHUNKS} chunks"
    server.start()
    partial = b.store.articles()
    assert 0 < len(partial) < 80 and all(a.complete for a in partial.values())
    report = b.ingest([corpus])
    assert report.ok
    assert report.unchanged == len(partial) and report.added == 80 - len(partial)
    stored = b.store.articles()
    assert sorted(stored) == sorted(report.article_ids) and len(stored) == 80
    assert all(a.complete for a in stored.values())
    ids = b.store.collection.get(include=[])["ids"]
    assert len(ids) == len(set(ids)) == sum(a.expected_chunks for a in stored.values())


def test_cli_against_a_dead_server_exits_2_with_one_line(tmp_path: Path) -> None:
    from tests.support.chroma_server import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    proc = subprocess.run(
        [sys.executable, "-m", "briefing.cli", "stats", "--chroma-url", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Chroma server unreachable"), proc.stderr
    assert "Traceback" not in proc.stderr
