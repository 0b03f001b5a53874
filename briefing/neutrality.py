"""Loaded language, advice, prediction and unattributed opinion: found, located, explained.

Two word lists and a few rules, all offline:
- a curated list of news framing words ("slammed", "relentless barrage", "radical");
- the strongly evaluative adjectives of the Pattern subjectivity lexicon that TextBlob ships
  (`textblob/en/en-sentiment.xml`, hand-tagged polarity and subjectivity per sense), read
  from the installed package without importing it;
- rules for advice/demands ("must", "it is essential"), prediction ("is bound to"), opinion
  markers ("clearly", "sadly") and editorial glosses ("serves as a significant development",
  ", highlighting the need for ...") in the writer's own voice.

A word inside quotation marks is the speaker's and is not flagged; a sentence with an
attribution verb ("said", "according to") reports a claim, so its advice is the source's.
`trim` removes what can be removed without breaking the sentence (a loaded adjective, a
trailing editorial clause) and returns None when the sentence cannot be made neutral.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from briefing.articles import split_sentences

# Words a neutral writer does not use in its own voice (news framing, intensifiers, slurs).
LOADED = """
abysmal absurd agonizing alarming appalling atrocious audacious barbaric blasted blasts
blistering bloodbath botched brazen brutal brutally callous catastrophe catastrophic chaos
chaotic clobbered clobber cowardly crushing damning debacle deceitful decimated demolished
deplorable despicable devastating devastated dire disastrous disaster disgrace disgraceful
disgusting doom doomed draconian egregious embattled evil extremist extremists fanatic fanatical
fascist fiasco fiery firestorm flagrant fury furious ghastly gloating grotesque hapless harrowing
heinous heroic heroically horrific horrifying horror humiliating humiliation hypocrisy
hypocritical idiotic incompetent infamous insane insidious jaw-dropping lambasted lashed lies
lunatic meltdown menacing monstrous nightmare nightmarish notorious obliterated outrage
outrageous outraged panic pathetic perpetuating plunged radical rampage rampant reckless
relentless ridiculous ruthless savage savaged scandalous scathing shameful shameless
ripped shocking shocked sinister skewered slammed slams slaughter smashed sneering spectacular
staggering stunning stunned thug thugs tirade tragic tragically travesty trounced tyrant
tyranny unhinged unwavering vicious vile villain walloping whopping woke wrecked zealot
""".split()
LOADED_PHRASES = [
    "relentless barrage",
    "fever pitch",
    "full-blown panic",
    "boiling point",
    "cycle of violence",
    "sent shockwaves",
    "witch hunt",
    "fake news",
    "iron fist",
    "in horror",
    "final nail",
    "wake-up call",
    "panic mode",
]
# Lexicon adjectives that are ordinary, descriptive words in news copy (measured on the NeuS
# references: these occur as often in the neutral roundups as in the outlets' own text).
_LEXICON_STOP = set(
    """
