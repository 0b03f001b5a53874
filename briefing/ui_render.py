"""HTML for the web app, built from the API's result objects, with every outside string escaped.

Why a module of its own: this is the one place where article text and model output meet the
page. Everything from an article, a feed or a model goes through `esc`, so `<script>`,
`<img onerror>` or a Markdown link inside an article shows as text and never runs.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from briefing.results import Stats

# Characters that mean something to Markdown, KaTeX or a JS template, as inert entities.
_INERT = str.maketrans(
    {
        "[": "&#91;",
        "]": "&#93;",
        "!": "&#33;",
        "*": "&#42;",
        "_": "&#95;",
        "`": "&#96;",
        "~": "&#126;",
        "\\": "&#92;",
        "$": "&#36;",
        "{": "&#123;",
        "}": "&#125;",
        "|": "&#124;",
        "#": "&#35;",
        '"': "&#34;",
        "'": "&#39;",
    }
)
_CITE = re.compile(r"&#91;(\d{1,3})&#93;")


def esc(text: Any) -> str:
    """Any outside text as inert text: no tags, no Markdown, no math, no template syntax."""
    return html.escape("" if text is None else str(text), quote=False).translate(_INERT)


def safe_href(url: Any) -> str | None:
    """An http(s) link, attribute-escaped; anything else (javascript:, data:) is not linked."""
    url = str(url or "").strip()
    ok = url.lower().startswith(("http://", "https://"))
    return html.escape(url, quote=False).replace('"', "&#34;").replace("'", "&#39;") if ok else None


def cited(text: str, anchor: str = "source") -> str:
    """Escaped text whose `[n]` markers link to the sources panel's entry `n`."""
    return _CITE.sub(rf"<a class='cite' href='#{anchor}-\1'>[\1]</a>", esc(text))


def _as_dict(obj: Any) -> Any:
    """A result object (dataclass, pydantic model or dict) as plain dicts and lists."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _as_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, Mapping):
        return {str(k): _as_dict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_as_dict(x) for x in obj]
    return obj


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
        if value not in (None, ""):
            return value
    return default


def _title_link(title: Any, url: Any) -> str:
    label = esc(title or "(untitled)")
    href = safe_href(url)
    return f"<a href='{href}' target='_blank' rel='noopener noreferrer'>{label}</a>" if href else label


def sources_html(
    sources: Iterable[Any], heading: str = "Sources", anchor: str = "source", notes: Iterable[str] = ()
) -> str:
    """The sources panel: number, linked title, outlet · date, the cited snippet, the other
    outlets that ran the same story, and notes on how they were found (e.g. a date filter read
    from the question, or one side of hybrid search failing)."""
    items = []
    for i, s in enumerate(sources, 1):
        n = _get(s, "n", default=i)
        meta = " · ".join(esc(x) for x in (_get(s, "source"), _get(s, "published")) if x)
        snippet = _get(s, "snippet", default="")
        items.append(
            f"<li id='{anchor}-{int(n)}' class='source'><span class='n'>[{int(n)}]</span> "
            + _title_link(_get(s, "title"), _get(s, "url"))
            + (f"<div class='meta'>{meta}</div>" if meta else "")
            + (f"<blockquote>{esc(snippet)}</blockquote>" if snippet else "")
            + _also(_get(s, "syndicated", default=[]) or [])
            + "</li>"
        )
    body = f"<ol class='sources'>{''.join(items)}</ol>" if items else "<p class='muted'>No sources yet.</p>"
    body += "".join(f"<p class='note muted'>Note: {esc(n)}</p>" for n in notes)
    return f"<div class='panel'><h3>{esc(heading)}</h3>{body}</div>"


def _also(copies: list[dict]) -> str:
    """ "Also published by ..." for syndicated copies stored under one article."""
    names = [esc(c.get("source", "")) for c in copies if c.get("source")]
    return f"<div class='meta'>Also published by {', '.join(names)}</div>" if names else ""


def user_bubble(text: str) -> str:
    return esc(text)


def answer_bubble(text: str) -> str:
    """The chat bubble of an answer: escaped, its citation markers linked to the panel."""
    return cited(text)


def notice(text: str, kind: str = "info") -> str:
    """A one-line message box (kind: info, warn, error)."""
    return f"<div class='notice {kind}'>{esc(text)}</div>"


# ------------------------------------------------------------------ briefings


def neutrality_html(report: Mapping | None, outlets: Mapping | None = None) -> str:
    """A neutrality report (`NeutralityReport.as_dict()`): what was flagged and why, and how
    loaded the sources' own wording was (per 100 words), so a reader can judge the framing."""
    report = report or {}
    flags = list(report.get("flags") or [])
    rate = report.get("loaded_per_100_words")
    if flags:
        head = f"Neutrality: {len(flags)} phrase{'s' if len(flags) > 1 else ''} flagged"
    else:
        head = "Neutrality: no loaded or opinion wording flagged"
    if rate is not None:
        head += f" (loaded words per 100: {esc(rate)})"
    items = "".join(
        f"<li><q>{esc(_get(f, 'text', default=''))}</q> <i>{esc(_get(f, 'kind', default=''))}</i>"
        f" — {esc(_get(f, 'reason', default=''))}</li>"
        for f in flags
    )
    if outlets:
        rates = " · ".join(f"{esc(o)} {esc(r)}" for o, r in outlets.items())
        items += f"<li class='muted'>Loaded words per 100 in the sources' own text: {rates}</li>"
    cls = "flags flagged" if flags else "flags"
    return (
        f"<details class='{cls}'><summary>{head}</summary><ul>{items}</ul></details>"
        if items
        else (f"<div class='{cls}'>{head}</div>")
    )


