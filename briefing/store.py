"""Chroma: the one place that knows the client, the collection and its chunk metadata.

Embedded `PersistentClient` on `store_dir` by default, `HttpClient` when `chroma_url` is set.
We always pass our own vectors, never a Chroma embedding function (Chroma's default one
would try to download a model). The collection records which embedding model built it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar
from urllib.parse import urlsplit

from briefing.config import Settings

T = TypeVar("T")
GET_PAGE = 5000  # ids fetched per `get` when listing a whole collection


def join_chunks(parts: Iterable[tuple[dict, str]]) -> str:
    """An article's text from its (metadata, chunk) pairs in chunk order: each chunk's `start`
    offset says where it begins, so the splitter's overlaps are removed."""
    text = ""
    for meta, chunk in parts:
        start = int(meta.get("start", len(text)))
        text = text[:start] + chunk if start <= len(text) else text + "\n\n" + chunk
    return text


class StoreError(RuntimeError):
    """The store cannot be used as asked; the message says what to do."""


class EmbeddingMismatchError(StoreError):
    """The collection was built with another embedding model than the one configured."""


@dataclass(frozen=True)
class ArticleInfo:
    """What the store knows about one article, assembled from its chunks' metadata."""

    article_id: str
    title: str
    source: str
    url: str
    published: str
    chunks: int
    expected_chunks: int
    content_hash: str
    origin: str

    @property
    def complete(self) -> bool:
        return self.chunks == self.expected_chunks


def _client(settings: Settings):  # noqa: ANN202 - chromadb.ClientAPI, imported lazily
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        parts = urlsplit(settings.chroma_url)
        if not parts.hostname:
            raise StoreError(f"bad BRIEFING_CHROMA_URL {settings.chroma_url!r}")
        return chromadb.HttpClient(
            host=parts.hostname,
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            settings=chroma_settings,
        )
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.store_dir), settings=chroma_settings)


def is_transient(exc: BaseException) -> bool:
    """A failure a retry can cure: the server is down, restarting, overloaded or slow.

    chromadb's HttpClient lets httpx transport errors through (ConnectError, ReadTimeout,
    RemoteProtocolError when a server dies mid-request), answers 5xx/429 as chromadb errors,
    and raises a bare ValueError("Could not connect to a Chroma server...") when the client is
    built while the server is down.
    """
    import httpx
    from chromadb import errors as chroma_errors

    if isinstance(exc, httpx.TransportError):
        return True
    if isinstance(exc, (chroma_errors.InternalError, chroma_errors.RateLimitError)):
        return True
    if isinstance(exc, ValueError) and "could not connect to a chroma server" in str(exc).lower():
        return True
    name = type(exc).__name__
    return isinstance(exc, OSError) and any(w in name for w in ("Connection", "Timeout"))


def with_retries(fn: Callable[[], T], what: str, attempts: int = 4, base_delay: float = 0.5) -> T:
    """Retry a call to a Chroma *server* with exponential backoff, then fail with a clear error.

    Every call we retry is idempotent (upsert by id, delete by id, reads), so a request that
    reached the server before the connection broke is safe to send again.
    """
    for attempt in range(attempts):
        try:
            return fn()
        except Exception as exc:
            transient = is_transient(exc)
            if not transient or attempt == attempts - 1:
                if transient:
                    raise StoreError(
                        f"Chroma server unreachable while trying to {what} "
                        f"({attempts} attempts, {type(exc).__name__}: {exc}); is `chroma run` up?"
                    ) from exc
                raise
            time.sleep(base_delay * 2**attempt)
    raise AssertionError("unreachable")


