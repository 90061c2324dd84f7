"""Smoke checks for the benchmark harness: the parts that decide what the figures mean.

The benchmarks themselves (speech, timings) run with `python -m bench`, never under pytest.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.audio import BARISTA, measured_snr, mix
from bench.barista_speech import INTENTS, labels
from bench.report import Row, Section, Target, console, markdown
from bench.speech import Expected, Heard, accepted


def _tone(seconds: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000
    return (8000 * np.sin(2 * np.pi * 220 * t) * (0.5 + rng.random(len(t)) * 0.1)).astype(np.int16)


@pytest.mark.parametrize("snr", [24, 12, 6])
def test_the_kitchen_mixer_gives_the_asked_signal_to_noise_ratio(snr: int) -> None:
    rng = np.random.default_rng(1)
    speech = _tone(2.0, rng)
    noise = (rng.standard_normal(16000 * 5) * 3000).astype(np.int16)
    mixed = mix(speech, noise, snr, seed=3)
    assert abs(measured_snr(speech, mixed) - snr) < 0.3
    assert np.max(np.abs(mixed)) == pytest.approx(32767 / 2, abs=2)  # normalised to half scale, as Picovoice


def test_a_command_counts_only_when_the_intent_and_every_labelled_slot_are_right() -> None:
    want = Expected("orderDrink", {"size": "large", "coffeeDrink": "latte"})
    assert accepted(want, Heard(None, "", "orderDrink", {"size": "large", "coffeeDrink": "latte", "roast": "x"}))
    assert not accepted(want, Heard(None, "", "orderDrink", {"size": "large"}))
    assert not accepted(want, Heard(None, "", "orderDrink", {"size": "small", "coffeeDrink": "latte"}))
    assert not accepted(want, Heard(None, "", None, {}))


@pytest.mark.skipif(not (BARISTA / "labels.json").exists(), reason="barista data not present")
def test_every_barista_label_said_as_text_gives_its_intent_and_slots() -> None:
    """The barista intents file is honest: each labelled order, worded as the grammar words it, matches."""
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher

    matcher = Matcher(load_intents(INTENTS))
    wrong = []
    for name, want in labels().items():
        s = want.slots
        words = [s[k] for k in ("size", "roast", "numberOfShots") if k in s] + [s["coffeeDrink"]]
        extras = [s[k] for k in ("milkAmount", "sugarAmount") if k in s]
        text = "can I have a " + " ".join(words) + (" with " + " and ".join(extras) if extras else "")
        got = matcher.match(text)
        if not accepted(want, Heard(None, text, getattr(got, "intent", None), getattr(got, "slots", {}))):
            wrong.append((name, text, got))
    assert wrong == []


def test_a_missing_figure_is_reported_as_not_available_never_as_a_number() -> None:
    missing = Section.unavailable("wake", "Wake phrase", "how", "the listen loop is not there yet")
    measured = Section("x", "X", "how", rows=[Row("latency", 620.0, "ms", Target("<", 500))])
    text = console([missing, measured])
    assert "not available: the listen loop is not there yet" in text and "FAIL" in text
    assert "| latency | 620 ms | < 500 ms | FAIL |" in markdown([measured], {"cpu": "test"}, "python -m bench x")
    assert json.loads(json.dumps(missing.to_json()))["rows"][0]["value"] is None
