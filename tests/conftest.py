"""Shared fixtures: real parts everywhere, isolated in tmp dirs.

The embedding model is loaded once per session (it is the real ONNX model, just shared);
every test gets its own Chroma directory unless it asks for the read-only sample store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "news"
SEED = SAMPLES / "000_32c01d30a3fa47c6.txt"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["ANONYMIZED_TELEMETRY"] = "False"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's BRIEFING_*/OPENAI_* settings or `.env`, or writes to ./vectorstore."""
    for key in list(os.environ):
        if key.startswith(("BRIEFING_", "OPENAI_")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("BRIEFING_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.chdir(tmp_path)  # a stray `.env` in the repo is not read


@pytest.fixture(scope="session")
def embeddings():
    """The real embedded model, loaded once."""
    from briefing.embeddings import LocalMiniLM

    emb = LocalMiniLM()
    emb.warm_up()
    return emb


@pytest.fixture
def make_briefing(tmp_path: Path, embeddings) -> Callable[..., object]:
    """Factory: `make_briefing(writer="openai", ...)` → a Briefing on a fresh store in tmp_path."""
    from briefing import Briefing, Settings

    def make(**overrides: object):
        overrides.setdefault("store_dir", tmp_path / "store")
        return Briefing(Settings().with_overrides(**overrides), embeddings=embeddings)

    return make


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Path:
    """The whole sample collection ingested once; tests must only read from it."""
    from briefing import Briefing, Settings

    store = tmp_path_factory.mktemp("sample-store")
    b = Briefing(Settings(store_dir=store), embeddings=embeddings)
    report = b.ingest([SAMPLES])
    assert report.ok, report.failed
    return store


@pytest.fixture
def sample_briefing(sample_store: Path, embeddings) -> Iterator[object]:
    """A Briefing over the shared, already-ingested sample collection (read-only)."""
    from briefing import Briefing, Settings

    yield Briefing(Settings(store_dir=sample_store), embeddings=embeddings)
