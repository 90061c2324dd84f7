"""Understanding beyond the templates: examples, synonyms and not-requests as data, calibrated
rejection, recognizer-shaped text, numbers in any form, approximate slot values, n-best lists."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.datafiles import intents_dir
from assistant.errors import DataError
from assistant.messages import IntentMatch, NoMatch
from assistant.understand.intents import load_intents
from assistant.understand.matcher import Matcher

BARISTA = Path(__file__).parent.parent / "bench" / "barista" / "intents"
CONTROLS = {"Stop", "Pause", "Resume", "TimeLeft", "AddTime", "Next", "Repeat", "Skip"}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_intents(intents_dir()))


@pytest.fixture(scope="module")
def barista() -> Matcher:
    return Matcher(load_intents(BARISTA))


def understood(u) -> tuple[str, dict] | None:
    """What would be acted on without a question."""
    return (u.intent, u.slots) if isinstance(u, IntentMatch) and not u.unsure else None


# -- what the issue reported -----------------------------------------------------------------

@pytest.mark.parametrize("text", ["set a timer for ten minutes", "good morning", "pass the salt",
                                  "the hug emoji is cute", "we should walk the dog", "my breathing has been weird"])
def test_kitchen_talk_and_passing_mentions_start_nothing(matcher, text):
    assert understood(matcher.match(text)) is None


def test_can_you_hold_this_for_a_second_pauses_no_ritual(matcher):
    assert understood(matcher.match("can you hold this for a second", CONTROLS)) is None


@pytest.mark.parametrize("text, intent", [
    ("we need to cool down", "StartBreathing"),
    ("i'm stressed can we breathe", "StartBreathing"),
    ("we want to hug", "StartHug"),
    ("can we have a cuddle", "StartHug"),
    ("let's talk about our days", "StartCheckIn"),
])
def test_what_couples_say_beyond_the_templates_is_understood(matcher, text, intent):
    assert understood(matcher.match(text)) == (intent, {})


# -- recognizer-shaped text ------------------------------------------------------------------

def test_a_cut_off_first_word_is_read_as_the_word_it_was(matcher):
    assert understood(matcher.match("tart a hug")) == ("StartHug", {})


def test_whos_for_whose_is_the_same_question(matcher):
    assert understood(matcher.match("who's turn is it")) == ("WhoseTurn", {})


@pytest.mark.parametrize("text, seconds", [
    ("90 second hug", 90), ("ninety secs hug", 90), ("a minute and a half hug", 90),
    ("hug for a hundred and twenty seconds", 120), ("ninety-second hug", 90), ("2 min hug", 120),
])
def test_numbers_are_read_as_numbers_whatever_their_form(matcher, text, seconds):
    assert understood(matcher.match(text)) == ("StartHug", {"seconds": seconds})


def test_a_number_and_a_half_is_read_whole_or_exact_as_its_unit_allows(matcher):
    """'four and a half minutes' is 270 seconds; on a one-to-five scale 'four and a half' is a four."""
    assert understood(matcher.match("hug for four and a half minutes")) == ("StartHug", {"seconds": 270})
    rating = {"Rate", "Skip", "No", "Stop", "Next"}
    assert understood(matcher.match("four and a half", rating, asked=True)) == ("Rate", {"rating": 4})
    assert understood(matcher.match("two and a half minutes of breathing")) == ("StartBreathing", {"seconds": 150})


def test_a_number_larger_than_any_list_holds_is_never_read_as_its_first_word(matcher):
    """"the oven's at two hundred" says 200, not a two-star rating; "three thousand seconds" is no three-second hug."""
    assert understood(matcher.match("the oven's at two hundred")) is None
    assert understood(matcher.match("two hundred", {"Rate", "Skip", "No", "Stop", "Next"})) is None
    assert understood(matcher.match("hug for three thousand seconds")) != ("StartHug", {"seconds": 3})
    assert understood(matcher.match("hug for one hundred and twenty seconds")) == ("StartHug", {"seconds": 120})


def test_a_closest_template_lends_its_fixed_slot_only_when_its_own_words_were_said(matcher):
    got = matcher.match("babe i need one of those long hugs")
    assert isinstance(got, IntentMatch) and got.intent == "StartHug" and "variant" not in got.slots
    assert understood(matcher.match("coffee hug for the two of us")) == ("StartHug", {"variant": "morning"})


def test_a_number_without_its_unit_is_no_duration(matcher):
    got = matcher.match("hold hands for a count of five")
    assert isinstance(got, IntentMatch) and got.intent == "HoldHands" and "seconds" not in got.slots


# -- one short question instead of a guess ---------------------------------------------------

def test_a_ninety_heard_as_nineteen_by_one_hypothesis_is_a_choice_not_a_fact(matcher):
    got = matcher.match_best(["nineteen second hug", "ninety second hug"])
    assert isinstance(got, IntentMatch) and got.intent == "StartHug" and got.unsure
    assert got.choices["seconds"] == (19, 90)


def test_a_number_heard_by_a_recognizer_carries_the_numbers_that_sound_like_it(matcher):
    got = matcher.match_best(["nineteen second hug"])
    assert got.slots == {"seconds": 19} and got.choices["seconds"] == (19, 90)
    assert not got.unsure  # one hypothesis: the dialog judges whether 19 seconds makes sense


def test_a_likely_but_unsure_match_names_its_runner_up_and_margin(matcher):
    got = matcher.match("more hug pls")
    assert isinstance(got, IntentMatch)
    assert got.runner_up is not None and 0.0 <= got.margin <= 1.0


# -- the data, not the code ------------------------------------------------------------------

FOLDER = """
language: en
intents:
  Water:
    data:
      - sentences: ["water the plants"]
  Feed:
    data:
      - sentences: ["feed the cat"]
