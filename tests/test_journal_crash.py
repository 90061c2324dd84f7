"""Pull the plug: a real process recording moments is killed with SIGKILL at random points.

After every kill the journal must open, hold every moment whose `record` returned (the child
writes its id to a pipe only after that), and hold none twice. The child compacts often, so
kills also land in the middle of a snapshot rewrite, and it runs rituals in progress too.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from forking import fork
from assistant.journal import Journal, Moment

KILLS = 200
START = datetime(2026, 1, 5, 7, 0).astimezone()


def recorder(path: Path, out_fd: int, seed: int) -> None:
    """The child: record forever, announcing each id once `record` has returned."""
    from assistant.journal import storage

    storage.MIN_LOG_BEFORE_COMPACT = 6000  # fold the log every dozen records or so
    rng = random.Random(seed)
    journal = Journal.open(path)
    os.write(out_fd, b"ready\n")
    n = 0
    while True:
        n += 1
        at = START + timedelta(days=rng.randrange(90), minutes=n)
        if n % 5 == 0:
            moment_id = journal.begin(Moment("hug", at, planned_seconds=90))
            journal.heartbeat(moment_id, 30)
            journal.finish(moment_id, actual_seconds=90)
        else:
            moment_id = journal.record(Moment("gratitude", at, actual_seconds=60, texts=["x" * rng.randrange(400)])).id
        os.write(out_fd, moment_id.encode() + b"\n")


def check(path: Path, returned: set[str]) -> int:
    journal = Journal.open(path)
    try:
        ids = [m.id for m in journal.moments()]
    finally:
        journal.close()
    twice = [i for i, c in Counter(ids).items() if c > 1]
    assert not twice, f"duplicated moments {twice}"
    lost = returned - set(ids)
    assert not lost, f"lost moments {lost}"
    return len(ids)


def test_sigkill_at_random_points_never_loses_or_duplicates_a_returned_moment(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    rng = random.Random(2026)
    returned: set[str] = set()
    for kill in range(KILLS):
        read_fd, write_fd = os.pipe()
        child = fork()
        if child == 0:
            try:
                os.close(read_fd)
                recorder(path, write_fd, kill)
            finally:
                os._exit(1)
        os.close(write_fd)
        pipe = os.fdopen(read_fd, "rb")
        if rng.random() < 0.8:  # most kills land among records and compactions, some in opening
            pipe.readline()
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        with pipe:
            returned.update(line.decode() for line in pipe.read().split() if line != b"ready")
        check(path, returned)
    assert returned  # the kills really landed among records, not only before the first
    print(f"\n{KILLS} kills, {len(returned)} moments returned, 0 lost, 0 duplicated")


CHILD = """
import sys
from datetime import datetime, timedelta
from pathlib import Path
from assistant.journal import Journal, Moment
journal = Journal.open(Path(sys.argv[1]))
at = datetime(2026, 1, 5, 7, 0).astimezone()
n = 0
while True:
    n += 1
    moment = journal.record(Moment("hug", at + timedelta(minutes=n), actual_seconds=90))
    print(moment.id, flush=True)
"""


def test_a_separate_interpreter_killed_mid_loop_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    returned: set[str] = set()
    for _ in range(3):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                                 cwd=Path(__file__).resolve().parent.parent)
        assert child.stdout is not None
        returned.add(child.stdout.readline().decode().strip())  # it is running: now pull the plug
        time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        returned.update(out.decode().split())
        check(path, returned)
