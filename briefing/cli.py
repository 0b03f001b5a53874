"""`briefing` command line: parses flags, calls the Python API, renders its results.

Exit codes a script can rely on: 0 success, 1 some input failed (the rest was done),
2 bad usage or configuration (nothing was done).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    name="briefing",
    help="Local-first news briefings: ingest articles, ask questions with citations, brief.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

eval_app = typer.Typer(help="Measure retrieval and briefing quality.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

StoreOpt = Annotated[Path | None, typer.Option("--store", help="Chroma directory [env BRIEFING_STORE_DIR].")]
CollectionOpt = Annotated[str | None, typer.Option("--collection", help="Collection name.")]
ChromaOpt = Annotated[str | None, typer.Option("--chroma-url", help="Chroma server URL instead of --store.")]
WriterOpt = Annotated[str | None, typer.Option("--writer", help="extractive (default, offline) or openai.")]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Chat model for the openai writer.")]
BaseUrlOpt = Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible server URL.")]
KOpt = Annotated[int | None, typer.Option("--k", "-k", min=1, max=50, help="Chunks to retrieve.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (shapes in the README).")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="Only articles on/after YYYY-MM-DD.")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Only articles on/before YYYY-MM-DD.")]
SourceOpt = Annotated[list[str] | None, typer.Option("--source", help="Only this outlet (repeatable).")]


def _err(message: str) -> None:
    typer.echo(f"error: {message}", err=True)


@contextmanager
def _errors() -> Iterator[None]:
    """Known failures become one line on stderr and exit 2, never a traceback."""
    from pydantic import ValidationError

    from briefing.articles import ArticleError
    from briefing.llm import ProviderError
    from briefing.store import StoreError

    try:
        yield
    except (StoreError, ProviderError, ArticleError, FileNotFoundError) as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        _err(f"bad setting {'.'.join(map(str, first['loc']))}: {first['msg']}")
        raise typer.Exit(2) from None
    except Exception as exc:
        if type(exc).__module__.startswith(("openai", "langchain_openai")):  # down, 401, 429 after retries
            _err(f"model server error ({type(exc).__name__}): {exc}")
            raise typer.Exit(2) from None
        raise


def _briefing(**overrides: Any):  # noqa: ANN202 - briefing.api.Briefing
    from briefing.api import Briefing

    keys = {"store": "store_dir", "base_url": "openai_base_url", "k": "top_k"}
    return Briefing.from_settings(**{keys.get(k, k): v for k, v in overrides.items()})


def _printable(text: str) -> str:
    """A file name as one line: control characters (a newline in a name) shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, directories (walked) or http(s):// URLs.")],
    store: StoreOpt = None,
    collection: CollectionOpt = None,
    chroma_url: ChromaOpt = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Empty the collection first.")] = False,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    watch: Annotated[
        float | None, typer.Option("--watch", help="Re-ingest every N seconds until stopped (Ctrl-C).")
    ] = None,
) -> None:
    """Ingest files (.txt .md .json .jsonl .html, RSS/Atom) or URLs; idempotent. Exit 1 if any failed."""
    import time

    with _errors():
        b = _briefing(store=store, collection=collection, chroma_url=chroma_url)
        report = _ingest_once(b, paths, rebuild, show_bar=not quiet and not as_json)
        _print_report(report, as_json)
        while watch:
            try:
                time.sleep(watch)
            except KeyboardInterrupt:
                break
            report = _ingest_once(b, paths, False, show_bar=False)
            if report.changed or report.failed:
                _print_report(report, as_json)
    raise typer.Exit(1 if report.failed else 0)


def _ingest_once(b: Any, paths: list[str], rebuild: bool, show_bar: bool) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    shown = show_bar and console.is_terminal
    with Progress(*columns, console=console, transient=True, disable=not shown) as bar:
        task = bar.add_task("reading", total=None)

        def progress(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label[:50])

        return b.ingest(paths, progress=progress, rebuild=rebuild)


