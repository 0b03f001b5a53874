"""Ingest throughput against the raw embedding model's, on the same chunks, in the same run.

    python bench/bench_ingest.py [--articles 300]

The raw baseline embeds exactly the texts ingest embeds (same batch size, same model), so the
ratio is what splitting, hashing, the syndicated-copy check, Chroma writes and the BM25
rebuild cost on top.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import synthetic_articles
from briefing import Briefing, Settings
from briefing.embeddings import LocalMiniLM
from briefing.ingest import Ingestor, chunk_article, embedding_text, make_splitter


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=2, help="alternate raw/ingest this many times")
    args = ap.parse_args()
    articles = list(synthetic_articles(args.articles))
    settings = Settings(store_dir=Path(tempfile.mkdtemp()) / "s")
    splitter = make_splitter(settings)
    texts = [embedding_text(a.title, t) for a in articles for t, _ in chunk_article(a, splitter)]
    emb = LocalMiniLM()
    emb.warm_up()
    raw_rates, ingest_rates = [], []
    for r in range(args.rounds):  # interleaved, so machine noise hits both sides alike
        t = time.perf_counter()
        emb.embed_documents(texts)
        raw_rates.append(len(texts) / (time.perf_counter() - t))
        b = Briefing(settings.with_overrides(collection=f"bench_{r}"), embeddings=emb)
        b.store  # noqa: B018 - open the collection outside the timed part, as a running app would have
        t = time.perf_counter()
        report = Ingestor(b.settings, b.store, emb).ingest_articles(articles)  # dedup check included
        b._refresh_indexes(report.changed)  # and the BM25 index rebuild, as Briefing.ingest does
        ingest_rates.append(report.chunks_written / (time.perf_counter() - t))
        assert report.chunks_written == len(texts), (report.chunks_written, len(texts))
    raw, ing = max(raw_rates), max(ingest_rates)
    result = {
        "articles": len(articles),
        "chunks": len(texts),
        "raw_embed_chunks_per_s": round(raw, 1),
        "ingest_chunks_per_s": round(ing, 1),
        "ratio": round(ing / raw, 3),
        "rounds": args.rounds,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
