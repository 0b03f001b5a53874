"""Short neutral briefings across several articles, with `[n]` citations and support scores.

The extractive default composes across sources without a generative model:
1. candidates are the articles' sentences, de-loaded by `neutrality.trim` (a sentence that
   cannot be made neutral is not a candidate);
2. each is scored by cross-source agreement (its best similarity to every *other* article:
   a fact several outlets report), lead position, relevance to the topic if there is one,
   and attribution;
3. MMR picks the best ones that do not repeat each other, preferring outlets not yet used;
4. an unattributed sentence is attributed to its outlet ("According to The Harbor Ledger, ...").
The `openai` writer sends the numbered sources (fenced as data) with prompts/brief_*.txt,
then checks every sentence with `faithfulness` and `neutrality`: one retry naming the bad
sentences, then whatever is still unsupported is removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from briefing.articles import DATELINE as _DATELINE
from briefing.articles import Article, split_sentences
from briefing.extractive import keywords
from briefing.faithfulness import FaithfulnessChecker, Support, strip_markup
from briefing.neutrality import analyze, is_attributed, sentence_penalty, trim
from briefing.results import Source, cited_numbers

NOTHING_TO_BRIEF = "I found no articles to brief on."
MAX_SENTENCES_PER_ARTICLE = 30  # later sentences are background and opinion; skipping them is faster
# Lower-cased when "According to X," is put in front; any other capitalized first word is kept
# (it is probably a name).
_LOWER_OK = set(
    """
