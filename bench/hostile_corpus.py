"""A folder of hostile files mixed with good ones, and a check that ingest handles all of them.

Bad: empty, whitespace, binary, over the size limit, truncated JSON, wrong encodings, BOM-only,
bad and far-future dates, gigantic lines, deeply nested JSON, too many records, malformed
feeds (entity bombs, external entities, truncated XML), malformed HTML, YAML bombs, symlinks out
of the folder, dangling and looping symlinks. Good: every format, BOMs, cp1252, UTF-16, dates
up to tomorrow, a symlink that stays inside the folder. Every bad file must get exactly one
one-line failure, every good file's articles must be stored, nothing may crash, and the peak
memory of the run is reported against an ingest of the good files alone.

    .venv/bin/python bench/hostile_corpus.py            # build, ingest, check, print figures
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.crash_trials import article as make_record  # noqa: E402

HUGE = 25_000_000  # over the default max_file_bytes (20 MB); written sparse, costs no disk

GOOD_HTML = """<!doctype html><html><head><title>{title}</title>
<meta property="og:site_name" content="Coast Herald"><meta name="date" content="2024-03-05">
</head><body><nav>Home | World | Sport</nav><article><h1>{title}</h1>
{paras}</article><footer>Copyright Coast Herald</footer></body></html>"""

RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Valley Post</title>
<link>https://valley.example/</link><description>news</description>{items}</channel></rss>"""
RSS_ITEM = """<item><title>{title}</title><link>https://valley.example/{n}</link>
<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate><description><![CDATA[<p>{text}</p>]]></description></item>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Metro Wire</title><id>urn:metro</id><updated>2024-03-05T10:00:00Z</updated>
<entry><title>{title}</title><id>urn:metro:{n}</id><link href="https://metro.example/{n}"/>
<updated>2024-03-05T10:00:00Z</updated>
<content type="html">&lt;p&gt;{text}&lt;/p&gt;</content></entry></feed>"""

LAUGHS = """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]><rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>
<description>&lol9;</description></item></channel></rss>"""
XXE = """<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>
<rss version="2.0"><channel><title>x</title><item><title>leak</title><description>&x;</description>
</item></channel></rss>"""
YAML_BOMB = """---
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
title: *g
source: *g
---
"""


