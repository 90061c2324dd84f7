"""Recognizer files that are slow to build, kept on disk between runs.

Keyed by a hash of the intents files, the code that builds them and its settings, so an edited
intents file or a new Tandem version rebuilds them. Written atomically (temporary file, then
rename), so a crash never leaves half a file; a file that fails to load is rebuilt by the caller.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CACHE_FORMAT = "1"
"""Bump when the layout of cached files changes."""


def cache_root() -> Path | None:
    """The user's cache folder for Tandem, or None when it cannot be created (then nothing is cached)."""
    from platformdirs import user_cache_dir

    try:
        root = Path(user_cache_dir("tandem")) / "recognize"
        root.mkdir(parents=True, exist_ok=True)
        return root
    except OSError as error:
        log.info("no recognizer cache: %s", error)
        return None


def files_key(files: Iterable[Path], code: Iterable[Path], extra: str = "") -> str:
    """A short hash of the files' names and bytes, the code's bytes and `extra`."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for path in sorted({Path(p) for p in files}) + [Path(p) for p in code]:
        digest.update(path.name.encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<missing>")
    digest.update(extra.encode())
    return digest.hexdigest()[:20]


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached_text(path: Path, build: Callable[[], str], valid: Callable[[str], bool]) -> Path:
    """`path`, (re)written with `build()` unless it already holds text that `valid` accepts."""
    try:
        if valid(path.read_text(encoding="utf-8")):
            return path
    except (OSError, UnicodeDecodeError):
        pass
    write_atomic(path, build())
    return path


def intents_text(intent_set: Any, name: str, build: Callable[[], str], code: Iterable[Path], extra: str = "") -> str:
    """`build()`'s text for this intent set, kept on disk between runs (a Whisper prompt expands every template:
    about half a second of CPU at each start). Keyed by the folder's `*.yaml` files (those `load_intents`
    reads), `code` (the modules `build` depends on), `extra` and Tandem's version; without a folder or a cache,
    built every time. Stored as JSON, so the text read back is the text built, byte for byte."""
    folder = getattr(intent_set, "folder", None)
    root = cache_root() if folder is not None and Path(folder).is_dir() else None
    if root is None:
        return build()
    from assistant import __version__

    key = files_key(Path(folder).glob("*.yaml"), code, f"{name}|{extra}|{__version__}")
    path = root / "texts" / f"{name}-{key}.json"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(cached, dict) and isinstance(cached.get("text"), str):
            return cached["text"]
    except (OSError, ValueError):
        pass
    text = build()
    try:
        write_atomic(path, json.dumps({"text": text}, ensure_ascii=False))
    except OSError as error:
        log.info("could not cache %s: %s", path, error)
    return text
