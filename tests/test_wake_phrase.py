"""The wake phrase, from text and from generated speech through pocketsphinx."""

from __future__ import annotations

import pytest

import audio_gen
from assistant.datafiles import intents_dir
from assistant.understand.intents import load_intents
from assistant.understand.matcher import Matcher
from assistant.wake.detector import WakeDetector, split_wake

VOICE = "flite:rms"
ORDINARY = [
    "pass the salt please",
    "did you remember to call your mother",
    "i can't stop thinking about the weekend",
]


def test_a_typed_wake_phrase_is_split_from_the_command():
    assert split_wake("Hey Tandem, start our hug timer!") == split_wake("hey tandem start our hug timer")
    result = split_wake("Hey, Tandem: start our hug timer")
    assert result.woke and result.command == "start our hug timer"
    assert split_wake("hey tandem").woke and split_wake("hey tandem").command == ""
    assert not split_wake("start our hug timer").woke
    assert split_wake("ok computer stop", phrase="ok computer").command == "stop"


@pytest.fixture(scope="module")
def detector():
    if not audio_gen.available(VOICE):
        pytest.skip("flite or sox is not installed")
    from assistant.recognize.pocketsphinx_engine import PocketsphinxRecognizer

    intent_set = load_intents(intents_dir())
    engine = PocketsphinxRecognizer(intent_set)
    yield WakeDetector(engine), Matcher(intent_set)
    engine.close()


def test_hey_tandem_start_our_hug_timer_wakes_and_starts_a_hug(detector):
    wake, matcher = detector
    transcript = wake.check(audio_gen.speech("hey tandem, start our hug timer", VOICE))
    assert transcript.woke
    assert getattr(matcher.match(transcript.text), "intent", None) == "StartHug", transcript


def test_the_wake_phrase_alone_wakes_with_no_command(detector):
    wake, _ = detector
    transcript = wake.check(audio_gen.speech("hey tandem", VOICE))
    assert transcript.woke and transcript.text == ""


def test_ordinary_speech_does_not_wake(detector):
    wake, _ = detector
    woke = [text for text in ORDINARY if wake.check(audio_gen.speech(text, VOICE, 12)).woke]
    assert woke == []


@pytest.mark.xfail(reason="known gap: the word 'tandem' inside ordinary speech can still wake", strict=False)
def test_a_sentence_with_the_word_tandem_in_it_does_not_wake(detector):
    wake, _ = detector
    assert not wake.check(audio_gen.speech("the tandem bike needs new tyres", VOICE, 12)).woke