def brief_html(result: Any, heading: str = "") -> str:
    """A topic briefing (`BriefResult`): cited text, neutrality report, sources."""
    out = [f"<h3>{esc(heading)}</h3>" if heading else ""]
    if result.text:
        out.append(f"<div class='brief-text'>{cited(result.text, 'brief-source')}</div>")
    else:
        out.append("<p class='muted'>Nothing in the collection matches this topic.</p>")
    out.append(neutrality_html(result.neutrality))
    if result.removed:
        n = len(result.removed)
        out.append(f"<div class='meta'>{n} unsupported sentence{'s' if n > 1 else ''} removed.</div>")
    out.append(sources_html(result.sources, "Sources", anchor="brief-source"))
    return "<div class='brief'>" + "".join(out) + "</div>"


def daily_html(daily: Any) -> str:
    """The daily briefing (`DailyBriefing`): per story a headline, a cited summary, how the
    outlets' framing differs, the neutrality report and the sources."""
    span = esc(daily.date) if daily.days == 1 else f"the {daily.days} days to {esc(daily.date)}"
    out = [f"<div class='daily'><h2>Briefing for {span}</h2>"]
    if not daily.stories:
        out.append("<p class='muted'>No articles on this date.</p></div>")
        return "".join(out)
    n = len(daily.stories)
    out.append(f"<p class='muted'>{n} stor{'ies' if n != 1 else 'y'} from {daily.articles} articles</p>")
    for i, story in enumerate(daily.stories, 1):
        anchor = f"story{i}-source"
        outlets = sorted({s.source for s in story.sources if s.source})
        out.append(f"<section class='story' id='story-{i}'><h3>{i}. {esc(story.headline)}</h3>")
        out.append(f"<p>{cited(story.summary, anchor)}</p>")
        if story.framing:
            out.append(f"<p class='differs'><b>How outlets differ:</b> {esc(story.framing)}</p>")
        if outlets:
            out.append(f"<div class='meta'>Covered by {len(outlets)}: {esc(', '.join(outlets))}</div>")
        neutrality = story.neutrality or {}
        out.append(neutrality_html(neutrality.get("summary"), neutrality.get("outlets_loaded_per_100_words")))
        listing = sources_html(story.sources, "Sources", anchor=anchor)
        out.append(listing.replace("<h3>", "<h4>").replace("</h3>", "</h4>"))
        out.append("</section>")
    out.append("</div>")
    return "".join(out)


