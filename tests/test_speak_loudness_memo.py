"""A sound's loudness is measured once per install, so the listen process need not load scipy at every start."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from assistant.speak import loudness


@pytest.fixture
def memo_file(tmp_path, monkeypatch):
    path = tmp_path / "loudness.json"
    monkeypatch.setattr(loudness, "_memo_path", lambda: path)
    loudness._memo.cache_clear()
    yield path
    loudness._memo.cache_clear()


def tone(amplitude: float, rate: int = 16000) -> np.ndarray:
    t = np.arange(rate) / rate
    return amplitude * np.sin(2 * np.pi * 440 * t)


def test_the_same_sound_is_measured_once_and_remembered(memo_file, monkeypatch):
    first = loudness.remembered_loudness(tone(0.5), 16000)
    assert first == pytest.approx(loudness.integrated_loudness(tone(0.5), 16000))
    monkeypatch.setattr(loudness, "integrated_loudness", lambda *a: pytest.fail("measured twice"))
    loudness._memo.cache_clear()  # a new process reads the file
    assert loudness.remembered_loudness(tone(0.5), 16000) == first


def test_a_different_sound_is_measured_anew(memo_file):
    loud, soft = loudness.remembered_loudness(tone(0.5), 16000), loudness.remembered_loudness(tone(0.05), 16000)
    assert loud - soft == pytest.approx(20.0, abs=0.1)


def test_a_named_calibration_is_remembered_under_its_name_although_each_render_differs(memo_file):
    first = loudness.remembered_loudness(tone(0.5), 16000, key="piper|joe")
    assert loudness.remembered_loudness(tone(0.45), 16000, key="piper|joe") == first
    assert loudness.remembered_loudness(tone(0.45), 16000, key="piper|other") != first


def test_a_damaged_memo_is_measured_again_and_rewritten(memo_file):
    memo_file.write_text("{not json")
    value = loudness.remembered_loudness(tone(0.5), 16000)
    assert value in json.loads(memo_file.read_text()).values()


def test_silence_is_never_remembered(memo_file):
    assert loudness.remembered_loudness(np.zeros(16000), 16000) == float("-inf")
    assert not memo_file.exists()


def test_a_chime_measured_before_does_not_load_scipy(tmp_path):
    code = ("import sys; from assistant.speak.chimes import chime; chime('listening', 22050); "
            "print('scipy' in sys.modules)")
    env = {"XDG_CACHE_HOME": str(tmp_path), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
            for _ in range(2)]
    assert [r.stdout.strip() for r in runs] == ["True", "False"]


class CountingVoice:
    """A voice whose every render differs a little (as a neural voice's does), counting the sentences it renders."""

    def __new__(cls, level: float = 0.3):
        from concurrent.futures import Future

        from assistant.speak.synth import CachedSynth

        class Voice(CachedSynth):
            name, voice, rate = "fake", "counting", 16000
            rendered: list[str] = []

            def _synthesize(self, text, pace):
                self.rendered.append(text)
                return tone(level * (1 + 0.01 * len(self.rendered)))

            def _submit(self, fn, *args):
                done = Future()
                done.set_result(fn(*args))
                return done

            def identity(self):
                return "fake|counting"

        return Voice()


def test_a_remembered_voice_renders_one_sentence_at_start_not_its_whole_calibration(memo_file):
    first = CountingVoice()
    first.calibrate()
    assert len(first.rendered) > 1  # the whole paragraph, measured once
    again = CountingVoice()
    again.rendered = []
    again.calibrate()
    assert len(again.rendered) == 1  # warmed up on its first sentence only
    assert again.gain == first.gain


def test_a_remembered_voice_that_renders_silence_is_still_refused(memo_file):
    from assistant.errors import TandemError

    CountingVoice().calibrate()
    silent = CountingVoice(level=0.0)
    with pytest.raises(TandemError, match="only silence"):
        silent.calibrate()
