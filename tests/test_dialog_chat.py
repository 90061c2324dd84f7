"""`tandem chat` as a person would use it: typed lines in, Tandem's words and chimes out, journal filled."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from assistant.journal.journal import Journal

ROOT = Path(__file__).resolve().parent.parent


def _chat(tmp_path: Path, lines: list[str], *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    (tmp_path / "config.toml").write_text('[partners]\nnames = ["Ana", "Ben"]\n', encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "assistant", "chat", "--journal", str(tmp_path / "journal.json"),
         "--config", str(tmp_path / "config.toml"), "--seed", "1", *extra],
        input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60, cwd=ROOT, env=env,
    )


def test_typed_lines_get_answers_and_fill_the_journal(tmp_path):
    result = _chat(tmp_path, ["help", "stop", "pass the salt", "three thanks", "the tea", "the walk", "the hug",
                              "the soup", "pass", "the music"])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Ana and Ben" in out.splitlines()[0]
    assert "nothing's running" in out.lower()
    assert "Ben, your turn" in out or "Over to you, Ben" in out
    with Journal.open(tmp_path / "journal.json") as journal:
        (moment,) = journal.moments()
    assert (moment.ritual, moment.status, moment.counts) == ("gratitude", "completed", {"Ana": 3, "Ben": 2})


def test_a_short_hug_really_runs_on_the_real_clock(tmp_path):
    result = _chat(tmp_path, ["start a three second hug"], "--wait")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "[chime: start]" in lines and "[chime: end]" in lines
    assert lines.index("[chime: end]") > lines.index("[chime: start]")
    with Journal.open(tmp_path / "journal.json") as journal:
        (moment,) = journal.moments()
    assert (moment.ritual, moment.status, moment.actual_seconds) == ("hug", "completed", 3.0)


def test_end_of_input_mid_hug_closes_it_with_partial_credit_or_a_cancel(tmp_path):
    result = _chat(tmp_path, ["start our hug"])
    assert result.returncode == 0, result.stderr
    with Journal.open(tmp_path / "journal.json") as journal:
        (moment,) = journal.moments()
    assert moment.status in ("partial", "cancelled")


def test_a_bad_config_is_one_clear_message(tmp_path):
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    bad = tmp_path / "bad.toml"
    bad.write_text("[durations]\nhug = -1\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "assistant", "chat", "--config", str(bad),
                             "--journal", str(tmp_path / "j.json")], input="", capture_output=True, text=True,
                            timeout=60, cwd=ROOT, env=env)
    assert result.returncode == 2
    assert "durations.hug" in result.stderr and "bad.toml" in result.stderr and "Traceback" not in result.stderr
