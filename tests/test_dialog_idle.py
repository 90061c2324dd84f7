"""Talking to Tandem when nothing is running: stop, status, summaries, turns, ratings, forgetting."""

from __future__ import annotations

from datetime import timedelta

from assistant.journal.records import Moment
from assistant.messages import IntentMatch, NoMatch, Transcript

from dialog_harness import Couple


def test_stop_with_nothing_running_says_so_briefly(tmp_path):
    couple = Couple(tmp_path)
    reply = couple.say("stop")
    assert reply.keys == ["idle_stop"]
    assert len(reply.said[0].split()) <= 6
    assert couple.moments() == []


def test_we_need_a_moment_heard_with_nothing_running_is_answered_not_let_pass(tmp_path):
    """A paraphrase heard whole and matched surely ("we need a moment", a Pause at 0.94) was said to Tandem: it gets
    its warm answer, never the silence kept for half-heard kitchen talk."""
    couple = Couple(tmp_path)
    reply = couple.dialog.hear_transcript(Transcript("we need a moment", engine="pocketsphinx", woke=True))
    assert reply.said and reply.keys != ["nothing_running"]


def test_other_controls_with_nothing_running(tmp_path):
    couple = Couple(tmp_path)
    for text, key in (("pause", "idle_pause"), ("resume", "idle_resume"), ("how much time is left", "idle_timeleft"),
                      ("add thirty seconds", "idle_addtime"), ("next", "idle_next")):
        assert couple.say(text).keys == [key], text  # each answered for what it is, never a bare "no"


def test_a_stop_half_heard_with_nothing_running_is_let_pass_in_silence(tmp_path):
    """ "Stop the kettle, I'll make it" after a false wake, heard as an approximate stop: nothing to stop, and
    no answer to kitchen talk. Said word for word, or typed, it still gets its brief answer."""
    couple = Couple(tmp_path)
    heard = "stop the get it all i will make it"
    silent = couple.dialog.hear_transcript(Transcript(heard, engine="whisper", woke=True))
    assert silent.actions == () and [e.details["intent"] for e in silent.events] == ["Stop"]  # still hushes Tandem
    assert couple.dialog.hear_transcript(Transcript("stop", engine="whisper", woke=True)).keys == ["idle_stop"]
    assert couple.say(heard).keys == ["idle_stop"]
    lower_down = Transcript("please switch off the guys", alternatives=("please switch off",), engine="whisper", woke=True)
    assert couple.dialog.hear_transcript(lower_down).actions == ()  # "the geyser": a stop only further down the list
    unsure = IntentMatch("Stop", {}, 0.5, "stop the get it", "fuzzy", runner_up="Pause", margin=0.1, unsure=True)
    from_speech = Transcript("stop the get it", engine="whisper", woke=True)
    assert couple.dialog.hear_understanding(unsure, "stop the get it", transcript=from_speech).actions == ()
    assert couple.dialog.hear_understanding(unsure, "stop the get it").keys == ["didnt_catch"]  # typed
    again = Transcript("can you say that one more time please", engine="whisper", woke=True)  # approximate
    assert couple.dialog.hear_transcript(again).keys == ["didnt_catch"]  # still repeats Tandem's last line
    couple.say("start our hug")
    couple.dialog.hear_transcript(Transcript(heard, engine="whisper", woke=True))
    assert couple.dialog.running is None  # during a ritual the same words still stop it


def test_a_paraphrased_control_no_engine_heard_is_let_pass_in_silence(tmp_path):
    """ "Five more minutes and then we eat, no more snacks": Whisper heard it so, and the arbitration's winning reading,
    "... we need no more minutes", is a sure AddTime that no engine heard as its own best. Nothing runs, so it gets
    no "Nothing's running"; the same words heard as an engine's own reading are answered."""
    couple = Couple(tmp_path)
    said = "five more minutes and then we need no more minutes"
    made_up = Transcript(said, engine="combined", woke=True, heard=("five more minutes and then we need no more snacks",))
    u = IntentMatch("AddTime", {"seconds": 300}, 0.97, said, "fuzzy")
    assert couple.dialog.hear_understanding(u, said, transcript=made_up).actions == ()
    heard_so = Transcript(said, engine="combined", woke=True, heard=(said,))
    assert couple.dialog.hear_understanding(u, said, transcript=heard_so).keys == ["idle_addtime"]


