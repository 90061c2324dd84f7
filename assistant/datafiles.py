"""Where Tandem's own data folders (`intents/`, `voices/`) are, installed or in a checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _packaged(name: str) -> Path:
    checkout = _CHECKOUT / name
    if checkout.is_dir() and (_CHECKOUT / "pyproject.toml").is_file():
        return checkout
    return Path(str(resources.files(f"assistant.{name}")))


def intents_dir(language: str = "en") -> Path:
    """The folder of intent templates (what people say)."""
    return _packaged("intents") / language


def voices_dir(language: str = "en") -> Path:
    """The folder of responses, rituals and voice settings (what Tandem says and does)."""
    return _packaged("voices") / language
