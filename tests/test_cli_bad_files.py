"""Every command that reads or writes a file answers a bad one with one clear line: the file, what is wrong, the fix.

A table: each command with each file option, over a missing file, a folder, an unreadable file and garbage (and
outputs into a missing or read-only place). Never a traceback, never a half-done run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.cli import main

KINDS = ("missing", "folder", "unreadable", "garbage")


def make(kind: str, tmp_path: Path, name: str, want_folder: bool = False) -> Path:
    """A bad file (or folder, when a folder is wanted) of this kind."""
    path = tmp_path / name
    if kind == "missing":
        return path
    if kind == "folder":
        if want_folder:  # a file where a folder is wanted
            path.write_text("not a folder")
        else:
            path.mkdir()
        return path
    if kind == "unreadable":
        if os.geteuid() == 0:  # root reads any file: a loop of symbolic links cannot be read by anyone
            os.symlink(path.name + ".loop", tmp_path / (path.name))
            os.symlink(path.name, tmp_path / (path.name + ".loop"))
        elif want_folder:
            path.mkdir()
            path.chmod(0)
        else:
            path.write_text("x")
            path.chmod(0)
        return path
    if want_folder:
        path.mkdir()
        (path / "rituals.yaml").write_bytes(b"\x00\xff{{ not: [yaml")
        (path / "garbage.yaml").write_bytes(b"\x00\xff{{ not: [yaml")
        return path
    path.write_bytes(b"\x00\xffRIFF garbage \x89PNG {{ [[ not: toml: = =\n")
    return path


# (command line, option under test, the name of the bad thing, wants a folder)
READERS = [
    (["report"], "--config", "config.toml", False),
    (["log", "hug"], "--config", "config.toml", False),
    (["listen", "--input", "{wav}"], "--config", "config.toml", False),
    (["chat"], "--config", "config.toml", False),
    (["listen"], "--input", "session.wav", False),
    (["understand", "hello"], "--intents", "intents", True),
    (["chat"], "--intents", "intents", True),
    (["chat"], "--voices", "voices", True),
    (["listen", "--input", "{wav}"], "--intents", "intents", True),
    (["understand", "--audio"], "", "take.wav", False),
    (["journal", "repair", "--journal", "{journal}"], "", "damaged.json", False),
    (["demo", "--folder", "{folder}"], "--script", "evening.yaml", False),
]
JOURNAL_READERS = [["report"], ["export"], ["journal", "check"], ["forget", "--last"], ["log", "hug"]]


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    import numpy as np

    from assistant.audio.wavio import write_wav

    path = tmp_path / "ok.wav"
    write_wav(path, np.zeros(16_000, dtype=np.int16))
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def one_clear_line(err: str, bad: Path) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tandem: "), err
    assert str(bad) in lines[0] or bad.name in lines[0], err
    assert "-> fix: " in lines[0], err
    assert "Traceback" not in err


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("argv, option, name, folder", READERS, ids=lambda v: " ".join(v) if isinstance(v, list) else str(v))
def test_a_bad_file_is_one_clear_line(argv, option, name, folder, kind, tmp_path, wav, capsys) -> None:
    bad = make(kind, tmp_path, name, want_folder=folder)
    fill = {"wav": str(wav), "journal": str(tmp_path / "journal.json"), "folder": str(tmp_path / "demo")}
    line = [a.format(**fill) for a in argv] + ([option] if option else []) + [str(bad)]
    if "--journal" not in line and argv[0] not in ("understand", "demo"):
        line += ["--journal", str(tmp_path / "journal.json")]
    code, err = run(line, capsys)
    assert code == 2, err
    one_clear_line(err, bad)


@pytest.mark.parametrize("kind", ("folder", "unreadable"))
@pytest.mark.parametrize("argv", JOURNAL_READERS, ids=" ".join)
def test_a_journal_that_is_a_folder_or_unreadable_is_one_clear_line(argv, kind, tmp_path, capsys) -> None:
    bad = make(kind, tmp_path, "journal.json")
    code, err = run([*argv, "--journal", str(bad)], capsys)
    assert code == 2, err
    one_clear_line(err, bad)


@pytest.mark.parametrize("argv", JOURNAL_READERS, ids=" ".join)
def test_a_garbage_journal_is_set_aside_with_one_clear_line_and_nothing_is_lost(argv, tmp_path, capsys) -> None:
    bad = make("garbage", tmp_path, "journal.json")
    before = bad.read_bytes()
    main([*argv, "--journal", str(bad)])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "journal.json" in err
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("journal.json.corrupt")]
    assert kept and kept[0].read_bytes() == before


WRITERS = [
    (["report", "--html"], "week.html"),
    (["export", "--output"], "moments.csv"),
    (["listen", "--input", "{wav}", "--output"], "said.wav"),
    (["listen", "--input", "{wav}", "--events"], "events.jsonl"),
]


@pytest.mark.parametrize("where", ("missing folder", "a folder", "read-only folder"))
@pytest.mark.parametrize("argv, name", WRITERS, ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_an_output_to_an_unwritable_place_is_one_clear_line(argv, name, where, tmp_path, wav, capsys) -> None:
    if where == "read-only folder" and os.geteuid() == 0:
        target = Path("/proc/tandem-test") / name  # root may write anywhere but here
    elif where == "read-only folder":
        (tmp_path / "ro").mkdir(mode=0o500)
        target = tmp_path / "ro" / name
    elif where == "a folder":
        target = tmp_path / name
        target.mkdir()
    else:
        target = tmp_path / "nope" / name
    line = [a.format(wav=str(wav)) for a in argv] + [str(target), "--journal", str(tmp_path / "journal.json")]
    code, err = run(line, capsys)
    assert code == 2, err
    one_clear_line(err, target)


@pytest.mark.parametrize("kind", KINDS)
def test_doctor_reports_a_bad_config_as_a_problem_naming_the_file(kind, tmp_path, capsys) -> None:
    bad = make(kind, tmp_path, "config.toml")
    code = main(["doctor", "--only", "config", "--config", str(bad)])
    out = capsys.readouterr()
    (line,) = [l for l in out.out.splitlines() if l.startswith("problem")]
    assert code == 1 and "config" in line and bad.name in line and "fix:" in line and "Traceback" not in out.err


def test_no_microphone_is_one_line_that_suggests_the_demo(tmp_path, capsys, monkeypatch) -> None:
    from fake_sounddevice import FakeSoundDevice

    monkeypatch.setattr("assistant.audio.devices.load_sounddevice", lambda: FakeSoundDevice(devices=[], default=(-1, -1)))
    code, err = run(["--journal", str(tmp_path / "journal.json")], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "microphone" in err and "tandem demo" in err
