"""The couple's journal: every moment kept, safely, and the figures Tandem speaks from it.

TinyDB holds the data (table `moments`, table `meta` with the schema version) on a
`SafeJSONStorage`; a `JournalLock` keeps several processes (the speaker, `tandem log`,
`tandem report`) from interleaving. An in-memory index of parsed `Moment`s, kept in step with
every change the storage sees, answers `today` and `week` without re-reading ten years of data.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any

import platformdirs
from tinydb import TinyDB
from tinydb.table import Document, Table

from assistant.errors import JournalError
from assistant.journal import migrations
from assistant.journal.lock import DEFAULT_TIMEOUT, JournalLock
from assistant.journal.records import MOMENT_FIELDS, SCHEMA_VERSION, Moment
from assistant.journal.repair import scan_documents
from assistant.journal.storage import FILE_MODE, CorruptFile, SafeJSONStorage
from assistant.journal.summaries import TodayStatus, WeekSummary, today_status, week_summary

APP_NAME = "tandem"
FILE_NAME = "journal.json"
OWNER = "_owner"
"""Extra key on a running moment: which process runs it, so a second process never closes it."""


def default_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / FILE_NAME


@dataclass(frozen=True)
class Notice:
    """Something the couple should be told once (the caller picks the words by `key`)."""

    key: str
    """"journal_set_aside": the journal was unreadable, kept aside, and a fresh one started."""
    path: Path
    backups: tuple[Path, ...]
    reason: str


@dataclass(frozen=True)
class RepairResult:
    found: int
    """Intact moment records found in the damaged file."""
    added: int
    """Of those, how many were not already in the journal."""
    unreadable: int
    """Records found but not usable (missing or bad fields)."""


def _process_start(pid: int) -> str | None:
    """The kernel's start time of `pid` (Linux), so a reused pid is not taken for the owner."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    return stat.rsplit(b")", 1)[-1].split()[19].decode()


def _owner() -> dict[str, Any]:
    pid = os.getpid()
    return {"pid": pid, "start": _process_start(pid)}


def _owner_alive(owner: Any) -> bool:
    if not isinstance(owner, dict) or not isinstance(owner.get("pid"), int):
        return False
    pid = owner["pid"]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    start = owner.get("start")
    return start is None or _process_start(pid) in (None, start)


def _as_datetime(value: datetime | date, tz: Any = None) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.astimezone()
    return datetime(value.year, value.month, value.day).astimezone(tz)


