"""Date range and outlet filters, and relative dates in questions ("yesterday", "last 3 days").

A question's relative date is resolved against a reference day: by default the newest
article in the collection (a news archive's "today"), or an explicit `now`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class Filters:
    """Date range (inclusive) and outlets; turned into a Chroma `where` clause."""

    since: date | None = None
    until: date | None = None
    sources: tuple[str, ...] = ()

    def where(self) -> dict | None:
        clauses: list[dict[str, Any]] = []
        if self.since:
            clauses.append({"published_int": {"$gte": int(self.since.strftime("%Y%m%d"))}})
        if self.until:
            clauses.append({"published_int": {"$lte": int(self.until.strftime("%Y%m%d"))}})
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.sources)

    def describe(self) -> str:
        bits = []
        if self.since or self.until:
            if self.since == self.until:
                bits.append(f"on {self.since}")
            else:
                bits.append(f"{self.since or '…'} to {self.until or '…'}")
        if self.sources:
            bits.append("from " + ", ".join(self.sources))
        return " ".join(bits)


_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10, "fourteen": 14}

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:on\s+)?(\d{4}-\d{2}-\d{2})\b", re.I), "iso"),
    (re.compile(rf"\b(?:on\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?,?\s+(\d{{4}})\b", re.I), "dmy"),
    (re.compile(rf"\b(?:on\s+)?({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I), "mdy"),
    (re.compile(r"\b(?:in\s+the\s+)?(?:last|past)\s+(\d+|" + "|".join(_NUM) + r")\s+days?\b", re.I), "lastn"),
    (re.compile(r"\b(?:in\s+the\s+)?(?:last|past)\s+(week|month)\b", re.I), "lastunit"),
    (re.compile(r"\bthis\s+week\b", re.I), "thisweek"),
    (re.compile(r"\b(?:the\s+)?day\s+before\s+yesterday\b", re.I), "dby"),
    (re.compile(r"\byesterday(?:'s)?\b", re.I), "yesterday"),
    (re.compile(r"\b(?:today(?:'s)?|this\s+morning|tonight)\b", re.I), "today"),
    (re.compile(r"\b(?:on|since|last)\s+(" + "|".join(_WEEKDAYS) + r")\b", re.I), "weekday"),
]


def relative_filters(question: str, now: date) -> tuple[Filters | None, str]:
    """(date filter or None, the question without its date phrase) relative to `now`."""
    for pattern, kind in _PATTERNS:
        m = pattern.search(question)
        if not m:
            continue
        since_until = _resolve(kind, m, now)
        if since_until is None:
            continue
        cleaned = (question[: m.start()] + question[m.end() :]).strip()
        cleaned = re.sub(r"\s{2,}", " ", re.sub(r"\s+([?.!,])", r"\1", cleaned))
        return Filters(since=since_until[0], until=since_until[1]), cleaned or question
    return None, question


def resolve_question(
    question: str, filters: Filters, now: Callable[[], date | None], outlets: Callable[[], list[str]]
) -> tuple[Filters, str, list[str]]:
    """Filters implied by the question itself, unless the caller set them: (filters, question, notes).

    Date phrases are removed from the question (they would only add noise to the search);
    outlet names stay in it.
    """
    notes: list[str] = []
    if not (filters.since or filters.until):
        today = now()
        found, cleaned = relative_filters(question, today) if today else (None, question)
        if found:
            filters = Filters(since=found.since, until=found.until, sources=filters.sources)
            notes.append(f"only articles {found.describe()} (read from the question, relative to {today})")
            question = cleaned
    if not filters.sources:
        outlet = outlet_filter(question, outlets())
        if outlet:
            filters = Filters(since=filters.since, until=filters.until, sources=(outlet,))
            notes.append(f"only articles from {outlet} (named in the question)")
    return filters, question, notes


def outlet_filter(question: str, outlets: list[str]) -> str | None:
    """The outlet a question names ("What did the Meridian Post report ..."), if any."""
    for name in sorted(outlets, key=len, reverse=True):
        bare = re.sub(r"^the\s+", "", name.strip(), flags=re.I)
        if len(bare) >= 3 and re.search(rf"\b{re.escape(bare)}\b", question, re.I):
            return name
    return None


def _resolve(kind: str, m: re.Match[str], now: date) -> tuple[date, date] | None:
    """The publication window a date phrase means.

    News of day d is published on d or the day after, so "on d" / "yesterday" cover
    [d, d+1] (never past `now`); "today" is just `now`.
    """
    window = _day_window(kind, m, now)
    if window is None or kind in ("today", "lastn", "lastunit", "thisweek") or window[0] != window[1]:
        return window
    d = window[0]
    return d, (now if d <= now < d + timedelta(days=1) else d + timedelta(days=1))


def _day_window(kind: str, m: re.Match[str], now: date) -> tuple[date, date] | None:
    try:
        if kind == "iso":
            d = date.fromisoformat(m.group(1))
            return d, d
        if kind == "dmy":
            d = date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
            return d, d
        if kind == "mdy":
            d = date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
            return d, d
    except ValueError:
        return None
    if kind == "lastn":
        n = int(m.group(1)) if m.group(1).isdigit() else _NUM[m.group(1).lower()]
        return now - timedelta(days=max(n, 1) - 1), now
    if kind == "lastunit":
        return now - timedelta(days=6 if m.group(1).lower() == "week" else 29), now
    if kind == "thisweek":
        return now - timedelta(days=now.weekday()), now
    if kind == "dby":
        d = now - timedelta(days=2)
        return d, d
    if kind == "yesterday":
        d = now - timedelta(days=1)
        return d, d
    if kind == "today":
        return now, now
    if kind == "weekday":
        target = _WEEKDAYS.index(m.group(1).lower())
        back = (now.weekday() - target) % 7 or 7
        d = now - timedelta(days=back)
        if m.group(0).lower().startswith("since"):
            return d, now
        return d, d
    return None