examples:
  Water:
    - "(the|our) (ferns|tomatoes|herbs) look (thirsty|dry)"
  Feed:
    - "the cat is (starving|hungry|yowling)"
not_requests:
  - "(the|our) (tomatoes|ferns) (are|look) (lovely|huge|red) this year"
  - "(the cat|the dog) (is asleep|looks happy|is on the sofa)"
synonyms:
  water: [sprinkle]
"""


def test_examples_not_requests_and_synonyms_in_any_folder_teach_the_matcher(tmp_path):
    (tmp_path / "home.yaml").write_text(FOLDER, encoding="utf-8")
    home = Matcher(load_intents(tmp_path), use_cache=False)
    assert understood(home.match("the herbs look a bit thirsty")) == ("Water", {})
    assert understood(home.match("sprinkle the plants")) == ("Water", {})
    assert understood(home.match("our tomatoes are huge this year")) is None


def test_hassils_own_loader_still_reads_a_folder_with_examples(tmp_path):
    from hassil import Intents

    (tmp_path / "home.yaml").write_text(FOLDER, encoding="utf-8")
    intents = Intents.from_dict(yaml.safe_load(FOLDER))
    assert set(intents.intents) == {"Water", "Feed"}


def test_an_example_for_an_unknown_intent_names_the_file_and_key(tmp_path):
    (tmp_path / "home.yaml").write_text(FOLDER.replace("  Feed:\n    - ", "  Fed:\n    - "), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_intents(tmp_path)
    assert "examples.Fed" in str(caught.value) and "home.yaml" in str(caught.value)


def test_a_broken_example_template_names_the_file_and_entry(tmp_path):
    (tmp_path / "home.yaml").write_text(FOLDER.replace("look (thirsty|dry)", "look (thirsty|dry"), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        Matcher(load_intents(tmp_path), use_cache=False)
    assert "examples.Water[0]" in str(caught.value)


# -- approximate slot values (generic: any intents folder) ------------------------------------

@pytest.mark.parametrize("text, slot, value", [
    ("can i get an ice mocha", "coffeeDrink", "iced mocha"),
    ("a large light roasted coffee", "roast", "light roast"),
    ("a double shot expresso", "coffeeDrink", "espresso"),
])
def test_a_slot_value_a_recognizer_bent_is_still_read(barista, text, slot, value):
    got = barista.match(text)
    assert isinstance(got, IntentMatch) and got.slots.get(slot) == value


def test_a_stray_word_is_not_taken_for_part_of_a_value(barista):
    got = barista.match("a medium so roast twenty ounce single shot espresso")
    assert isinstance(got, IntentMatch) and got.slots.get("roast") != "medium roast"


def test_nothing_in_the_matchers_code_knows_about_coffee_or_hugs():
    """No string or name in `assistant/understand` (docstrings aside) names a word of an intents folder."""
    import ast

    found = []
    for path in (Path(__file__).parent.parent / "assistant" / "understand").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                text = node.value.lower()
            elif isinstance(node, ast.Name):
                text = node.id.lower()
            else:
                continue
            found += [(path.name, w) for w in ("coffee", "mocha", "latte", "roast", "hug", "breath", "gratitude",
                                                "ritual") if w in text]
    assert not found


# -- answers, declines and everyday words (round 3) ---------------------------------------------

OFFER = frozenset({"Yes", "No", "NotToday", "Stop", "Repeat"})


def test_an_answer_in_words_no_template_uses_is_still_an_answer(matcher):
    """'that would be nice' shares no word with the yes templates: the classifier's word is enough
    for an intent without slots, so long as words the intents know were said."""
    assert understood(matcher.match("that would be nice actually", OFFER)) == ("Yes", {})
    assert understood(matcher.match("not right now we're eating", OFFER)) == ("No", {})


def test_declining_a_ritual_in_words_never_starts_it(matcher):
    for text in ["i'm not in the mood for a walk", "we don't feel like the breathing tonight"]:
        u = matcher.match(text)
        assert not (isinstance(u, IntentMatch) and u.intent.startswith("Start")), text


@pytest.mark.parametrize("text", ["go on, tell me the rest", "go on then, pour me a glass"])
def test_a_short_template_inside_talk_to_a_person_is_not_the_request(matcher, text):
    """'go on' is a template (resume), and also what people say to each other all day."""
    assert understood(matcher.match(text)) is None
    assert understood(matcher.match(text, CONTROLS)) is None


# -- answers when Tandem has asked, clauses, durations said loosely (round 4) -------------------

def test_naming_the_offered_ritual_is_yes_when_the_dialog_says_it_stands_for_yes(matcher):
    means = {"StartWalk": "Yes"}
    assert understood(matcher.match("ooh, a walk, lovely", OFFER, means, asked=True)) == ("Yes", {})
    assert understood(matcher.match("start a walk", None, means)) == ("Yes", {})  # exact, still the answer
    declined = matcher.match("we'll give the walk a miss tonight", OFFER, means, asked=True)
    assert not (isinstance(declined, IntentMatch) and declined.intent == "Yes")


def test_a_reply_to_a_question_is_less_likely_talk_not_meant_for_tandem(matcher):
    text = "honestly no, I'm not feeling it tonight"
    plain, asked = matcher.match(text, OFFER), matcher.match(text, OFFER, asked=True)
    assert understood(asked) == ("No", {})
    assert asked.confidence >= getattr(plain, "confidence", 0.0)


def test_a_duration_in_another_clause_or_with_a_filler_is_read():
    m = Matcher(load_intents(intents_dir()))
    assert understood(m.match("a walk, forty minutes, before the rain comes")) == ("StartWalk", {"seconds": 2400})
    assert understood(m.match("breathing for like 45 seconds")) == ("StartBreathing", {"seconds": 45})
    assert understood(m.match("we'll walk for an hour and a half")) == ("StartWalk", {"seconds": 5400})


def test_a_short_template_inside_talk_to_a_person_starts_nothing(matcher):
    for text in ["take a breath, you're talking too fast", "we should repair the fence this weekend",
                 "thanks so much tandem, that was lovely"]:
        u = matcher.match(text)
        assert not (isinstance(u, IntentMatch) and u.intent.startswith("Start")), text


def test_a_ritual_named_in_a_question_fills_the_block_it_belongs_to(matcher):
    assert understood(matcher.match("who begins the walk tonight")) == ("WhoseTurn", {"ritual": "walk"})


def test_other_names_for_the_speaker_address_it(matcher):
    assert understood(matcher.match("Buddy, start a walk")) == ("StartWalk", {})


def test_a_negation_covers_the_words_after_it_but_not_a_suggestion():
    from assistant.understand.features import english_stem, features

    known = frozenset("i'm not in the mood for a walk why don't we hug".split())
    assert "n:walk" in features("i'm not in the mood for a walk".split(), known, english_stem)
    assert not [f for f in features("why don't we hug".split(), known, english_stem) if f.startswith("n:")]


# -- answers with their reasons, controls said during a ritual, cut-off numbers (round 5) --------

def test_an_answer_with_its_reason_answers_an_offer_but_is_talk_to_a_partner_at_idle(matcher):
    """The same words, two moments: just after an offer they decline it; with nothing offered they were
    said to a partner and record nothing."""
    text = "not today, I've got a headache"
    assert understood(matcher.match(text, None, {"StartWalk": "Yes"}, asked=True)) == ("NotToday", {})
    assert understood(matcher.match(text)) is None


def test_a_control_with_its_reason_after_the_wake_phrase_during_a_ritual_is_understood(matcher):
    """While a ritual runs its controls are likelier than at idle (the dialog says so with `likely`);
    the same words at idle, or unwoken during the ritual, act on nothing they should not."""
    controls = CONTROLS | {"Help"}
    for text, intent in [("sorry didn't hear you over the kettle", "Repeat"), ("ok that's us, cheers", "Stop")]:
        assert understood(matcher.match(text, likely=controls)) == (intent, {}), text
    # a command said twice is urgent: its reason after it, in words no file uses, does not make it doubtful
    assert understood(matcher.match("pause pause he's climbing the bookshelf", likely=controls)) == ("Pause", {})
    assert understood(matcher.match("stop, you're making me laugh", CONTROLS)) is None


def test_a_number_said_first_and_cut_short_is_still_the_number(matcher):
    rating = {"Rate", "Skip", "No", "Stop", "Next"}
    assert understood(matcher.match("hree", rating, asked=True)) == ("Rate", {"rating": 3})
    assert understood(matcher.match("ive minute hug")) == ("StartHug", {"seconds": 300})
    assert understood(matcher.match("ive got to go")) is None


def test_carrying_on_and_passing_answer_an_offer(matcher):
    """Said to an offer, "go on so" takes it up and "I'll pass" declines it (the dialog's `ANSWER_MEANS`)."""
    from assistant.dialog.offers import ANSWER_MEANS

    means = {**ANSWER_MEANS, "StartWalk": "Yes"}
    assert understood(matcher.match("go on so", OFFER, means, asked=True)) == ("Yes", {})
    assert understood(matcher.match("pass", OFFER, means, asked=True)) == ("No", {})
    assert understood(matcher.match("mm hmm", OFFER, means, asked=True)) == ("Yes", {})


def test_appreciating_that_is_said_to_a_person_and_keeps_nothing(matcher):
    """Free text that only points back ("that") is no appreciation; "you" still is one."""
    assert understood(matcher.match("I appreciate that, thanks")) is None
    assert understood(matcher.match("i appreciate you")) == ("NoteAppreciation", {"text": "you"})


@pytest.mark.parametrize("text", ["my nan always said breathing helps more than pills",
                                  "our friend swears by walking after dinner",
                                  "cuddling on the sofa in front of the kids feels weird"])
def test_the_rituals_talked_about_are_not_asked_for(matcher, text):
    assert understood(matcher.match(text)) is None


# -- unknown words learnt, pet names, declines by what cannot be done (round 6) ------------------

def test_a_word_no_file_uses_counts_as_the_rare_words_of_the_training_talk_did(monkeypatch):
    """Rare words are also learnt as the unknown word, so an unheard word is no longer silent: here the
    one-off words of talk to a person teach that an unfamiliar word leans to "not for us"."""
    from assistant.understand import training
    from assistant.understand.classifier import NONE
    from assistant.understand.features import UNKNOWN, english_stem

    monkeypatch.setattr(training, "OWN_NOT_REQUESTS", 0)  # no generated unknown talk: only the masking
    hugs = [("StartHug", "start a hug".split()), ("StartHug", "a hug please".split()),
            ("StartHug", "hug time".split())]
    talk = [s.split() for s in ["the dog ate my homework", "we watched a film", "pass the salt",
                                "your mother rang", "the kettle is broken"]]
    corpus = training.Corpus(hugs, [], talk)
    known = frozenset(w for _, ws in hugs for w in ws) | frozenset(w for ws in talk for w in ws)
    model = training.train(corpus, ["StartHug"], known, english_stem)
    unknown = model.weights[model.features[f"w:{UNKNOWN}"]]
    assert unknown[model.classes.index(NONE)] > unknown[model.classes.index("StartHug")] + 0.5


@pytest.mark.parametrize("text", ["maybe later, honey", "not right now, sweetheart", "no thanks, darling, we're eating"])
def test_a_pet_name_after_a_decline_leaves_it_a_decline(matcher, text):
    from assistant.dialog.offers import ANSWER_MEANS

    assert understood(matcher.match(text, OFFER, {**ANSWER_MEANS, "StartHug": "Yes"}, asked=True)) == ("No", {})


@pytest.mark.parametrize("text", ["can't right now", "sorry, we can't just now", "it's not a good time"])
def test_declining_by_what_cannot_be_done_is_never_a_yes(matcher, text):
    from assistant.dialog.offers import ANSWER_MEANS

    u = matcher.match(text, OFFER, {**ANSWER_MEANS, "StartHug": "Yes"}, asked=True)
    assert isinstance(u, IntentMatch) and u.intent == "No", text  # sure, or asked back ("No?")


def test_whose_go_and_hang_about_are_said_for_whose_turn_and_hang_on(matcher):
    assert matcher.reader.read("whose go is it tonight").words == matcher.reader.read("whose turn is it tonight").words
    assert understood(matcher.match("hang about, the phone", CONTROLS)) == ("Pause", {})


# -- memory talk: the past tense tells, it does not ask (round 8) --------------------------------

def test_the_past_tense_is_not_folded_into_the_verb_and_is_never_respelt_into_it():
    from assistant.understand.features import english_past, english_stem

    assert english_stem("hugging") == english_stem("hugs") == "hug"
    assert english_stem("hugged") != "hug"
    assert english_past("cuddled") and not english_past("need") and not english_past("bed")


@pytest.mark.parametrize("text", ["we hugged earlier", "we cuddled earlier"])
def test_a_ritual_told_in_the_past_is_not_asked_for(matcher, text):
    assert understood(matcher.match(text)) is None


# -- how people say words: a dropped g (round 9) ---------------------------------------------------

def test_whose_turn_with_a_dropped_g_still_asks_whose_turn(matcher):
    assert matcher.reader.read("whose turn to get the walk goin").words == \
        matcher.reader.read("whose turn to get the walk going").words
    assert matcher.reader.read("we're doin it").words[1] == "doing"
    # only ever a word the intents use: "cabin" is no "cabing", and it stays a word of its own
    assert matcher.reader.read("the cabin").words == ["the", "cabin"]


# -- a length of time stressed, chat tails, "me and her" (round 10) -------------------------------------

@pytest.mark.parametrize("stressed, plain", [("a whole minute of hugging", "a minute of hugging"),
                                             ("walk for a proper half hour", "walk for a half hour"),
                                             ("breathe for a good three minutes", "breathe for three minutes"),
                                             ("an entire minute and a half", "a minute and a half")])
def test_a_length_of_time_stressed_is_the_same_length(matcher, stressed, plain):
    assert matcher.reader.read(stressed).tagged[-3:] == matcher.reader.read(plain).tagged[-3:]


def test_a_stressed_duration_starts_the_ritual_for_that_long(matcher):
    assert understood(matcher.match("we'd like a solid two minutes of hugging")) == ("StartHug", {"seconds": 120})


@pytest.mark.parametrize("text", ["that was a good one", "a full house tonight", "a whole lot of fuss"])
def test_the_same_words_before_anything_but_a_time_are_left_alone(matcher, text):
    assert matcher.reader.read(text).words == matcher.reader.read(text, guess=False).words == \
        [w for w in text.split()]


def test_a_chat_tail_says_nothing_of_what_is_asked(matcher):
    assert matcher.reader.read("hug timer rn fam").words == matcher.reader.read("hug timer").words
