"""Clean speech is heard at least as well as the same speech in kitchen noise (issue 11).

Digital silence around and between the words once made clean recordings score far below noisy
ones (the cepstral mean was dragged down by near-zero frames); the recognizer now lays a faint
microphone-like floor under the audio first (assistant/recognize/frontend.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import audio_gen
from assistant.datafiles import intents_dir
from assistant.recognize.frontend import add_noise_floor, loudest_frame_rms
from assistant.understand.intents import load_intents
from assistant.understand.matcher import Matcher

COMMANDS = [
    ("start our hug timer", "StartHug"), ("let's breathe together", "StartBreathing"),
    ("time for gratitude", "StartGratitude"), ("let's do a check in", "StartCheckIn"),
    ("let's take a walk", "StartWalk"), ("let's hold hands", "HoldHands"), ("ask us a question", "AskQuestion"),
    ("pause the timer", "Pause"), ("keep going", "Resume"), ("how much time is left", "TimeLeft"),
    ("add thirty seconds", "AddTime"), ("next one", "Next"), ("say that again", "Repeat"),
    ("skip this one", "Skip"), ("how did we do this week", "WeekSummary"), ("whose turn is it", "WhoseTurn"),
]
VOICES = ("en-us", "en-gb+m3")


def test_the_floor_is_faint_seeded_and_fills_digital_silence():
    speech = np.concatenate([np.zeros(8000), 8000 * np.sin(np.arange(8000) / 5), np.zeros(8000)]).astype(np.int16)
    floored = add_noise_floor(speech)
    assert np.array_equal(floored, add_noise_floor(speech))  # the same audio decodes the same way
    silence = floored[:8000].astype(float)
    assert np.all(silence[:320] != 0) or np.count_nonzero(silence) > 7000
    below = 20 * np.log10(loudest_frame_rms(speech) / np.sqrt(np.mean(silence ** 2)))
    assert 37 < below < 43
    assert np.max(np.abs(floored[8000:16000].astype(int) - speech[8000:16000])) < 1000


@pytest.mark.slow
@pytest.mark.skipif(not audio_gen.available(), reason="espeak-ng or sox is not installed")
def test_clean_commands_are_heard_at_least_as_well_as_at_24_db():
    from assistant.recognize.pocketsphinx_engine import PocketsphinxRecognizer

    intent_set = load_intents(intents_dir())
    matcher = Matcher(intent_set)
    recognizer = PocketsphinxRecognizer(intent_set)

    def rate(snr: float | None) -> float:
        right = 0
        for text, intent in COMMANDS:
            for voice in VOICES:
                t = recognizer.transcribe(audio_gen.speech(text, voice, snr))
                right += getattr(matcher.match_best([t.text, *t.alternatives]), "intent", None) == intent
        return right / (len(COMMANDS) * len(VOICES))

    clean, noisy = rate(None), rate(24)
    print(f"clean {clean:.0%}, 24 dB {noisy:.0%}")
    # 32 clips: one clip is 3 points and the matcher's own misreadings move either side by two or three, so
    # the bar is 10 points; the bug this guards against (digital silence) cost clean speech 30.
    assert clean >= noisy - 0.10, (clean, noisy)
