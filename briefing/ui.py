"""The Gradio app: chat, daily briefing, library and status views over one `Briefing`.

It only renders what the `Briefing` API returns (HTML in `briefing.ui_render`, where every
outside string is escaped); the work happens in the API, the same one the CLI calls.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from briefing import ui_render as R
from briefing.api import Briefing
from briefing.articles import SUPPORTED_EXTS
from briefing.config import Settings

EXAMPLES = [
    "Who did Putin blame for the escalation in Gaza?",
    "What did Biden and Xi agree on?",
    "What happened at OpenAI this week?",
]
ARTICLE_COLUMNS = ["date", "outlet", "title", "url", "id"]
SEARCH_COLUMNS = ["date", "outlet", "title", "url", "id", "score"]


class AuthConfigError(ValueError):
    """BRIEFING_AUTH / BRIEFING_AUTH_FILE cannot be read; the message says why."""


def auth_pairs(settings: Settings) -> list[tuple[str, str]] | None:
    """The logins from `auth` (`user:password`) and `auth_file` (one per line); None = open."""
    lines: list[tuple[str, str]] = []
    if settings.auth is not None:
        lines.append(("BRIEFING_AUTH", settings.auth.get_secret_value()))
    if settings.auth_file is not None:
        try:
            text = Path(settings.auth_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise AuthConfigError(
                f"cannot read BRIEFING_AUTH_FILE {settings.auth_file}: {exc.strerror}"
            ) from None
        for i, line in enumerate(text.splitlines(), 1):
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append((f"{settings.auth_file}:{i}", line.strip()))
    pairs = []
    for where, line in lines:
        user, sep, password = line.partition(":")
        if not sep or not user.strip() or not password:
            raise AuthConfigError(f"{where}: expected user:password")
        pairs.append((user.strip(), password))
    if settings.auth_file is not None and not pairs:
        raise AuthConfigError(f"BRIEFING_AUTH_FILE {settings.auth_file} has no user:password line")
    return pairs or None


def safe_upload_name(name: str) -> str:
    """A client's file name reduced to a plain base name: no directories, no hidden files."""
    base = re.split(r"[\\/]", name or "")[-1]
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")[:80] or "upload"
    ext = re.sub(r"[^A-Za-z0-9]+", "", ext)[:10].lower()
    return f"{stem}.{ext}" if ext else stem


def _days(value: Any) -> int:
    try:
        return max(1, min(31, int(value or 1)))
    except (TypeError, ValueError):
        return 1


def _outlets(selected: Any) -> list[str] | None:
    return [s for s in (selected or []) if s] or None


