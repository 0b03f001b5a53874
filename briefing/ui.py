"""The Gradio app: renders what the `Briefing` API returns; no logic of its own.

Everything from an article or a model is escaped before it reaches the page, so HTML or
script inside an article shows as text.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from briefing.api import Briefing
from briefing.articles import SUPPORTED_EXTS
from briefing.results import Source

EXAMPLES = [
    "Who did Putin blame for the escalation in Gaza?",
    "What did Biden and Xi agree on?",
    "Why was Sam Altman removed from OpenAI?",
]
MAX_UPLOAD_BYTES = 20_000_000


def esc(text: str) -> str:
    """Article and model text as inert text: no tags, no Markdown links or images."""
    return (
        html.escape(text or "", quote=True).replace("[", "&#91;").replace("]", "&#93;").replace("!", "&#33;")
    )


def answer_text(text: str) -> str:
    """An answer for the chat bubble: escaped, but its `[n]` citation markers kept readable."""
    import re

    return re.sub(r"&#91;(\d{1,3})&#93;", r"<sup>[\1]</sup>", esc(text))


def sources_html(sources: list[Source], heading: str = "Sources") -> str:
    if not sources:
        return f"<div class='sources'><h3>{heading}</h3><p>No sources.</p></div>"
    items = []
    for s in sources:
        title = esc(s.title or "(untitled)")
        if s.url.startswith(("http://", "https://")):
            href = html.escape(s.url, quote=True)
            title = f"<a href='{href}' target='_blank' rel='noopener noreferrer'>{title}</a>"
        meta = " · ".join(esc(x) for x in (s.source, s.published) if x)
        items.append(
            f"<li id='source-{s.n}' class='source'><b>[{s.n}]</b> {title}"
            + (f"<br><small>{meta}</small>" if meta else "")
            + f"<blockquote>{esc(s.snippet)}</blockquote></li>"
        )
    listing = "<ol style='list-style:none;padding-left:0'>" + "".join(items) + "</ol>"
    return f"<div class='sources'><h3>{heading}</h3>{listing}</div>"


def build_app(b: Briefing):  # noqa: ANN201 - gradio.Blocks
    import gradio as gr

    upload_dir = Path(tempfile.mkdtemp(prefix="briefing-uploads-"))

    def status_md() -> str:
        st = b.stats()
        where = f"server {st.store}" if b.settings.chroma_url else f"`{st.store}`"
        dates = f"{st.first_date} .. {st.last_date}" if st.first_date else "none"
        return (
            f"**Writer:** {esc(st.writer)} · **Embeddings:** {esc(st.embedding_model)} · "
            f"**Store:** {esc(where)} ({esc(st.collection)}) · **Articles:** {st.articles} · "
            f"**Chunks:** {st.chunks} · **Dates:** {dates}"
        )

    def respond(
        message: str, history: list[dict], since: str, until: str, outlet: str
    ) -> Iterator[tuple[Any, Any, Any]]:
        message = (message or "").strip()
        if not message:
            yield history, gr.skip(), ""
            return
        prior = list(history or [])
        history = [*prior, {"role": "user", "content": esc(message)}, {"role": "assistant", "content": ""}]
        yield history, gr.skip(), ""
        if b.store.count_chunks() == 0:
            history[-1]["content"] = "The collection is empty: add articles in the Library tab first."
            yield history, sources_html([]), ""
            return
        plain = [{"role": m["role"], "content": html.unescape(str(m["content"]))} for m in prior]
        text = ""
        try:
            for chunk in b.stream(
                message, plain, since=since or None, until=until or None, sources=outlet or None
            ):
                if chunk.sources is not None:
                    yield history, sources_html(chunk.sources, "Retrieved"), ""
                if chunk.delta:
                    text += chunk.delta
                    history[-1]["content"] = answer_text(text)
                    yield history, gr.skip(), ""
                if chunk.answer:
                    history[-1]["content"] = answer_text(chunk.answer.answer)
                    yield history, sources_html(chunk.answer.sources), ""
        except Exception as exc:  # noqa: BLE001 - show the reason in the chat, keep the app alive
            history[-1]["content"] = esc(f"Error: {exc}")
            yield history, gr.skip(), ""

    def ingest_files(
        files: list[str] | None, progress: gr.Progress = gr.Progress()
    ) -> tuple[list[list[str]], str]:
        rows: list[list[str]] = []
        saved: list[Path] = []
        for f in files or []:
            src = Path(f)
            if src.suffix.lower() not in SUPPORTED_EXTS:
                rows.append([src.name, "refused", f"unsupported file type {src.suffix or '(none)'}"])
                continue
            if src.stat().st_size > MAX_UPLOAD_BYTES:
                rows.append([src.name, "refused", f"larger than {MAX_UPLOAD_BYTES:,} bytes"])
                continue
            dest = upload_dir / Path(src.name).name  # never a path the client chose
            shutil.copyfile(src, dest)
            saved.append(dest)
        if saved:
            report = b.ingest(saved, progress=lambda d, t, label: progress((d, t), desc=label))
            failed = {Path(x.path).name: x.reason for x in report.failed}
            for p in saved:
                rows.append([p.name, "failed" if p.name in failed else "ingested", failed.get(p.name, "")])
            rows.append(
                [
                    "(total)",
                    "",
                    f"{report.added} added, {report.unchanged} unchanged, {report.replaced} replaced",
                ]
            )
        return rows, status_md()

    with gr.Blocks(title="briefing") as demo:
        gr.Markdown("# briefing\nNeutral, cited answers from your own news collection.")
        status = gr.Markdown(status_md)
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(label="Chat", height=480, elem_id="chat", sanitize_html=True)
                    with gr.Row():
                        box = gr.Textbox(
                            placeholder="Ask about the news…", show_label=False, scale=5, elem_id="question"
                        )
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    with gr.Row():
                        since = gr.Textbox(label="Since (YYYY-MM-DD)", scale=1)
                        until = gr.Textbox(label="Until (YYYY-MM-DD)", scale=1)
                        outlet = gr.Textbox(label="Outlet", scale=1)
                        new = gr.Button("New conversation", scale=1)
                    gr.Examples(EXAMPLES, inputs=box)
                with gr.Column(scale=2):
                    sources = gr.HTML(sources_html([]), elem_id="sources")
            inputs = [box, chat, since, until, outlet]
            send.click(respond, inputs, [chat, sources, box], api_name="ask")
            box.submit(respond, inputs, [chat, sources, box], api_name=False)
            new.click(lambda: ([], sources_html([]), ""), None, [chat, sources, box], api_name=False)
        with gr.Tab("Library"):
            files = gr.File(
                label="Upload articles (" + " ".join(sorted(SUPPORTED_EXTS)) + ")",
                file_count="multiple",
                file_types=sorted(SUPPORTED_EXTS),
                elem_id="upload",
            )
            ingest_btn = gr.Button("Ingest", variant="primary", elem_id="ingest")
            table = gr.Dataframe(
                headers=["file", "result", "detail"], interactive=False, elem_id="ingest-results"
            )
            ingest_btn.click(ingest_files, [files], [table, status], api_name="ingest")
    return demo


def launch(b: Briefing, **kwargs: Any) -> None:
    """Serve on `settings.host:settings.port` (127.0.0.1 by default: nothing is exposed)."""
    b.embeddings  # noqa: B018 - build the model before the first visitor, not during it
    if hasattr(b.embeddings, "warm_up"):
        b.embeddings.warm_up()
    demo = build_app(b)
    demo.queue(default_concurrency_limit=8).launch(
        server_name=b.settings.host,
        server_port=b.settings.port,
        share=False,
        show_error=True,
        max_file_size=MAX_UPLOAD_BYTES,
        **kwargs,
    )
