"""Build a ready `Dialog` from the data folders: what `chat` and `listen` both need."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.clock import Clock
from assistant.config import Settings
from assistant.datafiles import intents_dir, voices_dir
from assistant.dialog.dialog import Dialog
from assistant.dialog.keys import OFFER_SLOTS
from assistant.dialog.offers import check_offer_config
from assistant.dialog.voices import Voices
from assistant.rituals.script import RitualBook, load_rituals


@dataclass(frozen=True)
class DialogParts:
    """Everything a `Dialog` needs besides the journal and the clock, loaded and validated."""

    voices: Voices
    rituals: RitualBook
    matcher: Any


def load_parts(settings: Settings, *, matcher: Any = None, intents: Path | None = None,
               voices: Path | None = None) -> DialogParts:
    """Load voices, rituals and (unless given) the intents, all validated.

    The `[offers] at` entries are checked against the rituals here, so a typo fails at start-up
    rather than at 7:30 the next morning. Nothing here touches the journal, so a command that
    fails at this point has created none."""
    folder = Path(voices) if voices else voices_dir()
    loaded = Voices.load(folder)
    book = load_rituals(folder, loaded)
    for key in loaded.responses:
        if key.startswith("offer_"):
            loaded.check_slots(key, set(OFFER_SLOTS))
    check_offer_config(settings, book)
    if matcher is None:
        from assistant.understand.intents import load_intents
        from assistant.understand.matcher import Matcher

        matcher = Matcher(load_intents(Path(intents) if intents else intents_dir()))
    return DialogParts(loaded, book, matcher)


def dialog_from(parts: DialogParts, settings: Settings, journal: Any, clock: Clock,
                rng: random.Random | None = None) -> Dialog:
    return Dialog(settings, parts.matcher, parts.voices, parts.rituals, journal, clock, rng or random.Random())


def build_dialog(settings: Settings, journal: Any, clock: Clock, rng: random.Random | None = None, *,
                 matcher: Any = None, intents: Path | None = None, voices: Path | None = None) -> Dialog:
    """`load_parts`, then a `Dialog` over `journal`."""
    parts = load_parts(settings, matcher=matcher, intents=intents, voices=voices)
    return dialog_from(parts, settings, journal, clock, rng)
