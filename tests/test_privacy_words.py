"""The couple's words stay theirs, end to end through the dialog: private files, words kept only
when opted in, and "forget that" removing them from the disk, not just from view."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import Privacy, Settings, load_settings, write_config
from assistant.journal.journal import Journal

from dialog_harness import SETTINGS, Couple

OPTED_IN = replace(SETTINGS, privacy=Privacy(keep_gratitude_text=True))
THANKS = ("the lemon soup you made", "carrying the shopping upstairs", "the silly song in the car",
          "waiting up for me", "the warm towel", "the note in my lunchbox")
APPRECIATION = "you fixed my bike without being asked"


def on_disk(folder: Path) -> bytes:
    """Everything Tandem left in the folder, every file, as bytes."""
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def anywhere(words: str, folder: Path) -> bool:
    return words.encode() in on_disk(folder)


@pytest.fixture
def open_umask():
    """The most careless umask a system can have: privacy must not depend on the umask."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def gratitude_night(couple: Couple) -> None:
    assert couple.say("three thanks").keys == ["gratitude_intro", "gratitude_prompt"]
    for thanks in THANKS:
        couple.say(thanks)
    couple.wait(30)  # "how did that feel?" left unanswered moves on quietly
    assert couple.dialog.running is None


def test_journal_files_made_by_a_real_evening_are_private_even_with_an_open_umask(tmp_path, open_umask):
    folder = tmp_path / "tandem-data"
    couple = Couple(folder, journal=Journal.open(folder / "journal.json"))
    couple.say("start our hug")
    couple.wait(91)
    gratitude_night(couple)
    couple.journal.close()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(p for p in folder.iterdir())
    assert {p.name for p in files} >= {"journal.json", "journal.json.lock"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_a_new_config_file_is_private_even_with_an_open_umask(tmp_path, open_umask):
    path = write_config(Settings(), tmp_path / "config" / "config.toml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_settings(path) == replace(Settings(), source=path)


def test_thanks_are_counted_but_never_written_down_unless_the_couple_opts_in(tmp_path):
    couple = Couple(tmp_path)
    gratitude_night(couple)
    moment = couple.last("gratitude")
    assert moment.counts == {"Alex": 3, "Sam": 3} and moment.texts is None
    assert not any(anywhere(thanks, tmp_path) for thanks in THANKS)
    assert not any(thanks in str(details) for _, _, details in couple.events for thanks in THANKS)


def test_an_appreciation_is_not_written_down_unless_the_couple_opts_in(tmp_path):
    couple = Couple(tmp_path)
    couple.say("note an appreciation")
    couple.say(APPRECIATION)
    assert couple.last("appreciation").texts is None
    assert not anywhere(APPRECIATION, tmp_path)


def test_opted_in_thanks_are_kept_and_forget_that_removes_them_from_the_disk(tmp_path):
    couple = Couple(tmp_path, settings=OPTED_IN)
    gratitude_night(couple)
    assert couple.last("gratitude").texts == list(THANKS)
    assert all(anywhere(thanks, tmp_path) for thanks in THANKS)
    assert couple.say("forget that").keys == ["forgot_text"]
    moment = couple.last("gratitude")
    assert moment.texts is None and moment.counts == {"Alex": 3, "Sam": 3}
    assert not any(anywhere(thanks, tmp_path) for thanks in THANKS)
    couple.journal.close()
    with Journal.open(tmp_path / "journal.json") as reopened:
        assert reopened.moments()[-1].texts is None


def test_forget_that_after_an_appreciation_removes_its_words_from_the_disk(tmp_path):
    couple = Couple(tmp_path, settings=OPTED_IN)
    couple.say("note an appreciation")
    couple.say(APPRECIATION)
    assert anywhere(APPRECIATION, tmp_path)
    assert couple.say("forget that").keys == ["forgot_text"]
    assert not anywhere(APPRECIATION, tmp_path)
    assert couple.last("appreciation").status == "completed"


def test_forget_that_only_touches_the_ritual_just_done(tmp_path):
    couple = Couple(tmp_path, settings=OPTED_IN)
    couple.say("note an appreciation")
    couple.say(APPRECIATION)
    gratitude_night(couple)
    couple.say("forget that")
    assert not any(anywhere(thanks, tmp_path) for thanks in THANKS)
    assert couple.last("appreciation").texts == [APPRECIATION]


def test_forget_that_with_nothing_done_yet_says_so_and_keeps_everything(tmp_path):
    couple = Couple(tmp_path, settings=OPTED_IN)
    assert couple.say("forget that").keys == ["forget_nothing"]


@pytest.mark.parametrize("how", [["--last"], ["--since", "2026-01-05"], ["--all", "--yes"]])
def test_tandem_forget_after_a_spoken_evening_deletes_the_words_for_real(tmp_path, how, capsys):
    couple = Couple(tmp_path, settings=OPTED_IN)
    couple.say("note an appreciation")
    couple.say(APPRECIATION)
    gratitude_night(couple)
    couple.journal.close()
    journal = tmp_path / "journal.json"
    assert main(["forget", *how, "--journal", str(journal), "--config", str(write_config(path=tmp_path / "c.toml"))]) == 0
    assert '"forgotten"' in capsys.readouterr().out
    assert not any(anywhere(thanks, tmp_path) for thanks in THANKS)
    with Journal.open(journal) as reopened:
        left = reopened.moments()
    assert [m.ritual for m in left] == (["appreciation"] if how == ["--last"] else [])
