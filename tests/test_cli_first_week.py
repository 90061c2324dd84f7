"""The command-line items of issue 15: a new couple's first week meets no unclear message and no dead end."""

from __future__ import annotations

import argparse
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.cli import build_parser, main
from assistant.config import load_settings
from assistant.errors import ConfigError


def test_a_toml_syntax_error_names_its_line_and_shows_it(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[partners]\nnames = ["Alex", "Sam"]\n\n[wake]\nphrase = hey tandem\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert f"{config}, line 5: not valid TOML" in str(caught.value) and "`phrase = hey tandem`" in str(caught.value)


def test_a_bad_value_names_the_line_it_is_on(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('# our settings\n[partners]\nnames = ["Alex", "Sam"]\n\n[durations]\nhug = "long"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert f"{config}, line 6 [durations.hug]" in str(caught.value)


def test_doctor_passes_a_config_others_can_read_and_gives_a_tip(tmp_path: Path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[partners]\nnames = ["Alex", "Sam"]\n')
    config.chmod(0o644)
    assert main(["doctor", "--only", "config", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok ") and f"tip: chmod 600 {config}" in out and "problem" not in out


def test_listen_says_a_missing_recording_is_missing_before_anything_else(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "assistant", "listen", "--input", "nope.wav",
                           "--journal", str(tmp_path / "journal.json")], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [done.stderr.strip()] and "nope.wav" in done.stderr
    assert "listening with" not in done.stderr


def options(parser: argparse.ArgumentParser, path: str = "tandem"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from options(sub, f"{path} {name}")
        elif not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            yield path, "/".join(action.option_strings) or action.dest, action.help


def test_every_option_of_every_command_says_what_it_does() -> None:
    silent = [f"{command} {option}" for command, option, text in options(build_parser()) if not text]
    assert not silent, f"options with no help text: {silent}"


def read_until(fd: int, wanted: bytes, seconds: float = 30.0) -> bytes:
    seen = b""
    end = time.monotonic() + seconds
    while wanted not in seen and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


def test_chat_on_a_terminal_shows_a_prompt_and_piped_chat_does_not(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "assistant", "chat", "--journal", str(tmp_path / "journal.json")]
    parent, child = pty.openpty()
    process = subprocess.Popen(command, stdin=child, stdout=child, stderr=child, cwd=tmp_path, close_fds=True)
    os.close(child)
    try:
        first = read_until(parent, b"> ")
        assert first.endswith(b"\n> "), first
        os.write(parent, b"whose turn is it\n")
        second = read_until(parent, b"\n> ")
        assert b"\n> " in second, second
        os.write(parent, b"\x04")
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(parent)
    piped = subprocess.run(command, input="whose turn is it\n", capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and "> " not in piped.stdout