class Journal:
    """Open with `Journal.open(path)`; every method is safe to call from any thread."""

    def __init__(self, path: Path, minimums: Mapping[str, int] | None, lock_timeout: float) -> None:
        self.path = path
        self.minimums: dict[str, int] = dict(minimums or {})
        self.notice: Notice | None = None
        self._lock = JournalLock(path, lock_timeout)
        self._storage = SafeJSONStorage(path)
        self._storage.on_change = self._on_change
        self._storage.on_reload = self._rebuild
        self._db = TinyDB(storage=lambda: self._storage)
        self._table: Table = self._db.table(migrations.MOMENTS, cache_size=0)
        self._by_key: dict[int, Moment] = {}
        self._key_of: dict[str, int] = {}
        self._owners: dict[int, Any] = {}
        self._max_key = 0
        self._sorted: list[Moment] | None = None

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        *,
        minimums: Mapping[str, int] | None = None,
        now: datetime | None = None,
        lock_timeout: float = DEFAULT_TIMEOUT,
    ) -> Journal:
        """Open (creating if needed) the journal; None = the platform's user data folder.

        A corrupt file is set aside (see `notice`), a ritual left running by a crash is closed
        as partial, and an older schema is migrated.
        """
        journal = cls(Path(path) if path else default_path(), minimums, lock_timeout)
        journal._storage.ensure_folder()  # before the lock, which would create it world-readable
        with journal._lock.held():
            journal._load()
        journal.close_interrupted(now or datetime.now().astimezone())
        return journal

    def _load(self) -> None:
        self._tighten_permissions()
        try:
            tables = self._storage.load()
            tables = self._check_schema(tables)
            self._rebuild(strict=True)
        except CorruptFile as corrupt:
            self._set_aside(corrupt.reason)
            self._storage.replace_all(migrations.with_schema({}))
            self._rebuild()
            return
        if self._storage.damaged_log_lines:
            # Some log lines in the middle were unreadable: keep a copy for `repair`, then
            # fold what was readable into a clean snapshot.
            backup = self._backup_name(self._storage.log_path)
            backup.write_bytes(self._storage.log_path.read_bytes())
            os.chmod(backup, FILE_MODE)
            self._storage.compact()
            self.notice = Notice("journal_set_aside", self.path, (backup,), "damaged log lines")

    def _check_schema(self, tables: migrations.Tables) -> migrations.Tables:
        if not tables:
            self._storage.replace_all(migrations.with_schema({}))
            return self._storage.read()
        version = migrations.schema_of(tables)
        if version is None or version < 1:
            raise CorruptFile(self.path, "no schema version: not a Tandem journal")
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"{self.path} was written by a newer Tandem (journal schema {version}, "
                f"this one reads up to {SCHEMA_VERSION})",
                "upgrade Tandem, or choose another file with --journal",
            )
        if version < SCHEMA_VERSION:
            try:
                tables = migrations.migrate({k: dict(v) for k, v in tables.items()}, version)
            except (KeyError, TypeError, ValueError) as error:
                raise CorruptFile(self.path, f"cannot migrate from schema {version}: {error}") from None
            self._storage.replace_all(tables)
        return self._storage.read()

    def _tighten_permissions(self) -> None:
        for path in (self.path, self._storage.log_path):
            try:
                if path.stat().st_mode & 0o077:
                    os.chmod(path, FILE_MODE)
            except OSError:
                pass

    def _backup_name(self, path: Path) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = path.with_name(f"{path.name}.corrupt-{stamp}")
        n = 1
        while backup.exists():
            n += 1
            backup = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        return backup

    def _set_aside(self, reason: str) -> None:
        backups = []
        for path in (self.path, self._storage.log_path):
            if path.exists():
                backup = self._backup_name(path)
                os.replace(path, backup)
                backups.append(backup)
        self.notice = Notice("journal_set_aside", self.path, tuple(backups), reason)

    # -- the in-memory index ----------------------------------------------------------------

    def _rebuild(self, strict: bool = False) -> None:
        self._by_key.clear()
        self._key_of.clear()
        self._owners.clear()
        self._sorted = None
        self._max_key = 0
        for key, doc in self._storage.read().get(migrations.MOMENTS, {}).items():
            try:
                self._index(key, doc)
            except (KeyError, TypeError, ValueError) as error:
                if strict:
                    raise CorruptFile(self.path, f"moment {key} is not readable: {error}") from None

    def _index(self, key: str, doc: dict[str, Any]) -> None:
        k = int(key)
        moment = Moment.from_dict(doc)
        old = self._by_key.get(k)
        if old is not None and old.id != moment.id:
            self._key_of.pop(old.id, None)
        self._by_key[k] = moment
        self._key_of[moment.id] = k
        if OWNER in doc:
            self._owners[k] = doc[OWNER]
        else:
            self._owners.pop(k, None)
        self._max_key = max(self._max_key, k)
        self._sorted = None

    def _on_change(self, table: str, key: str, doc: dict[str, Any] | None) -> None:
        if table != migrations.MOMENTS:
            return
        if doc is None:
            old = self._by_key.pop(int(key), None)
            if old is not None:
                self._key_of.pop(old.id, None)
            self._owners.pop(int(key), None)
            self._sorted = None
            return
        try:
            self._index(key, doc)
        except (KeyError, TypeError, ValueError):
            pass  # written by something else; `journal check` reports it

    def _ordered(self) -> list[Moment]:
        if self._sorted is None:
            self._sorted = sorted(self._by_key.values(), key=attrgetter("started"))
        return self._sorted

    @contextmanager
    def _synced(self) -> Iterator[None]:
        """Hold the lock and see every other process's writes first."""
        with self._lock.held():
            self._storage.refresh()
            yield

    def _key(self, moment_id: str) -> int:
        try:
            return self._key_of[moment_id]
        except KeyError:
            raise JournalError(
                f"{self.path}: no moment with id {moment_id!r}",
                "list the moments with `tandem export --format json`",
            ) from None

    # -- writing ----------------------------------------------------------------------------

    def _insert(self, docs: list[dict[str, Any]]) -> None:
        first = self._max_key + 1
        if len(docs) == 1:
            self._table.insert(Document(docs[0], doc_id=first))
        else:
            self._table.insert_multiple(Document(d, doc_id=first + i) for i, d in enumerate(docs))

    def record(self, moment: Moment) -> Moment:
        """Keep a finished moment. When this returns, it survives a crash."""
        if moment.status == "running":
            self.begin(moment)
            return moment
        with self._synced():
            if moment.id in self._key_of:
                raise JournalError(f"{self.path}: moment {moment.id} is already recorded", "")
            self._insert([moment.to_dict()])
        return moment

    def record_many(self, moments: list[Moment]) -> int:
        """Keep many finished moments in one write (imports, benchmarks). Returns how many."""
        with self._synced():
            docs = [m.to_dict() for m in moments if m.id not in self._key_of]
            if docs:
                self._insert(docs)
        return len(docs)

    def begin(self, moment: Moment) -> str:
        """Keep a ritual in progress (status "running"); `finish` closes it."""
        doc = moment.with_(status="running", ended=None).to_dict()
        doc[OWNER] = _owner()
        with self._synced():
            self._insert([doc])
        return moment.id

    def heartbeat(self, moment_id: str, actual_seconds: float) -> None:
        """How long a running ritual has really run so far, kept in case of a crash."""
        with self._synced():
            key = self._key(moment_id)
            if self._by_key[key].status == "running":
                self._table.update({"actual_seconds": actual_seconds}, doc_ids=[key])

    def finish(self, moment_id: str, **fields: Any) -> Moment:
        """Close a running ritual. Status defaults to "completed", `ended` to start + actual."""
        with self._synced():
            key = self._key(moment_id)
            moment = self._by_key[key]
            fields.setdefault("status", "completed")
            updated = moment.with_(**fields)
            if updated.ended is None:
                updated = updated.with_(ended=updated.started + timedelta(seconds=updated.actual_seconds))
            self._replace(key, updated.to_dict())
        return updated

    def _replace(self, key: int, doc: dict[str, Any]) -> None:
        def swap(stored: dict[str, Any]) -> None:
            stored.clear()
            stored.update(doc)

        self._table.update(swap, doc_ids=[key])

    def rate(self, moment_id: str, rating: int) -> Moment:
        with self._synced():
            key = self._key(moment_id)
            updated = self._by_key[key].with_(rating=rating)
            self._table.update({"rating": rating}, doc_ids=[key])
        return updated

    def close_interrupted(self, now: datetime) -> int:
        """Close, as partial, every running ritual whose process is gone (a crash, a power cut),
        with the seconds it really ran (its last heartbeat). Returns how many were closed."""
        closed = 0
        with self._synced():
            for key, moment in list(self._by_key.items()):
                if moment.status != "running" or _owner_alive(self._owners.get(key)):
                    continue
                ended = min(now, moment.started + timedelta(seconds=moment.actual_seconds))
                self._replace(key, moment.with_(status="partial", ended=max(ended, moment.started)).to_dict())
                closed += 1
        return closed

    # -- reading ----------------------------------------------------------------------------

    def get(self, moment_id: str) -> Moment:
        with self._synced():
            return self._by_key[self._key(moment_id)]

    def moments(self, since: datetime | date | None = None) -> list[Moment]:
        """All moments, oldest first (running ones included), optionally from `since` on."""
        with self._synced():
            ordered = self._ordered()
            if since is None:
                return list(ordered)
            start = bisect.bisect_left(ordered, _as_datetime(since), key=attrgetter("started"))
            return ordered[start:]

    def _recent(self, since: datetime) -> list[Moment]:
        ordered = self._ordered()
        return ordered[bisect.bisect_left(ordered, since, key=attrgetter("started")):]

    def today(self, now: datetime, minimums: Mapping[str, int] | None = None) -> TodayStatus:
        """Today's done moments against the minimums (given, or those the journal was opened with)."""
        with self._synced():
            recent = self._recent(now - timedelta(days=2))
        return today_status(recent, now, self.minimums if minimums is None else minimums)

    def week(self, now: datetime) -> WeekSummary:
        with self._synced():
            recent = self._recent(now - timedelta(days=9))
        return week_summary(recent, now)

    def last_initiator(self, ritual: str | None = None) -> str | None:
        """Who started the latest done moment (of `ritual`), for `WhoseTurn` and rotation."""
        with self._synced():
            for moment in reversed(self._ordered()):
                if moment.done and moment.initiated_by and (ritual is None or moment.ritual == ritual):
                    return moment.initiated_by
        return None

    def __len__(self) -> int:
        with self._synced():
            return len(self._by_key)

    # -- privacy ----------------------------------------------------------------------------

    def forget_text(self, moment_id: str) -> Moment:
        """Drop the words of one moment (its counts stay) and rewrite the files without them."""
        with self._synced():
            key = self._key(moment_id)
            updated = self._by_key[key].with_(texts=None)
            self._table.update({"texts": None}, doc_ids=[key])
            self._storage.compact()
        return updated

    def forget(self, last: bool = False, since: datetime | date | None = None, all: bool = False) -> int:
        """Delete moments for real: the last recorded, those from `since` on, or all.
        The files are rewritten so nothing forgotten stays on disk. Returns how many."""
        with self._synced():
            if all:
                keys = list(self._by_key)
            elif last:
                keys = [max(self._by_key)] if self._by_key else []
            elif since is not None:
                start = _as_datetime(since)
                keys = [k for k, m in self._by_key.items() if m.started >= start]
            else:
                raise ValueError("forget needs last=True, since=... or all=True")
            if keys:
                self._table.remove(doc_ids=keys)
            self._storage.compact()
        return len(keys)

    def export(self, fmt: str) -> str:
        """All the couple's data: "json" (with the schema version) or "csv" (one row a moment)."""
        moments = self.moments()
        if fmt == "json":
            data = {"schema": SCHEMA_VERSION, "moments": [m.to_dict() for m in moments]}
            return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(MOMENT_FIELDS), lineterminator="\n")
            writer.writeheader()
            for moment in moments:
                row = moment.to_dict()
                for name in ("counts", "texts"):
                    row[name] = json.dumps(row[name], ensure_ascii=False) if row[name] is not None else ""
                writer.writerow(row)
            return out.getvalue()
        raise ValueError(f"unknown export format {fmt!r} (csv or json)")

    # -- repair -----------------------------------------------------------------------------

    def repair(self, damaged: Path) -> RepairResult:
        """Recover every intact moment from a damaged journal or log file into this journal."""
        try:
            raw = Path(damaged).read_bytes()
        except OSError as error:
            raise JournalError(f"cannot read {damaged}: {error.strerror or error}", "check the path") from error
        found = unreadable = 0
        fresh: dict[str, dict[str, Any]] = {}
        with self._synced():
            for doc in scan_documents(raw):
                found += 1
                try:
                    moment = Moment.from_dict(migrations.upgrade_doc(doc))
                except (KeyError, TypeError, ValueError):
                    unreadable += 1
                    continue
                if moment.id not in self._key_of:
                    fresh[moment.id] = moment.to_dict()  # the last copy of a moment wins
            if fresh:
                self._insert(list(fresh.values()))
        return RepairResult(found=found, added=len(fresh), unreadable=unreadable)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
