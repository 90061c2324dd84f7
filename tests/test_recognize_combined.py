"""The combined engine answers without forced scoring when scoring cannot change what is understood."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.datafiles import intents_dir
from assistant.recognize.base import ListenMode
from assistant.recognize.whisper_model import whisper_status
from assistant.understand.intents import load_intents
from assistant.understand.matcher import Matcher

needs_model = pytest.mark.skipif(not whisper_status().usable, reason="the Whisper model package is not installed")


@pytest.fixture(scope="module")
def combined():
    from assistant.recognize.select import load_recognizer

    intent_set = load_intents(intents_dir())
    recognizer = load_recognizer("combined", intent_set, matcher=Matcher(intent_set))
    if recognizer.name != "combined":
        pytest.skip(recognizer.notice)
    return recognizer


def own(*texts: str) -> list[tuple[str, str]]:
    return [(t, "whisper") for t in texts]


@needs_model
def test_two_readings_of_the_same_request_need_no_arbitration(combined):
    assert combined.same_meaning(own("who's turn is it", "whose turn is it"), "whose turn is it", ListenMode())


@needs_model
def test_readings_that_mean_different_things_are_scored(combined):
    assert not combined.same_meaning(own("start a hug"), "stop the hug", ListenMode())
    assert not combined.same_meaning(own("start a hug"), "", ListenMode())  # pocketsphinx heard nothing


@needs_model
def test_a_number_both_engines_heard_is_still_weighed_against_its_sound_alikes(combined):
    # "nineteen second hug" read twice may still be "ninety": the scored neighbours decide.
    assert not combined.same_meaning(own("start a nineteen second hug"), "start a nineteen second hug please",
                                     ListenMode())


@needs_model
def test_hypotheses_that_disagree_among_themselves_are_scored(combined):
    texts = own("walk timer going out", "walk for five minutes going on")
    assert not combined.same_meaning(texts, "walk timer going out", ListenMode())


def hear_counting_scores(combined, monkeypatch, audio, mode: ListenMode, **settings):
    """The transcript of `audio` with the combination's settings changed, and how many texts Whisper scored."""
    whisper = combined.whisper
    calls: list[int] = []
    real_score = whisper.score
    monkeypatch.setattr(whisper, "score", lambda encoded, texts, mode=ListenMode(), on_step=None:
                        calls.append(len(texts)) or real_score(encoded, texts, mode, on_step))
    monkeypatch.setattr(combined, "settings", replace(combined.settings, **settings))
    session = combined.session(mode)
    session.accept(audio)
    transcript = session.finish()
    monkeypatch.setattr(whisper, "score", real_score)
    return transcript, sum(calls)


@needs_model
def test_a_command_both_engines_read_the_same_way_is_answered_without_forced_scoring(combined, monkeypatch):
    import audio_gen

    if not audio_gen.available("flite:slt"):
        pytest.skip("flite is needed to make test speech")
    audio = audio_gen.speak("whose turn is it", "flite:slt")
    heard = {}
    for agree in (True, False):
        # agree_fast off: the two engines may well write the very same words (then nothing is scored either way)
        transcript, scored = hear_counting_scores(combined, monkeypatch, audio, ListenMode(), agree_meaning=agree,
                                                  agree_fast=False)
        heard[agree] = (combined.matcher.match_best([transcript.text, *transcript.alternatives]).intent, scored)
    assert heard[True][0] == heard[False][0] == "WhoseTurn"
    assert heard[True][1] == 0 < heard[False][1]


