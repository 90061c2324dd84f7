"""pyttsx3 (espeak-ng), always there and the fallback: lines rendered off the caller's thread, in the voice `voices/` asks for."""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest

from assistant.errors import AudioError, DataError
from assistant.speak import tts
from assistant.speak.loudness import integrated_loudness
from assistant.speak.profile import Pace
from assistant.speak.tts import SpeechSynth, VoiceSettings, load_voice_settings

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@needs_espeak
def test_an_eight_word_line_renders_to_seconds_of_audio():
    synth = SpeechSynth()
    audio = synth.render("Let us start your ninety second hug right now.").result(timeout=30)
    assert audio.dtype == np.int16 and audio.ndim == 1
    assert 1.5 < len(audio) / synth.rate < 6.0  # about 150 words a minute
    assert np.max(np.abs(audio)) > 3000  # actually speech, not silence


@needs_espeak
def test_rendering_happens_on_one_worker_thread_not_the_callers():
    seen = set()
    original = SpeechSynth._render

    def spy(self, text):
        seen.add(threading.current_thread().name)
        return original(self, text)

    synth = SpeechSynth()
    try:
        SpeechSynth._render = spy
        futures = [synth.render(f"line number {n}") for n in range(4)]
        for future in futures:
            future.result(timeout=30)
    finally:
        SpeechSynth._render = original
    assert len(seen) == 1 and threading.current_thread().name not in seen


@needs_espeak
def test_the_same_line_is_rendered_once_and_cached():
    synth = SpeechSynth(cache_size=2)
    first = synth.say("Breathe in.")
    again = synth.render("Breathe   in.")
    assert again.done() and again.result() is first
    synth.say("Breathe out.")
    synth.say("Well done.")
    assert [text for text, _ in synth._cache] == ["Breathe out.", "Well done."]  # the oldest line made room


def pitch_hz(audio: np.ndarray, rate: int) -> float:
    """Median fundamental of the voiced 40 ms frames (autocorrelation peak between 70 and 400 Hz)."""
    x = audio.astype(float)
    n = round(0.04 * rate)
    found = []
    for i in range(0, len(x) - n, n):
        frame = x[i:i + n] - x[i:i + n].mean()
        if np.sqrt(np.mean(frame ** 2)) < 1000:
            continue
        ac = np.correlate(frame, frame, "full")[n - 1:]
        lo, hi = rate // 400, rate // 70
        found.append(rate / (lo + np.argmax(ac[lo:hi])))
    return float(np.median(found))


@needs_espeak
def test_two_synths_with_different_voices_do_not_leak_into_each_other():
    line = "Thank you both, that was lovely."
    plain = SpeechSynth(VoiceSettings())
    before = pitch_hz(plain.say(line), plain.rate)
    other = SpeechSynth(VoiceSettings(voice="en-us+f3"))
    assert pitch_hz(other.say(line), other.rate) > 1.3 * before
    plain._cache.clear()
    assert pitch_hz(plain.say(line), plain.rate) == pytest.approx(before, rel=0.1)


@needs_espeak
def test_faster_speech_is_shorter():
    slow = SpeechSynth(VoiceSettings(rate=120)).say("We have a minute and a half left together.")
    fast = SpeechSynth(VoiceSettings(rate=240)).say("We have a minute and a half left together.")
    assert len(fast) < 0.75 * len(slow)


@needs_espeak
def test_every_espeak_volume_is_levelled_to_the_loudness_target():
    line = "Hello you two. Time for our hug."
    for volume in (1.0, 0.4):
        synth = SpeechSynth(VoiceSettings(volume=volume))
        assert integrated_loudness(synth.say(line), synth.rate) == pytest.approx(synth.profile.loudness, abs=2.0)


