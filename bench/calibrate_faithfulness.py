"""Measure the faithfulness threshold on the NeuS validation stories (read from ../shared/eval).

Positives: source sentences as they are and de-loaded by `neutrality.trim`, with an
"According to <outlet>," lead. Negatives: for each positive, the most similar sentence of
*another* story (hard negative), and the sentence with one number changed or one capitalized
name swapped for a name from another story. Prints precision/recall per threshold.

    .venv/bin/python bench/calibrate_faithfulness.py [--stories 120]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.articles import split_sentences  # noqa: E402
from briefing.embeddings import LocalMiniLM  # noqa: E402
from briefing.faithfulness import FaithfulnessChecker  # noqa: E402
from briefing.neutrality import trim  # noqa: E402

DATA = ROOT.parent / "shared" / "eval" / "neus_val.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stories", type=int, default=120)
    args = ap.parse_args()
    rng = random.Random(7)
    stories = [json.loads(line) for line in DATA.read_text().splitlines()][: args.stories]
    emb = LocalMiniLM()
    checker = FaithfulnessChecker(emb, min_support=0.0)
    story_sents = [
        [s for a in st["articles"] for s in split_sentences(a["text"]) if len(s.split()) >= 6]
        for st in stories
    ]
    names = [w for ss in story_sents for s in ss for w in re.findall(r"\b[A-Z][a-z]{3,}\b", s[1:])]
    flat = [(i, s) for i, ss in enumerate(story_sents) for s in ss]
    vecs = np.asarray(emb.embed_documents([s for _, s in flat]), dtype=np.float32)
    labels, scores, all_kinds = [], [], []
    for i, ss in enumerate(story_sents):
        if not ss:
            continue
        idx = [k for k, (j, _) in enumerate(flat) if j == i]
        other = [k for k, (j, _) in enumerate(flat) if j != i]
        picks = rng.sample(ss, min(3, len(ss)))
        pos = [f"According to Outlet, {p[0].lower() + p[1:]} [1]" for p in picks]
        pos += [t for p in picks if (t := trim(p)) and t != p]
        neg, kinds = [], []
        for p in picks:
            v = np.asarray(emb.embed_query(p), dtype=np.float32)
            neg.append(flat[other[int(np.argmax(vecs[other] @ v))]][1])
            kinds.append("other story")
            if re.search(r"\d", p):
                neg.append(re.sub(r"\d+", lambda m: str(int(m.group(0)) * 3 + 7), p, count=1))
                kinds.append("number changed")
            caps = re.findall(r"\b[A-Z][a-z]{3,}\b", p[1:])
            if caps:
                neg.append(p.replace(caps[0], rng.choice(names), 1))
                kinds.append("name swapped")
        res = checker.check(pos + neg, ss, source_vectors=vecs[idx])
        labels += [1] * len(pos) + [0] * len(neg)
        all_kinds.extend(["supported"] * len(pos) + kinds)
        scores += [r.score for r in res]
    labels_a, scores_a = np.array(labels), np.array(scores)
    print(f"{len(stories)} stories: {labels_a.sum()} supported, {(1 - labels_a).sum()} unsupported sentences")
    kinds_a = np.array(all_kinds)
    for k in sorted(set(all_kinds)):
        sel = scores_a[kinds_a == k]
        print(
            f"  {k:15s} n={len(sel):4d} score p5 {np.percentile(sel, 5):.3f} median {np.median(sel):.3f} "
            f"p95 {np.percentile(sel, 95):.3f}"
        )
    for t in np.arange(0.50, 0.86, 0.02):
        pred = scores_a >= t
        tp = int((pred & (labels_a == 1)).sum())
        fp = int((pred & (labels_a == 0)).sum())
        rec = tp / labels_a.sum()
        prec = tp / max(tp + fp, 1)
        print(
            f"threshold {t:.2f}: recall(supported kept) {rec:.3f}  precision {prec:.3f}  "
            f"unsupported caught {1 - fp / (1 - labels_a).sum():.3f}"
        )


if __name__ == "__main__":
    main()