# ------------------------------------------------------------------ status and library


def status_html(stats: Stats, settings: Any, *, login: bool) -> str:
    """Everything a user needs to know about where answers come from."""
    if stats.writer == "extractive":
        writer = "extractive (quotes retrieved sentences; no generative model, fully offline)"
    else:
        writer = f"OpenAI-compatible chat model <code>{esc(settings.model)}</code>"
        base = safe_href(settings.openai_base_url) or "api.openai.com"
        writer += f" at <code>{base}</code>"
    store = (
        f"Chroma server <code>{esc(stats.store)}</code>"
        if settings.chroma_url
        else f"<code>{esc(stats.store)}</code>"
    )
    dates = f"{esc(stats.first_date)} … {esc(stats.last_date)}" if stats.first_date else "none"
    rows = [
        ("Writer", writer),
        ("Embedding model", f"<code>{esc(stats.embedding_model)}</code>"),
        ("Store", f"{store}, collection <code>{esc(stats.collection)}</code>"),
        (
            "Articles",
            f"{stats.articles:,}"
            + (f" ({stats.incomplete_articles} incomplete)" if stats.incomplete_articles else ""),
        ),
        ("Chunks", f"{stats.chunks:,}"),
        ("Dates", dates),
        ("Outlets", f"{len(stats.sources)}"),
        ("Login", "required" if login else "off"),
    ]
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    outlets = "".join(f"<tr><td>{esc(name)}</td><td>{n}</td></tr>" for name, n in stats.sources.items())
    return (
        f"<div class='panel status'><table>{table}</table>"
        + (f"<h4>Articles per outlet</h4><table>{outlets}</table>" if outlets else "")
        + "</div>"
    )


def status_line(stats: Stats) -> str:
    """The one-line summary under the title."""
    if not stats.chunks:
        text = "The collection is empty: add articles in the Library tab (or run `briefing ingest`)."
        return f"<div class='notice warn' id='empty-notice'>{esc(text)}</div>"
    dates = f", {esc(stats.first_date)} … {esc(stats.last_date)}" if stats.first_date else ""
    return (
        f"<div class='statusline'>{stats.articles:,} articles from {len(stats.sources)} outlets{dates} · "
        f"writer: {esc(stats.writer)} · embeddings: {esc(stats.embedding_model)}</div>"
    )


def article_html(title: str, meta: str, url: str, text: str) -> str:
    """One article's full text, escaped, for the library preview."""
    paras = "".join(f"<p>{esc(p)}</p>" for p in text.split("\n\n") if p.strip())
    return (
        f"<div class='panel article'><h3>{_title_link(title, url)}</h3><div class='meta'>{esc(meta)}</div>"
        f"{paras or '<p class=muted>(no text)</p>'}</div>"
    )


CSS = """
.panel h3 { margin: .2em 0 .4em; }
ol.sources { list-style: none; padding-left: 0; margin: 0; }
li.source { margin: 0 0 .8em; padding: .4em .6em; border-left: 3px solid var(--color-accent); }
li.source:target { background: var(--color-accent-soft); }
li.source .n { font-weight: 600; }
li.source blockquote { margin: .3em 0 0; font-size: .9em; opacity: .85; white-space: pre-wrap; }
.meta { font-size: .85em; opacity: .75; }
.muted { opacity: .65; }
a.cite { text-decoration: none; font-size: .85em; vertical-align: super; }
.notice { padding: .5em .8em; border-radius: 6px; margin: .3em 0; }
.notice.warn { background: #fff4d6; color: #5c4400; }
.notice.error { background: #ffe1e1; color: #6b0000; }
.notice.info { background: var(--color-accent-soft); }
.statusline { font-size: .9em; opacity: .8; }
.story { border-bottom: 1px solid var(--border-color-primary); padding: .6em 0; }
.flags { font-size: .85em; margin: .3em 0; }
.flags.flagged summary { color: #8a5a00; }
.status th { text-align: left; padding-right: 1.5em; white-space: nowrap; }
.article p { white-space: pre-wrap; }
"""
