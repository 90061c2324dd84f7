"""A small on-disk cache of what an intents folder is turned into, so `tandem understand` starts quickly.

Expanding and tagging thousands of skeletons costs a fifth of a second, training the intent
classifier a few seconds; both only change when the intent files or this package's code change, so
both are in the cache key. The cache is plain JSON or numpy arrays (never pickle), written
atomically, and any problem with it just means rebuilding.

Tandem's own intents come with their cache built (`assistant/understand/trained/`, made by
`tools/ship_understanding.py`): training takes most of a minute of CPU here and far longer on a small
board, which a couple's first "hey tandem" should not wait for. The key depends only on file contents,
so the shipped files match in a wheel, an sdist or a checkout alike; any other intents folder is
trained once and kept in the user's cache.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

from assistant.understand.parsed import collecting, paused_collection

FORMAT = 2
KEEP = 8
"""Cache files kept (one per intents folder version)."""
_CODE = ("cache.py", "classifier.py", "expand.py", "features.py", "intents.py", "lexicon.py", "matcher.py",
         "normalize.py", "numbers.py", "reader.py", "training.py", "validate.py", "embeddings.py", "language.py")
"""The code that turns the files into skeletons and a model. Not `address.py`: who a sentence is said to and
where its clauses are is read at match time only, so changing it needs no retraining."""

_PARSED_CODE = ("cache.py", "expand.py", "intents.py", "numbers.py", "validate.py", "language.py", "parsed.py")
"""The code that reads an intents folder into an `IntentSet` (and writes and reads it as JSON, `parsed.py`)."""

SHIPPED = Path(__file__).resolve().parent / "trained"
"""What Tandem's own intents folder is turned into, shipped with the package."""


def cache_dir() -> Path | None:
    """Where caches live (platformdirs' user cache folder), or None when it cannot be known."""
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("tandem")) / "understand"
    except Exception:
        return None


def key(files: list[Path], code: tuple[str, ...] = _CODE) -> str:
    """A digest of the intent files and of the code that turns them into skeletons."""
    digest = hashlib.sha256(f"format {FORMAT} hassil {_hassil_version()}".encode())
    here = Path(__file__).resolve().parent
    for path in [*sorted(files, key=lambda p: p.name), *(here / name for name in code)]:
        digest.update(str(path.name).encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"?")
    return digest.hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def _hassil_version() -> str:
    """hassil parses the templates and its classes hold them (`parsed.py` writes their attributes), so its
    parser and classes are part of the key: a digest of their source files (the same wherever hassil is
    installed; reading package metadata would cost more than the cache saves)."""
    try:
        import hassil.parse_expression as parser

        folder = Path(parser.__file__).parent
        digest = hashlib.sha256()
        for name in ("parse_expression.py", "expression.py", "intents.py"):
            digest.update((folder / name).read_bytes())
        return digest.hexdigest()[:16]
    except Exception:
        return "?"


def cached(files: list[Path], build: Callable[[], Any], folder: Path | None = None) -> Any:
    """The JSON value `build()` gives for these files, from the cache when it holds it."""
    return _cached(files, build, folder, "skeletons", ".json", _read_json, _write_json)


def cached_arrays(files: list[Path], build: Callable[[], dict[str, np.ndarray]], kind: str,
                  folder: Path | None = None) -> dict[str, np.ndarray]:
    """The named numpy arrays `build()` gives for these files (e.g. a trained model), cached as `.npz`."""
    return _cached(files, build, folder, kind, ".npz", _read_arrays, _write_arrays)


def _cached(files: list[Path], build: Callable[[], Any], folder: Path | None, kind: str, suffix: str,
            read: Callable[[Path], Any], write: Callable[[Any, Any], None]) -> Any:
    folder = folder or cache_dir()
    name = f"{kind}-{key(files)}{suffix}"
    found = _read(folder, name, read)
    if found is not _MISSING:
        return found
    with collecting():  # training makes garbage: collect it even when start-up paused collection
        value = build()
    _write(folder, name, kind, suffix, lambda out: write(value, out))
    return value


def read_parsed(files: list[Path], folder: Path | None = None) -> Any:
    """The cached JSON of what these intent files were parsed into (`parsed.dump`), or None."""
    found = _read(folder or cache_dir(), f"intents-{key(files, _PARSED_CODE)}.json", _read_json)
    return None if found is _MISSING else found


def write_parsed(files: list[Path], make: Callable[[], Any], folder: Path | None = None) -> None:
    """Keep `make()` (JSON data) as what these intent files were parsed into; silently skipped when it cannot be."""
    _write(folder or cache_dir(), f"intents-{key(files, _PARSED_CODE)}.json", "intents", ".json",
           lambda out: _write_json(make(), out))


_MISSING = object()


def _read(folder: Path | None, name: str, read: Callable[[Path], Any]) -> Any:
    for path in ([] if folder is None else [folder / name]) + [SHIPPED / name]:
        try:
            with paused_collection():
                return read(path)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass
    return _MISSING


def _write(folder: Path | None, name: str, kind: str, suffix: str, write: Callable[[Any], None]) -> None:
    if folder is None:
        return
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                write(out)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _prune(folder, kind, suffix)
    except (OSError, TypeError, ValueError):
        pass  # a read-only home, or a value this format cannot hold: just build each time


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_json(value: Any, out: Any) -> None:
    out.write(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def _write_arrays(value: dict[str, np.ndarray], out: Any) -> None:
    np.savez(out, **value)


def _prune(folder: Path, kind: str, suffix: str) -> None:
    """Keep the few most recent caches: old ones belong to intent files that have since changed."""
    files = sorted(folder.glob(f"{kind}-*{suffix}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)
