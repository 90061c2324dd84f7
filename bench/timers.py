"""Timer accuracy: a hug's end chime against its nominal end, on the real clock, with a core kept busy.

`tandem chat` (the real dialog and ritual engine on `RealClock`) is started with a temporary journal,
told to start a hug of a stated length, and its output read as it comes: each `[chime: NAME]` line is
stamped on arrival with `time.monotonic()`. Error = (end chime - start chime) - the stated length;
both chimes travel the same pipe, so its delay cancels. Meanwhile a busy-loop process keeps the other
core at 100 %. Several hugs overlap (they sleep almost all the time) and the median is reported.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.audio import ROOT
from bench.report import Row, Section, Table, Target
from bench.speech import check_stderr

TITLE = "Timer accuracy"
TARGET = Target("<", 20)
CHIME = re.compile(r"\[chime: (\w+)\]")
SPOKEN = {90: "ninety", 20: "twenty"}


def _busy_core() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _hug(seconds: int, folder: Path, index: int, out: dict, started: threading.Event) -> None:
    """One `tandem chat` hug; fills out[index] with chime arrival times or an error.

    The command is typed only once chat has greeted (start-up done), and `started` is set at the start
    chime, so the next hug's process start-up never competes with this one's start."""
    journal = folder / f"journal-{index}.json"
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "chat", "--journal", str(journal), "--seed", "1"],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, bufsize=1, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    chimes: list[tuple[str, float]] = []
    deadline = time.monotonic() + seconds + 90
    assert proc.stdin and proc.stdout
    try:
        proc.stdout.readline()  # the greeting: start-up is over
        proc.stdin.write(f"start a {SPOKEN[seconds]} second hug\n")
        proc.stdin.flush()
        for line in proc.stdout:
            now = time.monotonic()
            found = CHIME.search(line)
            if found:
                chimes.append((found.group(1), now))
                if found.group(1) == "start":
                    started.set()
                if found.group(1) == "end":
                    break
            if now > deadline:
                break
    finally:
        started.set()
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read() if proc.stderr else ""
    out[index] = (chimes, stderr)


def run(quick: bool = False) -> Section:
    seconds, runs = (20, 2) if quick else (90, 3)
    method = (f"{runs} overlapping hugs of {seconds} s (each started once the previous one's start chime came) through `tandem chat` on the real clock while another "
              "process keeps one core busy; error = time between the `[chime: start]` and `[chime: end]` lines "
              f"as they arrive on the pipe, minus {seconds} s. " + __doc__.split("\n\n")[1].replace("\n", " "))
    section = Section("timers", TITLE, method, mode="quick" if quick else "full")
    busy = _busy_core()
    results: dict[int, tuple] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            threads = []
            for i in range(runs):
                started = threading.Event()
                threads.append(threading.Thread(target=_hug, args=(seconds, Path(tmp), i, results, started)))
                threads[-1].start()
                started.wait(timeout=120)
            for t in threads:
                t.join()
    finally:
        os.kill(busy.pid, signal.SIGTERM)
        busy.wait()
    errors, halfway, rows = [], [], []
    for i in range(runs):
        chimes, stderr = results.get(i, ([], "no result"))
        names = dict(chimes)
        if "start" not in names or "end" not in names:
            check_stderr(stderr, "tandem chat")
            rows.append([str(i + 1), " ".join(n for n, _ in chimes) or "(no chimes)", "", stderr.strip()[-120:]])
            continue
        err = (names["end"] - names["start"] - seconds) * 1000
        errors.append(err)
        if "halfway" in names:
            halfway.append((names["halfway"] - names["start"] - seconds / 2) * 1000)
        rows.append([str(i + 1), " ".join(n for n, _ in chimes), f"{err:+.1f} ms",
                     f"halfway {halfway[-1]:+.1f} ms" if "halfway" in names else ""])
    if errors:
        section.rows.append(Row(f"end chime error, median of {len(errors)}, {seconds} s hug, other core busy",
                                round(statistics.median(abs(e) for e in errors), 1), "ms", TARGET))
        section.rows.append(Row("end chime error, worst", round(max(abs(e) for e in errors), 1), "ms", TARGET))
        if halfway:
            section.rows.append(Row("halfway chime error, median", round(statistics.median(abs(e) for e in halfway), 1),
                                    "ms"))
    else:
        section.rows.append(Row("end chime error", None, "ms", TARGET, note="not available: no hug completed"))
    section.tables.append(Table("Each hug", ["Run", "Chimes", "End error (late +)", "Other"], rows))
    return section
