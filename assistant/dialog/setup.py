"""Build a ready `Dialog` from the data folders: what `chat` and `listen` both need."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from assistant.clock import Clock
from assistant.config import Settings
from assistant.datafiles import intents_dir, voices_dir
from assistant.dialog.dialog import Dialog
from assistant.dialog.keys import OFFER_SLOTS
from assistant.dialog.offers import check_offer_config
from assistant.dialog.voices import Voices
from assistant.rituals.script import load_rituals


def build_dialog(settings: Settings, journal: Any, clock: Clock, rng: random.Random | None = None, *,
                 matcher: Any = None, intents: Path | None = None, voices: Path | None = None) -> Dialog:
    """Load voices, rituals and (unless given) the intents, all validated, and wire a `Dialog`.

    The `[offers] at` entries are checked against the rituals here, so a typo fails at start-up
    rather than at 7:30 the next morning."""
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
    return Dialog(settings, matcher, loaded, book, journal, clock, rng or random.Random())
