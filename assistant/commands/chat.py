"""`tandem chat`: the real dialog on the real clock, with typed lines instead of speech.

A reader thread only puts stdin lines on a queue; the main loop waits for a line or the dialog's
next deadline, whichever comes first, so timers really run while nobody types. What Tandem
would say is printed, chimes as `[chime: NAME]` markers, and the journal really fills.
"""

from __future__ import annotations

import argparse
import queue
import random
import sys
import threading
from pathlib import Path
from typing import IO

from assistant.clock import Clock, RealClock
from assistant.commands.common import add_common
from assistant.config import load_settings
from assistant.messages import Chime, Reply, Say

_EOF = object()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("chat", help="talk to Tandem by typing (timers and journal are real)",
                                   description="Type what you would say to Tandem; it answers in text. Ctrl-D ends.")
    add_common(parser)
    parser.add_argument("--seed", type=int, default=None, help="seed for the choice of phrasings (reproducible runs)")
    parser.add_argument("--voices", help="voices folder (default: Tandem's own)")
    parser.add_argument("--intents", help="intents folder (default: Tandem's own)")
    parser.add_argument("--wait", action="store_true",
                        help="at end of input, let a running ritual finish instead of stopping it")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant.dialog.setup import dialog_from, load_parts
    from assistant.journal.journal import Journal

    settings = load_settings(Path(args.config) if args.config else None)
    clock = RealClock()
    parts = load_parts(settings, intents=Path(args.intents) if args.intents else None,
                       voices=Path(args.voices) if args.voices else None)  # a bad file fails before any journal
    journal = Journal.open(Path(args.journal) if args.journal else None)
    threading.Thread(target=journal.warm, daemon=True, name="journal-warm").start()
    try:
        dialog = dialog_from(parts, settings, journal, clock, random.Random(args.seed))
        if journal.notice is not None:
            show(dialog.notice(journal.notice.key))
        first, second = settings.partners.names
        show(dialog.notice("chat_welcome", first=first, second=second))
        return chat(dialog, clock, sys.stdin, wait=args.wait, prompt=PROMPT if sys.stdin.isatty() else None)
    finally:
        journal.close()


def chat(dialog, clock: Clock, stream: IO[str], out: IO[str] | None = None, wait: bool = False,
         prompt: str | None = None) -> int:
    """Run the typed loop until end of input (or Ctrl-C). With a `prompt` (a terminal), it shows when Tandem
    waits for a line; what a timer says meanwhile goes on a line of its own, and the prompt comes back after it."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_read, args=(stream, lines), daemon=True, name="stdin-reader").start()
    ended = False
    shown = Prompt(prompt, out or sys.stdout)
    try:
        while True:
            deadline = dialog.next_deadline()
            if ended and (not wait or deadline is None or not getattr(dialog, "busy", True)):
                break
            timeout = None if deadline is None else max(0.0, deadline - clock.now())
            if not ended:
                shown.show()
            try:
                line = lines.get(timeout=timeout) if not ended else None
            except queue.Empty:
                line = None
            if line is _EOF:
                ended = True
                shown.typed(ended=True)
                continue
            if line is None:
                if ended:
                    clock.sleep_until(deadline)  # type: ignore[arg-type]
                shown.interrupt_for(dialog.tick(), out)
                continue
            shown.typed()
            show(dialog.tick(), out)  # anything due a moment ago comes first
            show(dialog.hear(line), out)
    except KeyboardInterrupt:
        show(dialog.shutdown(), out)
        return 130
    show(dialog.shutdown(), out)
    return 0


PROMPT = "> "
"""Shown when Tandem waits for a typed line (only on a terminal: piped input stays clean)."""


class Prompt:
    """The prompt on a terminal: shown once per wait, moved out of the way when a timer speaks meanwhile."""

    def __init__(self, text: str | None, out: IO[str]) -> None:
        self.text = text
        self.out = out
        self.visible = False

    def show(self) -> None:
        if self.text and not self.visible:
            print(self.text, end="", file=self.out, flush=True)
            self.visible = True

    def typed(self, ended: bool = False) -> None:
        """The person pressed Enter (or Ctrl-D, which leaves the cursor after the prompt)."""
        if ended and self.visible:
            print(file=self.out, flush=True)
        self.visible = False

    def interrupt_for(self, reply: Reply, out: IO[str] | None) -> None:
        if reply.actions and self.visible:
            print(file=self.out, flush=True)
            self.visible = False
        show(reply, out)


def _read(stream: IO[str], lines: queue.Queue) -> None:
    try:
        for line in stream:
            lines.put(line.rstrip("\n"))
    finally:
        lines.put(_EOF)


def show(reply: Reply, out: IO[str] | None = None) -> None:
    """Print a reply: spoken lines as text, chimes as markers."""
    stream = out or sys.stdout
    for action in reply.actions:
        if isinstance(action, Say):
            print(action.text, file=stream, flush=True)
        elif isinstance(action, Chime):
            print(f"[chime: {action.name}]", file=stream, flush=True)
