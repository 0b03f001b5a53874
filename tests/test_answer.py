"""End to end on the seed with the embedded default: ingest → ask → cited, grounded answer."""

from __future__ import annotations

import re

from briefing.articles import load_file, split_sentences
from briefing.extractive import NOTHING_FOUND
from tests.conftest import SEED

QUESTION = "Who did Putin blame for the escalation in Gaza?"


def test_seed_question_is_answered_with_citation(make_briefing) -> None:
    b = make_briefing()
    assert b.ingest([SEED]).ok
    ans = b.ask(QUESTION)
    assert "U.S. politics" in ans.answer
    assert "[1]" in ans.answer
    [src] = ans.sources
    assert (src.n, src.published) == (1, "2023-11-10")
    assert src.article_id == load_file(SEED)[0].id
    assert src.snippet and src.title.startswith("In a recent development")


def test_every_sentence_is_verbatim_from_the_source_and_cited(make_briefing) -> None:
    b = make_briefing()
    b.ingest([SEED])
    source_sentences = set(split_sentences(load_file(SEED)[0].text))
    ans = b.ask("What is happening in Gaza?")
    parts = [p.strip() for p in re.split(r"\s*\[\d+\]", ans.answer) if p.strip()]
    assert parts and all(p in source_sentences for p in parts), parts
    assert ans.answer.rstrip().endswith("[1]")


def test_stream_gives_sources_first_then_text_then_answer(make_briefing) -> None:
    b = make_briefing()
    b.ingest([SEED])
    chunks = list(b.stream(QUESTION))
    assert chunks[0].sources and chunks[0].delta == ""
    deltas = [c.delta for c in chunks if c.delta]
    assert len(deltas) >= 1
    final = chunks[-1]
    assert final.done and final.answer is not None
    assert "".join(deltas).strip() == final.answer.answer


def test_follow_up_uses_history(make_briefing) -> None:
    b = make_briefing()
    b.ingest([SEED])
    first = b.ask(QUESTION)
    follow = b.ask(
        "What about the airstrikes?", history=[("Who did Putin blame for the escalation?", first.answer)]
    )
    assert "airstrikes" in follow.answer and "[1]" in follow.answer
    # OpenAI/Gradio message dicts work the same
    msgs = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": first.answer}]
    assert b.ask("And the rockets?", history=msgs).answer != first.answer


def test_nothing_relevant_is_said_plainly(make_briefing) -> None:
    b = make_briefing()
    b.ingest([SEED])
    ans = b.ask("How do I bake sourdough bread at home?")
    assert ans.answer == NOTHING_FOUND and ans.sources == []


def test_empty_collection_answers_nothing_found(make_briefing) -> None:
    ans = make_briefing().ask(QUESTION)
    assert ans.answer == NOTHING_FOUND and ans.sources == []


def test_date_filter_excludes_out_of_range(make_briefing) -> None:
    b = make_briefing()
    b.ingest([SEED])
    assert "U.S. politics" in b.ask(QUESTION, since="2023-11-10", until="2023-11-10").answer
    assert b.ask(QUESTION, since="2023-11-11").answer == NOTHING_FOUND


def test_search_and_stats(make_briefing) -> None:
    b = make_briefing()
    b.ingest([SEED])
    [hit] = b.search("Putin Palestine", k=5)
    assert hit.published == "2023-11-10" and 0 < hit.score <= 1
    st = b.stats()
    assert (st.articles, st.incomplete_articles, st.first_date) == (1, 0, "2023-11-10")
    assert st.embedding_model == "all-MiniLM-L6-v2-int8"


def test_chain_is_a_composable_runnable(make_briefing) -> None:
    from langchain_core.runnables import Runnable, RunnableLambda

    b = make_briefing()
    b.ingest([SEED])
    assert isinstance(b.chain, Runnable)
    composed = RunnableLambda(lambda q: {"question": q}) | b.chain | RunnableLambda(lambda r: r["answer"])
    assert "U.S. politics" in composed.invoke(QUESTION)
    assert isinstance(b.retriever(k=2).invoke("Putin"), list)
    [(doc, distance)] = b.vectorstore.similarity_search_with_score("Putin Palestine", k=1)  # langchain-chroma
    assert doc.metadata["published"] == "2023-11-10" and 0 <= distance < 1
