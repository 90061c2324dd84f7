"""How the text benchmark judges a slot: by the words said, not by how they were punctuated."""

from __future__ import annotations

from bench.corpus import slots_right


def test_an_appreciation_read_without_the_apostrophe_that_ends_a_word_is_right() -> None:
    assert slots_right({"text": "you cookin'"}, {"text": "you cookin"})
    assert slots_right({"text": "You cookin' supper."}, {"text": "you cookin' supper"})


def test_an_appreciation_with_other_words_is_still_wrong() -> None:
    assert not slots_right({"text": "you cookin' supper"}, {"text": "you cookin"})
    assert not slots_right({"text": "you cooking"}, {"text": "you cookin"})


def test_a_number_slot_must_be_the_same_number() -> None:
    assert slots_right({"seconds": 90}, {"seconds": 90, "variant": "morning"})
    assert not slots_right({"seconds": 90}, {"seconds": 60})
    assert not slots_right({"rating": 4}, {})
