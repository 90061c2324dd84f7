"""A full disk, a failing write, a second process: no earlier moment is lost, the error is clear."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from forking import fork
from assistant.errors import JournalError
from assistant.config import Settings
from assistant.journal import Journal, Moment, storage
from assistant.journal.figures import Period, figures_for
from assistant.journal.lock import JournalLock

EVENING = datetime(2026, 1, 5, 20, 0).astimezone()


def moment(n: int, words: int = 0) -> Moment:
    return Moment("gratitude", EVENING + timedelta(minutes=n), actual_seconds=60, texts=["w" * words] if words else None)


def test_a_write_failing_half_way_keeps_every_earlier_moment_and_says_why(tmp_path: Path, monkeypatch) -> None:
    journal = Journal.open(tmp_path / "journal.json")
    kept = [journal.record(moment(n)).id for n in range(5)]
    real_write_all = storage.write_all

    def disk_full(fd: int, data: bytes) -> None:
        real_write_all(fd, data[: len(data) // 2])  # half the line reaches the disk, then no space
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage, "write_all", disk_full)
    with pytest.raises(JournalError) as failure:
        journal.record(moment(99))
    assert str(tmp_path / "journal.json") in str(failure.value)
    assert "disk space" in failure.value.fix
    # The running journal keeps going: it still answers, without the moment that failed.
    assert [m.id for m in journal.moments()] == kept
    assert figures_for(journal, Period.today(EVENING), EVENING, Settings()).today.counts == {"gratitude": 5}
    monkeypatch.setattr(storage, "write_all", real_write_all)
    after = journal.record(moment(6)).id  # space is back
    journal.close()
    again = Journal.open(tmp_path / "journal.json")
    assert [m.id for m in again.moments()] == [*kept, after]


def test_a_failed_update_is_rolled_back_in_memory(tmp_path: Path, monkeypatch) -> None:
    journal = Journal.open(tmp_path / "journal.json")
    moment_id = journal.begin(Moment("hug", EVENING, planned_seconds=90))

    def fsync_fails(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(storage.os, "fsync", fsync_fails)
    with pytest.raises(JournalError, match="cannot write the journal"):
        journal.finish(moment_id, actual_seconds=90)
    monkeypatch.undo()
    assert journal.get(moment_id).status == "running"
    journal.finish(moment_id, actual_seconds=90)
    assert Journal.open(tmp_path / "journal.json").get(moment_id).status == "completed"


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A real 160 KB tmpfs (needs root and mount; skipped elsewhere)."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(mount_point)],
                            capture_output=True)
    if result.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: " + result.stderr.decode().strip())
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_filling_a_real_small_disk_loses_no_earlier_moment(tiny_disk: Path) -> None:
    path = tiny_disk / "journal.json"
    journal = Journal.open(path)
    returned: list[str] = []
    with pytest.raises(JournalError) as failure:
        for n in range(10_000):
            returned.append(journal.record(moment(n, words=900)).id)
    assert "disk space" in failure.value.fix
    assert len(returned) > 10
    assert len(journal.moments()) == len(returned)  # still answering
    journal.close()
    again = Journal.open(path)
    assert [m.id for m in again.moments()] == returned


def _hold_lock(path: Path, seconds: float) -> int:
    ready_r, ready_w = os.pipe()
    child = fork()
    if child == 0:
        try:
            with JournalLock(path).held():
                os.write(ready_w, b"x")
                time.sleep(seconds)
        finally:
            os._exit(0)
    os.read(ready_r, 1)
    return child


def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    journal = Journal.open(path)
    child = _hold_lock(path, 0.3)
    journal.record(moment(1))  # waits for the other process, then writes
    os.waitpid(child, 0)
    assert len(Journal.open(path)) == 1


def test_a_writer_that_cannot_get_the_lock_says_why(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    journal = Journal.open(path, lock_timeout=0.2)
    child = _hold_lock(path, 5)
    try:
        with pytest.raises(JournalError, match="another Tandem process") as failure:
            journal.record(moment(1))
        assert "stop the other" in failure.value.fix
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    journal.record(moment(2))  # the kernel released the dead holder's lock


def test_two_processes_writing_at_once_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    Journal.open(path).close()
    storage_threshold = storage.MIN_LOG_BEFORE_COMPACT
    children = []
    for who in range(2):
        child = fork()
        if child == 0:
            try:
                storage.MIN_LOG_BEFORE_COMPACT = 4000  # compactions race with the other's appends
                j = Journal.open(path)
                for n in range(60):
                    j.record(Moment("hug", EVENING + timedelta(minutes=n), initiated_by=f"p{who}"))
            finally:
                os._exit(0)
        children.append(child)
    reader = Journal.open(path)
    seen = 0
    running = set(children)
    while running:
        count = len(reader.moments())  # reads always see whole files, never fewer than before
        assert count >= seen
        seen = count
        running = {c for c in running if os.waitpid(c, os.WNOHANG) == (0, 0)}
    assert storage.MIN_LOG_BEFORE_COMPACT == storage_threshold
    moments = Journal.open(path).moments()
    assert len(moments) == 120 and len({m.id for m in moments}) == 120
    assert sorted(m.initiated_by for m in moments).count("p0") == 60
    assert Journal.open(path).check()["ok"]