def build_app(b: Briefing, *, login: bool = False):  # noqa: ANN201 - gradio.Blocks
    """The Blocks app over `b`. Uploads go to a private folder of this app only."""
    import gradio as gr

    upload_dir = Path(tempfile.mkdtemp(prefix="briefing-uploads-"))
    export_dir = Path(tempfile.mkdtemp(prefix="briefing-exports-"))
    max_bytes = b.settings.max_file_bytes
    outlet_choices = list(b.stats().sources)  # refreshed on every page load and after changes
    upload_label = f"Upload articles ({' '.join(sorted(SUPPORTED_EXTS))}; ≤ {max_bytes / 1e6:g} MB each)"

    # ------------------------------------------------------------ shared refreshers

    def refresh() -> tuple[Any, ...]:
        """Header line, status page, outlet choices (chat + library), newest date."""
        st = b.stats()
        choices = list(st.sources)
        return (
            R.status_line(st),
            R.status_html(st, b.settings, login=login),
            gr.update(choices=choices),
            gr.update(choices=choices),
            st.last_date,
        )

    # ------------------------------------------------------------ chat

    def respond(
        message: str, conv: list[dict], shown: list[dict], since: str | None, until: str | None, outlets: Any
    ) -> Iterator[tuple[Any, ...]]:
        """Stream an answer: sources first, then the text as it is written."""
        message = (message or "").strip()
        if not message:
            yield shown, gr.skip(), "", conv
            return
        shown = [
            *shown,
            {"role": "user", "content": R.user_bubble(message)},
            {"role": "assistant", "content": "…"},
        ]
        yield shown, gr.skip(), "", conv
        if b.store.count_chunks() == 0:
            shown[-1]["content"] = R.esc("The collection is empty: add articles in the Library tab first.")
            yield shown, R.sources_html([]), "", conv
            return
        text = ""
        try:
            for chunk in b.stream(message, conv, since=since, until=until, sources=_outlets(outlets)):
                if chunk.sources is not None:
                    yield shown, R.sources_html(chunk.sources, "Retrieved"), "", conv
                if chunk.delta:
                    text += chunk.delta
                    shown[-1]["content"] = R.answer_bubble(text)
                    yield shown, gr.skip(), "", conv
                if chunk.answer is not None:
                    shown[-1]["content"] = R.answer_bubble(chunk.answer.answer)
                    conv = [
                        *conv,
                        {"role": "user", "content": message},
                        {"role": "assistant", "content": chunk.answer.answer},
                    ]
                    panel = R.sources_html(chunk.answer.sources, "Sources", notes=chunk.answer.notes)
                    yield shown, panel, "", conv
        except Exception as exc:  # noqa: BLE001 - the reason goes in the chat; the app stays up
            shown[-1]["content"] = R.esc(f"Error: {exc}")
            yield shown, gr.skip(), "", conv

    # ------------------------------------------------------------ briefing

    def daily(day: str | None, days: Any) -> tuple[str, Any, Any]:
        """The daily briefing, rendered, with its Markdown and JSON files to download."""
        hide = gr.update(visible=False)
        try:
            result = b.daily(date=day or None, days=_days(days))
        except Exception as exc:  # noqa: BLE001 - a bad date or an empty collection, in one line
            return R.notice(f"Error: {exc}", "error"), hide, hide
        stamp = re.sub(r"[^0-9-]", "", result.date) or "latest"
        if result.days > 1:
            stamp += f"-{result.days}d"
        md_path = export_dir / f"briefing-{stamp}.md"
        json_path = export_dir / f"briefing-{stamp}.json"
        md_path.write_text(result.to_markdown(), encoding="utf-8")
        json_path.write_text(result.to_json() + "\n", encoding="utf-8")
        return (
            R.daily_html(result),
            gr.update(value=str(md_path), visible=True),
            gr.update(value=str(json_path), visible=True),
        )

    def brief(topic: str, since: str | None, until: str | None, outlets: Any) -> str:
        """A short neutral briefing on a topic, within the chat's date and outlet filters."""
        topic = (topic or "").strip()
        if not topic:
            return R.notice("Type a topic to be briefed on, e.g. “Gaza ceasefire”.", "info")
        try:
            result = b.brief(topic, since=since, until=until, sources=_outlets(outlets))
        except Exception as exc:  # noqa: BLE001
            return R.notice(f"Error: {exc}", "error")
        return R.brief_html(result, f"Briefing: {topic}")

    # ------------------------------------------------------------ library

    def ingest(
        files: list[str] | None, urls: str, progress: Any = gr.Progress()
    ) -> tuple[list[list[Any]], str]:
        """Check, copy into our upload folder, ingest one by one; one result row per input."""
        rows: list[list[Any]] = []
        todo: list[tuple[str, Path | str]] = []
        for f in files or []:
            src = Path(f)
            name = safe_upload_name(src.name)
            ext = Path(name).suffix.lower()
            if ext not in SUPPORTED_EXTS:
                rows.append(
                    [
                        name,
                        "refused",
                        f"unsupported type {ext or '(none)'}; use one of " + " ".join(sorted(SUPPORTED_EXTS)),
                    ]
                )
                continue
            size = src.stat().st_size
            if size > max_bytes:
                rows.append([name, "refused", f"{size:,} bytes is over the {max_bytes:,}-byte limit"])
                continue
            dest = upload_dir / name  # our folder, our name: never a path the client chose
            shutil.copyfile(src, dest)
            todo.append((name, dest))
        for line in (urls or "").splitlines():
            url = line.strip()
            if not url or url.startswith("#"):
                continue
            if not re.match(r"^https?://\S+$", url, re.I):
                rows.append([url[:200], "refused", "not an http(s) URL"])
            elif not _accepts_urls():
                rows.append(
                    [url[:200], "refused", "ingesting from URLs is not available in this version yet"]
                )
            else:
                todo.append((url, url))
        for i, (label, item) in enumerate(todo):
            progress((i, len(todo)), desc=f"ingesting {label}")
            try:
                report = b.ingest([item])
            except Exception as exc:  # noqa: BLE001 - one bad input must not stop the rest
                rows.append([label, "failed", str(exc)])
                continue
            if report.failed:
                rows.append([label, "failed", "; ".join(x.reason for x in report.failed)])
            else:
                rows.append([label, "ok", _counts(report)])
        progress((len(todo), len(todo)), desc="done")
        if not rows:
            rows.append(["", "nothing to do", "choose files or paste URLs first"])
        return rows, R.notice(f"{sum(r[1] == 'ok' for r in rows)} of {len(rows)} ingested.", "info")

    def list_articles(query: str, since: str | None, until: str | None, outlets: Any) -> tuple[Any, str]:
        try:
            if (query or "").strip():
                hits = b.search(query.strip(), 20, since=since, until=until, sources=_outlets(outlets))
                rows = [[h.published, h.source, h.title, h.url, h.article_id, h.score] for h in hits]
                return _frame(rows, SEARCH_COLUMNS), f"{len(rows)} matching articles"
            arts = b.articles(since=since, until=until, sources=_outlets(outlets))
        except Exception as exc:  # noqa: BLE001 - e.g. a garbled date: say so, keep the table
            return gr.skip(), R.notice(f"Error: {exc}", "error")
        rows = [[a.published, a.source, a.title, a.url, a.article_id] for a in arts]
        return _frame(rows, ARTICLE_COLUMNS), f"{len(rows)} articles"

    def select_article(evt: gr.SelectData, table: Any) -> tuple[str, str]:
        row = evt.row_value if evt.row_value is not None else table.iloc[evt.index[0]].tolist()
        published, outlet, title, url, aid = (list(row) + [""] * 5)[:5]
        text = b.article_text(str(aid))
        meta = " · ".join(str(x) for x in (outlet, published) if x) + f" · id {aid}"
        return str(aid), R.article_html(str(title), meta, str(url), text)

    select_article.__annotations__["evt"] = gr.SelectData  # gradio reads the hint; `gr` is local

    def delete_article(aid: str) -> tuple[str, str, str]:
        aid = (aid or "").strip()
        if not aid:
            return R.notice("Select an article in the table first.", "info"), aid, gr.skip()
        n = b.delete(aid)
        msg = f"Deleted article {aid}." if n else f"No article {aid} in the collection."
        return R.notice(msg, "info" if n else "warn"), "", ""

    # ------------------------------------------------------------ layout

    with gr.Blocks(title="briefing", delete_cache=(3600, 3600)) as demo:
        gr.Markdown("# briefing\nNeutral, cited answers and daily briefings from your own news collection.")
        header = gr.HTML(elem_id="status-line")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
                conv = gr.State([])
                with gr.Row():
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(
                            label="Chat",
                            height=460,
                            elem_id="chat",
                            sanitize_html=True,
                            latex_delimiters=[],
                            feedback_options=None,
                            buttons=["copy", "copy_all"],
                            placeholder="Ask about the news in your collection; answers cite their sources.",
                        )
                        with gr.Row():
                            box = gr.Textbox(
                                placeholder="Ask about the news…",
                                show_label=False,
                                scale=5,
                                elem_id="question",
                                submit_btn=False,
                            )
                            send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                        gr.Examples(EXAMPLES, inputs=box, label="Examples")
                    with gr.Column(scale=2):
                        with gr.Accordion("Filters", open=True):
                            with gr.Row():
                                since = gr.DateTime(
                                    label="Since", include_time=False, type="string", elem_id="since"
                                )
                                until = gr.DateTime(
                                    label="Until", include_time=False, type="string", elem_id="until"
                                )
                            outlet = gr.Dropdown(
                                label="Outlets",
                                multiselect=True,
                                choices=outlet_choices,
                                allow_custom_value=True,
                                elem_id="outlets",
                            )
                            new = gr.Button("New conversation", elem_id="new-conversation")
                        sources = gr.HTML(R.sources_html([]), elem_id="sources")
                chat_in = [box, conv, chat, since, until, outlet]
                chat_out = [chat, sources, box, conv]
                send.click(respond, chat_in, chat_out, api_name="ask")
                box.submit(respond, chat_in, chat_out, api_name=False)
                new.click(
                    lambda: ([], [], R.sources_html([]), ""), None, [chat, conv, sources, box], api_name=False
                )

            with gr.Tab("Briefing", id="briefing-tab", elem_id="briefing-tab"):
                with gr.Row():
                    day = gr.DateTime(
                        label="Date", include_time=False, type="string", elem_id="daily-date", scale=2
                    )
                    days = gr.Number(label="Days", value=1, minimum=1, maximum=31, precision=0, scale=1)
                    show = gr.Button("Show briefing", variant="primary", elem_id="show-daily", scale=1)
                with gr.Row():
                    md_dl = gr.DownloadButton(
                        "Download Markdown", visible=False, elem_id="download-md", size="sm"
                    )
                    json_dl = gr.DownloadButton(
                        "Download JSON", visible=False, elem_id="download-json", size="sm"
                    )
                daily_out = gr.HTML(
                    R.notice("Pick a date and press “Show briefing” (the newest day is preselected)."),
                    elem_id="daily",
                )
                gr.Markdown("### Brief me on a topic")
                with gr.Row():
                    topic = gr.Textbox(
                        placeholder="e.g. Gaza ceasefire",
                        show_label=False,
                        scale=5,
                        elem_id="topic",
                        submit_btn=False,
                    )
                    brief_btn = gr.Button("Brief me", variant="primary", scale=1, elem_id="brief-me")
                brief_out = gr.HTML(elem_id="brief")
                show.click(daily, [day, days], [daily_out, md_dl, json_dl], api_name="daily")
                brief_in = [topic, since, until, outlet]
                brief_btn.click(brief, brief_in, brief_out, api_name="brief")
                topic.submit(brief, brief_in, brief_out, api_name=False)

            with gr.Tab("Library", id="library-tab", elem_id="library-tab"):
                with gr.Row():
                    with gr.Column():
                        files = gr.File(
                            label=upload_label,
                            file_count="multiple",
                            file_types=sorted(SUPPORTED_EXTS),
                            elem_id="upload",
                        )
                    with gr.Column():
                        urls = gr.Textbox(
                            label="…or paste article / feed URLs, one per line",
                            lines=4,
                            placeholder="https://example.org/feed.xml",
                            elem_id="urls",
                        )
                ingest_btn = gr.Button("Ingest", variant="primary", elem_id="ingest")
                ingest_msg = gr.HTML(elem_id="ingest-message")
                results = gr.Dataframe(
                    headers=["input", "result", "detail"],
                    interactive=False,
                    elem_id="ingest-results",
                    wrap=True,
                )
                gr.Markdown("### Articles")
                with gr.Row():
                    query = gr.Textbox(
                        placeholder="Search articles…", show_label=False, scale=3, elem_id="article-search"
                    )
                    lib_since = gr.DateTime(label="Since", include_time=False, type="string", scale=1)
                    lib_until = gr.DateTime(label="Until", include_time=False, type="string", scale=1)
                    lib_outlet = gr.Dropdown(
                        label="Outlets",
                        multiselect=True,
                        choices=outlet_choices,
                        allow_custom_value=True,
                        scale=2,
                    )
                    list_btn = gr.Button("List / search", scale=1, elem_id="list-articles")
                list_msg = gr.Markdown(elem_id="article-count")
                table = gr.Dataframe(
                    headers=ARTICLE_COLUMNS,
                    interactive=False,
                    elem_id="articles",
                    wrap=True,
                    column_widths=["110px", "16%", "40%", "24%", "150px"],
                    max_height=420,
                )
                with gr.Row():
                    selected = gr.Textbox(
                        label="Selected article id", interactive=False, scale=3, elem_id="selected-id"
                    )
                    delete_btn = gr.Button(
                        "Delete selected article", variant="stop", scale=1, elem_id="delete"
                    )
                delete_msg = gr.HTML(elem_id="delete-message")
                preview = gr.HTML(elem_id="article-preview")

            with gr.Tab("Status", id="status-tab", elem_id="status-tab"):
                status = gr.HTML(elem_id="status")
                refresh_btn = gr.Button("Refresh", size="sm")

        refreshed = [header, status, outlet, lib_outlet, day]
        lib_in = [query, lib_since, lib_until, lib_outlet]
        demo.load(refresh, None, refreshed, api_name=False).then(
            list_articles, lib_in, [table, list_msg], api_name=False
        )
        refresh_btn.click(refresh, None, refreshed, api_name=False)
        ingest_btn.click(
            ingest, [files, urls], [results, ingest_msg], api_name="ingest", concurrency_limit=1
        ).then(refresh, None, refreshed, api_name=False).then(
            list_articles, lib_in, [table, list_msg], api_name=False
        )
        list_btn.click(list_articles, lib_in, [table, list_msg], api_name="articles")
        query.submit(list_articles, lib_in, [table, list_msg], api_name=False)
        table.select(select_article, [table], [selected, preview], api_name=False)
        delete_btn.click(delete_article, [selected], [delete_msg, selected, preview], api_name="delete").then(
            refresh, None, refreshed, api_name=False
        ).then(list_articles, lib_in, [table, list_msg], api_name=False)
    demo.upload_dir = upload_dir  # for tests: where uploads land
    return demo


