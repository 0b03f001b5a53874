"""Daily briefing of 500 varied articles in a one-day window (target: under 60 s).

Generates 500 distinct articles from the sample collection's sentences: ~120 synthetic
stories, each built from one sample article's sentences with its names swapped for a
story-specific set (people, places, numbers), covered by 1-8 outlets that each take a
different subset and order of those sentences. Ingests them into a temporary store (timed
separately), then times `Briefing.daily(date)`. Absolute timings are noisy on a shared
machine, so the run also measures a baseline, embedding 1,000 fixed sentences, and reports
the daily time as a ratio of it.

    .venv/bin/python bench/bench_daily.py [--articles 500]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing import Briefing, Settings  # noqa: E402
from briefing.articles import iter_files, load_file, split_sentences  # noqa: E402

FIRST = (
    "Amara Boris Chen Dalia Emil Farah Goran Hana Ivo Jana Kofi Lena Milo Nadia Omar Petra Quinn Rosa".split()
)
LAST = (
    "Okafor Lindqvist Moreau Tanaka Novak Castillo Haddad Kowalski Osei Varga Petrov Ruiz Sato Brandt".split()
)
PLACES = "Valdora Kestrel Brightwater Tamsin Orvale Duskport Marrowick Sunhaven Eastmere Greyfield".split()
OUTLETS = [
    f"{a} {b}" for a in ("Daily", "Morning", "Evening", "Weekly", "City") for b in ("Herald", "Post", "Wire")
]


def make_articles(n: int, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    bases = []
    for path in iter_files([ROOT / "samples" / "news"]):
        for a in load_file(path):
            sents = [s for s in split_sentences(a.text) if len(s.split()) >= 6]
            if len(sents) >= 5:
                bases.append(sents)
    out: list[dict] = []
    story = 0
    while len(out) < n:
        base = bases[story % len(bases)]
        names = {w for s in base for w in re.findall(r"\b[A-Z][a-z]{3,}\b", s[1:])}
        swap = {w: rng.choice(FIRST + LAST + PLACES) + rng.choice(["", "a", "o", "en"]) for w in names}
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(swap, key=len, reverse=True))) + r")\b")
        num = rng.randint(2, 900)
        text_sents = [pattern.sub(lambda m, sw=swap: sw[m.group(0)], s) if swap else s for s in base]
        text_sents = [re.sub(r"\b\d+\b", lambda m, k=num: str(int(m.group(0)) + k), s) for s in text_sents]
        outlets = rng.sample(OUTLETS, k=min(len(OUTLETS), rng.choice([1, 1, 2, 3, 4, 6, 8])))
        for o in outlets:
            if len(out) >= n:
                break
            # the story's lead, then the outlet's own selection and background from other stories,
            # so that outlets' versions differ as much as real coverage does (not syndicated copies)
            own = rng.sample(text_sents[2:], k=min(3, len(text_sents) - 2))
            background = [rng.choice(rng.choice(bases)) for _ in range(4)]
            body = text_sents[:2] + own + background
            out.append(
                {
                    "title": f"{body[0][:70].rsplit(' ', 1)[0]} ({o} story {story})",
                    "source": o,
                    "url": f"https://{o.lower().replace(' ', '')}.example/{story}/{len(out)}",
                    "published": "2024-03-05",
                    "text": "\n\n".join(body),
                }
            )
        story += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=500)
    args = ap.parse_args()
    items = make_articles(args.articles)
    assert len({i["text"] for i in items}) == len(items), "articles must not be duplicates"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "articles.jsonl"
        data.write_text("\n".join(json.dumps(i) for i in items))
        b = Briefing(Settings(store_dir=Path(tmp) / "store"))
        b.embeddings.warm_up()
        fixed = [f"Sentence number {i} about the budget, the weather and the election." for i in range(1000)]
        t = time.perf_counter()
        b.embeddings.embed_documents(fixed)
        baseline = time.perf_counter() - t
        t = time.perf_counter()
        report = b.ingest([data])
        ingest = time.perf_counter() - t
        t = time.perf_counter()
        d = b.daily("2024-03-05")
        daily = time.perf_counter() - t
        multi = sum(1 for s in d.stories if len(s.sources) > 1)
        print(f"articles: {len(items)} generated, {report.added} stored ({report.merged} merged as copies)")
        print(f"baseline (embed 1,000 sentences): {baseline:.2f} s")
        print(f"ingest: {ingest:.1f} s")
        print(
            f"daily: {daily:.1f} s, {d.articles} articles -> {len(d.stories)} stories ({multi} multi-outlet)"
        )
        print(
            f"daily / baseline: {daily / baseline:.2f}x; target < 60 s: {'met' if daily < 60 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
