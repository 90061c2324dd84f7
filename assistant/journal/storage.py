"""A TinyDB storage that survives the plug being pulled, and stays fast at ten years of moments.

TinyDB's own `JSONStorage` rewrites the file in place: a crash mid-write leaves half a JSON.
Rewriting a whole 10 MB journal for every hug would also be slow. So the data lives in two files:

- `journal.json`, the snapshot: only ever replaced whole (temporary file, fsync, `os.replace`,
  fsync of the folder), so it is always a complete JSON document.
- `journal.json.log`, an append-only change log: one line per TinyDB write, `crc32 json`, fsynced
  before `write()` returns. A line cut short by a crash fails its checksum and is ignored; it
  belonged to a write that never returned. Each line holds whole documents (`put`) or deletions,
  so replaying it twice gives the same result.

When the log grows past a quarter of the snapshot it is folded into a new snapshot (compaction);
the `Journal` also folds it on every start and clean exit, so whenever no Tandem process is writing,
`journal.json` alone holds every moment and is the one file a person needs to copy.
Other processes' changes are picked up by `refresh()`, which reads only the log's new tail unless
the snapshot itself was replaced. Callers hold the `JournalLock` around every call.
"""

from __future__ import annotations

import errno
import json
import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from assistant.errors import JournalError

Tables = dict[str, dict[str, dict[str, Any]]]
Op = tuple[str, str, "dict[str, Any] | None"]
ChangeListener = Callable[[str, str, "dict[str, Any] | None"], None]

FILE_MODE = 0o600
DIR_MODE = 0o700
MIN_LOG_BEFORE_COMPACT = 256 * 1024
"""Bytes; below this the log is never folded (a young journal costs nothing to replay)."""


