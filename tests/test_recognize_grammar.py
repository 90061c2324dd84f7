"""The speech grammar compiled from the intents: rule references, dictionary gaps, automata, LM."""

from __future__ import annotations

import logging
import textwrap

import pytest
from hassil import Intents

from assistant.recognize.fsg import jsgf_to_graph
from assistant.recognize.grammar import GrammarCompiler, normalize_words, trie_alternatives
from assistant.recognize.lm import arpa

YAML = textwrap.dedent("""
    language: en
    intents:
      StartHug:
        data:
          - sentences:
              - "<start> [our] [{seconds} second] hug[s] [timer]"
      Stop:
        data:
          - sentences:
              - "(stop|cancel) [it]"
      Note:
        data:
          - sentences:
              - "i appreciate {text}"
            lists:
              text:
                wildcard: true
    lists:
      seconds:
        range: {from: 20, to: 90}
    expansion_rules:
      start: "(start|begin|let's have)"
    skip_words: ["please"]
""")


@pytest.fixture
def intents(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(YAML)
    return Intents.from_files([path])


def test_expansion_rules_and_lists_become_rules_that_sentences_refer_to(intents):
    jsgf = GrammarCompiler(intents).compile().jsgf
    assert "<rule_global_start> = (start | begin | let's have);" in jsgf
    assert jsgf.count("twenty") == 1  # the number list is written once, prefix-shared
    assert "<list_global_seconds>" in jsgf and "hug" in jsgf and "hugs" in jsgf


def test_the_compiled_graph_accepts_what_the_templates_say_and_nothing_else(intents):
    graph = jsgf_to_graph(GrammarCompiler(intents).compile(wake_phrase="hey tandem", wake_optional=True).jsgf)
    for text in ["start our ninety second hug timer", "let's have hugs", "please stop it",
                 "hey tandem cancel", "hey tandem", "begin twenty one second hug"]:
        assert graph.accepts(text.split()), text
    for text in ["start our hug stop", "ninety second hug", "i appreciate dinner", "hey"]:
        assert not graph.accepts(text.split()), text


def test_a_subset_of_intents_and_a_required_wake_phrase(intents):
    graph = jsgf_to_graph(GrammarCompiler(intents).compile({"Stop"}, wake_phrase="hey tandem").jsgf)
    assert graph.accepts("hey tandem stop".split())
    assert not graph.accepts("stop".split())
    assert not graph.accepts("hey tandem begin hug".split())


def test_words_missing_from_the_dictionary_are_reported_once_and_left_out(intents, caplog):
    compiler = GrammarCompiler(intents, has_word=lambda w: w != "cancel", source="mini-intents")
    with caplog.at_level(logging.WARNING):
        first = compiler.compile()
        compiler.compile()
    assert first.missing_words == {"cancel"} and "cancel" not in first.jsgf
    warnings = [r.getMessage() for r in caplog.records if "cancel" in r.getMessage()]
    assert len(warnings) == 1 and "mini-intents" in warnings[0]


def test_numbers_and_spelling_are_normalised_like_a_dictionary():
    assert normalize_words("Let's start a 90-second HUG!") == "let's start a ninety second hug"
    assert trie_alternatives(["twenty one", "twenty two", "twenty"]) == "twenty [one | two]"


def test_the_real_intents_compile_to_a_grammar_pocketsphinx_accepts():
    pocketsphinx = pytest.importorskip("pocketsphinx")
    from assistant.datafiles import intents_dir
    from assistant.understand.intents import load_intents

    decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    grammar = GrammarCompiler(load_intents(intents_dir()), lambda w: decoder.lookup_word(w) is not None)
    decoder.add_jsgf_string("commands", grammar.compile(wake_phrase="hey tandem", wake_optional=True).jsgf)


def test_the_sentence_language_model_is_valid_arpa(tmp_path):
    pocketsphinx = pytest.importorskip("pocketsphinx")
    path = tmp_path / "t.arpa"
    path.write_text(arpa(["start our hug", "stop", "stop it", "hey tandem stop"]))
    decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    decoder.add_lm_file("t", str(path))


def test_adding_an_intent_leaves_the_other_intents_language_model_sentences_alone(tmp_path):
    """Intents are data: a new phrasing must not re-sample (and so move) the recognizer for the rest."""
    import shutil
    from collections import Counter

    from assistant.datafiles import intents_dir
    from assistant.recognize.lm import lm_sentences
    from assistant.understand.intents import load_intents

    folder = tmp_path / "en"
    shutil.copytree(intents_dir(), folder)
    before = load_intents(folder)
    extra = folder / "_aa_fun.yaml"  # read first, so every template after it moves along
    extra.write_text(textwrap.dedent("""\
        language: en
        intents:
          TellJoke:
            data:
              - sentences:
                  - "tell me a joke"
                  - "sing (a|us a) song"
        """), encoding="utf-8")
    after = load_intents(folder)

    def weights(intent_set) -> Counter:
        counts: Counter = Counter()
        for text, weight in lm_sentences(intent_set, intents=set(before.names)):
            counts[text] += weight
        return counts

    assert weights(after) == weights(before)
