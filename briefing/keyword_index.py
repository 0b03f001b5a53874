"""Derived indexes beside the store: BM25 keyword search, and fast filtered vector search.

Chroma is the source of truth. This sidecar holds, per chunk: a BM25 index (bm25s), its date
and outlet (as arrays, for filters), and its embedding (float16). It is rebuilt from Chroma
whenever the collection's `generation` stamp (bumped by every ingest or delete) differs from
the one it was built at, so it stays in step with ingest, also when another process wrote,
and a missing or corrupt sidecar costs one rebuild, never a wrong answer.

Why the embeddings: a filtered Chroma query (`where` on date and outlet) took ~390 ms at 100k
chunks here, against ~2 ms unfiltered; an exact dot product over the chunks that pass the
filter, with the vectors in memory, takes about a millisecond.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefing.filters import Filters

_WORD = re.compile(r"(?u)\b\w\w+\b")
FORMAT = 3  # bump when the files below change shape, or the tokenizer does


def _stem_words(words: list[str]) -> list[str]:
    from briefing.extractive import _stem

    return [_stem(w) for w in words]


def tokenize(texts: list[str], *, return_ids: bool):  # noqa: ANN201 - bm25s Tokenized or list[list[str]]
    import bm25s

    return bm25s.tokenize(
        texts, lower=True, stopwords="en", stemmer=_stem_words, return_ids=return_ids, show_progress=False
    )


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    score: float


class KeywordIndex:
    """One sidecar per collection: BM25 search and exact vector search, both filterable."""

    def __init__(self, store: Any, directory: Path | None) -> None:
        self.store = store
        self.directory = directory
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._bm25: Any = None
        self._ids: list[str] = []
        self._dates: Any = None  # np.ndarray[int64]: published_int per chunk
        self._codes: Any = None  # np.ndarray[int32]: outlet index per chunk
        self._outlets: list[str] = []
        self._vectors: Any = None  # np.ndarray[float16] [chunks, dims]
        self._masks: dict[tuple, Any] = {}

    @staticmethod
    def directory_for(settings: Any) -> Path:
        """`<store_dir>/bm25/<collection>`; for a Chroma server, a per-server cache folder."""
        if settings.chroma_url:
            key = hashlib.sha256(settings.chroma_url.encode()).hexdigest()[:12]
            return Path.home() / ".cache" / "briefing" / "bm25" / f"{key}-{settings.collection}"
        return Path(settings.store_dir) / "bm25" / settings.collection

    # ------------------------------------------------------------ building

    def ensure_current(self) -> None:
        """Load or rebuild so the sidecar matches the collection's current generation."""
        gen = self.store.generation()
        if self._generation == gen:
            return
        with self._lock:
            if self._generation == gen:
                return
            if not self._load(gen):
                self._build(gen)
            self._masks = {}

    def _load(self, gen: int) -> bool:
        import bm25s
        import numpy as np

        d = self.directory
        if not d or not (d / "meta.json").exists():
            return False
        try:
            meta = json.loads((d / "meta.json").read_text())
            if meta.get("generation") != gen or meta.get("format") != FORMAT:
                return False
            ids = meta["ids"]
            bm25 = bm25s.BM25.load(str(d / "index"), show_progress=False) if ids else None
            arrays = np.load(d / "arrays.npz")
            dates, codes, vectors = arrays["dates"], arrays["codes"], arrays["vectors"]
            if not (len(ids) == len(dates) == len(codes) == len(vectors)):
                return False
        except (OSError, ValueError, KeyError):
            return False  # unreadable: rebuild
        self._bm25, self._ids, self._generation = bm25, ids, gen
        self._dates, self._codes, self._outlets, self._vectors = dates, codes, meta["outlets"], vectors
        return True

    def _build(self, gen: int) -> None:
        import bm25s
        import numpy as np

        ids, texts, dates, codes, vectors = [], [], [], [], []
        outlets: dict[str, int] = {}
        for chunk_id, meta, text, vec in self.store.all_chunks(embeddings=True):
            ids.append(chunk_id)
            texts.append(f"{meta.get('title', '')}\n{text}" if int(meta.get("chunk", 0)) == 0 else text)
            dates.append(int(meta.get("published_int", 0)))
            codes.append(outlets.setdefault(meta.get("source", ""), len(outlets)))
            vectors.append(vec)
        bm25 = None
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(tokenize(texts, return_ids=True), show_progress=False)
        self._bm25, self._ids, self._generation, self._outlets = bm25, ids, gen, list(outlets)
        self._dates = np.asarray(dates, dtype=np.int64)
        self._codes = np.asarray(codes, dtype=np.int32)
        self._vectors = np.asarray(vectors, dtype=np.float16).reshape(len(ids), -1)
        self._save(gen)

    def _save(self, gen: int) -> None:
        import numpy as np

        if not self.directory:
            return
        tmp = self.directory.with_name(self.directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(tmp / "index"), show_progress=False)
        np.savez(tmp / "arrays.npz", dates=self._dates, codes=self._codes, vectors=self._vectors)
        meta = {"format": FORMAT, "generation": gen, "ids": self._ids, "outlets": self._outlets}
        (tmp / "meta.json").write_text(json.dumps(meta))
        shutil.rmtree(self.directory, ignore_errors=True)
        tmp.rename(self.directory)  # readers see the old sidecar or the new one, never half of one

    # ------------------------------------------------------------ searching

    def _mask(self, filters: Filters):  # noqa: ANN202 - np.ndarray[bool], cached per filter
        import numpy as np

        key = (self._generation, filters.since, filters.until, filters.sources)
        if key not in self._masks:
            keep = np.ones(len(self._ids), dtype=bool)
            if filters.since:
                keep &= self._dates >= int(filters.since.strftime("%Y%m%d"))
            if filters.until:
                keep &= self._dates <= int(filters.until.strftime("%Y%m%d"))
            if filters.sources:
                wanted = [i for i, name in enumerate(self._outlets) if name in filters.sources]
                keep &= np.isin(self._codes, wanted)
            if len(self._masks) > 64:
                self._masks.clear()
            self._masks[key] = keep
        return self._masks[key]

    def filtered_dense(self, vector: list[float], n: int, filters: Filters) -> list[tuple[str, float]]:
        """Exact cosine search over the chunks that pass the filters: (chunk id, similarity)."""
        import numpy as np

        self.ensure_current()
        rows = np.nonzero(self._mask(filters))[0]
        if not len(rows):
            return []
        sims = self._vectors[rows].astype(np.float32) @ np.asarray(vector, dtype=np.float32)
        top = np.argsort(-sims)[:n] if len(rows) > n else np.argsort(-sims)
        return [(self._ids[rows[i]], float(sims[i])) for i in top]

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[KeywordHit]:
        """Top-k chunks by BM25 that pass the filters (score > 0 only)."""
        import numpy as np

        self.ensure_current()
        if self._bm25 is None or not _WORD.search(query):
            return []
        mask = None
        if filters:
            keep = self._mask(filters)
            if not keep.any():
                return []
            mask = keep.astype(np.float32)
        tokens = tokenize([query], return_ids=False)
        if not tokens or not tokens[0]:
            return []
        docs, scores = self._bm25.retrieve(
            tokens, k=min(k, len(self._ids)), show_progress=False, weight_mask=mask, n_threads=0
        )
        return [
            KeywordHit(self._ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0
        ]
