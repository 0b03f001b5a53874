"""A LangChain retriever over the store, with date/outlet filters and a per-article cap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from briefing.results import Source

CANDIDATES_PER_RESULT = 4  # dense candidates fetched per chunk kept, before the article cap


@dataclass(frozen=True)
class Filters:
    """Date range (inclusive) and outlets; turned into a Chroma `where` clause."""

    since: date | None = None
    until: date | None = None
    sources: tuple[str, ...] = ()

    def where(self) -> dict | None:
        clauses: list[dict[str, Any]] = []
        if self.since:
            clauses.append({"published_int": {"$gte": int(self.since.strftime("%Y%m%d"))}})
        if self.until:
            clauses.append({"published_int": {"$lte": int(self.until.strftime("%Y%m%d"))}})
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.sources)


class NewsRetriever(BaseRetriever):
    """Dense retrieval from Chroma: top-k chunks above a similarity floor, at most
    `per_article` chunks from any one article so a long piece cannot fill the context."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any
    embeddings: Any
    k: int = 6
    min_relevance: float = 0.2
    per_article: int = 3
    filters: Filters = Filters()

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None
    ) -> list[Document]:
        vector = self.embeddings.embed_query(query)
        hits = self.store.query(vector, self.k * CANDIDATES_PER_RESULT, where=self.filters.where())
        per: dict[str, int] = {}
        docs: list[Document] = []
        for chunk_id, meta, text, score in hits:
            if score < self.min_relevance:
                continue
            aid = meta.get("article_id", "")
            if per.get(aid, 0) >= self.per_article:
                continue
            per[aid] = per.get(aid, 0) + 1
            docs.append(Document(page_content=text, id=chunk_id, metadata=meta | {"score": score}))
            if len(docs) >= self.k:
                break
        return docs


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
        snippet = (
            d.page_content[:snippet_chars].rsplit(" ", 1)[0] + "…"
            if len(d.page_content) > snippet_chars
            else d.page_content
        )
        sources.append(
            Source(
                n=numbers[aid],
                article_id=aid,
                title=m.get("title", ""),
                source=m.get("source", ""),
                url=m.get("url", ""),
                published=m.get("published", ""),
                snippet=snippet,
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
        ordered = sorted(parts, key=lambda d: int(d.metadata.get("chunk", 0)))
        blocks.append(head + "\n" + "\n...\n".join(d.page_content for d in ordered))
    return "\n\n".join(blocks)
