"""Whisper's sentence with pocketsphinx's command words put in where the two engines differ.

Whisper hears sentences and loses short command words in noise ("can we start a herd", "a hip time
or start the hip time"); pocketsphinx's grammar pass hears the command words and garbles the rest
("time to going this two minutes to can we start the hug"). Aligning the two word by word, each
stretch where pocketsphinx wrote one of the intents' key words that Whisper's stretch lacks is
swapped into Whisper's frame ("i'm feeling disconnected can we start the hug"). The spliced
sentences are candidates like any other: Whisper's forced scoring on the same audio and the
matcher's bonus decide, so a splice wins only where Whisper's own ear finds the words about as
likely as what it wrote. The key words come from the intents (prompt.key_words and the slot
values): nothing here knows any particular intents folder.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

from assistant.recognize.prompt import key_words, slot_values


class Splicer:
    """The intents' command words, and splices of one engine's words into another's sentence."""

    def __init__(self, intent_set: Any) -> None:
        words = set(key_words(intent_set)) if intent_set is not None else set()
        if intent_set is not None:
            words.update(w for value in slot_values(intent_set) for w in value.lower().split() if len(w) >= 3)
        self.key_words = frozenset(words)

    def splices(self, frame: str, heard: str, limit: int = 3) -> list[str]:
        """`frame` with the stretches of `heard` that bring a key word `frame` lacks there: each stretch
        alone, then all of them together (at most `limit` sentences, none equal to either input)."""
        ours, theirs = frame.split(), heard.split()
        if not ours or not theirs:
            return []
        edits: list[tuple[int, int, list[str]]] = []
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, ours, theirs, autojunk=False).get_opcodes():
            if tag in ("replace", "insert") and (set(theirs[j1:j2]) & self.key_words) - set(ours[i1:i2]):
                edits.append((i1, i2, theirs[j1:j2]))
        out: list[str] = []

        def add(chosen: list[tuple[int, int, list[str]]]) -> None:
            words, at = [], 0
            for i1, i2, new in chosen:
                words += [*ours[at:i1], *new]
                at = i2
            text = " ".join([*words, *ours[at:]])
            if text not in (frame, heard) and text not in out:
                out.append(text)

        for edit in edits:
            add([edit])
        if len(edits) > 1:
            add(edits)
        return out[:limit]
