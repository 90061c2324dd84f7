"""Session recordings for the listen loop, and running `tandem listen --input` on them.

A session is speech clips laid on a timeline with gaps, over a bed of looped kitchen noise at a chosen
SNR (the same peak-frame definition as the barista mixes, taken over all the speech), normalised to
half scale. The true start and end of each clip are kept, to score what the loop did and when.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.audio import RATE, ROOT, _max_frame_energy, kitchen_noise, write16
from bench.speech import PartMissing, check_stderr


@dataclass
class Cue:
    """One clip placed in a session: its label (expected intent, text...) and true times in seconds."""

    label: dict[str, Any]
    start: float
    end: float


def build(parts: list[tuple[np.ndarray, dict[str, Any]] | float], snr_db: float | None, path: Path,
          noise_offset: int = 0) -> list[Cue]:
    """Write a session WAV from clips and gaps (floats, seconds); return where each clip landed."""
    pieces, cues, t = [], [], 0
    for part in parts:
        if isinstance(part, (int, float)):
            pieces.append(np.zeros(int(part * RATE), dtype=np.float64))
            t += len(pieces[-1])
            continue
        samples, label = part
        pieces.append(samples.astype(np.float64))
        cues.append(Cue(label, t / RATE, (t + len(samples)) / RATE))
        t += len(samples)
    speech = np.concatenate(pieces) if pieces else np.zeros(RATE)
    if snr_db is not None:
        noise = kitchen_noise().astype(np.float64)
        bed = noise[(np.arange(len(speech)) + noise_offset) % len(noise)]
        gain = np.sqrt(_max_frame_energy(speech) / (max(_max_frame_energy(bed), 1e-9) * 10 ** (snr_db / 10)))
        speech = speech + gain * bed
    speech *= (32767 / 2) / max(float(np.max(np.abs(speech))), 1e-9)
    write16(path, np.round(speech).astype(np.int16))
    return cues


@dataclass
class ListenRun:
    """What one `tandem listen` process did."""

    events: list[dict[str, Any]]
    wall: float
    """Seconds from process start to exit."""
    cpu: float
    """User + system CPU seconds of the process."""
    max_rss_mb: float
    returncode: int
    stderr: str = ""
    said: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") == kind]


def listen(wav: Path, engine: str, realtime: bool = False, timeout: float = 3600,
           keep: Path | None = None) -> ListenRun:
    """`tandem listen --input wav` with a throwaway journal; events, wall time, CPU and peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or Path(tmp)
        events, said = folder / "events.jsonl", folder / "said.wav"
        cmd = [sys.executable, "-m", "assistant", "listen", "--input", str(wav), "--output", str(said),
               "--events", str(events), "--journal", str(folder / "journal.json"), "--engine", engine]
        if realtime:
            cmd.append("--realtime")
        err_path = folder / "stderr.txt"
        with open(err_path, "w") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
            try:
                _, status, usage = _wait4(proc, timeout)
            finally:
                if proc.poll() is None:
                    proc.kill()
            wall = time.perf_counter() - start
        stderr = err_path.read_text(errors="replace")
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            check_stderr(stderr, "tandem listen")
            if "unrecognized arguments" in stderr or "invalid choice: 'listen'" in stderr:
                raise PartMissing(f"tandem listen does not take these options yet: {stderr.strip()[-200:]}")
            if engine == "vosk" and "model" in stderr.lower():
                from bench.speech import EngineMissing

                raise EngineMissing("no vosk model installed")
        lines = events.read_text(encoding="utf-8").splitlines() if events.exists() else []
        run = ListenRun([json.loads(x) for x in lines if x.strip()], wall, usage.ru_utime + usage.ru_stime,
                        usage.ru_maxrss / 1024, code, stderr[-2000:])
        if code != 0:
            raise RuntimeError(f"tandem listen failed ({code}): {stderr.strip()[-300:]}")
        return run


def _wait4(proc: subprocess.Popen, timeout: float):
    """os.wait4 with a timeout: the child's own rusage (not every child's, as getrusage would give)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return pid, status, usage
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            raise TimeoutError(f"tandem listen ran over {timeout:.0f} s")
        time.sleep(0.05)


def events_between(run: ListenRun, kind: str, start: float, end: float) -> list[dict[str, Any]]:
    return [e for e in run.of(kind) if start <= e["t"] <= end]
