"""`tandem demo`: an evening through the real speech loop, with its outcomes read back from its own journal."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from assistant.audio.wavio import read_wav
from assistant.journal.journal import Journal
from assistant.journal.records import Moment

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(shutil.which("flite") is None, reason="flite is needed for the demo's voices"),
]


def run_demo(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, Path, Path]:
    """Run the demo as a person would, with HOME (and every XDG folder) pointing at an empty home."""
    home = tmp_path / "home"
    (home / "config" / "tandem").mkdir(parents=True)
    (home / "config" / "tandem" / "config.toml").write_text('[partners]\nnames = ["Jo", "Kim"]\n')
    own = Journal.open(home / "data" / "tandem" / "journal.json")
    own.record(Moment(ritual="walk", started=datetime(2026, 1, 5, 19, 0).astimezone(), actual_seconds=600.0,
                      status="completed"))
    own.close()
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state"),
           "XDG_CACHE_HOME": str(home / "cache")}
    folder = tmp_path / "evening"
    begun = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "assistant", "demo", "--folder", str(folder), *args],
                          capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path)
    done.seconds = time.monotonic() - begun  # type: ignore[attr-defined]
    return done, folder, home


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    return run_demo(tmp_path_factory.mktemp("demo"))


def test_the_demo_records_a_partial_hug_and_a_gratitude_round_with_both_partners(demo) -> None:
    done, folder, _home = demo
    assert done.returncode == 0, done.stderr
    journal = Journal.open(folder / "journal.json")
    try:
        moments = {m.ritual: m for m in journal.moments() if m.kind == "moment"}
    finally:
        journal.close()
    assert set(moments) == {"hug", "gratitude"}
    hug, gratitude = moments["hug"], moments["gratitude"]
    assert hug.status == "partial" and 20 <= hug.actual_seconds < 90
    assert gratitude.status == "completed"
    assert set(gratitude.counts) == {"Alex", "Sam"} and all(n >= 1 for n in gratitude.counts.values())


def test_tandem_answers_how_the_week_went(demo) -> None:
    done, folder, _home = demo
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    asked = next(e["t"] for e in events if e["event"] == "intent" and e["intent"] == "WeekSummary")
    answer = [e for e in events if e["event"] == "say_start" and e["t"] >= asked]
    assert answer and "hug" in " ".join(e["text"] for e in answer)


def test_the_demo_prints_the_conversation_and_names_its_folder(demo) -> None:
    done, folder, _home = demo
    out = done.stdout
    for expected in ('Alex    "Hey Tandem, start our hug timer."', 'Sam     "Stop."', "[chime: start]",
                     "[hug timer started", "[hug partial after", 'heard "hey tandem', "understood WeekSummary",
                     str(folder)):
        assert expected in out, expected
    times = [line.split()[0] for line in out.splitlines() if line[:1].isdigit()]
    seconds = [int(m) * 60 + float(s) for m, s in (t.split(":") for t in times)]
    assert seconds == sorted(seconds), "the conversation is printed in time order"


def test_the_demo_writes_tandems_speech_and_the_report_page(demo) -> None:
    done, folder, _home = demo
    speech = read_wav(folder / "said.wav")
    assert len(speech) / 16_000 > 60 and abs(speech.astype(int)).max() > 1000
    page = (folder / "our-evening.html").read_text()
    assert "<svg" in page and "Alex" in page


def test_the_demo_leaves_the_couples_own_journal_and_config_untouched(demo) -> None:
    done, folder, home = demo
    assert done.returncode == 0
    own = Journal.open(home / "data" / "tandem" / "journal.json")
    try:
        assert [(m.ritual, m.actual_seconds) for m in own.moments()] == [("walk", 600.0)]
    finally:
        own.close()
    assert (home / "config" / "tandem" / "config.toml").read_text() == '[partners]\nnames = ["Jo", "Kim"]\n'
    page = (folder / "our-evening.html").read_text()
    assert "Jo" not in done.stdout and "Kim" not in page


def test_the_demo_runs_on_a_virtual_clock_faster_than_the_evening_it_plays(demo) -> None:
    # A ratio from one run (wall seconds depend on the machine's load; quiet, the demo takes well under a
    # minute): on a virtual clock the loop never waits for the evening's own time to pass.
    done, folder, _home = demo
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    evening = max(e.get("t", 0.0) for e in events)
    assert evening > 100 and done.seconds < evening, f"{done.seconds:.1f} s for {evening:.0f} s of evening"


def test_a_folder_that_is_not_empty_is_refused_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "evening"
    folder.mkdir()
    (folder / "journal.json").write_text("{}")
    done = subprocess.run([sys.executable, "-m", "assistant", "demo", "--folder", str(folder)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "not empty" in done.stderr
