"""Where vosk models live, and the one download Tandem ever makes.

A model folder is chosen explicitly: `--model DIR`, else config `recognizer.model`, else
`<platform data folder>/models/vosk-model-small-en-us-0.15`. Nothing here guesses further or
downloads on its own: only `download_vosk_model` (behind `tandem model download`) opens a
network connection, and it installs atomically so a half-fetched model never looks installed.
"""

from __future__ import annotations

import hashlib
import http.client
import importlib.util
import os
import shutil
import socket
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from assistant.errors import ModelError

VOSK_MODEL_NAME = "vosk-model-small-en-us-0.15"
VOSK_MODEL_URL = f"https://alphacephei.com/vosk/models/{VOSK_MODEL_NAME}.zip"
VOSK_MODEL_SHA256 = "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
"""The site publishes no checksum: this is the digest of the archive as served since 2020,
recorded identically by several independent projects that pin it (41,205,931 bytes)."""
VOSK_MODEL_BYTES = 41_205_931

CHUNK_BYTES = 1 << 16
DOWNLOAD_TIMEOUT = 30.0
"""Seconds without a byte before the download gives up."""


def models_dir() -> Path:
    """`<platform user data folder>/models`, where downloaded models are kept."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("tandem")) / "models"


def default_vosk_model_dir() -> Path:
    """Where `tandem model download` puts the small English model by default."""
    return models_dir() / VOSK_MODEL_NAME


def vosk_model_dir(model: Path | str | None = None, configured: str = "") -> Path:
    """The folder to use: `--model` first, then config `recognizer.model`, then the default."""
    if model:
        return Path(model).expanduser()
    if configured:
        return Path(configured).expanduser()
    return default_vosk_model_dir()


def looks_like_vosk_model(folder: Path) -> bool:
    """A folder with an acoustic model (`am/final.mdl`, or `final.mdl` in old models) and `conf/`."""
    folder = Path(folder)
    has_am = (folder / "am" / "final.mdl").is_file() or (folder / "final.mdl").is_file()
    return has_am and (folder / "conf").is_dir()


def installed_vosk_model(model: Path | str | None = None, configured: str = "") -> Path | None:
    """The chosen model folder when it holds a vosk model, else None (no network, no load)."""
    folder = vosk_model_dir(model, configured)
    return folder if looks_like_vosk_model(folder) else None


def require_vosk_model(folder: Path | str) -> Path:
    """`folder` if it looks like a vosk model, else a `ModelError` naming it and the fix."""
    folder = Path(folder).expanduser()
    if looks_like_vosk_model(folder):
        return folder
    if not folder.exists():
        problem = "does not exist"
    elif not folder.is_dir():
        problem = "is not a folder"
    elif not any(folder.iterdir()):
        problem = "is empty"
    else:
        problem = "is not a vosk model (no am/final.mdl and conf/ inside)"
    raise ModelError(f"vosk model folder {folder} {problem}", install_fix(folder))


def install_fix(folder: Path) -> str:
    """How to get a model into `folder` (or point Tandem at another one)."""
    return (f"run `tandem model download` (or `tandem model download --dest {folder}`), "
            f"or pass --model DIR / set [recognizer] model to a folder holding a vosk model")


def manual_install_hint(dest: Path, url: str) -> str:
    """What to do by hand when the download cannot happen here."""
    return (f"check the network; or fetch {url} on another machine, bring it here and unzip it, "
            f"renaming its top folder to {dest} (so that {dest / 'am' / 'final.mdl'} exists); "
            f"or use pocketsphinx (`--engine pocketsphinx`), which needs no download")


def download_vosk_model(dest: Path | str | None = None, url: str = VOSK_MODEL_URL,
                        sha256: str = VOSK_MODEL_SHA256, progress: bool = True,
                        timeout: float = DOWNLOAD_TIMEOUT) -> Path:
    """Fetch a zipped vosk model, check its sha256, and install it as `dest`, atomically.

    The archive streams to a temporary file beside `dest`, is unpacked into a temporary folder
    there, and only a checked, complete model is renamed into place (replacing a broken one).
    Any failure leaves `dest` as it was and no temporary file behind.
    """
    dest = Path(dest).expanduser() if dest else default_vosk_model_dir()
    expected = sha256.strip().lower()
    if len(expected) != 64 or any(c not in "0123456789abcdef" for c in expected):
        raise ModelError(f"{sha256!r} is not a sha256 checksum", "give the 64 hex digits of the archive's sha256")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelError(f"cannot create the model folder {dest.parent} ({error})",
                         "choose another place with --dest DIR") from error
    archive = _fetch(url, dest, expected, progress, timeout)
    try:
        return _install(archive, dest, url)
    finally:
        archive.unlink(missing_ok=True)


def _fetch(url: str, dest: Path, expected: str, progress: bool, timeout: float) -> Path:
    """Stream `url` to a temporary file in `dest`'s parent; its sha256 must be `expected`.

    The temporary file is removed on any failure, Ctrl-C included.
    """
    handle, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".zip.part")
    archive = Path(name)
    try:
        got = _stream(url, handle, dest, progress, timeout)
        if got != expected:
            raise ModelError(f"the download from {url} is corrupt or not the expected file "
                             f"(sha256 {got}, expected {expected}); nothing was installed",
                             "try again; if it keeps failing, the file on the site changed: check it and "
                             "pass its checksum with --sha256")
    except BaseException:
        archive.unlink(missing_ok=True)
        raise
    return archive


def _stream(url: str, handle: int, dest: Path, progress: bool, timeout: float) -> str:
    """Copy `url` into the open file `handle` with a progress bar; return the sha256 of the bytes."""
    from tqdm import tqdm

    digest = hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=Path(url).name or "model",
                      disable=not progress, leave=False) as bar:
                received = 0
                while chunk := response.read(CHUNK_BYTES):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
                    received += len(chunk)
        if total is not None and received < total:
            raise http.client.IncompleteRead(b"", total - received)
    except urllib.error.HTTPError as error:
        raise ModelError(f"the vosk model site answered {error.code} {error.reason} for {url}",
                         manual_install_hint(dest, url)) from error
    except (urllib.error.URLError, socket.timeout, ConnectionError, TimeoutError) as error:
        reason = getattr(error, "reason", error)
        raise ModelError(f"the vosk model site is unreachable ({url}: {reason})",
                         manual_install_hint(dest, url)) from error
    except http.client.HTTPException as error:  # the connection dropped mid-file
        raise ModelError(f"the download from {url} was cut off ({error!r})",
                         f"try again; {manual_install_hint(dest, url)}") from error
    except OSError as error:  # disk full, folder not writable
        raise ModelError(f"cannot write the download next to {dest} ({error})",
                         "free some space or choose another place with --dest DIR") from error
    return digest.hexdigest()


def _install(archive: Path, dest: Path, url: str) -> Path:
    """Unpack `archive` beside `dest`, find the model inside, and rename it into place."""
    unpack = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.unpack."))
    try:
        _safe_extract(archive, unpack, url)
        root = _model_root(unpack)
        if root is None:
            raise ModelError(f"the archive from {url} holds no vosk model (no am/final.mdl and conf/)",
                             "check the --url: it must be a zipped vosk model")
        _replace_dir(root, dest)
        return dest
    finally:
        shutil.rmtree(unpack, ignore_errors=True)


def _safe_extract(archive: Path, into: Path, url: str) -> None:
    try:
        with zipfile.ZipFile(archive) as zipped:
            for member in zipped.infolist():
                parts = PurePosixPath(member.filename.replace("\\", "/")).parts
                if member.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                    raise ModelError(f"the archive from {url} has an unsafe path {member.filename!r}",
                                     "use the official model archive")
            zipped.extractall(into)
    except zipfile.BadZipFile as error:
        raise ModelError(f"the download from {url} is not a zip archive ({error})",
                         "check the --url: it must be a zipped vosk model") from error
    except OSError as error:
        raise ModelError(f"cannot unpack the model next to {into.parent} ({error})",
                         "free some space or choose another place with --dest DIR") from error


def _model_root(unpacked: Path) -> Path | None:
    """The model folder in an unpacked archive: the top level itself or its one folder."""
    if looks_like_vosk_model(unpacked):
        return unpacked
    folders = [p for p in unpacked.iterdir() if p.is_dir() and not p.name.startswith(("__MACOSX", "."))]
    if len(folders) == 1 and looks_like_vosk_model(folders[0]):
        return folders[0]
    return None


def _replace_dir(source: Path, dest: Path) -> None:
    """Rename `source` to `dest`; an existing `dest` is moved aside first and removed after."""
    aside: Path | None = None
    if dest.exists() or dest.is_symlink():
        aside = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.old."))
        aside.rmdir()
        os.replace(dest, aside)
    try:
        os.replace(source, dest)
    except OSError as error:
        if aside is not None:
            os.replace(aside, dest)
        raise ModelError(f"cannot move the model into {dest} ({error})", "choose another place with --dest DIR") from error
    if aside is not None:
        if aside.is_dir() and not aside.is_symlink():
            shutil.rmtree(aside, ignore_errors=True)
        else:
            aside.unlink(missing_ok=True)


# -- which engines can run here --------------------------------------------------------------------

@dataclass(frozen=True)
class EngineStatus:
    """Whether one speech engine can run on this machine, and with which model."""

    engine: str
    usable: bool
    model: Path | None
    detail: str = ""
    """Why it cannot run, and the fix (empty when usable)."""


def pocketsphinx_status() -> EngineStatus:
    """pocketsphinx runs with the English model inside its own wheel: no download."""
    try:
        import pocketsphinx
    except ImportError as error:
        return EngineStatus("pocketsphinx", False, None, f"the pocketsphinx package is not installed ({error}): "
                            "pip install pocketsphinx")
    folder = Path(pocketsphinx.get_model_path()) / "en-us"
    needed = [folder / "en-us", folder / "cmudict-en-us.dict", folder / "en-us.lm.bin"]
    missing = [p.name for p in needed if not p.exists()]
    if missing:
        return EngineStatus("pocketsphinx", False, folder, f"its wheel lacks {', '.join(missing)}: "
                            "pip install --force-reinstall pocketsphinx")
    return EngineStatus("pocketsphinx", True, folder)


def vosk_status(model: Path | str | None = None, configured: str = "") -> EngineStatus:
    """vosk runs when its package imports and the chosen folder looks like a model (not loaded here)."""
    folder = vosk_model_dir(model, configured)
    if importlib.util.find_spec("vosk") is None:
        return EngineStatus("vosk", False, folder, "the vosk package is not installed: pip install vosk")
    if not looks_like_vosk_model(folder):
        return EngineStatus("vosk", False, folder, f"no model installed in {folder}: run `tandem model download`")
    return EngineStatus("vosk", True, folder)


def auto_engine(model: Path | str | None = None, configured: str = "") -> str:
    """What `--engine auto` uses: vosk when a model is installed, otherwise pocketsphinx."""
    return "vosk" if vosk_status(model, configured).usable else "pocketsphinx"
