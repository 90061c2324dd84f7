"""Every ritual in the book records the seconds it really ran: finished, stopped early, or paused on the way.

The expected figure is read off the clock, never from the engine: the time from the start to the moment
the journal shows it done (or stopped), less any pause. Speech takes no time on this virtual clock, so a
hug's hold and its whole run are the same length here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dialog_harness import Couple

START = {
    "hug": "start our hug", "breathing": "two minutes of breathing", "gratitude": "gratitude time",
    "check_in": "let's check in", "walk": "let's go for a walk", "hold_hands": "hold hands",
    "curiosity": "ask us a question", "appreciation": "note an appreciation", "repair": "we had a fight",
}
"""How a couple starts each ritual; a ritual added to the book without a line here fails the test below."""
ANSWER_AFTER = 7.0


def book_rituals() -> list[str]:
    couple = Couple(Path("/nonexistent"), journal=_NoJournal())
    return sorted(couple.dialog.rituals.rituals)


class _NoJournal:
    """Just enough journal to list the book (the dialog asks it a few questions at start)."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: [] if name in ("moments", "offers", "silences") else None


def run_ritual(couple: Couple, ritual: str, stop_at: float | None = None,
               pause_at: float | None = None, pause_for: float = 30.0) -> tuple[float, float]:
    """Play a ritual through as a prompt couple would; returns (seconds expected, seconds recorded)."""
    t0 = couple.clock.now()
    couple.say(START[ritual])
    paused = 0.0
    ended: float | None = None
    for _ in range(200):
        now = couple.clock.now()
        moment = couple.last(ritual)
        if ended is None and moment.status != "running":
            ended = now
        if couple.dialog.running is None:
            break
        if pause_at is not None and ended is None and now - t0 >= pause_at:
            pause_at = None
            if couple.say("pause").keys == ["paused"]:
                couple.wait(pause_for)
                paused += pause_for
                couple.say("resume")
            continue
        if stop_at is not None and ended is None and now - t0 >= stop_at:
            couple.say("stop")
            stop_at = None
            continue
        expecting = couple.dialog.expecting()
        intents = expecting.intents or frozenset()
        if expecting.free_text:
            step = ANSWER_AFTER
            if stop_at is not None:
                step = min(step, max(0.0, t0 + stop_at - now))
            if pause_at is not None:
                step = min(step, max(0.0, t0 + pause_at - now))
            couple.wait(step)
            if step == ANSWER_AFTER:
                couple.say("thank you for the tea")
        elif "Rate" in intents or "Yes" in intents:
            couple.wait(3.0)  # a moment's thought, after the ritual itself is over
            couple.say("skip" if "Rate" in intents else "no")
        else:
            due = couple.dialog.next_deadline()
            assert due is not None, f"{ritual} waits for nothing"
            for mark in (stop_at, pause_at):
                if mark is not None:
                    due = min(due, t0 + mark)
            couple.wait(max(0.0, due - now))
    assert ended is not None, f"{ritual} never finished"
    return round(ended - t0 - paused, 1), couple.last(ritual).actual_seconds


def test_every_ritual_in_the_book_has_a_way_to_start_it_here() -> None:
    assert set(book_rituals()) <= set(START)


@pytest.mark.parametrize("ritual", sorted(START))
def test_a_finished_ritual_records_the_seconds_it_ran(tmp_path: Path, ritual: str) -> None:
    couple = Couple(tmp_path)
    expected, recorded = run_ritual(couple, ritual)
    assert recorded == pytest.approx(expected, abs=0.1)
    assert couple.last(ritual).status == "completed"
    end = [d for _, e, d in couple.events if e == "ritual_end"][0]
    assert end["seconds"] == pytest.approx(recorded, abs=0.1)  # what the event log says is what was kept


@pytest.mark.parametrize("ritual", sorted(set(START) - {"curiosity"}))  # a question is over once asked
def test_a_ritual_stopped_early_records_the_seconds_until_the_stop(tmp_path: Path, ritual: str) -> None:
    couple = Couple(tmp_path)
    expected, recorded = run_ritual(couple, ritual, stop_at=4.0)
    assert expected == pytest.approx(4.0, abs=0.1)
    assert recorded == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize("ritual", sorted(set(START) - {"curiosity"}))
def test_a_pause_is_not_counted_as_time_together(tmp_path: Path, ritual: str) -> None:
    couple = Couple(tmp_path)
    expected, recorded = run_ritual(couple, ritual, pause_at=3.0)
    assert recorded == pytest.approx(expected, abs=0.1)


def test_a_repair_records_its_pause_count_and_recap(tmp_path: Path) -> None:
    couple = Couple(tmp_path)
    expected, recorded = run_ritual(couple, "repair")
    assert recorded == expected == 10 + 5 + 2 * ANSWER_AFTER  # the pause, the count of five, two recaps
