"""Crash safety: SIGKILL `briefing ingest` at random points, re-run it, check nothing is lost.

Each trial gets its own store. Half the trials kill a first ingest of corpus v1; the other
half start from a complete v1 store and kill the ingest of v2, where a third of the articles
changed text under the same URL (delete-then-write), some vanished from a re-read file and
some are new. After the kill, ingest runs again to completion; then the store must hold
exactly the articles of the corpus (ids), each once, complete (chunk count = `n_chunks`) and
current (content hash). The kill time is uniform over a measured full run, so kills land
while loading the model, while embedding and mid-write.

    .venv/bin/python bench/crash_trials.py --trials 20 --articles 300
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLACES = ["Lisbon", "Nairobi", "Osaka", "Quito", "Tallinn", "Hanoi", "Accra", "Perth", "Lyon", "Cusco"]
ACTORS = ["the transport ministry", "the city council", "a union spokesperson", "the central bank",
          "the health agency", "opposition lawmakers", "the port authority", "local farmers"]  # fmt: skip
TOPICS = ["a rail strike", "river flooding", "a budget vote", "a vaccine rollout", "a data breach",
          "wildfire smoke", "a bridge closure", "grain prices", "a walkout", "a heat wave"]  # fmt: skip
VERBS = ["said", "announced", "warned", "confirmed", "reported", "denied"]


def _paragraph(rng: random.Random, n: int, version: int) -> str:
    sents = []
    for _ in range(rng.randint(2, 6)):
        sents.append(
            f"{rng.choice(ACTORS).capitalize()} {rng.choice(VERBS)} on day {rng.randint(1, 28)} that "
            f"{rng.choice(TOPICS)} near {rng.choice(PLACES)} affected {rng.randint(10, 90_000):,} people"
            f" (item {n}, revision {version})."
        )
    return " ".join(sents)


def article(n: int, version: int = 1, seed: int = 0) -> dict:
    """A varied, unique article: 1–9 paragraphs (so 1 to ~6 chunks at chunk_size 600)."""
    rng = random.Random(f"{seed}:{n}:{version}")
    paras = [_paragraph(rng, n, version) for _ in range(rng.randint(1, 9))]
    return {
        "title": f"{rng.choice(TOPICS).capitalize()} in {rng.choice(PLACES)} (report {n})",
        "source": rng.choice(["Daily Ledger", "Coast Herald", "Metro Wire", "Valley Post"]),
        "url": f"https://news.example/{n}" if n % 3 else "",
        "published": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "text": "\n\n".join(paras),
    }


def write_corpus(folder: Path, n_articles: int, version: int = 1, seed: int = 0, first: int = 0) -> None:
    """The corpus in several formats: .txt and .md (one article each), .json and .jsonl (many).

    Version 2 changes the text of every third article (same URL → replaced in place), drops
    every tenth from the multi-article files (vanished) and adds 5 % new ones.
    """
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    ids = list(range(first, first + n_articles))
    if version == 2:
        ids = [i for i in ids if not (i % 10 == 5 and i % 4 >= 2)] + list(
            range(first + n_articles, first + n_articles + n_articles // 20)
        )
    arts = {i: article(i, 2 if version == 2 and i % 3 == 1 else 1, seed) for i in ids}
    groups: dict[str, list[dict]] = {"batch_a.jsonl": [], "batch_b.json": []}
    for i, a in arts.items():
        kind = i % 4
        if kind == 0:
            head = "".join(f"{k}: {a[k]}\n" for k in ("title", "source", "url", "published") if a[k])
            (folder / f"a{i:04d}.txt").write_text(head + "\n" + a["text"] + "\n", encoding="utf-8")
        elif kind == 1:
            fm = "".join(f"{k}: {json.dumps(a[k])}\n" for k in ("title", "source", "url", "published"))
            (folder / f"a{i:04d}.md").write_text(f"---\n{fm}---\n\n{a['text']}\n", encoding="utf-8")
        elif kind == 2:
            groups["batch_a.jsonl"].append(a)
        else:
            groups["batch_b.json"].append(a)
    (folder / "batch_a.jsonl").write_text("".join(json.dumps(a) + "\n" for a in groups["batch_a.jsonl"]))
    (folder / "batch_b.json").write_text(json.dumps({"articles": groups["batch_b.json"]}))


def expected(folder: Path, chunk_size: int) -> dict[str, tuple[str, int]]:
    """article id → (content hash, chunk count), computed by the same loaders and splitter."""
    from briefing.articles import iter_files, load_file
    from briefing.config import Settings
    from briefing.ingest import chunk_article, make_splitter

    splitter = make_splitter(Settings(chunk_size=chunk_size))
    out: dict[str, tuple[str, int]] = {}
    for path in iter_files([folder]):
        for a in load_file(path):
            out[a.id] = (a.content_hash, len(chunk_article(a, splitter)))
    return out


def env_for(store: Path, chunk_size: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFING_", "OPENAI_"))}
    env.update(
        BRIEFING_STORE_DIR=str(store),
        BRIEFING_CHUNK_SIZE=str(chunk_size),
        BRIEFING_CHUNK_OVERLAP="80",
        BRIEFING_ONNX_THREADS="1",
        ANONYMIZED_TELEMETRY="False",
    )
    return env


def ingest_cmd(folder: Path) -> list[str]:
    return [sys.executable, "-m", "briefing.cli", "ingest", str(folder), "--json"]


def run_ingest(folder: Path, store: Path, chunk_size: int, timeout: float = 600) -> dict:
    proc = subprocess.run(
        ingest_cmd(folder),
        env=env_for(store, chunk_size),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=store.parent,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"ingest exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return json.loads(proc.stdout)


def check(store: Path, want: dict[str, tuple[str, int]], chunk_size: int) -> tuple[dict, list[str]]:
    """State of a store vs the corpus: counts and the list of problems (empty = sound)."""
    from briefing.config import Settings
    from briefing.store import Store

    st = Store(Settings(store_dir=store, chunk_size=chunk_size), "all-MiniLM-L6-v2-int8")
    got = st.articles()
    chunk_ids = st.collection.get(include=[])["ids"]
    problems = []
    missing, extra = set(want) - set(got), set(got) - set(want)
    if missing:
        problems.append(f"{len(missing)} articles missing")
    if extra:
        problems.append(f"{len(extra)} unexpected articles")
    incomplete = [a for a in got.values() if not a.complete]
    if incomplete:
        problems.append(f"{len(incomplete)} incomplete articles")
    stale = [aid for aid, info in got.items() if aid in want and info.content_hash != want[aid][0]]
    if stale:
        problems.append(f"{len(stale)} articles with an old content hash")
    wrong_n = [aid for aid, info in got.items() if aid in want and info.chunks != want[aid][1]]
    if wrong_n:
        problems.append(f"{len(wrong_n)} articles with a wrong chunk count")
    n_expected_chunks = sum(n for _, n in want.values())
    if len(chunk_ids) != len(set(chunk_ids)) or len(chunk_ids) != n_expected_chunks:
        problems.append(f"{len(chunk_ids)} chunks stored, {n_expected_chunks} expected")
    state = {
        "articles": len(got),
        "incomplete": len(incomplete),
        "chunks": len(chunk_ids),
        "current": sum(
            1 for aid, i in got.items() if i.complete and want.get(aid, ("",))[0] == i.content_hash
        ),
    }
    return state, problems


@dataclass
class Trial:
    n: int
    mode: str  # "first" (fresh store) or "replace" (v1 stored, ingest v2)
    kill_after: float
    killed: bool = False
    at_kill: dict = field(default_factory=dict)
    rerun: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def run_trials(
    trials: int, n_articles: int, seed: int = 0, chunk_size: int = 600, work: Path | None = None, log=print
) -> dict:
    rng = random.Random(seed)
    tmp = Path(work or tempfile.mkdtemp(prefix="crash-trials-"))
    tmp.mkdir(parents=True, exist_ok=True)
    corpus = tmp / "corpus"  # one folder, rewritten per version: re-reading a file is what removes
    want = {}
    for mode, version in (("first", 1), ("replace", 2)):
        write_corpus(corpus, n_articles, version, seed)
        want[mode] = expected(corpus, chunk_size)

    # calibration: full runs give the kill windows, and the v1 store that "replace" trials copy;
    # both uninterrupted runs must already be sound, or the trials would prove nothing
    base = tmp / "base-v1" / "store"
    base.parent.mkdir(parents=True, exist_ok=True)
    write_corpus(corpus, n_articles, 1, seed)
    t0 = time.perf_counter()
    run_ingest(corpus, base, chunk_size)
    full_first = time.perf_counter() - t0
    over = tmp / "base-v2-over-v1" / "store"
    shutil.copytree(base, over)
    write_corpus(corpus, n_articles, 2, seed)
    t0 = time.perf_counter()
    run_ingest(corpus, over, chunk_size)
    full_replace = time.perf_counter() - t0
    for store, mode in ((base, "first"), (over, "replace")):
        _, problems = check(store, want[mode], chunk_size)
        if problems:
            raise RuntimeError(f"an uninterrupted {mode} ingest is already wrong: {problems}")
    initial = {"first": {"articles": 0, "incomplete": 0, "chunks": 0, "current": 0}}
    initial["replace"], _ = check(base, want["replace"], chunk_size)
    log(f"corpus: {len(want['first'])} articles (v1), {len(want['replace'])} (v2); "
        f"full ingest {full_first:.1f}s (fresh v1), {full_replace:.1f}s (v2 over v1)")  # fmt: skip

    results: list[Trial] = []
    started = time.perf_counter()
    for n in range(trials):
        mode = "first" if n % 2 == 0 else "replace"
        write_corpus(corpus, n_articles, 1 if mode == "first" else 2, seed)
        folder = corpus
        store = tmp / f"trial-{n:02d}" / "store"
        if store.parent.exists():
            shutil.rmtree(store.parent)
        store.parent.mkdir(parents=True)
        if mode == "replace":
            shutil.copytree(base, store)
        window = full_first if mode == "first" else full_replace
        t = Trial(n, mode, kill_after=round(rng.uniform(0.3, window * 0.95), 2))
        proc = subprocess.Popen(
            ingest_cmd(folder),
            env=env_for(store, chunk_size),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=store.parent,
        )
        try:
            proc.wait(timeout=t.kill_after)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            t.killed = True
        t.at_kill, _ = check(store, want[mode], chunk_size)
        t.rerun = run_ingest(folder, store, chunk_size)
        _, t.problems = check(store, want[mode], chunk_size)
        results.append(t)
        log(
            f"trial {n:2d} {mode:7s} kill@{t.kill_after:5.2f}s killed={t.killed!s:5s} "
            f"at kill: {t.at_kill['articles']:3d} articles ({t.at_kill['incomplete']} incomplete); "
            f"rerun added {t.rerun['added']} replaced {t.rerun['replaced']} removed {t.rerun['removed']} "
            f"unchanged {t.rerun['unchanged']}; {'OK' if not t.problems else '; '.join(t.problems)}"
        )
    failures = [t for t in results if t.problems]
    summary = {
        "trials": len(results),
        "killed": sum(t.killed for t in results),
        "killed_before_first_write": sum(t.killed and t.at_kill == initial[t.mode] for t in results),
        "killed_mid_write": sum(
            t.killed and t.at_kill != initial[t.mode] and t.at_kill["current"] < len(want[t.mode])
            for t in results
        ),
        "incomplete_seen_at_kill": sum(t.at_kill["incomplete"] for t in results),
        "killed_between_delete_and_rewrite": sum(
            t.mode == "replace" and t.at_kill["articles"] < initial["replace"]["articles"] for t in results
        ),
        "articles_v1": len(want["first"]),
        "articles_v2": len(want["replace"]),
        "failures": len(failures),
        "seconds": round(time.perf_counter() - started, 1),
        "work": str(tmp),
    }
    if work is None and not failures:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--chunk-size", type=int, default=600)
    args = ap.parse_args()
    summary = run_trials(args.trials, args.articles, args.seed, args.chunk_size)
    print(json.dumps(summary, indent=2))
    sys.exit(1 if summary["failures"] else 0)


if __name__ == "__main__":
    main()
