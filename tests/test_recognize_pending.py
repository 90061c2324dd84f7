"""An engine loading in the background: the microphone opens first, and nothing said meanwhile is lost.

Whisper alone opened the microphone 6 s after start (its weights and prompt loaded first); now it loads while
Tandem already listens, as the combination's Whisper half does.
"""

from __future__ import annotations

import threading

import pytest

import audio_gen
from assistant.datafiles import intents_dir
from assistant.errors import ModelError
from assistant.recognize.base import ListenMode
from assistant.recognize.pending import BackgroundRecognizer
from assistant.recognize.pocketsphinx_engine import PocketsphinxRecognizer
from assistant.understand.intents import load_intents

pytestmark = pytest.mark.skipif(not audio_gen.available(), reason="espeak-ng or sox is not installed")


@pytest.fixture(scope="module")
def pocketsphinx():
    engine = PocketsphinxRecognizer(load_intents(intents_dir()), free_text=False)
    yield engine
    engine.close()


def test_a_command_said_while_the_engine_loads_is_heard_once_it_is_ready(pocketsphinx):
    loaded = threading.Event()
    background = BackgroundRecognizer(lambda: (loaded.wait(), pocketsphinx)[1], PocketsphinxRecognizer,
                                      fallback=lambda: pytest.fail("the engine loaded: no fallback"))
    assert background.loading and background.name == "pocketsphinx"
    said = audio_gen.speak("pause the timer")
    session = background.session(ListenMode(wake=False))
    for start in range(0, len(said), 1600):  # the loop feeds 100 ms chunks while the engine still loads
        session.accept(said[start:start + 1600])
    loaded.set()
    heard = session.finish()
    assert heard.text == pocketsphinx.transcribe(said, ListenMode(wake=False)).text
    assert "pause" in heard.text
    assert not background.loading and background.session(ListenMode(wake=False)) is not None


def test_an_engine_that_fails_to_load_in_the_background_hands_over_to_pocketsphinx_and_says_so_once(pocketsphinx):
    def broken():
        raise ModelError("the Whisper model in /models/tiny.en cannot be loaded (truncated)",
                         "run `tandem model status`")

    notices: list[str] = []
    background = BackgroundRecognizer(broken, type("Whisperish", (), {"name": "whisper"}),
                                      fallback=lambda: pocketsphinx, on_notice=notices.append)
    background.wait_ready()
    said = audio_gen.speak("pause the timer")
    heard = background.transcribe(said, ListenMode(wake=False))
    background.transcribe(said, ListenMode(wake=False))
    assert "pause" in heard.text and background.name == "pocketsphinx"
    assert len(notices) == 1 and "/models/tiny.en" in notices[0] and "tandem model status" in notices[0]
    assert "listening with pocketsphinx" in background.notice
