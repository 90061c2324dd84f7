"""The vosk recognizer: clear errors without a model, grammars from the intents, speech with one.

The error paths and the grammar built from `intents/` are tested everywhere. Tests that decode
speech need a vosk model and skip with the reason when none is installed (set
TANDEM_VOSK_MODEL=DIR to use one from elsewhere).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from assistant.datafiles import intents_dir
from assistant.errors import ModelError
from assistant.messages import IntentMatch
from assistant.recognize.base import ListenMode
from assistant.recognize.models import installed_vosk_model
from assistant.recognize.vosk_engine import (
    PhraseGrammar,
    VoskRecognizer,
    _parse,
    read_vocabulary,
    supports_grammar,
    transcript_of,
)
from assistant.understand.intents import load_intents
from assistant.understand.matcher import Matcher

WAKE = "hey tandem"
RITUAL_ANSWERS = frozenset({"Stop", "Next", "Repeat", "TimeLeft", "Pause", "Resume"})


@pytest.fixture(scope="module")
def intent_set():
    return load_intents(intents_dir())


def everything(word: str) -> bool:
    return True


# -- a model that is not there --------------------------------------------------------------------

@pytest.mark.parametrize("setup, problem", [
    (lambda p: None, "does not exist"),
    (lambda p: p.mkdir(), "is empty"),
    (lambda p: (p.mkdir(), (p / "notes.txt").write_text("hi")), "is not a vosk model"),
    (lambda p: p.write_text("a file"), "is not a folder"),
])
def test_a_missing_or_empty_model_folder_names_the_folder_and_the_fix(tmp_path, intent_set, setup, problem):
    folder = tmp_path / "vosk-model"
    setup(folder)
    with pytest.raises(ModelError) as caught:
        VoskRecognizer(folder, intent_set, WAKE)
    assert str(folder) in caught.value.what and problem in caught.value.what
    assert "tandem model download" in caught.value.fix and "--model" in caught.value.fix


def test_a_damaged_model_is_reported_with_vosks_reason_not_its_log(tmp_path, intent_set, capfd):
    folder = tmp_path / "vosk-model"
    (folder / "am").mkdir(parents=True)
    (folder / "conf").mkdir()
    (folder / "am" / "final.mdl").write_bytes(b"not a kaldi model")
    (folder / "conf" / "model.conf").write_text("")
    with pytest.raises(ModelError) as caught:
        VoskRecognizer(folder, intent_set, WAKE)
    assert str(folder) in caught.value.what and "does not load" in caught.value.what
    assert "tandem model download" in caught.value.fix
    assert "ERROR (VoskAPI" not in capfd.readouterr().err


# -- grammars from the intents ---------------------------------------------------------------------

def test_the_wake_grammar_puts_the_wake_phrase_before_every_command(intent_set):
    grammar = PhraseGrammar(intent_set, WAKE, everything)
    phrases = grammar.phrases(ListenMode(wake=True, intents=None, free_text=False))
    assert WAKE in phrases
    assert all(p == WAKE or p.startswith(WAKE + " ") for p in phrases)
    assert len(phrases) == len(set(phrases))
    assert "hey tandem stop" in phrases


def test_every_intent_can_be_heard_through_the_full_grammar(intent_set):
    grammar = PhraseGrammar(intent_set, WAKE, everything)
    matcher = Matcher(intent_set)
    heard = set(grammar.command_phrases())
    for name in intent_set.names:
        own = grammar.command_phrases([name])
        assert own, f"{name} has no phrase in the vosk grammar"
        assert set(own) <= heard
    assert isinstance(matcher.match("start our hug timer"), IntentMatch)


def test_a_ritual_waiting_for_answers_hears_only_its_intents_with_or_without_the_wake_phrase(intent_set):
    grammar = PhraseGrammar(intent_set, WAKE, everything)
    matcher = Matcher(intent_set)
    phrases = grammar.phrases(ListenMode(wake=False, intents=RITUAL_ANSWERS, free_text=False))
    commands = [p for p in phrases if not p.startswith(WAKE + " ")]
    assert {f"{WAKE} {p}" for p in commands} <= set(phrases)
    wrong = [(p, getattr(matcher.match(p, allowed=RITUAL_ANSWERS), "intent", None)) for p in commands]
    wrong = [(p, got) for p, got in wrong if got not in RITUAL_ANSWERS]
    assert len(wrong) <= len(commands) // 50, wrong[:10]


def test_grammars_are_cached_per_intents_and_wake(intent_set):
    grammar = PhraseGrammar(intent_set, WAKE, everything)
    stop = ListenMode(wake=False, intents=frozenset({"Stop"}), free_text=False)
    assert grammar.phrases(stop) is grammar.phrases(ListenMode(wake=False, intents=frozenset({"Stop"}), free_text=False))
    assert grammar.phrases(stop) != grammar.phrases(ListenMode(wake=True, intents=frozenset({"Stop"}), free_text=False))


def test_words_the_model_lacks_drop_their_sentences_and_are_reported_once(intent_set, caplog):
    vocabulary = {w for p in PhraseGrammar(intent_set, WAKE, everything).command_phrases() for w in p.split()}
    vocabulary |= set(WAKE.split())
    vocabulary -= {"halt", "abort"}
    grammar = PhraseGrammar(intent_set, WAKE, vocabulary.__contains__, "the test model")
    with caplog.at_level(logging.WARNING, logger="assistant.recognize.vosk_engine"):
        stop = grammar.command_phrases(["Stop"])
        grammar.command_phrases(["Stop"])
        grammar.phrases(ListenMode(wake=True, intents=None, free_text=False))
    assert stop and not any({"halt", "abort"} & set(p.split()) for p in stop)
    assert "stop" in stop
    warnings = [r.getMessage() for r in caplog.records if "does not know" in r.getMessage()]
    assert len(warnings) == 1
    assert "abort, halt" in warnings[0] and str(intent_set.folder) in warnings[0]


def test_the_vocabulary_is_read_from_words_txt_when_the_model_has_one(tmp_path):
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "words.txt").write_text("<eps> 0\nhey 1\ntandem 2\n[unk] 3\n")
    assert read_vocabulary(tmp_path) == frozenset({"<eps>", "hey", "tandem", "[unk]"})
    assert read_vocabulary(tmp_path / "elsewhere") is None


def test_a_model_with_a_static_graph_decodes_without_grammar(tmp_path):
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "HCLG.fst").write_bytes(b"")
    assert not supports_grammar(tmp_path)
    (tmp_path / "graph" / "HCLr.fst").write_bytes(b"")
    (tmp_path / "graph" / "Gr.fst").write_bytes(b"")
    assert supports_grammar(tmp_path)


# -- reading vosk's results ------------------------------------------------------------------------

def nbest(*texts_and_scores: tuple[str, float]) -> dict:
    return _parse(json.dumps({"alternatives": [{"text": t, "confidence": c} for t, c in texts_and_scores]}))


def test_the_wake_phrase_is_stripped_and_marks_the_transcript_as_woken():
    t = transcript_of([nbest(("hey tandem start our hug timer", 120.0), ("hey tandem start a hug timer", 119.0))], WAKE)
    assert t.woke and t.text == "start our hug timer"
    assert t.alternatives == ("start a hug timer",)
    assert 0.5 < t.confidence < 1.0


def test_the_wake_phrase_alone_wakes_with_no_command():
    t = transcript_of([nbest(("hey tandem", 80.0))], WAKE)
    assert t.woke and t.text == "" and t.confidence == 1.0


def test_speech_that_does_not_begin_with_the_wake_phrase_does_not_wake():
    t = transcript_of([nbest(("start our hug timer", 90.0))], WAKE)
    assert not t.woke and t.text == "start our hug timer"


def test_unknown_speech_gives_empty_text():
    t = transcript_of([nbest(("[unk]", 50.0), ("[unk] [unk]", 49.0))], WAKE)
    assert t.text == "" and not t.woke and t.alternatives == ()
    assert transcript_of([nbest(("hey tandem [unk]", 60.0))], WAKE).text == ""


def test_an_utterance_split_at_a_pause_is_joined():
    t = transcript_of([nbest(("hey tandem", 70.0)), nbest(("", 10.0)), nbest(("stop", 40.0), ("stop it", 39.0))], WAKE)
    assert t.woke and t.text == "stop" and t.alternatives == ("stop it",)


def test_a_single_best_result_uses_word_confidences():
    parsed = _parse(json.dumps({"text": "next", "result": [{"word": "next", "conf": 0.8}]}))
    assert transcript_of([parsed], WAKE).confidence == pytest.approx(0.8)


# -- with a real model -----------------------------------------------------------------------------

def _model_dir() -> Path | None:
    given = os.environ.get("TANDEM_VOSK_MODEL")
    return Path(given) if given else installed_vosk_model()


needs_model = pytest.mark.skipif(_model_dir() is None, reason="no vosk model installed: run `tandem model download`")


@pytest.fixture(scope="module")
def recognizer(intent_set):
    return VoskRecognizer(_model_dir(), intent_set, WAKE)


def hear(recognizer, mode, text):
    import audio_gen

    if not audio_gen.available():
        pytest.skip("espeak-ng and sox are needed to make test speech")
    samples = audio_gen.speech(text)
    session = recognizer.session(mode)
    for start in range(0, len(samples), 1600):
        session.accept(samples[start:start + 1600])
    return session.finish()


@needs_model
def test_a_spoken_command_after_the_wake_phrase_is_understood(recognizer, intent_set):
    t = hear(recognizer, ListenMode(wake=True, intents=None, free_text=False), "hey tandem, start our hug timer")
    assert t.woke and t.engine == "vosk"
    result = Matcher(intent_set).match_best([t.text, *t.alternatives])
    assert isinstance(result, IntentMatch) and result.intent == "StartHug"


@needs_model
def test_the_wake_phrase_alone_opens_a_listening_window(recognizer):
    t = hear(recognizer, ListenMode(wake=True, intents=None, free_text=False), "hey tandem")
    assert t.woke and t.text == ""


@needs_model
def test_stop_is_heard_without_the_wake_phrase_while_a_ritual_waits(recognizer, intent_set):
    t = hear(recognizer, ListenMode(wake=False, intents=RITUAL_ANSWERS, free_text=False), "stop")
    result = Matcher(intent_set).match_best([t.text, *t.alternatives], allowed=RITUAL_ANSWERS)
    assert isinstance(result, IntentMatch) and result.intent == "Stop"


@needs_model
def test_kitchen_talk_does_not_wake(recognizer):
    t = hear(recognizer, ListenMode(wake=True, intents=None, free_text=False), "could you pass the salt please")
    assert not t.woke


@needs_model
def test_free_answers_use_the_open_vocabulary(recognizer):
    t = hear(recognizer, ListenMode(wake=False, intents=None, free_text=True), "thank you for making dinner")
    assert "thank" in t.text


@needs_model
def test_decoders_are_reused_utterance_after_utterance(recognizer):
    mode = ListenMode(wake=False, intents=frozenset({"Stop"}), free_text=False)
    first = recognizer.session(mode)
    first.finish()
    second = recognizer.session(mode)
    assert second._recognizer is not None
    second.finish()
    assert len(recognizer._idle[(frozenset({"Stop"}), False)]) == 1
