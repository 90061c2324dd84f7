"""The journal's commands, run for real: log, report, journal check/repair, forget, export.

`tandem log` is checked before anything is kept (the ritual, `--by`, `--at`) and says what it kept in one line."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timedelta
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.commands.journal import check_text
from assistant.journal import Journal, Moment


@pytest.fixture
def tandem(tmp_path: Path, capsys):
    journal = tmp_path / "journal.json"
    config = tmp_path / "config.toml"
    config.write_text('[partners]\nnames = ["Alex", "Sam"]\n\n[minimums]\nhug = 2\ngratitude = 1\n')

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([*argv, "--journal", str(journal), "--config", str(config)])
        out, err = capsys.readouterr()
        return code, out, err

    run.journal = journal  # type: ignore[attr-defined]
    return run


def test_log_then_report_today_uses_the_config_minimums(tandem) -> None:
    code, out, _ = tandem("log", "hug", "--seconds", "40", "--status", "partial", "--at", "2026-01-05T20:00:00+01:00",
                          "--json")
    assert code == 0 and json.loads(out)["actual_seconds"] == 40
    code, out, _ = tandem("report", "--today", "--json", "--at", "2026-01-05T22:00:00+01:00")
    today = json.loads(out)
    assert today["days"][-1]["counts"] == {"hug": 1} and today["rituals"]["hug"]["partial"] == 1
    assert today["minimums"] == {"hug": 2, "gratitude": 1}


def test_report_week_json_has_the_spoken_figures(tandem) -> None:
    tandem("log", "hug", "--at", "2026-01-04T20:00:00+01:00", "--rating", "5")
    tandem("log", "appreciation", "--at", "2026-01-05T08:00:00+01:00")
    code, out, _ = tandem("report", "--week", "--json", "--at", "2026-01-05T22:00:00+01:00")
    week = json.loads(out)
    hug = week["rituals"]["hug"]
    assert (hug["moments"], hug["minutes"], week["appreciations"]) == (1, 1.5, 1)
    assert hug["average_rating"] == 5 and week["meaningful"] == "hug"


def test_log_rejects_a_bad_time_clearly(tandem) -> None:
    code, _, err = tandem("log", "hug", "--at", "yesterday evening")
    assert code == 2 and "ISO time" in err


def test_forget_all_asks_first_and_yes_skips_the_question(tandem) -> None:
    tandem("log", "hug")
    code, _, err = tandem("forget", "--all")  # no terminal to answer: nothing is deleted
    assert code == 2 and "nothing was forgotten" in err
    assert len(Journal.open(tandem.journal)) == 1
    code, out, _ = tandem("forget", "--all", "--yes")
    assert json.loads(out) == {"forgotten": 1}


def test_export_to_a_private_file(tandem, tmp_path: Path) -> None:
    tandem("log", "walk", "--at", "2026-01-05T18:00:00+01:00")
    target = tmp_path / "out.csv"
    assert tandem("export", "--format", "csv", "--output", str(target))[0] == 0
    assert target.read_text().splitlines()[1].startswith("walk,2026-01-05T18:00:00+01:00")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_corrupt_journal_is_reported_once_and_repaired_by_command(tandem) -> None:
    tandem("log", "hug", "--at", "2026-01-05T20:00:00+01:00")
    journal = Journal.open(tandem.journal)
    journal._storage.compact()
    journal.close()
    tandem.journal.write_bytes(tandem.journal.read_bytes()[:-2])  # the outer braces only
    code, _, err = tandem("journal", "check")
    assert code == 0 and "journal repair" in err
    backup = next(tandem.journal.parent.glob("journal.json.corrupt-*"))
    code, out, err = tandem("journal", "repair", str(backup))
    assert json.loads(out)["added"] == 1 and err == ""
    code, out, _ = tandem("journal", "check", "--json")
    assert json.loads(out)["moments"] == 1


def test_the_installed_command_runs_as_a_separate_process(tmp_path: Path) -> None:
    def tandem(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "assistant", *argv, "--journal", str(tmp_path / "j.json")],
                              capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)

    result = tandem("report", "--week", "--json")
    assert result.returncode == 2 and "no journal" in result.stderr and not (tmp_path / "j.json").exists()
    assert tandem("log", "hug").returncode == 0
    result = tandem("report", "--week", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total_moments"] == 1


def test_journal_check_says_plainly_what_is_there(tandem) -> None:
    tandem("log", "hug")
    tandem("log", "walk")
    code, out, _ = tandem("journal", "check")
    assert code == 0
    assert out.splitlines()[0] == f"Journal {tandem.journal}"
    assert "2 moments and 0 offers" in out and "readable by you only" in out and out.endswith("All good.\n")
    assert "{" not in out and "snapshot_bytes" not in out and "True" not in out  # no debug dump
    report = json.loads(tandem("journal", "check", "--json")[1])
    out = check_text({**report, "private": False, "ok": False})
    assert "Problem: other people on this computer can read it." in out and "Fix: chmod 600" in out
    assert "All good" not in out


# ---- tandem log: checked before it is kept, said back in one line --------------------------------

def log(tandem, *argv: str) -> tuple[int, str, str]:
    return tandem("log", *argv)


def kept(tandem) -> list[Moment]:
    if not tandem.journal.exists():
        return []
    with Journal.open(tandem.journal) as journal:
        return journal.moments()


def test_what_was_recorded_is_said_in_one_line(tandem) -> None:
    code, out, _ = log(tandem, "hug", "--seconds", "40", "--status", "partial", "--by", "Sam")
    assert code == 0
    assert out.count("\n") == 1 and not out.startswith("{")
    assert "one hug" in out and "forty seconds" in out and "partial" in out and "started by Sam" in out


def test_json_gives_the_record(tandem) -> None:
    code, out, _ = log(tandem, "walk", "--json")
    record = json.loads(out)
    assert code == 0 and record["ritual"] == "walk" and record["actual_seconds"] == 300


def test_an_unknown_starter_is_said_to_be_unknown(tandem) -> None:
    _, out, _ = log(tandem, "hug")
    assert "not known" in out and "--by" in out
    assert kept(tandem)[0].initiated_by is None


@pytest.mark.parametrize("name, suggestion", [("hugs", "hug"), ("gratitdue", "gratitude"), ("check-ins", "check_in"),
                                              ("Hold hands", None)])
def test_a_ritual_name_is_checked_with_the_fix_named(tandem, name: str, suggestion: str | None) -> None:
    code, out, err = log(tandem, name)
    if suggestion is None:  # spaces, dashes and capitals are fine
        assert code == 0 and kept(tandem)[0].ritual == "hold_hands"
        return
    assert code == 2 and f"did you mean {suggestion}?" in err
    assert kept(tandem) == [] and not tandem.journal.exists()


def test_something_that_is_no_ritual_at_all_lists_the_rituals(tandem) -> None:
    code, _, err = log(tandem, "laundry")
    assert code == 2 and "hug" in err and "gratitude" in err
    assert kept(tandem) == []


def test_the_starter_must_be_one_of_the_partners(tandem) -> None:
    code, _, err = log(tandem, "hug", "--by", "Jordan")
    assert code == 2 and "Jordan" in err and "Alex" in err and "Sam" in err
    assert kept(tandem) == []
    assert log(tandem, "hug", "--by", "sam")[0] == 0
    assert kept(tandem)[0].initiated_by == "Sam"  # spelt as in the config


def test_a_time_still_to_come_is_refused(tandem) -> None:
    tomorrow = (datetime.now().astimezone() + timedelta(days=1)).isoformat(timespec="minutes")
    code, _, err = log(tandem, "hug", "--at", tomorrow)
    assert code == 2 and "future" in err
    assert kept(tandem) == []


def test_a_logged_gratitude_counts_its_usual_minutes(tandem) -> None:
    log(tandem, "gratitude")
    first = kept(tandem)[0]
    assert first.actual_seconds >= 120  # the usual length of three thanks each, not zero
    with Journal.open(tandem.journal) as journal:
        now = datetime.now().astimezone()
        journal.record_many([Moment("gratitude", now - timedelta(days=d), actual_seconds=s)
                             for d, s in ((1, 300), (2, 360), (3, 360), (4, 420))])
    assert json.loads(log(tandem, "gratitude", "--json")[1])["actual_seconds"] == 360  # this couple's own usual round
    assert json.loads(log(tandem, "gratitude", "--seconds", "75", "--json")[1])["actual_seconds"] == 75
