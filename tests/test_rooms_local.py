"""This machine's own microphone and speaker as one of the rooms (`desk = "local"`)."""

from __future__ import annotations

import random
import threading
import time

import numpy as np
import pytest

import audio_gen
from assistant.audio import devices, sources
from assistant.config import settings_from_dict
from assistant.journal.journal import Journal
from assistant.recognize.select import load_recognizer
from assistant.rooms.serve import RoomsServer, ServeOptions
from assistant.speak import output
from fake_sounddevice import FakeSoundDevice

VOICE = "flite:rms"
pytestmark = [pytest.mark.audio, pytest.mark.slow,
              pytest.mark.skipif(not audio_gen.available(VOICE), reason="flite and sox are needed")]


def test_the_local_microphone_and_speaker_are_a_room_whose_moments_carry_its_name(tmp_path, monkeypatch):
    sd = FakeSoundDevice()
    for module in (devices, sources, output):
        monkeypatch.setattr(module, "load_sounddevice", lambda: sd)
    settings = settings_from_dict({"partners": {"names": ["Alex", "Sam"]}, "durations": {"hug": 2},
                                   "rituals": {"ask_rating": False}, "rooms": {"desk": "local"}})
    server = RoomsServer(ServeOptions(settings=settings, journal=tmp_path / "journal.json",
                                      recognizer=load_recognizer("pocketsphinx"), rng=random.Random(1))).start()
    mic = next(s for s in sd.streams if s.kind == "input")
    speaker = next(s for s in sd.streams if s.kind == "output")
    words = audio_gen.speak("hey tandem, start our hug timer", VOICE)
    audio = np.concatenate([np.zeros(8000, np.int16), words, np.zeros(16_000 * 12, np.int16)])
    played: list[np.ndarray] = []
    done = threading.Event()

    def room() -> None:  # the sound card: 20 ms in, 20 ms out, in real time
        block = 320
        begun = time.monotonic()
        for i in range(0, len(audio), block):
            if done.is_set():
                return
            time.sleep(max(0.0, begun + i / 16_000 - time.monotonic()))
            mic.push(audio[i:i + block])
            played.append(speaker.pull(round(block * speaker.samplerate / 16_000)))

    thread = threading.Thread(target=room, daemon=True)
    thread.start()
    try:
        end = time.monotonic() + 30
        while time.monotonic() < end and not [e for e in server.events.events if e["event"] == "ritual_end"]:
            time.sleep(0.1)
    finally:
        done.set()
        thread.join(5)
        server.stop()
    starts = [e for e in server.events.events if e["event"] == "ritual_start"]
    assert [e["room"] for e in starts] == ["desk"]
    assert np.abs(np.concatenate(played)).max() > 1000  # the chimes and voice came out of the speaker
    journal = Journal.open(tmp_path / "journal.json")
    (hug,) = journal.moments()
    journal.close()
    assert (hug.ritual, hug.status, hug.room) == ("hug", "completed", "desk")
