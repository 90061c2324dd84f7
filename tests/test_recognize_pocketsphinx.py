"""Spoken commands through pocketsphinx and the real matcher, end to end, with generated speech.

Speech is made by espeak-ng and flite (cached under tests/.cache), mixed with the barista set's
kitchen noise at 12 dB. Accuracy is asserted over the whole set (a floor, with the misses printed),
so one hard phrase does not hide the rest; the benchmark in bench/ reports the exact rate.
"""

from __future__ import annotations

import pytest

import audio_gen
from assistant.datafiles import intents_dir
from assistant.recognize.base import ListenMode
from assistant.understand.intents import load_intents
from assistant.understand.matcher import Matcher

pytestmark = pytest.mark.skipif(not audio_gen.available(), reason="espeak-ng or sox is not installed")

COMMANDS = [
    ("start our hug timer", "StartHug"),
    ("let's breathe together", "StartBreathing"),
    ("start the gratitude ritual", "StartGratitude"),
    ("let's do a check in", "StartCheckIn"),
    ("let's take a walk", "StartWalk"),
    ("let's hold hands", "HoldHands"),
    ("ask us a question", "AskQuestion"),
    ("stop", "Stop"),
    ("pause the timer", "Pause"),
    ("resume", "Resume"),
    ("how much time is left", "TimeLeft"),
    ("add thirty seconds", "AddTime"),
    ("next one", "Next"),
    ("repeat that", "Repeat"),
]
UNRELATED = ["pass the salt please", "it is going to rain all afternoon tomorrow"]
VOICE = "flite:rms"
FLOOR = {None: 0.85, 12: 0.7}
"""Below the issue's 95 % target on purpose: these floors catch regressions; raise them as the
engine improves (measured 2026-11-25 with flite rms: clean 93-100 %, 12 dB 79 %)."""


@pytest.fixture(scope="module")
def intent_set():
    return load_intents(intents_dir())


@pytest.fixture(scope="module")
def matcher(intent_set):
    return Matcher(intent_set)


@pytest.fixture(scope="module")
def recognizer(intent_set):
    from assistant.recognize.pocketsphinx_engine import PocketsphinxRecognizer

    engine = PocketsphinxRecognizer(intent_set)
    yield engine
    engine.close()


def understood(recognizer, matcher, samples, mode=ListenMode()):
    transcript = recognizer.transcribe(samples, mode)
    if not transcript.text:
        return transcript, None
    result = matcher.match(transcript.text, mode.intents)  # n-best matching adds false accepts
    if getattr(result, "unsure", False):  # an unsure match is at most a question, never an action
        return transcript, None
    return transcript, getattr(result, "intent", None)


def test_the_sample_phrases_are_commands_as_text(matcher):
    for text, intent in COMMANDS:
        assert getattr(matcher.match(text), "intent", None) == intent, text


@pytest.mark.parametrize("snr", [None, 12], ids=["clean", "12dB"])
def test_ritual_starters_and_controls_are_understood_from_speech(recognizer, matcher, snr):
    if not audio_gen.available(VOICE):
        pytest.skip("flite is not installed")
    misses = []
    for text, intent in COMMANDS:
        transcript, got = understood(recognizer, matcher, audio_gen.speech(text, VOICE, snr))
        if got != intent:
            misses.append(f"{text!r} heard {transcript.text!r} -> {got}")
    rate = 1 - len(misses) / len(COMMANDS)
    print(f"pocketsphinx {VOICE} {snr or 'clean'}: {rate:.0%} understood; misses: {misses}")
    assert rate >= FLOOR[snr], misses


def test_kitchen_noise_alone_means_no_intent(recognizer, matcher):
    for offset in (3.0, 40.0, 90.0):
        noise = audio_gen.noise_clip(2.5, offset)
        assert understood(recognizer, matcher, noise)[1] is None


def test_unrelated_talk_in_the_full_command_set_means_no_intent(recognizer, matcher):
    heard = {text: understood(recognizer, matcher, audio_gen.speech(text, VOICE, 12))
             for text in UNRELATED}
    assert all(intent is None for _, intent in heard.values()), heard


def test_free_text_mode_transcribes_a_thanks_roughly(recognizer):
    transcript = recognizer.transcribe(audio_gen.speech("thank you for making dinner", "flite:rms"),
                                       ListenMode(free_text=True))
    assert transcript.text and not transcript.woke
    assert {"thank", "you", "dinner"} & set(transcript.text.split())


def test_without_free_answers_at_load_the_general_decoder_is_built_when_one_comes(intent_set):
    """The combination hears free answers with Whisper: pocketsphinx's 90 MB general decoder waits until asked."""
    from assistant.recognize.pocketsphinx_engine import PocketsphinxRecognizer

    engine = PocketsphinxRecognizer(intent_set, free_text=False)
    try:
        assert engine._free_thread is None
        transcript = engine.transcribe(audio_gen.speech("thank you for making dinner", "flite:rms"),
                                       ListenMode(free_text=True))
        assert {"thank", "you", "dinner"} & set(transcript.text.split())
    finally:
        engine.close()


def test_a_session_fed_in_pieces_gives_the_same_words_as_one_call(recognizer):
    samples = audio_gen.speech("how much time is left", VOICE)
    whole = recognizer.transcribe(samples)
    session = recognizer.session(ListenMode())
    for start in range(0, len(samples), 1600):
        session.accept(samples[start:start + 1600])
    assert session.finish().text == whole.text


def test_a_damaged_cached_model_file_is_built_again(tmp_path):
    from assistant.recognize.model_cache import cached_text

    path = tmp_path / "cmd-all.arpa"
    path.write_text("\\data\\\nngram 1=")  # cut short, as by a crash mid-write
    built = []
    cached_text(path, lambda: built.append(1) or "\\data\\\n\\end\\\n", lambda t: t.rstrip().endswith("\\end\\"))
    cached_text(path, lambda: built.append(1) or "never", lambda t: t.rstrip().endswith("\\end\\"))
    assert built == [1] and path.read_text().endswith("\\end\\\n")


def test_the_cache_key_changes_when_an_intents_file_changes(tmp_path):
    from assistant.recognize.model_cache import files_key

    intents = tmp_path / "home.yaml"
    intents.write_text("language: en\n")
    before = files_key([intents], [])
    intents.write_text("language: en\nintents: {}\n")
    assert files_key([intents], []) != before


def test_an_utterance_gives_the_same_words_whatever_was_heard_before_it(recognizer):
    # In a kitchen the utterance before a command is anything: Tandem's own voice, talk, a kettle. The words
    # heard must not depend on it (the front end's dither stream and noise estimates ran on between utterances).
    commands = ["start a two minute hug", "how much time is left", "pause the breathing", "skip this one"]
    before = [audio_gen.speech(text, VOICE, snr_db=6, offset=3.0 + i) for i, text in
              enumerate(["the pasta needs another minute", "did you feed the cat", "turn the music down"])]
    for i, text in enumerate(commands):
        samples = audio_gen.speech(text, VOICE, snr_db=12, offset=float(i))
        heard = set()
        for other in before:
            recognizer.transcribe(other)
            transcript = recognizer.transcribe(samples)
            heard.add((transcript.text, transcript.alternatives))
        assert len(heard) == 1, (text, heard)