own latest rose base elect kind cold ill fair guilty popular prominent deadly violent successful
difficult complicated experienced favored happy hate fake crude welcome grand proud wrong grim
famous favorite desperate troubled sophisticated challenging sympathetic drunk latest best worst
top major great good bad serious poor rich free high low full clear real true sure certain able
artificial
""".split()
)
LEXICON_MIN_SUBJECTIVITY = 0.8
LEXICON_MIN_POLARITY = 0.6

ADVICE = re.compile(
    r"\b(must|should|ought to|needs? to|has to|have to|it is (?:essential|crucial|imperative|vital|"
    r"important|necessary|time)|let us|let's)\b",
    re.I,
)
OPINION = re.compile(
    r"\b(i think|i believe|we believe|in my (?:view|opinion)|clearly|obviously|undoubtedly|of course|"
    r"sadly|fortunately|unfortunately|thankfully|hopefully|needless to say|paramount|"
    r"remains to be seen|only time will tell)\b",
    re.I,
)
PREDICTION = re.compile(
    r"\b(is|are|was|were) (?:bound|destined|sure|certain) to\b|\bwill (?:surely|certainly|inevitably|"
    r"undoubtedly|no doubt)\b|\binevitably\b",
    re.I,
)
# The writer interpreting rather than reporting: flagged wherever they stand (outside quotes).
EDITORIAL = re.compile(
    r"\bserves? as an? (?:significant|important|major|key|stark|clear|powerful)\b|"
    r"\b(?:this|that|his|her|their|the) (?:perspective|statement|move|decision|stance|position|"
    r"development|criticism|support) (?:suggests|reflects|shows|highlights|underscores|demonstrates|"
    r"signals|alludes)\b|\balludes to\b|"
    r"\b(?:highlighting|underscoring|signaling|signalling|emphasizing|perpetuating) the (?:need|urgency|"
    r"importance|cycle)\b|"
    r"\bit is (?:clear|evident|obvious) that\b|\ba (?:significant|major) development\b|"
    r"\bno easy solutions?\b|\bgenuine commitment\b|\b(?:and )?for good reason\b",
    re.I,
)
ATTRIBUTION = re.compile(
    r"\b(said|says|say|told|tells|according to|announced|announces|stated|states|reported|reports|"
    r"claimed|claims|argued|argues|accused|accuses|blamed|blames|attributed|attributes|warned|warns|"
    r"wrote|writes|added|adds|confirmed|confirms|denied|denies|insisted|insists|called for|urged|urges|"
    r"described|describes|criticized|criticised|praised|estimated|estimates|expressed|voiced|"
    r"acknowledged|noted|alleged|alleges|testified|ruled|rules|found that|concluded|per)\b",
    re.I,
)
# A trailing participial clause that glosses the fact instead of reporting it.
_TRAILING_GLOSS = re.compile(
    r"\s*,(?P<q>[”\"’]?)\s+(?:highlighting|underscoring|signaling|signalling|reflecting|perpetuating|"
    r"emphasizing|fueling|fuelling|sparking|raising fears|further \w+ing)\b[^.!?]*(?P<end>[.!?][”\"’]?)?\s*$",
    re.I,
)
_LEADING_OPINION = re.compile(
    r"^(?:sadly|fortunately|unfortunately|thankfully|hopefully|clearly|obviously|undoubtedly|"
    r"of course|needless to say)\s*,\s*",
    re.I,
)
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|‘[^’]*’(?!\w)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_LOADED_SET = set(LOADED)
# Loaded words that modify the next word and can be dropped from a sentence without breaking it.
_DROPPABLE = {
    w
    for w in LOADED
    if w.endswith(("ly", "ous", "ful", "ic", "ing", "less", "ive", "ible", "able", "al"))
    and w not in {"panic", "rampaging", "perpetuating"}
} | {"brazen", "dire", "vile", "savage", "fiery", "whopping", "walloping", "embattled", "notorious"}

KIND_WEIGHT = {"loaded": 0.2, "subjective": 0.1, "advice": 0.5, "opinion": 0.5, "prediction": 0.5}
KIND_WEIGHT["editorial"] = 0.5


@lru_cache(maxsize=1)
def subjective_lexicon() -> frozenset[str]:
    """Strongly evaluative adjectives from the Pattern lexicon shipped in TextBlob's wheel.

    Averaged over senses (as TextBlob does); empty if the package is not installed.
    """
    import importlib.util
    import xml.etree.ElementTree as ET
    from pathlib import Path

    spec = importlib.util.find_spec("textblob")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "en" / "en-sentiment.xml"
    if not path.is_file():
        return frozenset()
    senses: dict[str, list[tuple[float, float]]] = {}
    for w in ET.parse(path).getroot().iter("word"):
        form = (w.get("form") or "").lower()
        if w.get("pos", "JJ") != "JJ" or " " in form:
            continue
        senses.setdefault(form, []).append((float(w.get("polarity", 0)), float(w.get("subjectivity", 0))))
    out = set()
    for form, values in senses.items():
        pol = sum(p for p, _ in values) / len(values)
        sub = sum(s for _, s in values) / len(values)
        if sub >= LEXICON_MIN_SUBJECTIVITY and abs(pol) >= LEXICON_MIN_POLARITY and form not in _LEXICON_STOP:
            out.add(form)
    return frozenset(out - _LOADED_SET)


@dataclass(frozen=True)
class Flag:
    """One flagged span: `kind` is loaded | subjective | advice | opinion | prediction | editorial."""

    start: int
    end: int
    text: str
    kind: str
    reason: str


@dataclass
class NeutralityReport:
    """Flags over a text and a rate: loaded or subjective words per 100 words (0 = none)."""

    words: int
    flags: list[Flag] = field(default_factory=list)

    @property
    def loaded_rate(self) -> float:
        loaded = sum(1 for f in self.flags if f.kind in ("loaded", "subjective"))
        return 100.0 * loaded / self.words if self.words else 0.0

    @property
    def neutral(self) -> bool:
        return not self.flags

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.flags:
            out[f.kind] = out.get(f.kind, 0) + 1
        return out

    def as_dict(self) -> dict:
        return {
            "words": self.words,
            "loaded_per_100_words": round(self.loaded_rate, 3),
            "neutral": self.neutral,
            "counts": self.counts(),
            "flags": [asdict(f) for f in self.flags],
        }


def is_attributed(sentence: str) -> bool:
    """True when the sentence reports what someone said rather than the writer's own claim."""
    unquoted = _QUOTED.sub(" ", sentence)
    return bool(ATTRIBUTION.search(unquoted)) or unquoted != sentence


def _mask_quotes(text: str) -> str:
    return _QUOTED.sub(lambda m: " " * len(m.group(0)), text)


def analyze(text: str, *, allow_attributed: bool = True) -> NeutralityReport:
    """Flag loaded and subjective words, advice, prediction and opinion in the writer's own voice.

    `allow_attributed`: advice/opinion inside a sentence that attributes it ("X said we must")
    is the source's and not flagged; pass False to flag it anyway.
    """
    flags: list[Flag] = []
    offset = 0
    for sentence in split_sentences(text):
        start = text.find(sentence, offset)
        start = start if start >= 0 else offset
        offset = start + len(sentence)
        flags.extend(_sentence_flags(sentence, start, allow_attributed))
    return NeutralityReport(words=len(_WORD.findall(text)), flags=flags)


