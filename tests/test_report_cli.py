"""`tandem report`, run for real on a real journal: the table, --json, the periods, the page file, the errors."""

from __future__ import annotations

import json
import re
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import load_settings
from assistant.errors import DataError
from assistant.journal import Journal, Moment
from assistant.journal.figures import Period, figures_for
from assistant.journal.records import Offer
from assistant.report.labels import LABELS_FILE, Labels

NOW = datetime(2026, 11, 30, 21, 0, tzinfo=timezone(timedelta(hours=1)))
"""A Monday evening."""
AT = ["--at", NOW.isoformat()]
CONFIG = """[partners]
names = ["Alex", "Sam <3 & co"]

[minimums]
hug = 1
gratitude = 1
"""


def moment(ritual: str, days_ago: int, seconds: float = 90, status: str = "completed", by: str | None = "Alex",
           rating: int | None = None, hour: int = 8, kind: str = "moment") -> Moment:
    started = (NOW - timedelta(days=days_ago)).replace(hour=hour, minute=0)
    return Moment(ritual, started, started + timedelta(seconds=seconds), seconds, seconds, status, by, rating,
                  kind=kind)


def our_weeks(path: Path) -> Path:
    """Ten weeks of a real couple's journal: a hug most days; this week gratitude twice (one more cancelled),
    a partial hug, ratings, one appreciation, a missed Thursday (forgiven), and four offers."""
    history = [moment("hug", d, by=("Alex", "Sam")[d % 2]) for d in range(7, 70)]
    history += [moment("hug", d, by=("Alex", "Sam")[d % 2], rating=4 if d in (0, 1) else None)
                for d in (0, 1, 2, 4, 5, 6)]
    history += [
        moment("hug", 1, seconds=40, status="partial", by="Sam", hour=19),
        moment("gratitude", 0, seconds=300, by="Sam", rating=5, hour=21),
        moment("gratitude", 2, seconds=300, by="Alex", rating=5, hour=21),
        moment("gratitude", 4, seconds=60, status="cancelled", by="Alex", hour=21),
        moment("appreciation", 5, seconds=0, by="Sam", kind="appreciation"),
    ]
    with Journal.open(path) as journal:
        journal.record_many(history)
        for days_ago, outcome in ((0, "accepted"), (2, "accepted"), (4, "declined")):
            at = (NOW - timedelta(days=days_ago)).replace(hour=20, minute=55)
            journal.offer(Offer("gratitude", at, outcome=outcome))
        journal.offer(Offer("hug", (NOW - timedelta(days=3)).replace(hour=7, minute=30), variant="morning",
                            outcome="silenced"))
    return path


@pytest.fixture
def tandem(tmp_path: Path, capsys):
    journal = our_weeks(tmp_path / "journal.json")
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)

    def run(*argv: str, journal_path: Path = journal) -> tuple[int, str, str]:
        code = main(["report", *argv, "--journal", str(journal_path), "--config", str(config)])
        out, err = capsys.readouterr()
        return code, out, err

    run.journal = journal  # type: ignore[attr-defined]
    run.config = config  # type: ignore[attr-defined]
    return run


def table_row(out: str, first: str) -> list[str]:
    line = next(line for line in out.splitlines() if line.startswith(first + " "))
    return re.split(r"\s{2,}", line.strip())


def test_the_table_shows_each_ritual_with_moments_outcomes_minutes_and_rating(tandem) -> None:
    code, out, _ = tandem(*AT)
    assert code == 0
    assert table_row(out, "Hug") == ["Hug", "7", "6", "1", "0", "9.7", "4.0"]
    assert table_row(out, "Round of thanks") == ["Round of thanks", "2", "2", "0", "1", "10.0", "5.0"]
    assert table_row(out, "All together") == ["All together", "9", "8", "1", "1", "19.7"]


def test_the_table_leads_with_what_went_well_and_counts_partial_moments(tandem) -> None:
    _, out, _ = tandem(*AT)
    lines = out.splitlines()
    assert lines[0] == "Our moments together: The last seven days, 24 Nov to 30 Nov 2026"
    assert lines[1].startswith("9 moments together, 20 minutes.")
    assert "partial ones too" in lines[1]


def test_below_the_table_come_minimums_streak_easiest_meaningful_initiators_and_offers(tandem) -> None:
    _, out, _ = tandem(*AT)
    summary = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in out.split("\n\n")[-1].strip().splitlines())
    assert summary["Minimums met"] == "2 of 7 days"
    assert summary["Days in a row"].startswith("70 now, best 70")
    assert "forgiven" in summary["Days in a row"]  # last Thursday had no moment, and the streak went on
    assert summary["Easiest"] == "Hug, finished 86% of the time"
    assert summary["Most meaningful"] == "Round of thanks, rated 5.0 of 5"
    assert summary["Who started"] == "Alex 5, Sam 4"
    assert summary["Offers"] == "4 made, 2 taken up"
    assert summary["Appreciations"] == "1"


