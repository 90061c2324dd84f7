"""A recognizer wrapped by the wake model's gate or by the rooms' shared engine is judged on its own scale.

Engines' confidences differ (Whisper's 0.48 is a sure reading, pocketsphinx's is not): a wrapper that kept the
base class's bar made the loop take "hey tandem, start our hug timer" for a bare wake phrase.
"""

from __future__ import annotations

from assistant.datafiles import intents_dir
from assistant.recognize.select import load_recognizer
from assistant.rooms.recognizer import SharedRecognizer
from assistant.understand.intents import load_intents
from assistant.wake.fused import GatedRecognizer, WakeGate


def test_the_wake_model_in_front_keeps_whispers_own_bar_for_the_command_after_the_phrase():
    whisper = load_recognizer("whisper", load_intents(intents_dir()))
    assert whisper.trusted_confidence is not None  # Whisper's confidences are on their own scale
    gated = GatedRecognizer(whisper, WakeGate())
    assert (gated.trusted_confidence, gated.name, gated.notice) == (
        whisper.trusted_confidence, whisper.name, whisper.notice)
    gated.close()


def test_every_room_hears_with_the_shared_engines_own_bar():
    whisper = load_recognizer("whisper", load_intents(intents_dir()))
    shared = SharedRecognizer(whisper)
    assert (shared.trusted_confidence, shared.name) == (whisper.trusted_confidence, whisper.name)
    shared.close()
