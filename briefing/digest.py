"""The daily briefing: a day's articles (or a window ending that day), grouped into stories,
each with a neutral headline, a cited briefing of at most three sentences, its outlets, and
one line on how their framing differs.

Stories are found by average-link clustering of article embeddings (the mean of each
article's stored chunk vectors: nothing is re-embedded), with a cosine threshold measured on
the sample collection's story labels (bench/calibrate_stories.py). Everything is ordered by
stable keys, so the same collection and date give the same briefing.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from briefing.articles import Article, ArticleError, derive_title, parse_date, split_sentences
from briefing.brief import _DATELINE, ExtractiveBriefer, attribute_runs
from briefing.faithfulness import FaithfulnessChecker, strip_markup
from briefing.neutrality import analyze, trim
from briefing.results import syndicated_copies
from briefing.store import join_chunks

MAX_ARTICLES_PER_SUMMARY = 5


class DailyError(ValueError):
    """A bad date or window; the message is one line for the user."""


@dataclass(frozen=True)
class StorySource:
    title: str
    source: str
    url: str
    published: str
    article_id: str = ""


@dataclass
class Story:
    """One story of the day: `summary` cites `sources` as [1]..[n]."""

    headline: str
    summary: str
    sources: list[StorySource]
    neutrality: dict
    framing: str | None = None
    support: list[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "headline": self.headline,
            "summary": self.summary,
            "sources": [
                {"title": s.title, "source": s.source, "url": s.url, "published": s.published}
                for s in self.sources
            ],
            "neutrality": self.neutrality,
            "framing": self.framing,
            "support": self.support,
        }


@dataclass
class DailyBriefing:
    """The briefing of `date` (covering `days` days ending on it), stories by coverage."""

    date: str
    days: int
    articles: int
    stories: list[Story]

    def as_dict(self) -> dict:
        return {
            "date": self.date,
            "days": self.days,
            "articles": self.articles,
            "stories": [s.as_dict() for s in self.stories],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    def to_markdown(self) -> str:
        span = f"{self.date}" if self.days == 1 else f"{self.days} days to {self.date}"
        lines = [f"# Daily briefing: {span}", ""]
        if not self.stories:
            lines.append("No articles for this date.")
        for i, st in enumerate(self.stories, 1):
            lines += [f"## {i}. {st.headline}", "", st.summary, ""]
            if st.framing:
                lines += [f"*Framing:* {st.framing}", ""]
            for n, s in enumerate(st.sources, 1):
                title = f"[{s.title}]({s.url})" if s.url else s.title
                meta = ", ".join(x for x in (s.source, s.published) if x)
                lines.append(f"{n}. {title}" + (f" ({meta})" if meta else ""))
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def to_html(self) -> str:
        e = html.escape
        span = e(self.date if self.days == 1 else f"{self.days} days to {self.date}")
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>Daily briefing: {span}</title>",
            "<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
            "line-height:1.5;color:#1a1a1a}h2{font-size:1.15rem;margin-top:2rem}.framing{color:#555;"
            "font-style:italic}ol{padding-left:1.4rem}.meta{color:#666}</style>",
            f"</head><body><h1>Daily briefing: {span}</h1>",
        ]
        if not self.stories:
            parts.append("<p>No articles for this date.</p>")
        for st in self.stories:
            parts.append(f"<section><h2>{e(st.headline)}</h2><p>{e(st.summary)}</p>")
            if st.framing:
                parts.append(f'<p class="framing">{e(st.framing)}</p>')
            parts.append("<ol>")
            for s in st.sources:
                title = f'<a href="{e(s.url)}">{e(s.title)}</a>' if s.url else e(s.title)
                meta = e(", ".join(x for x in (s.source, s.published) if x))
                parts.append(f'<li>{title} <span class="meta">{meta}</span></li>')
            parts.append("</ol></section>")
        parts.append("</body></html>")
        return "\n".join(parts) + "\n"

    def render(self, fmt: str) -> str:
        if fmt == "md":
            return self.to_markdown()
        if fmt == "json":
            return self.to_json() + "\n"
        if fmt == "html":
            return self.to_html()
        raise DailyError(f"unknown format {fmt!r} (md, json or html)")


# ------------------------------------------------------------------ clustering


def cluster(vectors: Any, threshold: float) -> list[list[int]]:
    """Average-link agglomerative clustering on cosine similarity; deterministic.

    Merges the most similar pair of clusters while their mean pairwise similarity is at
    least `threshold`. Returns clusters as sorted index lists, ordered by first index.
    """
    import numpy as np

    n = len(vectors)
    if n == 0:
        return []
    v = np.asarray(vectors, dtype=np.float64)
    sim = v @ v.T
    sizes = np.ones(n)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    active = np.ones(n, dtype=bool)
    np.fill_diagonal(sim, -np.inf)
    while True:
        masked = np.where(active[:, None] & active[None, :], sim, -np.inf)
        flat = int(np.argmax(masked))
        i, j = divmod(flat, n)
        if masked[i, j] < threshold:
            break
        i, j = min(i, j), max(i, j)
        # Lance-Williams update for average linkage
        merged = (sim[i] * sizes[i] + sim[j] * sizes[j]) / (sizes[i] + sizes[j])
        sim[i, :] = merged
        sim[:, i] = merged
        sim[i, i] = -np.inf
        sizes[i] += sizes[j]
        active[j] = False
        sim[j, :] = -np.inf
        sim[:, j] = -np.inf
        members[i] = sorted(members[i] + members.pop(j))
    return sorted((members[k] for k in members if active[k]), key=lambda m: m[0])


# ------------------------------------------------------------------ per story


def neutral_headline(articles: list[Article], summary_first: str) -> str:
    """The most neutral of the articles' titles (de-loaded if needed), else a lead extract."""
    best: tuple[int, float, int, str] | None = None
    for a in articles:
        title = a.title.strip().rstrip(".")
        if not title or len(title) > 160:
            continue
        clean = trim(title + ".")
        if clean is None:
            continue
        clean = clean.rstrip(".")
        changed = int(clean != title)
        key = (changed, round(analyze(a.text).loaded_rate, 2), len(clean), clean)
        if best is None or key < best:
            best = key
    if best:
        return best[3]
    return derive_title(strip_markup(summary_first) or articles[0].text, limit=100)


