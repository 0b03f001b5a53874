"""Crash safety: an ingest killed at any point is repaired by the next run, nothing twice.

Why: ingest runs for minutes over big folders; a laptop lid, an OOM kill or Ctrl-\\ must never
leave a collection with missing, doubled or half-written articles.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.crash_trials import expected, run_trials, write_corpus


@pytest.mark.slow
def test_sigkill_trials_leave_every_article_exactly_once(tmp_path: Path) -> None:
    """The bench script, small: 5 SIGKILL trials over a 40-article corpus (fresh and replace)."""
    lines: list[str] = []
    summary = run_trials(trials=5, n_articles=40, seed=7, work=tmp_path / "trials", log=lines.append)
    assert summary["trials"] == 5 and summary["killed"] >= 1, lines
    assert summary["failures"] == 0, "\n".join(lines)


def test_partial_article_is_detected_and_rewritten(make_briefing, tmp_path: Path) -> None:
    """A half-written article (some chunks lost, as a crash between two writes would leave
    it) is reported incomplete, and the next ingest rewrites it whole."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 12)
    b = make_briefing(chunk_size=600, chunk_overlap=80)
    first = b.ingest([corpus])
    assert first.ok and first.added == 12
    infos = b.store.articles()
    victim = max(infos.values(), key=lambda a: a.expected_chunks)
    assert victim.expected_chunks >= 2
    b.store.collection.delete(ids=[f"{victim.article_id}:{victim.expected_chunks - 1}"])
    assert not b.store.articles()[victim.article_id].complete
    assert b.stats().incomplete_articles == 1

    again = b.ingest([corpus])
    assert (again.replaced, again.unchanged, again.added) == (1, 11, 0)
    after = b.store.articles()
    assert all(a.complete for a in after.values()) and len(after) == 12
    want = expected(corpus, 600)
    assert {aid: (a.content_hash, a.chunks) for aid, a in after.items()} == want


def test_chunks_of_two_versions_are_not_complete(make_briefing, tmp_path: Path) -> None:
    """Chunks with mixed content hashes (an old and a new version interleaved) never pass as
    complete, even when their count happens to match."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 8)
    b = make_briefing(chunk_size=600, chunk_overlap=80)
    b.ingest([corpus])
    aid, info = next((k, v) for k, v in b.store.articles().items() if v.expected_chunks >= 2)
    got = b.store.collection.get(ids=[f"{aid}:0"], include=["metadatas", "embeddings", "documents"])
    meta = dict(got["metadatas"][0]) | {"content_hash": "0" * 16}
    b.store.collection.upsert(
        ids=[f"{aid}:0"], embeddings=got["embeddings"], documents=got["documents"], metadatas=[meta]
    )
    assert info.complete and not b.store.articles()[aid].complete
    assert b.ingest([corpus]).replaced == 1
    assert b.store.articles()[aid].complete