the a an this that these those its their his her in on at after before during despite while
some many most several both all more fewer about almost nearly over under since until when
officials authorities police residents protesters lawmakers critics supporters militant
it its they he she we there one two three other others
""".split()
)


@dataclass(frozen=True)
class BriefSentence:
    """One sentence of a briefing: its text (with `[n]`), the sources it cites, its support."""

    text: str
    citations: list[int]
    support: float
    supported: bool
    evidence: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BriefResult:
    """A briefing: `text` with `[n]` markers, the sources those point to, and its checks.

    `neutrality` is `NeutralityReport.as_dict()` of the text (what was flagged, if anything);
    `removed` lists sentences the faithfulness check dropped (with the LLM writer).
    """

    topic: str | None
    text: str
    sentences: list[BriefSentence]
    sources: list[Source]
    neutrality: dict
    writer: str
    removed: list[str] = field(default_factory=list)

    @property
    def support_scores(self) -> list[float]:
        return [s.support for s in self.sentences]

    def as_dict(self) -> dict:
        return {
            "topic": self.topic,
            "text": self.text,
            "sentences": [asdict(s) for s in self.sentences],
            "sources": [s.as_dict() for s in self.sources],
            "neutrality": self.neutrality,
            "support": self.support_scores,
            "writer": self.writer,
            "removed": self.removed,
        }


@dataclass(frozen=True)
class _Candidate:
    text: str  # de-loaded sentence
    original: str
    doc: int  # index of its article
    position: int


def attribute(sentence: str, outlet: str) -> str:
    """'According to <outlet>, ...' in front of a sentence that attributes nothing itself."""
    if not outlet or is_attributed(sentence):
        return sentence
    first = sentence.split(" ", 1)[0]
    head = first.lower() if first.lower().strip(",") in _LOWER_OK else first
    return f"According to {outlet}, {head}{sentence[len(first) :]}"


def attribute_runs(items: Sequence[tuple[str, str]]) -> list[str]:
    """Attribution once per run of sentences from one outlet, as a news writer would do it:
    "According to X," leads the first sentence of the run that attributes nothing itself,
    and the run's later sentences continue it ("According to X, ... According to X, ..." reads
    as a stutter). A sentence from another outlet starts a new run."""
    out: list[str] = []
    prev, said = None, False
    for sentence, outlet in items:
        if outlet != prev:
            prev, said = outlet, False
        if said or not outlet or is_attributed(sentence):
            out.append(sentence)
        else:
            out.append(attribute(sentence, outlet))
            said = True
    return out


def number_articles(articles: Sequence[Article]) -> list[Source]:
    """Sources `[1]..[n]` for articles in the given order."""
    return [
        Source(
            n=i,
            article_id=a.id,
            title=a.title,
            source=a.source,
            url=a.url,
            published=a.published_iso,
            snippet=a.text[:300],
        )
        for i, a in enumerate(articles, 1)
    ]


class ExtractiveBriefer:
    """Composes a neutral multi-source briefing from the articles' own sentences."""

    def __init__(
        self,
        embeddings: Any,
        redundancy: float = 0.6,
        agreement_weight: float = 0.45,
        position_weight: float = 0.35,
        topic_weight: float = 0.5,
        max_per_article: int = MAX_SENTENCES_PER_ARTICLE,
    ) -> None:
        self.embeddings = embeddings
        self.max_per_article = max_per_article
        self.redundancy = redundancy
        self.agreement_weight = agreement_weight
        self.position_weight = position_weight
        self.topic_weight = topic_weight

    def candidates(self, articles: Sequence[Article]) -> list[_Candidate]:
        out: list[_Candidate] = []
        seen: set[str] = set()
        for d, a in enumerate(articles):
            for pos, s in enumerate(split_sentences(a.text)[: self.max_per_article]):
                words = len(s.split())
                key = re.sub(r"\W+", " ", s.lower()).strip()
                if words < 6 or words > 60 or key in seen or s.endswith("?") or not s[:1].isupper():
                    continue
                seen.add(key)
                s = _DATELINE.sub("", s)
                neutral = trim(s)
                if neutral:
                    out.append(_Candidate(neutral, s, d, pos))
        return out

    def select(
        self, articles: Sequence[Article], max_sentences: int, topic: str | None = None
    ) -> tuple[list[_Candidate], list[_Candidate], Any]:
        """The chosen candidates (in reading order), all candidates, and their vectors."""
        import numpy as np

        cands = self.candidates(articles)
        if not cands:
            return [], [], None
        vecs = np.asarray(
            self.embeddings.embed_documents([c.text for c in cands] + ([topic] if topic else [])),
            dtype=np.float32,
        )
        topic_vec = vecs[-1] if topic else None
        vecs = vecs[: len(cands)]
        docs = np.array([c.doc for c in cands])
        # an outlet writing in loaded language is a worse witness even in its cleaner sentences
        tone = [analyze(a.text).loaded_rate for a in articles] if len(articles) > 1 else [0.0]
        sims = vecs @ vecs.T
        n_docs = len({c.doc for c in cands})
        scores = np.zeros(len(cands), dtype=np.float32)
        t_words = keywords(topic) if topic else set()
        for i, c in enumerate(cands):
            if n_docs > 1:
                others = [float(sims[i][docs == d].max()) for d in set(docs.tolist()) if d != c.doc]
                agreement = sum(others) / len(others)
            else:
                agreement = float(sims[i][docs == c.doc].mean())
            score = self.agreement_weight * agreement + self.position_weight / (1 + c.position)
            if topic_vec is not None:
                overlap = len(t_words & keywords(c.text)) / len(t_words) if t_words else 0.0
                score += self.topic_weight * (0.7 * float(vecs[i] @ topic_vec) + 0.3 * overlap)
            score += 0.03 if is_attributed(c.text) else 0.0
            score -= 0.1 * sentence_penalty(c.text) + 0.05 * min(tone[c.doc] if n_docs > 1 else 0.0, 3.0)
            scores[i] = score
        order = sorted(range(len(cands)), key=lambda i: (-scores[i], cands[i].doc, cands[i].position))
        picked: list[int] = []
        used_docs: set[int] = set()
        while len(picked) < max_sentences:
            best, best_val = None, -1e9
            for i in order:
                if i in picked or any(sims[i][j] >= self.redundancy for j in picked):
                    continue
                # MMR: relevance minus redundancy, plus a small nudge to a new outlet's account
                val = float(scores[i]) - 0.3 * max((float(sims[i][j]) for j in picked), default=0.0)
                val += 0.04 if cands[i].doc not in used_docs else 0.0
                if val > best_val + 1e-9:
                    best, best_val = i, val
            if best is None:
                break
            picked.append(best)
            used_docs.add(cands[best].doc)
        chosen = sorted(picked, key=lambda i: (cands[i].position, cands[i].doc))
        return [cands[i] for i in chosen], cands, vecs

    def write(
        self, articles: Sequence[Article], max_sentences: int = 4, topic: str | None = None
    ) -> list[tuple[str, int]]:
        """(sentence with attribution, source number) pairs."""
        chosen, _, _ = self.select(articles, max_sentences, topic)
        texts = attribute_runs([(c.text, articles[c.doc].source) for c in chosen])
        return [(t, c.doc + 1) for t, c in zip(texts, chosen, strict=True)]


