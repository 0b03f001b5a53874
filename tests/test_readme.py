"""The README stays true: every setting documented, the two set-up commands exist."""

from __future__ import annotations

import re

from briefing import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [
        f"BRIEFING_{name.upper()}"
        for name in Settings.model_fields
        if f"BRIEFING_{name.upper()}" not in README
    ]
    assert not missing, f"add these to the README's settings table: {missing}"


def test_the_two_setup_commands_exist() -> None:
    block = README.split("## Set up", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
