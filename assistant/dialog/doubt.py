"""Weak evidence is asked about, never acted on: the recognizer's doubt meets the matcher's reading.

The matcher judges words; it cannot know how well they were heard. A recognizer that arbitrates
between readings (recognize/combined.py) marks on the transcript the readings it heard only weakly
(`Transcript.doubtful`: its own ear preferred a reading that means nothing, and this one won, or stayed
an alternative, only for what the matcher made of it). Two weak pieces of evidence together, a weakly
heard reading understood only approximately (a fuzzy match, not a template word for word), are not
enough to act on: the understanding becomes `unsure`, and the dialog asks one short question
("The breathing pause?", dialog/clarify.py) or, for an intent with no question, lets it pass. So is an
approximate understanding of heard words that the matcher itself is not far from giving up on.

One more case keeps the conversation open instead of closing it: a single unsure word right after the
wake phrase ("hey tandem ... is", heard as "say") is most often the first piece of a command cut at a
pause, so Tandem listens on rather than apologising (`listen_on`).

The benchmarks apply the same `weigh` to what they hear, so their figures are the dialog's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.messages import IntentMatch, Transcript, Understanding


@dataclass(frozen=True)
class DoubtSettings:
    """When weak evidence is asked about."""

    ask_doubtful: bool = True
    """Ask before acting on a fuzzy understanding of a reading the recognizer marked doubtful."""
    least_heard_fuzzy: float = 0.6
    """A fuzzy understanding of recognised speech (not typed) less sure than this is asked about. The
    matcher's own line is drawn for typed text; heard words carry recognition errors on top."""
    listen_on_words: int = 1
    """An unsure understanding of at most this many words right after the wake phrase keeps listening."""


DEFAULT = DoubtSettings()


def weigh(u: Understanding, transcript: Transcript | None, settings: DoubtSettings = DEFAULT) -> Understanding:
    """`u` as the dialog should take it, given how well its words were heard: unsure when a fuzzy match
    was read from a doubtful reading, otherwise unchanged (typed text is never doubted)."""
    if not isinstance(u, IntentMatch) or u.unsure or u.method == "exact" or transcript is None:
        return u
    if transcript.engine == "text":
        return u
    if settings.ask_doubtful and u.text in transcript.doubtful:
        return replace(u, unsure=True)
    if u.confidence < settings.least_heard_fuzzy:
        return replace(u, unsure=True)
    return u


def listen_on(u: Understanding, transcript: Transcript, settings: DoubtSettings = DEFAULT) -> bool:
    """Whether a woken utterance should keep the listening window open instead of being answered: its
    understanding is unsure (or doubtful) and the words after the wake phrase are at most
    `listen_on_words` long. "Sorry, I didn't catch that" would close the window on a command the
    voice activity detector merely cut at its comma."""
    u = weigh(u, transcript, settings)
    if not isinstance(u, IntentMatch) or not u.unsure:
        return False
    return len(transcript.text.split()) <= settings.listen_on_words
