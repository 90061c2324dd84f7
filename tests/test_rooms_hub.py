"""Several rooms, one couple: the hub on a virtual clock, each room fed its own generated recording.

The rooms hear through the same speech loop, recognizer (one pocketsphinx model shared), dialog
and voice as `tandem listen`; each room's output is a WAV timeline, so "in the kitchen only" is a
fact about audio, not about an event.
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

import audio_gen
from assistant.audio.sources import WavSource
from assistant.clock import VirtualClock
from assistant.config import settings_from_dict
from assistant.dialog.setup import build_dialog
from assistant.journal.journal import Journal
from assistant.loop.events import EventLog
from assistant.loop.listen import LoopSettings
from assistant.recognize.select import load_recognizer
from assistant.rooms.hub import Hub, RoomJournal
from assistant.rooms.recognizer import SharedRecognizer
from assistant.speak.chimes import chime
from assistant.speak.output import WavTimelineOutput
from assistant.speak.tts import SpeechSynth

VOICE = "flite:rms"
RATE = 16_000
pytestmark = [pytest.mark.audio, pytest.mark.skipif(not audio_gen.available(VOICE), reason="flite and sox are needed")]

THANKS = ["thank you for making dinner tonight", "i am grateful you walked the dog",
          "thanks for listening to me this morning", "thank you for the coffee in bed",
          "i am thankful you called my mother", "thanks for laughing at my jokes"]


@pytest.fixture(scope="module")
def recognizer():
    return SharedRecognizer(load_recognizer("pocketsphinx"))


@pytest.fixture(scope="module")
def synth():
    return SpeechSynth()


class House:
    """Rooms on one virtual clock, one journal, one dialog."""

    def __init__(self, tmp: Path, recognizer, synth, rooms=("kitchen", "bedroom"), extra: dict | None = None,
                 start: datetime | None = None, voice: str = VOICE, loop: LoopSettings | None = None) -> None:
        self.voice = voice
        config = {"partners": {"names": ["Alex", "Sam"]}, "durations": {"hug": 4}, "rituals": {"ask_rating": False},
                  "rooms": {name: f"tcp://127.0.0.1:{10700 + i}" for i, name in enumerate(rooms)}}
        for key, value in (extra or {}).items():
            config.setdefault(key, {}).update(value)
        self.settings = settings_from_dict(config)
        self.clock = VirtualClock(start=start)
        self.journal = Journal.open(tmp / "journal.json")
        self.events = EventLog(tmp / "events.jsonl", self.clock.now)
        holder: list[Hub] = []
        dialog = build_dialog(self.settings, RoomJournal(self.journal, lambda: holder[0].room_of_moment()),
                              self.clock, random.Random(1))
        self.hub = Hub(dialog, self.clock, self.events, self.settings)
        holder.append(self.hub)
        self.wavs = {name: tmp / f"{name}.wav" for name in rooms}
        self.outputs = {name: WavTimelineOutput(self.wavs[name], self.clock, origin=0.0) for name in rooms}
        for name in rooms:
            self.hub.add_room(name, output=self.outputs[name], recognizer=recognizer, synth=synth,
                              loop_settings=loop or LoopSettings())
        self.scripts: dict[str, list[tuple[float, str, float]]] = {name: [] for name in rooms}

    def say(self, room: str, at: float, text: str, gain: float = 1.0) -> None:
        self.scripts[room].append((at, text, gain))

    def run(self, seconds: float) -> None:
        rng = np.random.default_rng(5)
        feeds = {}
        for room, script in self.scripts.items():
            x = rng.normal(0, 20, int(seconds * RATE))
            for at, text, gain in script:
                s = audio_gen.speak(text, self.voice).astype(np.float64) * gain
                i = int(at * RATE)
                x[i:i + len(s)] += s[: len(x) - i]
            feeds[room] = WavSource.from_samples(np.clip(x, -32768, 32767).astype(np.int16))
        self.hub.run_virtual(feeds)
        for output in self.outputs.values():
            output.close()

    def of(self, room: str, name: str | None = None) -> list[dict]:
        return [e for e in self.events.events if e.get("room") == room and (name is None or e["event"] == name)]

    def heard(self, room: str) -> np.ndarray:
        from assistant.audio.wavio import read_wav

        return read_wav(self.wavs[room])

    def moments(self):
        return [m for m in self.journal.moments() if m.kind == "moment"]


def contains(audio: np.ndarray, sound: np.ndarray) -> bool:
    """True when `sound` is in `audio` (exact samples: the output writes them unchanged)."""
    return sound.tobytes() in audio.tobytes()


def test_a_hug_asked_for_in_the_kitchen_chimes_in_the_kitchen_only_and_is_the_kitchens(tmp_path, recognizer, synth):
    house = House(tmp_path, recognizer, synth)
    house.say("kitchen", 1.0, "hey tandem, start our hug timer")
    house.run(20)

    assert [c["name"] for c in house.of("kitchen", "chime")][:1] == ["start"]
    assert "end" in [c["name"] for c in house.of("kitchen", "chime")]
    assert house.of("bedroom", "chime") == [] and house.of("bedroom", "say_start") == []
    start = chime("start")
    assert contains(house.heard("kitchen"), start)
    assert np.abs(house.heard("bedroom")).max(initial=0) == 0  # not a sound in the bedroom
    (hug,) = house.moments()
    assert (hug.ritual, hug.status, hug.room) == ("hug", "completed", "kitchen")


def test_a_wake_heard_in_two_rooms_at_once_is_answered_once_in_the_room_that_heard_it_best(tmp_path, recognizer, synth):
    house = House(tmp_path, recognizer, synth)
    house.say("kitchen", 1.0, "hey tandem, start our hug timer", gain=0.35)  # from the hall, faintly
    house.say("bedroom", 1.0, "hey tandem, start our hug timer")
    house.run(20)

    assert len([e for e in house.events.events if e["event"] == "ritual_start"]) == 1
    assert house.of("bedroom", "ritual_start") and not house.of("kitchen", "ritual_start")
    assert [e["answered_in"] for e in house.of("kitchen", "wake_elsewhere")] == ["bedroom"]
    assert house.of("kitchen", "say_start") == []
    (hug,) = house.moments()
    assert hug.room == "bedroom"


def test_gratitude_in_the_bedroom_is_answered_there_without_wake_phrases(tmp_path, recognizer, synth):
    house = House(tmp_path, recognizer, synth)
    house.say("bedroom", 1.0, "hey tandem, gratitude time")
    at = 11.0
    for i, line in enumerate(THANKS):
        house.say("bedroom", at, line)
        at += 10.0 if i == 2 else 6.0
    house.say("kitchen", 20.0, "thanks for fixing the sink")  # someone in the kitchen: not an answer
    house.run(at + 8)

    (moment,) = house.moments()
    assert (moment.ritual, moment.status, moment.room) == ("gratitude", "completed", "bedroom")
    assert moment.counts == {"Alex": 3, "Sam": 3}
    free = [e for e in house.of("bedroom", "transcript") if e["mode"] == "free"]
    assert len(free) == 6 and not any(e["woke"] for e in free)
    assert house.of("kitchen", "say_start") == []


def test_stop_said_in_another_room_stops_the_ritual_and_silences_its_room(tmp_path, recognizer, synth):
    house = House(tmp_path, recognizer, synth, extra={"durations": {"hug": 60}})
    house.say("kitchen", 1.0, "hey tandem, start our hug timer")
    house.say("bedroom", 20.0, "hey tandem, stop")
    house.run(30)

    ends = [e for e in house.events.events if e["event"] == "ritual_end"]
    assert len(ends) == 1 and ends[0]["status"] == "partial"
    assert [e["by_room"] for e in house.events.events if e["event"] == "stopped_from"] == ["bedroom"]
    assert not [c for c in house.of("kitchen", "chime") if c["name"] == "end"]  # no end chime in the kitchen
    (hug,) = house.moments()
    assert (hug.status, hug.room) == ("partial", "kitchen")
    assert 12 < hug.actual_seconds < 22


def test_an_evening_offer_is_spoken_in_the_bedroom_and_accepted_there(tmp_path, recognizer, synth):
    house = House(tmp_path, recognizer, synth, start=datetime(2026, 1, 5, 21, 29, 50).astimezone(),
                  extra={"offers": {"enabled": True, "at": ["21:30 gratitude"], "quiet_hours": ""},
                         "rooms": {"offers": {"gratitude": "bedroom"}}})
    house.say("bedroom", 16.0, "yes please")
    house.run(30)

    offers = [e for e in house.events.events if e["event"] == "offer"]
    assert [e["room"] for e in offers] == ["bedroom"]
    assert house.of("bedroom", "say_start") and not house.of("kitchen", "say_start")
    assert [e["ritual"] for e in house.of("bedroom", "ritual_start")] == ["gratitude"]
    assert [o.outcome for o in house.journal.offers()] == ["accepted"]


def test_while_tandem_speaks_in_a_room_talk_there_is_not_taken(tmp_path, recognizer, synth):
    house = House(tmp_path, recognizer, synth)
    house.say("kitchen", 1.0, "hey tandem, what can you do")  # a ten-second answer from about 3.6 s
    house.say("kitchen", 5.0, "start our hug timer")  # over Tandem's own voice, without the wake phrase
    house.say("bedroom", 5.0, "hey tandem, what's our streak")  # another room is not talked over
    house.run(18)

    assert not house.of("kitchen", "ritual_start")
    assert [e["mode"] for e in house.of("kitchen", "transcript")][-1] == "over_own_voice"
    assert house.of("bedroom", "say_start")


def test_a_woken_command_over_tandems_own_voice_cuts_it_short_and_is_answered(tmp_path, recognizer, synth):
    house = House(tmp_path, recognizer, synth)
    house.say("kitchen", 1.0, "hey tandem, what can you do")
    house.say("kitchen", 5.0, "hey tandem, start our hug timer")  # Tandem never says its own wake phrase
    house.run(20)

    assert [e["mode"] for e in house.of("kitchen", "transcript")][-1] == "over_own_voice"
    assert [e["ritual"] for e in house.of("kitchen", "ritual_start")] == ["hug"]
    cut = [span for span in house.outputs["kitchen"].spans() if span.label == "help"][-1]
    assert cut.end < house.of("kitchen", "say_end")[0]["t"] - 3.0  # the help answer was cut seconds early


def test_stop_over_tandems_own_voice_cuts_it_short_in_that_room(tmp_path, recognizer, synth):
    # flite's "stop" scores 0.66 with pocketsphinx, under the loop's default barge-in bar (0.9, the ears'
    # setting against echo); the bar is lowered here to test what the room does with a "stop" it takes.
    house = House(tmp_path, recognizer, synth, loop=LoopSettings(barge_in_confidence=0.6))
    house.say("kitchen", 1.0, "hey tandem, what can you do")
    house.say("kitchen", 5.0, "stop")
    house.run(20)
    assert house.of("kitchen", "say_start")[0]["key"] == "help"
    cut = [span for span in house.outputs["kitchen"].spans() if span.label == "help"][-1]  # a line plays sentence by sentence
    assert cut.end < house.of("kitchen", "say_end")[0]["t"] - 3.0  # cut seconds before its end
    assert house.of("bedroom", "say_start") == []
