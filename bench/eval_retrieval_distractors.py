"""Retrieval eval with distractors: the sample collection plus real news articles it does not cover.

    python bench/eval_retrieval_distractors.py [--distractors 900]

A 41-article collection is too easy to tell retrieval methods apart (dense R@5 is ~1.0), so
this adds the opening paragraphs of the NeuS stories in ../shared/eval/neus_val.jsonl
(2019-2020 US politics and world news, undated; read at run time, never copied into the repo)
as distractors, then runs the same gold set through dense, BM25 and hybrid retrieval.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefing import Briefing, Settings
from briefing.articles import ArticleError, make_article
from briefing.ingest import Ingestor
from briefing.retrieval_eval import evaluate, load_dataset

ROOT = Path(__file__).resolve().parent.parent
NEUS = ROOT.parent / "shared" / "eval" / "neus_val.jsonl"


def distractors(limit: int) -> list:
    out = []
    for line in NEUS.read_text(encoding="utf-8").splitlines():
        for i, art in enumerate(json.loads(line)["articles"]):
            try:
                title = art.get("title", "")
                out.append(make_article(text=art["text"], title=title, source=f"NeuS outlet {i}"))
            except ArticleError:
                continue
            if len(out) >= limit:
                return out
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--distractors", type=int, default=900)
    args = ap.parse_args()
    b = Briefing(Settings(store_dir=Path(tempfile.mkdtemp()) / "s"))
    b.ingest([ROOT / "samples" / "news"])
    extra = distractors(args.distractors)
    t = time.perf_counter()
    report = Ingestor(b.settings, b.store, b.embeddings).ingest_articles(extra)
    b.keyword_index.ensure_current()
    items = load_dataset(ROOT / "samples" / "eval" / "retrieval.jsonl")
    results = evaluate(b, items)
    print(
        json.dumps(
            {
                "questions": len(items),
                "articles": b.stats().articles,
                "distractors_added": report.added,
                "ingest_seconds": round(time.perf_counter() - t, 1),
                "modes": [r.as_dict() for r in results],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
