"""The language a tag names, as the per-language tables here are keyed."""

from __future__ import annotations


def base_language(tag: str) -> str:
    """"en-US", "en_gb", "EN" -> "en": the tables of words (numbers, connectors, stemmers) are per language,
    not per region."""
    return tag.lower().replace("_", "-").split("-")[0]