@needs_model
def test_a_wake_phrase_both_engines_heard_is_not_tested_again_but_a_fused_gate_still_gets_its_margin(combined,
                                                                                                    monkeypatch):
    import audio_gen

    if not audio_gen.available("en-us"):
        pytest.skip("espeak-ng is needed to make test speech")
    # latency bench cue 0: the keyphrase spotter and Whisper's best reading both begin with "hey tandem"
    audio = audio_gen.speak("hey tandem, did we meet our minimums", "en-us", 160)
    heard = {}
    for agreed in (True, False):
        transcript, scored = hear_counting_scores(combined, monkeypatch, audio, ListenMode(wake=True),
                                                  wake_agreed=agreed)
        heard[agreed] = (transcript.woke, transcript.text, scored, combined.last_wake)
    assert heard[True][:2] == heard[False][:2] and heard[True][0]
    assert heard[True][2] == 0 < heard[False][2]
    assert heard[True][3].margin == float("inf")
    combined.last_wake = heard[True][3]
    tested = combined.tested_wake(ListenMode(wake=True))  # what the wake model's fusion reads
    assert tested.woke and tested.margin == pytest.approx(heard[False][3].margin, abs=1e-3)


def test_a_reading_cut_short_is_the_first_words_of_a_longer_one_the_beam_ranked_above_it():
    from assistant.recognize.combined import cut_short

    beam = ["thanks for dinner that was good", "thanks"]
    assert cut_short("thanks", beam)
    assert not cut_short("thanks for dinner that was good", beam)
    assert not cut_short("not yet", ["not yet", "not yet longer please"])  # the beam preferred it short
    assert cut_short("oh no", ["oh no could you delete what i just said"])  # pocketsphinx's words, too
    assert not cut_short("thanks a lot", beam)  # another sentence, not the same one stopped early


def test_whisper_saying_dinners_ready_over_and_over_does_not_cut_its_own_dinners_ready_short():
    from assistant.recognize.combined import cut_short

    assert not cut_short("dinner's ready", ["dinner's ready dinner's ready dinner's ready", "dinner's ready"])
    assert cut_short("dinner's", ["dinner's ready dinner's ready"])  # a sentence still stopped early


def test_a_reading_that_is_the_end_of_a_longer_one_the_beam_ranked_above_it_is_cut_short_too():
    from assistant.recognize.combined import cut_short

    beam = ["but we may be good method if it's not a bad time", "if it's not a bad time"]
    assert cut_short("if it's not a bad time", beam, tail_head=2)
    assert not cut_short("if it's not a bad time", beam)  # tails only when asked for
    assert not cut_short("start a hug", ["hey tandem start a hug"], tail_head=2, wake_phrase="hey tandem")
    assert not cut_short("a pass", ["a pass a pass"], tail_head=2)  # a loop, not a longer sentence


@needs_model
def test_thanks_for_dinner_is_not_heard_as_thanks_though_forced_scoring_favours_the_shorter_reading(combined,
                                                                                                    monkeypatch):
    import numpy as np

    from assistant.recognize.whisper_engine import Encoded, Hypothesis

    whisper = combined.whisper
    beam = [Hypothesis("Thanks for dinner, that was good.", "thanks for dinner that was good", -0.18),
            Hypothesis("Thanks.", "thanks", -4.8)]
    # What Whisper's forced scoring gave these readings on the dev clip (12 dB kitchen noise): the shorter
    # sentence gains 4 nats for its fewer tokens, and the matcher's bonus for "thanks" (gratitude) on top.
    measured = {"thanks for dinner that was good": -12.99, "thanks": -9.18}
    monkeypatch.setattr(whisper, "decode", lambda audio, mode=ListenMode(): (Encoded(None, 100, 0.01), beam))
    monkeypatch.setattr(whisper, "score", lambda encoded, texts, mode=ListenMode(), on_step=None:
                        [measured.get(t, -40.0) for t in texts])
    monkeypatch.setattr(whisper, "token_logprobs", {})
    monkeypatch.setattr(combined, "settings", replace(combined.settings, agree_fast=False, agree_meaning=False))
    session = combined.session(ListenMode())
    session.accept(np.zeros(16000, dtype=np.int16))
    transcript = session.finish()
    assert transcript.text == "thanks for dinner that was good"
    assert "thanks" not in transcript.alternatives
    heard = combined.matcher.match_best([transcript.text, *transcript.alternatives])
    assert getattr(heard, "intent", None) != "StartGratitude" or heard.unsure