def test_kitchen_talk_gets_a_short_sorry_only_when_addressed(tmp_path):
    couple = Couple(tmp_path)
    assert couple.say("pass the salt please").keys == ["didnt_catch"]
    assert couple.dialog.hear("pass the salt please", addressed=False).actions == ()
    woken = couple.dialog.hear_transcript(Transcript("pass the salt please", engine="pocketsphinx", woke=True))
    assert woken.keys == ["didnt_catch"]
    couple.say("start our hug")
    unwoken = couple.dialog.hear_transcript(Transcript("pass the salt please", engine="pocketsphinx", woke=False))
    assert unwoken.actions == ()  # the couple talking during their hug
    assert couple.dialog.hear_understanding(NoMatch("mmm"), "mmm", addressed=True).keys == ["didnt_catch"]


def test_idle_tandem_needs_its_wake_phrase(tmp_path):
    couple = Couple(tmp_path)
    assert couple.dialog.expecting().wake_needed
    assert couple.dialog.next_deadline() is None
    couple.say("start our hug")
    during = couple.dialog.expecting()
    assert not during.wake_needed and "Stop" in during.intents and not during.free_text
    assert couple.dialog.next_deadline() == 15.0  # the first heartbeat comes before the halfway chime


def test_help_lists_what_to_say(tmp_path):
    assert Couple(tmp_path).say("help").keys == ["help"]


def test_today_status_against_the_minimums(tmp_path):
    couple = Couple(tmp_path)
    reply = couple.say("how are we doing today")
    assert reply.keys == ["today_nothing_yet"]
    assert "one hug" in reply.said[0] and "round of thanks" in reply.said[0]
    couple.say("start our hug")
    couple.wait(20)
    couple.say("stop")  # partial credit counts
    reply = couple.say("how are we doing today")
    assert reply.keys == ["today_done", "today_invite"]  # the partial hug first, then the thanks, kindly
    assert "one hug" in reply.said[0] and "round of thanks" in reply.said[1]
    couple.say("three thanks")
    for _ in range(6):
        couple.say("thanks")
    assert couple.say("how are we doing today").keys == ["today_done", "today_all_met"]


def test_week_summary_speaks_counts_minutes_and_the_favourite(tmp_path):
    couple = Couple(tmp_path)
    wall = couple.clock.wall()
    for day in range(3):
        started = wall - timedelta(days=day, hours=1)
        couple.journal.record(Moment("hug", started, started + timedelta(seconds=90), 90, 90, initiated_by="Alex"))
    started = wall - timedelta(days=1, hours=2)
    couple.journal.record(Moment("walk", started, started + timedelta(minutes=10), 600, 600, rating=5, initiated_by="Sam"))
    reply = couple.say("week summary")
    assert reply.keys == ["week_summary", "week_streak", "week_favorite"]
    assert "three hugs" in reply.said[0] and "one walk" in reply.said[0]
    assert "fourteen and a half minutes" in reply.said[0]
    assert "three days" in reply.said[1]
    assert "walk" in reply.said[2]


def test_an_empty_week(tmp_path):
    assert Couple(tmp_path).say("week summary").keys == ["week_empty"]


def test_whose_turn_follows_who_started_last(tmp_path):
    couple = Couple(tmp_path)
    assert "Alex" in couple.say("whose turn is it").said[0]  # nothing yet: either, and Alex is invited
    couple.say("three thanks")
    for _ in range(6):
        couple.say("thanks")
    assert "Sam" in couple.say("whose turn is it").said[0].split(".")[0]


