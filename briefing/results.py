"""Plain result objects returned by the Python API; the CLI and UI only render these."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

_CITATION = re.compile(r"\[(\d{1,3})\]")


def cited_numbers(text: str) -> list[int]:
    """The distinct `[n]` citation numbers in a text, in order of first use."""
    seen: list[int] = []
    for m in _CITATION.finditer(text):
        n = int(m.group(1))
        if n not in seen:
            seen.append(n)
    return seen


@dataclass(frozen=True)
class Source:
    """An article cited as `[n]` in an answer or briefing."""

    n: int
    article_id: str
    title: str
    source: str
    url: str
    published: str
    snippet: str
    syndicated: list[dict] = field(default_factory=list)  # other outlets that ran the same story

    def as_dict(self) -> dict:
        return asdict(self)


def syndicated_copies(meta: dict) -> list[dict]:
    """The `syndicated` chunk metadata (JSON text) as stored: one dict per copy, with its
    article_id, title, source, url and published; [] when absent or unreadable."""
    import json

    try:
        copies = json.loads(meta.get("syndicated") or "[]")
    except (ValueError, TypeError):
        return []
    return [c for c in copies if isinstance(c, dict)] if isinstance(copies, list) else []


def syndicated_from(meta: dict) -> list[dict]:
    """The copies as shown with a source: {title, source, url, published} each."""
    keep = ("title", "source", "url", "published")
    return [{k: c.get(k, "") for k in keep} for c in syndicated_copies(meta)]


@dataclass(frozen=True)
class Answer:
    """A grounded answer: text with `[n]` markers, and the sources those numbers point to."""

    question: str
    answer: str
    sources: list[Source] = field(default_factory=list)
    retrieved: list[Source] = field(default_factory=list)  # everything the writer was shown
    notes: list[str] = field(default_factory=list)  # e.g. a date filter read from the question
    fallback: bool = False  # the model server failed; the extractive writer answered instead

    def as_dict(self) -> dict:
        out = {"answer": self.answer, "sources": [s.as_dict() for s in self.sources]}
        if self.notes:
            out["notes"] = list(self.notes)
        if self.fallback:
            out["fallback"] = True
        return out


@dataclass(frozen=True)
class AnswerChunk:
    """One piece of a streamed answer.

    The first chunk has `sources` (what was retrieved) and an empty `delta`; text follows
    in `delta`s; the last chunk has `done=True` and the final `answer`.
    """

    delta: str = ""
    sources: list[Source] | None = None
    done: bool = False
    answer: Answer | None = None


@dataclass(frozen=True)
class SearchHit:
    """One article found by `search`, with its best-matching chunk."""

    article_id: str
    title: str
    source: str
    url: str
    published: str
    score: float
    snippet: str
    syndicated: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


class SearchResults(list):
    """`search` results: a plain list of `SearchHit`, plus `notes` on how they were found."""

    def __init__(self, hits: object = (), notes: list[str] | None = None) -> None:
        super().__init__(hits)
        self.notes = list(notes or [])


@dataclass(frozen=True)
class Stats:
    """What is in the store."""

    articles: int
    chunks: int
    incomplete_articles: int
    sources: dict[str, int]
    first_date: str | None
    last_date: str | None
    embedding_model: str
    store: str
    collection: str
    writer: str

    def as_dict(self) -> dict:
        return asdict(self)
