"""Dense word knowledge: the shipped word-piece table puts words the intents never use near the ones
they do, the classifier carries requests over to them, and its probabilities are calibrated on
held-out folds of the folder's own data."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from assistant.datafiles import intents_dir
from assistant.messages import IntentMatch
from assistant.understand.embeddings import FOLDER, WordVectors
from assistant.understand.intents import load_intents
from assistant.understand.matcher import Matcher
from assistant.understand.training import fit_calibration

CONTROLS = {"Stop", "Pause", "Resume", "TimeLeft", "AddTime", "Next", "Repeat", "Skip"}


@pytest.fixture(scope="module")
def vectors() -> WordVectors:
    table = WordVectors.for_language("en")
    assert table is not None, "the English table ships with Tandem (assistant/understand/vectors/en)"
    return table


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_intents(intents_dir()))


def nearest(vectors: WordVectors, word: str, among: list[str]) -> str:
    table = np.stack([vectors.word(w) for w in among])
    return among[int(np.argmax(table @ vectors.word(word)))]


@pytest.mark.parametrize("word, meant", [("suspend", "pause"), ("respiration", "breathing"), ("erase", "forget"),
                                         ("embrace", "hug"), ("thanking", "thanks"), ("proceed", "continue")])
def test_a_word_no_template_uses_lies_nearest_the_one_it_means(vectors, word, meant):
    among = ["pause", "breathing", "forget", "hug", "thanks", "continue", "walk", "question", "stop", "help"]
    assert nearest(vectors, word, among) == meant


def test_a_sentence_vector_is_unit_length_and_any_word_has_one(vectors):
    v = vectors.sentence(["hold", "each", "other", "a", "while", "zxqvbn"])
    assert v.shape == (vectors.dims,) and abs(float(np.linalg.norm(v)) - 1.0) < 1e-4
    assert not np.any(vectors.sentence([]))


def test_the_table_is_small_and_says_where_it_came_from():
    size = (FOLDER / "en" / "vectors.safetensors").stat().st_size
    assert size < 6_000_000
    notice = (FOLDER / "en" / "NOTICE").read_text(encoding="utf-8")
    assert "all-MiniLM-L6-v2" in notice and "Apache License, Version 2.0" in notice


def test_a_language_without_a_table_just_has_no_dense_features(tmp_path):
    assert WordVectors.for_language("xx", root=tmp_path) is None


def test_reading_the_table_needs_no_torch():
    code = ("import sys; from assistant.understand.embeddings import WordVectors; "
            "WordVectors.for_language('en').sentence(['hug']); "
            "print(any(m.split('.')[0] in ('torch', 'transformers', 'model2vec') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("text, intent, allowed", [
    ("suspend the timer", "Pause", CONTROLS),
    ("erase the last entry", "ForgetThat", None),
    ("could we do the respiration exercise", "StartBreathing", None),
    ("i'd like a long embrace", "StartHug", None),
])
def test_requests_in_words_the_templates_never_use_are_understood(matcher, text, intent, allowed):
    u = matcher.match(text, allowed)
    assert isinstance(u, IntentMatch) and u.intent == intent


def test_calibration_recovers_an_overconfident_models_temperature():
    rng = np.random.default_rng(0)
    true = rng.normal(0, 1.5, size=(4000, 4))
    labels = np.array([rng.choice(4, p=np.exp(z) / np.exp(z).sum()) for z in true])
    fitted = fit_calibration(true * 2.0, labels, none=3)  # logits twice as confident as they should be
    assert abs(fitted.temperature - 2.0) <= 0.3
    assert fitted.held_out == 4000


def test_the_matcher_reports_its_calibration(matcher):
    assert matcher.calibration["held_out"] > 1000
    assert 0.3 <= matcher.calibration["temperature"] <= 4.0


def test_a_real_word_the_intents_never_use_is_not_respelt_into_one_they_do(vectors, matcher):
    assert vectors.is_word("movie") and not vectors.is_word("brethe")
    assert matcher.reader.read("pause the movie").words == ["pause", "the", "movie"]  # not "move"
    u = matcher.match("pause the movie")
    assert not (isinstance(u, IntentMatch) and not u.unsure), "pausing a film is said to the telly"
