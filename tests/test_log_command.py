"""`tandem log RITUAL`: a moment done without the speaker, checked before it is kept, said back in one line."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.journal import Journal, Moment


@pytest.fixture
def tandem(tmp_path: Path, capsys):
    journal = tmp_path / "journal.json"
    config = tmp_path / "config.toml"
    config.write_text('[partners]\nnames = ["Alex", "Sam"]\n')

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["log", *argv, "--journal", str(journal), "--config", str(config)])
        out, err = capsys.readouterr()
        return code, out, err

    run.journal = journal  # type: ignore[attr-defined]
    return run


def kept(tandem) -> list[Moment]:
    if not tandem.journal.exists():
        return []
    with Journal.open(tandem.journal) as journal:
        return journal.moments()


def test_what_was_recorded_is_said_in_one_line(tandem) -> None:
    code, out, _ = tandem("hug", "--seconds", "40", "--status", "partial", "--by", "Sam")
    assert code == 0
    assert out.count("\n") == 1 and not out.startswith("{")
    assert "one hug" in out and "forty seconds" in out and "partial" in out and "started by Sam" in out


def test_json_gives_the_record(tandem) -> None:
    code, out, _ = tandem("walk", "--json")
    record = json.loads(out)
    assert code == 0 and record["ritual"] == "walk" and record["actual_seconds"] == 300


def test_an_unknown_starter_is_said_to_be_unknown(tandem) -> None:
    _, out, _ = tandem("hug")
    assert "not known" in out and "--by" in out
    assert kept(tandem)[0].initiated_by is None


@pytest.mark.parametrize("name, suggestion", [("hugs", "hug"), ("gratitdue", "gratitude"), ("check-ins", "check_in"),
                                              ("Hold hands", None)])
def test_a_ritual_name_is_checked_with_the_fix_named(tandem, name: str, suggestion: str | None) -> None:
    code, out, err = tandem(name)
    if suggestion is None:  # spaces, dashes and capitals are fine
        assert code == 0 and kept(tandem)[0].ritual == "hold_hands"
        return
    assert code == 2 and f"did you mean {suggestion}?" in err
    assert kept(tandem) == [] and not tandem.journal.exists()


def test_something_that_is_no_ritual_at_all_lists_the_rituals(tandem) -> None:
    code, _, err = tandem("laundry")
    assert code == 2 and "hug" in err and "gratitude" in err
    assert kept(tandem) == []


def test_the_starter_must_be_one_of_the_partners(tandem) -> None:
    code, _, err = tandem("hug", "--by", "Jordan")
    assert code == 2 and "Jordan" in err and "Alex" in err and "Sam" in err
    assert kept(tandem) == []
    assert tandem("hug", "--by", "sam")[0] == 0
    assert kept(tandem)[0].initiated_by == "Sam"  # spelt as in the config


def test_a_time_still_to_come_is_refused(tandem) -> None:
    tomorrow = (datetime.now().astimezone() + timedelta(days=1)).isoformat(timespec="minutes")
    code, _, err = tandem("hug", "--at", tomorrow)
    assert code == 2 and "future" in err
    assert kept(tandem) == []


def test_a_logged_gratitude_counts_its_usual_minutes(tandem) -> None:
    tandem("gratitude")
    first = kept(tandem)[0]
    assert first.actual_seconds >= 120  # the usual length of three thanks each, not zero
    with Journal.open(tandem.journal) as journal:
        now = datetime.now().astimezone()
        journal.record_many([Moment("gratitude", now - timedelta(days=d), actual_seconds=s)
                             for d, s in ((1, 300), (2, 360), (3, 360), (4, 420))])
    assert json.loads(tandem("gratitude", "--json")[1])["actual_seconds"] == 360  # this couple's own usual round
    assert json.loads(tandem("gratitude", "--seconds", "75", "--json")[1])["actual_seconds"] == 75