def _loaded_words(text: str) -> list[str]:
    words: list[str] = []
    for f in analyze(text).flags:
        if f.kind in ("loaded", "subjective", "editorial") and f.text.lower() not in words:
            words.append(f.text.lower())
    return words


def framing_note(articles: list[Article]) -> str | None:
    """One line on how the outlets differ: who used loaded language, which figures one alone gave."""
    outlets: dict[str, list[Article]] = {}
    for a in articles:
        outlets.setdefault(a.source or a.title, []).append(a)
    if len(outlets) < 2:
        return None
    loaded = {
        o: _loaded_words(" ".join(x.title + ". " + x.text for x in arts)) for o, arts in outlets.items()
    }
    users = [o for o in outlets if loaded[o]]
    if users and len(users) < len(outlets):
        bits = "; ".join(
            f"{o} used loaded language ({', '.join(repr(w) for w in loaded[o][:3])})" for o in users
        )
        others = [o for o in outlets if o not in users]
        return f"{bits}; {', '.join(others)} did not."
    numbers = {
        o: set(re.findall(r"\b\d[\d,]*\d\b|\b\d\b", " ".join(_DATELINE.sub("", x.text) for x in arts)))
        for o, arts in outlets.items()
    }
    for o in sorted(outlets):
        only = sorted(numbers[o] - set().union(*(numbers[p] for p in outlets if p != o)))
        if only:
            return f"Only {o} reported the figure(s) {', '.join(only[:3])}."
    if users:
        return "All outlets used loaded language: " + "; ".join(
            f"{o} ({', '.join(repr(w) for w in loaded[o][:2])})" for o in sorted(users)
        )
    return None


def story_summary(
    articles: list[Article], briefer: ExtractiveBriefer, checker: FaithfulnessChecker, max_sentences: int
) -> tuple[str, list[float]]:
    """At most `max_sentences` cited sentences; one article: its first neutral sentences."""
    if len(articles) == 1:
        picked: list[tuple[str, int]] = []
        for s in split_sentences(articles[0].text)[:12]:
            if len(s.split()) < 6 or s.endswith("?"):
                continue
            t = trim(s)
            t = _DATELINE.sub("", t) if t else t
            if t:
                picked.append((t, 1))
            if len(picked) >= max_sentences:
                break
        texts = attribute_runs([(t, articles[0].source) for t, _ in picked])
        picked = [(t, 1) for t in texts]
        sources_text = split_sentences(articles[0].text)
    else:
        chosen, cands, _ = briefer.select(articles[:MAX_ARTICLES_PER_SUMMARY], max_sentences)
        texts = attribute_runs([(c.text, articles[c.doc].source) for c in chosen])
        picked = [(t, c.doc + 1) for t, c in zip(texts, chosen, strict=True)]
        sources_text = [c.original for c in cands]
    sents = [f"{s} [{n}]" for s, n in picked]
    support = checker.check(sents, sources_text) if sents else []
    kept = [(s, sup.score) for s, sup in zip(sents, support, strict=True) if sup.supported]
    return " ".join(s for s, _ in kept), [sc for _, sc in kept]


# ------------------------------------------------------------------ the day