@needs_espeak
def test_a_slower_softer_pace_is_slower_and_softer():
    synth = SpeechSynth()
    line = "We have a minute and a half left together."
    normal, soft = synth.say(line), synth.say(line, Pace("bedtime", length_scale=1.3, volume=0.5))
    assert len(soft) > 1.2 * len(normal)
    assert integrated_loudness(soft, synth.rate) < integrated_loudness(normal, synth.rate) - 4.5


@needs_espeak
def test_speech_can_be_rendered_at_the_speakers_rate():
    synth = SpeechSynth(rate=16_000)
    audio = synth.say("Time for our hug.")
    assert 0.5 < len(audio) / 16_000 < 3.0


@needs_espeak
def test_an_empty_line_is_silence_without_touching_the_engine():
    future = SpeechSynth().render("   ")
    assert future.done() and len(future.result()) == 0


@needs_espeak
def test_a_voice_that_does_not_exist_is_a_data_error_naming_voice_yaml(tmp_path):
    path = tmp_path / "voice.yaml"
    path.write_text("voice:\n  pyttsx3_voice: klingon-warrior\n  rate: 160\n  volume: 0.9\n")
    with pytest.raises(DataError) as caught:
        SpeechSynth(settings_path=path)
    assert "voice.yaml" in str(caught.value) and "klingon-warrior" in str(caught.value) and "en-us" in caught.value.fix


@needs_espeak
def test_a_voice_can_be_named_by_language_and_variant():
    synth = SpeechSynth(VoiceSettings(voice="en-us+f3"))
    assert synth._voice_id.endswith("en-us+f3")
    assert len(synth.say("Hello.")) > 0


def test_voice_settings_are_read_from_voice_yaml(tmp_path):
    path = tmp_path / "voice.yaml"
    path.write_text("voice:\n  pyttsx3_voice: en-gb\n  rate: 150\n  volume: 0.7\n")
    assert load_voice_settings(path) == VoiceSettings("en-gb", 150, 0.7)
    path.write_text("rate: 170\n")
    assert load_voice_settings(path) == VoiceSettings(None, 170, 0.9)


def test_missing_voice_yaml_gives_the_defaults(tmp_path):
    assert load_voice_settings(tmp_path / "absent.yaml") == VoiceSettings()


def test_the_shipped_voice_yaml_is_valid():
    load_voice_settings()


@pytest.mark.parametrize("text,key", [("voice:\n  rate: fast\n", "voice.rate"), ("volume: 3\n", "voice.volume"),
                                      ("voice:\n  pyttsx3_voice: 7\n", "voice.pyttsx3_voice"), ("rate: [1\n", "line 2"),
                                      ("voice:\n  engine: loud\n", "voice.engine"),
                                      ("voice:\n  paces: {bedtime: {volume: 2}}\n", "voice.paces.bedtime.volume"),
                                      ("voice:\n  paces: {bedtime: {speed: 2}}\n", "voice.paces.bedtime.speed"),
                                      ("voice:\n  bedtime_hours: late\n", "voice.bedtime_hours"),
                                      ("voice:\n  pronounce: [Niamh]\n", "voice.pronounce"),
                                      ("voice:\n  piper_phonemes: {hug: h ʌ ɡ}\n", "voice.piper_phonemes"),
                                      ("voice:\n  loudness: 0\n", "voice.loudness")])
def test_a_bad_voice_setting_names_the_file_and_key(tmp_path, text, key):
    path = tmp_path / "voice.yaml"
    path.write_text(text)
    with pytest.raises(DataError) as caught:
        load_voice_settings(path)
    assert caught.value.key == key and caught.value.fix


def test_without_espeak_ng_the_error_names_the_package(monkeypatch):
    import pyttsx3

    def broken(*args, **kwargs):
        raise OSError("libespeak-ng.so.1: cannot open shared object file")

    monkeypatch.setattr(tts._Engine, "_engine", None)
    monkeypatch.setattr(pyttsx3, "init", broken)
    with pytest.raises(AudioError) as caught:
        SpeechSynth(VoiceSettings())
    assert "apt install espeak-ng" in caught.value.fix
