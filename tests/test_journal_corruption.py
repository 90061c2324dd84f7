"""A journal unreadable at start is kept aside, a fresh one starts, and repair recovers what it can."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from assistant.errors import JournalError
from assistant.journal import Journal, Moment

EVENING = datetime(2026, 1, 5, 20, 0).astimezone()


def filled(path: Path, n: int = 12) -> list[Moment]:
    journal = Journal.open(path)
    moments = [journal.record(Moment("hug", EVENING - timedelta(days=i * 9), actual_seconds=90 + i)) for i in range(n)]
    journal._storage.compact()  # everything in the snapshot, as after a while
    journal.close()
    return moments


DAMAGE = {
    "truncated": lambda raw: raw[: len(raw) * 2 // 3],
    "not JSON": lambda raw: b"\x00\xff garbage " + raw[40:],
    "garbage in the middle": lambda raw: raw[: len(raw) // 2] + b"\x00" * 50 + raw[len(raw) // 2 + 50:],
    "empty": lambda raw: b"",
    "wrong schema (a list)": lambda raw: json.dumps([json.loads(raw)]).encode(),
    "wrong schema (no version)": lambda raw: json.dumps({k: v for k, v in json.loads(raw).items() if k != "meta"}).encode(),
    "wrong schema (moment missing its start)": lambda raw: raw.replace(b'"started"', b'"begun"', 1),
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_corrupt_journal_is_set_aside_and_repair_recovers_its_intact_moments(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "journal.json"
    moments = filled(path)
    damaged = DAMAGE[kind](path.read_bytes())
    path.write_bytes(damaged)

    journal = Journal.open(path)
    notice = journal.notice
    assert notice is not None and notice.key == "journal_set_aside"
    backup = notice.backups[0]
    assert re.fullmatch(r"journal\.json\.corrupt-\d{8}-\d{6}", backup.name)
    assert backup.read_bytes() == damaged
    assert journal.moments() == []  # a fresh journal, working
    journal.record(Moment("walk", EVENING, actual_seconds=300))

    result = journal.repair(backup)
    recovered = {m.id for m in journal.moments()}
    intact = {m.id for m in moments if json.dumps(m.to_dict(), separators=(",", ":")).encode() in damaged}
    assert intact <= recovered
    assert result.added == len(recovered) - 1
    again = journal.repair(backup)  # repairing twice adds nothing
    assert again.added == 0
    journal.close()
    assert Journal.open(path).notice is None  # told once


def test_truncation_loses_only_the_cut_moments(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    moments = filled(path, 30)
    raw = path.read_bytes()
    cut = raw[: len(raw) - 300]
    path.write_bytes(cut)
    journal = Journal.open(path)
    journal.repair(journal.notice.backups[0])
    intact = [m for m in moments if json.dumps(m.to_dict(), separators=(",", ":")).encode() in cut]
    assert sorted(m.id for m in journal.moments()) == sorted(m.id for m in intact)
    assert len(intact) >= 28  # 300 bytes held at most two moments


def test_damaged_lines_inside_the_log_are_kept_aside_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    journal = Journal.open(path)
    ids = [journal.record(Moment("hug", EVENING + timedelta(minutes=i))).id for i in range(5)]
    del journal  # the process dies here: no clean exit folds the log into the file
    log = path.with_name("journal.json.log")
    lines = log.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2].replace(b"hug", b"hXg")  # fails its checksum
    log.write_bytes(b"".join(lines))
    journal = Journal.open(path)
    assert {m.id for m in journal.moments()} == set(ids) - {ids[2]}
    assert journal.notice is not None
    journal.repair(journal.notice.backups[0])  # the damaged line still holds a whole JSON moment
    assert {m.id for m in journal.moments()} == set(ids)


def test_a_torn_last_log_line_is_ignored_and_the_next_write_is_not_glued_to_it(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    journal = Journal.open(path)
    first = journal.record(Moment("hug", EVENING)).id
    journal.close()
    with open(path.with_name("journal.json.log"), "ab") as log:
        log.write(b'0badc0de [["moments-2026-01","2",{"ritual":"hu')
    journal = Journal.open(path)
    assert journal.notice is None
    second = journal.record(Moment("hug", EVENING + timedelta(hours=1))).id
    journal.close()
    assert [m.id for m in Journal.open(path).moments()] == [first, second]


def test_a_journal_from_a_newer_tandem_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    path.write_text(json.dumps({"meta": {"1": {"schema": 99}}}))
    with pytest.raises(JournalError, match="newer Tandem"):
        Journal.open(path)
    assert json.loads(path.read_text()) == {"meta": {"1": {"schema": 99}}}
    assert list(tmp_path.glob("*.corrupt-*")) == []
