"""Measure the daily briefing's story threshold on the sample collection's story labels.

Ingests samples/news into a temporary store, takes every article's vector (mean of its
chunk vectors, as `digest.load_window` does; and, to compare, the embedding of title +
first two sentences), clusters at each threshold and prints pairwise precision/recall/F1
against samples/manifest.json's `story` field.

    .venv/bin/python bench/calibrate_stories.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing import Briefing, Settings  # noqa: E402
from briefing.articles import split_sentences  # noqa: E402
from briefing.digest import cluster, load_window  # noqa: E402


def labels_for(b: Briefing, articles) -> list[str]:
    manifest = json.loads((ROOT / "samples" / "manifest.json").read_text())
    by_url = {m["url"]: m["story"] for m in manifest if m.get("url")}
    by_file = {}
    for m in manifest:
        by_file.setdefault(m["file"], []).append(m["story"])
    origins = {aid: info.origin for aid, info in b.store.articles().items()}
    out = []
    for a in articles:
        if a.url in by_url:
            out.append(by_url[a.url])
        else:
            stories = by_file.get(Path(origins.get(a.id, "")).name, ["?"])
            out.append(stories[0] if len(stories) == 1 else "?")
    return out


def pairwise(labels: list[str], clusters: list[list[int]]) -> tuple[float, float, float]:
    assigned = {i: k for k, members in enumerate(clusters) for i in members}
    tp = fp = fn = 0
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            same_true = labels[i] == labels[j]
            same_pred = assigned[i] == assigned[j]
            tp += same_true and same_pred
            fp += same_pred and not same_true
            fn += same_true and not same_pred
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        b = Briefing(Settings(store_dir=Path(tmp)))
        b.ingest([ROOT / "samples" / "news"])
        articles, vectors = load_window(b.store, date(2000, 1, 1), date(2100, 1, 1))
        labels = labels_for(b, articles)
        print(f"{len(articles)} articles, {len(set(labels))} stories, unmatched: {labels.count('?')}")
        lead = np.asarray(
            b.embeddings.embed_documents(
                [a.title + ". " + " ".join(split_sentences(a.text)[:2]) for a in articles]
            )
        )
        for name, vecs in (("chunk mean", vectors), ("title+lead", lead)):
            for t in np.arange(0.40, 0.81, 0.05):
                p, r, f = pairwise(labels, cluster(vecs, float(t)))
                print(f"{name:10s} threshold {t:.2f}: pairwise precision {p:.3f} recall {r:.3f} F1 {f:.3f}")


if __name__ == "__main__":
    main()
