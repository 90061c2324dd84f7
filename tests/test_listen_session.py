"""Whole sessions from recordings: `tandem listen --input session.wav` on a virtual clock.

The recordings are generated (espeak-ng speech over the barista set's kitchen noise), so these
tests hear the way the speaker hears: VAD, wake phrase, pocketsphinx, matcher, dialog, voice, journal.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.mixing import mix_at_snr
from assistant.audio.wavio import read_wav
import audio_gen

RATE = 16_000
VOICE = "flite:rms"
"""flite's voice is the one pocketsphinx's acoustic model hears best of the synthetic voices at hand."""

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not audio_gen.available(VOICE), reason="flite and sox are needed to make test speech"),
]



def session_wav(path: Path, script: list[tuple[str, object]], snr_db: float = 18.0) -> Path:
    """A recording of `script`: ("say", text) is spoken, ("gap", seconds) is room noise only."""
    parts = []
    for kind, value in script:
        if kind == "say":
            parts.append(audio_gen.speak(str(value), VOICE))
        else:
            parts.append(np.zeros(int(float(value) * RATE), dtype=np.int16))
    speech = np.concatenate(parts)
    audio_gen.write_wav16(path, mix_at_snr(speech, audio_gen.kitchen_noise(), snr_db))
    return path


def listen(tmp_path: Path, wav: Path) -> tuple[list[dict], Path, Path]:
    journal = tmp_path / "journal.json"
    said = tmp_path / "said.wav"
    events = tmp_path / "events.jsonl"
    config = tmp_path / "config.toml"
    config.write_text('[partners]\nnames = ["Alex", "Sam"]\n')
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "listen", "--input", str(wav), "--output", str(said),
         "--events", str(events), "--journal", str(journal), "--engine", "pocketsphinx", "--seed", "1",
         "--config", str(config)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in events.read_text().splitlines()], said, journal


def moments(journal: Path) -> list:
    from assistant.journal.journal import Journal

    j = Journal.open(journal)
    try:
        return [m for m in j.moments() if m.kind == "moment"]
    finally:
        j.close()


def loud(samples: np.ndarray, t0: float, t1: float) -> float:
    """RMS of the output between two times, in int16 steps."""
    x = samples[int(t0 * RATE):int(t1 * RATE)].astype(np.float64)
    return float(np.sqrt(np.mean(x * x))) if len(x) else 0.0


def test_a_spoken_hug_over_kitchen_noise_is_timed_chimed_and_recorded(tmp_path: Path) -> None:
    wav = session_wav(tmp_path / "hug.wav", [("gap", 1.5), ("say", "hey tandem, start our hug timer"), ("gap", 96)])
    events, said, journal = listen(tmp_path, wav)

    kinds = [e["event"] for e in events]
    assert "wake" in kinds
    intents = [e for e in events if e["event"] == "intent"]
    assert [e["intent"] for e in intents] == ["StartHug"]
    chimes = [e for e in events if e["event"] == "chime"]
    start = next(c for c in chimes if c["name"] == "start")
    end = next(c for c in chimes if c["name"] == "end")
    assert end["t"] - start["t"] == pytest.approx(90.0, abs=0.25)
    ends = [e for e in events if e["event"] == "ritual_end"]
    assert len(ends) == 1 and ends[0]["status"] == "completed"

    hugs = moments(journal)
    assert len(hugs) == 1
    assert hugs[0].ritual == "hug" and hugs[0].status == "completed"
    assert hugs[0].actual_seconds == pytest.approx(90, abs=1)

    # said.wav: the intro before the start chime, the chimes on time, the closing line after the end chime.
    audio = read_wav(said)
    says = [e for e in events if e["event"] == "say_start"]
    intro, closing = says[0], says[-1]
    assert intro["t"] < start["t"] < end["t"] < closing["t"]
    quiet = loud(audio, start["t"] + 5, start["t"] + 40)
    assert loud(audio, intro["t"], intro["t"] + 1.0) > 10 * max(quiet, 1.0)
    assert loud(audio, start["t"], start["t"] + 0.4) > 10 * max(quiet, 1.0)
    assert loud(audio, end["t"], end["t"] + 0.4) > 10 * max(quiet, 1.0)
    assert loud(audio, closing["t"], closing["t"] + 1.0) > 10 * max(quiet, 1.0)
    assert len(audio) / RATE >= closing["t"] + 0.5


def test_a_gratitude_session_with_six_spoken_thanks_records_six(tmp_path: Path) -> None:
    thanks = [
        "thank you for making dinner tonight",
        "i am grateful you walked the dog",
        "thanks for listening to me this morning",
        "thank you for the coffee in bed",
        "i am thankful you called my mother",
        "thanks for laughing at my jokes",
    ]
    script: list[tuple[str, object]] = [("gap", 1.0), ("say", "hey tandem, gratitude time"), ("gap", 9.0)]
    for i, line in enumerate(thanks):
        script += [("say", line), ("gap", 9.0 if i == 2 else 5.0)]
    script.append(("gap", 8.0))
    events, _said, journal = listen(tmp_path, session_wav(tmp_path / "gratitude.wav", script))

    ends = [e for e in events if e["event"] == "ritual_end"]
    assert len(ends) == 1 and ends[0]["status"] == "completed", [e for e in events if e["event"] != "chime"]
    (moment,) = moments(journal)
    assert moment.ritual == "gratitude"
    assert sum(moment.counts.values()) == 6


def test_room_noise_and_chatter_alone_start_nothing(tmp_path: Path) -> None:
    wav = session_wav(tmp_path / "chatter.wav", [
        ("gap", 1.0), ("say", "could you pass the salt please"), ("gap", 3.0),
        ("say", "what is the weather like tomorrow"), ("gap", 20.0),
    ])
    events, _said, journal = listen(tmp_path, wav)
    assert not [e for e in events if e["event"] in ("intent", "ritual_start")]
    assert moments(journal) == []


def test_a_hug_asked_for_after_a_pause_and_stopped_aloud_at_forty_seconds_is_partial(tmp_path: Path) -> None:
    wav = session_wav(tmp_path / "hug40.wav", [
        ("gap", 1.0), ("say", "hey tandem"), ("gap", 1.0), ("say", "start our hug timer"),
        ("gap", 40.0), ("say", "stop"), ("gap", 6.0),
    ])
    events, _said, journal = listen(tmp_path, wav)
    assert [e["name"] for e in events if e["event"] == "chime"][:2] == ["listening", "start"]
    (hug,) = moments(journal)
    assert hug.status == "partial"
    assert 36 <= hug.actual_seconds <= 42
    (said_partial,) = [e for e in events if e["event"] == "say_start" and e["key"] == "hug_partial"]
    assert "second" in said_partial["text"] or "minute" in said_partial["text"]
