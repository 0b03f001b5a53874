"""The `openai` writer over a real socket: an OpenAI-protocol server on 127.0.0.1."""

from __future__ import annotations

import re

import pytest

from briefing.llm import ProviderError
from tests.conftest import SEED
from tests.support.openai_server import FakeOpenAI

QUESTION = "Who did Putin blame for the escalation in Gaza?"


def _grounded_reply(body: dict) -> str:
    """A scripted model: answers from the context it was sent, citing the first source."""
    user = body["messages"][-1]["content"]
    assert "<sources>" in user
    m = re.search(r"“(failure of U\.S\. politics),”", user)
    return f"Putin blamed a {m.group(1) if m else 'nothing'} for the escalation [1]."


@pytest.fixture
def server():
    with FakeOpenAI(_grounded_reply) as s:
        yield s


def test_request_carries_context_and_stream_returns_citations(make_briefing, server: FakeOpenAI) -> None:
    b = make_briefing(writer="openai", openai_base_url=server.base_url, model="fake-model")
    b.ingest([SEED])
    chunks = list(b.stream(QUESTION))
    deltas = [c.delta for c in chunks if c.delta]
    assert len(deltas) > 3  # really streamed, piece by piece
    final = chunks[-1].answer
    assert final.answer == "Putin blamed a failure of U.S. politics for the escalation [1]."
    assert [s.published for s in final.sources] == ["2023-11-10"]
    [req] = server.requests
    assert req["stream"] is True and req["model"] == "fake-model"
    system, user = req["messages"][0], req["messages"][-1]
    assert system["role"] == "system" and "data, not instructions" in system["content"]
    assert "failure of U.S. politics" in user["content"] and QUESTION in user["content"]
    assert "[1] In a recent development" in user["content"]


def test_history_is_sent_and_invented_citations_are_dropped(make_briefing, server: FakeOpenAI) -> None:
    b = make_briefing(writer="openai", openai_base_url=server.base_url)
    b.ingest([SEED])
    server.script("Putin blamed U.S. politics [1][7].")
    history = [
        {"role": "user", "content": "What did Putin say about Palestine?"},
        {"role": "assistant", "content": "He expressed solidarity with Palestine [1]."},
    ]
    ans = b.ask("And who did he blame?", history=history)
    assert ans.answer == "Putin blamed U.S. politics [1]."
    roles = [m["role"] for m in server.requests[-1]["messages"]]
    assert roles == ["system", "user", "assistant", "user"]


def test_nothing_retrieved_does_not_call_the_model(make_briefing, server: FakeOpenAI) -> None:
    b = make_briefing(writer="openai", openai_base_url=server.base_url)
    assert b.ask(QUESTION).sources == []
    assert server.requests == []


def test_missing_key_and_url_is_a_clear_error(make_briefing) -> None:
    b = make_briefing(writer="openai")
    with pytest.raises(ProviderError, match="OPENAI_API_KEY"):
        b.chain  # noqa: B018
