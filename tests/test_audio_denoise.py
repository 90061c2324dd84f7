"""Noise suppression in front of pocketsphinx (assistant/audio/denoise.py, issue 11).

RNNoise (opt-in: `[audio] noise_suppression = "rnnoise"`, the denoise extra) cleans the audio pocketsphinx
hears, chunk by chunk as it arrives; Whisper hears the raw audio.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

import audio_gen
from assistant.audio.denoise import NoiseSuppressor, in_quiet_room, suppress, suppressor_factory
from assistant.audio.mixing import mix_at_snr
from assistant.errors import ConfigError, ModelError

needs_rnnoise = pytest.mark.skipif(importlib.util.find_spec("pyrnnoise") is None,
                                   reason="pyrnnoise is not installed (pip install 'tandem[denoise]')")


def running_tap(seconds: float = 10.0) -> np.ndarray:
    """A tap running into the sink: steady broadband hiss (seeded)."""
    return np.random.default_rng(7).normal(0.0, 3000.0, int(seconds * 16000))


@needs_rnnoise
def test_the_suppressor_streams_chunk_by_chunk_and_hands_back_every_sample():
    audio = mix_at_snr(np.concatenate([np.zeros(8000), 8000 * np.sin(np.arange(16000) / 4), np.zeros(8000)]),
                       running_tap(), 12)
    for chunk in (160, 1000, 4000):
        suppressor = NoiseSuppressor()
        parts = [suppressor.process(audio[i:i + chunk]) for i in range(0, len(audio), chunk)]
        out = np.concatenate([*parts, suppressor.finish()])
        assert len(out) == len(audio) and out.dtype == np.int16
        assert np.array_equal(out, suppress(audio))  # how the audio is cut into chunks changes nothing


@needs_rnnoise
@pytest.mark.skipif(not audio_gen.available(), reason="espeak-ng or sox is not installed")
def test_the_tap_is_turned_down_and_the_voice_is_kept():
    voice = audio_gen.speak("start our hug timer", pad=1.0)
    audio = mix_at_snr(voice, running_tap(), 12)
    out = suppress(audio)
    spoken = np.abs(voice.astype(float)) > 0

    def level(x: np.ndarray) -> float:
        return 10 * np.log10(np.mean(x.astype(float) ** 2) + 1e-9)

    lead_in = slice(2000, 14000)  # the tap alone
    assert level(audio[lead_in]) - level(out[lead_in]) > 10
    assert abs(level(audio[spoken]) - level(out[spoken])) < 6  # the words keep their level


@pytest.mark.skipif(not audio_gen.available(), reason="espeak-ng or sox is not installed")
def test_a_quiet_room_is_told_from_a_running_tap():
    voice = audio_gen.speak("start our hug timer")
    quiet_mic = mix_at_snr(voice, running_tap(), 60)  # a microphone's own hiss, far under the voice
    assert in_quiet_room(voice) and in_quiet_room(quiet_mic)
    assert not in_quiet_room(mix_at_snr(voice, running_tap(), 24))
    assert not in_quiet_room(mix_at_snr(voice, audio_gen.kitchen_noise(), 12))


def test_off_needs_nothing():
    assert suppressor_factory("off") is None


@needs_rnnoise
def test_an_empty_stream_gives_nothing_back():
    assert len(NoiseSuppressor().finish()) == 0


def test_a_missing_library_names_the_package_and_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyrnnoise", None)  # as if it were not installed
    with pytest.raises(ModelError) as error:
        suppressor_factory("rnnoise")
    assert "pyrnnoise" in error.value.what
    assert "pip install pyrnnoise" in error.value.fix and 'noise_suppression = "off"' in error.value.fix


def test_a_missing_library_stops_tandem_before_any_model_loads_not_as_a_whisper_fallback(monkeypatch):
    from assistant.recognize import select

    monkeypatch.setitem(sys.modules, "pyrnnoise", None)
    monkeypatch.setattr(select, "choose_engine", lambda *a, **k: pytest.fail("an engine was chosen first"))
    with pytest.raises(ModelError, match="pyrnnoise"):
        select.load_recognizer("combined", object(), noise_suppression="rnnoise")


def test_an_unknown_suppressor_in_the_config_names_the_key_and_the_choices(tmp_path):
    from assistant.config import load_settings

    config = tmp_path / "config.toml"
    config.write_text('[audio]\nnoise_suppression = "loud"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    assert "audio.noise_suppression" in str(error.value) and "rnnoise" in error.value.fix


def test_it_is_off_unless_the_config_turns_it_on(tmp_path):
    from assistant.config import Settings, load_settings

    assert Settings().audio.noise_suppression == "off"
    config = tmp_path / "config.toml"
    config.write_text('[audio]\nnoise_suppression = "rnnoise"\n', encoding="utf-8")
    assert load_settings(config).audio.noise_suppression == "rnnoise"


@pytest.mark.slow
@needs_rnnoise
@pytest.mark.skipif(not audio_gen.available(), reason="espeak-ng or sox is not installed")
def test_a_hug_asked_for_over_a_running_tap_is_heard_through_the_suppressor():
    from assistant.datafiles import intents_dir
    from assistant.recognize.pocketsphinx_engine import PocketsphinxRecognizer
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher

    intent_set = load_intents(intents_dir())
    matcher = Matcher(intent_set)
    cleaned = PocketsphinxRecognizer(intent_set, free_text=False, noise_suppression="rnnoise")
    raw = PocketsphinxRecognizer(intent_set, free_text=False, noise_suppression="off")
    heard = {"cleaned": 0, "raw": 0}
    for voice in ("en-us", "en-gb+m3"):
        for snr in (18, 12):
            audio = mix_at_snr(audio_gen.speak("let's hug", voice), running_tap(), snr)
            for name, recognizer in (("cleaned", cleaned), ("raw", raw)):
                session = recognizer.session()
                for i in range(0, len(audio), 4000):  # as the microphone loop feeds it
                    session.accept(audio[i:i + 4000])
                heard[name] += getattr(matcher.match(session.finish().text), "intent", None) == "StartHug"
    assert heard["cleaned"] == 4
    assert heard["raw"] < heard["cleaned"]  # the hiss alone drowns it
    said_in_quiet = audio_gen.speak("let's hug")  # no noise to take out: decoded exactly as without a suppressor
    assert cleaned.transcribe(said_in_quiet).text == raw.transcribe(said_in_quiet).text == "let's hug"
