"""The journal: every moment the couple shares, kept crash-safe (see `journal.py`)."""

from assistant.journal.journal import BackupResult, Journal, NoJournal, Notice, RepairResult, default_path
from assistant.journal.records import SCHEMA_VERSION, Moment

__all__ = [
    "SCHEMA_VERSION", "BackupResult", "Journal", "Moment", "NoJournal", "Notice", "RepairResult", "default_path",
]
