"""The fresh held-out split (tests/corpus/fresh_*.yaml) is well formed and not made from the templates."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hassil import recognize

from assistant.datafiles import intents_dir
from assistant.understand.intents import IntentSet, load_intents

CORPUS = Path(__file__).parent / "corpus"
FILES = {"fresh_phrasings": "phrasings", "fresh_near_misses": "near_misses"}
CONTEXTS = {"idle", "ritual", "offer", "question", "rating"}


@lru_cache(maxsize=None)
def intents() -> IntentSet:
    return load_intents(intents_dir())


def rows(name: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load((CORPUS / f"{name}.yaml").read_text(encoding="utf-8"))[FILES[name]])


def test_every_fresh_phrasing_names_an_intent_slots_a_context_and_a_persona():
    names = set(intents().names)
    for row in rows("fresh_phrasings"):
        assert row["split"] == "fresh" and row["speaker"][:1] == "f", row
        assert row["intent"] in names and isinstance(row["slots"], dict) and row["context"] in CONTEXTS, row
        assert row.get("offered") is None or (row["context"] == "offer" and row["offered"] in names), row


def test_fresh_near_misses_are_heard_idle_or_during_a_ritual():
    for row in rows("fresh_near_misses"):
        assert row["split"] == "fresh" and row["context"] in {"idle", "ritual"}, row


@pytest.mark.parametrize("name", sorted(FILES))
def test_no_fresh_line_is_a_sentence_the_templates_generate(name):
    """Free text (an appreciation's words) may follow a template's fixed words; nothing else may parse."""
    for row in rows(name):
        found = recognize(row["text"], intents().hassil)
        assert found is None or any(e.is_wildcard for e in found.entities.values()), row["text"]
