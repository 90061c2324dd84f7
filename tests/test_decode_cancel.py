"""A decode begun at a pause and dropped when the person speaks on stops early and leaves the engines ready."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from assistant.datafiles import intents_dir
from assistant.recognize.base import ListenMode
from assistant.recognize.whisper_model import whisper_status
from assistant.understand.intents import load_intents
from assistant.understand.matcher import Matcher

needs_model = pytest.mark.skipif(not whisper_status().usable, reason="the Whisper model package is not installed")


class _Session:
    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.release = threading.Event()

    def finish(self):
        self.release.wait(5)
        if self.cancelled.is_set():
            raise RuntimeError("cancelled")
        return "words"

    def cancel(self) -> None:
        self.cancelled.set()
        self.release.set()


def test_a_dropped_speculative_decode_is_told_to_stop():
    from assistant.loop.listen import _Speculation

    session = _Session()
    speculation = _Speculation(session, cut=16_000)
    error = speculation.drop().dropped()
    assert session.cancelled.is_set() and isinstance(error, RuntimeError)


@needs_model
def test_a_cancelled_decode_stops_before_whisper_and_the_next_one_hears_the_same_words():
    import audio_gen

    from assistant.recognize.combined import Cancelled
    from assistant.recognize.select import load_recognizer

    if not audio_gen.available("flite:slt"):
        pytest.skip("flite is needed to make test speech")
    intent_set = load_intents(intents_dir())
    combined = load_recognizer("combined", intent_set, matcher=Matcher(intent_set))
    if combined.name != "combined":
        pytest.skip(combined.notice)
    audio = np.asarray(audio_gen.speak("start a hug for two minutes", "flite:slt"), dtype=np.int16)
    whisper = combined.whisper
    decoded: list[int] = []
    real = whisper.decode
    whisper.decode = lambda samples, mode=ListenMode(): decoded.append(1) or real(samples, mode)
    try:
        session = combined.session(ListenMode())
        session.accept(audio)
        session.cancel()
        with pytest.raises(Cancelled):
            session.finish()
        assert decoded == []  # Whisper never began
        session = combined.session(ListenMode())
        session.accept(audio)
        transcript = session.finish()
    finally:
        whisper.decode = real
    assert decoded == [1]
    assert combined.matcher.match_best([transcript.text, *transcript.alternatives]).intent == "StartHug"
