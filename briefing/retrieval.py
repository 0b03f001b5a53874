"""Hybrid retrieval as a LangChain retriever: dense (Chroma) + BM25, fused by reciprocal rank.

Filters (date range, outlets) are pushed down into both sides: Chroma's `where` and a BM25
weight mask. A per-article cap keeps one long article from filling the context; optional MMR
trades a little relevance for diversity. If one side fails or finds nothing, the other still
answers, and the notes say so (peers silently return nothing here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from briefing.filters import Filters
from briefing.results import Source, syndicated_from

__all__ = ["Filters", "NewsRetriever", "Retrieved", "format_context", "number_sources"]

RRF_K = 60  # the usual reciprocal-rank constant: rank 1 → 1/61
KEYWORD_FLOOR = 0.2  # BM25 hits scoring below this share of the best one are noise


@dataclass
class Retrieved:
    """Chunks found for a query, and what the retriever has to say about how it found them."""

    docs: list[Document]
    notes: list[str] = field(default_factory=list)


class NewsRetriever(BaseRetriever):
    """Top-k chunks for a query, from dense and keyword search fused by reciprocal rank."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any
    embeddings: Any
    keyword_index: Any = None
    k: int = 6
    min_relevance: float = 0.2
    per_article: int = 3
    filters: Filters = Filters()
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    mmr: bool = False
    mmr_lambda: float = 0.7

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None
    ) -> list[Document]:
        return self.retrieve(query).docs

    def retrieve(self, query: str) -> Retrieved:
        """Like `invoke`, plus notes on a failed or empty side."""
        n = max(self.k * 4, 20)
        notes: list[str] = []
        dense: list[tuple[str, dict, str, float]] = []
        keyword: list[tuple[str, float]] = []
        where = self.filters.where()
        if self.mode in ("hybrid", "dense"):
            try:
                vector = self.embeddings.embed_query(query)
                hits = self._dense(vector, n, where)
                dense = [h for h in hits if h[3] >= self.min_relevance]
            except Exception as exc:
                if self.mode == "dense" or self.keyword_index is None:
                    raise
                notes.append(f"semantic search failed ({type(exc).__name__}: {exc}); keyword results only")
        if self.mode in ("hybrid", "bm25") and self.keyword_index is not None:
            try:
                hits = self.keyword_index.search(query, n, self.filters)
                top = hits[0].score if hits else 0.0
                keyword = [(h.chunk_id, h.score) for h in hits if h.score >= KEYWORD_FLOOR * top]
            except Exception as exc:
                if self.mode == "bm25":
                    raise
                notes.append(f"keyword search failed ({type(exc).__name__}: {exc}); semantic results only")
        if self.mode == "hybrid" and not notes and bool(dense) != bool(keyword):
            notes.append("only semantic search matched" if dense else "only keyword search matched")
        return Retrieved(self._fuse(dense, keyword), notes)

    def _dense(self, vector: list[float], n: int, where: dict | None) -> list[tuple[str, Any, Any, float]]:
        """Nearest chunks: Chroma's index, or, with filters, an exact search in the sidecar over
        the chunks that pass them (a filtered Chroma query took ~390 ms at 100k chunks)."""
        if where and self.keyword_index is not None:
            try:
                hits = self.keyword_index.filtered_dense(vector, n, self.filters)
                return [(cid, None, None, sim) for cid, sim in hits]
            except Exception:  # noqa: BLE001 - fall back to Chroma's own filtering
                pass
        return self.store.query(vector, n, where=where)

    def _fuse(
        self, dense: list[tuple[str, dict, str, float]], keyword: list[tuple[str, float]]
    ) -> list[Document]:
        fused: dict[str, float] = {}
        for rank, (cid, *_rest) in enumerate(dense):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, (cid, _score) in enumerate(keyword):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        if not fused:
            return []
        sides = (1 if dense else 0) + (1 if keyword else 0)
        best = sides / (RRF_K + 1)
        found = {cid: (meta, text) for cid, meta, text, _ in dense if meta is not None}
        dense_score = {cid: s for cid, _, _, s in dense}
        kw_score = dict(keyword)
        order = sorted(fused, key=lambda c: (-fused[c], c))
        if not self.mmr:  # cap first (chunk ids are "<article id>:<n>"), then fetch only what is kept
            order = self._cap_ids(order)
        missing = [c for c in order if c not in found]
        vectors: dict[str, Any] = {}
        if missing or self.mmr:
            got = self.store.get_chunks(missing if not self.mmr else order, embeddings=self.mmr)
            for cid, (meta, text, vec) in got.items():
                found.setdefault(cid, (meta, text))
                vectors[cid] = vec
        docs = []
        for cid in order:
            if cid not in found:
                continue  # deleted between the two searches
            meta, text = found[cid]
            extra = {
                "score": round(fused[cid] / best, 4),
                "dense_score": dense_score.get(cid),
                "keyword_score": kw_score.get(cid),
            }
            docs.append(
                Document(
                    page_content=text,
                    id=cid,
                    metadata=meta | {k: v for k, v in extra.items() if v is not None},
                )
            )
        if self.mmr:
            docs = self._mmr(docs, vectors)
        return self._cap(docs)

    def _cap_ids(self, order: list[str]) -> list[str]:
        """The first k ids, at most `per_article` from one article (ids are "<article id>:<n>")."""
        per: dict[str, int] = {}
        out = []
        for cid in order:
            aid = cid.rsplit(":", 1)[0]
            if per.get(aid, 0) < self.per_article:
                per[aid] = per.get(aid, 0) + 1
                out.append(cid)
                if len(out) >= self.k:
                    break
        return out

    def _cap(self, docs: list[Document]) -> list[Document]:
        keep = set(self._cap_ids([d.id for d in docs]))
        return [d for d in docs if d.id in keep]

    def _mmr(self, docs: list[Document], vectors: dict[str, Any]) -> list[Document]:
        """Maximal marginal relevance over the fused ranking (relevance = fused score)."""
        import numpy as np

        pool = [d for d in docs if vectors.get(d.id) is not None]
        chosen: list[Document] = []
        while pool and len(chosen) < self.k * 2:

            def gain(d: Document) -> float:
                if not chosen:
                    return d.metadata["score"]
                v = np.asarray(vectors[d.id])
                sim = max(float(np.dot(v, np.asarray(vectors[c.id]))) for c in chosen)
                return self.mmr_lambda * d.metadata["score"] - (1 - self.mmr_lambda) * sim

            best = max(pool, key=gain)
            chosen.append(best)
            pool.remove(best)
        return chosen


