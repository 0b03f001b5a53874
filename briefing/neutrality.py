"""Loaded language, advice and unattributed opinion: found, located and explained.

Rules over a curated lexicon (shipped here, no download): a word inside quotation marks is
the speaker's and is not flagged; a sentence with an attribution verb ("said", "according
to") is a reported claim, so its evaluative words are the source's, not the writer's.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from briefing.articles import split_sentences

# Words a neutral writer does not use in its own voice (news framing, intensifiers, slurs).
LOADED = """
abysmal absurd agonizing alarming appalling atrocious audacious barbaric barrage blasted blasts
blistering bloodbath botched brazen brutal brutally callous catastrophe catastrophic chaos
chaotic clobbered clobber cowardly crushing crushed damning dangerous debacle deceitful
decimated demolished deplorable despicable destroyed devastating devastated dire disastrous
disaster disgrace disgraceful disgusting doom doomed draconian egregious embattled evil
extremist extremists fanatic fanatical fascist fiasco fiery firestorm flagrant fury furious
ghastly gloating grotesque hapless harrowing heinous heroic heroically horrific horrifying
horror humiliating humiliation hypocrisy hypocritical idiotic incompetent infamous insane
insidious jaw-dropping landmark lambasted lashed lies lunatic massacre meltdown menacing
monstrous nightmare nightmarish notorious obliterated outrage outrageous outraged panic
pathetic perpetuating plunged radical rampage rampant reckless relentless ridiculous ripped
ruthless savage savaged scandal scandalous scathing scorched shameful shameless shocking
shocked sinister skewered slammed slams slaughter smashed sneering socialist spectacular
staggering stunning stunned thug thugs tirade tragic tragically travesty trounced tyrant
tyranny unhinged unprecedented unwavering vicious vile villain walloping whopping woke wrecked
zealot
""".split()
LOADED_PHRASES = [
    "fever pitch",
    "full-blown panic",
    "boiling point",
    "cycle of violence",
    "sent shockwaves",
    "war on",
    "witch hunt",
    "fake news",
    "iron fist",
    "in horror",
    "final nail",
    "wake-up call",
]
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
ATTRIBUTION = re.compile(
    r"\b(said|says|say|told|tells|according to|announced|announces|stated|states|reported|reports|"
    r"claimed|claims|argued|argues|accused|accuses|blamed|blames|attributed|attributes|warned|warns|"
    r"wrote|writes|added|adds|confirmed|confirms|denied|denies|insisted|insists|called for|urged|urges|"
    r"described|describes|criticized|criticised|praised|estimated|estimates|expressed|voiced|"
    r"acknowledged|noted|alleged|alleges|testified|ruled|rules|found that|concluded|per)\b",
    re.I,
)
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|‘[^’]*’(?!\w)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_LOADED_SET = set(LOADED)


@dataclass(frozen=True)
class Flag:
    """One flagged span: `kind` is loaded | advice | opinion; `reason` says why in words."""

    start: int
    end: int
    text: str
    kind: str
    reason: str


@dataclass
class NeutralityReport:
    """Flags over a text and a rate: flagged words per 100 words (0 = nothing flagged)."""

    words: int
    flags: list[Flag] = field(default_factory=list)

    @property
    def loaded_rate(self) -> float:
        loaded = sum(1 for f in self.flags if f.kind == "loaded")
        return 100.0 * loaded / self.words if self.words else 0.0

    @property
    def neutral(self) -> bool:
        return not self.flags

    def as_dict(self) -> dict:
        return {
            "words": self.words,
            "loaded_per_100_words": round(self.loaded_rate, 3),
            "flags": [asdict(f) for f in self.flags],
        }


def is_attributed(sentence: str) -> bool:
    """True when the sentence reports what someone said rather than the writer's own claim."""
    unquoted = _QUOTED.sub(" ", sentence)
    return bool(ATTRIBUTION.search(unquoted)) or unquoted != sentence


def _mask_quotes(text: str) -> str:
    return _QUOTED.sub(lambda m: " " * len(m.group(0)), text)


def analyze(text: str, *, allow_attributed: bool = True) -> NeutralityReport:
    """Flag loaded words, advice and opinion in the writer's own voice."""
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
    out: list[Flag] = []
    lowered = masked.lower()
    for m in _WORD.finditer(masked):
        if m.group(0).lower() in _LOADED_SET:
            out.append(Flag(base + m.start(), base + m.end(), m.group(0), "loaded", "loaded or emotive word"))
    for phrase in LOADED_PHRASES:
        for m in re.finditer(re.escape(phrase), lowered):
            out.append(
                Flag(
                    base + m.start(), base + m.end(), sentence[m.start() : m.end()], "loaded", "loaded phrase"
                )
            )
    if not attributed:
        for m in ADVICE.finditer(masked):
            out.append(
                Flag(
                    base + m.start(),
                    base + m.end(),
                    m.group(0),
                    "advice",
                    "advice or demand in the writer's voice",
                )
            )
        for m in OPINION.finditer(masked):
            out.append(
                Flag(base + m.start(), base + m.end(), m.group(0), "opinion", "opinion in the writer's voice")
            )
    return sorted(out, key=lambda f: f.start)


def sentence_penalty(sentence: str) -> float:
    """0 for a clean sentence, growing with loaded words; advice/opinion weigh most."""
    flags = _sentence_flags(sentence, 0, allow_attributed=True)
    return sum(0.5 if f.kind in ("advice", "opinion") else 0.2 for f in flags)
