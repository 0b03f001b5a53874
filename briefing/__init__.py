"""briefing: local-first news summarization and briefing chatbot.

    from briefing import Briefing
    b = Briefing.from_settings()
    b.ingest(["samples/news"])
    print(b.ask("What happened in Argentina?").answer)

Names are imported on first use, so `import briefing` (and `briefing --help`) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Briefing": "briefing.api",
    "Settings": "briefing.config",
    "Article": "briefing.articles",
    "ArticleError": "briefing.articles",
    "Answer": "briefing.results",
    "AnswerChunk": "briefing.results",
    "SearchHit": "briefing.results",
    "Source": "briefing.results",
    "Stats": "briefing.results",
    "IngestReport": "briefing.ingest",
    "Filters": "briefing.retrieval",
    "EmbeddingMismatchError": "briefing.store",
    "StoreError": "briefing.store",
    "ArticleInfo": "briefing.store",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from briefing.api import Briefing
    from briefing.articles import Article, ArticleError
    from briefing.config import Settings
    from briefing.ingest import IngestReport
    from briefing.results import Answer, AnswerChunk, SearchHit, Source, Stats
    from briefing.retrieval import Filters
    from briefing.store import ArticleInfo, EmbeddingMismatchError, StoreError


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'briefing' has no attribute {name!r}")
