"""events.jsonl is in time order, although the loop learns of things out of order: speech queued now is
heard a few seconds later, and the voice detector reports the start of an utterance after it began."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.clock import VirtualClock
from assistant.loop.events import EventLog


def test_events_are_written_in_time_order_whatever_order_they_are_learnt_in(tmp_path: Path) -> None:
    clock = VirtualClock()
    path = tmp_path / "events.jsonl"
    log = EventLog(path, clock.now)
    clock.set(10.0)
    log.emit("speech_end", t=9.7)
    log.emit("transcript")
    log.emit("say_start", t=10.4, key="hug_intro")  # queued now, heard from 10.4 s
    log.emit("say_end", t=12.9, key="hug_intro")
    log.emit("chime", t=12.9, name="start")
    log.emit("intent")  # at 10.0, learnt after the speech it caused was queued
    log.emit("ritual_start")
    clock.set(14.0)
    log.emit("speech_start", t=13.2)  # the detector needs a moment to be sure
    clock.set(15.0)
    log.emit("speech_end", t=14.8)
    log.close()
    times = [json.loads(line)["t"] for line in path.read_text().splitlines()]
    assert len(times) == 9
    assert times == sorted(times)
    names = [json.loads(line)["event"] for line in path.read_text().splitlines()]
    assert names[:4] == ["speech_end", "transcript", "intent", "ritual_start"]  # ties keep the order learnt
    assert [e["event"] for e in log.events][:2] == ["speech_end", "transcript"]  # the live list: as learnt


def test_events_reach_the_file_while_the_session_runs(tmp_path: Path) -> None:
    clock = VirtualClock()
    path = tmp_path / "events.jsonl"
    log = EventLog(path, clock.now)
    log.emit("wake", t=0.0)
    clock.set(60.0)
    log.emit("tick")
    assert json.loads(path.read_text().splitlines()[0])["event"] == "wake"  # not held back until the end
    log.close()
