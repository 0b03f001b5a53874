"""Fetching `http(s)://` pages and feeds for ingest: timeouts, a size cap, one-line errors."""

from __future__ import annotations

from briefing.articles import FEED_EXTS, HTML_EXTS, Article, ArticleError, load_bytes

USER_AGENT = "briefing/0.1 (+local news briefing tool)"


def is_url(item: object) -> bool:
    return isinstance(item, str) and item.lower().startswith(("http://", "https://"))


def sniff_kind(content_type: str, head: bytes, url: str) -> str:
    """Which loader a response needs: by Content-Type, then by its first bytes, then by URL."""
    ct = content_type.split(";")[0].strip().lower()
    if any(x in ct for x in ("rss", "atom", "rdf")):
        return ".xml"
    if "html" in ct:
        return ".html"
    if "json" in ct:
        return ".jsonl" if "ndjson" in ct or "jsonl" in ct else ".json"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:300].lower()
    xml = start.startswith(b"<?xml") and b"<html" not in start
    if start.startswith((b"<rss", b"<feed", b"<rdf")) or xml:
        return ".xml"
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start:
        return ".html"
    if start.startswith((b"{", b"[")):
        return ".json"
    path = url.split("?", 1)[0].lower()
    for ext in (*FEED_EXTS, *HTML_EXTS, ".json", ".jsonl", ".md", ".txt"):
        if path.endswith(ext):
            return ext
    return ".txt" if ct.startswith("text/") else ".html"


def fetch_articles(url: str, *, timeout: float, max_bytes: int) -> list[Article]:
    """Download one URL and parse it; ArticleError with a one-line reason on any failure."""
    import httpx

    try:
        headers = {"User-Agent": USER_AGENT}
        with (
            httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client,
            client.stream("GET", url) as resp,
        ):
            if resp.status_code >= 400:
                raise ArticleError(f"HTTP {resp.status_code} {resp.reason_phrase}".strip())
            declared = int(resp.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise ArticleError(f"too large ({declared:,} bytes > limit {max_bytes:,})")
            body = bytearray()
            for part in resp.iter_bytes():
                body.extend(part)
                if len(body) > max_bytes:
                    raise ArticleError(f"too large (over the {max_bytes:,}-byte limit)")
            kind = sniff_kind(resp.headers.get("content-type", ""), bytes(body[:512]), str(resp.url))
            final_url = str(resp.url)
    except httpx.TimeoutException:
        raise ArticleError(f"timed out after {timeout:g}s") from None
    except httpx.HTTPError as exc:
        raise ArticleError(f"cannot fetch: {type(exc).__name__}: {exc}".rstrip(": ")) from None
    return load_bytes(bytes(body), kind, origin=url, url=final_url)
