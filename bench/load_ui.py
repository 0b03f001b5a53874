"""Concurrent chat sessions against the running web app on loopback, through its public API.

    python bench/load_ui.py [--sessions 20] [--turns 2] [--url http://127.0.0.1:7860/]

Without `--url` it ingests samples/news into a temp store and starts `briefing serve` in a
subprocess on a free 127.0.0.1 port (stopped at the end). Each session is its own
gradio_client `Client` (its own queue connection) asking `--turns` questions in one
conversation, streamed. First one session alone (the baseline), then all sessions at once:
the ratios against the baseline are what to compare between runs; absolute times move with
the machine's load. Exit 1 on any error or if the run passes `--deadline` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python bench/load_ui.py` as well as `from bench.load_ui import ...`

from bench.stats import pct  # noqa: E402

QUESTIONS = [
    "Who did Putin blame for the escalation in Gaza?",
    "What did Biden and Xi agree on?",
    "Why was Sam Altman removed from OpenAI?",
    "What happened to the workers trapped in the Silkyara tunnel?",
    "Why was Grindavik evacuated?",
    "What was the US inflation rate in October?",
    "Who became the UK foreign secretary?",
    "What happened at the COP28 talks?",
]
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _answer_text(chat: list[dict]) -> str:
    content = chat[-1]["content"] if chat else ""
    if isinstance(content, list):  # gradio 6 hands back content parts
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content)


def session(url: str, turns: int, offset: int, out: dict) -> None:
    """One user: a client, `turns` questions in one conversation; latency per question."""
    from gradio_client import Client

    try:
        client = Client(url, verbose=False, download_files=False)
        history: list = []
        for t in range(turns):
            question = QUESTIONS[(offset + t) % len(QUESTIONS)]
            start = time.perf_counter()
            first = None
            job = client.submit(question, history, None, None, [], api_name="/ask")
            for _update in job:
                if first is None:
                    first = time.perf_counter() - start
            result = job.result()
            total = time.perf_counter() - start
            history = result[0]
            answer = _answer_text(history)
            if history[-1]["role"] != "assistant" or not answer or answer.startswith("Error"):
                raise RuntimeError(f"bad answer to {question!r}: {answer[:120]!r}")
            out["latency"].append(total)
            out["first"].append(first if first is not None else total)
        client.close()
    except Exception as exc:  # noqa: BLE001 - counted and reported, never hidden
        out["errors"].append(f"{type(exc).__name__}: {exc}")


def run_sessions(url: str, sessions: int, turns: int = 2, deadline: float = 300.0) -> dict:
    """`sessions` concurrent users; every question's latency, the errors, the wall time."""
    out: dict = {"latency": [], "first": [], "errors": []}
    threads = [
        threading.Thread(target=session, args=(url, turns, i, out), daemon=True) for i in range(sessions)
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, deadline - (time.perf_counter() - start)))
    wall = time.perf_counter() - start
    unfinished = sum(t.is_alive() for t in threads)
    if unfinished:
        out["errors"].append(f"{unfinished} sessions still running after the {deadline:.0f}s deadline")
    return {
        "sessions": sessions,
        "questions": len(out["latency"]),
        "errors": out["errors"],
        "wall_s": round(wall, 2),
        "p50_s": round(statistics.median(out["latency"]), 3) if out["latency"] else None,
        "p95_s": round(pct(out["latency"], 95), 3),
        "first_update_p50_s": round(statistics.median(out["first"]), 3) if out["first"] else None,
        "first_update_p95_s": round(pct(out["first"], 95), 3),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served_samples() -> Iterator[str]:
    """samples/news in a temp store, served by `briefing serve` in a subprocess; yields its URL."""
    store = Path(tempfile.mkdtemp(prefix="load-ui-")) / "store"
    briefing = [sys.executable, "-m", "briefing.cli"]
    env = {**os.environ, "BRIEFING_STORE_DIR": str(store)}
    subprocess.run([*briefing, "ingest", str(ROOT / "samples" / "news")], check=True, env=env, cwd=ROOT)
    port = _free_port()
    proc = subprocess.Popen(
        [*briefing, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"briefing serve exited: {proc.stderr.read().decode()[-500:]}")
            try:
                urllib.request.urlopen(url + "config", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("briefing serve did not answer within 120 s") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--turns", type=int, default=2)
    ap.add_argument("--url", help="a running app (default: start one on the samples)")
    ap.add_argument("--deadline", type=float, default=300.0, help="seconds the whole load run may take")
    args = ap.parse_args()

    def measure(url: str) -> dict:
        run_sessions(url, 1, 1)  # warm up: first question loads the indexes
        baseline = run_sessions(url, 1, args.turns * 2)
        load = run_sessions(url, args.sessions, args.turns, args.deadline)
        ratio = {
            k: round(load[k] / baseline[k], 2) if baseline[k] else None
            for k in ("p50_s", "p95_s", "first_update_p50_s")
        }
        return {"baseline_1_session": baseline, "load": load, "load_over_baseline": ratio}

    if args.url:
        report = measure(args.url)
    else:
        with served_samples() as url:
            report = measure(url)
    print(json.dumps(report, indent=2))
    load = report["load"]
    return 1 if load["errors"] or load["wall_s"] > args.deadline else 0


if __name__ == "__main__":
    sys.exit(main())
