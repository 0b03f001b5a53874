"""Input policies that protect the collection and the machine from hostile or broken files.

The loaders turn bytes into articles; this module decides what is acceptable to store: how many
articles a file may hold, how long one may be, how far in the future its date may lie, and
which files a folder walk may follow. Each refusal is an `ArticleError` with a one-line reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from briefing.articles import Article, ArticleError
from briefing.config import Settings


def check_articles(articles: Sequence[Article], settings: Settings, today: date | None = None) -> None:
    """Raise ArticleError if a file's articles break a limit (the whole file is refused, so a
    user fixes one file rather than hunting for the part of it that was silently dropped)."""
    if len(articles) > settings.max_articles_per_file:
        raise ArticleError(
            f"{len(articles):,} articles in one file > limit {settings.max_articles_per_file:,} "
            "(split the file or raise BRIEFING_MAX_ARTICLES_PER_FILE)"
        )
    latest = (today or date.today()) + timedelta(days=settings.max_future_days)
    for i, a in enumerate(articles):
        where = f"article {i + 1} " if len(articles) > 1 else ""
        if len(a.text) > settings.max_article_chars:
            raise ArticleError(
                f"{where}text too long ({len(a.text):,} characters > limit {settings.max_article_chars:,}; "
                "raise BRIEFING_MAX_ARTICLE_CHARS if it is really one article)"
            )
        if a.published and a.published > latest:
            raise ArticleError(
                f"{where}date {a.published.isoformat()} is in the future (more than "
                f"{settings.max_future_days} days ahead; BRIEFING_MAX_FUTURE_DAYS)"
            )


def outside_root(path: Path, root: Path) -> str | None:
    """Why a file found while walking `root` must not be read (a symlink leading out), or None."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling or looping symlink
        return None  # reading it fails with its own clear reason
    real_root = root.resolve()
    if target != real_root and real_root not in target.parents:
        return f"symlink to {target} leads outside the ingested folder {real_root} (refused)"
    return None


def one_line(reason: str, limit: int = 300) -> str:
    """A failure reason as a single readable line (parsers' messages may span lines)."""
    text = re.sub(r"\s+", " ", reason).strip() or "unknown error"
    return text if len(text) <= limit else text[: limit - 1] + "…"
