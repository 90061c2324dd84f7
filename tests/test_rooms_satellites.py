"""Tandem as the brain of real `wyoming-satellite` 1.0.0 processes, on loopback, in real time.

Each satellite hears a paced stand-in microphone fed generated speech (flite) and plays what Tandem
sends into `out.raw`; nothing here leaves 127.0.0.1. The satellite is installed in its own virtual
environment by `.ci/install-satellite`; without it these tests skip and say so.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import audio_gen
from assistant.config import settings_from_dict
from assistant.journal.journal import Journal
from assistant.recognize.select import load_recognizer
from assistant.rooms.serve import RoomsServer, ServeOptions
from assistant.rooms.output import wire_audio

from satellites import MISSING, OUT_RATE, Satellite, satellite_python

VOICE = "flite:rms"
PYTHON = satellite_python()
pytestmark = [
    pytest.mark.slow, pytest.mark.audio,
    pytest.mark.skipif(PYTHON is None, reason=MISSING),
    pytest.mark.skipif(not audio_gen.available(VOICE), reason="flite and sox are needed to make test speech"),
]
THANKS = ["thank you for making dinner tonight", "i am grateful you walked the dog",
          "thanks for listening to me this morning", "thank you for the coffee in bed",
          "i am thankful you called my mother", "thanks for laughing at my jokes"]


@pytest.fixture(scope="module")
def recognizer():
    return load_recognizer("pocketsphinx")


@pytest.fixture
def house(tmp_path, recognizer):
    """Two satellites (kitchen, bedroom) and a Tandem serving both; `house(hug=...)` starts them."""
    made: list = []

    def build(**durations: int) -> tuple[RoomsServer, dict[str, Satellite]]:
        sats = {name: Satellite(PYTHON, name, tmp_path / name).start() for name in ("kitchen", "bedroom")}
        made.extend(sats.values())
        settings = settings_from_dict({
            "partners": {"names": ["Alex", "Sam"]}, "durations": durations or {"hug": 3},
            "rituals": {"ask_rating": False}, "rooms": {name: sat.uri for name, sat in sats.items()}})
        server = RoomsServer(ServeOptions(settings=settings, journal=tmp_path / "journal.json",
                                          events=tmp_path / "events.jsonl", recognizer=recognizer,
                                          rng=random.Random(2)))
        made.append(server)
        server.start()
        assert server.wait_connected(15), "the satellites were not connected"
        return server, sats

    yield build
    for thing in reversed(made):
        thing.stop()


def wait_for(predicate, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def events(server: RoomsServer, name: str, room: str | None = None) -> list[dict]:
    return [e for e in list(server.events.events) if e["event"] == name and (room is None or e.get("room") == room)]


def quiet(server: RoomsServer, room: str) -> bool:
    """Tandem has finished speaking in `room` (and its echo has died away)."""
    spans = server.hub.rooms[room].output.spans()
    return server.clock.now() > max((span.end for span in spans), default=0.0) + 0.7


def speech(text: str) -> np.ndarray:
    return audio_gen.speak(text, VOICE)


def sound(server: RoomsServer, name: str, room: str = "kitchen") -> bytes:
    """A chime as the satellite's speaker gets it (made at the speaker's rate, as loud as the voice is now)."""
    samples, rate = server.hub.rooms[room].loop.speaker.chime_audio(name)
    return wire_audio(samples, rate, OUT_RATE)


def moments(path: Path) -> list:
    journal = Journal.open(path)
    try:
        return [m for m in journal.moments() if m.kind == "moment"]
    finally:
        journal.close()


def test_a_hug_asked_in_the_kitchen_plays_its_chimes_in_the_kitchen_only(house, tmp_path):
    server, sats = house(hug=3)
    kitchen, bedroom = server.links["kitchen"], server.links["bedroom"]
    assert (kitchen.info.name, kitchen.info.area) == ("Kitchen", "kitchen")
    assert (bedroom.info.name, bedroom.info.area) == ("Bedroom", "bedroom")
    wait_for(lambda: kitchen.info.start_stage, 5, "the satellite's run-pipeline")
    assert kitchen.info.start_stage == "wake"  # always streaming: Tandem hears the wake phrase itself

    sats["kitchen"].say(speech("hey tandem, start our hug timer"))
    wait_for(lambda: events(server, "ritual_end"), 40, "the hug to end")
    wait_for(lambda: sound(server, "end") in sats["kitchen"].played(), 10, "the end chime on the kitchen speaker")

    played = sats["kitchen"].played()
    assert played.index(sound(server, "start")) < played.index(sound(server, "end"))
    assert sats["bedroom"].played() == b""  # the bedroom heard nothing of it
    assert server.feeds["bedroom"].received_seconds > 5  # though it streamed all along
    server.stop()
    (hug,) = moments(tmp_path / "journal.json")
    assert (hug.ritual, hug.status, hug.room) == ("hug", "completed", "kitchen")


def test_a_gratitude_round_in_the_bedroom_is_answered_without_wake_phrases(house, tmp_path):
    server, sats = house()
    bedroom = sats["bedroom"]
    bedroom.say(speech("hey tandem, gratitude time"))
    wait_for(lambda: events(server, "ritual_start", "bedroom"), 30, "gratitude to start")
    for line in THANKS:
        wait_for(lambda: quiet(server, "bedroom"), 20, "Tandem to finish speaking")
        heard = len(events(server, "say_start", "bedroom"))
        bedroom.say(speech(line))
        wait_for(lambda: len(events(server, "say_start", "bedroom")) > heard, 20, f"an answer to {line!r}")
    wait_for(lambda: events(server, "ritual_end"), 20, "gratitude to end")

    free = [e for e in events(server, "transcript", "bedroom") if e["mode"] == "free"]
    assert len(free) == 6 and not any(e["woke"] for e in free)
    assert sats["kitchen"].played() == b""
    server.stop()
    (moment,) = moments(tmp_path / "journal.json")
    assert (moment.ritual, moment.status, moment.room) == ("gratitude", "completed", "bedroom")
    assert moment.counts == {"Alex": 3, "Sam": 3}


def test_a_satellite_killed_mid_hug_is_reconnected_and_the_hug_ends_as_it_really_went(house, tmp_path):
    server, sats = house(hug=6)
    kitchen = sats["kitchen"]
    kitchen.say(speech("hey tandem, start our hug timer"))
    wait_for(lambda: [c for c in events(server, "chime", "kitchen") if c["name"] == "start"], 30, "the start chime")
    wait_for(lambda: sound(server, "start") in kitchen.played(), 10, "the start chime on the speaker")
    kitchen.kill()  # the power cord, mid-hug
    wait_for(lambda: not server.links["kitchen"].connected, 5, "the loss to be noticed")
    wait_for(lambda: events(server, "ritual_end"), 15, "the hug to end on time, satellite or not")
    assert sound(server, "end") not in kitchen.played()

    kitchen.start()
    back = time.monotonic()
    wait_for(lambda: server.links["kitchen"].connected, 12, "the kitchen to be reconnected")
    reconnect = time.monotonic() - back
    wait_for(lambda: sound(server, "end") in kitchen.played(), 10, "the held end chime when the kitchen is back")

    assert reconnect < 12
    assert server.hub.rooms["kitchen"].output.late_sounds >= 1
    assert [e["event"] for e in list(server.events.events) if e["event"] in ("room_offline", "room_online")
            and e.get("room") == "kitchen"][-2:] == ["room_offline", "room_online"]
    assert sats["bedroom"].played() == b""
    server.stop()
    (hug,) = moments(tmp_path / "journal.json")
    assert (hug.status, hug.room) == ("completed", "kitchen")
    assert hug.actual_seconds == pytest.approx(6, abs=0.5)


def test_tandem_serve_runs_from_the_config_and_a_hug_cut_by_shutdown_is_kept_as_partial(tmp_path):
    sats = {name: Satellite(PYTHON, name, tmp_path / name).start() for name in ("kitchen", "bedroom")}
    config = tmp_path / "config.toml"
    config.write_text('[partners]\nnames = ["Alex", "Sam"]\n[durations]\nhug = 120\n[rooms]\n'
                      + "".join(f'{name} = "{sat.uri}"\n' for name, sat in sats.items()))
    log = tmp_path / "events.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "listen", "--config", str(config),
                             "--journal", str(tmp_path / "journal.json"), "--events", str(log),
                             "--engine", "pocketsphinx"], stderr=subprocess.PIPE, text=True)
    try:
        def lines() -> list[dict]:
            return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

        wait_for(lambda: len([e for e in lines() if e["event"] == "room_online"]) == 2, 40, "both rooms online")
        sats["bedroom"].say(speech("hey tandem, start our hug timer"))
        wait_for(lambda: [e for e in lines() if e["event"] == "chime" and e["name"] == "start"], 30, "the hug")
        time.sleep(7)  # the intro, the start chime (its event is logged as it is queued), a few seconds of hug
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
        for sat in sats.values():
            sat.stop()
    (hug,) = moments(tmp_path / "journal.json")
    assert (hug.status, hug.room) == ("partial", "bedroom")
    assert 1 < hug.actual_seconds < 30  # of 120 (the event file runs a few seconds behind, in time order)


def test_a_satellite_obeys_one_controller_so_a_second_one_is_ignored(house):
    """Why the README says a satellite cannot be in Home Assistant and Tandem at once."""
    import asyncio

    from wyoming.audio import AudioChunk
    from wyoming.client import AsyncTcpClient
    from wyoming.info import Describe, Info
    from wyoming.satellite import RunSatellite

    server, sats = house()
    heard_before = server.feeds["kitchen"].received_seconds

    async def second_controller() -> tuple[str, int]:
        client = AsyncTcpClient("127.0.0.1", sats["kitchen"].port)
        await client.connect()
        await client.write_event(Describe().event())
        name = Info.from_event(await client.read_event()).satellite.name  # anyone may ask who it is
        await client.write_event(RunSatellite().event())
        chunks = 0
        try:
            while (event := await asyncio.wait_for(client.read_event(), 2.0)) is not None:
                chunks += AudioChunk.is_type(event.type)
        except asyncio.TimeoutError:
            pass
        await client.disconnect()
        return name, chunks

    name, chunks = asyncio.run(second_controller())
    assert name == "Kitchen" and chunks == 0  # it never streamed to the second controller
    time.sleep(1.0)
    assert server.links["kitchen"].connected
    assert server.feeds["kitchen"].received_seconds > heard_before + 2  # Tandem kept hearing the kitchen
