"""Loading intents folders: ours expands cleanly, broken ones fail at load naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.datafiles import intents_dir
from assistant.errors import DataError
from assistant.understand.intents import load_intents

CONTRACT = {
    "StartHug", "StartBreathing", "StartGratitude", "StartCheckIn", "StartWalk", "StartRepair", "HoldHands",
    "AskQuestion", "NoteAppreciation", "Stop", "Pause", "Resume", "TimeLeft", "AddTime", "Next", "Repeat",
    "Help", "Rate", "Yes", "No", "TodayStatus", "WeekSummary", "WhoseTurn", "Skip", "ForgetThat",
}

@pytest.fixture(scope="module")
def intent_set():
    return load_intents(intents_dir())


GOOD_COMMON = "language: en\nlists:\n  size:\n    values: [small, large]\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_contract_intent_is_defined(intent_set):
    assert CONTRACT <= set(intent_set.names)


def test_samples_carry_their_slots(intent_set):
    by_text = {(s.intent, s.text): s.slots for s in intent_set.samples}
    assert by_text[("StartHug", "morning hug")] == {"variant": "morning"}
    assert any(s.intent == "StartCheckIn" and s.slots.get("seconds") == 600 for s in intent_set.samples)
    assert any(s.intent == "Rate" and s.slots == {"rating": 5} for s in intent_set.samples)


def test_templates_use_spoken_words_only(intent_set):
    """The speech grammar is compiled from the same files: no digits, symbols or stray apostrophes."""
    words = intent_set.vocabulary()
    assert all(word.replace("'", "").isalpha() and word.strip("'") == word for word in words)


def test_a_yaml_syntax_error_names_the_file(tmp_path):
    write(tmp_path, "common.yaml", GOOD_COMMON)
    bad = write(tmp_path, "coffee.yaml", "language: en\nintents:\n  Order:\n    data:\n   - sentences: [x\n")
    with pytest.raises(DataError) as caught:
        load_intents(tmp_path)
    assert caught.value.path == str(bad)
    assert "YAML" in caught.value.problem


def test_a_template_syntax_error_names_the_file_and_sentence(tmp_path):
    bad = write(tmp_path, "coffee.yaml", GOOD_COMMON + "intents:\n  Order:\n    data:\n      - sentences:\n"
                "          - \"a (small|large coffee\"\n")
    with pytest.raises(DataError) as caught:
        load_intents(tmp_path)
    assert caught.value.path == str(bad)
    assert caught.value.key == "intents.Order.data[0].sentences[0]"


def test_an_undefined_list_is_named(tmp_path):
    write(tmp_path, "common.yaml", GOOD_COMMON)
    bad = write(tmp_path, "coffee.yaml", "language: en\nintents:\n  Order:\n    data:\n      - sentences:\n"
                "          - \"a {sise} coffee\"\n")
    with pytest.raises(DataError) as caught:
        load_intents(tmp_path)
    assert caught.value.path == str(bad)
    assert "{sise}" in caught.value.problem


def test_an_undefined_rule_is_named(tmp_path):
    bad = write(tmp_path, "coffee.yaml", GOOD_COMMON + "intents:\n  Order:\n    data:\n      - sentences:\n"
                "          - \"<polite> coffee\"\n")
    with pytest.raises(DataError) as caught:
        load_intents(tmp_path)
    assert "<polite>" in caught.value.problem and caught.value.path == str(bad)


ORDER = "intents:\n  Order:\n    data:\n      - sentences: [coffee]\n"


@pytest.mark.parametrize("body, key", [
    ("intents:\n  Order:\n    data:\n      - sentences: coffee\n", "intents.Order.data[0].sentences"),
    ("intents:\n  Order: [coffee]\n", "intents.Order"),
    (ORDER + "lists:\n  n:\n    range: {from: one, to: 5}\n", "lists.n.range.from"),
    (ORDER + "lists:\n  n:\n    range: {from: 5, to: 1}\n", "lists.n.range"),
    ("intents:\n  Yes:\n    data:\n      - sentences: [yes]\n", "intents.True"),
])
def test_wrong_types_are_named(tmp_path, body, key):
    write(tmp_path, "coffee.yaml", "language: en\n" + body)
    with pytest.raises(DataError) as caught:
        load_intents(tmp_path)
    assert caught.value.key == key


def test_a_list_defined_in_two_files_names_the_second(tmp_path):
    write(tmp_path, "a.yaml", GOOD_COMMON)
    bad = write(tmp_path, "b.yaml", GOOD_COMMON + ORDER)
    with pytest.raises(DataError) as caught:
        load_intents(tmp_path)
    assert caught.value.path == str(bad) and caught.value.key == "lists.size"


def test_a_file_that_is_not_a_mapping_is_named(tmp_path):
    bad = write(tmp_path, "a.yaml", "- just\n- a list\n")
    with pytest.raises(DataError) as caught:
        load_intents(tmp_path)
    assert caught.value.path == str(bad)


def test_an_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DataError):
        load_intents(tmp_path)


def test_our_folder_is_found_without_arguments():
    assert (intents_dir() / "_common.yaml").is_file()
