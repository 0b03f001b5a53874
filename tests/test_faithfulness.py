"""Faithfulness: supported sentences pass, invented numbers/names and other stories fail."""

from briefing.faithfulness import FaithfulnessChecker, source_sentences, strip_markup

SOURCES = source_sentences(
    [
        "Israeli forces entered Al-Shifa hospital in Gaza City on Wednesday. "
        "The military said 30 people were detained. Hamas denied using the hospital."
    ]
)


def test_strip_markup():
    assert strip_markup("According to The Harbor Ledger, the toll rose. [2]") == "The toll rose."


def test_supported_and_unsupported_sentences(embeddings):
    checker = FaithfulnessChecker(embeddings, ignore=["The Harbor Ledger"])
    good, number, name, other = checker.check(
        [
            "According to The Harbor Ledger, Israeli forces entered Al-Shifa hospital in Gaza City "
            "on Wednesday. [1]",
            "The military said 300 people were detained. [1]",
            "Israeli forces entered Nasser hospital in Gaza City on Wednesday. [1]",
            "SpaceX launched its Starship rocket from Texas on Saturday. [1]",
        ],
        SOURCES,
    )
    assert good.supported and good.score > 0.9 and good.evidence[0].startswith("Israeli forces")
    assert not number.supported and number.unsupported_terms == ["300"]
    assert not name.supported and "nasser" in name.unsupported_terms
    assert not other.supported and other.score < 0.5


def test_lexical_mode_without_embeddings():
    checker = FaithfulnessChecker(None)
    ok, bad = checker.check(
        ["Hamas denied using the hospital. [1]", "The ceasefire collapsed overnight. [1]"], SOURCES
    )
    assert ok.supported and ok.score == 1.0
    assert not bad.supported
