"""One writer at a time across processes: the speaker, `tandem log` and `tandem report`.

An OS file lock (flock via `filelock`) is released by the kernel when its holder dies, so a
crashed speaker never leaves the journal locked. Reads take it too: a reader then never sees a
snapshot and a log from two different moments of a compaction.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from assistant.errors import JournalError

DEFAULT_TIMEOUT = 10.0
"""Seconds a second writer waits; a record takes milliseconds, so this only trips on a real hang."""


class JournalLock:
    """Re-entrant in-process, exclusive between processes, bounded wait."""

    def __init__(self, journal_path: Path, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.path = journal_path.with_name(journal_path.name + ".lock")
        self.timeout = timeout
        self._threads = threading.RLock()
        options: dict[str, object] = {"timeout": timeout, "mode": 0o600, "thread_local": False}
        if "preserve_lock_file" in inspect.signature(filelock.FileLock.__init__).parameters:
            options["preserve_lock_file"] = True  # filelock 4: never unlink a lock others may wait on
        self._file = filelock.FileLock(str(self.path), **options)  # type: ignore[arg-type]

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:
            try:
                self._file.acquire()
            except filelock.Timeout:
                raise JournalError(
                    f"{self.path.with_suffix('')}: another Tandem process has held the journal lock "
                    f"{self.path} for more than {self.timeout:g} s",
                    "wait until it finishes, or stop the other `tandem` process",
                ) from None
            except OSError as error:
                raise JournalError(
                    f"cannot take the journal lock {self.path}: {error.strerror or error}",
                    "check that the journal folder exists and is writable by you",
                ) from error
            try:
                yield
            finally:
                self._file.release()

    @property
    def is_locked(self) -> bool:
        return self._file.is_locked
