"""The wake model's gate costs a reply no more scoring than its decision needs, and decides as before.

When pocketsphinx's keyphrase spotter and Whisper both heard "hey tandem", the combined engine leaves its
wake test out; the gate in front (wake/fused.py) still weighs the real margin. It used to score every form
again (two batches, about 100 ms of every such reply on this machine): now the sentences the engine already
scored are kept, and a lower bound on the margin from one batch answers when it already wakes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.datafiles import intents_dir
from assistant.messages import Transcript
from assistant.recognize.base import ListenMode
from assistant.recognize.whisper_model import whisper_status
from assistant.understand.intents import load_intents
from assistant.wake.fused import GatedRecognizer, WakeGate, decide
from assistant.wake.verify import rivals as sound_alike_rivals

pytestmark = pytest.mark.skipif(not whisper_status().usable, reason="the Whisper model package is not installed")
WAKE = ListenMode(wake=True)


@pytest.fixture(scope="module")
def combined():
    from assistant.recognize.select import load_recognizer

    recognizer = load_recognizer("combined", load_intents(intents_dir()))
    if recognizer.name != "combined":
        pytest.skip(recognizer.notice)
    return recognizer


@pytest.fixture(scope="module")
def agreed_cue() -> np.ndarray:
    import audio_gen

    if not audio_gen.available("en-us"):
        pytest.skip("espeak-ng is needed to make test speech")
    # the latency benchmark's first cue: the spotter and Whisper's best reading both begin with "hey tandem"
    return audio_gen.speak("hey tandem, did we meet our minimums", "en-us", 160)


class Scored:
    """Counts the sentences Whisper scores while it is in place."""

    def __init__(self, whisper, monkeypatch) -> None:
        self.texts: list[str] = []
        real = whisper.score
        monkeypatch.setattr(whisper, "score", lambda encoded, texts, mode=ListenMode(), on_step=None:
                            self.texts.extend(texts) or real(encoded, texts, mode, on_step))


def gated_by(peak: float) -> WakeGate:
    """A gate whose model scored `peak` during the utterance (its scores as the loop's feeding leaves them)."""
    gate = WakeGate()
    gate.scores.extend([(0.5, peak)])
    gate.now = 1.0
    return gate


def hear(recognizer, audio: np.ndarray) -> Transcript:
    session = recognizer.session(WAKE)
    for i in range(0, len(audio), 1600):
        session.accept(audio[i:i + 1600])
    return session.finish()


def heard_through_the_gate(combined, audio: np.ndarray, peak: float, monkeypatch):
    """(what the engine alone heard, its exact wake test, how many sentences that test scores) and (what the
    gated engine heard, how many sentences Whisper scored after the engine's own finish)."""
    whole = Scored(combined.whisper, monkeypatch)
    transcript = hear(combined, audio)
    assert combined.last_wake.margin == math.inf  # the engine left its test out: both heard the phrase
    exact = combined.tested_wake(WAKE)  # what the gate used to pay for, every form scored
    alone = (transcript, exact, len(whole.texts))

    from assistant.recognize.combined import CombinedSession

    own_finish, by_engine = CombinedSession.finish, []

    def finish(session):
        result = own_finish(session)
        by_engine.append(len(gated.texts))  # what the engine scored itself, before the gate asks
        return result

    monkeypatch.setattr(CombinedSession, "finish", finish)
    gated = Scored(combined.whisper, monkeypatch)
    heard = hear(GatedRecognizer(combined, gated_by(peak)), audio)
    return alone, (heard, len(gated.texts) - by_engine[0])


def test_a_wake_both_engines_heard_costs_a_sure_gate_one_batch_of_forms_not_the_whole_test(combined, agreed_cue,
                                                                                              monkeypatch):
    (transcript, exact, full_test), (heard, scored) = heard_through_the_gate(combined, agreed_cue, 0.9, monkeypatch)
    # A sure peak with a lenient margin also asks the sound-alikes (verify.py `rivals`, from the sound-alikes
    # file beside the model: one batch of their own);
    # the forms with and without the phrase still take one batch, where the whole test takes two.
    rivals = len(sound_alike_rivals("hey tandem"))
    assert combined.whisper.settings.score_batch < full_test
    assert scored <= combined.whisper.settings.score_batch + rivals < full_test + rivals
    assert (heard.text, heard.woke) == (transcript.text, transcript.woke) and heard.woke
    assert decide(0.9, exact, transcript.woke)


def test_a_doubtful_gate_still_decides_on_the_exact_margin(combined, agreed_cue, monkeypatch):
    (transcript, exact, full_test), (heard, scored) = heard_through_the_gate(combined, agreed_cue, 0.3, monkeypatch)
    assert scored <= full_test  # the bound did not settle it: the rest of the forms, none twice
    assert heard.woke == decide(0.3, exact, transcript.woke)


def test_the_exact_margin_is_the_same_whatever_the_engine_scored_before(combined, agreed_cue, monkeypatch):
    hear(combined, agreed_cue)
    agreed, parts = combined.last_wake, combined.last_parts
    kept = dict(parts["scores"])
    parts["scores"] = {}
    fresh = combined.tested_wake(WAKE)
    combined.last_wake, parts["scores"] = agreed, kept
    lower = combined.tested_wake(WAKE, enough=lambda verdict: True)
    assert lower.margin <= fresh.margin  # a bound, never more than the truth
    again = combined.tested_wake(WAKE)  # the whole test after the bound: only the forms the bound left out
    assert again.margin == pytest.approx(fresh.margin, abs=1e-4) and again.woke == fresh.woke


def test_the_gates_decision_only_grows_with_the_margin():
    """What lets a lower bound answer: a margin enough to wake is enough however much larger it truly is."""
    from assistant.wake.verify import WakeVerdict

    for peak in np.linspace(0.0, 1.0, 21):
        for spotted in (False, True):
            woke = [decide(float(peak), WakeVerdict(True, m, spotted=spotted), True) for m in np.linspace(-40, 20, 121)]
            assert woke == sorted(woke), (peak, spotted)
