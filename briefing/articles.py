"""The `Article` model and one loader per input format, behind `load_file(path)`.

Every loader returns normalized articles (ISO dates, a title, a stable id) or raises
`ArticleError` with a one-line reason, so ingest can report a bad file and go on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

TEXT_EXTS = {".txt", ".text"}
MARKDOWN_EXTS = {".md", ".markdown"}
JSON_EXTS = {".json"}
JSONL_EXTS = {".jsonl", ".ndjson"}
HTML_EXTS = {".html", ".htm"}
FEED_EXTS = {".xml", ".rss", ".atom", ".rdf"}
SUPPORTED_EXTS = TEXT_EXTS | MARKDOWN_EXTS | JSON_EXTS | JSONL_EXTS | HTML_EXTS | FEED_EXTS

_FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "name"),
    "text": ("text", "content", "body", "article", "description", "summary"),
    "source": ("source", "outlet", "publisher", "site_name", "sitename"),
    "url": ("url", "link", "href", "canonical_url"),
    "published": ("published", "date", "published_at", "pubdate", "datetime", "time"),
}


class ArticleError(ValueError):
    """A file or record that cannot become an article; the message is one line for the user."""


@dataclass(frozen=True)
class Article:
    """One news article, normalized. `id` is stable across re-ingest of the same story."""

    id: str
    title: str
    text: str
    source: str = ""
    url: str = ""
    published: date | None = None
    origin: str = ""  # the file or URL it came from; lets re-ingest of that file replace it
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def published_iso(self) -> str:
        return self.published.isoformat() if self.published else ""

    @property
    def published_int(self) -> int:
        """YYYYMMDD as an int, for range filters in Chroma's `where` (0 when unknown)."""
        return int(self.published.strftime("%Y%m%d")) if self.published else 0

    @property
    def content_hash(self) -> str:
        """Changes whenever anything we store about the article changes."""
        key = "\x1f".join([self.title, self.text, self.source, self.url, self.published_iso])
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------- normalizing


def normalize_text(text: str) -> str:
    """Unicode NFC, unified newlines, no control characters, collapsed blank runs."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\ufeff", "").replace("\u00a0", " ")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def canonical_url(url: str) -> str:
    """Scheme and host lower-cased, fragment and tracking parameters dropped."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    query = "&".join(p for p in parts.query.split("&") if p and not p.lower().startswith(("utm_", "fbclid")))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def article_id(text: str, url: str = "") -> str:
    """sha256 of the canonical URL when there is one, else of the normalized text."""
    key = canonical_url(url) if url else "text:" + re.sub(r"\s+", " ", text).strip().lower()
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"


