"""The journal: every moment the couple shares, kept crash-safe (see `journal.py`)."""

from assistant.journal.journal import Journal, Notice, RepairResult, default_path
from assistant.journal.records import SCHEMA_VERSION, Moment
from assistant.journal.summaries import TodayStatus, WeekSummary

__all__ = [
    "SCHEMA_VERSION", "Journal", "Moment", "Notice", "RepairResult", "TodayStatus", "WeekSummary", "default_path",
]
