"""A stand-in microphone for a wyoming-satellite under test: paced 16 kHz mono audio on stdout.

Run by the satellite as its `--mic-command` (with the satellite's own Python: standard library
only). It writes a quiet noise floor at real-time pace, 1024 samples every 64 ms like a sound card,
and plays each `*.raw` file (16 kHz 16-bit mono) that appears in the spool folder, oldest name
first, then deletes it. `cat file` would dump a file at once and repeat it (see the design notes);
a real microphone never does that. When a file starts playing, a line "NAME MONOTONIC-TIME" is
appended to `mic.log` beside the spool folder (benchmarks time replies from it).
"""

import os
import random
import sys
import time
from array import array

RATE = 16_000
CHUNK = 1024
FLOOR = 24
"""Amplitude of the background hiss (a real room is never digitally silent)."""


def main(spool: str) -> None:
    out = sys.stdout.buffer
    rng = random.Random(7)
    hiss = [array("h", [rng.randint(-FLOOR, FLOOR) for _ in range(CHUNK)]).tobytes() for _ in range(16)]
    pending = b""
    started: str | None = None
    log_path = os.path.join(os.path.dirname(os.path.abspath(spool)), "mic.log")
    next_at = time.monotonic()
    n = 0
    while True:
        if len(pending) < CHUNK * 2:
            names = sorted(f for f in os.listdir(spool) if f.endswith(".raw"))
            if names:
                path = os.path.join(spool, names[0])
                with open(path, "rb") as handle:
                    pending += handle.read()
                os.unlink(path)
                started = names[0]
        if pending:
            block, pending = pending[:CHUNK * 2], pending[CHUNK * 2:]
            block = block + hiss[n % 16][len(block):]
        else:
            block = hiss[n % 16]
        n += 1
        next_at += CHUNK / RATE
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        elif delay < -1.0:
            next_at = time.monotonic()  # a long stall (a suspended machine): do not burst to catch up
        try:
            out.write(block)
            out.flush()
        except BrokenPipeError:
            return
        if started is not None:
            with open(log_path, "a") as log:
                log.write(f"{started} {time.monotonic() - CHUNK / RATE:.4f}\n")
            started = None


if __name__ == "__main__":
    main(sys.argv[1])
