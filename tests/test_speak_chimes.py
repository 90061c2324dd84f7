"""Chimes sound like a good kitchen device: soft edges, consonant notes, as loud as the voice, never clipped."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from assistant.clock import VirtualClock
from assistant.errors import AudioError
from assistant.messages import Chime
from assistant.speak.chimes import CHIME_NAMES, CHIMES, LOUDNESS, chime, chime_duration
from assistant.speak.loudness import integrated_loudness, peak_dbfs
from assistant.speak.measure import click_levels_db, clipped_samples, dominant_hz, edge_step
from assistant.speak.output import NullOutput
from assistant.speak.speaker import Speaker
from voice_fixtures import voice_synth  # noqa: F401  (a fixture)

RATES = (16_000, 48_000)


def test_every_chime_the_rituals_use_exists():
    for name in ("start", "end", "halfway", "inhale", "exhale", "listening", "soft"):
        assert len(chime(name)) > 0
    assert Chime("start").name in CHIME_NAMES


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("name", CHIME_NAMES)
def test_no_chime_sample_is_clipped_or_near_full_scale(name, rate):
    x = chime(name, rate)
    assert clipped_samples(x) == 0
    assert peak_dbfs(x) <= -1.0 + 1e-6


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("name", CHIME_NAMES)
def test_a_chime_fades_in_and_out_without_a_click(name, rate):
    x = chime(name, rate)
    assert abs(int(x[0])) <= 32 and abs(int(x[-1])) <= 32
    onset, offset = click_levels_db(x, rate)
    assert onset < -60 and offset < -60  # no broadband energy at either edge
    assert edge_step(x, rate) < 0.05
    abrupt = np.concatenate([np.zeros(rate // 20, dtype=np.int16), x[len(x) // 3:]])  # cut in mid-note: a click
    assert click_levels_db(abrupt, rate)[0] > -60  # the measure does hear a click when there is one
    assert len(x) == pytest.approx(chime_duration(name) * rate, abs=1)


@pytest.mark.parametrize("name", CHIME_NAMES)
def test_each_chime_sits_within_three_lu_of_the_loudness_target(name):
    measured = integrated_loudness(chime(name), 16_000)
    assert abs(measured - LOUDNESS) <= 3.0
    assert measured == pytest.approx(LOUDNESS + CHIMES[name].offset, abs=0.2)


def test_chimes_and_the_voice_are_within_three_lu(voice_synth):
    lines = ["Hugging for a minute and a half. Starting now.", "That's your hug. Lovely.",
             "Three thanks each. Sam, you start tonight.", "Well breathed. Take that calm with you."]
    voice = np.concatenate([voice_synth.say(line) for line in lines])
    voice_lufs = integrated_loudness(voice, voice_synth.rate)
    for name in CHIME_NAMES:
        assert abs(integrated_loudness(chime(name), 16_000) - voice_lufs) <= 3.0, name


def test_the_start_rises_the_end_falls_home_and_halfway_taps_one_note():
    rate = 16_000
    start, end, halfway = chime("start"), chime("end"), chime("halfway")
    assert dominant_hz(start, rate, 0.4, 0.5) / dominant_hz(start, rate, 0.0, 0.12) == pytest.approx(1.5, abs=0.02)
    assert dominant_hz(end, rate, 0.0, 0.15) / dominant_hz(end, rate, 0.6, 0.6) == pytest.approx(1.5, abs=0.02)
    assert dominant_hz(halfway, rate, 0.0, 0.2) == pytest.approx(dominant_hz(halfway, rate, 0.3, 0.4), abs=5)


def test_consecutive_notes_are_consonant_intervals():
    consonant = (1.0, 6 / 5, 5 / 4, 4 / 3, 3 / 2, 5 / 3)
    for name, shape in CHIMES.items():
        for a, b in zip(shape.notes, shape.notes[1:]):
            ratio = max(a.freq, b.freq) / min(a.freq, b.freq)
            cents = min(abs(1200 * np.log2(ratio / c)) for c in consonant)
            assert cents < 20, (name, ratio)  # equal temperament is within 16 cents of the just intervals


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


def test_breathing_chimes_swell_in_more_gently_than_the_start_chime():
    rate = 16_000
    inhale, start = chime("inhale").astype(float), chime("start").astype(float)
    first = slice(0, rate // 20)
    assert np.max(np.abs(inhale[first])) < np.max(np.abs(start[first]))


def test_listening_chime_is_short_so_it_does_not_delay_the_answer():
    assert chime_duration("listening") <= 0.25


def test_a_chime_at_a_soft_pace_is_as_much_softer_as_the_voice(voice_synth):
    out = NullOutput(VirtualClock())
    speaker = Speaker(voice_synth, out, clock=VirtualClock())
    played = []
    out.play = lambda samples, rate, label="": played.append((samples, rate)) or NullOutput.play(out, samples, rate, label)
    speaker.chime("inhale")
    speaker.chime("inhale", pace="breathing")
    (normal, rate), (soft, _) = played
    drop = integrated_loudness(normal, rate) - integrated_loudness(soft, rate)
    assert drop == pytest.approx(-20 * np.log10(speaker.profile.pace("breathing").volume), abs=0.2)


def test_an_unknown_chime_is_an_error_naming_the_choices():
    with pytest.raises(AudioError) as caught:
        chime("klaxon")
    assert "klaxon" in caught.value.what and "start" in caught.value.fix