class CorruptFile(Exception):
    """The snapshot cannot be read as a journal; the caller sets it aside."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class _Doc(dict):  # type: ignore[type-arg]
    """A stored document that remembers it was changed in place (TinyDB's `update` does that),
    so a write logs only the documents that really changed instead of diffing 40,000 of them."""

    __slots__ = ("_dirty", "_orig", "_where")

    def __init__(self, data: dict[str, Any], dirty: list[_Doc], where: tuple[str, str]) -> None:
        super().__init__(data)
        self._dirty = dirty
        self._orig: dict[str, Any] | None = None
        self._where = where

    def _touch(self) -> None:
        if self._orig is None:
            self._orig = dict(self)
            self._dirty.append(self)

    def __setitem__(self, key: str, value: Any) -> None:
        self._touch()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._touch()
        super().__delitem__(key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._touch()
        super().update(*args, **kwargs)

    def pop(self, *args: Any) -> Any:
        self._touch()
        return super().pop(*args)

    def popitem(self) -> tuple[str, Any]:
        self._touch()
        return super().popitem()

    def clear(self) -> None:
        self._touch()
        super().clear()

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._touch()
        return super().setdefault(key, default)

    def __ior__(self, other: Any) -> _Doc:
        self.update(other)
        return self


class _ArmedTables(dict):  # type: ignore[type-arg]
    """What `read()` returns: a table's documents are wrapped as `_Doc` only when TinyDB opens
    that table, so opening ten years of moments wraps nothing."""

    __slots__ = ("_arm",)

    def __init__(self, tables: Tables, arm: Callable[[str], None]) -> None:
        super().__init__(tables)
        self._arm = arm

    def __getitem__(self, name: str) -> dict[str, Any]:
        table = dict.__getitem__(self, name)
        self._arm(name)
        return table


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in `folder` durable (POSIX needs the folder synced too)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that `path` is always either the old or the new content."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def encode_line(ops: list[Op]) -> bytes:
    body = json.dumps(ops, ensure_ascii=False, separators=(",", ":")).encode()
    return b"%08x " % zlib.crc32(body) + body + b"\n"


def decode_line(line: bytes) -> list[Op] | None:
    """The ops of one complete log line, or None when it fails its checksum."""
    if len(line) < 10 or line[8:9] != b" ":
        return None
    body = line[9:].rstrip(b"\n")
    try:
        if int(line[:8], 16) != zlib.crc32(body):
            return None
        ops = json.loads(body)
    except ValueError:
        return None
    if not isinstance(ops, list):
        return None
    return [tuple(op) for op in ops if isinstance(op, list) and len(op) == 3]  # type: ignore[misc]


def write_error(path: Path, error: OSError) -> JournalError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free some disk space; every moment recorded before this one is safe"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "make the journal folder writable by you, or choose another file with --journal"
    else:
        fix = "check the disk; every moment recorded before this one is safe"
    return JournalError(f"cannot write the journal {path}: {error.strerror or error}", fix)


def _stat_sig(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _validate(path: Path, data: Any) -> Tables:
    if not isinstance(data, dict):
        raise CorruptFile(path, "top level is not a JSON object")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise CorruptFile(path, f"table {name!r} is not a JSON object")
        for key, doc in table.items():
            if not isinstance(doc, dict):
                raise CorruptFile(path, f"document {name}/{key} is not a JSON object")
    return data


class SafeJSONStorage(Storage):
    """Crash-safe, append-friendly TinyDB storage (see the module docstring)."""

    def __init__(self, path: Path, compact_ratio: float = 0.25) -> None:
        self.path = Path(path)
        self.log_path = self.path.with_name(self.path.name + ".log")
        self.compact_ratio = compact_ratio
        self.on_change: ChangeListener | None = None
        self.on_reload: Callable[[], None] | None = None
        self.damaged_log_lines = 0
        """Complete log lines that failed their checksum at the last full load (not a torn tail)."""
        self._tables: Tables = {}
        self._armed: set[str] = set()
        self._defer_compaction = False
        self._dirty: list[_Doc] = []
        self._snap_sig: tuple[int, int, int, int] | None = None
        self._snap_size = 0
        self._log_sig: int | None = None
        self._log_offset = 0
        self._loaded = False

    # -- loading -------------------------------------------------------------------------

    def ensure_folder(self) -> None:
        folder = self.path.parent
        if not folder.exists():
            try:
                folder.mkdir(mode=DIR_MODE, parents=True)
            except OSError as error:
                raise JournalError(
                    f"cannot create the journal folder {folder}: {error.strerror or error}",
                    "create it yourself or choose another file with --journal",
                ) from error

    def load(self) -> Tables:
        """Read the snapshot and replay the log. Raises `CorruptFile` for an unreadable snapshot."""
        self._dirty.clear()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raw = b""
        except OSError as error:
            raise JournalError(
                f"cannot read the journal {self.path}: {error.strerror or error}",
                "make the file readable by you, or choose another file with --journal",
            ) from error
        self._snap_sig = _stat_sig(self.path)
        self._snap_size = len(raw)
        if self._snap_sig is not None and not raw.strip():
            raise CorruptFile(self.path, "the file is empty (a snapshot is never empty)")
        if raw:
            try:
                data = json.loads(raw)
            except ValueError as error:
                raise CorruptFile(self.path, f"not a whole JSON document ({error})") from None
            tables = _validate(self.path, data)
        else:
            tables = {}
        self._tables = tables
        self._armed = set()
        self._log_offset = 0
        self._log_sig = None
        self.damaged_log_lines = 0
        self._read_log_tail(notify=False, count_damage=True)
        self._loaded = True
        return self._tables

    def refresh(self) -> bool:
        """Pick up other processes' writes. True when a full reload happened."""
        if not self._loaded:
            self.load()
            return True
        if _stat_sig(self.path) != self._snap_sig:
            self.load()
            if self.on_reload:
                self.on_reload()
            return True
        try:
            st = os.stat(self.log_path)
        except FileNotFoundError:
            st = None
        if st is None:
            if self._log_offset:
                self.load()
                if self.on_reload:
                    self.on_reload()
                return True
            return False
        if st.st_ino != self._log_sig and self._log_sig is not None or st.st_size < self._log_offset:
            self.load()
            if self.on_reload:
                self.on_reload()
            return True
        if st.st_size > self._log_offset:
            self._read_log_tail(notify=True)
        return False

    def _read_log_tail(self, notify: bool, count_damage: bool = False) -> None:
        try:
            with open(self.log_path, "rb") as handle:
                self._log_sig = os.fstat(handle.fileno()).st_ino
                handle.seek(self._log_offset)
                tail = handle.read()
        except FileNotFoundError:
            return
        position = 0
        while True:
            end = tail.find(b"\n", position)
            if end < 0:
                break  # a torn last line: its write never returned
            ops = decode_line(tail[position:end + 1])
            position = end + 1
            if ops is None:
                if count_damage:
                    self.damaged_log_lines += 1
                continue
            self._apply(ops, notify)
        self._log_offset += position

    def _apply(self, ops: list[Op], notify: bool) -> None:
        for name, key, doc in ops:
            table = self._tables.setdefault(name, {})
            if doc is None:
                table.pop(key, None)
            else:
                table[key] = _Doc(doc, self._dirty, (name, key)) if name in self._armed else doc
            if notify and self.on_change:
                self.on_change(name, key, doc)

    # -- the TinyDB Storage interface ----------------------------------------------------

    def read(self) -> Tables:
        if not self._loaded:
            self.load()
        return _ArmedTables(self._tables, self._arm)

    def _arm(self, name: str) -> None:
        if name not in self._armed:
            table = self._tables[name]
            for key, doc in table.items():
                if not isinstance(doc, _Doc):
                    table[key] = _Doc(doc, self._dirty, (name, key))
            self._armed.add(name)

    def write(self, data: Tables) -> None:
        ops = self._diff(data)
        if not ops:
            self._commit(data)
            return
        try:
            self._append(encode_line(ops))
        except OSError as error:
            self._rollback()
            raise write_error(self.log_path, error) from error
        except BaseException:
            self._rollback()
            raise
        self._commit(data)
        if self.on_change:
            for name, key, doc in ops:
                self.on_change(name, key, doc)
        self._maybe_compact()

    def close(self) -> None:
        self._loaded = False
        self._tables = {}

    # -- writing -------------------------------------------------------------------------

    def _diff(self, data: Tables) -> list[Op]:
        """What changed since the last commit: new and removed keys by set difference (fast,
        in C), documents changed in place from the dirty list. Nested values changed in place
        are not seen; TinyDB's operations only ever set top-level fields."""
        ops: list[Op] = []
        for name, table in dict.items(data):
            old = self._tables.get(name, {})
            if table is old:
                continue  # TinyDB builds a new dict for the one table it changes
            ops.extend((name, key, dict(table[key])) for key in table.keys() - old.keys())
            ops.extend((name, key, None) for key in old.keys() - table.keys())
        for doc in self._dirty:
            name, key = doc._where
            if dict.get(data, name, {}).get(key) is doc:
                ops.append((name, key, dict(doc)))
        for name in self._tables.keys() - data.keys():
            ops.extend((name, key, None) for key in self._tables[name])
        return ops

    def _commit(self, data: Tables) -> None:
        for doc in self._dirty:
            doc._orig = None
        self._dirty.clear()
        tables: Tables = {}
        for name, table in dict.items(data):
            if table is not self._tables.get(name):
                for key, doc in table.items():
                    if not isinstance(doc, _Doc):
                        table[key] = _Doc(doc, self._dirty, (name, key))
                self._armed.add(name)
            tables[name] = table
        self._tables = tables

    def _rollback(self) -> None:
        for doc in self._dirty:
            if doc._orig is not None:
                dict.clear(doc)
                dict.update(doc, doc._orig)
                doc._orig = None
        self._dirty.clear()

    def _append(self, line: bytes) -> None:
        self.ensure_folder()
        created = not self.log_path.exists()
        fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
        try:
            size = os.fstat(fd).st_size
            if size != self._log_offset:
                # Leftovers of a write that never returned (a crash, a full disk): drop them,
                # or the next line would be glued to them and lost.
                os.ftruncate(fd, self._log_offset)
            try:
                os.lseek(fd, self._log_offset, os.SEEK_SET)
                write_all(fd, line)
                os.fsync(fd)
            except OSError:
                try:
                    os.ftruncate(fd, self._log_offset)
                except OSError:
                    pass
                raise
            self._log_sig = os.fstat(fd).st_ino
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.log_path.parent)
        self._log_offset += len(line)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many writes in a row (an import, a repair): fold the log once, at the end."""
        self._defer_compaction = True
        try:
            yield
        finally:
            self._defer_compaction = False
        self._maybe_compact()

    def _maybe_compact(self) -> None:
        if self._defer_compaction:
            return
        if self._log_offset < max(MIN_LOG_BEFORE_COMPACT, self._snap_size * self.compact_ratio):
            return
        try:
            self.compact()
        except JournalError:
            pass  # the change is already safe in the log; compaction retries on a later write

    def compact(self) -> None:
        """Fold the log into a fresh snapshot, then start an empty log.

        Also how deleted words really leave the disk (`forget`): neither file keeps them after.
        A crash between the two steps is harmless: replaying the old log on the new snapshot
        changes nothing, because every line holds whole documents.
        """
        self.ensure_folder()
        body = self.snapshot_bytes()
        try:
            atomic_write(self.path, body)
            atomic_write(self.log_path, b"")
        except OSError as error:
            raise write_error(self.path, error) from error
        self._snap_sig = _stat_sig(self.path)
        self._snap_size = len(body)
        self._log_sig = None
        self._log_offset = 0

    def fold(self) -> bool:
        """Fold a non-empty log into the snapshot, so the journal file alone holds everything
        (done on every start and clean exit). True when there was something to fold."""
        try:
            pending = self._log_offset > 0 or self.log_path.stat().st_size > 0
        except FileNotFoundError:
            pending = False
        if pending:
            self.compact()
        return pending

    def snapshot_bytes(self) -> bytes:
        """The whole content (snapshot and log replayed) as one journal file's bytes."""
        return json.dumps(self._tables, ensure_ascii=False, separators=(",", ":")).encode()

    def replace_all(self, tables: Tables) -> None:
        """Make `tables` the whole content (migrations, a fresh start): one atomic snapshot."""
        self._dirty.clear()
        self._tables = {name: dict(table) for name, table in tables.items()}
        self._armed = set()
        self._loaded = True
        self.compact()

    @property
    def log_size(self) -> int:
        return self._log_offset
