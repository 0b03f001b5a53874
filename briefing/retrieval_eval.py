"""`briefing eval retrieval`: recall@1/5/10 and MRR of dense, BM25 and hybrid, side by side.

Dataset lines: `{"question", "relevant": [url or article_id, ...], "now"?: "YYYY-MM-DD"}`.
Questions go through the same question handling as `ask` (relative dates against `now` or
the newest article, outlet names), so the figures measure what a user gets. Ranking is per
article; a stored article also covers the syndicated copies merged into it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from briefing.articles import parse_date
from briefing.filters import Filters, resolve_question
from briefing.results import syndicated_copies

CUTOFFS = (1, 5, 10)


@dataclass
class ModeScores:
    mode: str
    questions: int = 0
    recall: dict[int, float] = field(default_factory=lambda: dict.fromkeys(CUTOFFS, 0.0))
    mrr: float = 0.0

    def as_dict(self) -> dict:
        d = asdict(self)
        d["recall"] = {f"@{k}": round(v, 4) for k, v in self.recall.items()}
        d["mrr"] = round(self.mrr, 4)
        return d


def load_dataset(path: Path) -> list[dict]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: invalid JSON: {exc.msg}") from None
        if not isinstance(item, dict) or not item.get("question") or not item.get("relevant"):
            raise ValueError(f"{path}:{n}: needs 'question' and a non-empty 'relevant' list")
        items.append(item)
    return items


def _covers(meta: dict) -> set[str]:
    """The ids and URLs an article hit stands for (itself and its syndicated copies)."""
    keys = {meta.get("article_id", ""), meta.get("url", "")}
    for c in syndicated_copies(meta):
        keys |= {c.get("article_id", ""), c.get("url", "")}
    return keys - {""}


def evaluate(
    b: Any, items: list[dict], modes: tuple[str, ...] = ("dense", "bm25", "hybrid")
) -> list[ModeScores]:
    """Scores per retrieval mode over the dataset, using `b` (a `Briefing`)."""
    out = []
    depth = max(CUTOFFS)
    for mode in modes:
        scores = ModeScores(mode)
        for item in items:
            relevant = set(item["relevant"])
            now = parse_date(item.get("now")) if item.get("now") else None
            filters, question, _ = resolve_question(
                item["question"], Filters(), lambda now=now: now or b.reference_date(), b.store.outlets
            )
            retriever = b._make_retriever(filters, depth * 3, mode=mode)
            retriever.per_article = 1
            ranked: list[set[str]] = []
            for d in retriever.retrieve(question).docs:
                if len(ranked) < depth:
                    ranked.append(_covers(d.metadata))
            scores.questions += 1
            for k in CUTOFFS:
                found = set().union(*ranked[:k]) if ranked[:k] else set()
                scores.recall[k] += len(relevant & found) / len(relevant)
            first = next((r for r, keys in enumerate(ranked, 1) if keys & relevant), None)
            scores.mrr += 1.0 / first if first else 0.0
        n = max(scores.questions, 1)
        scores.recall = {k: v / n for k, v in scores.recall.items()}
        scores.mrr /= n
        out.append(scores)
    return out
