"""Provider faults: the OpenAI-compatible server down, slow, 429/500, or streaming garbage.

Why: a model server is the least reliable part of the setup. Every failure must end in
bounded time (timeout, bounded retries) with one clear line, in the API, the CLI and the app,
and, when the user asked for it, in an extractive answer that says it is one.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefing.llm import ModelServerError
from tests.conftest import ROOT, SEED
from tests.support.openai_server import FakeOpenAI

QUESTION = "Who did Putin blame for the escalation in Gaza?"
GOOD_REPLY = "Putin blamed a failure of U.S. politics for the escalation [1]."


@pytest.fixture
def server():
    with FakeOpenAI(GOOD_REPLY) as s:
        yield s


def _briefing(make_briefing, server: FakeOpenAI, **kw):
    kw.setdefault("request_timeout", 1.0)
    kw.setdefault("max_retries", 1)
    b = make_briefing(writer="openai", openai_base_url=server.base_url, model="fake-model", **kw)
    assert b.ingest([SEED]).ok
    return b


def _fail_500(s: FakeOpenAI) -> None:
    s.fail_next(2, 500, retry_after=0.01)


def _fail_429(s: FakeOpenAI) -> None:
    s.fail_next(2, 429, retry_after=0.01)


def _slow(s: FakeOpenAI) -> None:
    s.delay = 3.0


def _down(s: FakeOpenAI) -> None:
    s.stop()


FAULTS = {
    "500": (_fail_500, "answered HTTP 500 after 1 retries", 2),
    "429": (_fail_429, "rate limited (HTTP 429) after 1 retries", 2),
    "slow": (_slow, "timed out after 1s", 2),
    "down": (_down, "unreachable", 0),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_one_clear_error_in_bounded_time(fault: str, make_briefing, server: FakeOpenAI) -> None:
    b = _briefing(make_briefing, server)
    setup, message, requests = FAULTS[fault]
    url = server.base_url
    setup(server)
    t0 = time.monotonic()
    with pytest.raises(ModelServerError, match=re.escape(message)) as err:
        b.ask(QUESTION)
    assert time.monotonic() - t0 < 12
    assert "\n" not in str(err.value) and url in str(err.value)
    assert not err.value.started
    assert len(server.requests) == requests  # one try plus max_retries, no more


def test_retries_absorb_a_transient_failure(make_briefing, server: FakeOpenAI) -> None:
    b = _briefing(make_briefing, server, max_retries=2)
    server.fail_next(2, 500, retry_after=0.01)
    assert b.ask(QUESTION).answer == GOOD_REPLY
    assert len(server.requests) == 3


@pytest.mark.parametrize("kind", ["malformed", "dropped"])
def test_broken_stream_mid_answer_is_an_error_not_a_half_answer(
    kind: str, make_briefing, server: FakeOpenAI
) -> None:
    b = _briefing(make_briefing, server, max_retries=0, fallback_to_extractive=True)
    if kind == "malformed":
        server.malformed_next = 1
    else:
        server.drop_next = 1
    chunks = []
    with pytest.raises(ModelServerError, match="mid-answer") as err:
        chunks.extend(b.stream(QUESTION))
    assert err.value.started  # text was already out: no silent switch to another writer
    assert any(c.delta for c in chunks)


@pytest.mark.parametrize("fault", ["500", "429", "slow", "down"])
def test_extractive_fallback_when_configured(fault: str, make_briefing, server: FakeOpenAI) -> None:
    b = _briefing(make_briefing, server, fallback_to_extractive=True)
    FAULTS[fault][0](server)
    ans = b.ask(QUESTION)
    assert ans.fallback
    assert "U.S. politics" in ans.answer and "[1]" in ans.answer
    assert [s.n for s in ans.sources] == [1]
    assert any("answered extractively" in n and "model server" in n for n in ans.notes), ans.notes
    assert ans.as_dict()["fallback"] is True


def test_no_fallback_unless_configured_and_none_when_healthy(make_briefing, server: FakeOpenAI) -> None:
    b = _briefing(make_briefing, server, fallback_to_extractive=True)
    ans = b.ask(QUESTION)
    assert ans.answer == GOOD_REPLY and not ans.fallback and "fallback" not in ans.as_dict()


def _cli(store: Path, server: FakeOpenAI, *extra_env: tuple[str, str]) -> subprocess.CompletedProcess:
    env = {
        "BRIEFING_STORE_DIR": str(store),
        "BRIEFING_WRITER": "openai",
        "BRIEFING_OPENAI_BASE_URL": server.base_url,
        "BRIEFING_MODEL": "fake-model",
        "BRIEFING_MAX_RETRIES": "1",
        "BRIEFING_REQUEST_TIMEOUT": "2",
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        **dict(extra_env),
    }
    return subprocess.run(
        [sys.executable, "-m", "briefing.cli", "ask", QUESTION],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=store.parent,
    )


def test_cli_reports_a_failing_model_server_in_one_line_and_exit_2(
    make_briefing, server: FakeOpenAI, tmp_path: Path
) -> None:
    _briefing(make_briefing, server)
    server.fail_next(2, 500, retry_after=0.01)
    proc = _cli(tmp_path / "store", server)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("error: model server http://127.0.0.1:") and "HTTP 500 after 1 retries" in line

    server.fail_next(2, 429, retry_after=0.01)
    proc = _cli(tmp_path / "store", server, ("BRIEFING_FALLBACK_TO_EXTRACTIVE", "true"))
    assert proc.returncode == 0, proc.stderr
    assert "U.S. politics" in proc.stdout and "[1]" in proc.stdout
    assert "note: model server" in proc.stderr and "answered extractively" in proc.stderr
