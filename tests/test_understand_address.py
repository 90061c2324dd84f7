"""Who a sentence is said to, and the clause that carries the request: a request wrapped in chatter is
still read, talk to a child, a pet or another assistant starts nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.datafiles import intents_dir
from assistant.messages import IntentMatch
from assistant.understand.address import Addressees, clauses, halves, repeated_start
from assistant.understand.intents import load_intents
from assistant.understand.matcher import Matcher, first_clause

CHATTER = yaml.safe_load((Path(__file__).parent / "data" / "chatter.yaml").read_text(encoding="utf-8"))
CONTROLS = {"Stop", "Pause", "Resume", "TimeLeft", "AddTime", "Next", "Repeat", "Skip"}
RATING = {"Rate", "Skip", "No", "Stop", "Next"}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_intents(intents_dir()))


def acted_on(u) -> str | None:
    return u.intent if isinstance(u, IntentMatch) and not u.unsure else None


@pytest.mark.parametrize("case", CHATTER["wrapped"], ids=lambda c: c["text"])
def test_a_request_wrapped_in_chatter_is_still_read(matcher, case):
    assert acted_on(matcher.match(case["text"])) == case["intent"]


@pytest.mark.parametrize("case", CHATTER["elsewhere"], ids=lambda c: c["text"])
def test_talk_to_a_child_a_pet_or_another_assistant_starts_nothing(matcher, case):
    assert not isinstance(matcher.match(case["text"]), IntentMatch)
    assert not isinstance(matcher.match(case["text"], CONTROLS), IntentMatch)


def test_naming_tandem_makes_it_ours_even_beside_another_name(matcher):
    assert acted_on(matcher.match("Tandem, start a hug for me and Lily")) == "StartHug"


def test_a_capital_after_a_full_stop_is_no_name(matcher):
    """'Pause. Pager.' is a nurse pausing for her pager, not talk to someone called Pager."""
    assert acted_on(matcher.match("Pause. Pager.", CONTROLS)) == "Pause"


def test_a_lone_word_before_a_sentence_is_a_lead_in_not_the_request(matcher):
    """'Sorry?' alone asks Tandem to repeat; 'Sorry, I think ...' only opens a sentence."""
    assert acted_on(matcher.match("Sorry, I think that's the postman at the door", CONTROLS)) != "Repeat"
    assert acted_on(matcher.match("Sorry?", CONTROLS)) == "Repeat"


def test_clauses_are_cut_at_punctuation_and_joining_words():
    assert clauses("start a hug while I wipe the counter") == ["start a hug", "while I wipe the counter"]
    assert clauses("Could we breathe, Tandem? We're in bed.") == ["Could we breathe", "Tandem", "We're in bed"]
    assert clauses("hug") == ["hug"]


def test_a_command_said_twice_is_cut_from_the_reason_that_follows():
    assert repeated_start("pause pause he's climbing the bookshelf") == ("pause pause", 4)
    assert repeated_start("hang on hang on the door") == ("hang on hang on", 2)
    assert repeated_start("stop stop stop now") == ("stop stop stop", 1)
    assert repeated_start("pause pause") is None  # nothing follows: the whole sentence is the command
    assert repeated_start("we need to pause") is None


def test_addressees_come_from_the_intents_folder_not_the_code():
    folder = Addressees.of(["barista"], ["alexa", "rex"])
    known = frozenset({"latte", "please"})
    assert folder.addressed_elsewhere("alexa, a latte please", known)
    assert folder.addressed_elsewhere("Sit, Rex!", known)
    assert not folder.addressed_elsewhere("Barista, a latte for Rex please", known)
    assert not folder.addressed_elsewhere("a latte please", known)


def test_appreciation_text_stops_where_its_clause_ends(matcher):
    u = matcher.match("I appreciate you doing the dishes, save that!")
    assert acted_on(u) == "NoteAppreciation" and u.slots["text"] == "you doing the dishes"
    u = matcher.match("I appreciate her fixing my hearing aid")
    assert u.slots["text"] == "her fixing my hearing aid"


def test_appreciation_text_is_quoted_as_typed_even_when_a_word_was_respelt(matcher):
    u = matcher.match("i appreciate you cookin' the tea")
    assert u.slots.get("text") == "you cookin' the tea"


def test_first_clause_keeps_the_one_being_thanked():
    assert first_clause("you doing the dishes, save that") == "you doing the dishes"
    assert first_clause("you, Sam") == "you, Sam"
    assert first_clause("her patience. Honestly") == "her patience"


def test_a_name_that_is_its_clauses_subject_is_told_of_not_spoken_to():
    """'kids are finally in bed, ...' is about the children, said to the partner or the device; 'kids, are you
    ready' and 'max come here' are said to them."""
    folder = Addressees.of(["tandem"], ["kids", "max", "alexa"])
    known = frozenset({"check", "in", "hug"})
    assert not folder.addressed_elsewhere("kids are finally in bed can we check in", known)
    assert not folder.addressed_elsewhere("Max has had his dinner, hug please", known)
    assert folder.addressed_elsewhere("kids are you ready", known)
    assert folder.addressed_elsewhere("max come here", known)
    assert folder.addressed_elsewhere("alexa play some music", known)


def test_a_request_after_its_reason_is_read_without_a_comma(matcher):
    """A recognizer writes no comma between the reason and the request: the request form begins a clause."""
    assert clauses("my head is pounding lets just breathe") == ["my head is pounding", "lets just breathe"]
    assert acted_on(matcher.match("the kids are finally down can we do our check in")) == "StartCheckIn"
    assert acted_on(matcher.match("the dog needs out lets walk him")) is None


def test_an_answer_and_its_reason_without_punctuation_are_read_apart_only_after_a_question(matcher):
    """A recognizer writes "two he kept yawning" with no full stop after the answer: just after Tandem
    asked, each cut of the line in two is a clause; at idle no cut is tried (each is one more chance for talk
    near the speaker to start something)."""
    assert halves("four the phone rang", 8) == [("four", "the phone rang"), ("four the", "phone rang"),
                                                ("four the phone", "rang")]
    assert halves("hug", 8) == [] and halves("one two three four five six seven eight nine", 8) == []
    for text, rating in (("two he kept yawning", 2), ("four she cried", 4)):
        got = matcher.match(text, RATING, asked=True)
        assert isinstance(got, IntentMatch) and not got.unsure and (got.intent, got.slots) == ("Rate", {"rating": rating})
        assert acted_on(matcher.match(text, RATING)) is None
