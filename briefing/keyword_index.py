"""BM25 keyword index over the collection's chunks (bm25s), persisted beside the store.

Chroma is the source of truth. The index is rebuilt from it whenever the collection's
`generation` stamp (bumped by every ingest or delete) differs from the one the index was
built at, so it stays in step with ingest, also when another process wrote, and a missing
or corrupt index file costs one rebuild, never a wrong answer.
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
    """One BM25 index per collection; `search` applies date/outlet filters as a weight mask."""

    def __init__(self, store: Any, directory: Path | None) -> None:
        self.store = store
        self.directory = directory
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._bm25: Any = None
        self._ids: list[str] = []
        self._dates: Any = None  # np.ndarray[int] of published_int per chunk
        self._sources: Any = None  # np.ndarray[str]

    @staticmethod
    def directory_for(settings: Any) -> Path:
        """`<store_dir>/bm25/<collection>`; for a Chroma server, a per-server cache folder."""
        if settings.chroma_url:
            key = hashlib.sha256(settings.chroma_url.encode()).hexdigest()[:12]
            return Path.home() / ".cache" / "briefing" / "bm25" / f"{key}-{settings.collection}"
        return Path(settings.store_dir) / "bm25" / settings.collection

    # ------------------------------------------------------------ building

    def ensure_current(self) -> None:
        """Load or rebuild so the index matches the collection's current generation."""
        gen = self.store.generation()
        if self._generation == gen and self._bm25 is not None:
            return
        with self._lock:
            if self._generation == gen and self._bm25 is not None:
                return
            if not self._load(gen):
                self._build(gen)

    def _load(self, gen: int) -> bool:
        import bm25s
        import numpy as np

        if not self.directory or not (self.directory / "meta.json").exists():
            return False
        try:
            meta = json.loads((self.directory / "meta.json").read_text())
            if meta.get("generation") != gen:
                return False
            ids = meta["ids"]
            bm25 = bm25s.BM25.load(str(self.directory / "index"), show_progress=False) if ids else None
            dates = np.asarray(meta["dates"], dtype=np.int64)
            sources = np.asarray(meta["sources"], dtype=object)
        except (OSError, ValueError, KeyError):
            return False  # unreadable: rebuild
        self._bm25, self._ids, self._dates, self._sources, self._generation = bm25, ids, dates, sources, gen
        return True

    def _build(self, gen: int) -> None:
        import bm25s
        import numpy as np

        ids, texts, dates, sources = [], [], [], []
        for chunk_id, meta, text in self.store.all_chunks():
            ids.append(chunk_id)
            texts.append(f"{meta.get('title', '')}\n{text}" if int(meta.get("chunk", 0)) == 0 else text)
            dates.append(int(meta.get("published_int", 0)))
            sources.append(meta.get("source", ""))
        bm25 = None
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(tokenize(texts, return_ids=True), show_progress=False)
        self._bm25, self._ids, self._generation = bm25, ids, gen
        self._dates, self._sources = np.asarray(dates, dtype=np.int64), np.asarray(sources, dtype=object)
        self._save(gen)

    def _save(self, gen: int) -> None:
        if not self.directory:
            return
        tmp = self.directory.with_name(self.directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(tmp / "index"), show_progress=False)
        meta = {
            "generation": gen,
            "ids": self._ids,
            "dates": self._dates.tolist(),
            "sources": list(self._sources),
        }
        (tmp / "meta.json").write_text(json.dumps(meta))
        shutil.rmtree(self.directory, ignore_errors=True)
        tmp.rename(self.directory)  # readers see the old index or the new one, never half of one

    # ------------------------------------------------------------ searching

    def _mask(self, filters: Filters):  # noqa: ANN202 - np.ndarray[bool]
        import numpy as np

        keep = np.ones(len(self._ids), dtype=bool)
        if filters.since:
            keep &= self._dates >= int(filters.since.strftime("%Y%m%d"))
        if filters.until:
            keep &= self._dates <= int(filters.until.strftime("%Y%m%d"))
        if filters.sources:
            keep &= np.isin(self._sources, list(filters.sources))
        return keep

    def matching_ids(self, filters: Filters) -> list[str]:
        """Ids of every chunk that passes the filters (lets dense search skip Chroma's slow `where`)."""
        import numpy as np

        self.ensure_current()
        return [self._ids[i] for i in np.nonzero(self._mask(filters))[0]]

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
            tokens, k=min(k, len(self._ids)), show_progress=False, weight_mask=mask, n_threads=1
        )
        return [
            KeywordHit(self._ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0
        ]
