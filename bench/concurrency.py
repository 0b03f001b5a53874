"""Concurrency: ingest while 10 clients ask and search the same collection.

One `Briefing` (one store, one model) shared by threads, as the web app shares it: a writer
thread ingests new articles in batches (some replacing stored ones: delete-then-write) while
N client threads call `ask` and `search`, and a watcher thread lists the collection over and
over. Counted: errors in any thread, answers citing an article that is not stored complete,
and incomplete articles the watcher ever saw. Latency of `ask` during ingest is reported as a
ratio to the same questions asked before ingest started (same run, same machine).

    .venv/bin/python bench/concurrency.py --clients 10 --articles 200
    .venv/bin/python bench/concurrency.py --server   # the same over `chroma run`
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.crash_trials import write_corpus  # noqa: E402

QUESTIONS = [
    "What did the transport ministry say about the rail strike?",
    "Who warned about river flooding near Lisbon?",
    "What did the central bank announce about grain prices?",
    "How many people were affected by the heat wave?",
    "What did local farmers report about wildfire smoke?",
    "Did the health agency confirm the vaccine rollout?",
    "What happened at the bridge closure in Osaka?",
    "What did opposition lawmakers deny about the budget vote?",
]


def _pct(values: list[float], q: float) -> float:
    return round(sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000, 1) if values else 0.0


def run(
    clients: int = 10,
    articles: int = 200,
    batches: int = 8,
    seed: int = 0,
    chroma_url: str | None = None,
    work: Path | None = None,
    embeddings=None,
    pause: float = 0.0,
) -> dict:
    """`pause`: seconds each client waits between queries (0 = as fast as it can)."""
    from briefing import Briefing, Settings

    tmp = Path(work or tempfile.mkdtemp(prefix="concurrency-"))
    tmp.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        store_dir=tmp / "store",
        chroma_url=chroma_url,
        collection=f"conc{random.Random().randrange(10**8)}",
        chunk_size=600,
        chunk_overlap=80,
    )
    b = Briefing(settings, embeddings=embeddings)
    first = tmp / "initial"
    write_corpus(first, articles // 4, 1, seed)
    b.ingest([first])
    # the new articles arrive in batches; the last batch re-sends the first one changed (replace)
    folders = []
    for i in range(batches):
        f = tmp / f"batch-{i}"
        write_corpus(f, articles // batches, 1, seed + 1 + i, first=100_000 * (i + 1))
        folders.append(f)
    write_corpus(first, articles // 4, 2, seed)  # every third article changes text, same URL
    folders.append(first)

    rng = random.Random(seed)
    baseline: list[float] = []
    for q in QUESTIONS * 2:
        t0 = time.perf_counter()
        b.ask(q)
        baseline.append(time.perf_counter() - t0)

    errors: list[str] = []
    bad_citations: list[str] = []
    latencies: list[float] = []
    incomplete_seen = 0
    watcher_rounds = 0
    done = threading.Event()
    lock = threading.Lock()

    def client(n: int) -> None:
        r = random.Random(seed * 100 + n)
        while not done.wait(pause * r.random()):
            q = r.choice(QUESTIONS)
            try:
                t0 = time.perf_counter()
                if r.random() < 0.7:
                    ans = b.ask(q)
                    took = time.perf_counter() - t0
                    cited = [s.article_id for s in ans.sources]
                else:
                    hits = b.search(q, k=5)
                    took = time.perf_counter() - t0
                    cited = [h.article_id for h in hits]
                with lock:
                    latencies.append(took)
                if cited:
                    got = b.store.articles(where={"article_id": {"$in": cited}})
                    for aid in cited:
                        info = got.get(aid)
                        if info is not None and not info.complete:
                            with lock:
                                bad_citations.append(f"{aid}: {info.chunks}/{info.expected_chunks} chunks")
            except Exception as exc:  # noqa: BLE001 - counted, that is the point
                with lock:
                    errors.append(f"client {n}: {type(exc).__name__}: {exc}")

    def watcher() -> None:
        nonlocal incomplete_seen, watcher_rounds
        while not done.is_set():
            try:
                found = b.store.articles()
                with lock:
                    watcher_rounds += 1
                    incomplete_seen += sum(1 for a in found.values() if not a.complete)
            except Exception as exc:  # noqa: BLE001
                with lock:
                    errors.append(f"watcher: {type(exc).__name__}: {exc}")
            time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    threads.append(threading.Thread(target=watcher, daemon=True))
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    reports = []
    try:
        for f in folders:
            reports.append(b.ingest([f]))
            time.sleep(rng.uniform(0, 0.2))
    except Exception as exc:  # noqa: BLE001
        errors.append(f"ingest: {type(exc).__name__}: {exc}")
    ingest_seconds = time.perf_counter() - t0
    done.set()
    for t in threads:
        t.join(timeout=120)
    final = b.store.articles()
    summary = {
        "mode": "server" if chroma_url else "embedded",
        "clients": clients,
        "ingest_batches": len(folders),
        "articles_stored": len(final),
        "articles_added": sum(r.added for r in reports),
        "articles_replaced": sum(r.replaced for r in reports),
        "ingest_seconds": round(ingest_seconds, 1),
        "queries": len(latencies),
        "errors": len(errors),
        "bad_citations": len(bad_citations),
        "incomplete_seen_by_watcher": incomplete_seen,
        "watcher_rounds": watcher_rounds,
        "incomplete_at_end": sum(1 for a in final.values() if not a.complete),
        "ask_p50_ms_before": _pct(baseline, 0.5),
        "query_p50_ms_during": _pct(latencies, 0.5),
        "query_p95_ms_during": _pct(latencies, 0.95),
        "p50_ratio_during_vs_before": round(statistics.median(latencies) / statistics.median(baseline), 2)
        if latencies
        else None,
        "first_errors": errors[:5],
    }
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--server", action="store_true", help="run against a `chroma run` server")
    args = ap.parse_args()
    if args.server:
        from tests.support.chroma_server import ChromaServer

        with tempfile.TemporaryDirectory() as tmp, ChromaServer(Path(tmp) / "chroma") as srv:
            summary = run(args.clients, args.articles, chroma_url=srv.url)
    else:
        summary = run(args.clients, args.articles)
    print(json.dumps(summary, indent=2))
    bad = summary["errors"] or summary["bad_citations"] or summary["incomplete_seen_by_watcher"]
    sys.exit(1 if bad or summary["incomplete_at_end"] else 0)


if __name__ == "__main__":
    main()
