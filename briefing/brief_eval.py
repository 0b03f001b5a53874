"""`briefing eval briefing`: briefings of multi-article stories scored against references.

Dataset lines: `{"id", "articles": [{"title", "text"}], "reference": {"title", "text"}}` (the
NeuS validation split in ../shared/eval has this shape; it is read where it lies, never
copied). For each story: our briefing (`brief_articles`, in memory, no store), Lead-3 (the
first three sentences of the first article) and TextRank (sumy, three sentences over all the
articles, fed our own sentence/word tokenization so no NLTK data is needed). Reported:
ROUGE-1/2/L F1 (rouge-score, Porter stemming), the loaded-language rate (loaded or
subjective words per 100 words, `neutrality.analyze`) of briefings and of their sources, and
the share of briefing sentences the faithfulness check supports.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from briefing.articles import ArticleError, make_article, split_sentences


class EvalDataError(ValueError):
    """The dataset file is missing or malformed; the message is one line."""


@dataclass
class BriefingEvalReport:
    stories: int
    skipped: list[str]  # ids of stories with no article text
    sentences: int
    rouge: dict[str, dict[str, float]]  # system -> {rouge1, rouge2, rougeL} mean F1
    loaded_rate_briefing: float
    loaded_rate_sources: float
    loaded_ratio: float
    supported_share: float
    mean_support: float
    seconds: float
    targets: dict[str, bool]

    def as_dict(self) -> dict:
        return asdict(self)


def load_stories(path: Path, limit: int | None = None) -> list[dict]:
    if not path.is_file():
        raise EvalDataError(f"dataset not found: {path}")
    stories = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            arts = item["articles"]
            ref = item["reference"]["text"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise EvalDataError(f"{path}:{n}: expected {{id, articles, reference}}: {exc}") from None
        if not isinstance(arts, list) or not arts or not isinstance(ref, str):
            raise EvalDataError(f"{path}:{n}: 'articles' must be a non-empty list and reference a text")
        stories.append(item)
        if limit and len(stories) >= limit:
            break
    if not stories:
        raise EvalDataError(f"{path}: no stories")
    return stories


class _Tokenizer:
    """sumy's Tokenizer interface over our splitter: no NLTK punkt download."""

    language = "english"

    @staticmethod
    def to_sentences(text: str) -> list[str]:
        return split_sentences(text)

    @staticmethod
    def to_words(sentence: str) -> list[str]:
        return re.findall(r"[A-Za-z0-9][A-Za-z0-9'-]*", sentence)


def textrank(text: str, sentences: int = 3) -> str:
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    parser = PlaintextParser.from_string(text, _Tokenizer())
    summarizer = TextRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    return " ".join(str(s) for s in summarizer(parser.document, sentences))


def lead3(articles: list[dict]) -> str:
    return " ".join(split_sentences(articles[0]["text"])[:3])


def evaluate(
    path: Path,
    embeddings: Any,
    *,
    limit: int | None = None,
    max_sentences: int = 3,
    progress: Callable[[int, int], None] | None = None,
) -> BriefingEvalReport:
    """Run the whole evaluation; `limit` takes the first N stories."""
    try:
        from rouge_score import rouge_scorer
    except ImportError as exc:  # pragma: no cover - an install problem, said plainly
        raise EvalDataError("the briefing eval needs rouge-score and sumy: pip install -e '.[test]'") from exc

    from briefing.brief import brief_articles
    from briefing.faithfulness import strip_markup
    from briefing.neutrality import analyze

    stories = load_stories(path, limit)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    systems = ("briefing", "lead3", "textrank")
    totals = {s: {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0} for s in systems}
    loaded_b = loaded_s = words_b = words_s = 0.0
    n_sent = n_supported = 0
    support_sum = 0.0
    skipped: list[str] = []
    start = time.perf_counter()
    for i, story in enumerate(stories):
        usable = [a for a in story["articles"] if isinstance(a, dict) and str(a.get("text") or "").strip()]
        if not usable:
            skipped.append(str(story.get("id", i)))
            continue
        try:
            arts = [make_article(text=a["text"], title=a.get("title") or "") for a in usable]
        except ArticleError as exc:
            raise EvalDataError(f"story {story.get('id', i)}: {exc}") from None
        result = brief_articles(arts, topic=None, embeddings=embeddings, max_sentences=max_sentences)
        ours = " ".join(strip_markup(s.text) for s in result.sentences)
        outputs = {
            "briefing": ours,
            "lead3": lead3(usable),
            "textrank": textrank("\n\n".join(a["text"] for a in usable), 3),
        }
        for name, text in outputs.items():
            scores = scorer.score(story["reference"]["text"], text)
            for key in totals[name]:
                totals[name][key] += scores[key].fmeasure
        rb = analyze(ours)
        rs = analyze("\n\n".join(a["text"] for a in usable))
        loaded_b += rb.loaded_rate * rb.words / 100
        words_b += rb.words
        loaded_s += rs.loaded_rate * rs.words / 100
        words_s += rs.words
        n_sent += len(result.sentences) + len(result.removed)
        n_supported += sum(1 for s in result.sentences if s.supported)
        support_sum += sum(s.support for s in result.sentences)
        if progress:
            progress(i + 1, len(stories))
    n = len(stories) - len(skipped)
    if n == 0:
        raise EvalDataError(f"{path}: no story has any article text")
    rouge = {s: {k: round(v / n, 4) for k, v in totals[s].items()} for s in systems}
    rate_b = 100 * loaded_b / words_b if words_b else 0.0
    rate_s = 100 * loaded_s / words_s if words_s else 0.0
    supported = n_supported / n_sent if n_sent else 0.0
    return BriefingEvalReport(
        stories=n,
        skipped=skipped,
        sentences=n_sent,
        rouge=rouge,
        loaded_rate_briefing=round(rate_b, 4),
        loaded_rate_sources=round(rate_s, 4),
        loaded_ratio=round(rate_b / rate_s, 4) if rate_s else 0.0,
        supported_share=round(supported, 4),
        mean_support=round(support_sum / max(n_supported, 1), 4),
        seconds=round(time.perf_counter() - start, 1),
        targets={
            "rougeL >= lead3": rouge["briefing"]["rougeL"] >= rouge["lead3"]["rougeL"],
            "loaded rate <= 1/5 of sources": rate_b <= rate_s / 5,
            "supported >= 95%": supported >= 0.95,
        },
    )
