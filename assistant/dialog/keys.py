"""The response keys code speaks, with the slots each may use.

`Voices.load` checks this table against `voices/`, so a key that code needs but the data lacks
fails at start-up, not mid-hug. Keys named by ritual scripts are checked by `rituals/script.py`
against `RITUAL_SLOTS`.
"""

from __future__ import annotations

RITUAL_SLOTS: frozenset[str] = frozenset({
    "first", "second",  # the partners in this run's order (who starts, who follows)
    "name", "other",  # the partner whose turn it is, and the other one
    "duration",  # the planned length, spoken ("a minute and a half")
    "done",  # the length really done, spoken
    "left",  # time left, spoken
    "question",  # a question from the bank
    "number",  # a count word ("three")
    "count",  # answers given so far, spoken
    "ritual",  # the ritual's spoken name
})
"""Slots the ritual engine fills for any line of a ritual script."""

CODE_KEYS: dict[str, frozenset[str]] = {
    # controls during a ritual
    "time_left": frozenset({"left", "ritual"}),
    "time_left_paused": frozenset({"left", "ritual"}),
    "time_left_untimed": frozenset({"ritual"}),
    "time_added": frozenset({"added", "left"}),
    "add_time_untimed": frozenset({"ritual"}),
    "paused": frozenset({"ritual", "left"}),
    "resumed": frozenset({"ritual", "left"}),
    "already_paused": frozenset({"ritual"}),
    "not_paused": frozenset({"ritual"}),
    "nothing_to_repeat": frozenset(),
    "ritual_partial": RITUAL_SLOTS,
    "ritual_cancelled": RITUAL_SLOTS,
    "listen_timeout": RITUAL_SLOTS,
    "ritual_busy": frozenset({"ritual"}),
    "rating_thanks": frozenset({"rating"}),
    "take_your_time": RITUAL_SLOTS,  # "we need a moment" while a question waits: it stays open
    "stopped_after_done": RITUAL_SLOTS,  # "stop" at the rating or follow-up question
    "another_question": RITUAL_SLOTS,  # "another question" in a check-in: {question}
    "no_question_here": frozenset({"ritual"}),
    "no_other_question": RITUAL_SLOTS,
    "rating_again": frozenset(),  # an answer to "one to five?" with no number in it
    "rating_let_go": frozenset(),
    "rating_skipped": RITUAL_SLOTS,  # "skip" or "no" at the rating question
    "yes_no_in_ritual": frozenset({"ritual"}),
    # outside a ritual
    "didnt_catch": frozenset(),
    "nothing_running": frozenset(),
    # help: what can be said right now (2-3 short sentences; several phrasings each)
    **{key: frozenset({"first", "second", "ritual"}) for key in (
        "help", "help_offer", "help_timer", "help_paused", "help_answers", "help_rating", "help_follow_up")},
    # yes, no or a control with nothing running: never silence, never a telling-off
    **{f"idle_{intent}": frozenset() for intent in (
        "yes", "no", "stop", "pause", "resume", "timeleft", "addtime", "next", "skip")},
    "rate_nothing": frozenset(),
    "forgot_text": frozenset({"ritual"}),
    "forget_nothing": frozenset(),
    "forgot_answer": frozenset({"name"}),
    # spoken summaries (assistant/dialog/summaries.py): one sentence per phrasing
    "today_done": frozenset({"done", "minutes"}),
    "today_done_brief": frozenset({"done"}),
    "today_all_met": frozenset(),
    "today_streak": frozenset({"days"}),
    "today_streak_fresh": frozenset({"days"}),
    "today_nothing_yet": frozenset({"missing"}),
    "today_empty": frozenset(),
    "today_invite": frozenset({"missing"}),
    "today_week_invite": frozenset({"missing"}),
    "week_summary": frozenset({"moments", "minutes"}),
    "week_moments": frozenset({"moments"}),
    "week_streak": frozenset({"days"}),
    "week_minimums_all": frozenset(),
    "week_minimums_some": frozenset({"days"}),
    "week_favorite": frozenset({"ritual", "rating"}),
    "week_easiest": frozenset({"ritual", "rituals"}),
    "week_partial": frozenset({"count"}),
    "week_invite": frozenset({"missing"}),
    "week_empty": frozenset(),
    "month_summary": frozenset({"moments", "minutes"}),
    "month_moments": frozenset({"moments"}),
    "month_empty": frozenset(),
    "streak_none": frozenset(),
    "streak_started": frozenset(),  # the run is today's: one day, today
    "streak_started_yesterday": frozenset(),  # one day, yesterday, and today still open
    "streak_best": frozenset({"days"}),
    "streak_now": frozenset({"days", "best"}),
    # who starts: only what is known ("the last one I know of"), never a guess
    **{f"whose_turn{shape}{scope}": frozenset({"name", "other", "ritual"})
       for shape in ("", "_first", "_unknown", "_earlier") for scope in ("", "_ritual")},
    "starter_noted": frozenset({"name", "ritual"}),
    "hello_name": frozenset({"name"}),
    # gentle offers (voices/en/offers.yaml); offer_RITUAL[_VARIANT] keys are optional, checked by OFFER_SLOTS
    "offer_ritual": frozenset({"ritual", "name", "other"}),
    "offer_minimum": frozenset({"ritual", "name", "other"}),
    "offer_declined": frozenset(),
    "offers_silenced": frozenset(),
    "journal_error": frozenset(),
    "journal_set_aside": frozenset(),
    "chat_welcome": frozenset({"first", "second"}),
}

OFFER_SLOTS: frozenset[str] = frozenset({"ritual", "name", "other"})
"""Slots any `offer_*` phrasing may use (the per-ritual keys are optional, so not in CODE_KEYS)."""

DURATION_FORMS: dict[str, tuple[str, ...]] = {
    "one_second": (),
    "seconds": ("n",),
    "one_minute": (),
    "minutes": ("n",),
    "one_minute_and_half": (),
    "minutes_and_half": ("n",),
    "one_hour": (),
    "hours": ("n",),
    "join": ("a", "b"),
}
"""The phrases `spoken_duration` assembles; each form may use only its own slots."""