def test_rate_gives_the_last_moment_a_rating(tmp_path):
    couple = Couple(tmp_path)
    assert couple.say("rate it five").keys == ["rate_nothing"]
    couple.say("start our hug")
    couple.wait(100)
    assert couple.say("rate it five").keys == ["rating_thanks"]
    assert couple.last("hug").rating == 5


def test_a_number_heard_with_nothing_asked_is_asked_back_before_it_rates(tmp_path):
    """ "Too loud, turn it down" heard as "two and a half": a rating word for word, but near a kitchen speaker a
    number is likelier talk than a late rating. One short question; "yes" rates, "no" leaves the moment as it was."""
    couple = Couple(tmp_path)
    couple.say("start our hug")
    couple.wait(200)  # the hug and its unanswered rating question are over
    heard = Transcript("two and a half", engine="whisper", woke=True)
    asked = couple.dialog.hear_transcript(heard)
    assert asked.keys == ["clarify_Rate"] and asked.said[0].lower().startswith("two out of five")
    assert couple.last("hug").rating is None
    assert couple.say("no").keys == ["clarify_declined"] and couple.last("hug").rating is None
    couple.dialog.hear_transcript(heard)
    assert couple.say("yes").keys == ["rating_thanks"] and couple.last("hug").rating == 2


def test_forget_that_with_nothing_to_forget(tmp_path):
    assert Couple(tmp_path).say("forget that").keys == ["forget_nothing"]


def test_repeat_after_an_answer(tmp_path):
    couple = Couple(tmp_path)
    assert couple.say("repeat that").keys == ["nothing_to_repeat"]
    said = couple.say("help").actions
    assert couple.say("say that again").actions == said


def test_starting_a_second_ritual_while_one_runs_is_declined_kindly(tmp_path):
    couple = Couple(tmp_path)
    couple.say("start our hug")
    assert couple.say("start breathing").keys == ["ritual_busy"]
    assert couple.dialog.running == "hug"


def test_shutdown_closes_a_running_ritual_as_partial(tmp_path):
    couple = Couple(tmp_path)
    couple.say("start our hug")
    couple.wait(33)
    couple.dialog.shutdown()
    assert (couple.last("hug").status, couple.last("hug").actual_seconds) == ("partial", 33.0)


def test_events_for_the_log(tmp_path):
    couple = Couple(tmp_path)
    couple.say("start our hug")
    couple.wait(40)
    couple.say("stop")
    kinds = [(e, d.get("intent") or d.get("ritual")) for _, e, d in couple.events]
    assert kinds == [("intent", "StartHug"), ("ritual_start", "hug"), ("intent", "Stop"), ("ritual_end", "hug")]


def test_a_transcripts_alternatives_are_tried(tmp_path):
    couple = Couple(tmp_path)
    couple.say("start our hug")
    couple.wait(12)
    reply = couple.dialog.hear_transcript(Transcript("stob", alternatives=("stop",), engine="pocketsphinx"))
    assert reply.keys == ["hug_partial"]
    assert couple.last("hug").actual_seconds == 12.0


def test_the_event_log_keeps_no_appreciation_words_unless_opted_in(tmp_path):
    couple = Couple(tmp_path)
    couple.say("i appreciate you cooking dinner")
    intent = [d for _, e, d in couple.events if e == "intent"][0]
    assert "cooking" not in repr(intent) and intent["intent"] == "NoteAppreciation"


def test_a_control_said_with_its_reason_during_a_hug_is_heard_as_the_control(tmp_path):
    """Typed (or after the wake phrase) while a ritual runs, its controls are likelier than at idle:
    the dialog tells the matcher, so a pause with the reason for it pauses, or, when the reason is in
    words no intents file uses, is asked back in one short question that a yes answers."""
    couple = Couple(tmp_path)
    said = "pause pause he's climbing the bookshelf"
    assert couple.say(said).keys == ["didnt_catch"]  # at idle: nothing to pause, and no idle_pause either
    couple.say("start our hug")
    couple.wait(10)
    reply = couple.say(said).keys
    if reply == ["clarify_Pause"]:
        reply = couple.say("yes").keys
    assert reply == ["paused"]

