"""A stray word in a transcript does not lose the slot values that were said word for word."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.messages import IntentMatch
from assistant.understand.intents import load_intents
from assistant.understand.matcher import Matcher

BARISTA = Path(__file__).parent.parent / "bench" / "barista" / "intents"

TINY = """\
language: en
intents:
  Order:
    data:
      - sentences:
          - "[i want] [a] [{size}] {drink}"
  Play:
    data:
      - sentences:
          - "play {song}"
lists:
  size:
    values: ["small", "large"]
  drink:
    values: ["tea", "lemonade"]
  song:
    values: ["blue moon", "yellow submarine"]
"""


@pytest.fixture(scope="module")
def intent_set():
    return load_intents(BARISTA)


@pytest.fixture(scope="module")
def barista(intent_set):
    return Matcher(intent_set)


def test_a_stray_word_does_not_lose_the_size_and_the_roast_the_customer_said(barista):
    got = barista.match("can i get a large the dark roast latte")
    assert isinstance(got, IntentMatch) and got.method == "fuzzy"
    assert got.slots == {"size": "large", "roast": "dark roast", "coffeeDrink": "latte"}


def test_a_hesitation_between_two_slots_loses_neither(barista):
    got = barista.match("can i get a large um dark roast latte")
    assert isinstance(got, IntentMatch)
    assert got.slots == {"size": "large", "roast": "dark roast", "coffeeDrink": "latte"}


def test_a_stray_word_keeps_every_slot_of_a_long_order(barista):
    got = barista.match("can i get a large the latte with so lots of milk and sugar")
    assert isinstance(got, IntentMatch)
    assert got.slots == {"size": "large", "coffeeDrink": "latte", "milkAmount": "lots of milk",
                         "sugarAmount": "sugar"}


def test_a_value_alignment_read_is_not_replaced_by_another_value_of_the_same_slot(barista):
    got = barista.match("a medium so single shot espresso twenty ounce")
    assert isinstance(got, IntentMatch)
    assert got.slots["size"] == "medium"  # alignment's reading stands; the verbatim pass only fills gaps
    assert got.slots["numberOfShots"] == "single shot"


@pytest.mark.parametrize("stray", ["the", "so", "yeah"])
def test_a_stray_word_before_or_after_any_order_keeps_all_its_slots(intent_set, barista, stray):
    lost = []
    for sample in intent_set.samples:
        for text in (f"{stray} {sample.text}", f"{sample.text} {stray}"):
            got = barista.match(text)
            if isinstance(got, IntentMatch) and any(got.slots.get(k) != v for k, v in sample.slots.items()):
                lost.append((text, got.slots))
    assert not lost, lost[:5]


def test_every_order_said_exactly_keeps_all_its_slots(intent_set, barista):
    wrong = [s.text for s in intent_set.samples
             if not (isinstance(got := barista.match(s.text), IntentMatch) and got.method == "exact"
                     and got.slots == s.slots)]
    assert not wrong, wrong[:5]


def test_a_phrase_of_another_intents_list_never_becomes_a_slot(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY, encoding="utf-8")
    matcher = Matcher(load_intents(tmp_path), use_cache=False)
    got = matcher.match("i want a so large tea blue moon")
    assert isinstance(got, IntentMatch) and got.intent == "Order"
    assert got.slots == {"size": "large", "drink": "tea"}