def parse_date(value: Any) -> date | None:
    """Dates in any common news format to a `date`; None for empty; ArticleError if garbled."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            return parse_date(str(int(value)))
        try:
            return datetime.fromtimestamp(float(value)).date()
        except (OverflowError, OSError, ValueError) as exc:
            raise ArticleError(f"bad date {value!r}") from exc
    text = str(value).strip()
    if len(text) > 64:
        raise ArticleError(f"bad date {text[:40]!r}...")
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return date.fromisoformat(text[:10]) if re.match(r"\d{4}-\d{2}-\d{2}", text) else _fuzzy(text)
    except ValueError as exc:
        raise ArticleError(f"bad date {text!r} (expected e.g. 2023-11-10)") from exc


def _fuzzy(text: str) -> date:
    from dateutil import parser as dateparser

    if not re.search(rf"\d|{_MONTHS}|\b(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b", text, re.I):
        raise ValueError(text)
    try:
        return dateparser.parse(text, fuzzy=False).date()
    except (ValueError, OverflowError, dateparser.ParserError) as exc:
        raise ValueError(text) from exc


_ABBREV = re.compile(
    r"(?:\b[A-Z]\.){1,3}$|\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Sen|Rep|Gov|Lt|Col|St|No|vs|Inc|Corp|Ltd|Jr|Sr)\.$"
)
# "WOODSIDE, California, Nov 15 (Civic Wire) - ": a wire dateline, not part of the claim.
DATELINE = re.compile(
    r"^[A-Z][A-Z .'/-]{2,}(?:,\s*[A-Z][A-Za-z .]+)?,\s*[A-Z][a-z]{2,8}\.? \d{1,2}\s*"
    r"(?:\([^)]{1,40}\))?\s*[-–—]+\s*"
)
_MONTH_ABBREV = re.compile(r"\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Rule-based sentence splitter that keeps "U.S. politics" and "Mr. Smith" whole."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n|\n", text):
        para = para.strip()
        start = 0
        for m in _SENTENCE_END.finditer(para):
            head = para[start : m.start() + 1]
            if _ABBREV.search(head.rstrip("\"'”’)]")):
                continue
            if _MONTH_ABBREV.search(head) and para[m.end() : m.end() + 1].isdigit():
                continue  # "on Dec. 10"
            sentence = para[start : m.end()].strip()
            if sentence:
                out.append(sentence)
            start = m.end()
        tail = para[start:].strip()
        if tail:
            out.append(tail)
    return out


def derive_title(text: str, limit: int = 120) -> str:
    """The first sentence, shortened at a word boundary: a title for articles without one."""
    first = split_sentences(text[:2000])[0] if text.strip() else "Untitled"
    first = first.rstrip(".")
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + "…"


def make_article(
    *,
    text: str,
    title: str = "",
    source: str = "",
    url: str = "",
    published: Any = None,
    origin: str = "",
) -> Article:
    """The one place where raw fields become a normalized `Article`."""
    text = normalize_text(text or "")
    if not text:
        raise ArticleError("no article text")
    title = normalize_text(title or "").replace("\n", " ") or derive_title(text)
    url = (url or "").strip()
    return Article(
        id=article_id(text, url),
        title=title,
        text=text,
        source=normalize_text(source or "").replace("\n", " "),
        url=url,
        published=parse_date(published),
        origin=origin,
    )


# ---------------------------------------------------------------- loaders

_HEADER = re.compile(
    r"^\s*(title|headline|source|outlet|url|link|date|published|author|byline)\s*:\s*(.*?)\s*$", re.I
)
_DATE_PREFIX = re.compile(r"^\s*date\s*:?\s+(\d{4}-\d{2}-\d{2})(?:\s+(.*))?$", re.I | re.S)


def parse_text(raw: str, origin: str = "") -> Article:
    """Plain text with optional header lines (`title:`, `source:`, `url:`, `date:`).

    The seed shape `date 2023-11-10 <article...>` (date and text on one line) works too.
    """
    fields: dict[str, str] = {}
    lines = normalize_text(raw).split("\n")
    body_start = 0
    for i, line in enumerate(lines):
        if not line.strip():
            body_start = i + 1
            if fields:
                break
            continue
        m = _DATE_PREFIX.match(line)
        if m and "published" not in fields:
            fields["published"] = m.group(1)
            rest = (m.group(2) or "").strip()
            if rest:
                lines[i] = rest
                body_start = i
                break
            body_start = i + 1
            continue
        m = _HEADER.match(line)
        if not m:
            body_start = i
            break
        key = m.group(1).lower()
        key = {"headline": "title", "outlet": "source", "link": "url", "date": "published"}.get(key, key)
        fields[key] = m.group(2)
        body_start = i + 1
    body = "\n".join(lines[body_start:])
    return make_article(
        text=body,
        title=fields.get("title", ""),
        source=fields.get("source", ""),
        url=fields.get("url", ""),
        published=fields.get("published"),
        origin=origin,
    )


_FRONT_MATTER = re.compile(r"^---\s*\n(.*?)\n---\s*(?:\n|$)", re.S)


def markdown_to_text(md: str) -> str:
    """Just enough Markdown stripping that extracted sentences read as plain prose."""
    md = re.sub(r"```.*?```", "", md, flags=re.S)
    md = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", md)
    md = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", md)
    md = re.sub(r"^\s{0,3}#{1,6}\s*", "", md, flags=re.M)
    md = re.sub(r"^\s{0,3}>\s?", "", md, flags=re.M)
    md = re.sub(r"^\s*[-*+]\s+", "", md, flags=re.M)
    md = re.sub(r"(\*\*|__)(.+?)\1", r"\2", md)
    md = re.sub(r"(?<![\w*])[*_](\S.*?\S|\S)[*_](?![\w*])", r"\1", md)
    return md


def parse_markdown(raw: str, origin: str = "") -> Article:
    """Markdown with optional YAML front matter (title, source, url, published/date)."""
    import yaml

    raw = raw.lstrip("\ufeff")
    meta: dict[str, Any] = {}
    m = _FRONT_MATTER.match(raw)
    if m:
        try:
            loaded = yaml.safe_load(m.group(1))
        except yaml.YAMLError as exc:
            raise ArticleError(f"bad YAML front matter: {str(exc).splitlines()[0]}") from exc
        except (ValueError, OverflowError) as exc:  # e.g. `title: 0000-00-00`: YAML reads a date
            raise ArticleError(f"bad value in YAML front matter: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ArticleError("YAML front matter is not a mapping")
        meta = loaded or {}
        raw = raw[m.end() :]
    title = ""
    heading = re.search(r"^\s{0,3}#\s+(.+)$", raw, flags=re.M)
    if heading and not _pick(meta, "title"):
        title = heading.group(1).strip()
    if heading and raw[: heading.start()].strip() == "":
        raw = raw[heading.end() :]  # the heading is the title, not the first sentence
    return _from_record(meta | {"text": markdown_to_text(raw)}, origin, default_title=title)


def _pick(record: dict[str, Any], name: str) -> Any:
    for key in _FIELD_ALIASES[name]:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def _as_str(value: Any, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # e.g. {"name": "Outlet"} or {"href": ...}
        value = value.get("name") or value.get("title") or value.get("href") or ""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value if isinstance(v, (str, int, float)))
    if not isinstance(value, (str, int, float)):
        raise ArticleError(f"field {name!r} has an unsupported type {type(value).__name__}")
    return str(value)


def _from_record(record: Any, origin: str, default_title: str = "") -> Article:
    if not isinstance(record, dict):
        raise ArticleError(f"expected an object, got {type(record).__name__}")
    lowered = {str(k).lower(): v for k, v in record.items()}
    text = _as_str(_pick(lowered, "text"), "text")
    if not text.strip():
        raise ArticleError("no text (expected a 'text', 'content' or 'body' field)")
    return make_article(
        text=text,
        title=_as_str(_pick(lowered, "title"), "title") or default_title,
        source=_as_str(_pick(lowered, "source"), "source"),
        url=_as_str(_pick(lowered, "url"), "url"),
        published=_pick(lowered, "published"),
        origin=origin,
    )


def _records(items: Iterable[Any], origin: str, where: Callable[[int], str]) -> list[Article]:
    out = []
    for i, item in enumerate(items):
        try:
            out.append(_from_record(item, origin))
        except ArticleError as exc:
            raise ArticleError(f"{where(i)}: {exc}") from None
    if not out:
        raise ArticleError("no articles in file")
    return out


def parse_json(raw: str, origin: str = "") -> list[Article]:
    """A JSON object, a list of objects, or an object with an `articles`/`items` list."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ArticleError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise ArticleError("invalid JSON: nested too deeply") from exc
    if isinstance(data, dict):
        for key in ("articles", "items", "entries", "data"):
            if isinstance(data.get(key), list) and not _pick(data, "text"):
                data = data[key]
                break
    items = data if isinstance(data, list) else [data]
    return _records(items, origin, lambda i: f"item {i}")


