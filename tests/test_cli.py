"""The real `briefing` console script, run as a subprocess: exit codes and JSON shapes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEED

BRIEFING = shutil.which("briefing", path=str(Path(sys.executable).parent)) or "briefing"


def run(*args: str, store: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [BRIEFING, *args, "--store", str(store)], capture_output=True, text=True, timeout=300, env=full_env
    )


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("cli") / "store"
    out = run("ingest", str(SEED), "--json", store=store)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["added"] == 1
    return store


def test_ingest_summary_and_exit_status(tmp_path: Path, cli_store: Path) -> None:
    again = run("ingest", str(SEED), store=cli_store)
    assert again.returncode == 0
    assert again.stdout.strip().startswith("0 added, 1 unchanged, 0 replaced, 0 removed, 0 failed")
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    mixed = run("ingest", str(bad), str(SEED), store=cli_store)
    assert mixed.returncode == 1
    assert f"failed: {bad}: invalid JSON" in mixed.stderr
    assert "1 unchanged" in mixed.stdout


def test_ask_json_shape(cli_store: Path) -> None:
    out = run("ask", "Who did Putin blame for the escalation in Gaza?", "--json", store=cli_store)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"answer", "sources"}
    assert "U.S. politics" in data["answer"] and "[1]" in data["answer"]
    [src] = data["sources"]
    assert set(src) == {"n", "article_id", "title", "source", "url", "published", "snippet", "syndicated"}
    assert (src["n"], src["published"]) == (1, "2023-11-10")


def test_ask_streams_text_then_sources(cli_store: Path) -> None:
    out = run("ask", "Who did Putin blame for the escalation in Gaza?", store=cli_store)
    assert out.returncode == 0
    assert "U.S. politics" in out.stdout and "\nSources:\n  [1] In a recent development" in out.stdout


def test_search_and_stats_json_shapes(cli_store: Path) -> None:
    out = run("search", "Putin", "--k", "3", "--json", store=cli_store)
    [hit] = json.loads(out.stdout)["results"]
    assert set(hit) == {"article_id", "title", "source", "url", "published", "score", "snippet", "syndicated"}
    stats = json.loads(run("stats", "--json", store=cli_store).stdout)
    assert (stats["articles"], stats["embedding_model"]) == (1, "all-MiniLM-L6-v2-int8")
    assert stats["chunks"] >= 2


def test_configuration_errors_exit_2_with_one_line(cli_store: Path) -> None:
    out = run("ask", "x", "--writer", "openai", store=cli_store)
    assert out.returncode == 2
    assert out.stderr.startswith("error: the openai writer needs OPENAI_API_KEY")
    dead = {"BRIEFING_EMBEDDING_PROVIDER": "openai", "BRIEFING_OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    out = run("ask", "x", store=cli_store, env=dead)
    assert out.returncode == 2 and "was built with embedding model" in out.stderr
    out = run("ask", "x", "--writer", "poet", store=cli_store)
    assert out.returncode == 2 and "writer" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_env_settings_are_honoured(tmp_path: Path, cli_store: Path) -> None:
    out = run("stats", "--json", store=cli_store, env={"BRIEFING_COLLECTION": "other_collection"})
    assert (
        json.loads(out.stdout)["articles"] == 0 and json.loads(out.stdout)["collection"] == "other_collection"
    )


def test_help_is_fast_and_lists_commands() -> None:
    out = subprocess.run([BRIEFING, "--help"], capture_output=True, text=True, timeout=60)
    for cmd in ("ingest", "ask", "search", "stats", "serve"):
        assert cmd in out.stdout
    heavy_libs = ("chromadb", "gradio", "onnxruntime", "langchain_openai")
    code = (
        f"import sys, briefing.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy_libs}))"
    )
    heavy = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert heavy.stdout.strip() == "[]"  # heavy libraries are imported lazily