def _sentence_flags(sentence: str, base: int, allow_attributed: bool) -> list[Flag]:
    masked = _mask_quotes(sentence)
    attributed = allow_attributed and is_attributed(sentence)
    lexicon = subjective_lexicon()
    out: list[Flag] = []
    lowered = masked.lower()

    def add(m: re.Match, kind: str, reason: str) -> None:
        out.append(Flag(base + m.start(), base + m.end(), sentence[m.start() : m.end()], kind, reason))

    phrase_spans: list[tuple[int, int]] = []
    for phrase in LOADED_PHRASES:
        for m in re.finditer(r"\b" + re.escape(phrase) + r"\b", lowered):
            add(m, "loaded", "loaded phrase")
            phrase_spans.append((m.start(), m.end()))
    for m in _WORD.finditer(masked):
        if any(a <= m.start() < b for a, b in phrase_spans):
            continue
        word = m.group(0).lower()
        if word == "woke" and masked[m.end() : m.end() + 3].lower() == " up":
            continue  # "the country woke up to", the verb
        if word in _LOADED_SET:
            add(m, "loaded", "loaded or emotive word")
        elif word in lexicon:
            add(m, "subjective", "strongly evaluative adjective (subjectivity lexicon)")
    for m in EDITORIAL.finditer(masked):
        add(m, "editorial", "the writer's interpretation, attributed to no one")
    for m in PREDICTION.finditer(masked):
        add(m, "prediction", "prediction in the writer's voice")
    if not attributed:
        for m in ADVICE.finditer(masked):
            add(m, "advice", "advice or demand in the writer's voice")
        for m in OPINION.finditer(masked):
            add(m, "opinion", "opinion in the writer's voice")
    return sorted(out, key=lambda f: (f.start, f.end, f.kind))


def sentence_flags(sentence: str, allow_attributed: bool = True) -> list[Flag]:
    """The flags of one sentence (offsets relative to it)."""
    return _sentence_flags(sentence, 0, allow_attributed)


def sentence_penalty(sentence: str) -> float:
    """0 for a clean sentence, growing with loaded words; advice/opinion/editorial weigh most."""
    return sum(KIND_WEIGHT.get(f.kind, 0.2) for f in _sentence_flags(sentence, 0, allow_attributed=True))


def _fix_articles(text: str) -> str:
    """'an' before a consonant sound and 'a' before a vowel, after a word was removed."""
    text = re.sub(r"\b([Aa])n (?=[b-df-hj-np-tv-zB-DF-HJ-NP-TV-Z])", r"\1 ", text)
    return re.sub(r"\b([Aa]) (?=[aeiouAEIOU])", r"\1n ", text)


def trim(sentence: str) -> str | None:
    """The sentence with its removable loaded parts removed, or None if it cannot be made neutral.

    Removed: a loaded adjective/adverb right before the word it modifies ("relentless barrage"
    → "barrage"), a leading opinion adverb ("Sadly, ..."), a trailing editorial clause
    (", perpetuating the cycle of violence."). Anything else flagged (a loaded noun or verb,
    advice, a predicative "was reckless") makes the sentence unusable: None.
    """
    text = _LEADING_OPINION.sub("", sentence)
    if text != sentence and text:
        text = text[0].upper() + text[1:]
    m = _TRAILING_GLOSS.search(text)
    if m:
        head = text[: m.start()].rstrip().rstrip(",;:")
        text = head + "." + m.group("q") if head[-1:] not in ".!?" else head + m.group("q")
    for _ in range(6):
        flags = sentence_flags(text)
        if not flags:
            return text
        f = flags[0]
        word = f.text.lower()
        removable = (
            f.kind in ("loaded", "subjective")
            and " " not in word.strip()
            and word in (_DROPPABLE | subjective_lexicon())
        )
        after = text[f.end :]
        before = text[: f.start]
        if f.kind == "loaded" and " " in f.text and f.text.lower().split()[0] in _DROPPABLE:
            # a loaded phrase led by an adjective ("relentless barrage"): drop the adjective
            first = f.text.split()[0]
            text = before + f.text[len(first) :].lstrip() + after
            text = _fix_articles(text)
            continue
        # only an attributive modifier (followed by a word, not ending the clause) can go
        if not removable or not re.match(r"\s+[A-Za-z]", after):
            return None
        if re.search(
            r"\b(is|are|was|were|be|been|being|seem|seems|seemed|look|looks|became|become)\s+$", before
        ):
            return None
        text = before.rstrip() + (" " if before.strip() else "") + after.lstrip()
        if not before.strip():
            text = text[0].upper() + text[1:]
        text = _fix_articles(re.sub(r"\s{2,}", " ", text))
    return None
