"""Retrieval latency at scale: hybrid (+ filters) against Chroma's bare query, same run.

    python bench/bench_retrieval.py --chunks 10000 100000 [--queries 200]

The large collections hold varied synthetic articles (bench/corpus.py: sentences of the
samples recombined, numbers changed, dates spread over a year, 12 outlets). Embedding 100k
chunks with the real model would take most of an hour on 2 cores, so each chunk's vector is
built from real model vectors: the normalized mean of its sentences' embeddings (every
distinct sample sentence is embedded once, for real) plus small noise. Queries are the gold
set's questions, embedded by the real model.

Both sides include embedding the query (a bare Chroma retriever embeds it too):
  bare    = embed query + collection.query(k=6)
  hybrid  = NewsRetriever(mode="hybrid").retrieve(query): dense + BM25 + fusion + cap
  hybrid+filters = the same with a one-month date range and two outlets
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.corpus import OUTLETS, sample_sentences, synthetic_articles
from bench.stats import pct
from briefing import Briefing, Settings
from briefing.articles import split_sentences
from briefing.filters import Filters
from briefing.ingest import chunk_article, make_splitter

ROOT = Path(__file__).resolve().parent.parent


def build(b: Briefing, target_chunks: int, sentence_vecs: dict[str, np.ndarray], seed: int = 3) -> int:
    """Fill the collection with ~target_chunks chunks of synthetic articles; returns the count."""
    rng = np.random.default_rng(seed)
    splitter = make_splitter(b.settings)
    written = 0
    batch_ids, batch_vecs, batch_docs, batch_meta = [], [], [], []
    n_articles = target_chunks // 2 + 10
    for a in synthetic_articles(n_articles, seed=seed, start=date(2023, 1, 1), days=365):
        for text, meta in chunk_article(a, splitter):
            vecs = [sentence_vecs[s] for s in split_sentences(text) if s in sentence_vecs]
            v = np.mean(vecs, axis=0) if vecs else rng.normal(size=384)
            v = v + rng.normal(scale=0.02, size=384)
            batch_ids.append(f"{a.id}:{meta['chunk']}")
            batch_vecs.append((v / np.linalg.norm(v)).astype(np.float32).tolist())
            batch_docs.append(text)
            batch_meta.append(meta)
            written += 1
        if len(batch_ids) >= 2000 or written >= target_chunks:
            b.store.upsert(batch_ids, batch_vecs, batch_docs, batch_meta)
            batch_ids, batch_vecs, batch_docs, batch_meta = [], [], [], []
        if written >= target_chunks:
            break
    if batch_ids:
        b.store.upsert(batch_ids, batch_vecs, batch_docs, batch_meta)
    b.store.touch("2023-12-31", outlets=OUTLETS)
    return written


def measure(b: Briefing, questions: list[str], k: int = 6) -> dict:
    month = Filters(since=date(2023, 6, 1), until=date(2023, 6, 30), sources=tuple(OUTLETS[:2]))
    runs: dict[str, list[float]] = {"bare": [], "hybrid": [], "hybrid+filters": [], "dense": []}
    hybrid = b._make_retriever(Filters(), k, mode="hybrid")
    filtered = b._make_retriever(month, k, mode="hybrid")
    dense = b._make_retriever(Filters(), k, mode="dense")
    hybrid.retrieve("warm up")
    filtered.retrieve("warm up")
    for q in questions:  # interleaved so that machine noise hits every variant alike
        t = time.perf_counter()
        b.store.collection.query(query_embeddings=[b.embeddings.embed_query(q)], n_results=k)
        runs["bare"].append(time.perf_counter() - t)
        for name, r in (("hybrid", hybrid), ("hybrid+filters", filtered), ("dense", dense)):
            t = time.perf_counter()
            docs = r.retrieve(q).docs
            runs[name].append(time.perf_counter() - t)
            if name == "hybrid+filters":
                assert all("2023-06-01" <= d.metadata["published"] <= "2023-06-30" for d in docs)
    out = {
        name: {"p50_ms": round(1000 * statistics.median(v), 1), "p95_ms": round(1000 * pct(v, 95), 1)}
        for name, v in runs.items()
    }
    out["hybrid_p95_over_bare_p95"] = round(out["hybrid"]["p95_ms"] / out["bare"]["p95_ms"], 2)
    out["hybrid+filters_p95_over_bare_p95"] = round(
        out["hybrid+filters"]["p95_ms"] / out["bare"]["p95_ms"], 2
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    b0 = Briefing(Settings(store_dir=Path(tempfile.mkdtemp()) / "s"))
    pool = sorted(set(sample_sentences()))
    sentence_vecs = dict(zip(pool, b0.embeddings.embed_array(pool), strict=True))
    gold = [
        json.loads(x)["question"]
        for x in (ROOT / "samples/eval/retrieval.jsonl").read_text().splitlines()
        if x
    ]
    questions = [random.Random(i).choice(gold) for i in range(args.queries)]
    results = {}
    for n in args.chunks:
        b = Briefing(Settings(store_dir=Path(tempfile.mkdtemp()) / "s"), embeddings=b0.embeddings)
        t = time.perf_counter()
        chunks = build(b, n, sentence_vecs)
        built = time.perf_counter() - t
        t = time.perf_counter()
        b.keyword_index.ensure_current()
        bm25_build = time.perf_counter() - t
        t = time.perf_counter()
        b2 = Briefing(b.settings, embeddings=b0.embeddings)  # a fresh process would load it from disk
        b2.keyword_index.ensure_current()
        bm25_load = time.perf_counter() - t
        results[n] = {
            "chunks": chunks,
            "write_s": round(built, 1),
            "bm25_build_s": round(bm25_build, 1),
            "bm25_load_s": round(bm25_load, 2),
            **measure(b2, questions),
        }
        print(json.dumps({n: results[n]}, indent=2), flush=True)
    print(json.dumps({"start": str(date.today() - timedelta(days=0)), "results": results}))


if __name__ == "__main__":
    main()
