"""Nothing said in the kitchen leaves the machine: Tandem opens no network connection in normal use.

Sockets are forbidden twice over while Tandem runs: `socket.socket.connect`, `connect_ex`,
`socket.create_connection` and `socket.getaddrinfo` are patched to raise, and a Python audit hook
refuses every socket connect, send and name lookup, even ones made through `_socket` directly.
Every attempt is also written down, so an attempt that some code catches and ignores still fails
the test. Subprocess runs install the audit hook before Tandem is imported, covering imports too.
`tandem model download` is the one command allowed to use the network, and is never run here.
"""

from __future__ import annotations

import io
import json
import random
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.clock import VirtualClock
from assistant.config import Partners, Settings, write_config
from assistant.dialog.setup import build_dialog
from assistant.journal.journal import Journal

from fake_sounddevice import FakeSoundDevice

NETWORK_EVENTS = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
                  "socket.sendto", "socket.sendmsg", "socket.getnameinfo", "urllib.Request", "http.client.connect")


class NetworkForbidden(OSError):
    """Raised in place of any network use while the guard is on."""


class _Guard:
    """Records (and refuses) network use while `active`."""

    active = False
    attempts: list[str] = []

    @classmethod
    def audit(cls, event: str, args: tuple) -> None:
        if cls.active and event in NETWORK_EVENTS:
            cls.attempts.append(f"{event}{args!r}"[:200])
            raise NetworkForbidden(f"network use in normal operation: {event}")


sys.addaudithook(_Guard.audit)  # audit hooks cannot be removed: it only acts while the guard is on


@pytest.fixture
def no_network(monkeypatch):
    """Sockets forbidden; yields the list of attempts (which must stay empty)."""
    def refuse(name: str):
        def forbidden(*args, **kwargs):
            _Guard.attempts.append(f"{name}{args[1:] if name.startswith('socket.socket') else args!r}"[:200])
            raise NetworkForbidden(f"network use in normal operation: {name}")
        return forbidden

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    _Guard.attempts = []
    _Guard.active = True
    try:
        yield _Guard.attempts
    finally:
        _Guard.active = False


def test_the_guard_really_catches_a_connection(no_network):
    with pytest.raises(OSError):
        socket.create_connection(("pypi.org", 443), timeout=1)
    with pytest.raises(OSError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9))
    assert len(no_network) >= 2
    no_network.clear()


def test_a_whole_evening_of_rituals_opens_no_connection(no_network, tmp_path):
    clock = VirtualClock()
    settings = Settings(partners=Partners(("Alex", "Sam")))
    with Journal.open(tmp_path / "journal.json", now=clock.wall()) as journal:
        dialog = build_dialog(settings, journal, clock, random.Random(3))  # intents loaded under the guard
        said = []

        def say(text: str) -> None:
            said.extend(dialog.hear(text).keys)

        def wait(seconds: float) -> None:
            until = clock.now() + seconds
            while (due := dialog.next_deadline()) is not None and due <= until:
                clock.set(due)
                said.extend(dialog.tick().keys)
            clock.set(until)

        say("start our hug")
        wait(95)
        say("two minutes of breathing")
        wait(30)
        say("stop")
        say("three thanks")
        for thanks in ("the soup", "pass", "the walk", "your laugh", "the call", "the flowers", "the music"):
            say(thanks)
        say("note an appreciation")
        say("you fixed my bike")
        say("forget that")
        for question in ("how are we doing today", "how was our week", "whose turn is it", "pass the salt"):
            say(question)
        assert journal.moments() and all(m.status != "running" for m in journal.moments())
    assert "[end]" in said and "gratitude_done" in said
    assert no_network == []


def test_typed_commands_and_the_journal_commands_open_no_connection(no_network, tmp_path, monkeypatch, capsys):
    config = write_config(Settings(partners=Partners(("Alex", "Sam"))), tmp_path / "config.toml")
    journal = tmp_path / "journal.json"
    common = ["--config", str(config), "--journal", str(journal)]
    assert main(["understand", "--json", "start our hug", "um could you start a two minute hug please"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("start a hug\nhow much time is left\nstop\nthree thanks\nstop\n"))
    assert main(["chat", *common, "--seed", "1"]) == 0
    assert main(["log", "breathing", "--seconds", "120", *common]) == 0
    assert main(["report", "--week", "--json", *common]) == 0
    assert main(["export", "--format", "json", *common]) == 0
    assert main(["forget", "--last", *common]) == 0
    out = capsys.readouterr().out
    assert '"intent": "StartHug"' in out
    assert no_network == []


def test_the_doctor_opens_no_connection_either(no_network, tmp_path, monkeypatch):
    from assistant.doctor import run_checks

    checks = run_checks(None, tmp_path / "journal.json", sd=FakeSoundDevice())
    assert [c.name for c in checks if not c.ok and c.required] == []
    assert no_network == []


def _recognizer_ready() -> str | None:
    try:
        from assistant.recognize.select import load_recognizer  # noqa: F401
    except ImportError:
        return "the recognizer (assistant/recognize/select.py) is not there yet"
    import audio_gen

    return None if audio_gen.available() else "espeak-ng and sox are needed to make test speech"


@pytest.mark.audio
@pytest.mark.slow
@pytest.mark.skipif(_recognizer_ready() is not None, reason=str(_recognizer_ready()))
def test_a_spoken_session_opens_no_connection(no_network, tmp_path):
    import numpy as np

    import audio_gen
    from assistant.loop.session import ListenOptions, run_session

    speech = np.concatenate([audio_gen.speak("hey tandem start a ten second hug"),
                             np.zeros(16_000 * 2, dtype=np.int16)])
    wav = audio_gen.write_wav16(tmp_path / "session.wav", audio_gen.mix(speech, 18.0))
    config = write_config(Settings(), tmp_path / "config.toml")
    result = run_session(ListenOptions(config=config, journal=tmp_path / "journal.json", input=wav,
                                       output=tmp_path / "said.wav", engine="pocketsphinx",
                                       rng=random.Random(1)))
    assert result.stats.utterances >= 1  # the recording was heard and decoded (what was understood is not the point)
    assert no_network == []


GUARDED_RUN = textwrap.dedent("""
    import os, sys
    NETWORK = {events!r}
    def hook(event, args):
        if event in NETWORK:
            os.write(2, ("NETWORK " + event + " " + repr(args)[:200] + "\\n").encode())
            os._exit(97)
    sys.addaudithook(hook)
    from assistant.cli import main
    sys.exit(main(sys.argv[1:]))
""").format(events=NETWORK_EVENTS)


@pytest.mark.parametrize("argv, stdin", [
    (["understand", "--json", "start our hug", "what's the weather"], ""),
    (["chat", "--seed", "2"], "start a hug\nstop\nthree thanks\nthe soup\nstop\nhow are we doing today\n"),
], ids=["understand", "chat"])
def test_a_fresh_tandem_process_opens_no_connection_from_import_to_exit(tmp_path, argv, stdin):
    config = write_config(Settings(), tmp_path / "config.toml")
    if argv[0] == "chat":
        argv = [*argv, "--config", str(config), "--journal", str(tmp_path / "journal.json")]
    done = subprocess.run([sys.executable, "-c", GUARDED_RUN, *argv], input=stdin, capture_output=True,
                          text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert "NETWORK" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    if argv[0] == "understand":
        assert [json.loads(line)["intent"] for line in done.stdout.splitlines()] == ["StartHug", None]
