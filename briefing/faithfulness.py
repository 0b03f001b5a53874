"""Is every sentence of a briefing or answer supported by the source text it cites?

Each sentence (its `[n]` markers and an "According to <outlet>," lead removed) is matched to
the source sentences: its best embedding similarity, and the share of its content words found
in the two most similar source sentences together (so a sentence fusing two facts still
counts). Numbers and names must appear in the sources: "300 dead" is not supported by "30
dead", nor "Biden said" by "Sanders said", however similar the embeddings are.

The thresholds were measured on the NeuS validation stories (bench/calibrate_faithfulness.py,
numbers in docs/benchmarks.md): source sentences and their trimmed versions must pass,
sentences from other stories (the nearest ones: hard negatives) and sentences with a swapped
number or name must fail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from briefing.articles import split_sentences
from briefing.extractive import keywords

#: score = SIM_WEIGHT * similarity + (1 - SIM_WEIGHT) * overlap; supported when ≥ MIN_SUPPORT.
SIM_WEIGHT = 0.5
MIN_SUPPORT = 0.6
_CITE = re.compile(r"\s*\[\d{1,3}\]")
_ACCORDING = re.compile(r"^(?:according to|as reported by|per)\s+[^,]{1,80},\s*", re.I)
_NUMBER = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b")
_NAME = re.compile(r"(?<![.!?]\s)(?<![“\"‘(])\b[A-Z][a-zA-Z]{2,}\b")


def strip_markup(sentence: str) -> str:
    """The claim itself: no `[n]` markers, no leading "According to X," attribution."""
    text = _CITE.sub("", sentence).strip()
    stripped = _ACCORDING.sub("", text)
    if stripped != text and stripped:
        text = stripped[0].upper() + stripped[1:]
    return text


def source_sentences(texts: Sequence[str]) -> list[str]:
    """Every sentence of the given texts, in order, each once."""
    return list(dict.fromkeys(s for t in texts for s in split_sentences(t)))


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def _names(text: str) -> set[str]:
    """Capitalized words that are not sentence-initial: names, places, organizations."""
    return {m.group(0).lower() for m in _NAME.finditer(text) if m.start() > 0}


@dataclass(frozen=True)
class Support:
    """How well one sentence is supported: `score` in [0, 1] and the evidence found."""

    sentence: str
    score: float
    similarity: float
    overlap: float
    supported: bool
    evidence: list[str] = field(default_factory=list)
    unsupported_terms: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


class FaithfulnessChecker:
    """Scores sentences against source sentences; embeddings are any LangChain `Embeddings`.

    With `embeddings=None` the score is the lexical part alone (used by the daily briefing,
    whose sentences are the sources' own, to stay fast on hundreds of stories).
    """

    def __init__(self, embeddings: Any, min_support: float = MIN_SUPPORT, ignore: Sequence[str] = ()) -> None:
        self.embeddings = embeddings
        self.min_support = min_support
        # words that carry no claim here (outlet names used in attributions)
        self.ignore = set().union(*(keywords(x) for x in ignore)) if ignore else set()
        self.ignore_names = {w.lower() for x in ignore for w in re.findall(r"[A-Za-z]+", x)}

    def check(
        self,
        sentences: Sequence[str],
        sources: Sequence[str],
        *,
        source_vectors: Any = None,
    ) -> list[Support]:
        """One `Support` per sentence. `sources`: the source sentences (see `source_sentences`)."""
        import numpy as np

        src = list(sources)
        claims = [strip_markup(s) for s in sentences]
        if not claims:
            return []
        if not src:
            return [Support(s, 0.0, 0.0, 0.0, False) for s in sentences]
        src_words = [keywords(s) for s in src]
        if self.embeddings is None:  # lexical only: the score is the word overlap alone
            sims = np.asarray(
                [[len(keywords(c) & w) / max(len(keywords(c)), 1) for w in src_words] for c in claims],
                dtype=np.float32,
            )
        else:
            if source_vectors is None:
                vectors = np.asarray(self.embeddings.embed_documents([*claims, *src]), dtype=np.float32)
                cv, sv = vectors[: len(claims)], vectors[len(claims) :]
            else:
                sv = np.asarray(source_vectors, dtype=np.float32)
                cv = np.asarray(self.embeddings.embed_documents(claims), dtype=np.float32)
            sims = cv @ sv.T
        all_numbers = set().union(*(_numbers(s) for s in src))
        all_words = {w.lower() for s in src for w in re.findall(r"[A-Za-z]+", s)}
        out = []
        for i, (sentence, claim) in enumerate(zip(sentences, claims, strict=True)):
            order = np.argsort(-sims[i], kind="stable")[:2]
            best = float(sims[i][order[0]])
            words = keywords(claim) - self.ignore
            found = src_words[int(order[0])] | (src_words[int(order[1])] if len(order) > 1 else set())
            overlap = len(words & found) / len(words) if words else 1.0
            missing = sorted(
                (_numbers(claim) - all_numbers) | (_names(claim) - all_words - self.ignore_names)
            )
            weight = SIM_WEIGHT if self.embeddings is not None else 0.0
            score = weight * max(best, 0.0) + (1 - weight) * overlap
            if missing:
                score = min(score, self.min_support - 0.01)
            out.append(
                Support(
                    sentence=sentence,
                    score=round(score, 4),
                    similarity=round(best, 4),
                    overlap=round(overlap, 4),
                    supported=score >= self.min_support,
                    evidence=[src[int(j)] for j in order],
                    unsupported_terms=missing,
                )
            )
        return out
