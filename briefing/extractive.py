"""The embedded default writer: answers with sentences taken verbatim from the sources.

No generative model runs here, so nothing can be invented: each sentence of the answer is
a sentence of a retrieved article, followed by its `[n]`. Sentences are ranked by meaning
(embedding similarity to the question) and by shared keywords; reported, attributed claims
rank above opinion and loaded language; near-repeats are skipped (MMR).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from langchain_core.documents import Document

from briefing.articles import DATELINE, split_sentences
from briefing.neutrality import is_attributed, sentence_penalty, trim

NOTHING_FOUND = "I found nothing in the collection that answers this."

STOPWORDS = set(
    """
a an the and or but if of to in on at by for with from about as into over after before is are
was were be been being do does did has have had what who whom whose which when where why how
this that these those it its he she they them his her their there here i you we our your me my
not no can could would will shall may might than then so such also just very tell me please
said say says any some more most other
""".split()
)
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'.-]*")


def keywords(text: str) -> set[str]:
    """Content words, crudely stemmed, for lexical overlap."""
    words = (w.strip(".'-") for w in _TOKEN.findall(text.lower()))
    return {_stem(w) for w in words if w and w not in STOPWORDS and len(w) > 1}


def _stem(word: str) -> str:
    """Crude suffix stripping, enough to match agree/agreed/agrees, release/released, fire/firing."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


@dataclass(frozen=True)
class Candidate:
    text: str
    n: int  # source number
    article_id: str
    position: int  # sentence index in its chunk (earlier = more newsworthy, a tie-breaker)


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float
    similarity: float
    overlap: float


class ExtractiveWriter:
    """Picks and cites the source sentences that best answer a question."""

    def __init__(
        self,
        embeddings,  # noqa: ANN001 - any LangChain Embeddings
        max_sentences: int = 3,
        min_similarity: float = 0.3,
        min_overlap: float = 0.5,
        redundancy: float = 0.85,
    ) -> None:
        self.embeddings = embeddings
        self.max_sentences = max_sentences
        self.min_similarity = min_similarity
        self.min_overlap = min_overlap
        self.redundancy = redundancy

    def candidates(self, docs: list[Document], numbers: dict[str, int]) -> list[Candidate]:
        seen: set[str] = set()
        out: list[Candidate] = []
        for d in docs:
            aid = d.metadata.get("article_id", "")
            for pos, s in enumerate(split_sentences(d.page_content)):
                key = re.sub(r"\W+", " ", s.lower()).strip()
                words = len(s.split())
                if key in seen or words < 5 or words > 90:
                    continue
                seen.add(key)
                s = DATELINE.sub("", s)  # "THE HAGUE, Nov 23 (Civic Wire) - " is not part of the claim
                out.append(Candidate(s, numbers[aid], aid, pos))
        return out

    def rank(
        self, question: str, candidates: list[Candidate], already_said: str = "", context: str = ""
    ) -> list[tuple[Scored, list[float]]]:
        """Score every candidate; returns (scored, vector) best first.

        `context` is the retrieval query of a follow-up (previous question + this one): it
        counts, but the question itself leads, so "what about the airstrikes?" is about those.
        """
        if not candidates:
            return []
        import numpy as np

        queries = [question] + ([context] if context and context != question else [])
        vectors = np.asarray(self.embeddings.embed_documents(queries + [c.text for c in candidates]))
        mat = vectors[len(queries) :]
        sims = mat @ vectors[0]
        if len(queries) == 2:
            sims = 0.6 * sims + 0.4 * (mat @ vectors[1])
        q_words = keywords(question) or keywords(context)
        said = {re.sub(r"\W+", " ", s.lower()).strip() for s in split_sentences(already_said)}
        scored = []
        for c, sim, vec in zip(candidates, sims, mat, strict=True):
            overlap = len(q_words & keywords(c.text)) / len(q_words) if q_words else 0.0
            score = 0.65 * float(sim) + 0.35 * overlap
            score += 0.05 if is_attributed(c.text) else 0.0
            score -= 0.15 * sentence_penalty(c.text)
            if trim(c.text) is None:
                score -= 0.25  # opinion or loaded wording that cannot be cut out: use a cleaner sentence
            score -= 0.01 * min(c.position, 5)
            if c.text.rstrip("\"'”’)").endswith("?"):
                score -= 0.2  # a question in an article is framing, not an answer
            if re.sub(r"\W+", " ", c.text.lower()).strip() in said:
                score -= 0.5  # a follow-up should add something new
            scored.append((Scored(c, score, float(sim), overlap), vec))
        scored.sort(key=lambda p: (-p[0].score, p[0].candidate.n, p[0].candidate.position))
        return scored

    def select(
        self, question: str, candidates: list[Candidate], already_said: str = "", context: str = ""
    ) -> list[Scored]:
        """The answer's sentences: relevant enough, diverse (no near-repeats), best first."""
        import numpy as np

        picked: list[tuple[Scored, object]] = []
        for s, vec in self.rank(question, candidates, already_said, context):
            if len(picked) >= self.max_sentences:
                break
            relevant = s.similarity >= self.min_similarity or s.overlap >= self.min_overlap
            if not relevant or s.score <= 0:
                continue
            if picked and s.score < 0.7 * picked[0][0].score:
                break  # the rest is much weaker than the best: stop rather than pad
            if any(float(np.dot(vec, v)) >= self.redundancy for _, v in picked):
                continue
            picked.append((s, vec))
        return [s for s, _ in picked]

    def stream(
        self,
        question: str,
        docs: list[Document],
        numbers: dict[str, int],
        already_said: str = "",
        context: str = "",
    ) -> Iterator[str]:
        """The answer, one cited sentence at a time."""
        chosen = self.select(question, self.candidates(docs, numbers), already_said, context)
        if not chosen:
            yield NOTHING_FOUND
            return
        for i, s in enumerate(chosen):
            yield ("" if i == 0 else " ") + f"{s.candidate.text} [{s.candidate.n}]"
