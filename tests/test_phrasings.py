"""Lines read aloud in their context: nothing a warm friend would not say."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from assistant.rituals.script import KEY_FIELDS
from dialog_harness import Couple

MORNING = datetime(2026, 1, 6, 8, 0).astimezone()


def test_a_check_in_stopped_after_seven_seconds_is_no_seven_seconds_of_talking(tmp_path: Path) -> None:
    couple = Couple(tmp_path, start=MORNING)
    couple.say("let's check in")
    couple.wait(7)
    reply = couple.say("stop")
    assert reply.keys == ["check_in_partial_brief"]
    assert "second" not in reply.said[0] and "counts" in reply.said[0]
    assert couple.last("check_in").actual_seconds == 7.0  # the journal still keeps the true seconds


def test_a_hug_stopped_at_forty_seconds_says_forty_seconds(tmp_path: Path) -> None:
    couple = Couple(tmp_path, start=MORNING)
    couple.say("start our hug")
    couple.wait(40)
    reply = couple.say("stop")
    assert reply.keys == ["hug_partial"] and "forty seconds" in reply.said[0].lower()


def test_ritual_lines_say_no_time_of_day_they_may_not_be_said_in(tmp_path: Path) -> None:
    couple = Couple(tmp_path, start=MORNING)
    voices, book = couple.dialog.voices, couple.dialog.rituals
    keys = {getattr(step, name) for ritual in book.rituals.values() for step in ritual.steps
            for name in KEY_FIELDS if getattr(step, name, None)}
    keys |= {key for ritual in book.rituals.values() for key in (ritual.partial, ritual.cancelled)}
    keys |= {f"{key}_brief" for key in keys if voices.has(f"{key}_brief")}
    timely = re.compile(r"\b(tonight|night|sleep|bed|morning|evening|afternoon)\b", re.I)
    found = [(key, text) for key in sorted(keys) if "morning" not in key
             for text in voices.responses[key] if timely.search(text)]
    assert found == []


@pytest.mark.parametrize("line", ["help", "whose turn is it", "yes", "we need a moment"])
def test_short_replies_stay_short(tmp_path: Path, line: str) -> None:
    couple = Couple(tmp_path, start=MORNING)
    text = " ".join(couple.say(line).said)
    assert 0 < len(re.split(r"(?<=[.!?])\s+", text.strip())) <= 3 and len(text.split()) <= 40