def test_a_command_only_pocketsphinx_heard_far_below_a_winner_that_means_nothing_is_not_passed_on():
    # "ass the salt" near the speaker: Whisper heard "as the salt", pocketsphinx's grammar forced "pass this all"
    # (Skip), which Whisper scores 8 nats below its own words. Passed on, the matcher would skip the ritual step.
    from assistant.recognize.combined import Scored, sphinx_alone

    winner = Scored("as the salt", -9.27, 0.0, "whisper")
    scored = [winner, Scored("as the soul", -9.45, 0.0, "whisper"), Scored("pass this all", -17.25, 2.47, "pocketsphinx"),
              Scored("pass this", -11.0, 2.8, "pocketsphinx")]
    assert sphinx_alone("pass this all", winner, scored, 3.0)
    assert not sphinx_alone("pass this", winner, scored, 3.0)  # close to what Whisper heard: still a fair reading
    assert not sphinx_alone("as the soul", winner, scored, 3.0)  # Whisper's own words are never dropped here
    understood = Scored("skip it", -9.0, 3.0, "whisper")
    assert not sphinx_alone("pass this all", understood, [understood, *scored[2:]], 3.0)  # the winner means something


def test_a_reading_spelled_almost_like_a_winner_that_means_little_is_passed_on_as_its_first_alternative():
    # "Hug timer, 75 seconds." in flite's voice at 12 dB: Whisper wrote "i hope time at seventy five seconds" and
    # scores it 11 nats above "hug timer seventy five seconds" (pocketsphinx's words spliced in), which differs
    # by a few letters; an unrelated reading the grammar forced, however well understood, is not rescued.
    from assistant.recognize.combined import Scored, spelled_alike

    winner = Scored("i hope time at seventy five seconds", -15.01, 0.0, "whisper")
    hug = Scored("hug timer seventy five seconds", -25.99, 3.0, "splice")
    forced = Scored("add time for five seconds", -17.0, 3.0, "pocketsphinx")
    assert spelled_alike(winner, [winner, forced, hug], 0.25, 12.0, 1.5) == hug.text
    assert spelled_alike(winner, [winner, forced, hug], 0.25, 10.0, 1.5) is None  # too far below what Whisper heard
    assert spelled_alike(winner, [winner, forced], 0.25, 12.0, 1.5) is None  # spelled too differently
    # a winner read unsure gives way to a reading spelled alike and understood better ...
    herd = Scored("i'm feeling disconnected can we start a herd", -19.19, 1.35, "whisper")
    spliced = Scored("i'm feeling disconnected can we start the hug", -29.85, 2.79, "splice")
    assert spelled_alike(herd, [herd, spliced], 0.25, 12.0, 1.5) == spliced.text
    # ... but not one understood well enough itself
    understood = Scored("hug timer at seventy five seconds", -15.0, 3.0, "whisper")
    assert spelled_alike(understood, [understood, hug], 0.25, 12.0, 1.5) is None


def test_a_unit_heard_without_its_number_is_read_with_the_number_it_sounds_like_when_whisper_scores_it_close():
    # "Paced breathing, 4 minutes." (flite, 12 dB): Whisper wrote "for", which would start the default length.
    from assistant.recognize.combined import Scored, number_said
    from assistant.recognize.neighbours import SlotPhrases

    phrases = SlotPhrases(load_intents(intents_dir()))
    heard = Scored("rest breathing for minutes", -10.97, 2.17, "whisper")
    four = Scored("rest breathing four minutes", -12.41, 2.79, "neighbour")
    assert number_said(heard, [heard, four], phrases, 2.0) == four
    assert number_said(heard, [heard, replace(four, likelihood=-16.0)], phrases, 2.0) is None  # Whisper heard "for"
    assert number_said(four, [four, heard], phrases, 2.0) is None  # a number said already


