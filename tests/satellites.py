"""Real `wyoming-satellite` processes on loopback, for the rooms tests and `python -m bench rooms`.

The satellite comes from its own virtual environment (`.ci/install-satellite`): it pins an older
`wyoming` than Tandem's. Each satellite listens on 127.0.0.1 only, hears `paced_mic.py` (speech is
dropped into its spool folder as raw 16 kHz audio) and writes what Tandem plays into `out.raw`
(22050 Hz 16-bit mono, the satellite's default speaker format) through `sh -c 'cat >> out.raw'`.
"""

from __future__ import annotations

import os
import pwd
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT_RATE = 22_050


def venv_python(variable: str, name: str, check: str) -> Path | None:
    """The python of a venv `.ci/install-satellite` made: $`variable`, else ~/.cache/tandem/`name` (the
    account's own home too, as CI runs the tests with HOME pointing elsewhere); None when not there."""
    homes = [Path.home(), Path(pwd.getpwuid(os.getuid()).pw_dir)]
    places = [Path(os.environ[variable])] if os.environ.get(variable) else [h / ".cache" / "tandem" / name for h in homes]
    for venv in places:
        python = venv / "bin" / "python"
        if python.exists() and subprocess.run([str(python), "-c", check], capture_output=True).returncode == 0:
            return python
    return None


def satellite_python() -> Path | None:
    """The satellite venv's python, or None when `.ci/install-satellite` has not been run."""
    explicit = os.environ.get("TANDEM_SATELLITE_PY")
    if explicit:
        return Path(explicit)
    return venv_python("TANDEM_SATELLITE_VENV", "satellite-venv", "import wyoming_satellite")


MISSING = "wyoming-satellite is not installed: run .ci/install-satellite (or set TANDEM_SATELLITE_PY)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(proc: subprocess.Popen, port: int, log: Path, timeout: float) -> None:
    """Wait until the program `proc` accepts connections on 127.0.0.1:`port` (its log tells why not)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:3]} exited: {log.read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{proc.args[:3]} did not listen on port {port} within {timeout} s")


class Satellite:
    """One satellite process; `start()`, `say(samples)`, `kill()`, `played()`."""

    def __init__(self, python: Path, name: str, folder: Path, port: int | None = None) -> None:
        self.python = python
        self.name = name
        self.folder = folder
        self.port = port or free_port()
        self.spool = folder / "spool"
        self.out = folder / "out.raw"
        self.log = folder / "satellite.log"
        self.proc: subprocess.Popen | None = None
        self._said = 0
        folder.mkdir(parents=True, exist_ok=True)
        self.spool.mkdir(exist_ok=True)

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> "Satellite":
        mic = f"{shlex.quote(str(self.python))} {shlex.quote(str(HERE / 'paced_mic.py'))} {shlex.quote(str(self.spool))}"
        snd = f"sh -c {shlex.quote('cat >> ' + shlex.quote(str(self.out)))}"
        command = [str(self.python), "-m", "wyoming_satellite", "--uri", self.uri, "--no-zeroconf",
                   "--name", self.name.title(), "--area", self.name, "--mic-command", mic, "--snd-command", snd,
                   "--debug"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_listening(self.proc, self.port, self.log, timeout)
        return self

    def say(self, samples: np.ndarray) -> None:
        """Speak into this room's microphone (16 kHz int16 mono), after whatever is still playing."""
        self._said += 1
        tmp = self.spool / f"{self._said:05d}.tmp"
        tmp.write_bytes(np.asarray(samples, dtype="<i2").tobytes())
        tmp.rename(self.spool / f"{self._said:05d}.raw")

    def kill(self) -> None:
        """Pull the plug: SIGKILL the satellite and its microphone (its own process group)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None

    def played(self) -> bytes:
        """Everything Tandem played on this satellite's speaker so far (22050 Hz int16 mono)."""
        return self.out.read_bytes() if self.out.exists() else b""