def number_sources(docs: list[Document], snippet_chars: int = 300) -> tuple[list[Source], dict[str, int]]:
    """One numbered `Source` per article, in rank order; and article_id → number."""
    numbers: dict[str, int] = {}
    sources: list[Source] = []
    for d in docs:
        m = d.metadata
        aid = m.get("article_id", "")
        if aid in numbers:
            continue
        numbers[aid] = len(sources) + 1
        text = d.page_content
        snippet = text[:snippet_chars].rsplit(" ", 1)[0] + "…" if len(text) > snippet_chars else text
        sources.append(
            Source(
                n=numbers[aid],
                article_id=aid,
                title=m.get("title", ""),
                source=m.get("source", ""),
                url=m.get("url", ""),
                published=m.get("published", ""),
                snippet=snippet,
                syndicated=syndicated_from(m),
            )
        )
    return sources, numbers


def format_context(docs: list[Document], numbers: dict[str, int]) -> str:
    """The retrieved text as numbered blocks for a prompt, grouped by article."""
    by_article: dict[str, list[Document]] = {}
    for d in docs:
        by_article.setdefault(d.metadata.get("article_id", ""), []).append(d)
    blocks = []
    for aid, parts in by_article.items():
        m = parts[0].metadata
        head = f"[{numbers[aid]}] {m.get('title', '')}"
        if m.get("source"):
            head += f" ({m['source']}"
            head += f", {m['published']})" if m.get("published") else ")"
        elif m.get("published"):
            head += f" ({m['published']})"
        also = [c["source"] for c in syndicated_from(m) if c.get("source")]
        if also:
            head += " [also published by " + ", ".join(also) + "]"
        ordered = sorted(parts, key=lambda d: int(d.metadata.get("chunk", 0)))
        blocks.append(head + "\n" + "\n...\n".join(d.page_content for d in ordered))
    return "\n\n".join(blocks)
