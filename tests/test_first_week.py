"""A new couple's first week, through chat and through recordings (`bench/first_week.py`): no silence, no
invented fact, no wrong number. Each rule is counted by the simulation; every count must be zero."""

from __future__ import annotations

import pytest

from bench.first_week import RULES, audio_missing, run_chat, run_recordings


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_first_week_through_chat_meets_no_silence_no_invented_fact_and_no_wrong_number(seed: int) -> None:
    week = run_chat(seed)
    assert set(RULES) <= set(week["broken"])  # every rule was checked
    assert {rule: n for rule, n in week["broken"].items() if n} == {}, week["violations"]
    assert week["moments"] >= 20 and week["moments_in_file_alone"] == week["moments"]
    assert week["starters"].get("not known") and len(week["starters"]) == 3  # names only where they were said
    assert week["inputs"].get("extra") and week["summaries"]


@pytest.mark.audio
@pytest.mark.skipif(audio_missing() is not None, reason=audio_missing() or "")
def test_two_recorded_evenings_meet_no_silence_no_invented_fact_and_no_wrong_number() -> None:
    evenings = run_recordings()
    assert {rule: n for rule, n in evenings["broken"].items() if n} == {}, evenings["notes"]
    assert ("hug", "completed", 90.0) in evenings["moments"] and ("breathing", "completed", 120.0) in evenings["moments"]
    assert len(evenings["heard"]) >= 6  # most of what was said was heard, and each was answered
