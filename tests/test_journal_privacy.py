"""The couple's words stay theirs: private files, forgetting for real, and all their data on request."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from assistant.journal import SCHEMA_VERSION, Journal, Moment

EVENING = datetime(2026, 1, 5, 20, 0).astimezone()
SECRET = "thank you for holding me when the news came"


def on_disk(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


def test_journal_files_and_a_new_folder_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "journal.json"
    journal = Journal.open(path)
    journal.record(Moment("hug", EVENING))
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for file in path.parent.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    assert journal.check()["private"]


def test_a_journal_left_readable_by_others_is_tightened_on_open(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    Journal.open(path).close()
    path.chmod(0o644)
    Journal.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_forgetting_a_moments_words_removes_them_from_every_file(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "journal.json")
    moment = journal.record(Moment("gratitude", EVENING, counts={"Sam": 3}, texts=[SECRET]))
    assert SECRET.encode() in on_disk(tmp_path)
    kept = journal.forget_text(moment.id)
    assert kept.texts is None and kept.counts == {"Sam": 3}
    assert journal.get(moment.id).texts is None
    assert SECRET.encode() not in on_disk(tmp_path)


@pytest.mark.parametrize("how", ["last", "since", "all"])
def test_forget_deletes_for_real(tmp_path: Path, how: str) -> None:
    journal = Journal.open(tmp_path / "journal.json")
    old = journal.record(Moment("hug", EVENING - timedelta(days=3)))
    journal.record(Moment("appreciation", EVENING, kind="appreciation", texts=[SECRET]))
    removed = {"last": lambda: journal.forget(last=True),
               "since": lambda: journal.forget(since=(EVENING - timedelta(days=1)).date()),
               "all": lambda: journal.forget(all=True)}[how]()
    assert SECRET.encode() not in on_disk(tmp_path)
    left = [m.id for m in Journal.open(tmp_path / "journal.json").moments()]
    assert (removed, left) == ((2, []) if how == "all" else (1, [old.id]))


def test_export_gives_every_moment_as_json_and_csv(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "journal.json")
    moments = [
        journal.record(Moment("hug", EVENING, actual_seconds=40, status="partial", initiated_by="Sam", rating=4)),
        journal.record(Moment("gratitude", EVENING + timedelta(hours=1), counts={"Sam": 3, "Alex": 2}, texts=["a, \"b\""])),
    ]
    data = json.loads(journal.export("json"))
    assert data["schema"] == SCHEMA_VERSION
    assert [Moment.from_dict(d) for d in data["moments"]] == moments
    rows = list(csv.DictReader(io.StringIO(journal.export("csv"))))
    assert [r["id"] for r in rows] == [m.id for m in moments]
    assert (rows[0]["status"], rows[0]["actual_seconds"], rows[0]["rating"]) == ("partial", "40", "4")
    assert json.loads(rows[1]["counts"]) == {"Sam": 3, "Alex": 2}
    assert json.loads(rows[1]["texts"]) == ['a, "b"']
    with pytest.raises(ValueError):
        journal.export("xml")
