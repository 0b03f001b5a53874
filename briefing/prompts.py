"""Prompt templates are plain files in `prompts/`, loaded by name.

Looked up in `Settings.prompts_dir` first (a user's edited copies), then inside the installed
package (`briefing/prompts/`, where the wheel puts them), then the repository's `prompts/`.
"""

from __future__ import annotations

from pathlib import Path

from briefing.config import Settings

_PACKAGE = Path(__file__).parent


def prompt_dirs(settings: Settings | None = None) -> list[Path]:
    dirs = [settings.prompts_dir] if settings and settings.prompts_dir else []
    return [*dirs, _PACKAGE / "prompts", _PACKAGE.parent / "prompts"]


def load_prompt(name: str, settings: Settings | None = None) -> str:
    """The text of `prompts/<name>.txt`; FileNotFoundError names every place looked in."""
    for d in prompt_dirs(settings):
        path = d / f"{name}.txt"
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
    raise FileNotFoundError(f"prompt {name!r} not found in " + ", ".join(map(str, prompt_dirs(settings))))