@pytest.fixture(scope="module")
def arbiter():
    """The combination's arbitration data from the intents folder alone (no engine loaded)."""
    from assistant.recognize.combined import CombinedRecognizer

    intent_set = load_intents(intents_dir())
    return CombinedRecognizer(None, None, intent_set, Matcher(intent_set), wake_phrase="hey tandem")


def test_the_words_distinctive_of_an_intent_are_its_own_not_the_words_every_command_shares(arbiter):
    assert arbiter.distinctive["hug"] == "StartHug"
    assert arbiter.distinctive["gratitude"] == "StartGratitude"
    assert not {"time", "start", "can", "the", "please"} & set(arbiter.distinctive)
    assert "three" not in arbiter.distinctive  # a number is weighed against its neighbours, never rescued this way


def test_a_hug_pocketsphinx_heard_where_whisper_wrote_words_that_mean_nothing_is_passed_on_to_be_asked_about(arbiter):
    # "HUG TIMER. Start the hug timer." in flite's voice at 12 dB: Whisper wrote "the whole time mark" and scores it
    # 14 nats above the same words with pocketsphinx's "hug timer start" put in front, beyond the spelled-alike
    # rescue; pocketsphinx heard the one word that says which ritual.
    from assistant.recognize.combined import Scored, key_word_heard, outheard

    winner = Scored("the whole time mark", -17.3, 0.0, "whisper")
    hug = Scored("hug timer start the whole time mark", -31.4, 2.9, "splice")
    assert key_word_heard(winner, [winner, hug], arbiter.distinctive, 16.0, 4, arbiter.glue) == hug.text
    assert key_word_heard(winner, [winner, hug], arbiter.distinctive, 12.0, 4) is None  # too far below Whisper's
    assert key_word_heard(winner, [winner, hug], arbiter.distinctive, 0.0, 4) is None  # off
    assert outheard([winner.text, hug.text], [winner, hug], 0.0) == [hug.text]  # doubtful: the dialog asks first


def test_a_command_the_grammar_made_of_the_whole_utterance_or_of_a_number_is_not_rescued_for_its_key_word(arbiter):
    from assistant.recognize.combined import Scored, key_word_heard

    words = arbiter.distinctive
    # "tart a hug": "let us hug" shares no word with Whisper's "time to burn": the grammar's guess, not a word heard
    burn = Scored("time to burn", -15.0, 0.0, "whisper")
    assert key_word_heard(burn, [burn, Scored("let us hug", -27.0, 3.0, "pocketsphinx")], words, 16.0, 4) is None
    # "epair ritual please": pocketsphinx's "three" is a number (read as a rating), not an intent's key word
    ritual = Scored("have a ritual please", -11.2, 0.0, "whisper")
    three = Scored("have the ritual three", -21.8, 1.0, "pocketsphinx")
    assert key_word_heard(ritual, [ritual, three], words, 16.0, 4) is None
    # "thanks for dinner mom": Whisper's "the" alone, kept in pocketsphinx's "finish the question", is no context
    number = Scored("thanks for to the number", -12.0, 0.0, "whisper")
    finish = Scored("finish the question", -24.0, 2.0, "pocketsphinx")
    assert key_word_heard(number, [number, finish], words, 16.0, 4, arbiter.glue) is None
    assert key_word_heard(number, [number, finish], words, 16.0, 4) == finish.text  # were "the" context
    # a winner pocketsphinx wrote, or one that means something, leaves nothing to rescue
    some = Scored("some one", -15.1, 0.0, "pocketsphinx")
    assert key_word_heard(some, [some, Scored("some walk", -22.5, 3.0, "pocketsphinx")], words, 16.0, 4) is None
    understood = Scored("start the timer", -10.0, 2.0, "whisper")
    hug = Scored("start the hug timer", -20.0, 3.0, "splice")
    assert key_word_heard(understood, [understood, hug], words, 16.0, 4) is None


