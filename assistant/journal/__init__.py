"""The journal: every moment the couple shares, kept crash-safe (see `journal.py`)."""

from assistant.journal.journal import Journal, Notice, RepairResult, default_path
from assistant.journal.records import SCHEMA_VERSION, Moment

__all__ = [
    "SCHEMA_VERSION", "Journal", "Moment", "Notice", "RepairResult", "default_path",
]
