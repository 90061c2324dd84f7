"""pocketsphinx's command words spliced into Whisper's sentence, from any intents folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.datafiles import intents_dir
from assistant.recognize.splice import Splicer
from assistant.understand.intents import load_intents

BARISTA_INTENTS = Path(__file__).resolve().parent.parent / "bench" / "barista" / "intents"


@pytest.fixture(scope="module")
def tandem() -> Splicer:
    return Splicer(load_intents(intents_dir()))


def test_a_command_word_whisper_lost_is_put_back_into_its_sentence(tandem):
    whisper = "i'm feeling disconnected can we start a herd"
    sphinx = "time to going this two minutes to can we start the hug"
    assert "i'm feeling disconnected can we start the hug" in tandem.splices(whisper, sphinx)


def test_words_that_bring_no_command_word_are_left_as_whisper_wrote_them(tandem):
    assert tandem.splices("pass the salt please", "pass the salt please") == []
    assert all("kettle" in s for s in tandem.splices("put the kettle on mary", "go on there"))


def test_each_stretch_alone_then_all_together_but_never_an_engine_s_own_words(tandem):
    assert tandem.splices("a hip time or start the hip time", "hug timer start the timer", limit=5) == [
        "hug timer start the hip time", "a hip time or start the timer"]  # both together: pocketsphinx's own
    assert tandem.splices("babe start a herd then some deep breeding", "start the hug then some deep breathing",
                          limit=5) == ["babe start the hug then some deep breeding",
                                       "babe start a herd then some deep breathing",
                                       "babe start the hug then some deep breathing"]


def test_the_command_words_come_from_whichever_intents_are_loaded():
    coffee = Splicer(load_intents(BARISTA_INTENTS))
    assert "mocha" in coffee.key_words and "hug" not in coffee.key_words
    assert "can i get a large mocha" in coffee.splices("can i get a large moka", "a large mocha")