def test_a_check_in_pocketsphinx_heard_where_whisper_wrote_words_that_mean_little_is_passed_on_to_be_asked(arbiter):
    # "heck in for ten minutes" (piper, 12 dB): Whisper's best "a few minutes" is read as a Pause at 0.3; pocketsphinx
    # heard "check in", spliced into Whisper's sentence 4.6 nats below.
    from assistant.recognize.combined import Scored, key_word_heard

    few = Scored("a few minutes", -9.4, 0.9, "whisper")
    check = Scored("check in for ten minutes", -14.0, 3.0, "splice")
    assert key_word_heard(few, [few, check], arbiter.distinctive, 16.0, 4, arbiter.glue, 1.5) == check.text
    assert key_word_heard(few, [few, check], arbiter.distinctive, 16.0, 4, arbiter.glue) is None  # a meaning: left
    sure = replace(few, bonus=2.4)
    assert key_word_heard(sure, [sure, check], arbiter.distinctive, 16.0, 4, arbiter.glue, 1.5) is None


def test_a_reading_whisper_alone_would_act_on_just_the_same_is_not_asked_about_for_doubt(arbiter):
    # "Walk timer. Going out." in espeak's voice at 12 dB: Whisper's beam wrote "what time is going out" first and
    # "walk timer going out" fourth; forced scoring put "one time going out", which means nothing, 0.4 nats above it.
    from assistant.recognize.combined import whisper_agrees

    beam = ["what time is going out", "one time going out", "what time going out", "walk timer going out"]
    assert whisper_agrees(arbiter, "walk timer going out", beam, ListenMode())  # Whisper alone starts the walk
    assert not whisper_agrees(arbiter, "walk timer going out", ["one time going out"], ListenMode())
    assert not whisper_agrees(arbiter, "start a hug", beam, ListenMode())  # another intent: still doubtful


def test_a_near_miss_whisper_read_as_a_request_only_once_in_its_beam_stays_in_doubt(arbiter):
    # "Can we talk about the holidays later?" in flite's voice at 12 dB: Whisper's first reading means nothing,
    # its second is read as a check-in; a request is heard as one in more of Whisper's readings.
    from assistant.recognize.combined import whisper_agrees

    near = ["can we talk about the holidays later", "can we talk about the following days later"]
    assert whisper_agrees(arbiter, near[1], near, ListenMode())  # Whisper alone would start the check-in
    assert not whisper_agrees(arbiter, near[1], near, ListenMode(), readings=2)
    said = ["kettles some time for our brew hug", "kettle some time for our brew hug", "kettles some time for our brew mug"]
    assert whisper_agrees(arbiter, said[1], said, ListenMode(), readings=2)


def test_two_of_whisper_readings_are_asked_of_a_ritual_start_but_one_is_enough_for_a_command_with_no_question(arbiter):
    # A doubtful reading of AddTime, Help or TimeLeft has no question to become: in doubt it is a miss. Whisper
    # alone acts on it, so one of Whisper's readings agreeing is enough there; a ritual start is asked instead.
    from assistant.recognize.combined import whisper_agrees

    assert {"StartHug", "StartCheckIn", "StartGratitude"} <= arbiter.rituals
    assert not {"AddTime", "Help", "TimeLeft", "Pause", "Stop"} & arbiter.rituals
    more = ["can we get two minutes more", "can we get to minutes more"]
    assert whisper_agrees(arbiter, more[0], more, ListenMode(), readings=2, strict=arbiter.rituals)
    near = ["can we talk about the holidays later", "can we talk about the following days later"]
    assert not whisper_agrees(arbiter, near[1], near, ListenMode(), readings=2, strict=arbiter.rituals)


def test_another_intents_folder_has_no_ritual_starts():
    from assistant.recognize.combined import ritual_intents

    from bench.barista_speech import INTENTS

    assert ritual_intents(load_intents(INTENTS)) == frozenset()  # the barista's orders: no question, one reading
    assert ritual_intents(load_intents(intents_dir())) >= {"StartHug", "StartWalk"}