def _frame(rows: list[list[Any]], columns: list[str]) -> Any:
    """A table with its own headers (a search adds a score column)."""
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def _counts(report: Any) -> str:
    parts = [f"{report.added} added", f"{report.unchanged} unchanged", f"{report.replaced} replaced"]
    if report.duplicates:
        parts.append(f"{report.duplicates} duplicates")
    return ", ".join(parts)


def _accepts_urls() -> bool:
    """Whether this version's `Briefing.ingest` takes http(s) URLs (it fetches them itself)."""
    import briefing.ingest

    return hasattr(briefing.ingest, "is_url")


def launch(b: Briefing, *, prevent_thread_lock: bool = False, **kwargs: Any) -> Any:
    """Serve on `settings.host:settings.port` (127.0.0.1 by default: nothing is exposed)."""
    try:
        auth = auth_pairs(b.settings)
    except AuthConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    warm_up(b)
    demo = build_app(b, login=auth is not None)
    demo.queue(default_concurrency_limit=8)
    demo.launch(
        server_name=b.settings.host,
        server_port=b.settings.port,
        share=False,
        show_error=True,
        auth=auth,
        auth_message="Log in to this briefing collection." if auth else None,
        max_file_size=b.settings.max_file_bytes,
        prevent_thread_lock=prevent_thread_lock,
        theme=kwargs.pop("theme", None),
        css=R.CSS,
        footer_links=["api"],
        **kwargs,
    )
    return demo


def warm_up(b: Briefing) -> None:
    """Build the model, store and chain before the first visitor, not during their question."""
    if hasattr(b.embeddings, "warm_up"):
        b.embeddings.warm_up()
    b.store.count_chunks()
    _ = b.chain