def test_json_prints_the_very_figures_tandem_speaks_from(tandem) -> None:
    code, out, _ = tandem("--json", *AT)
    assert code == 0
    with Journal.open(tandem.journal) as journal:
        expected = figures_for(journal, Period.week(NOW), NOW, load_settings(tandem.config)).to_dict()
    assert json.loads(out) == expected
    assert json.loads(out)["rituals"]["hug"]["partial"] == 1


@pytest.mark.parametrize(("option", "start"), [
    ((), "2026-11-24"), (("--week",), "2026-11-24"), (("--month",), "2026-11-01"),
    (("--since", "2026-10-01"), "2026-10-01"), (("--today",), "2026-11-30"),
])
def test_each_period_option_chooses_its_days(tandem, option: tuple[str, ...], start: str) -> None:
    _, out, _ = tandem(*option, "--json", *AT)
    assert json.loads(out)["period"]["start"] == start
    assert json.loads(out)["period"]["end"] == "2026-11-30"


def test_a_longer_period_holds_more_moments(tandem) -> None:
    week = json.loads(tandem("--json", *AT)[1])["total_moments"]
    month = json.loads(tandem("--month", "--json", *AT)[1])["total_moments"]
    assert month == week + 23  # the daily hugs of the 23 days before this week


def test_a_bad_since_date_names_the_option_and_the_format(tandem) -> None:
    code, out, err = tandem("--since", "last tuesday", *AT)
    assert code == 2 and out == ""
    assert "--since 'last tuesday' is not a date" in err and "2026-01-05" in err


def test_a_since_date_still_to_come_is_refused_kindly(tandem) -> None:
    code, _, err = tandem("--since", "2027-01-01", *AT)
    assert code == 2 and "2027-01-01" in err and "on or before 2026-11-30" in err


def test_an_empty_journal_gets_a_fresh_page_not_an_error(tandem, tmp_path: Path) -> None:
    code, out, err = tandem(*AT, journal_path=tmp_path / "new.json")
    assert code == 2 and "no journal at" in err and not (tmp_path / "new.json").exists()  # none made by reading
    Journal.open(tmp_path / "new.json").close()
    code, out, _ = tandem(*AT, journal_path=tmp_path / "new.json")
    assert code == 0
    assert "A fresh page" in out and "No moments in this stretch yet." in out


def test_the_page_is_written_privately_and_atomically(tandem, tmp_path: Path) -> None:
    target = tmp_path / "our-week.html"
    target.write_text("an older page")
    code, out, _ = tandem("--html", str(target), *AT)
    assert code == 0 and out.strip() == f"Wrote {target}"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("<!doctype html>")
    assert not list(tmp_path.glob(".our-week.html.*"))  # no temporary file left behind


def test_names_on_the_page_are_escaped(tandem, tmp_path: Path) -> None:
    with Journal.open(tandem.journal) as journal:
        journal.record(moment("<script>alert(1)</script>", 0))
    target = tmp_path / "page.html"
    tandem("--html", str(target), *AT)
    page = target.read_text()
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Alex &amp; Sam &lt;3 &amp;amp; co" not in page and "Alex &amp; Sam &lt;3 &amp; co" in page


@pytest.mark.parametrize("where", ["missing/folder/page.html", "."])
def test_an_unwritable_html_path_names_the_path_and_the_fix(tandem, tmp_path: Path, where: str) -> None:
    target = tmp_path / where
    code, out, err = tandem("--html", str(target), *AT)
    assert code == 2 and out == ""
    assert f"cannot write the report page to {target}" in err
    assert "fix: give --html a file in a folder you can write to" in err


def test_json_and_html_together_print_the_json_and_write_the_page(tandem, tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    code, out, _ = tandem("--json", "--html", str(target), *AT)
    assert code == 0 and json.loads(out)["total_moments"] == 9
    assert target.exists()


def test_a_label_with_an_unknown_slot_fails_at_load_naming_file_and_key(tmp_path: Path) -> None:
    broken = tmp_path / "labels.yaml"
    broken.write_text(LABELS_FILE.read_text().replace('"{met} of {counted} days"', '"{met} of {total} days"'))
    with pytest.raises(DataError) as caught:
        Labels.load(broken)
    assert caught.value.key == "summary.days_met_value" and "{total}" in caught.value.problem
    assert str(broken) in str(caught.value)


def test_the_shipped_labels_load_and_name_rituals_as_tandem_says_them() -> None:
    labels = Labels.load()
    assert labels.ritual("gratitude") == "Round of thanks"
    assert labels.ritual("made_up_ritual") == "Made up ritual"
