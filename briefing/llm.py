"""The chat-model factory: one place that knows how to reach an OpenAI-compatible server."""

from __future__ import annotations

from briefing.config import Settings


class ProviderError(RuntimeError):
    """The configured chat model cannot be used; the message says what to set."""


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
