"""The LCEL answer chain: question (+ history) → retrieve → write with `[n]` citations.

    {"question", "history", "filters", "k"}
      | prepare   (follow-up query, retrieval, numbered sources, context block)
      | assign(answer = writer)   # extractive generator, or prompt | ChatOpenAI | str

Streaming the chain yields the prepared dict first (so sources are known before the first
word) and then `{"answer": delta}` pieces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from langchain_core.documents import Document
from langchain_core.runnables import (
    Runnable,
    RunnableBranch,
    RunnableGenerator,
    RunnableLambda,
    RunnablePassthrough,
)

from briefing.config import Settings
from briefing.extractive import NOTHING_FOUND, ExtractiveWriter, keywords
from briefing.filters import Filters, resolve_question
from briefing.prompts import load_prompt
from briefing.retrieval import Retrieved, format_context, number_sources

Turn = tuple[str, str]  # (role, content) with role "user" or "assistant"

_FOLLOW_UP = re.compile(
    r"^(and|but|so|also|what about|how about|why|when|where|who else|what else)\b|"
    r"\b(he|she|they|him|her|them|his|their|it|its|that|this|those|these|there)\b",
    re.I,
)


def normalize_history(history: Any) -> list[Turn]:
    """Chat history as (role, text) turns, from Gradio/OpenAI message dicts or (user, bot) pairs."""
    turns: list[Turn] = []
    for item in history or []:
        if isinstance(item, dict):
            role, content = item.get("role", ""), item.get("content", "")
            if isinstance(content, list):  # Gradio 6 content parts
                content = " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
            if role in ("user", "assistant") and isinstance(content, str) and content.strip():
                turns.append((role, content))
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            user, bot = item
            if user:
                turns.append(("user", str(user)))
            if bot:
                turns.append(("assistant", str(bot)))
    return turns


def search_query(question: str, history: list[Turn]) -> str:
    """The retrieval query: a follow-up ("what did he say next?") borrows the last question."""
    previous = [c for r, c in history if r == "user"]
    if not previous:
        return question
    if _FOLLOW_UP.search(question) or len(keywords(question)) < 3:
        return f"{previous[-1]} {question}"
    return question


_FENCE = re.compile(r"<\s*/?\s*sources\s*>", re.I)
_MARKER = re.compile(r"\[(\d{1,3})\]")


def defang(doc: Document) -> Document:
    """Retrieved text is data, never instructions: it can neither close the prompt's <sources>
    fence nor carry `[n]` markers that would pass for our citations (an article quoting "[7]"
    comes out as "(7)", in the prompt, the extractive answer and the snippets alike)."""

    def clean(text: str) -> str:
        return _MARKER.sub(r"(\1)", _FENCE.sub("(sources)", text))

    meta = dict(doc.metadata)
    for key in ("title", "source"):
        if isinstance(meta.get(key), str):
            meta[key] = clean(meta[key])
    return Document(page_content=clean(doc.page_content), id=doc.id, metadata=meta)


def guard_model(llm: Runnable, settings: Settings) -> Runnable:
    """The model's stream, with a server failure turned into one clear `ModelServerError` that
    knows whether text was already out (only then is an extractive fallback still clean)."""
    from briefing.llm import ModelServerError, server_failure

    def run(inputs: Iterator[dict]) -> Iterator[str]:
        for x in inputs:
            started = False
            try:
                for piece in llm.stream(x):
                    started = started or bool(piece)
                    yield piece
            except Exception as exc:
                reason = server_failure(exc, settings)
                if reason is None:
                    raise
                raise ModelServerError(reason + (" mid-answer" if started else ""), started) from exc

    return RunnableGenerator(run)


def _citations_valid(text: str, valid: set[int]) -> str:
    """Drop `[n]` markers that point to no retrieved source (invented citations)."""
    return re.sub(r"\s?\[(\d{1,3})\]", lambda m: m.group(0) if int(m.group(1)) in valid else "", text)


def build_answer_chain(
    settings: Settings,
    retrieve: Callable[[str, Filters, int], Retrieved],
    extractive: ExtractiveWriter,
    chat_model: Callable[[], Any] | None = None,
    reference_date: Callable[[], date | None] = lambda: None,
    known_outlets: Callable[[], list[str]] = list,
) -> Runnable:
    """The answer chain for the configured writer; `retrieve(query, filters, k)` gives chunks.

    A date phrase in the question ("yesterday", "on 10 November 2023") becomes a date filter
    relative to `inputs["now"]` or else `reference_date()` (the newest article), unless the
    caller gave a date range already. Likewise a known outlet named in the question
    ("what did the Meridian Post report...") becomes an outlet filter.
    """

    def prepare(inputs: dict) -> dict:
        question = str(inputs["question"]).strip()
        history = normalize_history(inputs.get("history"))
        today = lambda: inputs.get("now") or reference_date()  # noqa: E731 - only looked up if needed
        given = inputs.get("filters") or Filters()
        filters, question, notes = resolve_question(question, given, today, known_outlets)
        query = search_query(question, history)
        got = retrieve(query, filters, inputs.get("k") or settings.top_k) if question else Retrieved([])
        docs = [defang(d) for d in got.docs]
        notes.extend(got.notes)
        sources, numbers = number_sources(docs)
        return {
            "notes": notes,
            "question": question,
            "history": history,
            "query": query,
            "docs": docs,
            "numbers": numbers,
            "sources": sources,
            "context": format_context(docs, numbers),
        }

    if settings.writer == "extractive":

        def write(inputs: Iterator[dict]) -> Iterator[str]:
            for x in inputs:
                said = " ".join(c for r, c in x["history"] if r == "assistant")
                yield from extractive.stream(
                    x["question"], x["docs"], x["numbers"], already_said=said, context=x["query"]
                )

        writer: Runnable = RunnableGenerator(write)
    else:
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

        prompt = ChatPromptTemplate.from_messages(
            [
                ("system", load_prompt("answer_system", settings)),
                MessagesPlaceholder("chat_history"),
                ("human", load_prompt("answer_user", settings)),
            ]
        ).partial(max_sentences=str(max(settings.answer_sentences, 4)))
        to_prompt = RunnableLambda(
            lambda x: {"context": x["context"], "question": x["question"], "chat_history": x["history"][-8:]}
        )
        llm = guard_model(to_prompt | prompt | chat_model() | StrOutputParser(), settings)
        writer = RunnableBranch((lambda x: not x["docs"], RunnableLambda(lambda _: NOTHING_FOUND)), llm)

    return (RunnableLambda(prepare) | RunnablePassthrough.assign(answer=writer)).with_config(
        run_name="briefing_answer"
    )


def finish(result: dict) -> tuple[str, list]:
    """Final answer text (invented citations dropped) and the sources it actually cites."""
    from briefing.results import cited_numbers

    sources = result.get("sources", [])
    valid = {s.n for s in sources}
    text = _citations_valid(str(result.get("answer", "")).strip(), valid)
    used = set(cited_numbers(text))
    return text, [s for s in sources if s.n in used]