class Store:
    """A Chroma collection of article chunks, with article-level helpers."""

    def __init__(self, settings: Settings, embedding_id: str) -> None:
        self.settings = settings
        self.embedding_id = embedding_id
        self._remote = bool(settings.chroma_url)
        self.client = self._call(lambda: _client(settings), "connect")
        self.collection = self._open()

    def _call(self, fn: Callable[[], T], what: str) -> T:
        return with_retries(fn, what) if self._remote else fn()

    def _open(self):  # noqa: ANN202 - chromadb Collection
        name = self.settings.collection
        col = self._call(
            lambda: self.client.get_or_create_collection(
                name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": self.embedding_id},
            ),
            "open the collection",
        )
        built_with = (col.metadata or {}).get("embedding_model")
        if built_with is None:
            self._call(
                lambda: col.modify(metadata={**(col.metadata or {}), "embedding_model": self.embedding_id}),
                "label the collection",
            )
        elif built_with != self.embedding_id:
            raise EmbeddingMismatchError(
                f"collection {name!r} at {self.settings.store_location()} was built with embedding "
                f"model {built_with!r}, but {self.embedding_id!r} is configured. Either set the "
                f"embedding model back (BRIEFING_EMBEDDING_MODEL / BRIEFING_EMBEDDING_PROVIDER), or "
                f"rebuild: `briefing ingest --rebuild PATH...` (or use another --store / collection)."
            )
        return col

    # ------------------------------------------------------------ writing

    def upsert(self, ids: list[str], embeddings: Any, documents: list[str], metadatas: list[dict]) -> None:
        limit = (
            self._call(self.client.get_max_batch_size, "ask the batch size")
            if hasattr(self.client, "get_max_batch_size")
            else 5000
        )
        for s in range(0, len(ids), limit):
            self._call(
                lambda s=s: self.collection.upsert(
                    ids=ids[s : s + limit],
                    embeddings=embeddings[s : s + limit],
                    documents=documents[s : s + limit],
                    metadatas=metadatas[s : s + limit],
                ),
                "write chunks",
            )

    def delete_articles(self, article_ids: Iterable[str]) -> None:
        """Delete articles' chunks, and forget the syndicated copies merged into them."""
        ids = list(article_ids)
        for s in range(0, len(ids), 500):
            part = ids[s : s + 500]
            self._call(lambda p=part: self.collection.delete(where={"article_id": {"$in": p}}), "delete")
            self._call(lambda p=part: self.aliases.delete(where={"canonical": {"$in": p}}), "delete copies")
            self._call(lambda p=part: self.aliases.delete(ids=p), "delete copies")

    def reset(self) -> None:
        """Drop and recreate the collection (used by `ingest --rebuild`)."""
        name = self.settings.collection
        try:
            self._call(lambda: self.client.delete_collection(name), "delete the collection")
        except Exception as exc:
            if "not" not in str(exc).lower():
                raise
        try:
            self._call(lambda: self.client.delete_collection(f"{name}_aliases"), "delete the copies")
        except Exception as exc:
            if "not" not in str(exc).lower():
                raise
        self.__dict__.pop("aliases", None)
        self.collection = self._open()

    # ------------------------------------------------------------ reading

    def count_chunks(self) -> int:
        return self._call(self.collection.count, "count")

    def metadatas(self, where: dict | None = None, ids: list[str] | None = None) -> Iterator[dict]:
        """Chunk metadata, paged so a big collection never loads at once."""
        offset = 0
        while True:
            page = self._call(
                lambda offset=offset: self.collection.get(
                    ids=ids, where=where, include=["metadatas"], limit=GET_PAGE, offset=offset
                ),
                "read metadata",
            )
            yield from (m or {} for m in page["metadatas"])
            if len(page["ids"]) < GET_PAGE:
                return
            offset += GET_PAGE

    def articles(self, where: dict | None = None) -> dict[str, ArticleInfo]:
        """Every article with its chunk count (an incomplete one was cut off mid-write)."""
        seen: dict[str, dict] = {}
        counts: dict[str, int] = {}
        hashes: dict[str, set[str]] = {}
        for m in self.metadatas(where=where):
            aid = m.get("article_id")
            if not aid:
                continue
            counts[aid] = counts.get(aid, 0) + 1
            hashes.setdefault(aid, set()).add(m.get("content_hash", ""))
            seen.setdefault(aid, m)
        return {
            aid: ArticleInfo(
                article_id=aid,
                title=m.get("title", ""),
                source=m.get("source", ""),
                url=m.get("url", ""),
                published=m.get("published", ""),
                chunks=counts[aid],
                expected_chunks=int(m.get("n_chunks", 0)) if len(hashes[aid]) == 1 else -1,
                content_hash=m.get("content_hash", "") if len(hashes[aid]) == 1 else "",
                origin=m.get("origin", ""),
            )
            for aid, m in seen.items()
        }

    def article_chunks(self, article_id: str) -> list[tuple[dict, str]]:
        """The chunks of one article as (metadata, text), in order."""
        page = self._call(
            lambda: self.collection.get(where={"article_id": article_id}, include=["metadatas", "documents"]),
            "read an article",
        )
        pairs = list(zip(page["metadatas"], page["documents"], strict=True))
        return sorted(pairs, key=lambda p: int(p[0].get("chunk", 0)))

    def query(
        self, embedding: list[float], k: int, where: dict | None = None, ids: list[str] | None = None
    ) -> list[tuple[str, dict, str, float]]:
        """Nearest chunks as (id, metadata, text, cosine similarity), best first.

        `ids` restricts the search to those chunks (much faster in Chroma than a `where`).
        """
        if ids is not None and not ids:
            return []
        res = self._call(
            lambda: self.collection.query(
                query_embeddings=[embedding],
                n_results=k,  # Chroma returns fewer when it holds fewer
                where=where,
                ids=ids,
                include=["metadatas", "documents", "distances"],
            ),
            "search",
        )
        return [
            (i, m or {}, d or "", 1.0 - float(dist))
            for i, m, d, dist in zip(
                res["ids"][0], res["metadatas"][0], res["documents"][0], res["distances"][0], strict=True
            )
        ]

    # ------------------------------------------------------------ collection-level stamps

    def _meta(self) -> dict:
        name = self.settings.collection
        col = self._call(lambda: self.client.get_collection(name, embedding_function=None), "read")
        return dict(col.metadata or {})

    def generation(self) -> int:
        """A counter bumped by every write; derived indexes (BM25) rebuild when it moves."""
        return int(self._meta().get("generation", 0))

    def newest_date(self) -> str | None:
        """The newest `published` date in the collection (kept at ingest; scanned if unknown)."""
        meta = self._meta()
        if "newest_published" in meta:
            return meta["newest_published"] or None
        dates = [m.get("published", "") for m in self.metadatas()]
        return max((d for d in dates if d), default=None)

    def outlets(self) -> list[str]:
        """Every outlet name seen at ingest (kept on the collection; scanned if unknown)."""
        meta = self._meta()
        if "outlets" in meta:
            return json.loads(meta["outlets"])
        return sorted({m.get("source", "") for m in self.metadatas()} - {""})

    def touch(self, newest: str | None = None, outlets: Iterable[str] = ()) -> None:
        """Record a write: bump the generation; remember a newer newest date and new outlets."""
        meta = self._meta()
        meta["generation"] = int(meta.get("generation", 0)) + 1
        known = set(json.loads(meta.get("outlets", "[]"))) | {o for o in outlets if o}
        meta["outlets"] = json.dumps(sorted(known))
        if newest and newest > str(meta.get("newest_published", "")):
            meta["newest_published"] = newest
        elif newest is None and self.count_chunks() == 0:
            meta["newest_published"] = ""
        meta.pop("hnsw:space", None)
        self._call(lambda: self.collection.modify(metadata=meta), "update the collection's stamps")

    def all_chunks(self, embeddings: bool = False) -> Iterator[tuple]:
        """Every chunk as (id, metadata, text), or (id, metadata, text, embedding), paged."""
        offset = 0
        include = ["metadatas", "documents"] + (["embeddings"] if embeddings else [])
        while True:
            page = self._call(
                lambda offset=offset: self.collection.get(include=include, limit=GET_PAGE, offset=offset),
                "read chunks",
            )
            metas = (m or {} for m in page["metadatas"])
            if embeddings:
                yield from zip(page["ids"], metas, page["documents"], page["embeddings"], strict=True)
            else:
                yield from zip(page["ids"], metas, page["documents"], strict=True)
            if len(page["ids"]) < GET_PAGE:
                return
            offset += GET_PAGE

    def get_chunks(self, ids: list[str], embeddings: bool = False) -> dict[str, tuple[dict, str, Any]]:
        """Chunks by id: id → (metadata, text, embedding or None)."""
        if not ids:
            return {}
        include = ["metadatas", "documents"] + (["embeddings"] if embeddings else [])
        page = self._call(lambda: self.collection.get(ids=ids, include=include), "read chunks")
        vecs = page.get("embeddings") if embeddings else None
        return {
            i: (m or {}, d or "", vecs[n] if vecs is not None else None)
            for n, (i, m, d) in enumerate(zip(page["ids"], page["metadatas"], page["documents"], strict=True))
        }

    # ------------------------------------------------------------ syndicated copies

    @cached_property
    def aliases(self):  # noqa: ANN201 - chromadb Collection
        """Copies of stored articles (same wire story, another outlet): id → canonical article.

        Kept in a small side collection so a re-ingested copy is recognised as unchanged
        without storing its chunks twice. Records carry a dummy 1-d vector (Chroma needs one).
        """
        name = f"{self.settings.collection}_aliases"
        return self._call(lambda: self.client.get_or_create_collection(name, embedding_function=None), "open")

    def get_aliases(self, ids: list[str]) -> dict[str, dict]:
        if not ids:
            return {}
        page = self._call(lambda: self.aliases.get(ids=ids, include=["metadatas"]), "read copies")
        return {i: m or {} for i, m in zip(page["ids"], page["metadatas"], strict=True)}

    def aliases_of(self, canonical_ids: list[str]) -> dict[str, list[dict]]:
        """canonical id → metadata of the copies merged into it."""
        if not canonical_ids:
            return {}
        where = {"canonical": {"$in": canonical_ids}}
        page = self._call(lambda: self.aliases.get(where=where, include=["metadatas"]), "read copies")
        out: dict[str, list[dict]] = {}
        for i, m in zip(page["ids"], page["metadatas"], strict=True):
            out.setdefault(m["canonical"], []).append({"article_id": i, **m})
        for copies in out.values():
            copies.sort(key=lambda c: (c.get("source", ""), c["article_id"]))
        return out

    def add_aliases(self, records: dict[str, dict]) -> None:
        if records:
            ids = list(records)
            self._call(
                lambda: self.aliases.upsert(
                    ids=ids, embeddings=[[1.0]] * len(ids), metadatas=[records[i] for i in ids]
                ),
                "record copies",
            )

    def article_text(self, article_id: str) -> str:
        """An article's full text, rebuilt from its chunks (their overlaps removed)."""
        return join_chunks(self.article_chunks(article_id))

    def set_article_metadata(self, article_id: str, **fields: Any) -> None:
        """Change metadata fields on every chunk of an article (e.g. its syndicated copies)."""
        page = self._call(
            lambda: self.collection.get(where={"article_id": article_id}, include=["metadatas"]), "read"
        )
        if page["ids"]:
            metas = [(m or {}) | fields for m in page["metadatas"]]
            self._call(lambda: self.collection.update(ids=page["ids"], metadatas=metas), "update")
