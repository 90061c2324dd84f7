"""A hug in progress when the power goes: on the next start it is in the journal as partial, with the
seconds it really ran (its last heartbeat), never left "running" and never lost.

A real `tandem chat` process runs the hug on the real clock and is killed with SIGKILL. The only
change from a shipped Tandem is the heartbeat interval (15 s in use), shortened so the test takes
seconds, not minutes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import pytest

from assistant.config import Durations, Partners, Settings, write_config
from assistant.journal.journal import Journal

ROOT = Path(__file__).resolve().parent.parent
HEARTBEAT = 0.5
FAST_HEARTBEAT_CHAT = textwrap.dedent(f"""
    import sys
    import assistant.dialog.dialog as dialog
    dialog.HEARTBEAT_SECONDS = {HEARTBEAT}
    from assistant.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def chat(config: Path, journal: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", FAST_HEARTBEAT_CHAT, "chat", "--config", str(config), "--journal", str(journal),
         "--seed", "1"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, **kwargs)


def wait_for(predicate, timeout: float = 15.0, every: float = 0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = predicate()
        if found:
            return found
        time.sleep(every)
    pytest.fail("timed out waiting for the journal")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(Settings(partners=Partners(("Alex", "Sam")), durations=Durations(hug=60)),
                        tmp_path / "config.toml")


def test_a_hug_killed_mid_way_is_closed_as_partial_with_the_seconds_it_ran_on_the_next_start(tmp_path, config):
    journal_path = tmp_path / "journal.json"
    speaker = chat(config, journal_path)
    try:
        speaker.stdin.write("start our hug\n")
        speaker.stdin.flush()
        wait_for(journal_path.exists)
        watcher = Journal.open(journal_path)  # a second process: it must not close a live ritual

        def heartbeats():
            running = [m for m in watcher.moments() if m.status == "running"]
            return running if running and running[0].actual_seconds >= 4 * HEARTBEAT else None

        seen = wait_for(heartbeats)[0]
        assert seen.ritual == "hug" and seen.planned_seconds == 60
        speaker.send_signal(signal.SIGKILL)
        ran = (datetime.now().astimezone() - seen.started).total_seconds()
        speaker.wait(10)
        assert speaker.returncode == -signal.SIGKILL
        assert watcher.get(seen.id).status == "running", "nothing closes it while no Tandem starts"
        watcher.close()
    finally:
        if speaker.poll() is None:
            speaker.kill()
            speaker.wait(10)

    restarted = chat(config, journal_path)
    out, err = restarted.communicate("how are we doing today\n", timeout=30)
    assert restarted.returncode == 0, err

    with Journal.open(journal_path) as journal:
        moments = journal.moments()
    assert len(moments) == 1
    hug = moments[0]
    assert (hug.id, hug.ritual, hug.status, hug.planned_seconds) == (seen.id, "hug", "partial", 60)
    assert seen.actual_seconds <= hug.actual_seconds <= ran + 0.5
    assert hug.actual_seconds >= ran - HEARTBEAT - 1.0, "the last heartbeat before the kill was kept"
    assert hug.ended is not None
    assert abs((hug.ended - hug.started).total_seconds() - hug.actual_seconds) < 0.01


def test_opening_the_journal_after_a_crash_closes_the_ritual_even_without_tandem_chat(tmp_path, config):
    journal_path = tmp_path / "journal.json"
    speaker = chat(config, journal_path)
    try:
        speaker.stdin.write("three thanks\nthe soup\nthe walk\n")
        speaker.stdin.flush()
        watcher = wait_for(lambda: journal_path.exists() and Journal.open(journal_path))
        wait_for(lambda: any(m.status == "running" for m in watcher.moments()))
        watcher.close()
        os.kill(speaker.pid, signal.SIGKILL)
        speaker.wait(10)
    finally:
        if speaker.poll() is None:
            speaker.kill()
            speaker.wait(10)
    with Journal.open(journal_path) as journal:
        (gratitude,) = journal.moments()
    assert (gratitude.ritual, gratitude.status) == ("gratitude", "partial")
