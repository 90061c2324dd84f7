"""A small error hierarchy: every error names the thing that is wrong and the fix.

The CLI turns any `TandemError` into one clear message on stderr and a non-zero exit;
nothing else should reach the couple as a traceback.
"""

from __future__ import annotations


class TandemError(Exception):
    """Base of every error Tandem reports to a person."""

    def __init__(self, what: str, fix: str = "") -> None:
        self.what = what
        self.fix = fix
        super().__init__(f"{what}" + (f"\n  fix: {fix}" if fix else ""))


class DataError(TandemError):
    """A data file (intents, voices, rituals, config) is malformed. Raised at load time."""

    def __init__(self, path: object, key: str, problem: str, fix: str = "", line: int | None = None) -> None:
        self.path = str(path)
        self.key = key
        self.problem = problem
        self.line = line
        """The line of the file the problem is on, when known."""
        where = f"{self.path}" + (f", line {line}" if line else "") + (f" [{key}]" if key else "")
        super().__init__(f"{where}: {problem}", fix)


class ConfigError(DataError):
    """The couple's config file has a bad value."""


class AudioError(TandemError):
    """An audio file or device cannot be used."""


class DeviceLost(AudioError):
    """A microphone or speaker vanished mid-session; the loop retries with backoff."""


class ModelError(TandemError):
    """A speech model is missing or cannot be loaded."""


class JournalError(TandemError):
    """The journal cannot be read or written."""
