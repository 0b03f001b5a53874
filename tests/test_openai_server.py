"""Prove FakeOpenAI speaks the real protocol to the real clients, over a real socket.

Why: the writer's tests trust this server; if it drifted from the wire format
(SSE framing, error bodies, retry headers) they would pass for the wrong reason.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

from tests.support.openai_server import FakeOpenAI, split_reply

REPLY = "Markets rose today, led by tech.\nAnalysts  expect more."
MESSAGES: list[Any] = [
    {"role": "system", "content": "You are a news assistant."},
    {"role": "user", "content": "What happened in markets?"},
]


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(REPLY) as srv:
        yield srv


def client(srv: FakeOpenAI, **kwargs: Any) -> openai.OpenAI:
    kwargs.setdefault("max_retries", 0)
    return openai.OpenAI(api_key="test", base_url=srv.base_url, **kwargs)


def chat(srv: FakeOpenAI, **kwargs: Any) -> ChatOpenAI:
    kwargs.setdefault("max_retries", 0)
    return ChatOpenAI(model="fake-model", api_key="test", base_url=srv.base_url, **kwargs)


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(v * v for v in vector))


# --- openai client -------------------------------------------------------


def test_non_streaming_content_and_recorded_body(server: FakeOpenAI) -> None:
    resp = client(server).chat.completions.create(model="fake-model", messages=MESSAGES)
    assert resp.object == "chat.completion"
    assert resp.choices[0].message.role == "assistant"
    assert resp.choices[0].message.content == REPLY
    assert resp.choices[0].finish_reason == "stop"
    assert resp.usage is not None and resp.usage.total_tokens > 0
    assert len(server.requests) == 1
    assert server.requests[0]["messages"] == MESSAGES
    assert server.requests[0]["model"] == "fake-model"


def test_streaming_reassembles_exact_reply(server: FakeOpenAI) -> None:
    server.stream_delay = 0.005
    stream = client(server).chat.completions.create(
        model="fake-model",
        messages=MESSAGES,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    content = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert "".join(content) == REPLY
    assert len([p for p in content if p]) == len(split_reply(REPLY)) > 3
    assert chunks[0].choices[0].delta.role == "assistant"
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "stop" and set(finishes[:-1]) == {None}
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert server.requests[0]["stream"] is True


def test_script_then_fallback_and_callable_reply(server: FakeOpenAI) -> None:
    c = client(server)

    def ask() -> str | None:
        resp = c.chat.completions.create(model="fake-model", messages=MESSAGES)
        return resp.choices[0].message.content

    server.script("first", "second")
    assert [ask(), ask(), ask()] == ["first", "second", REPLY]

    server.reply = lambda body: "echo: " + body["messages"][-1]["content"]
    assert ask() == "echo: What happened in markets?"


def test_429_then_success_with_one_retry(server: FakeOpenAI) -> None:
    server.script("after retry")
    server.fail_next(1, 429, retry_after=0.01)
    resp = client(server, max_retries=1).chat.completions.create(model="fake-model", messages=MESSAGES)
    assert resp.choices[0].message.content == "after retry"  # failure didn't use it up
    assert len(server.requests) == 2


def test_500_without_retries_raises_internal_server_error(server: FakeOpenAI) -> None:
    server.fail_next(5, 500)
    with pytest.raises(openai.InternalServerError) as info:
        client(server).chat.completions.create(model="fake-model", messages=MESSAGES)
    assert info.value.status_code == 500
    assert isinstance(info.value.body, dict) and info.value.body["type"] == "server_error"
    assert len(server.requests) == 1


def test_delay_beyond_timeout_raises_and_stop_is_prompt(server: FakeOpenAI) -> None:
    server.delay = 3.0
    with pytest.raises(openai.APITimeoutError):
        client(server, timeout=0.5).chat.completions.create(model="fake-model", messages=MESSAGES)
    started = time.monotonic()
    server.stop()  # must not wait out the handler's 3 s sleep
    assert time.monotonic() - started < 1.0


def test_malformed_stream_raises(server: FakeOpenAI) -> None:
    server.malformed_next = 1
    stream = client(server).chat.completions.create(model="fake-model", messages=MESSAGES, stream=True)
    with pytest.raises(Exception):  # noqa: B017 - any client-side error is acceptable
        list(stream)
    # the fault is one-shot: the next stream is clean
    stream = client(server).chat.completions.create(model="fake-model", messages=MESSAGES, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == REPLY


def test_dropped_connections_raise_connection_errors(server: FakeOpenAI) -> None:
    c = client(server)
    server.drop_next = 2
    with pytest.raises(openai.APIConnectionError):
        c.chat.completions.create(model="fake-model", messages=MESSAGES)
    stream = c.chat.completions.create(model="fake-model", messages=MESSAGES, stream=True)
    with pytest.raises(openai.APIConnectionError):
        list(stream)
    resp = c.chat.completions.create(model="fake-model", messages=MESSAGES)
    assert resp.choices[0].message.content == REPLY


def test_models_list_and_unknown_endpoint_404(server: FakeOpenAI) -> None:
    models = client(server).models.list()
    assert [m.id for m in models.data] == ["fake-model"]

    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{server.base_url}/nope", timeout=2)
    assert info.value.code == 404
    assert "message" in json.loads(info.value.read())["error"]


def test_embeddings_normalised_counted_deterministic(server: FakeOpenAI) -> None:
    c = client(server)
    texts = ["alpha", "beta", "gamma"]
    first = c.embeddings.create(model="fake-embed", input=texts)  # client asks for base64
    again = c.embeddings.create(model="fake-embed", input=texts, encoding_format="float")
    vectors = [d.embedding for d in first.data]
    assert len(vectors) == 3 and [d.index for d in first.data] == [0, 1, 2]
    assert all(len(v) == 64 and abs(norm(v) - 1.0) < 1e-5 for v in vectors)
    floats = [d.embedding for d in again.data]
    pairs = [(a, b) for v, w in zip(vectors, floats, strict=True) for a, b in zip(v, w, strict=True)]
    assert all(abs(a - b) < 1e-6 for a, b in pairs)
    assert vectors[0] != vectors[1]
    single = c.embeddings.create(model="fake-embed", input=[[1, 2, 3]], dimensions=16)
    assert len(single.data[0].embedding) == 16
    assert [r["input"] for r in server.embedding_requests] == [texts, texts, [[1, 2, 3]]]
    assert server.requests == []


# --- langchain_openai ----------------------------------------------------

LC_MESSAGES = [SystemMessage("You are a news assistant."), HumanMessage("Any news?")]


def test_langchain_invoke_and_recorded_messages(server: FakeOpenAI) -> None:
    result = chat(server).invoke(LC_MESSAGES)
    assert result.content == REPLY
    assert server.requests[0]["messages"] == [
        {"role": "system", "content": "You are a news assistant."},
        {"role": "user", "content": "Any news?"},
    ]


def test_langchain_stream_reassembles_with_usage(server: FakeOpenAI) -> None:
    chunks = list(chat(server, stream_usage=True).stream(LC_MESSAGES))
    assert "".join(str(c.content) for c in chunks) == REPLY
    total = chunks[0]
    for c in chunks[1:]:
        total += c
    assert total.usage_metadata is not None and total.usage_metadata["total_tokens"] > 0
    assert server.requests[0]["stream"] is True


def test_langchain_retries_429(server: FakeOpenAI) -> None:
    server.fail_next(1, 429, retry_after=0.01)
    assert chat(server, max_retries=1).invoke(LC_MESSAGES).content == REPLY
    assert len(server.requests) == 2


def test_langchain_embeddings(server: FakeOpenAI) -> None:
    emb = OpenAIEmbeddings(
        model="fake-embed",
        api_key="test",
        base_url=server.base_url,
        check_embedding_ctx_length=False,  # send strings, no tiktoken download
    )
    docs = emb.embed_documents(["one", "two"])
    assert len(docs) == 2 and all(abs(norm(v) - 1.0) < 1e-5 for v in docs)
    assert emb.embed_query("one") == pytest.approx(docs[0])
