"""`briefing eval briefing` on a few NeuS stories (read from ../shared/eval, never copied)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing.brief_eval import textrank
from briefing.cli import app

NEUS = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "neus_val.jsonl"


def test_textrank_runs_offline_with_our_tokenizer():
    text = "The cat sat on the mat. The dog sat on the log. A bird flew over the cat and the dog. It rained."
    out = textrank(text, 2)
    assert out and out.count(".") == 2


@pytest.mark.skipif(not NEUS.is_file(), reason="NeuS validation data not present in ../shared/eval")
def test_eval_briefing_on_a_subset():
    res = CliRunner().invoke(app, ["eval", "briefing", "--dataset", str(NEUS), "--limit", "8", "--json"])
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)
    assert r["stories"] == 8 and set(r["rouge"]) == {"briefing", "lead3", "textrank"}
    assert 0.15 < r["rouge"]["briefing"]["rougeL"] < 0.6
    assert r["loaded_rate_briefing"] <= r["loaded_rate_sources"]
    assert r["supported_share"] >= 0.95


def test_eval_briefing_bad_dataset(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n')
    res = CliRunner().invoke(app, ["eval", "briefing", "--dataset", str(bad)])
    assert res.exit_code == 2 and "expected {id, articles, reference}" in res.output
    res = CliRunner().invoke(app, ["eval", "briefing", "--dataset", str(tmp_path / "none.jsonl")])
    assert res.exit_code == 2 and "dataset not found" in res.output