def build(folder: Path, seed: int = 0, n_good: int = 60) -> tuple[list[Path], list[Path]]:
    """Write the corpus; returns (good files, bad files). Symlink targets go next to `folder`."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    outside = folder.parent / f"{folder.name}-outside"
    outside.mkdir(exist_ok=True)
    good: list[Path] = []
    bad: list[Path] = []
    counter = iter(range(10_000, 10**6))

    def rec() -> dict:
        return make_record(next(counter), seed=seed)

    def put(name: str, data: bytes | str, ok: bool) -> Path:
        path = folder / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        (good if ok else bad).append(path)
        return path

    def txt(r: dict, published: str | None = None) -> str:
        when = published or r["published"]
        return f"title: {r['title']}\nsource: {r['source']}\ndate: {when}\n\n{r['text']}\n"

    # ---- good files, every format
    for i in range(n_good):
        r = rec()
        kind = i % 10
        if kind == 0:
            put(f"good_{i:03d}.txt", txt(r), True)
        elif kind == 1:
            put(f"good_{i:03d}.md", f"---\ntitle: {json.dumps(r['title'])}\n---\n\n{r['text']}\n", True)
        elif kind == 2:
            put(f"good_{i:03d}.json", json.dumps([r, rec()]), True)
        elif kind == 3:
            put(f"good_{i:03d}.jsonl", "\n".join(json.dumps(x) for x in (r, rec(), rec())) + "\n", True)
        elif kind == 4:
            paras = "".join(f"<p>{p}</p>\n" for p in r["text"].split("\n\n"))
            put(f"good_{i:03d}.html", GOOD_HTML.format(title=r["title"], paras=paras), True)
        elif kind == 5:
            items = "".join(
                RSS_ITEM.format(title=x["title"], n=next(counter), text=x["text"]) for x in (r, rec())
            )
            put(f"good_{i:03d}.rss", RSS.format(items=items), True)
        elif kind == 6:
            put(f"good_{i:03d}.atom", ATOM.format(title=r["title"], n=next(counter), text=r["text"]), True)
        elif kind == 7:  # Windows-1252, with curly quotes and an accented name
            put(f"good_{i:03d}.txt", (txt(r) + "“Señora Müller” said it was fine.\n").encode("cp1252"), True)
        elif kind == 8:  # BOMs
            bom = [b"\xef\xbb\xbf", None, None][i % 3]
            data = bom + txt(r).encode() if bom else txt(r).encode("utf-16")  # utf-16 writes a BOM
            put(f"good_{i:03d}.txt", data, True)
        else:  # dates at the edge of the future-date policy: today and tomorrow are fine
            when = (date.today() + timedelta(days=i % 2)).isoformat()
            put(f"good_{i:03d}.txt", txt(r, when), True)
    hidden = folder / ".archive"
    hidden.mkdir(exist_ok=True)
    (hidden / "kept.txt").write_text(txt(rec()))
    link = folder / "good_link_inside.txt"
    link.symlink_to(hidden / "kept.txt")  # a symlink that stays inside the folder: allowed
    good.append(link)

    # ---- bad files
    for ext in (".txt", ".md", ".json", ".jsonl", ".html", ".xml", ".rss", ".atom"):
        put(f"empty{ext}", b"", False)
        put(f"blank{ext}", b" \n\t\r\n  \n", False)
        put(f"bom_only{ext}", b"\xef\xbb\xbf", False)
        put(f"nul_binary{ext}", bytes(rng.randrange(256) for _ in range(4096)) + b"\x00" * 16, False)
        png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(512))
        put(f"png_named{ext}", png, False)
        with open(folder / f"huge{ext}", "wb") as f:
            f.truncate(HUGE)
        bad.append(folder / f"huge{ext}")
    for i in range(8):  # undecodable text: random high bytes, no NUL
        put(f"garbled_{i}.txt", bytes(rng.randrange(128, 256) for _ in range(3000)), False)
    put("utf16_no_bom.txt", txt(rec()).encode("utf-16-le"), False)
    put("utf32.txt", txt(rec()).encode("utf-32"), True)  # UTF-32 with its BOM is text too

    whole = json.dumps([rec() for _ in range(3)])
    for i in range(30):  # truncated JSON / JSONL at random points
        put(f"truncated_{i:02d}.json", whole[: rng.randrange(1, len(whole) - 1)], False)
    for i in range(10):
        lines = [json.dumps(rec()) for _ in range(3)]
        lines[rng.randrange(3)] = lines[0][: rng.randrange(2, 40)]
        put(f"truncated_{i:02d}.jsonl", "\n".join(lines), False)
    shapes = ["42", '"just a string"', "null", "true", "[1, 2, 3]", "[]", "{}", '{"articles": []}',
              '{"text": ""}', '{"title": "no body"}', '{"text": {"nested": {"deeper": 1}}}',
              '{"text": "fine text here", "published": {"when": 1}}', '[{"text": "ok text"}, 7]',
              '{"text": "t", "date": "2023-02-30"}', '{"text": "t", "date": "not a date at all"}',
              '{"text": "t", "date": 99999999999999999999}', '{"text": "t", "date": "0000-00-00"}',
              '{"text": "t", "date": "' + "9" * 200 + '"}']  # fmt: skip
    for i, s in enumerate(shapes):
        put(f"shape_{i:02d}.json", s, False)
    for depth in (1_000, 50_000, 500_000):
        put(f"nested_list_{depth}.json", "[" * depth + "]" * depth, False)
        put(f"nested_obj_{depth}.json", '{"text":' * depth + '"x"' + "}" * depth, False)
        put(f"nested_{depth}.jsonl", "[" * depth + "]" * depth + "\n", False)
    for when in ("2999-01-01", "2100-06-01", (date.today() + timedelta(days=30)).isoformat(), "9999-12-31"):
        put(f"future_{when}.txt", txt(rec(), when), False)
        put(f"future_{when}.json", json.dumps(rec() | {"published": when}), False)
    for i, when in enumerate(("2023-13-45", "2023-02-30", "31/31/2023", "yesterday", "Q3 twenty-twenty")):
        put(f"bad_date_{i}.txt", txt(rec(), when), False)
        put(f"bad_date_{i}.md", f"---\ndate: {json.dumps(when)}\n---\n\n{rec()['text']}\n", False)
    put("giant_line.txt", "word " * 700_000, False)  # 3.5 MB, one line: over max_article_chars
    put("giant_token.txt", "x" * 3_000_000, False)
    put("giant_jsonl_line.jsonl", json.dumps({"text": "a " * 1_500_000}) + "\n", False)
    notes = (json.dumps({"text": f"note {i} about the harbour"}) + "\n" for i in range(10_050))
    put("too_many.jsonl", "".join(notes), False)  # over max_articles_per_file (10,000)
    # hostile but harmless: safe_load keeps aliases shared (nothing expands), the body is kept
    put("yaml_bomb.md", YAML_BOMB + "Some body text that is long enough to be an article body.\n", True)
    put("yaml_broken.md", "---\ntitle: [unclosed\n---\n\nBody text of the article.\n", False)
    put("yaml_list.md", "---\n- a\n- b\n---\n\nBody text of the article.\n", False)
    put(
        "yaml_python_tag.md",
        "---\ntitle: !!python/object/apply:os.system ['echo pwned']\n---\n\nBody.\n",
        False,
    )
    secret = outside / "secret.txt"
    secret.write_text("TOP SECRET do not ingest\n")
    put("laughs.xml", LAUGHS, False)
    put("laughs.rss", LAUGHS, False)
    put("xxe.rss", XXE.format(secret=secret), False)
    feed = RSS.format(
        items="".join(RSS_ITEM.format(title=f"T{i}", n=i, text=f"Body {i} text.") for i in range(3))
    )
    for i in range(8):
        put(f"truncated_feed_{i}.rss", feed[: rng.randrange(10, 150)], False)
    put("no_items.rss", RSS.format(items=""), False)
    put("html_as_feed.xml", "<html><body><p>not a feed</p></body></html>", False)
    put(
        "empty_items.rss",
        RSS.format(items="<item><title></title><description></description></item>" * 3),
        False,
    )
    for i, html in enumerate(
        [
            "<html></html>",
            "<html><body><script>alert(1)</script></body></html>",
            "<<<>>><p",
            "<html><body>" + "<div>" * 5000 + "</body></html>",
            "<!-- only a comment -->",
            "<p>" * 100_000,
            "<html><head><title>T</title></head><body></body></html>",
            "</html></body>",
            "<html><body><img src=x onerror=alert(1)></body></html>",
            "<frameset></frameset>",
        ]
    ):
        put(f"bad_page_{i}.html", html, False)
    for i in range(4):  # symlinks pointing out of the folder (files and a directory)
        target = outside / f"outside_{i}.txt"
        target.write_text(txt(rec()))
        (folder / f"link_out_{i}.txt").symlink_to(target)
        bad.append(folder / f"link_out_{i}.txt")
    (folder / "link_passwd.txt").symlink_to("/etc/passwd")
    bad.append(folder / "link_passwd.txt")
    (outside / "sub").mkdir(exist_ok=True)
    (outside / "sub" / "inner.txt").write_text(txt(rec()))
    (folder / "link_dir_out").symlink_to(outside / "sub", target_is_directory=True)
    bad.append(folder / "link_dir_out")
    (folder / "dangling.txt").symlink_to(folder / "does-not-exist.txt")
    bad.append(folder / "dangling.txt")
    (folder / "loop_a.txt").symlink_to(folder / "loop_b.txt")
    (folder / "loop_b.txt").symlink_to(folder / "loop_a.txt")
    bad.extend([folder / "loop_a.txt", folder / "loop_b.txt"])
    return good, bad


_MEASURED = (
    "import resource, runpy, sys\n"
    "try:\n"
    "    runpy.run_module('briefing.cli', run_name='__main__')\n"
    "finally:\n"
    "    sys.stderr.write(f'\\nMAXRSS_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n')\n"
)


def run(folder: Path, store: Path, *extra: str) -> tuple[dict, int, float, list[str]]:
    """`briefing ingest --json` in a child; (report, its peak RSS in MB, seconds, stderr lines)."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURED, "ingest", str(folder), "--json"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=store.parent,
        env={
            "BRIEFING_STORE_DIR": str(store),
            "ANONYMIZED_TELEMETRY": "False",
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
        },
    )
    seconds = time.perf_counter() - t0
    lines = proc.stderr.strip().splitlines()
    if proc.returncode not in (0, 1) or "Traceback" in proc.stderr or not lines[-1].startswith("MAXRSS_KB"):
        raise RuntimeError(f"ingest crashed (exit {proc.returncode}): {proc.stderr[-3000:]}")
    return json.loads(proc.stdout), int(lines[-1].split()[1]) // 1024, seconds, lines[:-1]


