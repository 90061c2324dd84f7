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

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

FORMAT = 2
KEEP = 8
"""Cache files kept (one per intents folder version)."""
_CODE = ("cache.py", "classifier.py", "expand.py", "features.py", "intents.py", "lexicon.py", "matcher.py",
         "normalize.py", "numbers.py", "reader.py", "training.py", "validate.py", "embeddings.py", "language.py")
"""The code that turns the files into skeletons and a model. Not `address.py`: who a sentence is said to and
where its clauses are is read at match time only, so changing it needs no retraining."""


SHIPPED = Path(__file__).resolve().parent / "trained"
"""What Tandem's own intents folder is turned into, shipped with the package."""


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
    for path in [*sorted(files, key=lambda p: p.name), *(here / name for name in _CODE)]:
        digest.update(str(path.name).encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"?")
    return digest.hexdigest()[:32]


def _hassil_version() -> str:
    """hassil parses the templates, so its parser is part of the key: a digest of its source file (the
    same wherever it is installed; reading package metadata would cost more than the cache saves)."""
    try:
        import hassil.parse_expression as parser

        return hashlib.sha256(Path(parser.__file__).read_bytes()).hexdigest()[:16]
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
    for path in ([] if folder is None else [folder / name]) + [SHIPPED / name]:
        try:
            return read(path)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass
    value = build()
    if folder is None:
        return value
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            write(value, out)
        os.replace(temp, path)
        _prune(folder, kind, suffix)
    except OSError:
        pass  # a read-only home: just build each time
    return value


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
