"""`Briefing`: the Python API that the CLI, the web app and users' scripts all call."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.config import Settings
from briefing.ingest import Ingestor, IngestReport, Progress
from briefing.results import Answer, AnswerChunk, SearchHit, SearchResults, Stats, syndicated_from

if TYPE_CHECKING:
    from briefing.articles import Article
    from briefing.brief import BriefResult
    from briefing.digest import DailyBriefing
    from briefing.retrieval import NewsRetriever
    from briefing.store import ArticleInfo

DateLike = date | str | None
Outlets = Sequence[str] | str | None


def _filters(since: DateLike, until: DateLike, sources: Outlets):  # noqa: ANN202
    from briefing.articles import parse_date
    from briefing.retrieval import Filters

    if isinstance(sources, str):
        sources = [sources]
    return Filters(since=parse_date(since), until=parse_date(until), sources=tuple(sources or ()))


class Briefing:
    """A news collection you can ingest into, ask, search and brief from.

    >>> b = Briefing.from_settings(store_dir="vectorstore")
    >>> b.ingest(["samples/news"])
    >>> b.ask("Who did Putin blame for the escalation in Gaza?").answer
    """

    def __init__(self, settings: Settings | None = None, *, embeddings: Any = None) -> None:
        """`embeddings`: any LangChain `Embeddings` to use instead of the configured one
        (its `model_id` attribute, if any, names it on the collection)."""
        self.settings = settings or Settings()
        self._embedding_id: str | None = getattr(embeddings, "model_id", None)
        if embeddings is not None:
            self.embeddings = embeddings  # fills the cached_property

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> Briefing:
        """From env/.env settings, with keyword overrides (`store_dir=`, `writer=`, ...)."""
        return cls((settings or Settings()).with_overrides(**overrides))

    # ------------------------------------------------------------ parts (built on first use)

    @cached_property
    def embeddings(self):  # noqa: ANN201 - langchain_core.embeddings.Embeddings
        from briefing.embeddings import make_embeddings

        return make_embeddings(self.settings)

    @cached_property
    def store(self):  # noqa: ANN201 - briefing.store.Store
        from briefing.store import Store

        return Store(self.settings, self._embedding_id or self.settings.embedding_id())

    def retriever(
        self, *, since: DateLike = None, until: DateLike = None, sources: Outlets = None, k: int | None = None
    ) -> NewsRetriever:
        """A LangChain retriever (hybrid dense + BM25, filtered) over this collection."""
        return self._make_retriever(_filters(since, until, sources), k or self.settings.top_k)

    @cached_property
    def vectorstore(self):  # noqa: ANN201 - langchain_chroma.Chroma
        """The collection as a LangChain `Chroma` vector store, for composing your own chains.

        Same client, collection and embeddings as this Briefing (chunk metadata as stored).
        """
        from langchain_chroma import Chroma

        return Chroma(
            client=self.store.client,
            collection_name=self.settings.collection,
            embedding_function=self.embeddings,
        )

    @cached_property
    def keyword_index(self):  # noqa: ANN201 - briefing.keyword_index.KeywordIndex
        """The BM25 side of hybrid retrieval, persisted beside the store, rebuilt when stale."""
        from briefing.keyword_index import KeywordIndex

        return KeywordIndex(self.store, KeywordIndex.directory_for(self.settings))

    def _make_retriever(self, filters, k: int, mode: str | None = None):  # noqa: ANN001, ANN202
        from briefing.retrieval import NewsRetriever

        return NewsRetriever(
            store=self.store,
            embeddings=self.embeddings,
            keyword_index=self.keyword_index,
            k=k,
            min_relevance=self.settings.min_relevance,
            per_article=self.settings.max_chunks_per_article,
            filters=filters,
            mode=mode or self.settings.retrieval_mode,
            mmr=self.settings.mmr,
            mmr_lambda=self.settings.mmr_lambda,
        )

    def _retrieve(self, query: str, filters, k: int):  # noqa: ANN001, ANN202 - briefing.retrieval.Retrieved
        return self._make_retriever(filters, k).retrieve(query)

    def reference_date(self) -> date | None:
        """The "today" of questions like "what happened yesterday": the newest article's date."""
        from briefing.articles import parse_date

        newest = self.store.newest_date()
        return parse_date(newest) if newest else None

    @cached_property
    def extractive_writer(self):  # noqa: ANN201 - briefing.extractive.ExtractiveWriter
        from briefing.extractive import ExtractiveWriter

        return ExtractiveWriter(self.embeddings, max_sentences=self.settings.answer_sentences)

    @cached_property
    def chain(self):  # noqa: ANN201 - langchain_core.runnables.Runnable
        """The LCEL answer chain: input `{"question", "history", "filters", "k"}`, output a dict
        with `answer` (str) and `sources` (list of `Source`), streamable."""
        from briefing.chain import build_answer_chain
        from briefing.llm import make_chat_model

        return build_answer_chain(
            self.settings,
            self._retrieve,
            self.extractive_writer,
            lambda: make_chat_model(self.settings),
            reference_date=self.reference_date,
            known_outlets=self.store.outlets,
        )

    # ------------------------------------------------------------ actions

    def ingest(
        self, paths: Sequence[str | Path], progress: Progress | None = None, rebuild: bool = False
    ) -> IngestReport:
        """Ingest files and directories; idempotent. `rebuild` empties the collection first."""
        if rebuild:
            self.store.reset()
        report = Ingestor(self.settings, self.store, self.embeddings).ingest_paths(paths, progress)
        self._refresh_indexes(report.changed)
        return report

    def _refresh_indexes(self, changed: bool) -> None:
        """Bring the BM25 index in step now, so the next question does not pay for it."""
        if changed and self.settings.retrieval_mode != "dense":
            self.keyword_index.ensure_current()

    def _inputs(
        self, question: str, history: Any, since: Any, until: Any, sources: Any, k: Any, now: Any = None
    ) -> dict:
        from briefing.articles import parse_date

        filters = _filters(since, until, sources)
        return {"question": question, "history": history, "filters": filters, "k": k, "now": parse_date(now)}

    def ask(
        self,
        question: str,
        history: Any = None,
        *,
        since: DateLike = None,
        until: DateLike = None,
        sources: Outlets = None,
        k: int | None = None,
        now: DateLike = None,
    ) -> Answer:
        """Answer a question from the collection, with numbered citations and their sources.

        A date phrase in the question ("yesterday", "this week") filters by date relative to
        `now` (default: the newest article's date) unless `since`/`until` are given.
        """
        from briefing.chain import finish

        if self.settings.fallback_to_extractive and self.settings.writer != "extractive":
            final = None  # the fallback lives in `stream`, which knows whether text was out yet
            for chunk in self.stream(
                question, history, since=since, until=until, sources=sources, k=k, now=now
            ):
                final = chunk.answer or final
            assert final is not None
            return final
        result = self.chain.invoke(self._inputs(question, history, since, until, sources, k, now))
        text, cited = finish(result)
        return Answer(question, text, cited, result["sources"], result.get("notes", []))

    def stream(
        self,
        question: str,
        history: Any = None,
        *,
        since: DateLike = None,
        until: DateLike = None,
        sources: Outlets = None,
        k: int | None = None,
        now: DateLike = None,
    ) -> Iterator[AnswerChunk]:
        """Like `ask`, as it is written: sources first, then text deltas, then the final answer."""
        from briefing.chain import finish
        from briefing.llm import ModelServerError

        result: dict = {}
        parts: list[str] = []
        try:
            for piece in self.chain.stream(self._inputs(question, history, since, until, sources, k, now)):
                if "sources" in piece:
                    result.update(piece)
                    yield AnswerChunk(sources=piece["sources"])
                if piece.get("answer"):
                    parts.append(piece["answer"])
                    yield AnswerChunk(delta=piece["answer"])
        except ModelServerError as exc:
            if not self.settings.fallback_to_extractive or exc.started or parts or "docs" not in result:
                raise
            said = " ".join(c for r, c in result.get("history", []) if r == "assistant")
            x = result
            for delta in self.extractive_writer.stream(
                x["question"], x["docs"], x["numbers"], already_said=said, context=x["query"]
            ):
                parts.append(delta)
                yield AnswerChunk(delta=delta)
            note = f"{exc}; answered extractively instead (sentences quoted from the sources)"
            result["notes"] = [*result.get("notes", []), note]
            result["fallback"] = True
        result["answer"] = "".join(parts)
        text, cited = finish(result)
        retrieved, notes = result.get("sources", []), result.get("notes", [])
        answer = Answer(question, text, cited, retrieved, notes, result.get("fallback", False))
        yield AnswerChunk(done=True, answer=answer)

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        since: DateLike = None,
        until: DateLike = None,
        sources: Outlets = None,
    ) -> SearchResults:
        """The best-matching articles (one hit per article, its best chunk as the snippet).

        A list of `SearchHit`; its `.notes` say if one side of hybrid search failed or was empty.
        """
        k = k or self.settings.top_k
        got = self._retrieve(query, _filters(since, until, sources), k * 3)
        hits: dict[str, SearchHit] = {}
        for d in got.docs:
            m = d.metadata
            aid = m.get("article_id", "")
            if aid in hits:
                continue
            hits[aid] = SearchHit(
                article_id=aid,
                title=m.get("title", ""),
                source=m.get("source", ""),
                url=m.get("url", ""),
                published=m.get("published", ""),
                score=round(float(m.get("score", 0.0)), 4),
                snippet=d.page_content[:300],
                syndicated=syndicated_from(m),
            )
            if len(hits) >= k:
                break
        return SearchResults(hits.values(), notes=got.notes)

    def articles(
        self, *, since: DateLike = None, until: DateLike = None, sources: Outlets = None
    ) -> list[ArticleInfo]:
        """Every stored article (newest first), optionally filtered by date range and outlet."""
        found = self.store.articles(where=_filters(since, until, sources).where())
        return sorted(found.values(), key=lambda a: (a.published, a.title), reverse=True)

    def article_text(self, article_id: str) -> str:
        """An article's full text, rebuilt from its chunks (their overlaps removed)."""
        return self.store.article_text(article_id)

    def brief(
        self,
        topic: str | None = None,
        *,
        articles: Sequence[Article] | None = None,
        since: DateLike = None,
        until: DateLike = None,
        sources: Outlets = None,
    ) -> BriefResult:
        """A 3–5 sentence neutral briefing: `[n]` citations, support scores, a neutrality report.

        On `topic` (retrieved from the collection, within the date/outlet filters), or on the
        given in-memory `articles` (no store needed; `topic`, if given, steers what is picked).
        """
        from dataclasses import replace

        from briefing.articles import make_article
        from briefing.brief import brief_articles
        from briefing.llm import make_chat_model
        from briefing.prompts import load_prompt

        if articles is None:
            if not topic or not topic.strip():
                raise ValueError("brief needs a topic or a list of articles")
            found = self._retrieve(topic, _filters(since, until, sources), self.settings.brief_k)
            docs = getattr(found, "docs", found)
            grouped: dict[str, list] = {}
            for d in docs:
                grouped.setdefault(d.metadata.get("article_id", ""), []).append(d)
            articles = []
            for parts in grouped.values():
                m = parts[0].metadata
                ordered = sorted(parts, key=lambda p: int(p.metadata.get("chunk", 0)))
                art = make_article(
                    text="\n\n".join(p.page_content for p in ordered),
                    title=m.get("title", ""),
                    source=m.get("source", ""),
                    url=m.get("url", ""),
                    published=m.get("published") or None,
                )
                articles.append(replace(art, id=m.get("article_id", art.id)))
        writer = self.settings.writer
        return brief_articles(
            list(articles),
            topic=topic,
            embeddings=self.embeddings,
            max_sentences=self.settings.brief_sentences,
            writer=writer,
            chat_model=(lambda: make_chat_model(self.settings)) if writer != "extractive" else None,
            prompts=(load_prompt("brief_system", self.settings), load_prompt("brief_user", self.settings))
            if writer != "extractive"
            else None,
            min_support=self.settings.min_support,
        )

    def daily(self, date: DateLike = None, days: int = 1) -> DailyBriefing:
        """The daily briefing of `date` (default: the newest day in the collection), or of the
        `days`-day window ending on it: stories by coverage, each neutral and cited.
        Raises `briefing.digest.DailyError` (a ValueError) on a bad date."""
        from briefing.digest import build_daily

        newest = self.reference_date()
        return build_daily(
            self.store, self.embeddings, day=date, days=days, newest=newest, settings=self.settings
        )

    def delete(self, article_ids: str | Sequence[str]) -> int:
        """Remove articles (all their chunks); returns how many of them were stored."""
        ids = [article_ids] if isinstance(article_ids, str) else list(article_ids)
        present = self.store.articles(where={"article_id": {"$in": ids}}) if ids else {}
        if present:
            self.store.delete_articles(present)
            self.store.touch()
            self._refresh_indexes(True)
        return len(present)

    def stats(self) -> Stats:
        """Counts, outlets and date range of the collection."""
        articles = self.store.articles()
        dates = sorted(a.published for a in articles.values() if a.published)
        outlets: dict[str, int] = {}
        for a in articles.values():
            outlets[a.source or "(unknown)"] = outlets.get(a.source or "(unknown)", 0) + 1
        return Stats(
            articles=sum(1 for a in articles.values() if a.complete),
            chunks=self.store.count_chunks(),
            incomplete_articles=sum(1 for a in articles.values() if not a.complete),
            sources=dict(sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0]))),
            first_date=dates[0] if dates else None,
            last_date=dates[-1] if dates else None,
            embedding_model=self.settings.embedding_id(),
            store=self.settings.store_location(),
            collection=self.settings.collection,
            writer=self.settings.writer
            if self.settings.writer == "extractive"
            else f"openai:{self.settings.model}",
        )