def parse_jsonl(raw: str, origin: str = "") -> list[Article]:
    """One JSON object per line; blank lines allowed."""
    numbered = [(n, line) for n, line in enumerate(raw.splitlines(), 1) if line.strip()]
    items = []
    for n, line in numbered:
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ArticleError(f"line {n}: invalid JSON: {exc.msg}") from exc
        except RecursionError as exc:
            raise ArticleError(f"line {n}: invalid JSON: nested too deeply") from exc
    return _records(items, origin, lambda i: f"line {numbered[i][0]}")


def parse_html(raw: str, origin: str = "", url: str = "") -> Article:
    """A news web page: main text, title, date and outlet via trafilatura."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        raw, url=url or None, with_metadata=True, include_comments=False, favor_precision=True
    )
    if doc is None:
        raise ArticleError("no article text found in the HTML page")
    meta = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = meta.get("text") or ""
    if not text.strip():
        raise ArticleError("no article text found in the HTML page")
    return make_article(
        text=text,
        title=meta.get("title") or "",
        source=meta.get("sitename") or meta.get("hostname") or "",
        url=meta.get("url") or url or "",
        published=meta.get("date"),
        origin=origin,
    )


def html_fragment_to_text(fragment: str) -> str:
    """Feed item bodies are HTML fragments; keep paragraph breaks, drop the markup."""
    if "<" not in fragment:
        return fragment
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # noqa: BLE001 - lxml raises several types on junk; treat as text
        return re.sub(r"<[^>]+>", " ", fragment)
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for block in root.xpath("//p|//br|//div|//li|//h1|//h2|//h3"):
        block.tail = "\n\n" + (block.tail or "")
    return root.text_content()


def parse_feed(raw: bytes, origin: str = "") -> list[Article]:
    """RSS or Atom: one article per entry, with its date, link and the feed's outlet name."""
    import feedparser

    if re.search(rb"<!ENTITY", raw[:65536], re.I):
        raise ArticleError("feed declares XML entities (refused: entity expansion, external entities)")
    feed = feedparser.parse(raw)
    if not feed.entries:
        reason = getattr(feed, "bozo_exception", None)
        detail = f": {str(reason).splitlines()[0]}" if reason else ""
        raise ArticleError(f"not a readable RSS/Atom feed (no entries){detail}")
    outlet = feed.feed.get("title", "")
    articles, errors = [], []
    for i, entry in enumerate(feed.entries):
        body = ""
        if entry.get("content"):
            body = max((c.get("value", "") for c in entry.content), key=len)
        body = body or entry.get("summary", "") or entry.get("description", "")
        published = entry.get("published_parsed") or entry.get("updated_parsed")
        try:
            articles.append(
                make_article(
                    text=html_fragment_to_text(body),
                    title=entry.get("title", ""),
                    source=(entry.get("source") or {}).get("title") or outlet,
                    url=entry.get("link", ""),
                    published=date(*published[:3]) if published else entry.get("published"),
                    origin=origin,
                )
            )
        except ArticleError as exc:
            errors.append(f"entry {i}: {exc}")
    if not articles:
        raise ArticleError("; ".join(errors) or "no usable entries")
    return articles


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252; binary data is refused."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise ArticleError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        if text.count("\ufffd") > max(8, len(text) // 100):
            raise ArticleError("not valid text in UTF-8 or Windows-1252") from None
        return text


