"""Synthetic but varied news articles for benchmarks, built from the sample collection.

Each article recombines sentences of the samples (seeded, so runs are repeatable) with its own
date, outlet and URL, and varies numbers, so no two articles are the same text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from briefing.articles import Article, iter_files, load_file, make_article, split_sentences

ROOT = Path(__file__).resolve().parent.parent
OUTLETS = [f"Bench Outlet {i}" for i in range(12)]


def sample_sentences() -> list[str]:
    out: list[str] = []
    for path in iter_files([ROOT / "samples" / "news"]):
        for article in load_file(path):
            out.extend(s for s in split_sentences(article.text) if len(s.split()) >= 6)
    return out


def synthetic_articles(
    n: int, seed: int = 7, start: date = date(2023, 11, 1), days: int = 30
) -> Iterator[Article]:
    """`n` distinct articles of 6-14 sentences, spread over `days` days from `start`."""
    rng = random.Random(seed)
    pool = sample_sentences()
    for i in range(n):
        picked = rng.sample(pool, rng.randint(6, 14))
        text = " ".join(
            re.sub(r"\b\d+\b", lambda m: str(int(m.group(0)) + rng.randint(1, 9)), s) for s in picked
        )
        yield make_article(
            text=text,
            title=f"Bench story {i}: " + " ".join(picked[0].split()[:8]),
            source=OUTLETS[i % len(OUTLETS)],
            url=f"https://bench.example/{i}",
            published=start + timedelta(days=i % days),
        )
