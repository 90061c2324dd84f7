"""The couple's journal: every moment kept, safely, and the figures Tandem speaks from it.

TinyDB holds the data (monthly tables `moments-YYYY-MM` and `offers-YYYY-MM`, table `meta` with the
schema version) on a
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
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
from assistant.journal.migrations import table_for
from assistant.journal.records import (
    MOMENT_FIELDS,
    OFFER_FIELDS,
    OFFER_OUTCOMES,
    SCHEMA_VERSION,
    Moment,
    Offer,
)
from assistant.journal.repair import looks_like_offer, scan_documents
from assistant.journal.storage import FILE_MODE, CorruptFile, SafeJSONStorage, atomic_write, write_error

APP_NAME = "tandem"
FILE_NAME = "journal.json"
OWNER = "_owner"
"""Extra key on a running moment: which process runs it, so a second process never closes it."""
PENDING_OFFER_LIMIT = timedelta(minutes=10)
"""Longer than any answer window (`[offers] answer_seconds` is at most five minutes)."""


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


class NoJournal(JournalError):
    """A reading command found no journal at the path: it says so and creates nothing."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"there is no journal at {path} yet",
            "it starts with your first moment (say \"hey tandem, start our hug\" or run `tandem log hug`); "
            "if you keep it elsewhere, give that file with --journal")
        self.path = path


@dataclass(frozen=True)
class BackupResult:
    path: Path
    moments: int
    offers: int
    bytes: int


@dataclass(frozen=True)
class RepairResult:
    found: int
    """Intact moment records found in the damaged file."""
    added: int
    """Of those, how many were not already in the journal."""
    unreadable: int
    """Records found but not usable (missing or bad fields)."""
    offers_found: int = 0
    offers_added: int = 0


def exists(path: Path) -> bool:
    """A journal is at `path`: its file, or at least its change log (a first session cut short)."""
    return path.is_file() or path.with_name(path.name + ".log").is_file()


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