def _print_report(report: Any, as_json: bool) -> None:
    if as_json:
        _print_json(report.as_dict())
        return
    for f in report.failed:
        typer.echo(f"failed: {_printable(f.path)}: {f.reason}", err=True)
    merged = f", {report.merged} syndicated copies merged" if report.merged else ""
    typer.echo(
        f"{report.added} added, {report.unchanged} unchanged, {report.replaced} replaced, "
        f"{report.removed} removed, {len(report.failed)} failed "
        f"({report.files} files, {report.chunks_written} chunks written{merged})"
    )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question.")],
    store: StoreOpt = None,
    collection: CollectionOpt = None,
    chroma_url: ChromaOpt = None,
    writer: WriterOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    k: KOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the collection, citing sources as [n]."""
    with _errors():
        b = _briefing(
            store=store,
            collection=collection,
            chroma_url=chroma_url,
            writer=writer,
            model=model,
            base_url=base_url,
            k=k,
        )
        if as_json:
            _print_json(b.ask(question, since=since, until=until, sources=source).as_dict())
            return
        final = None
        for chunk in b.stream(question, since=since, until=until, sources=source):
            if chunk.delta:
                sys.stdout.write(chunk.delta)
                sys.stdout.flush()
            final = chunk.answer or final
        typer.echo("")
        for note in final.notes if final else []:
            typer.echo(f"note: {note}", err=True)
        if final and final.sources:
            typer.echo("\nSources:")
            for s in final.sources:
                typer.echo("  " + _source_line(s))


def _source_line(s: Any) -> str:
    bits = [f"[{s.n}] {s.title}"]
    meta = ", ".join(x for x in (s.source, s.published) if x)
    if meta:
        bits.append(f"({meta})")
    if s.url:
        bits.append(s.url)
    return " ".join(bits)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    store: StoreOpt = None,
    collection: CollectionOpt = None,
    chroma_url: ChromaOpt = None,
    k: KOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The articles that best match a query, with scores."""
    with _errors():
        hits = _briefing(store=store, collection=collection, chroma_url=chroma_url).search(
            query, k=k, since=since, until=until, sources=source
        )
    if as_json:
        _print_json({"results": [h.as_dict() for h in hits], "notes": hits.notes})
        return
    for note in hits.notes:
        typer.echo(f"note: {note}", err=True)
    if not hits:
        typer.echo("no matching articles")
    for h in hits:
        meta = ", ".join(x for x in (h.source, h.published) if x)
        typer.echo(
            f"{h.score:.3f}  {h.title}" + (f"  ({meta})" if meta else "") + (f"  {h.url}" if h.url else "")
        )


