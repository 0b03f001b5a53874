"""Files → articles → chunks → embeddings → Chroma, in batches, idempotently.

Idempotent and crash-safe by construction: every chunk carries its article's content hash
and chunk count, so a re-run can tell an article that is stored whole and unchanged (skip)
from one that changed or was cut off mid-write by a crash (delete its chunks, write again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefing.articles import Article, ArticleError, iter_files, load_file
from briefing.config import Settings
from briefing.store import Store

#: progress(done, total, label) — the CLI draws a bar with it, the UI a gr.Progress.
Progress = Callable[[int, int, str], None]

BATCH_CHUNKS = 256  # chunks embedded and written per round trip


@dataclass(frozen=True)
class Failure:
    """A file (or URL) that could not be ingested, and why, in one line."""

    path: str
    reason: str


@dataclass
class IngestReport:
    """What an ingest run did, in articles (chunks_written counts chunks)."""

    added: int = 0
    unchanged: int = 0
    replaced: int = 0
    removed: int = 0
    duplicates: int = 0
    chunks_written: int = 0
    files: int = 0
    failed: list[Failure] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict:
        return {
            "added": self.added,
            "unchanged": self.unchanged,
            "replaced": self.replaced,
            "removed": self.removed,
            "duplicates": self.duplicates,
            "chunks_written": self.chunks_written,
            "files": self.files,
            "failed": [{"path": f.path, "reason": f.reason} for f in self.failed],
        }


def make_splitter(settings: Settings):  # noqa: ANN201 - RecursiveCharacterTextSplitter
    """Sentence-aware splitting: paragraphs first, then sentence ends, then words."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=settings.chunk_size,
        chunk_overlap=min(settings.chunk_overlap, settings.chunk_size // 2),
        separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
        keep_separator="end",
        add_start_index=True,
        strip_whitespace=True,
    )


def chunk_article(article: Article, splitter) -> list[tuple[str, dict]]:  # noqa: ANN001
    """(text, metadata) per chunk; every chunk knows its article and how many siblings it has."""
    docs = splitter.create_documents([article.text])
    base = {
        "article_id": article.id,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "published": article.published_iso,
        "published_int": article.published_int,
        "content_hash": article.content_hash,
        "origin": article.origin,
        "n_chunks": len(docs),
    }
    return [
        (d.page_content, base | {"chunk": i, "start": d.metadata.get("start_index", 0)})
        for i, d in enumerate(docs)
    ]


def embedding_text(title: str, chunk: str) -> str:
    """What is embedded: the title gives every chunk its story's context."""
    return f"{title}\n\n{chunk}" if title and not chunk.startswith(title) else chunk


class Ingestor:
    """Writes articles into a `Store`; one instance per run or per app."""

    def __init__(self, settings: Settings, store: Store, embeddings) -> None:  # noqa: ANN001
        self.settings = settings
        self.store = store
        self.embeddings = embeddings
        self.splitter = make_splitter(settings)

    def ingest_paths(self, paths: Sequence[Path | str], progress: Progress | None = None) -> IngestReport:
        """Load every file (directories are walked), then write what is new or changed."""
        report = IngestReport()
        articles: list[Article] = []
        origins: set[str] = set()
        files = list(iter_files(Path(p) for p in paths))
        for i, path in enumerate(files):
            if progress:
                progress(i, len(files), f"reading {path.name}")
            report.files += 1
            if not path.exists():
                report.failed.append(Failure(str(path), "no such file or directory"))
                continue
            try:
                loaded = load_file(path, self.settings.max_file_bytes)
            except ArticleError as exc:
                report.failed.append(Failure(str(path), str(exc)))
                continue
            except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the other files
                report.failed.append(Failure(str(path), f"unexpected {type(exc).__name__}: {exc}"))
                continue
            articles.extend(loaded)
            origins.add(str(path.resolve()))
        return self.ingest_articles(articles, origins=origins, report=report, progress=progress)

    def ingest_articles(
        self,
        articles: Iterable[Article],
        *,
        origins: set[str] | None = None,
        report: IngestReport | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Write articles; `origins` are files read whole, whose vanished articles are removed."""
        report = report or IngestReport()
        unique: dict[str, Article] = {}
        for a in articles:
            if a.id in unique:
                report.duplicates += 1
            else:
                unique[a.id] = a
        report.article_ids = list(unique)
        existing = self.store.articles(where={"article_id": {"$in": list(unique)}}) if unique else {}

        todo: list[Article] = []
        stale: set[str] = set()
        for a in unique.values():
            old = existing.get(a.id)
            if old and old.complete and old.content_hash == a.content_hash:
                report.unchanged += 1
                continue
            if old:
                report.replaced += 1
                stale.add(a.id)
            else:
                report.added += 1
            todo.append(a)

        # articles that a re-read file no longer holds (e.g. its text changed, so its id did)
        vanished: set[str] = set()
        for origin in sorted(origins or ()):
            for aid in self.store.articles(where={"origin": origin}):
                if aid not in unique:
                    vanished.add(aid)
        swapped = min(len(vanished), report.added)
        report.replaced += swapped
        report.added -= swapped
        report.removed += len(vanished) - swapped

        self._write(todo, stale | vanished, report, progress)
        return report

    def _write(
        self, todo: list[Article], stale: set[str], report: IngestReport, progress: Progress | None
    ) -> None:
        if stale:
            self.store.delete_articles(sorted(stale))
        batch: list[tuple[str, str, dict]] = []
        state = {"done": 0, "pending": 0}

        def flush() -> None:
            if batch:
                texts = [embedding_text(m["title"], t) for _, t, m in batch]
                vectors = self.embeddings.embed_documents(texts)
                self.store.upsert(
                    [i for i, _, _ in batch], vectors, [t for _, t, _ in batch], [m for _, _, m in batch]
                )
                report.chunks_written += len(batch)
                batch.clear()
            state["done"] += state["pending"]
            state["pending"] = 0
            if progress:
                progress(state["done"], len(todo), "embedding and writing")

        for a in todo:
            chunks = chunk_article(a, self.splitter)
            if batch and len(batch) + len(chunks) > BATCH_CHUNKS:
                flush()  # an article's chunks always go out in one write
            batch.extend((f"{a.id}:{i}", text, meta) for i, (text, meta) in enumerate(chunks))
            state["pending"] += 1
        flush()