def _offer_at(doc: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(doc["at"])
    except (KeyError, TypeError, ValueError):
        return None


def _as_datetime(value: datetime | date, tz: Any = None) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.astimezone()
    return datetime(value.year, value.month, value.day).astimezone(tz)


class _Month:
    """Parsed moments of one monthly table, built on first use (ten years are never all parsed
    just to say how this week went)."""

    def __init__(self) -> None:
        self.by_key: dict[int, Moment] = {}
        self.owners: dict[int, Any] = {}
        self._sorted: list[Moment] | None = None

    def put(self, key: int, moment: Moment, owner: Any) -> None:
        self.by_key[key] = moment
        if owner is None:
            self.owners.pop(key, None)
        else:
            self.owners[key] = owner
        self._sorted = None

    def drop(self, key: int) -> Moment | None:
        self.owners.pop(key, None)
        self._sorted = None
        return self.by_key.pop(key, None)

    def ordered(self) -> list[Moment]:
        if self._sorted is None:
            self._sorted = sorted(self.by_key.values(), key=attrgetter("started"))
        return self._sorted


class Journal:
    """Open with `Journal.open(path)`; every method is safe to call from any thread."""

    def __init__(self, path: Path, lock_timeout: float) -> None:
        self.path = path
        self.notice: Notice | None = None
        self._lock = JournalLock(path, lock_timeout)
        self._storage = SafeJSONStorage(path)
        self._storage.on_change = self._on_change
        self._storage.on_reload = self._forget_index
        self._db = TinyDB(storage=lambda: self._storage)
        self._tables: dict[str, Table] = {}
        self._months: dict[str, _Month] = {}
        self._where: dict[str, tuple[str, int]] = {}
        self.unreadable: list[tuple[str, str, str]] = []
        """(table, key, problem) of stored moments that could not be read (see `journal check`)."""
        self._closed = False

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        *,
        now: datetime | None = None,
        lock_timeout: float = DEFAULT_TIMEOUT,
        create: bool = True,
    ) -> Journal:
        """Open the journal; None = the platform's user data folder. With `create=False` (what
        reading commands use) a journal that is not there raises `NoJournal` and nothing is made.

        A corrupt file is set aside (see `notice`), a ritual left running by a crash is closed
        as partial, an older schema is migrated, and a change log left by a process that did not
        exit cleanly is folded into the file.
        """
        file = Path(path) if path else default_path()
        if not create and not exists(file):
            raise NoJournal(file)
        journal = cls(file, lock_timeout)
        journal._storage.ensure_folder()  # before the lock, which would create it world-readable
        with journal._lock.held():
            journal._load()
        journal.close_interrupted(now or datetime.now().astimezone())
        journal.fold()
        return journal

    def _load(self) -> None:
        self._tighten_permissions()
        try:
            tables = self._storage.load()
            self._check_schema(tables)
        except CorruptFile as corrupt:
            self._set_aside(corrupt.reason)
            self._storage.replace_all(migrations.with_schema({}))
            return
        if self._storage.damaged_log_lines:
            # Some log lines in the middle were unreadable: keep a copy for `repair`, then
            # fold what was readable into a clean snapshot.
            backup = self._backup_name(self._storage.log_path)
            fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with os.fdopen(fd, "wb") as handle:
                handle.write(self._storage.log_path.read_bytes())
            self._storage.compact()
            self.notice = Notice("journal_set_aside", self.path, (backup,), "damaged log lines")

    def _check_schema(self, tables: migrations.Tables) -> None:
        if not tables:
            self._storage.replace_all(migrations.with_schema({}))
            return
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
                migrated = migrations.migrate({k: dict(v) for k, v in tables.items()}, version)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise CorruptFile(self.path, f"cannot migrate from schema {version}: {error}") from None
            self._check_shape(migrated)  # before anything is written: a bad file is set aside as it was
            self._storage.replace_all(migrated)
        else:
            self._check_shape(tables)

    def _check_shape(self, tables: migrations.Tables) -> None:
        """Cheap, whole-file check at open; moments are fully parsed month by month, later."""
        for name, table in dict.items(tables):
            if name == migrations.META:
                continue
            if name == migrations.SILENCES:
                if not all(key.isdigit() and _offer_at(doc) is not None for key, doc in table.items()):
                    raise CorruptFile(self.path, "a \"not today\" record has no time")
                continue
            if migrations.is_offers_table(name):
                for key, doc in table.items():
                    if not (key.isdigit() and migrations.looks_like_offer(doc)):
                        raise CorruptFile(self.path, f"offer {name}/{key} has not the shape of an offer")
                continue
            if not migrations.is_moments_table(name):
                raise CorruptFile(self.path, f"unknown table {name!r}")
            for key, doc in table.items():
                if not (key.isdigit() and migrations.looks_current(doc)):
                    raise CorruptFile(self.path, f"moment {name}/{key} has not the schema {SCHEMA_VERSION} shape")

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

    def _forget_index(self) -> None:
        """Another process replaced the snapshot: parse again on demand."""
        self._months.clear()
        self._where.clear()

    def _month_names(self) -> list[str]:
        """Monthly table names, oldest first."""
        return sorted(n for n in self._storage.read() if migrations.is_moments_table(n))

    def _month(self, name: str) -> _Month:
        month = self._months.get(name)
        if month is None:
            month = self._months[name] = _Month()
            for key, doc in self._storage.read().get(name, {}).items():
                self._parse_into(month, name, key, doc)
        return month

    def _parse_into(self, month: _Month, name: str, key: str, doc: dict[str, Any]) -> None:
        try:
            moment = Moment.from_dict(doc)
        except (KeyError, TypeError, ValueError) as error:
            self.unreadable.append((name, key, str(error)))
            return
        month.put(int(key), moment, doc.get(OWNER))
        self._where[moment.id] = (name, int(key))

    def _on_change(self, table: str, key: str, doc: dict[str, Any] | None) -> None:
        month = self._months.get(table)
        if month is None:
            return  # not parsed yet: it will be read whole when first needed
        old = month.drop(int(key))
        if old is not None:
            self._where.pop(old.id, None)
        if doc is not None:
            self._parse_into(month, table, key, doc)

    def _months_between(self, start: datetime, end: datetime | None = None) -> list[_Month]:
        """Parsed months that may hold moments started in [start, end] (a day of slack either
        side: a moment's month is that of its own time zone)."""
        low = table_for(start - timedelta(days=1))
        high = table_for(end + timedelta(days=1)) if end else None
        return [self._month(n) for n in self._month_names() if n >= low and (high is None or n <= high)]

    def _ordered(self, since: datetime | None = None, end: datetime | None = None) -> list[Moment]:
        months = [self._month(n) for n in self._month_names()] if since is None else self._months_between(since, end)
        merged = [m for month in months for m in month.ordered()]
        merged.sort(key=attrgetter("started"))  # nearly sorted already: cheap
        if since is not None:
            merged = merged[bisect.bisect_left(merged, since, key=attrgetter("started")):]
        return merged

    def _locate(self, moment_id: str) -> tuple[str, int]:
        where = self._where.get(moment_id)
        if where is None:
            for name in reversed(self._month_names()):  # recent moments are the ones asked for
                if name not in self._months:
                    self._month(name)
                    where = self._where.get(moment_id)
                    if where is not None:
                        break
        if where is None or where[1] not in self._month(where[0]).by_key:
            raise JournalError(
                f"{self.path}: no moment with id {moment_id!r}",
                "list the moments with `tandem export --format json`",
            )
        return where

    def _moment(self, where: tuple[str, int]) -> Moment:
        return self._month(where[0]).by_key[where[1]]

    @contextmanager
    def _synced(self) -> Iterator[None]:
        """Hold the lock and see every other process's writes first."""
        with self._lock.held():
            self._storage.refresh()
            yield

    # -- writing ----------------------------------------------------------------------------

    def _table(self, name: str) -> Table:
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = self._db.table(name, cache_size=0)
        return table

    def _insert(self, docs: list[dict[str, Any]]) -> None:
        groups: dict[str, list[dict[str, Any]]] = {}
        for doc in docs:
            groups.setdefault(table_for(datetime.fromisoformat(doc["started"])), []).append(doc)
        with self._storage.batch():
            for name, group in groups.items():
                stored = self._storage.read().get(name, {})
                first = max(map(int, stored), default=0) + 1
                table = self._table(name)
                if len(group) == 1:
                    table.insert(Document(group[0], doc_id=first))
                else:
                    table.insert_multiple(Document(d, doc_id=first + i) for i, d in enumerate(group))

    def _update(self, where: tuple[str, int], fields: dict[str, Any] | Callable[[dict[str, Any]], None]) -> None:
        self._table(where[0]).update(fields, doc_ids=[where[1]])

    def record(self, moment: Moment) -> Moment:
        """Keep a finished moment. When this returns, it survives a crash."""
        if moment.status == "running":
            self.begin(moment)
            return moment
        with self._synced():
            if moment.id in self._where:
                raise JournalError(f"{self.path}: moment {moment.id} is already recorded", "")
            self._insert([moment.to_dict()])
        return moment

    def record_many(self, moments: list[Moment]) -> int:
        """Keep many finished moments at once (imports, benchmarks): one write per month."""
        with self._synced():
            docs = [m.to_dict() for m in moments if m.id not in self._where]
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
            where = self._locate(moment_id)
            if self._moment(where).status == "running":
                self._update(where, {"actual_seconds": actual_seconds})

    def finish(self, moment_id: str, **fields: Any) -> Moment:
        """Close a running ritual. Status defaults to "completed", `ended` to start + actual."""
        if "id" in fields or "started" in fields:
            raise ValueError("finish() cannot change a moment's id or start time")
        with self._synced():
            where = self._locate(moment_id)
            fields.setdefault("status", "completed")
            updated = self._moment(where).with_(**fields)
            if updated.ended is None:
                updated = updated.with_(ended=updated.started + timedelta(seconds=updated.actual_seconds))
            self._replace(where, updated.to_dict())
        return updated

    def _replace(self, where: tuple[str, int], doc: dict[str, Any]) -> None:
        def swap(stored: dict[str, Any]) -> None:
            stored.clear()
            stored.update(doc)

        self._update(where, swap)

    def set_initiator(self, moment_id: str, name: str | None) -> Moment:
        """Who started a moment, learnt after it began ("it's Alex"); None when not known."""
        with self._synced():
            where = self._locate(moment_id)
            updated = self._moment(where).with_(initiated_by=name)
            self._update(where, {"initiated_by": name})
        return updated

    def rate(self, moment_id: str, rating: int) -> Moment:
        with self._synced():
            where = self._locate(moment_id)
            updated = self._moment(where).with_(rating=rating)
            self._update(where, {"rating": rating})
        return updated

    # -- offers ---------------------------------------------------------------------------

    def offer(self, offer: Offer) -> Offer:
        """Keep an offer as it is spoken (outcome usually "pending"), so a restart never repeats it."""
        with self._synced():
            name = migrations.offers_table_for(offer.at)
            stored = self._storage.read().get(name, {})
            if any(doc.get("id") == offer.id for doc in stored.values()):
                raise JournalError(f"{self.path}: offer {offer.id} is already recorded", "")
            key = max(map(int, stored), default=0) + 1
            self._table(name).insert(Document(offer.to_dict(), doc_id=key))
        return offer

    def answer_offer(self, offer_id: str, outcome: str, moment_id: str | None = None) -> Offer:
        """What the couple did with an offer: accepted (with the moment it started), declined, ..."""
        if outcome not in OFFER_OUTCOMES:
            raise ValueError(f"offer outcome must be one of {OFFER_OUTCOMES}, not {outcome!r}")
        with self._synced():
            name, key, offer = self._locate_offer(offer_id)
            updated = replace(offer, outcome=outcome, moment_id=moment_id)
            self._update((name, key), {"outcome": outcome, "moment_id": moment_id})
        return updated

    def silence(self, at: datetime) -> None:
        """Someone said "not today" (with no offer waiting): no offers for the rest of that day."""
        with self._synced():
            stored = self._storage.read().get(migrations.SILENCES, {})
            key = max(map(int, stored), default=0) + 1
            self._table(migrations.SILENCES).insert(Document({"at": at.isoformat()}, doc_id=key))

    def silences(self, since: datetime | date | None = None) -> list[datetime]:
        """When offers were silenced for the day, oldest first."""
        low = _as_datetime(since) if since is not None else None
        with self._synced():
            times = [_offer_at(doc) for doc in dict.values(self._storage.read().get(migrations.SILENCES, {}))]
        return sorted(t for t in times if t is not None and (low is None or t >= low))

    def offers(self, since: datetime | date | None = None) -> list[Offer]:
        """Offers made, oldest first, optionally from `since` on (unreadable ones are skipped)."""
        with self._synced():
            return self._offers(_as_datetime(since) if since is not None else None)

    def _offer_names(self, since: datetime | None = None) -> list[str]:
        names = sorted(n for n in self._storage.read() if migrations.is_offers_table(n))
        if since is None:
            return names
        low = migrations.offers_table_for(since - timedelta(days=1))
        return [n for n in names if n >= low]

    def _offers(self, since: datetime | None = None) -> list[Offer]:
        found = []
        tables = self._storage.read()
        for name in self._offer_names(since):
            for key, doc in dict.items(tables.get(name, {})):
                try:
                    offer = Offer.from_dict(doc)
                except (KeyError, TypeError, ValueError) as error:
                    self.unreadable.append((name, key, str(error)))
                    continue
                if since is None or offer.at >= since:
                    found.append(offer)
        found.sort(key=attrgetter("at"))
        return found

    def _locate_offer(self, offer_id: str) -> tuple[str, int, Offer]:
        tables = self._storage.read()
        for name in reversed(self._offer_names()):  # recent offers are the ones answered
            for key, doc in dict.items(tables.get(name, {})):
                if doc.get("id") == offer_id:
                    return name, int(key), Offer.from_dict(doc)
        raise JournalError(f"{self.path}: no offer with id {offer_id!r}",
                           "list the offers with `tandem export --format json`")

    def close_interrupted(self, now: datetime) -> int:
        """Close, as partial, every running ritual whose process is gone (a crash, a power cut),
        with the seconds it really ran (its last heartbeat). Returns how many were closed."""
        closed = 0
        with self._synced():
            running = [
                (name, int(key))
                for name, table in self._storage.read().items()
                if migrations.is_moments_table(name)
                for key, doc in table.items()
                if doc.get("status") == "running"
            ]
            for where in running:
                month = self._month(where[0])
                moment = month.by_key.get(where[1])
                if moment is None or _owner_alive(month.owners.get(where[1])):
                    continue
                ended = min(now, moment.started + timedelta(seconds=moment.actual_seconds))
                self._replace(where, moment.with_(status="partial", ended=max(ended, moment.started)).to_dict())
                closed += 1
        self.close_pending_offers(now)
        return closed

    def close_pending_offers(self, now: datetime, older_than: timedelta = PENDING_OFFER_LIMIT) -> int:
        """Close as "unanswered" every offer still "pending" that was made more than `older_than`
        before `now`: its answer window was cut off (a crash, a stop). Opening the journal uses a
        margin, as another process may be listening for an answer right now; a starting Dialog,
        which knows it is the one that listens, uses none. Returns how many were closed."""
        with self._synced():
            pending = [
                (name, int(key))
                for name, table in self._storage.read().items()
                if migrations.is_offers_table(name)
                for key, doc in table.items()
                if doc.get("outcome") == "pending" and (at := _offer_at(doc)) is not None and now - at >= older_than
            ]
            for where in pending:
                self._update(where, {"outcome": "unanswered"})
        return len(pending)

    # -- reading ----------------------------------------------------------------------------

    def get(self, moment_id: str) -> Moment:
        with self._synced():
            return self._moment(self._locate(moment_id))

    def warm(self) -> None:
        """Parse every month now (ten years take ~0.2 s), so the first spoken summary is as quick as
        the rest. `listen` and `chat` call it on a background thread at start-up."""
        try:
            with self._synced():
                self._ordered()
        except JournalError:
            pass  # the call that needs the months will meet the same trouble and say so

    def moments(self, since: datetime | date | None = None) -> list[Moment]:
        """All moments, oldest first (running ones included), optionally from `since` on."""
        with self._synced():
            return self._ordered(_as_datetime(since) if since is not None else None)

    def latest_done(self, ritual: str | None = None) -> Moment | None:
        """The latest completed or partial moment (of `ritual`), whoever started it."""
        with self._synced():
            found = self._latest(lambda m: m.done and (ritual is None or m.ritual == ritual))
        return found[0] if found else None

    def last_initiator(self, ritual: str | None = None) -> str | None:
        """Who started the latest done moment (of `ritual`) whose starter is known, for `WhoseTurn`
        and rotation (moments nobody said who started are passed over)."""
        with self._synced():
            found = self._latest(
                lambda m: m.done and bool(m.initiated_by) and (ritual is None or m.ritual == ritual)
            )
        return found[0].initiated_by if found else None

    def _latest(self, wanted: Callable[[Moment], bool]) -> list[Moment]:
        """The latest moment that is `wanted` (as a list of zero or one), parsing months newest
        first and only as far back as needed."""
        names = self._month_names()
        for i in range(len(names) - 1, -1, -1):
            # Two months at a time: a moment's month follows its own time zone.
            window = sorted(
                (m for n in names[max(0, i - 1):i + 1] for m in self._month(n).ordered()),
                key=attrgetter("started"),
            )
            for moment in reversed(window):
                if wanted(moment):
                    return [moment]
        return []

    def __len__(self) -> int:
        with self._synced():
            return sum(len(t) for n, t in self._storage.read().items() if migrations.is_moments_table(n))

    # -- privacy ----------------------------------------------------------------------------

    def forget_text(self, moment_id: str) -> Moment:
        """Drop the words of one moment (its counts stay) and rewrite the files without them."""
        with self._synced():
            where = self._locate(moment_id)
            updated = self._moment(where).with_(texts=None)
            self._update(where, {"texts": None})
            self._storage.compact()
        return updated

    def forget(self, last: bool = False, since: datetime | date | None = None, all: bool = False) -> int:
        """Delete moments for real: the last recorded, those from `since` on, or all.
        The files are rewritten so nothing forgotten stays on disk. Returns how many."""
        if not (all or last or since is not None):
            raise ValueError("forget needs last=True, since=... or all=True")
        with self._synced():
            if all:
                doomed = self._ordered()
            elif since is not None:
                doomed = self._ordered(_as_datetime(since))
            else:
                doomed = self._latest(lambda m: True)[-1:]
            places: dict[str, list[int]] = {}
            for moment in doomed:
                name, key = self._where[moment.id]
                places.setdefault(name, []).append(key)
            for name, keys in places.items():
                self._table(name).remove(doc_ids=keys)
            if all or since is not None:  # what Tandem offered in that time goes too
                self._forget_offers(None if all else _as_datetime(since))
                low = None if all else _as_datetime(since)
                quiet = self._storage.read().get(migrations.SILENCES, {})
                keys = [int(k) for k, doc in dict.items(quiet) if low is None or (_offer_at(doc) or low) >= low]
                if keys:
                    self._table(migrations.SILENCES).remove(doc_ids=keys)
            self._storage.compact()
        return len(doomed)

    def _forget_offers(self, since: datetime | None) -> None:
        tables = self._storage.read()
        for name in self._offer_names(since):
            keys = [int(k) for k, doc in dict.items(tables.get(name, {}))
                    if since is None or _offer_at(doc) is None or _offer_at(doc) >= since]  # type: ignore[operator]
            if keys:
                self._table(name).remove(doc_ids=keys)

    def export(self, fmt: str, table: str = "moments") -> str:
        """All the couple's data: "json" (schema version, moments and offers) or "csv" (one row a
        moment, or with `table="offers"` one row an offer: a spreadsheet wants one kind of row)."""
        if fmt == "csv" and table == "offers":
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(OFFER_FIELDS), lineterminator="\n")
            writer.writeheader()
            for offer in self.offers():
                writer.writerow({k: "" if v is None else v for k, v in offer.to_dict().items()})
            return out.getvalue()
        if table not in ("moments", "offers"):
            raise ValueError(f"unknown export table {table!r} (moments or offers)")
        moments = self.moments()
        if fmt == "json":
            data = {"schema": SCHEMA_VERSION, "moments": [m.to_dict() for m in moments],
                    "offers": [o.to_dict() for o in self.offers()],
                    "silences": [t.isoformat() for t in self.silences()]}
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

    def check(self) -> dict[str, Any]:
        """Read every moment; report what a person (or `tandem doctor`) needs to know."""
        with self._synced():
            self.unreadable.clear()
            self._forget_index()
            moments = self._ordered()
            private = all(
                not (p.stat().st_mode & 0o077) for p in (self.path, self._storage.log_path) if p.exists()
            )
            report = {
                "path": str(self.path),
                "schema": SCHEMA_VERSION,
                "moments": len(moments),
                "offers": len(self._offers()),
                "running": sum(1 for m in moments if m.status == "running"),
                "unreadable": [f"{t}/{k}: {problem}" for t, k, problem in self.unreadable],
                "private": private,
                "writable": os.access(self.path.parent, os.W_OK),
                "snapshot_bytes": self.path.stat().st_size if self.path.exists() else 0,
                "log_bytes": self._storage.log_size,
            }
        report["ok"] = not report["unreadable"] and private and report["writable"]
        return report

    # -- repair -----------------------------------------------------------------------------

    def repair(self, damaged: Path) -> RepairResult:
        """Recover every intact moment from a damaged journal or log file into this journal."""
        try:
            raw = Path(damaged).read_bytes()
        except OSError as error:
            raise JournalError(f"cannot read {damaged}: {error.strerror or error}", "check the path") from error
        found = unreadable = offers_found = 0
        fresh: dict[str, dict[str, Any]] = {}
        fresh_offers: dict[str, Offer] = {}
        with self._synced():
            self._ordered()  # parse every month: ids already kept are not added twice
            known_offers = {o.id for o in self._offers()}
            for doc in scan_documents(raw):
                if looks_like_offer(doc):
                    offers_found += 1
                    try:
                        offer = Offer.from_dict(doc)
                    except (KeyError, TypeError, ValueError):
                        unreadable += 1
                        continue
                    if offer.id not in known_offers:
                        fresh_offers[offer.id] = offer  # the last copy (its latest outcome) wins
                    continue
                found += 1
                try:
                    moment = Moment.from_dict(migrations.upgrade_doc(doc))
                except (KeyError, TypeError, ValueError):
                    unreadable += 1
                    continue
                if moment.status == "running":  # its process is long gone: close it as interrupted
                    moment = moment.with_(status="partial",
                                          ended=moment.started + timedelta(seconds=moment.actual_seconds))
                if moment.id not in self._where:
                    fresh[moment.id] = moment.to_dict()  # the last copy of a moment wins
            if fresh:
                self._insert(list(fresh.values()))
            with self._storage.batch():
                for offer in fresh_offers.values():
                    name = migrations.offers_table_for(offer.at)
                    key = max(map(int, self._storage.read().get(name, {})), default=0) + 1
                    self._table(name).insert(Document(offer.to_dict(), doc_id=key))
        return RepairResult(found=found, added=len(fresh), unreadable=unreadable,
                            offers_found=offers_found, offers_added=len(fresh_offers))

    # -- one file to copy ---------------------------------------------------------------------

    def fold(self) -> bool:
        """Fold the change log into the journal file, so the file alone holds every moment.
        Done on open and on `close`; a failure (a full disk, a read-only copy) loses nothing, as
        the log still holds the changes. True when the file now holds everything."""
        try:
            with self._synced():
                self._storage.fold()
        except (JournalError, CorruptFile):
            return False  # nothing is lost: the next open sets a damaged file aside and says so
        return True

    def backup(self, dest: Path | str) -> BackupResult:
        """A consistent copy of the whole journal as one private file, safe while Tandem runs.

        `dest` may be a folder (the copy keeps the journal's name). The copy is written whole
        (temporary file, fsync, rename), so an interrupted backup never leaves half a file."""
        target = Path(dest).expanduser()
        if target.is_dir():
            target = target / self.path.name
        own = {self.path.resolve(), self._storage.log_path.resolve(), self._lock.path.resolve()}
        if target.resolve() in own:
            raise JournalError(f"{target} is the journal itself", "give a file or folder elsewhere, e.g. a USB stick")
        if not target.parent.is_dir():
            raise JournalError(f"cannot write the backup {target}: the folder {target.parent} does not exist",
                               "create the folder first, or give another place")
        with self._synced():
            body = self._storage.snapshot_bytes()
            moments = sum(len(t) for n, t in self._storage.read().items() if migrations.is_moments_table(n))
            offers = sum(len(t) for n, t in self._storage.read().items() if migrations.is_offers_table(n))
        try:
            atomic_write(target, body)
        except OSError as error:
            raise write_error(target, error) from error
        return BackupResult(target, moments, offers, len(body))

    def close(self) -> None:
        """Fold the change log into the file (see `fold`), then let go of it."""
        if self._closed:
            return
        self._closed = True
        self.fold()
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