def test_each_reading_says_which_engine_wrote_it_or_how_the_arbitration_made_it_up():
    from assistant.messages import Transcript
    from assistant.recognize.combined import with_sources

    sphinx = Transcript("start the hug timer", alternatives=("start a hug timer",), engine="pocketsphinx")
    whisper = ["start the hook timer", "start the hug timer"]
    said = Transcript("start the hug timer", alternatives=("start the hook timer", "start the hug time", "hug"))
    out = with_sources(said, ("start the hook timer", "start the hug timer"), [whisper[0], sphinx.text], whisper,
                       sphinx, {"start the hug time": "neighbour"}, lambda t: t)
    assert out.heard_by == ("whisper", "pocketsphinx")
    assert out.sources == ("whisper+pocketsphinx", "whisper", "neighbour", "")
    same = with_sources(said, ("start the hug timer",), ["start the hug timer", sphinx.text], ["start the hug timer"],
                        sphinx, {}, lambda t: t)
    assert same.heard_by == ("whisper+pocketsphinx",)


def test_a_command_only_pocketsphinx_heard_does_not_overrule_one_whisper_heard_and_the_matcher_understood(arbiter):
    # "Done." during a ritual, flite at 12 dB: Whisper wrote "done" (Stop), pocketsphinx's grammar "one" (a
    # rating), which the matcher reads exactly and would take over the fuzzy stop among the alternatives.
    from assistant.recognize.combined import Scored, sphinx_rival

    done = Scored("done", -5.8, 2.1, "whisper")
    one = Scored("one", -11.2, 3.0, "pocketsphinx")
    again = Scored("done done", -9.1, 2.1, "whisper")
    scored = [done, again, one]
    assert sphinx_rival(arbiter, "one", done, scored, ListenMode(), 0.0)
    assert not sphinx_rival(arbiter, "one", done, scored, ListenMode(), 6.0)  # within the gap: passed on
    assert not sphinx_rival(arbiter, "done done", done, scored, ListenMode(), 0.0)  # Whisper's own: kept
    nothing = Scored("dumb dumb", -5.0, 0.0, "whisper")  # a winner that means nothing leaves the rival be
    assert not sphinx_rival(arbiter, "one", nothing, [nothing, one], ListenMode(), 0.0)


def test_among_whisper_readings_that_mean_the_same_the_beam_first_keeps_a_name_forced_scoring_lowercased_away(arbiter):
    # "Tandem, please note that I appreciate Harold fixing the gate." (flite, 12 dB): the beam wrote "Harold" first;
    # lowercased and without punctuation, forced scoring likes "a careful" 8 nats better.
    from assistant.recognize.combined import Scored, beam_kept

    careful = Scored("please note that i appreciate a careful fixing the gate", -18.9, 3.0, "whisper")
    harold = Scored("please note that i appreciate harold fixing the gate", -26.7, 3.0, "whisper")
    beam = [harold.text, careful.text]
    assert beam_kept(arbiter, careful, [careful, harold], beam, ListenMode()) == harold
    assert beam_kept(arbiter, harold, [careful, harold], beam, ListenMode()) is None  # the beam's first won anyway
    # numbers are the neighbours' to weigh: a beam first with another number does not win this way
    ninety = Scored("start a ninety second hug", -12.0, 3.0, "whisper")
    nineteen = Scored("start a nineteen second hug", -15.0, 3.0, "whisper")
    assert beam_kept(arbiter, ninety, [ninety, nineteen], [nineteen.text, ninety.text], ListenMode()) is None
    # a beam first of another intent does not win either
    hug = Scored("start a hug", -10.0, 3.0, "whisper")
    walk = Scored("start a walk", -14.0, 3.0, "whisper")
    assert beam_kept(arbiter, hug, [hug, walk], [walk.text, hug.text], ListenMode()) is None
