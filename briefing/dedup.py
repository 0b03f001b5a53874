"""Syndicated copies: the same wire story under several outlets, stored once.

Two tests, cheap first: the article's first-chunk embedding must be close to a candidate's
(cosine ≥ CANDIDATE_SIMILARITY, one Chroma query), then their 5-word shingles must overlap
(containment ≥ CONTAINMENT). Measured on samples/ (manifest.json's syndicated groups):
copies share ≥ 0.78 of their shingles and ≥ 0.957 first-chunk cosine; different articles on
the same story share ≤ 0.04 of their shingles (up to 0.94 cosine, hence the second test).
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass, field

from briefing.articles import Article

SHINGLE_WORDS = 5
CANDIDATE_SIMILARITY = 0.8
CONTAINMENT = 0.5
_WORD = re.compile(r"\w+")


def shingles(text: str, n: int = SHINGLE_WORDS) -> set[int]:
    words = _WORD.findall(text.lower())
    return {zlib.crc32(" ".join(words[i : i + n]).encode()) for i in range(max(1, len(words) - n + 1))}


def containment(a: set[int], b: set[int]) -> float:
    """Share of the smaller text's shingles found in the other (1.0 = one contains the other)."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def copy_record(article: Article, canonical: str) -> dict:
    """What is kept of a copy: where it appeared, and how to recognise it next time."""
    return {
        "canonical": canonical,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "published": article.published_iso,
        "content_hash": article.content_hash,
        "origin": article.origin,
    }


def syndicated_json(copies: list[dict]) -> str:
    """The `syndicated` chunk metadata: the other outlets that ran the same story."""
    keep = ("article_id", "title", "source", "url", "published")
    return json.dumps([{k: c.get(k, "") for k in keep} for c in copies], ensure_ascii=False)


@dataclass
class Matcher:
    """Finds, for an article about to be written, an already-stored or earlier copy of it."""

    store: object
    _texts: dict[str, set[int]] = field(default_factory=dict)  # canonical id → shingles

    def _shingles_of(self, article_id: str, text: str | None = None) -> set[int]:
        if article_id not in self._texts:
            self._texts[article_id] = shingles(
                text if text is not None else self.store.article_text(article_id)
            )
        return self._texts[article_id]

    def remember(self, article: Article) -> None:
        """An article written in this run: later articles may be copies of it."""
        self._texts[article.id] = shingles(article.text)

    def find(
        self, article: Article, first_chunk_vector: list[float], pending: dict[str, tuple]
    ) -> str | None:
        """The canonical id this article copies, or None.

        `pending` maps ids of articles in the current (unwritten) batch to (article, vector).
        """
        import numpy as np

        mine = shingles(article.text)
        v = np.asarray(first_chunk_vector)
        for aid, (other, other_vec) in pending.items():
            close = aid != article.id and float(np.dot(v, np.asarray(other_vec))) >= CANDIDATE_SIMILARITY
            if close and containment(mine, self._shingles_of(aid, other.text)) >= CONTAINMENT:
                return aid
        for _cid, meta, _text, sim in self.store.query(first_chunk_vector, 4, where={"chunk": 0}):
            aid = meta.get("article_id", "")
            if sim < CANDIDATE_SIMILARITY or not aid or aid == article.id:
                continue
            if containment(mine, self._shingles_of(aid)) >= CONTAINMENT:
                return aid
        return None
