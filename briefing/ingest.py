"""Files → articles → chunks → embeddings → Chroma, in batches, idempotently.

Idempotent and crash-safe by construction: every chunk carries its article's content hash
and chunk count, so a re-run can tell an article that is stored whole and unchanged (skip)
from one that changed or was cut off mid-write by a crash (delete its chunks, write again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefing.articles import FEED_EXTS, Article, ArticleError, iter_files, load_file
from briefing.config import Settings
from briefing.fetch import fetch_articles, is_url
from briefing.limits import check_articles, one_line
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
    merged: int = 0  # syndicated copies stored once, under their original
    chunks_written: int = 0
    files: int = 0
    failed: list[Failure] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def changed(self) -> bool:
        """Whether the collection was written to (so derived indexes need a refresh)."""
        return bool(self.added or self.replaced or self.removed)

    def as_dict(self) -> dict:
        return {
            "added": self.added,
            "unchanged": self.unchanged,
            "replaced": self.replaced,
            "removed": self.removed,
            "duplicates": self.duplicates,
            "merged": self.merged,
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
        refused: dict[Path, str] = {}  # symlinks leading out of a walked folder
        urls = [str(p) for p in paths if is_url(p)]
        files = list(iter_files((Path(p) for p in paths if not is_url(p)), refused))
        for n, url in enumerate(urls):
            if progress:
                progress(n, len(urls), f"fetching {url[:60]}")
            report.files += 1
            try:
                limit = self.settings.max_file_bytes
                fetched = fetch_articles(url, timeout=self.settings.fetch_timeout, max_bytes=limit)
                check_articles(fetched, self.settings)
                articles.extend(fetched)  # no origin: a feed drops old entries, they stay ours
            except ArticleError as exc:
                report.failed.append(Failure(url, one_line(str(exc))))
        report.files += len(refused)
        report.failed.extend(Failure(str(p), reason) for p, reason in refused.items())
        for i, path in enumerate(files):
            if progress:
                progress(i, len(files), f"reading {path.name}")
            report.files += 1
            if not path.exists():
                gone = "broken or looping symlink" if path.is_symlink() else "no such file or directory"
                report.failed.append(Failure(str(path), gone))
                continue
            try:
                loaded = load_file(path, self.settings.max_file_bytes)
                check_articles(loaded, self.settings)
            except ArticleError as exc:
                report.failed.append(Failure(str(path), one_line(str(exc))))
                continue
            except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the other files
                report.failed.append(Failure(str(path), one_line(f"unexpected {type(exc).__name__}: {exc}")))
                continue
            articles.extend(loaded)
            if path.suffix.lower() not in FEED_EXTS:  # a feed file rolls over: old entries stay
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
        copies = self.store.get_aliases([i for i in unique if i not in existing])

        todo: list[Article] = []
        stale: set[str] = set()
        for a in unique.values():
            old = existing.get(a.id)
            if old and old.complete and old.content_hash == a.content_hash:
                report.unchanged += 1
                continue
            if a.id in copies and copies[a.id].get("content_hash") == a.content_hash:
                report.unchanged += 1  # a known syndicated copy, stored under its original
                continue
            if old or a.id in copies:
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
        if todo or stale or vanished:
            newest = max((a.published_iso for a in todo), default=None) or None
            self.store.touch(newest, outlets={a.source for a in todo})
        return report

    def _write(
        self, todo: list[Article], stale: set[str], report: IngestReport, progress: Progress | None
    ) -> None:
        """Embed and upsert in batches; syndicated copies are merged into their original."""
        from briefing.dedup import Matcher, copy_record, syndicated_json

        if stale:
            self.store.delete_articles(sorted(stale))
        matcher = Matcher(self.store)
        copies_of = self.store.aliases_of([a.id for a in todo])  # copies merged into rewritten articles
        batch: list[tuple[Article, list[tuple[str, dict]]]] = []
        state = {"done": 0, "pending": 0}

        def flush() -> None:
            rows = [(a, text, meta) for a, chunks in batch for text, meta in chunks]
            if rows:
                vectors = self.embeddings.embed_documents([embedding_text(m["title"], t) for _, t, m in rows])
                first = {}  # article id → (article, first-chunk vector), in batch order
                for (a, _t, m), v in zip(rows, vectors, strict=True):
                    if m["chunk"] == 0:
                        first[a.id] = (a, v)
                new_copies: dict[str, dict] = {}
                earlier: dict[str, tuple] = {}
                for aid, (a, v) in first.items():
                    canonical = matcher.find(a, v, earlier)
                    if canonical:
                        new_copies[aid] = copy_record(a, canonical)
                    else:
                        earlier[aid] = (a, v)
                keep = [(r, v) for r, v in zip(rows, vectors, strict=True) if r[0].id not in new_copies]
                for a, _t, m in (r for r, _ in keep):
                    merged = copies_of.get(a.id, []) + [
                        {"article_id": i, **c} for i, c in new_copies.items() if c["canonical"] == a.id
                    ]
                    m["syndicated"] = syndicated_json(merged) if merged else ""
                if keep:
                    self.store.upsert(
                        [f"{r[0].id}:{r[2]['chunk']}" for r, _ in keep],
                        [v for _, v in keep],
                        [r[1] for r, _ in keep],
                        [r[2] for r, _ in keep],
                    )
                    report.chunks_written += len(keep)
                self._record_copies(new_copies, {r[0].id for r, _ in keep}, stale, report)
                for aid in earlier:
                    matcher.remember(earlier[aid][0])
                batch.clear()
            state["done"] += state["pending"]
            state["pending"] = 0
            if progress:
                progress(state["done"], len(todo), "embedding and writing")

        pending_chunks = 0
        for a in todo:
            chunks = chunk_article(a, self.splitter)
            if batch and pending_chunks + len(chunks) > BATCH_CHUNKS:
                flush()  # an article's chunks always go out in one write
                pending_chunks = 0
            batch.append((a, chunks))
            pending_chunks += len(chunks)
            state["pending"] += 1
        flush()

    def _record_copies(
        self, copies: dict[str, dict], written_now: set[str], replaced: set[str], report: IngestReport
    ) -> None:
        """Remember each copy, and list it on its original (already stored ones get an update)."""
        from briefing.dedup import syndicated_json

        if not copies:
            return
        self.store.add_aliases(copies)
        report.merged += len(copies)
        report.added -= sum(1 for aid in copies if aid not in replaced)  # a replaced one was never "added"
        for canonical in sorted({c["canonical"] for c in copies.values()} - written_now):
            merged = self.store.aliases_of([canonical]).get(canonical, [])
            self.store.set_article_metadata(canonical, syndicated=syndicated_json(merged))
