"""Chimes are soft, click-free and the same every time."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from assistant.errors import AudioError
from assistant.messages import Chime
from assistant.speak.chimes import CHIME_NAMES, PEAK, chime, chime_duration


def test_every_chime_the_rituals_use_exists():
    for name in ("start", "end", "halfway", "inhale", "exhale", "listening", "soft"):
        assert len(chime(name)) > 0
    assert set(CHIME_NAMES) >= {"start", "end", "halfway", "inhale", "exhale", "soft"}  # `messages.Chime` names
    assert Chime("start").name in CHIME_NAMES


@pytest.mark.parametrize("name", CHIME_NAMES)
def test_a_chime_is_soft_never_near_full_scale(name):
    x = chime(name).astype(float) / 32768
    assert x.dtype == float and np.max(np.abs(x)) <= PEAK + 1e-3 < 0.5
    assert 20 * np.log10(np.sqrt(np.mean(x ** 2))) < -20  # RMS well below an alarm's


def click_level_db(x: np.ndarray, rate: int = 16_000) -> float:
    """Loudest 5-8 kHz energy in any 16 ms window, in dB relative to the loudest window's total energy."""
    windows = np.lib.stride_tricks.sliding_window_view(np.concatenate([np.zeros(256), x, np.zeros(256)]), 256)[::32]
    spectra = np.abs(np.fft.rfft(windows * np.hanning(256), axis=1)) ** 2
    high = spectra[:, np.fft.rfftfreq(256, 1 / rate) >= 5000].sum(axis=1)
    return float(10 * np.log10(high.max() / spectra.sum(axis=1).max() + 1e-30))


@pytest.mark.parametrize("name", CHIME_NAMES)
def test_a_chime_fades_in_and_out_without_a_click(name):
    x = chime(name).astype(float)
    rate = 16_000
    assert abs(x[0]) < 50 and abs(x[-1]) < 50
    # A click is broadband: no 16 ms window may carry energy above the chime's partials (5-8 kHz).
    assert click_level_db(x) < -60
    abrupt = np.concatenate([np.zeros(800), x[len(x) // 3:]])  # the same chime cut in abruptly does click
    assert click_level_db(abrupt) > -60
    assert len(x) == pytest.approx(chime_duration(name) * rate, abs=1)


def test_chimes_are_deterministic_across_renders_and_rates():
    first = {name: hashlib.sha1(chime(name).tobytes()).hexdigest() for name in CHIME_NAMES}
    from assistant.speak import chimes
    chimes._render.cache_clear()
    again = {name: hashlib.sha1(chime(name).tobytes()).hexdigest() for name in CHIME_NAMES}
    assert first == again
    assert len(chime("start", 48_000)) == 3 * len(chime("start", 16_000))


def test_a_rendered_chime_cannot_be_changed_by_accident():
    with pytest.raises(ValueError):
        chime("soft")[0] = 1


def test_breathing_chimes_are_gentler_at_the_start_than_the_start_chime():
    rate = 16_000
    inhale, start = chime("inhale").astype(float), chime("start").astype(float)
    first = slice(0, rate // 20)
    assert np.max(np.abs(inhale[first])) < np.max(np.abs(start[first]))


def test_listening_chime_is_short_so_it_does_not_delay_the_answer():
    assert chime_duration("listening") <= 0.25


def test_an_unknown_chime_is_an_error_naming_the_choices():
    with pytest.raises(AudioError) as caught:
        chime("klaxon")
    assert "klaxon" in caught.value.what and "start" in caught.value.fix
