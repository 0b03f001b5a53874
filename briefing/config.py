"""One `Settings` object, read from `BRIEFING_*` env vars and `.env`, passed down everywhere.

Nothing else in the package reads the environment: a CLI flag, an env var and a Python
argument all end up as a field here, so they can never disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The embedded default: all-MiniLM-L6-v2 as an int8 ONNX model shipped on PyPI.
LOCAL_EMBEDDING_MODEL = "all-MiniLM-L6-v2-int8"
OPENAI_EMBEDDING_MODEL = "text-embedding-3-small"


class Settings(BaseSettings):
    """Every knob of the project. Field `x` is env var `BRIEFING_X`."""

    model_config = SettingsConfigDict(
        env_prefix="BRIEFING_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- store
    store_dir: Path = Field(Path("vectorstore"), description="Chroma directory (embedded mode).")
    chroma_url: str | None = Field(
        None, description="Chroma server URL (e.g. http://127.0.0.1:8000); overrides store_dir."
    )
    collection: str = Field("briefing", min_length=3, max_length=512)

    # --- embeddings
    embedding_provider: Literal["local", "openai"] = "local"
    embedding_model: str | None = Field(
        None,
        description="Default per provider: all-MiniLM-L6-v2-int8 (local), text-embedding-3-small (openai).",
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024)
    onnx_threads: int = Field(0, ge=0, description="ONNX Runtime threads; 0 = all cores.")

    # --- writer / chat model
    writer: Literal["extractive", "openai"] = "extractive"
    model: str = Field("gpt-4o-mini", description="Chat model name for the openai writer.")
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("BRIEFING_OPENAI_BASE_URL", "OPENAI_BASE_URL", "openai_base_url"),
        description="Any OpenAI-compatible server (llama.cpp, vLLM, Ollama, LM Studio).",
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("BRIEFING_OPENAI_API_KEY", "OPENAI_API_KEY", "openai_api_key"),
    )
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    request_timeout: float = Field(60.0, gt=0)
    max_retries: int = Field(2, ge=0, le=10)
    fallback_to_extractive: bool = Field(
        False, description="If the model server fails before any text, answer extractively and say so."
    )

    # --- retrieval and answers
    top_k: int = Field(6, ge=1, le=50, description="Chunks retrieved per question.")
    min_relevance: float = Field(
        0.2, ge=-1.0, le=1.0, description="Cosine similarity below which a chunk is not used."
    )
    max_chunks_per_article: int = Field(3, ge=1, le=50)
    retrieval_mode: Literal["hybrid", "dense", "bm25"] = Field(
        "hybrid", description="Dense + BM25 fused by reciprocal rank, or one side alone."
    )
    mmr: bool = Field(False, description="Diversify retrieved chunks (maximal marginal relevance).")
    mmr_lambda: float = Field(0.7, ge=0.0, le=1.0, description="MMR: 1 = relevance only, 0 = diversity only.")
    answer_sentences: int = Field(3, ge=1, le=12, description="Extractive writer: sentences.")

    # --- briefings (brief, daily)
    brief_sentences: int = Field(5, ge=1, le=12, description="Sentences in a `brief` briefing.")
    brief_k: int = Field(12, ge=1, le=100, description="Chunks retrieved for a topic briefing.")
    daily_sentences: int = Field(3, ge=1, le=6, description="Sentences per story in the daily briefing.")
    story_threshold: float = Field(
        0.65, ge=0.0, le=1.0, description="Daily: cosine (average link) at which articles are one story."
    )
    min_support: float = Field(
        0.6, ge=0.0, le=1.0, description="Faithfulness: support score below which a sentence is dropped."
    )

    # --- ingest
    chunk_size: int = Field(1000, ge=100, le=20000, description="Characters per chunk.")
    chunk_overlap: int = Field(150, ge=0, le=5000)
    fetch_timeout: float = Field(20.0, gt=0, description="Seconds per http(s) URL given to ingest.")
    max_file_bytes: int = Field(20_000_000, ge=1, description="Files larger than this are refused.")
    max_articles_per_file: int = Field(
        10_000, ge=1, description="A file with more articles is refused (split it)."
    )
    max_article_chars: int = Field(
        200_000, ge=100, description="An article with more text is refused (a dump, not news)."
    )
    max_future_days: int = Field(
        2, ge=0, description="Dates up to this many days ahead are accepted (time zones), later ones refused."
    )

    # --- prompts and app
    prompts_dir: Path | None = Field(None, description="Directory of prompt overrides.")
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=0, le=65535)
    auth: SecretStr | None = Field(None, description="Web app login as `user:password` (none: open).")
    auth_file: Path | None = Field(None, description="Web app logins, one `user:password` per line.")

    @field_validator("chroma_url", "openai_base_url", "embedding_model", "auth", "auth_file", mode="before")
    @classmethod
    def _blank_is_none(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    def api_key(self) -> str | None:
        return self.openai_api_key.get_secret_value() if self.openai_api_key else None

    def embedding_id(self) -> str:
        """The name recorded on a collection, so a store is never queried with another model."""
        if self.embedding_provider == "local":
            return self.embedding_model or LOCAL_EMBEDDING_MODEL
        return f"openai:{self.embedding_model or OPENAI_EMBEDDING_MODEL}"

    def store_location(self) -> str:
        return self.chroma_url or str(self.store_dir.resolve())

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with the given non-None fields replaced (how CLI flags beat env vars)."""
        data = {k: v for k, v in overrides.items() if v is not None}
        if not data:
            return self
        merged = self.model_dump()
        merged.update(data)
        return type(self).model_validate(merged)