def render(pairs: Sequence[tuple[str, int]]) -> str:
    return " ".join(f"{s} [{n}]" for s, n in pairs)


def format_sources_block(articles: Sequence[Article], max_chars: int = 3000) -> str:
    """Numbered article blocks for the prompt (each cut at `max_chars`)."""
    blocks = []
    for i, a in enumerate(articles, 1):
        head = f"[{i}] {a.title}" + (
            f" ({a.source}" + (f", {a.published_iso})" if a.published else ")") if a.source else ""
        )
        body = a.text if len(a.text) <= max_chars else a.text[:max_chars].rsplit(" ", 1)[0] + " ..."
        blocks.append(head + "\n" + body)
    return "\n\n".join(blocks)


def _split_answer(text: str) -> list[str]:
    return [s for s in split_sentences(text.replace("\n", " ")) if s.strip()]


def write_with_llm(
    articles: Sequence[Article],
    topic: str | None,
    max_sentences: int,
    invoke: Callable[[list[tuple[str, str]]], str],
    checker: FaithfulnessChecker,
    source_vectors: Any,
    source_sents: list[str],
    system: str,
    user: str,
) -> tuple[list[str], list[Support], list[str]]:
    """Ask the model, check every sentence, retry once with the problems named, drop the rest.

    Returns (kept sentences, their support, removed sentences).
    """
    valid = set(range(1, len(articles) + 1))
    messages = [
        ("system", system.format(max_sentences=max_sentences)),
        (
            "human",
            user.format(
                sources=format_sources_block(articles),
                topic=topic or "the main news these articles report",
                max_sentences=max_sentences,
            ),
        ),
    ]

    def assess(text: str) -> tuple[list[str], list[Support], list[str]]:
        sents = [
            re.sub(r"\s?\[(\d{1,3})\]", lambda m: m.group(0) if int(m.group(1)) in valid else "", s)
            for s in _split_answer(text)
        ]
        support = checker.check(sents, source_sents, source_vectors=source_vectors) if sents else []
        problems = []
        for s, sup in zip(sents, support, strict=True):
            flags = analyze(strip_markup(s)).flags
            if not sup.supported:
                problems.append(f"- not supported by the sources: {s}")
            elif not cited_numbers(s):
                problems.append(f"- no [n] citation: {s}")
            elif flags:
                problems.append(f"- not neutral ({', '.join(f.text for f in flags)}): {s}")
        return sents, support, problems

    reply = invoke(messages)
    sents, support, problems = assess(reply)
    if problems:
        retry = [
            *messages,
            ("ai", reply),
            (
                "human",
                "Some sentences break the rules:\n"
                + "\n".join(problems)
                + "\nRewrite the briefing using only facts stated in the sources, neutrally, "
                "each sentence ending with its [n].",
            ),
        ]
        sents, support, _ = assess(invoke(retry))
    kept, kept_support, removed = [], [], []
    for s, sup in zip(sents, support, strict=True):
        if sup.supported and cited_numbers(s) and not analyze(strip_markup(s)).flags:
            kept.append(s)
            kept_support.append(sup)
        else:
            removed.append(s)
    return kept[:max_sentences], kept_support[:max_sentences], removed


