"""The commands benchmark counts kitchen talk acted on in all, and apart those that only heard that nothing runs."""

from __future__ import annotations

import pytest

from assistant.datafiles import intents_dir
from assistant.messages import Transcript
from assistant.understand.intents import load_intents
from assistant.understand.matcher import Matcher
from bench.commands_speech import _section, near_miss_outcome, only_answers


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_intents(intents_dir()))


def effect(matcher: Matcher, text: str, context: str) -> str:
    case = {"text": text, "context": context}
    kind, u = near_miss_outcome(matcher, Transcript(text, engine="text"), case)
    return "answered" if kind == "acted" and only_answers(case, u) else kind


def test_a_stop_with_nothing_running_only_gets_an_answer(matcher: Matcher) -> None:
    assert effect(matcher, "stop", "idle") == "answered"


def test_a_stop_while_a_ritual_runs_changes_it(matcher: Matcher) -> None:
    assert effect(matcher, "stop", "ritual") == "acted"


def test_a_rating_with_nothing_running_still_rates_the_last_moment(matcher: Matcher) -> None:
    assert effect(matcher, "rate it four stars", "idle") == "acted"


def test_a_hug_started_by_kitchen_talk_is_a_false_start(matcher: Matcher) -> None:
    assert effect(matcher, "start our hug timer", "idle") == "acted"


def test_the_total_acted_on_stays_beside_the_split() -> None:
    near = [({"text": str(i)}, "piper", kind) for i, kind in
            enumerate(["acted", "answered", "answered", "asked", *["quiet"] * 6])]
    section = _section(False, "dev", (12,), {("combined", 12): []}, {("combined", 12): near}, ["combined"],
                       "combined", {}, None, [], 0, len(near))
    rows = {r.label.split(": ", 1)[1]: r for r in section.rows}
    assert rows["near misses acted on, 12 dB"].value == 30.0
    assert rows["near misses that started or changed something, 12 dB"].value == 10.0
    assert "20.0 %" in rows["near misses that started or changed something, 12 dB"].note
