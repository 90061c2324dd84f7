"""A small on-disk cache of the tagged template skeletons, so `tandem understand` starts quickly.

Expanding and tagging thousands of skeletons costs a fifth of a second each start; the result only
changes when the intent files or this package's code change, so both are in the cache key. The cache
is plain JSON (never pickle), written atomically, and any problem with it just means rebuilding.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

FORMAT = 1
KEEP = 8
"""Cache files kept (one per intents folder version)."""
_CODE = ("cache.py", "expand.py", "intents.py", "lexicon.py", "matcher.py", "normalize.py", "numbers.py")


def cache_dir() -> Path | None:
    """Where caches live (platformdirs' user cache folder), or None when it cannot be known."""
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("tandem")) / "understand"
    except Exception:
        return None


def key(files: list[Path]) -> str:
    """A digest of the intent files and of the code that turns them into skeletons."""
    digest = hashlib.sha256(f"format {FORMAT} hassil {_hassil_version()}".encode())
    here = Path(__file__).resolve().parent
    for path in [*sorted(files), *(here / name for name in _CODE)]:
        digest.update(str(path.name).encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"?")
    return digest.hexdigest()[:32]


def _hassil_version() -> str:
    """hassil parses the templates, so its parser is part of the key (its source file's size and time:
    reading package metadata would cost more than the cache saves)."""
    try:
        import hassil.parse_expression as parser

        stat = Path(parser.__file__).stat()
        return f"{stat.st_size}-{int(stat.st_mtime)}"
    except Exception:
        return "?"


def cached(files: list[Path], build: Callable[[], Any], folder: Path | None = None) -> Any:
    """The JSON value `build()` gives for these files, from the cache when it holds it."""
    folder = folder or cache_dir()
    if folder is None:
        return build()
    path = folder / f"skeletons-{key(files)}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(value, out, separators=(",", ":"))
        os.replace(temp, path)
        _prune(folder)
    except OSError:
        pass  # a read-only home: just build each time
    return value


def _prune(folder: Path) -> None:
    """Keep the few most recent caches: old ones belong to intent files that have since changed."""
    files = sorted(folder.glob("skeletons-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)
