"""The journal's everyday API: record, rituals in progress, today's and the week's figures, whose turn."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from forking import fork
from assistant.errors import JournalError
from assistant.config import Minimums, Settings
from assistant.journal import Journal, Moment
from assistant.journal.figures import Period, figures_for

EVENING = datetime(2026, 1, 5, 20, 0).astimezone()


def hug(at: datetime, seconds: float = 90, status: str = "completed", by: str | None = "Sam", **extra) -> Moment:
    return Moment("hug", at, at + timedelta(seconds=seconds), 90, seconds, status, by, **extra)


@pytest.fixture
def journal(tmp_path: Path):
    j = Journal.open(tmp_path / "journal.json")
    yield j
    j.close()


def test_a_recorded_moment_is_there_after_reopening(tmp_path: Path, journal: Journal) -> None:
    moment = journal.record(hug(EVENING))
    journal.close()
    again = Journal.open(tmp_path / "journal.json")
    assert again.moments() == [moment]
    assert again.get(moment.id).actual_seconds == 90


def test_a_hug_stopped_at_forty_seconds_is_recorded_as_partial(journal: Journal) -> None:
    moment_id = journal.begin(Moment("hug", EVENING, planned_seconds=90, initiated_by="Alex"))
    assert journal.get(moment_id).status == "running"
    journal.heartbeat(moment_id, 30)
    finished = journal.finish(moment_id, status="partial", actual_seconds=40)
    stored = journal.get(moment_id)
    assert stored == finished
    assert (stored.status, stored.actual_seconds, stored.planned_seconds) == ("partial", 40, 90)
    assert stored.ended == EVENING + timedelta(seconds=40)


def test_today_counts_partial_moments_against_the_minimums(journal: Journal) -> None:
    journal.record(hug(EVENING - timedelta(hours=12), seconds=40, status="partial"))
    journal.record(hug(EVENING - timedelta(days=1)))  # yesterday does not count
    journal.record(Moment("breathing", EVENING - timedelta(hours=1), actual_seconds=120, status="cancelled"))
    today = figures_for(journal, Period.today(EVENING), EVENING, Settings()).today
    assert today is not None and today.counts == {"hug": 1}
    assert today.met is None  # not met yet, and the day is not over
    journal.record(Moment("gratitude", EVENING, actual_seconds=200, counts={"Sam": 3, "Alex": 3}))
    assert figures_for(journal, Period.today(EVENING), EVENING, Settings()).today.met
    two_hugs = Settings(minimums=Minimums(hug=2, gratitude=1))
    assert figures_for(journal, Period.today(EVENING), EVENING, two_hugs).today.met is None


def test_the_week_counts_minutes_ratings_partial_moments_and_appreciations(journal: Journal) -> None:
    for day in range(10):  # ten days of one hug each; only seven are in the week
        journal.record(hug(EVENING - timedelta(days=day), seconds=60, rating=3 if day else None))
    journal.record(hug(EVENING - timedelta(days=2, hours=1), seconds=120, status="partial", rating=5))
    journal.record(Moment("appreciation", EVENING, kind="appreciation", texts=None))
    week = figures_for(journal, Period.week(EVENING), EVENING, Settings())
    hugs = week.rituals["hug"]
    assert (hugs.moments, hugs.partial) == (8, 1)
    assert hugs.minutes == pytest.approx(7 + 2)
    assert hugs.average_rating == pytest.approx((3 * 6 + 5) / 7)
    assert week.appreciations == 1
    assert sum(1 for d in week.days if d.counts) == 7


def test_rating_a_moment_is_kept(journal: Journal) -> None:
    moment = journal.record(hug(EVENING))
    journal.rate(moment.id, 4)
    assert journal.get(moment.id).rating == 4
    with pytest.raises(ValueError):
        journal.rate(moment.id, 9)
    with pytest.raises(JournalError, match="no moment"):
        journal.rate("nope", 3)


def test_whose_turn_follows_who_initiated_last(journal: Journal) -> None:
    assert journal.last_initiator() is None
    journal.record(Moment("gratitude", EVENING - timedelta(days=1), initiated_by="Sam"))
    journal.record(hug(EVENING, by="Alex"))
    assert journal.last_initiator() == "Alex"
    assert journal.last_initiator("gratitude") == "Sam"
    assert journal.last_initiator("walk") is None


def test_moments_span_months_in_order(journal: Journal) -> None:
    days = [EVENING - timedelta(days=d) for d in (0, 40, 20, 75, 1)]
    for at in days:
        journal.record(hug(at))
    assert [m.started for m in journal.moments()] == sorted(days)
    assert [m.started for m in journal.moments(since=EVENING - timedelta(days=21))] == sorted(days)[2:]


def test_a_ritual_left_running_by_a_dead_process_is_closed_as_partial_with_its_last_heartbeat(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    Journal.open(path).close()
    child = fork()
    if child == 0:  # a speaker that crashes thirty seconds into a hug
        try:
            j = Journal.open(path)
            moment_id = j.begin(Moment("hug", EVENING, planned_seconds=90))
            j.heartbeat(moment_id, 30)
            os.write(1, b"")
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    journal = Journal.open(path, now=EVENING + timedelta(hours=1))
    (moment,) = journal.moments()
    assert (moment.status, moment.actual_seconds) == ("partial", 30)
    assert moment.ended == EVENING + timedelta(seconds=30)


def test_a_ritual_still_running_in_a_live_process_is_left_alone(tmp_path: Path) -> None:
    speaker = Journal.open(tmp_path / "journal.json")
    moment_id = speaker.begin(Moment("hug", EVENING, planned_seconds=90))
    report = Journal.open(tmp_path / "journal.json", now=EVENING + timedelta(hours=1))
    assert report.get(moment_id).status == "running"
    speaker.finish(moment_id, actual_seconds=90)
    assert report.get(moment_id).status == "completed"


def test_two_journals_on_one_file_see_each_others_writes_even_after_compaction(tmp_path: Path, monkeypatch) -> None:
    from assistant.journal import storage

    monkeypatch.setattr(storage, "MIN_LOG_BEFORE_COMPACT", 2000)
    a = Journal.open(tmp_path / "journal.json")
    b = Journal.open(tmp_path / "journal.json")
    ids = [a.record(hug(EVENING - timedelta(minutes=i))).id for i in range(30)]
    b.record(hug(EVENING + timedelta(minutes=1), by="Alex"))
    assert sorted(m.id for m in b.moments()) == sorted([*ids, b.moments()[-1].id])
    assert len(a) == 31 and a.last_initiator() == "Alex"


def test_with_no_path_the_journal_lives_in_the_platform_data_folder(tmp_path: Path, monkeypatch) -> None:
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_data_dir", lambda app: str(tmp_path / "data" / app))
    journal = Journal.open()
    journal.record(hug(EVENING))
    assert journal.path == tmp_path / "data" / "tandem" / "journal.json"
    assert journal.path.is_file()
