"""`tandem say` renders any line to a real WAV of speech; `tandem voices` tells what can speak and which does."""

from __future__ import annotations

import json
import wave

import numpy as np
import pytest

from assistant.audio.wavio import read_wav
from assistant.cli import main
from assistant.speak.loudness import integrated_loudness
from assistant.speak.measure import clipped_samples
from voice_fixtures import HAS_PIPER, needs_espeak

pytestmark = needs_espeak


def wav_facts(path) -> tuple[int, float, np.ndarray]:
    with wave.open(str(path), "rb") as w:
        rate, frames = w.getframerate(), w.getnframes()
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
    return rate, frames / rate, read_wav(path, rate)


def test_say_output_writes_a_real_wav_of_speech(tmp_path, capsys):
    path = tmp_path / "hug.wav"
    assert main(["say", "Hug time, a minute and a half. Starting now.", "--pace", "normal", "--output", str(path)]) == 0
    rate, seconds, audio = wav_facts(path)
    assert rate == 22_050 and 2.0 < seconds < 6.0
    assert integrated_loudness(audio, rate) == pytest.approx(-23, abs=2.5)  # voice.yaml's loudness, not silence
    assert clipped_samples(audio) == 0
    out = capsys.readouterr().out
    assert "hug.wav" in out and ("piper" if HAS_PIPER else "pyttsx3") in out and "2 sentences" in out


def test_say_with_pyttsx3_and_a_slow_pace_is_longer(tmp_path):
    normal, slow = tmp_path / "normal.wav", tmp_path / "slow.wav"
    text = "Breathe in with the rising tone."
    assert main(["say", text, "--voice", "pyttsx3", "--pace", "normal", "-o", str(normal)]) == 0
    assert main(["say", text, "--voice", "pyttsx3", "--pace", "breathing", "-o", str(slow)]) == 0
    assert wav_facts(slow)[1] > 1.15 * wav_facts(normal)[1]


def test_say_with_a_broken_voice_file_still_speaks_and_says_why(tmp_path, capsys):
    pytest.importorskip("piper")
    broken = tmp_path / "en_US-torn-medium.onnx"
    broken.write_bytes(b"\x00" * 100)
    path = tmp_path / "said.wav"
    assert main(["say", "Sleep well, you two.", "--voice", str(broken), "--output", str(path)]) == 0
    err = capsys.readouterr().err
    assert "en_US-torn-medium" in err and "pyttsx3" in err and "fix:" in err
    assert wav_facts(path)[1] > 0.5


def test_say_an_unknown_pace_is_a_clear_error(tmp_path, capsys):
    assert main(["say", "Hello.", "--pace", "sleepy", "--voice", "pyttsx3", "-o", str(tmp_path / "x.wav")]) == 2
    assert "sleepy" in capsys.readouterr().err


def test_say_without_a_speaker_names_the_fix(monkeypatch, capsys):
    from fake_sounddevice import FakeSoundDevice

    monkeypatch.setattr("assistant.audio.devices.load_sounddevice", lambda: FakeSoundDevice(devices=[]))
    assert main(["say", "Hello.", "--voice", "pyttsx3"]) == 2
    assert "speaker" in capsys.readouterr().err


def test_say_plays_on_the_speaker_when_there_is_one(monkeypatch, capsys):
    from fake_sounddevice import FakeSoundDevice

    sd = FakeSoundDevice()
    monkeypatch.setattr("assistant.audio.devices.load_sounddevice", lambda: sd)
    monkeypatch.setattr("assistant.speak.output.load_sounddevice", lambda: sd)
    assert main(["say", "Hi.", "--voice", "pyttsx3"]) == 0
    stream = sd.streams[0]
    assert stream.kind == "output" and stream.closed  # opened, played through, and released
    assert "said in" in capsys.readouterr().err


def test_voices_lists_engines_voices_and_the_default(capsys):
    assert main(["voices"]) == 0
    out = capsys.readouterr().out
    assert "piper" in out and "pyttsx3" in out and "default (*):" in out
    if HAS_PIPER:
        assert "* en_US-joe-medium" in out and "GPL-3.0-or-later" in out
    else:
        assert 'pip install "tandem[piper]"' in out


def test_voices_json_is_data(capsys):
    assert main(["voices", "--json", "--all"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {e["name"] for e in data["engines"]} == {"piper", "pyttsx3"}
    assert sum(v["default"] for v in data["voices"]) == 1
    assert any(v["engine"] == "pyttsx3" for v in data["voices"])
