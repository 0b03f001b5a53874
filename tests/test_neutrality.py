"""Neutrality rules: loaded words, advice, editorial glosses, quotes and attribution, trimming."""

from briefing.neutrality import analyze, is_attributed, sentence_penalty, subjective_lexicon, trim


def kinds(text: str) -> list[str]:
    return [f.kind for f in analyze(text).flags]


def test_loaded_words_in_writer_voice_are_flagged_with_spans():
    text = "The Israeli military's relentless barrage of airstrikes continued."
    report = analyze(text)
    assert [f.text for f in report.flags] == ["relentless barrage"]
    f = report.flags[0]
    assert text[f.start : f.end] == f.text and f.kind == "loaded" and f.reason
    assert report.loaded_rate > 0 and not report.neutral


def test_quoted_words_are_the_speakers_and_not_flagged():
    assert analyze('Putin blamed a "disastrous failure of U.S. politics", officials said.').neutral


def test_advice_is_flagged_unless_attributed():
    assert "advice" in kinds("The international community must work together.")
    assert "advice" not in kinds("The minister said the country must work together.")
    assert "advice" in [
        f.kind for f in analyze("The minister said we must act.", allow_attributed=False).flags
    ]


def test_editorial_opinion_and_prediction():
    assert "editorial" in kinds("Putin's support serves as a significant development.")
    assert "opinion" in kinds("Clearly, the plan failed.")
    assert "prediction" in kinds("The talks are bound to collapse.")
    assert analyze("The court ruled on Wednesday that the plan is unlawful.").neutral


def test_subjectivity_lexicon_ships_offline_and_is_used():
    lex = subjective_lexicon()
    assert "horrible" in lex and "wonderful" in lex and "new" not in lex
    assert "subjective" in kinds("It was a wonderful day for the party.")


def test_trim_removes_loaded_modifiers_and_editorial_clauses_grammatically():
    assert (
        trim("The military's relentless barrage of airstrikes hit Gaza.")
        == "The military's barrage of airstrikes hit Gaza."
    )
    assert (
        trim(
            "Militants launched rockets towards Israel, "
            "perpetuating the cycle of violence and endangering lives."
        )
        == "Militants launched rockets towards Israel."
    )
    assert (
        trim("He attributed it to a “failure of U.S. politics,” highlighting the need for a new approach.")
        == "He attributed it to a “failure of U.S. politics.”"
    )
    assert trim("An outrageous proposal was tabled.") == "A proposal was tabled."
    assert trim("The plan was reckless.") is None  # predicative: cannot be cut
    assert trim("Critics slammed the plan.") is None  # loaded verb
    assert trim("The international community must act.") is None


def test_penalty_and_attribution_keep_working_for_the_answer_writer():
    assert sentence_penalty("The court ruled on Wednesday.") == 0
    assert (
        sentence_penalty("Sadly, the brutal plan must go.") > sentence_penalty("The brutal plan failed.") > 0
    )
    assert is_attributed("According to officials, the toll rose.")
    assert not is_attributed("The toll rose.")
