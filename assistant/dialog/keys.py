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
    # outside a ritual
    "didnt_catch": frozenset(),
    "nothing_running": frozenset(),
    "help": frozenset({"first", "second"}),
    "rate_nothing": frozenset(),
    "forgot_text": frozenset({"ritual"}),
    "forget_nothing": frozenset(),
    "forgot_answer": frozenset({"name"}),
    "today_all_done": frozenset({"done"}),
    "today_some_left": frozenset({"done", "missing"}),
    "today_nothing_yet": frozenset({"missing"}),
    "today_free": frozenset({"done"}),
    "today_empty": frozenset(),
    "week_summary": frozenset({"moments", "minutes"}),
    "week_favorite": frozenset({"ritual", "rating"}),
    "week_empty": frozenset(),
    "whose_turn": frozenset({"name", "other"}),
    "journal_error": frozenset(),
    "journal_set_aside": frozenset(),
    "chat_welcome": frozenset({"first", "second"}),
}

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
