"""The journal is one file a person can copy: after any command exits, the named file alone holds every
moment; `tandem journal backup DEST` makes a consistent copy while Tandem runs; reading commands never
create a journal, they say there is none yet."""

from __future__ import annotations

import io
import shutil
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.journal import Journal, Moment
from assistant.journal.records import Offer

EVENING = datetime(2026, 1, 5, 20, 0).astimezone()
CONFIG = '[partners]\nnames = ["Alex", "Sam"]\n'


def copied_alone(journal: Path, tmp_path: Path) -> Journal:
    """The named file copied by itself (no log, no lock beside it) and opened somewhere else."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    target = elsewhere / "copy.json"
    for old in elsewhere.iterdir():
        old.unlink()
    shutil.copyfile(journal, target)
    return Journal.open(target)


@pytest.fixture
def tandem(tmp_path: Path, capsys, monkeypatch):
    journal = tmp_path / "week.json"
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main([*argv, "--journal", str(journal), "--config", str(config)])
        out, err = capsys.readouterr()
        return code, out, err

    run.journal = journal  # type: ignore[attr-defined]
    return run


def test_after_every_command_the_named_file_alone_has_every_moment(tandem, tmp_path: Path) -> None:
    steps = [
        ("log", "hug", "--seconds", "40", "--status", "partial"),
        ("log", "gratitude", "--by", "Sam"),
        ("report", "--json"),
        ("journal", "check"),
        ("export", "--format", "json"),
        ("log", "walk", "--seconds", "600"),
        ("forget", "--last"),
        ("log", "breathing"),
    ]
    expected = 0
    for step in steps:
        code, _, err = tandem(*step)
        assert code == 0, (step, err)
        expected += 1 if step[0] == "log" else -1 if step[0] == "forget" else 0
        with copied_alone(tandem.journal, tmp_path) as copy:
            assert len(copy.moments()) == expected, step


def test_a_chat_session_leaves_its_moments_in_the_named_file(tandem, tmp_path: Path) -> None:
    code, _, err = tandem("chat", "--seed", "1", stdin="start a ten second hug\nstop\nnote an appreciation\nthe tea\n")
    assert code == 0, err
    with copied_alone(tandem.journal, tmp_path) as copy:
        rituals = sorted(m.ritual for m in copy.moments())
    assert rituals == ["appreciation", "hug"]


def test_a_journal_left_unfolded_by_a_crash_is_folded_on_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "week.json"
    crashed = Journal.open(path)
    crashed.record(Moment("hug", EVENING, actual_seconds=90))
    crashed.offer(Offer("gratitude", EVENING, outcome="declined"))
    # The process dies here: no close, so the moment is only in week.json.log.
    with copied_alone(path, tmp_path) as copy:
        assert copy.moments() == []
    Journal.open(path).close()  # the next start, and its clean exit
    with copied_alone(path, tmp_path) as copy:
        assert [m.ritual for m in copy.moments()] == ["hug"] and len(copy.offers()) == 1


def test_a_backup_while_tandem_runs_is_a_whole_private_copy(tandem, tmp_path: Path) -> None:
    running = Journal.open(tandem.journal)  # the speaker, still writing
    running.record(Moment("hug", EVENING, actual_seconds=90))
    running.begin(Moment("walk", EVENING + timedelta(hours=1), planned_seconds=600))
    target = tmp_path / "backups" / "week-copy.json"
    target.parent.mkdir()
    code, out, err = tandem("journal", "backup", str(target))
    assert code == 0, err
    assert str(target) in out and "2 moments" in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["week-copy.json"]
    with copied_alone(target, tmp_path) as copy:
        assert sorted(m.ritual for m in copy.moments()) == ["hug", "walk"]
    running.close()


def test_a_backup_into_a_folder_keeps_the_journal_s_name(tandem, tmp_path: Path) -> None:
    tandem("log", "hug")
    folder = tmp_path / "usb"
    folder.mkdir()
    assert tandem("journal", "backup", str(folder))[0] == 0
    with Journal.open(folder / "week.json") as copy:
        assert len(copy.moments()) == 1


def test_a_backup_never_overwrites_the_journal_itself(tandem) -> None:
    tandem("log", "hug")
    code, _, err = tandem("journal", "backup", str(tandem.journal))
    assert code == 2 and "journal itself" in err
    assert len(Journal.open(tandem.journal).moments()) == 1


@pytest.mark.parametrize("command", [
    ("report",), ("report", "--json"), ("export",), ("journal", "check"), ("forget", "--last"),
    ("journal", "backup", "somewhere.json"),
])
def test_reading_commands_never_create_a_journal(tmp_path: Path, capsys, command) -> None:
    missing = tmp_path / "nope" / "none.json"
    code = main([*command, "--journal", str(missing)])
    _, err = capsys.readouterr()
    assert code != 0
    assert "no journal" in err and str(missing) in err
    assert not (tmp_path / "nope").exists() and not (tmp_path / "somewhere.json").exists()


def test_a_chat_that_fails_to_start_creates_no_journal(tmp_path: Path, capsys) -> None:
    journal = tmp_path / "week.json"
    code = main(["chat", "--journal", str(journal), "--voices", str(tmp_path / "no-voices")])
    assert code == 2
    assert list(tmp_path.iterdir()) == []

