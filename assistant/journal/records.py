"""What the journal keeps: one `Moment` per ritual done (or appreciation noted).

A moment is stored as a plain JSON object (`to_dict`); times are ISO 8601 with their offset so a
journal moved between time zones still reads right. `SCHEMA_VERSION` is written in the file and
bumped whenever this shape changes (see `migrations.py`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Literal

SCHEMA_VERSION = 3
"""Version 1 stored one `seconds` figure; version 2 splits it into planned and actual seconds;
version 3 adds the offers Tandem made and "not today" silences, in their own tables."""

Status = Literal["completed", "partial", "cancelled", "running"]
Kind = Literal["moment", "appreciation"]
STATUSES: tuple[str, ...] = ("completed", "partial", "cancelled", "running")
KINDS: tuple[str, ...] = ("moment", "appreciation")
DONE_STATUSES: frozenset[str] = frozenset({"completed", "partial"})
"""Partial credit counts: a hug stopped at forty seconds is still a hug."""


def new_id() -> str:
    """A short random id: unique enough for one couple, short enough to type after `forget`."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Moment:
    """One ritual done together (or one appreciation noted)."""

    ritual: str
    started: datetime
    """Timezone-aware local time the ritual began."""
    ended: datetime | None = None
    """Timezone-aware; None while running."""
    planned_seconds: float | None = None
    actual_seconds: float = 0.0
    status: str = "completed"
    initiated_by: str | None = None
    """The partner who started it, only when known (said aloud, `tandem log --by`, an accepted offer
    or a turn addressed to them by name); None = not known. Drives `WhoseTurn`."""
    rating: int | None = None
    """1..5 when the couple rated it."""
    counts: dict[str, int] | None = None
    """Per-partner counts, e.g. gratitude thanks given: {"Sam": 3, "Alex": 2}."""
    texts: list[str] | None = None
    """Words said (gratitude, appreciation), only when the couple opted in."""
    kind: str = "moment"
    id: str = field(default_factory=new_id)
    room: str | None = None
    """The room it happened in (a Wyoming satellite's room name); None: this machine's own speaker.
    Older journals have no such key and read as None, so the schema is unchanged."""

    def __post_init__(self) -> None:
        if self.started.tzinfo is None:
            raise ValueError("Moment.started must be timezone-aware")
        if self.ended is not None and self.ended.tzinfo is None:
            raise ValueError("Moment.ended must be timezone-aware")
        if self.status not in STATUSES:
            raise ValueError(f"Moment.status must be one of {STATUSES}, not {self.status!r}")
        if self.kind not in KINDS:
            raise ValueError(f"Moment.kind must be one of {KINDS}, not {self.kind!r}")
        if self.rating is not None and not 1 <= self.rating <= 5:
            raise ValueError(f"Moment.rating must be 1..5, not {self.rating!r}")

    @property
    def done(self) -> bool:
        """Counts towards today's and the week's figures (completed or partial)."""
        return self.status in DONE_STATUSES

    @property
    def minutes(self) -> float:
        return self.actual_seconds / 60.0

    def with_(self, **changes: Any) -> Moment:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (`dataclasses.asdict` deep-copies; too slow for 40,000 moments)."""
        return {
            "ritual": self.ritual,
            "started": self.started.isoformat(),
            "ended": self.ended.isoformat() if self.ended else None,
            "planned_seconds": self.planned_seconds,
            "actual_seconds": self.actual_seconds,
            "status": self.status,
            "initiated_by": self.initiated_by,
            "rating": self.rating,
            "counts": dict(self.counts) if self.counts is not None else None,
            "texts": list(self.texts) if self.texts is not None else None,
            "kind": self.kind,
            "id": self.id,
            "room": self.room,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Moment:
        """Build from a stored object; unknown keys (written by a newer Tandem) are ignored."""
        values = {k: v for k, v in data.items() if k in _FIELD_SET}
        values["started"] = datetime.fromisoformat(data["started"])
        if data.get("ended"):
            values["ended"] = datetime.fromisoformat(data["ended"])
        return cls(**values)


MOMENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Moment))
_FIELD_SET = frozenset(MOMENT_FIELDS)


OFFER_REASONS: tuple[str, ...] = ("scheduled", "minimum")
OFFER_OUTCOMES: tuple[str, ...] = ("pending", "accepted", "declined", "silenced", "unanswered")


@dataclass(frozen=True)
class Offer:
    """One gentle offer Tandem made ("gratitude time?") and what the couple did with it.

    Kept beside the moments so the report can show what was offered and taken up.
    """

    ritual: str
    at: datetime
    """Timezone-aware local time the offer was spoken."""
    reason: str = "scheduled"
    """"scheduled" (a time the couple set) or "minimum" (a daily minimum still missing)."""
    variant: str | None = None
    outcome: str = "pending"
    """"accepted", "declined" ("no"), "silenced" ("not today"), "unanswered", or "pending" while asked."""
    moment_id: str | None = None
    """The moment an accepted offer started."""
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("Offer.at must be timezone-aware")
        if self.reason not in OFFER_REASONS:
            raise ValueError(f"Offer.reason must be one of {OFFER_REASONS}, not {self.reason!r}")
        if self.outcome not in OFFER_OUTCOMES:
            raise ValueError(f"Offer.outcome must be one of {OFFER_OUTCOMES}, not {self.outcome!r}")

    @property
    def taken(self) -> bool:
        return self.outcome == "accepted"

    def to_dict(self) -> dict[str, Any]:
        return {"ritual": self.ritual, "at": self.at.isoformat(), "reason": self.reason, "variant": self.variant,
                "outcome": self.outcome, "moment_id": self.moment_id, "id": self.id}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Offer:
        values = {k: v for k, v in data.items() if k in _OFFER_FIELDS}
        values["at"] = datetime.fromisoformat(data["at"])
        return cls(**values)


OFFER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Offer))
_OFFER_FIELDS = frozenset(OFFER_FIELDS)