@app.command()
def stats(
    store: StoreOpt = None,
    collection: CollectionOpt = None,
    chroma_url: ChromaOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What is in the collection."""
    with _errors():
        st = _briefing(store=store, collection=collection, chroma_url=chroma_url).stats()
    if as_json:
        _print_json(st.as_dict())
        return
    typer.echo(f"{st.articles} articles, {st.chunks} chunks in {st.store} (collection {st.collection})")
    if st.incomplete_articles:
        typer.echo(f"{st.incomplete_articles} incomplete articles (re-run ingest to repair)")
    if st.first_date:
        typer.echo(f"dates: {st.first_date} .. {st.last_date}")
    typer.echo(f"embedding model: {st.embedding_model}; writer: {st.writer}")
    for name, n in st.sources.items():
        typer.echo(f"  {n:5d}  {name}")


@app.command()
def serve(
    store: StoreOpt = None,
    collection: CollectionOpt = None,
    chroma_url: ChromaOpt = None,
    writer: WriterOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    host: Annotated[str | None, typer.Option("--host", help="Bind address [127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port [7860].")] = None,
) -> None:
    """Start the web app (same as `python app.py`)."""
    with _errors():
        from briefing.ui import launch

        launch(
            _briefing(
                store=store,
                collection=collection,
                chroma_url=chroma_url,
                writer=writer,
                model=model,
                base_url=base_url,
                host=host,
                port=port,
            )
        )


@app.command()
def brief(
    topic: Annotated[str, typer.Argument(help="What the briefing is about.")],
    store: StoreOpt = None,
    collection: CollectionOpt = None,
    chroma_url: ChromaOpt = None,
    writer: WriterOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A short neutral briefing on a topic, citing sources as [n], with support scores."""
    with _errors():
        b = _briefing(
            store=store,
            collection=collection,
            chroma_url=chroma_url,
            writer=writer,
            model=model,
            base_url=base_url,
        )
        try:
            result = b.brief(topic, since=since, until=until, sources=source)
        except ValueError as exc:
            _err(str(exc))
            raise typer.Exit(2) from None
    if as_json:
        _print_json(result.as_dict())
        return
    typer.echo(result.text)
    if result.sources:
        typer.echo("\nSources:")
        for s in result.sources:
            typer.echo("  " + _source_line(s))
    flags = result.neutrality.get("flags", [])
    scores = ", ".join(f"{x:.2f}" for x in result.support_scores)
    typer.echo(f"\nsupport: {scores or '-'}; neutrality flags: {len(flags)}")
    for f in flags:
        typer.echo(f"  {f['kind']}: {f['text']!r} ({f['reason']})")


@app.command()
def daily(
    date: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD [newest day in collection].")] = None,
    days: Annotated[int, typer.Option("--days", help="Window of N days ending on --date.")] = 1,
    fmt: Annotated[str, typer.Option("--format", help="md, json or html.")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
    store: StoreOpt = None,
    collection: CollectionOpt = None,
    chroma_url: ChromaOpt = None,
) -> None:
    """The daily briefing: the day's stories by coverage, each neutral, cited, with its outlets."""
    from briefing.digest import DailyError

    if fmt not in ("md", "json", "html"):
        _err(f"unknown format {fmt!r} (md, json or html)")
        raise typer.Exit(2)
    with _errors():
        try:
            b = _briefing(store=store, collection=collection, chroma_url=chroma_url)
            text = b.daily(date, days).render(fmt)
        except DailyError as exc:
            _err(str(exc))
            raise typer.Exit(2) from None
    if out:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            _err(f"cannot write {out}: {exc.strerror or exc}")
            raise typer.Exit(2) from None
        typer.echo(f"wrote {out}", err=True)
    else:
        typer.echo(text, nl=False)


@eval_app.command("retrieval")
def eval_retrieval(
    dataset: Annotated[Path, typer.Option("--dataset", help="JSONL: {question, relevant: [url|id], now?}.")],
    store: StoreOpt = None,
    collection: CollectionOpt = None,
    chroma_url: ChromaOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Recall@1/5/10 and MRR of dense-only, BM25-only and hybrid retrieval on a gold set."""
    from briefing.retrieval_eval import evaluate, load_dataset

    with _errors():
        try:
            items = load_dataset(dataset)
        except (OSError, ValueError) as exc:
            _err(str(exc))
            raise typer.Exit(2) from None
        results = evaluate(_briefing(store=store, collection=collection, chroma_url=chroma_url), items)
    if as_json:
        _print_json({"dataset": str(dataset), "modes": [r.as_dict() for r in results]})
        return
    typer.echo(f"{len(items)} questions from {dataset}")
    typer.echo(f"{'mode':8s} {'R@1':>7s} {'R@5':>7s} {'R@10':>7s} {'MRR':>7s}")
    for r in results:
        typer.echo(f"{r.mode:8s} {r.recall[1]:7.3f} {r.recall[5]:7.3f} {r.recall[10]:7.3f} {r.mrr:7.3f}")


@eval_app.command("briefing")
def eval_briefing(
    dataset: Annotated[Path, typer.Option("--dataset", help="JSONL: {id, articles, reference}.")],
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Only the first N stories.")] = None,
    sentences: Annotated[int, typer.Option("--sentences", min=1, max=12, help="Briefing length.")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """ROUGE of our briefings beside Lead-3 and TextRank, loaded-language rate, faithfulness."""
    from briefing.brief_eval import EvalDataError, evaluate

    with _errors():
        b = _briefing()
        try:
            report = evaluate(dataset, b.embeddings, limit=limit, max_sentences=sentences)
        except EvalDataError as exc:
            _err(str(exc))
            raise typer.Exit(2) from None
    if as_json:
        _print_json(report.as_dict())
        return
    skipped = f" ({len(report.skipped)} skipped: no article text)" if report.skipped else ""
    typer.echo(f"{report.stories} stories{skipped}, {report.sentences} briefing sentences, {report.seconds}s")
    for name, r in report.rouge.items():
        typer.echo(
            f"  {name:9s} ROUGE-1 {r['rouge1']:.4f}  ROUGE-2 {r['rouge2']:.4f}  ROUGE-L {r['rougeL']:.4f}"
        )
    typer.echo(
        f"loaded words per 100: briefings {report.loaded_rate_briefing:.3f}, "
        f"sources {report.loaded_rate_sources:.3f} (ratio {report.loaded_ratio:.3f})"
    )
    typer.echo(f"supported sentences: {report.supported_share:.1%} (mean support {report.mean_support:.3f})")
    for name, ok in report.targets.items():
        typer.echo(f"  target {name}: {'met' if ok else 'NOT met'}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
