"""`ask` latency on the sample collection (extractive writer), p50/p95, and retrieval alone.

python bench/bench_ask.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stats import pct
from briefing import Briefing, Settings

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    b = Briefing(Settings(store_dir=Path(tempfile.mkdtemp()) / "s"))
    b.ingest([ROOT / "samples" / "news"])
    questions = [json.loads(line)["question"] for line in (ROOT / "samples/eval/retrieval.jsonl").open()]
    b.ask("warm up")
    ask_ms, search_ms = [], []
    for _ in range(args.repeat):
        for q in questions:
            t = time.perf_counter()
            b.ask(q)
            ask_ms.append(1000 * (time.perf_counter() - t))
            t = time.perf_counter()
            b.search(q)
            search_ms.append(1000 * (time.perf_counter() - t))
    print(
        json.dumps(
            {
                "questions": len(questions) * args.repeat,
                "articles": b.stats().articles,
                "ask_ms_p50": round(statistics.median(ask_ms), 1),
                "ask_ms_p95": round(pct(ask_ms, 95), 1),
                "search_ms_p50": round(statistics.median(search_ms), 1),
                "search_ms_p95": round(pct(search_ms, 95), 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
