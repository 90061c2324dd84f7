"""What the open-vocabulary engine is given comes from any intents folder: its prompt, the slot values
it may have confused with a near neighbour."""

from __future__ import annotations

from pathlib import Path

from assistant.datafiles import intents_dir
from assistant.recognize.neighbours import SlotPhrases
from assistant.recognize.prompt import hybrid_prompt
from assistant.understand.intents import load_intents

BARISTA_INTENTS = Path(__file__).resolve().parent.parent / "bench" / "barista" / "intents"


def test_the_prompt_carries_the_wake_phrase_example_sentences_and_every_kind_of_slot_value():
    coffee = hybrid_prompt(load_intents(BARISTA_INTENTS), "hey tandem").lower()
    assert coffee.startswith("hey tandem.")
    for value in ("iced mocha", "triple shot", "skim milk", "twenty ounce", "dark roast"):
        assert value in coffee
    tandem = hybrid_prompt(load_intents(intents_dir()), "hey tandem").lower()
    assert "a minute and a half" in tandem and "americano" not in tandem



def test_each_intent_is_shown_to_whisper_by_its_most_typical_sentence_not_an_odd_expansion():
    tandem = load_intents(intents_dir())
    typical = hybrid_prompt(tandem, "hey tandem").lower()
    assert "hug me." in typical and "a coffee hugs" not in typical
    nearest = hybrid_prompt(tandem, "hey tandem", typical=False).lower()  # what the wake path keeps
    assert nearest.startswith("hey tandem.") and "a coffee hugs" in nearest


def test_a_typical_sentence_is_not_a_long_order_that_crowds_slot_values_out_of_the_prompt():
    # the barista's most typical sample is a 13-word order; its words left no room for "iced mocha with a bit of
    # milk", and Whisper wrote "a bitter almond milk"
    barista = load_intents(BARISTA_INTENTS)
    prompt = hybrid_prompt(barista, "hey tandem").lower()
    assert "iced mocha with a bit of milk." in prompt
    assert "little bit of sugar" not in prompt

def test_a_misheard_number_gets_its_sound_alike_as_a_candidate():
    phrases = SlotPhrases(load_intents(intents_dir()))
    assert "start a ninety second hug" in phrases.variants("start a nineteen second hug")


def test_a_slot_value_heard_a_little_wrong_is_offered_as_the_listed_value():
    phrases = SlotPhrases(load_intents(BARISTA_INTENTS))
    variants = phrases.variants("can i get a double shot ice mocha with a bit of skin milk", limit=20)
    assert "can i get a double shot iced mocha with a bit of skin milk" in variants
    assert "can i get a double shot ice mocha with a bit of skim milk" in variants
    assert "can i get a triple shot ice mocha with a bit of skin milk" in variants
    assert all("for" not in v.split() or "four" not in v.split() for v in variants)


def test_a_number_heard_as_its_homophone_before_a_unit_is_offered_as_the_number():
    phrases = SlotPhrases(load_intents(intents_dir()))
    assert {"minutes", "seconds", "stars"} <= phrases.units  # read from the templates, after their numbers
    assert phrases.variants("rest breathing for minutes")[0] == "rest breathing four minutes"
    assert "add two minutes" in phrases.variants("add to minutes")
    # only where no number is said: "for five minutes" and "time for a minute" keep their "for"
    assert phrases.numbers_before_units("go for five minutes".split()) == []
    assert phrases.numbers_before_units("time for a minute".split()) == []
    assert SlotPhrases(load_intents(BARISTA_INTENTS)).numbers_before_units("a latte for me".split()) == []