def resolve_window(day: Any, days: int, newest: str | None) -> tuple[date, date]:
    if days < 1 or days > 366:
        raise DailyError(f"bad --days {days} (1 to 366)")
    if day is None or day == "":
        if not newest:
            raise DailyError("the collection has no dated articles; pass --date YYYY-MM-DD")
        end = parse_date(newest)
    else:
        if isinstance(day, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day.strip()):
            raise DailyError(f"bad date {day!r} (expected YYYY-MM-DD)")
        try:
            end = parse_date(day)
        except ArticleError:
            raise DailyError(f"bad date {day!r} (expected YYYY-MM-DD)") from None
    assert end is not None
    return end - timedelta(days=days - 1), end


def load_window(store: Any, since: date, until: date) -> tuple[list[Article], Any]:
    """The window's articles (text rebuilt from chunks) and one normalized vector each."""
    import numpy as np

    where = {
        "$and": [
            {"published_int": {"$gte": int(since.strftime("%Y%m%d"))}},
            {"published_int": {"$lte": int(until.strftime("%Y%m%d"))}},
        ]
    }
    page = store.collection.get(where=where, include=["metadatas", "documents", "embeddings"])
    grouped: dict[str, list[tuple[dict, str, Any]]] = {}
    for meta, doc, vec in zip(page["metadatas"], page["documents"], page["embeddings"], strict=True):
        grouped.setdefault(meta.get("article_id", ""), []).append((meta, doc, vec))
    articles, vectors = [], []
    for aid in sorted(grouped, key=lambda a: (grouped[a][0][0].get("published", ""), a)):
        parts = sorted(grouped[aid], key=lambda p: int(p[0].get("chunk", 0)))
        text = join_chunks((meta, chunk) for meta, chunk, _ in parts)
        m = parts[0][0]
        articles.append(
            Article(
                id=aid,
                title=m.get("title", ""),
                text=text,
                source=m.get("source", ""),
                url=m.get("url", ""),
                published=parse_date(m.get("published") or None),
                # syndicated copies merged into this article at ingest: other outlets that ran it
                extra={"syndicated": syndicated_copies(m)},
            )
        )
        mean = np.mean(np.asarray([p[2] for p in parts], dtype=np.float32), axis=0)
        vectors.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
    if not vectors:  # a day with no articles: an empty briefing, not an error
        return articles, np.zeros((0, 0), dtype=np.float32)
    return articles, np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)


def build_daily(
    store: Any, embeddings: Any, *, day: Any = None, days: int = 1, newest: Any = None, settings: Any = None
) -> DailyBriefing:
    """The daily briefing from a store (see module doc); `newest` is the default date."""
    since, until = resolve_window(day, days, newest)
    articles, vectors = load_window(store, since, until)
    threshold = getattr(settings, "story_threshold", 0.65)
    max_sentences = getattr(settings, "daily_sentences", 3)
    min_support = getattr(settings, "min_support", 0.6)
    # the lead sentences of at most five articles per story: what a 3-sentence summary draws on
    briefer = ExtractiveBriefer(embeddings, max_per_article=4)
    stories: list[tuple[tuple, Story]] = []
    for members in cluster(vectors, threshold):
        arts = sorted(
            (articles[i] for i in members), key=lambda a: (a.source, a.published_iso, a.title, a.id)
        )
        checker = FaithfulnessChecker(
            None, min_support=min_support, ignore=[a.source for a in arts if a.source]
        )
        summary, support = story_summary(arts, briefer, checker, max_sentences)
        if not summary:
            continue
        used = sorted({int(n) for n in re.findall(r"\[(\d{1,3})\]", summary)})
        headline = neutral_headline(arts, summary.split(" [")[0])
        report = analyze(" ".join(strip_markup(s) for s in split_sentences(summary)))
        listed = [StorySource(a.title, a.source, a.url, a.published_iso, a.id) for a in arts]
        listed += [
            StorySource(c.get("title", ""), c.get("source", ""), c.get("url", ""), c.get("published", ""), "")
            for a in arts
            for c in a.extra.get("syndicated", [])
        ]
        outlets = sorted({s.source for s in listed if s.source})
        story = Story(
            headline=headline,
            summary=summary,
            sources=listed,
            neutrality={
                "summary": report.as_dict(),
                "outlets_loaded_per_100_words": {
                    o: round(analyze(" ".join(a.text for a in arts if a.source == o)).loaded_rate, 3)
                    for o in sorted({a.source for a in arts if a.source})
                },
                "cited": used,
            },
            framing=framing_note(arts),
            support=support,
        )
        stories.append(((-len(outlets), -len(arts), headline), story))
    stories.sort(key=lambda p: p[0])
    return DailyBriefing(
        date=until.isoformat(), days=days, articles=len(articles), stories=[s for _, s in stories]
    )
