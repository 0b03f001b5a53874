"""The chat-model factory: one place that knows how to reach an OpenAI-compatible server."""

from __future__ import annotations

from briefing.config import Settings


class ProviderError(RuntimeError):
    """The configured chat model cannot be used; the message says what to set."""


class ModelServerError(ProviderError):
    """The model server failed at run time: down, too slow, 429/5xx after the retries, or a
    broken stream. `started` tells whether some answer text had already been streamed."""

    def __init__(self, message: str, started: bool = False) -> None:
        super().__init__(message)
        self.started = started


def server_failure(exc: BaseException, settings: Settings) -> str | None:
    """A one-line description if `exc` is the model server failing (not our bug), else None."""
    import json

    import httpx
    import openai

    where = settings.openai_base_url or "api.openai.com"
    if isinstance(exc, openai.APITimeoutError):
        what = f"timed out after {settings.request_timeout:g}s"
    elif isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        what = "unreachable or dropped the connection"
    elif isinstance(exc, openai.RateLimitError):
        what = "rate limited (HTTP 429)"
    elif isinstance(exc, openai.APIStatusError):
        what = f"answered HTTP {exc.status_code}"
    elif isinstance(exc, openai.OpenAIError | json.JSONDecodeError):
        what = f"sent a malformed response ({type(exc).__name__})"
    else:
        return None
    retries = f" after {settings.max_retries} retries" if settings.max_retries else ""
    return f"model server {where} {what}{retries}"


def make_chat_model(settings: Settings):  # noqa: ANN201 - langchain_openai.ChatOpenAI
    """`ChatOpenAI` for OpenAI or any compatible base URL (llama.cpp, vLLM, Ollama, LM Studio)."""
    key = settings.api_key()
    if not key and not settings.openai_base_url:
        raise ProviderError(
            "the openai writer needs OPENAI_API_KEY (for api.openai.com) or "
            "BRIEFING_OPENAI_BASE_URL (for a local OpenAI-compatible server); "
            "or use the embedded default: BRIEFING_WRITER=extractive"
        )
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.model,
        base_url=settings.openai_base_url,
        api_key=key or "not-needed",  # local servers accept any key
        temperature=settings.temperature,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
        streaming=True,
    )
