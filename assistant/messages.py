"""Typed messages at every seam of the pipeline.

audio in -> `AudioChunk`; recognizer -> `Transcript`; matcher -> `IntentMatch` or `NoMatch`;
dialog -> `Reply` made of `Say` and `Chime` actions plus `Event`s for the event log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:  # numpy is only needed by those who touch audio; keep `tandem understand` start-up light
    import numpy as np

SAMPLE_RATE = 16_000
"""Hertz. Everything that hears works on 16 kHz mono signed 16-bit audio."""


@dataclass(frozen=True)
class AudioChunk:
    """A short run of microphone (or WAV) audio."""

    samples: np.ndarray
    """int16 mono samples at `rate` hertz."""
    timestamp: float
    """Seconds from the start of the input to the first sample."""
    rate: int = SAMPLE_RATE

    @property
    def duration(self) -> float:
        """Seconds of audio in this chunk."""
        return len(self.samples) / self.rate


@dataclass(frozen=True)
class Transcript:
    """What a recognizer heard in one utterance."""

    text: str
    confidence: float = 1.0
    """0..1, the engine's own estimate (1.0 for typed text)."""
    alternatives: tuple[str, ...] = ()
    """Other hypotheses, best first, when the engine gives an n-best list."""
    engine: str = "text"
    woke: bool = False
    """True when the utterance began with the wake phrase (already stripped from `text`)."""
    doubtful: tuple[str, ...] = ()
    """Readings (of `text` and `alternatives`) the recognizer heard only weakly: its own ear preferred a reading
    that means nothing, and this one led only by what the matcher made of it. Weak evidence: the dialog asks
    before acting on an approximate understanding of one (dialog/doubt.py)."""
    heard: tuple[str, ...] = ()
    """Each engine's own best reading (wake phrase left out) when the recognizer arbitrates between engines,
    () otherwise. An intent none of them gives is read only from a runner-up or a reading the arbitration
    made up: the dialog asks before acting on it (dialog/doubt.py, `unheard`)."""
    heard_by: tuple[str, ...] = ()
    """Which engine wrote each of `heard`: "whisper", "pocketsphinx", or "whisper+pocketsphinx" when both best
    readings are the same words."""
    sources: tuple[str, ...] = ()
    """Where each reading (`text`, then `alternatives`) came from when the recognizer arbitrates between engines:
    "whisper" (Whisper's beam n-best), "pocketsphinx", "whisper+pocketsphinx" (both wrote it), or made up by the
    arbitration: "splice" (Whisper's sentence with pocketsphinx's words put in), "neighbour" (a slot value
    swapped for a sound-alike); () otherwise. Information for the dialog's rules; nothing reads it to decide yet."""


@dataclass(frozen=True)
class IntentMatch:
    """The text meant a known intent."""

    intent: str
    slots: dict[str, Any]
    confidence: float
    """0..1: 1.0 for an exact template match, the calibrated fuzzy score otherwise."""
    text: str
    method: str = "exact"
    """"exact" (a template, word for word) or "fuzzy" (the trained classifier)."""
    runner_up: str | None = None
    """The next most likely intent (fuzzy matches only)."""
    margin: float = 1.0
    """How far `confidence` leads the runner-up's probability (0..1)."""
    unsure: bool = False
    """Likely but not sure (or two intents close, or hypotheses heard a slot differently): confirm first."""
    choices: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """Slot -> the values it may have been heard as, the one in `slots` first ("seconds": (19, 90))."""


@dataclass(frozen=True)
class NoMatch:
    """The text meant nothing Tandem knows. A value of its own, not None."""

    text: str
    best_intent: str | None = None
    confidence: float = 0.0


Understanding = Union[IntentMatch, NoMatch]


@dataclass(frozen=True)
class Say:
    """Speak one line. `key` is the response key in voices/, `text` the rendered phrasing."""

    key: str
    text: str
    pace: str = ""
    """How to say it: a pace in voices/<lang>/voice.yaml ("bedtime", "breathing"...); "" = by the hour."""


@dataclass(frozen=True)
class Chime:
    """Play a synthesised chime: "start", "end", "halfway", "inhale", "exhale", "soft"."""

    name: str
    pace: str = ""
    """The pace of the moment it belongs to: a chime is as soft as the voice around it."""


Action = Union[Say, Chime]


@dataclass(frozen=True)
class Event:
    """Something worth a line in events.jsonl: `ritual_start`, `ritual_end`, `intent`, `error`..."""

    event: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """What the dialog wants done, in order, in answer to one input or one clock tick."""

    actions: tuple[Action, ...] = ()
    events: tuple[Event, ...] = ()

    def __add__(self, other: "Reply") -> "Reply":
        return Reply(self.actions + other.actions, self.events + other.events)

    @property
    def said(self) -> list[str]:
        """The spoken texts, in order (handy in tests)."""
        return [a.text for a in self.actions if isinstance(a, Say)]

    @property
    def keys(self) -> list[str]:
        """The response keys and chime names, in order (handy in tests)."""
        return [a.key if isinstance(a, Say) else f"[{a.name}]" for a in self.actions]