def load_bytes(data: bytes, kind: str, origin: str = "", url: str = "") -> list[Article]:
    """Parse raw bytes of one format (`kind` is a file extension like '.json')."""
    if not data.strip():
        raise ArticleError("empty file")
    if kind in FEED_EXTS:
        return parse_feed(data, origin)
    text = decode(data)
    if kind in TEXT_EXTS:
        return [parse_text(text, origin)]
    if kind in MARKDOWN_EXTS:
        return [parse_markdown(text, origin)]
    if kind in JSON_EXTS:
        return parse_json(text, origin)
    if kind in JSONL_EXTS:
        return parse_jsonl(text, origin)
    if kind in HTML_EXTS:
        return [parse_html(text, origin, url=url)]
    raise ArticleError(f"unsupported file type {kind!r}")


def load_file(path: Path, max_bytes: int = 20_000_000) -> list[Article]:
    """All articles in one file; ArticleError with a one-line reason when it can't be read."""
    kind = path.suffix.lower()
    if kind not in SUPPORTED_EXTS:
        raise ArticleError(f"unsupported file type {kind or '(none)'!r}")
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise ArticleError("not a regular file (a pipe, socket or device)")
        size = st.st_size
        if size > max_bytes:
            raise ArticleError(f"file too large ({size:,} bytes > limit {max_bytes:,})")
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot read: {exc.strerror or exc}") from exc
    return load_bytes(data, kind, origin=str(path.resolve()))


def iter_files(paths: Iterable[Path], refused: dict[Path, str] | None = None) -> Iterator[Path]:
    """Files to ingest: given files as they are, directories walked for supported types.

    A walk skips hidden entries, does not enter symlinked directories, and puts symlinks that
    lead outside the walked folder into `refused` (path → reason) instead of reading them.
    """
    for path in paths:
        if path.is_dir():
            yield from _walk(path, refused if refused is not None else {})
        else:
            yield path


def _walk(root: Path, refused: dict[Path, str]) -> Iterator[Path]:
    from briefing.limits import outside_root

    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):  # followlinks=False: symlinked dirs not entered
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for d in dirnames:
            reason = outside_root(here / d, root) if (here / d).is_symlink() else None
            if reason:
                refused[here / d] = reason
        for name in filenames:
            child = here / name
            if name.startswith(".") or child.suffix.lower() not in SUPPORTED_EXTS:
                continue
            reason = outside_root(child, root) if child.is_symlink() else None
            if reason:
                refused[child] = reason
            elif child.is_symlink() or child.is_file():  # a dangling link fails later, with its reason
                found.append(child)
    yield from sorted(found)
