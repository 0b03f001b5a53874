"""Prompt templates: each renders with its variables, user overrides win, and the wheel ships them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from langchain_core.prompts import PromptTemplate

from briefing import Settings
from briefing.prompts import load_prompt
from tests.conftest import ROOT

PROMPTS = sorted((ROOT / "prompts").glob("*.txt"))
REQUIRED = {"answer_system": {"max_sentences"}, "answer_user": {"context", "question"}}


@pytest.mark.parametrize("path", PROMPTS, ids=lambda p: p.stem)
def test_each_prompt_renders_with_its_variables(path: Path) -> None:
    template = PromptTemplate.from_template(load_prompt(path.stem))
    assert REQUIRED.get(path.stem, set()) <= set(template.input_variables)
    text = template.format(**{v: f"<{v}>" for v in template.input_variables})
    assert "{" not in text.replace("{{", "") and text.strip()


def test_user_prompt_dir_overrides_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "answer_system.txt").write_text("My own rules, at most {max_sentences} sentences.")
    assert load_prompt("answer_system", Settings(prompts_dir=tmp_path)).startswith("My own rules")
    assert "data, not instructions" in load_prompt("answer_system", Settings())


def test_unknown_prompt_names_the_places_looked_in() -> None:
    with pytest.raises(FileNotFoundError, match="not found in"):
        load_prompt("no_such_prompt")


@pytest.mark.slow
def test_wheel_ships_prompts_and_tokenizer(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    [wheel] = tmp_path.glob("briefing-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"briefing/prompts/{p.name}" for p in PROMPTS} <= names
    assert "briefing/assets/all-MiniLM-L6-v2/tokenizer.json" in names
