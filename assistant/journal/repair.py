"""Find every intact moment (and offer) in a damaged file, whatever the damage.

A journal cut short, with garbage in the middle, or a change log with torn lines: the outer JSON
no longer parses, but each moment is its own small JSON object. We try to decode an object at
every `{` and keep those that look like a moment (a ritual and a start time); after a success we
jump past it, so the scan stays linear in practice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

_decoder = json.JSONDecoder()


def looks_like_moment(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("ritual"), str) and isinstance(value.get("started"), str)


def looks_like_offer(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("ritual"), str) and isinstance(value.get("at"), str)
            and "outcome" in value)


def scan_documents(raw: bytes) -> Iterator[dict[str, Any]]:
    """Every complete JSON object in `raw` that looks like a moment or an offer, in file order."""
    text = raw.decode("utf-8", errors="replace")
    position = text.find("{")
    while position >= 0:
        try:
            value, end = _decoder.raw_decode(text, position)
        except ValueError:
            position = text.find("{", position + 1)
            continue
        if looks_like_moment(value) or looks_like_offer(value):
            yield value
            position = text.find("{", end)
        else:
            # A container (the whole file, a table): look inside it.
            position = text.find("{", position + 1)