def verify(report: dict, good: list[Path], bad: list[Path], store: Path) -> list[str]:
    """Problems (empty = all as it should be)."""
    from briefing.articles import load_file
    from briefing.config import Settings
    from briefing.store import Store

    problems = []
    failed: dict[str, list[str]] = {}
    for f in report["failed"]:
        failed.setdefault(f["path"], []).append(f["reason"])
    for path in bad:
        reasons = failed.pop(str(path), [])
        if len(reasons) != 1:
            problems.append(f"bad file {path.name}: {len(reasons)} failure lines")
        elif "\n" in reasons[0] or not reasons[0].strip():
            problems.append(f"bad file {path.name}: reason is not one line: {reasons[0]!r}")
    for path, reasons in failed.items():
        problems.append(f"good file {Path(path).name} failed: {reasons}")
    stored = Store(Settings(store_dir=store), "all-MiniLM-L6-v2-int8").articles()
    for path in good:
        for a in load_file(path):
            if a.id not in stored or not stored[a.id].complete:
                problems.append(f"good file {path.name}: article {a.id} not stored")
    if any("TOP SECRET" in (i.title + i.source) for i in stored.values()):
        problems.append("a file outside the folder was ingested")
    return problems


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        folder = Path(tmp) / "corpus"
        good, bad = build(folder)
        only_good = Path(tmp) / "good-only"
        only_good.mkdir()
        for p in good:
            (only_good / p.name).write_bytes(p.read_bytes())
        (Path(tmp) / "s1").mkdir()
        (Path(tmp) / "s2").mkdir()
        _, base_mb, base_s, _ = run(only_good, Path(tmp) / "s1" / "store")
        report, mb, s, _ = run(folder, Path(tmp) / "s2" / "store")
        problems = verify(report, good, bad, Path(tmp) / "s2" / "store")
        summary = {
            "files": len(good) + len(bad),
            "bad_files": len(bad),
            "good_files": len(good),
            "articles_stored": report["added"],
            "failure_lines": len(report["failed"]),
            "problems": len(problems),
            "peak_rss_mb": mb,
            "peak_rss_mb_good_only": base_mb,
            "rss_ratio": round(mb / max(base_mb, 1), 2),
            "seconds": round(s, 1),
            "seconds_good_only": round(base_s, 1),
        }
        for p in problems:
            print("PROBLEM:", p)
        print(json.dumps(summary, indent=2))
        sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
