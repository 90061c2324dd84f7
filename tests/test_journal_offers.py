"""Offers are kept beside the moments, as safely, and go wherever the moments go (export, forget, repair)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from assistant.errors import JournalError
from assistant.journal import Journal, Moment
from assistant.journal.records import Offer

EVENING = datetime(2026, 1, 5, 21, 30).astimezone()


def test_an_offer_and_its_answer_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    journal = Journal.open(path)
    offer = journal.offer(Offer("gratitude", EVENING))
    hug = journal.offer(Offer("hug", EVENING - timedelta(hours=14), variant="morning"))
    taken = journal.answer_offer(offer.id, "accepted", moment_id="abc123")
    journal.close()

    again = Journal.open(path, now=hug.at)  # within the hug offer's answer window
    assert again.offers() == [hug, taken]  # oldest first
    assert (taken.outcome, taken.moment_id) == ("accepted", "abc123")
    assert again.offers(since=EVENING - timedelta(hours=1)) == [taken]
    assert again.moments() == []  # offers are not moments


def test_offers_are_read_across_months_from_a_given_time(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "journal.json")
    made = [journal.offer(Offer("hug", EVENING - timedelta(days=d))) for d in (40, 10, 0)]
    assert journal.offers() == made
    assert journal.offers(since=(EVENING - timedelta(days=11)).date()) == made[1:]


def test_answering_an_unknown_offer_or_with_a_bad_outcome_is_a_clear_error(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "journal.json")
    offer = journal.offer(Offer("hug", EVENING))
    with pytest.raises(JournalError, match="no offer with id"):
        journal.answer_offer("nope", "declined")
    with pytest.raises(ValueError, match="outcome"):
        journal.answer_offer(offer.id, "maybe")
    with pytest.raises(JournalError, match="already recorded"):
        journal.offer(offer)


def test_another_process_sees_an_offer_made_and_answered(tmp_path: Path) -> None:
    speaker = Journal.open(tmp_path / "journal.json")
    report = Journal.open(tmp_path / "journal.json")
    offer = speaker.offer(Offer("gratitude", EVENING))
    assert [o.outcome for o in report.offers()] == ["pending"]
    speaker.answer_offer(offer.id, "silenced")
    assert [o.outcome for o in report.offers()] == ["silenced"]


def test_a_journal_from_before_offers_opens_with_none(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    moment = Moment("hug", EVENING, actual_seconds=60)
    path.write_text(json.dumps({"meta": {"1": {"schema": 2}},
                                "moments-2026-01": {"1": moment.to_dict()}}))
    journal = Journal.open(path)
    assert journal.notice is None
    assert journal.moments() == [moment]
    assert journal.offers() == []
    journal.offer(Offer("hug", EVENING))
    assert len(Journal.open(path).offers()) == 1


def test_a_torn_offer_write_is_ignored_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    journal = Journal.open(path)
    kept = journal.offer(Offer("hug", EVENING))
    journal.offer(Offer("gratitude", EVENING + timedelta(minutes=5)))
    log = path.with_name("journal.json.log")
    log.write_bytes(log.read_bytes()[:-20])  # the plug pulled during the last write
    assert Journal.open(path, now=EVENING).offers() == [kept]


def test_a_malformed_offer_table_sets_the_journal_aside(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    path.write_text(json.dumps({"meta": {"1": {"schema": 3}}, "offers-2026-01": {"1": {"ritual": "hug"}}}))
    journal = Journal.open(path)
    assert journal.notice is not None and journal.notice.key == "journal_set_aside"
    assert journal.offers() == []


def test_export_includes_offers(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "journal.json")
    offer = journal.offer(Offer("gratitude", EVENING, reason="minimum", outcome="declined"))
    data = json.loads(journal.export("json"))
    assert [Offer.from_dict(d) for d in data["offers"]] == [offer]


def test_offers_export_as_their_own_csv_one_row_an_offer(tmp_path: Path) -> None:
    import csv
    import io

    journal = Journal.open(tmp_path / "journal.json", now=EVENING)
    taken = journal.offer(Offer("hug", EVENING, variant="morning", outcome="accepted", moment_id="abc"))
    journal.offer(Offer("gratitude", EVENING + timedelta(minutes=1), reason="minimum", outcome="silenced"))
    rows = list(csv.DictReader(io.StringIO(journal.export("csv", "offers"))))
    assert [(r["ritual"], r["outcome"], r["variant"], r["moment_id"]) for r in rows] == [
        ("hug", "accepted", "morning", "abc"), ("gratitude", "silenced", "", "")]
    assert rows[0]["id"] == taken.id and rows[1]["reason"] == "minimum"
    assert "ritual" in journal.export("csv").splitlines()[0] and "outcome" not in journal.export("csv")


def test_forget_all_removes_offers_from_disk_too(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    journal = Journal.open(path)
    journal.record(Moment("hug", EVENING, actual_seconds=60))
    offer = journal.offer(Offer("gratitude", EVENING))
    journal.forget(all=True)
    assert journal.offers() == []
    on_disk = path.read_bytes() + path.with_name("journal.json.log").read_bytes()
    assert offer.id.encode() not in on_disk


def test_forget_since_removes_the_offers_of_that_time_only(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "journal.json")
    old = journal.offer(Offer("hug", EVENING - timedelta(days=3)))
    journal.offer(Offer("hug", EVENING))
    journal.forget(since=(EVENING - timedelta(days=1)).date())
    assert journal.offers() == [old]


def test_repair_recovers_offers_from_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    journal = Journal.open(path)
    journal.record(Moment("hug", EVENING, actual_seconds=60))
    offers = [journal.offer(Offer("hug", EVENING + timedelta(minutes=i))) for i in range(3)]
    journal.answer_offer(offers[0].id, "accepted", moment_id="m1")
    journal._storage.compact()
    journal.close()
    damaged = tmp_path / "damaged.json"
    damaged.write_bytes(path.read_bytes()[:-1])  # cut short: the outer JSON no longer parses

    fresh = Journal.open(tmp_path / "fresh.json")
    result = fresh.repair(damaged)
    assert (result.found, result.added, result.offers_found, result.offers_added) == (1, 1, 3, 3)
    assert [(o.id, o.outcome) for o in fresh.offers()] == [(offers[0].id, "accepted"), (offers[1].id, "pending"),
                                                           (offers[2].id, "pending")]
    assert fresh.repair(damaged).offers_added == 0  # nothing twice


def test_not_today_said_with_no_offer_waiting_is_kept_and_forgotten_with_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    journal = Journal.open(path)
    journal.silence(EVENING - timedelta(days=2))
    journal.silence(EVENING)
    assert Journal.open(path).silences(since=EVENING.date()) == [EVENING]
    assert json.loads(journal.export("json"))["silences"] == [(EVENING - timedelta(days=2)).isoformat(),
                                                               EVENING.isoformat()]
    journal.forget(since=EVENING.date())
    assert journal.silences() == [EVENING - timedelta(days=2)]
    journal.forget(all=True)
    assert journal.silences() == []


def test_an_offer_cut_off_by_a_crash_is_closed_as_unanswered_on_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    journal = Journal.open(path, now=EVENING)
    cut_off = journal.offer(Offer("gratitude", EVENING))
    journal.close()  # the process died while listening for the answer
    assert [o.outcome for o in Journal.open(path, now=EVENING + timedelta(minutes=1)).offers()] == ["pending"]
    reopened = Journal.open(path, now=EVENING + timedelta(hours=1))
    assert [(o.id, o.outcome) for o in reopened.offers()] == [(cut_off.id, "unanswered")]