def build_result(
    topic: str | None,
    sentences: Sequence[str],
    support: Sequence[Support],
    sources: Sequence[Source],
    writer: str,
    removed: Sequence[str] = (),
) -> BriefResult:
    """The result object: only the sources actually cited, renumbered in order of first use."""
    text = " ".join(sentences)
    used = cited_numbers(text)
    renumber = {old: new for new, old in enumerate(used, 1)}
    by_n = {s.n: s for s in sources}

    def fix(s: str) -> str:
        return re.sub(r"\[(\d{1,3})\]", lambda m: f"[{renumber.get(int(m.group(1)), int(m.group(1)))}]", s)

    out_sents = [
        BriefSentence(
            text=fix(s),
            citations=[renumber[n] for n in cited_numbers(s) if n in renumber],
            support=sup.score,
            supported=sup.supported,
            evidence=sup.evidence[:1],
        )
        for s, sup in zip(sentences, support, strict=True)
    ]
    final_text = " ".join(s.text for s in out_sents) or NOTHING_TO_BRIEF
    cited = [
        Source(
            renumber[n],
            by_n[n].article_id,
            by_n[n].title,
            by_n[n].source,
            by_n[n].url,
            by_n[n].published,
            by_n[n].snippet,
        )
        for n in used
        if n in by_n
    ]
    plain = " ".join(strip_markup(s.text) for s in out_sents)
    return BriefResult(
        topic=topic,
        text=final_text,
        sentences=out_sents,
        sources=cited,
        neutrality=analyze(plain).as_dict(),
        writer=writer,
        removed=list(removed),
    )


def brief_articles(
    articles: Sequence[Article],
    *,
    topic: str | None,
    embeddings: Any,
    max_sentences: int = 4,
    writer: str = "extractive",
    chat_model: Callable[[], Any] | None = None,
    prompts: tuple[str, str] | None = None,
    min_support: float | None = None,
) -> BriefResult:
    """Brief a set of in-memory articles (no store needed): the engine behind `Briefing.brief`."""
    import numpy as np

    from briefing.faithfulness import MIN_SUPPORT, source_sentences

    articles = [a for a in articles if a.text.strip()]
    sources = number_articles(articles)
    if not articles:
        return BriefResult(topic, NOTHING_TO_BRIEF, [], [], analyze("").as_dict(), writer)
    checker = FaithfulnessChecker(
        embeddings,
        min_support=MIN_SUPPORT if min_support is None else min_support,
        ignore=[a.source for a in articles if a.source],
    )
    if writer == "extractive":
        briefer = ExtractiveBriefer(embeddings)
        chosen, cands, vecs = briefer.select(articles, max_sentences, topic)
        texts = attribute_runs([(c.text, articles[c.doc].source) for c in chosen])
        sents = [f"{t} [{c.doc + 1}]" for t, c in zip(texts, chosen, strict=True)]
        # checked against the articles' sentences as written (vectors of their de-loaded form)
        support = checker.check(sents, [c.original for c in cands], source_vectors=vecs) if sents else []
        kept = [(s, sup) for s, sup in zip(sents, support, strict=True) if sup.supported]
        removed = [s for s, sup in zip(sents, support, strict=True) if not sup.supported]
        return build_result(topic, [s for s, _ in kept], [sup for _, sup in kept], sources, writer, removed)
    if chat_model is None or prompts is None:
        raise ValueError("the openai writer needs a chat model and the brief prompts")
    src_sents = source_sentences([a.text for a in articles])
    src_vecs = np.asarray(embeddings.embed_documents(src_sents), dtype=np.float32) if src_sents else None
    model = chat_model()

    def invoke(messages: list[tuple[str, str]]) -> str:
        reply = model.invoke(messages)
        return str(getattr(reply, "content", reply))

    kept, support, removed = write_with_llm(
        articles, topic, max_sentences, invoke, checker, src_vecs, src_sents, prompts[0], prompts[1]
    )
    return build_result(topic, kept, support, sources, f"openai:{getattr(model, 'model_name', '')}", removed)
