"""`tandem understand`: one JSON line per input, stdin with '-', other intents folders, WAV files."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import types
from pathlib import Path

from assistant.messages import Transcript

ROOT = Path(__file__).resolve().parent.parent


def tandem(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", "understand", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_each_sentence_gives_one_json_line():
    done = tandem("--json", "um, a ten minute check in please", "pass the salt")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0] == {"input": "um, a ten minute check in please", "intent": "StartCheckIn",
                        "slots": {"seconds": 600}, "confidence": 1.0, "unsure": False, "runner_up": None,
                        "margin": 1.0, "choices": {}}
    assert lines[1]["intent"] is None and lines[1]["slots"] == {}


def test_a_dash_reads_sentences_from_stdin():
    done = tandem("--json", "-", stdin="rate it a four\n\nmorning hug\n")
    assert done.returncode == 0, done.stderr
    got = [(d["intent"], d["slots"]) for d in map(json.loads, done.stdout.splitlines())]
    assert got == [("Rate", {"rating": 4}), ("StartHug", {"variant": "morning"})]


def test_plain_output_is_one_short_line_each():
    done = tandem("add thirty seconds", "the kettle's boiling")
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert "AddTime" in first and "seconds=30" in first
    assert "AddTime" not in second


def test_another_intents_folder_is_used(tmp_path):
    (tmp_path / "coffee.yaml").write_text(
        "language: en\nintents:\n  OrderDrink:\n    data:\n      - sentences: ['[a] {drink} please']\n"
        "lists:\n  drink:\n    values: [latte, mocha]\n", encoding="utf-8")
    done = tandem("--json", "--intents", str(tmp_path), "a mocha please")
    assert json.loads(done.stdout)["slots"] == {"drink": "mocha"}


def test_a_broken_intents_file_is_one_clear_error_naming_it(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("language: en\nintents:\n  Order:\n    data:\n      - sentences: ['a {nothing}']\n")
    done = tandem("--intents", str(tmp_path), "a thing")
    assert done.returncode == 2
    assert str(bad) in done.stderr and "{nothing}" in done.stderr
    assert "Traceback" not in done.stderr


def test_audio_files_are_transcribed_then_understood(tmp_path, monkeypatch, capsys):
    """The recognizer is the edge here: a fake one hears a fixed n-best list per file."""
    from assistant.commands import understand

    wav = tmp_path / "hug.wav"
    wav.write_bytes(b"RIFF")
    heard = Transcript("pass the salt", 0.6, ("pause the timer",), engine="fake")
    select = types.ModuleType("assistant.recognize.select")
    select.load_recognizer = lambda engine, intent_set, model, wake_phrase=None: ("fake", engine, model)
    batch = types.ModuleType("assistant.recognize.batch")
    batch.transcribe_files = lambda paths, recognizer: iter([(p, heard) for p in paths])
    monkeypatch.setitem(sys.modules, "assistant.recognize.select", select)
    monkeypatch.setitem(sys.modules, "assistant.recognize.batch", batch)
    args = argparse.Namespace(text=[], intents=None, json=True, audio=[str(wav)], engine="auto", model=None)
    assert understand.run(args) == 0
    record = json.loads(capsys.readouterr().out)
    assert record == {"input": str(wav), "transcript": "pass the salt", "intent": "Pause", "slots": {},
                      "confidence": 1.0, "unsure": False, "runner_up": None, "margin": 1.0, "choices": {}}


def test_a_missing_audio_file_is_a_clear_error(tmp_path):
    done = tandem("--audio", str(tmp_path / "nothing.wav"))
    assert done.returncode == 2 and "nothing.wav" in done.stderr
