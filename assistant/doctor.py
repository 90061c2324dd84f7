"""`tandem doctor` as a library: is every part a couple needs really there and working?

Each check tries the real thing (loads the model, renders a word, takes the journal lock) rather
than guessing from file names, and never changes anything: a missing journal is not created, a
damaged one is not set aside. A check that fails says what is wrong and the one fix, in plain words.
`run_checks()` never raises: a broken part is a failed `Check`, not a traceback.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import Settings, default_config_path, load_settings
from assistant.datafiles import intents_dir, voices_dir
from assistant.errors import TandemError

TEST_WORD = "Tandem"
"""What the speech check renders: a word, not a sentence (sentences live in voices/)."""
LOCK_WAIT = 1.0
"""Seconds the journal lock may take; a running Tandem holds it only for milliseconds per write."""
SPEECH_WAIT = 20.0
"""Seconds the speech engine may take for one word before it counts as hung."""
MODEL_DOWNLOAD_FIX = "run `tandem model download` once (it needs the internet), or set [recognizer] model to a vosk model folder"


CHECKS = ("config", "intents", "voices", "rituals", "journal", "journal lock", "journal privacy",
          "microphone", "speaker", "recognizer", "wake model", "vosk model", "speech voice", "natural voice")
"""Every check's name, in the order they run."""


@dataclass(frozen=True)
class Check:
    """One part of Tandem and whether it works."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True
    """False for what Tandem can do without (a vosk model: pocketsphinx stands in)."""
    advice: str = ""
    """Something worth doing that stops nothing (a config other users can read)."""


@dataclass
class _Context:
    """What earlier checks found, for later ones (the config's devices, the loaded intents)."""

    settings: Settings = field(default_factory=Settings)
    intent_set: Any = None
    voices: Any = None
    notes: list[str] = field(default_factory=list)
    speech_notices: list[str] = field(default_factory=list)
    """Why the speech check spoke with another voice than the one asked for."""


def healthy(checks: list[Check]) -> bool:
    """Everything a couple needs works (optional extras may be missing)."""
    return all(c.ok or not c.required for c in checks)


def run_checks(config: Path | None = None, journal: Path | None = None, *, sd: Any = None,
               speech: bool = True, synth_factory: Callable[[], Any] | None = None,
               vosk_model: Path | None = None, only: Collection[str] | None = None) -> list[Check]:
    """Check config, data files, journal, microphone, speaker, recognizer and speech voice.

    `sd` replaces the sounddevice module (tests pass a fake); `synth_factory` replaces
    `load_synth`'s choice; `speech=False` skips rendering (it takes a moment); `only` names the checks
    wanted (the config is always read: later checks use its devices and engine).
    """
    ctx = _Context()
    steps: list[tuple[str, Callable[[], Check]]] = [
        ("config", lambda: check_config(config, ctx)),
        ("intents", lambda: check_intents(ctx)),
        ("voices", lambda: check_voices(ctx)),
        ("rituals", lambda: check_rituals(ctx)),
        ("journal", lambda: check_journal(journal)),
        ("journal lock", lambda: check_journal_lock(journal)),
        ("journal privacy", lambda: check_journal_privacy(journal)),
        ("microphone", lambda: check_device("input", ctx.settings.audio.input_device, sd)),
        ("speaker", lambda: check_device("output", ctx.settings.audio.output_device, sd)),
        ("recognizer", lambda: check_pocketsphinx(ctx)),
        ("wake model", lambda: check_wake_model(ctx)),
        ("vosk model", lambda: check_vosk(ctx, vosk_model)),
    ]
    if speech:
        steps.append(("speech voice", lambda: check_speech(synth_factory, ctx)))
    steps.append(("natural voice", lambda: check_natural_voice(ctx)))
    results = []
    for name, step in steps:
        if only is None or name in only or name == "config":
            check = _guarded(name, step)
            if only is None or name in only:
                results.append(check)
    return results


def check_wake_model(ctx: "_Context") -> Check:
    """The trained "hey tandem" model that listens in front of the recognizer (optional: without it, or
    for another phrase, the recognizer alone checks the wake phrase)."""
    from assistant.wake.fused import wake_gate

    settings = ctx.settings
    gate, why = wake_gate(settings.wake.phrase, settings.wake.spotter)
    if gate is not None:
        model = gate.scorer.model
        gate.close()
        return Check("wake model", True, f"the {settings.wake.phrase!r} wake model is ready ({model.path}, sha256 "
                     "checked): it listens first, the recognizer checks what it hears")
    if "fix:" in why:
        what, _, fix = why.partition(" (fix: ")
        return Check("wake model", False, what, fix.rstrip(")"), required=False)
    from assistant.wake.models import openwakeword_model

    spotted = settings.wake.spotter != "recognizer" and openwakeword_model(settings.wake.phrase) is not None
    return Check("wake model", True, why or f"the wake phrase {settings.wake.phrase!r} is spotted by "
                 f"{'openWakeWord' if spotted else 'the speech recognizer'}")


def _guarded(name: str, step: Callable[[], Check]) -> Check:
    try:
        return step()
    except TandemError as error:
        return Check(name, False, error.what, error.fix)
    except Exception as error:  # noqa: BLE001 - the doctor reports a broken part, it never crashes
        return Check(name, False, f"{type(error).__name__}: {error}",
                     "this is a bug or a broken install: reinstall Tandem (`pip install --force-reinstall .`)")


# ---- config and data files ----------------------------------------------------------------

def _private(path: Path) -> bool:
    return not (stat.S_IMODE(path.stat().st_mode) & 0o077)


def check_config(path: Path | None, ctx: _Context) -> Check:
    """The config loads, and only its owner can read it (it holds the couple's names)."""
    file = Path(path) if path else default_config_path()
    if path is None and not file.exists():
        return Check("config", True, f"no file at {file}: using the defaults (partners "
                     f"{ctx.settings.partners.names[0]!r} and {ctx.settings.partners.names[1]!r})")
    ctx.settings = load_settings(file)  # ConfigError -> a failed check naming key and fix
    names = " and ".join(ctx.settings.partners.names)
    loads = f"{file} loads ({names}; wake phrase {ctx.settings.wake.phrase!r})"
    if not _private(file):
        return Check("config", True, f"{loads}; other users of this computer can read your names in it",
                     advice=f"chmod 600 {file} keeps it to you")
    return Check("config", True, f"{loads}; readable by you only")


def check_intents(ctx: _Context) -> Check:
    from assistant.understand.intents import load_intents

    ctx.intent_set = load_intents(intents_dir())
    return Check("intents", True, f"{len(ctx.intent_set.names)} intents in {intents_dir()} validate")


def check_voices(ctx: _Context) -> Check:
    from assistant.dialog.voices import Voices
    from assistant.speak.tts import load_voice_settings

    ctx.voices = Voices.load(voices_dir())
    load_voice_settings(voices_dir() / "voice.yaml")
    return Check("voices", True, f"{len(ctx.voices.responses)} responses in {voices_dir()} validate")


def check_rituals(ctx: _Context) -> Check:
    from assistant.dialog.voices import Voices
    from assistant.rituals.script import load_rituals

    voices = ctx.voices or Voices.load(voices_dir())
    book = load_rituals(voices_dir(), voices)
    return Check("rituals", True, f"{len(book.rituals)} rituals validate: " + ", ".join(book.rituals))


# ---- journal ----------------------------------------------------------------------------------

def _journal_path(path: Path | None) -> Path:
    from assistant.journal.journal import default_path

    return Path(path) if path else default_path()


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_journal(path: Path | None) -> Check:
    """Readable (a whole, known schema), and its folder writable; a missing one can be created."""
    from assistant.journal import migrations
    from assistant.journal.records import SCHEMA_VERSION
    from assistant.journal.storage import CorruptFile, SafeJSONStorage

    file = _journal_path(path)
    folder = file.parent
    if not folder.exists():
        base = _nearest_existing(folder)
        if base.is_dir() and os.access(base, os.W_OK | os.X_OK):
            return Check("journal", True, f"{file} is not there yet: Tandem creates it (private) on first use")
        return Check("journal", False, f"cannot create the journal folder {folder}: {base} is not a folder you can write in",
                     "create the folder yourself, or choose another file with --journal")
    if not folder.is_dir():
        return Check("journal", False, f"{folder} is not a folder", "choose another file with --journal")
    _try_write(folder)
    if not file.exists():
        return Check("journal", True, f"{file} is not there yet: Tandem creates it (private) on first use")
    storage = SafeJSONStorage(file)
    try:
        tables = storage.load()
    except CorruptFile as corrupt:
        return Check("journal", False, f"{file} is damaged ({corrupt.reason})",
                     "start Tandem once (`tandem chat`): it keeps the damaged file aside, starts a fresh journal "
                     "and says how to recover it with `tandem journal repair`")
    version = migrations.schema_of(tables) if tables else SCHEMA_VERSION
    if version is None:
        return Check("journal", False, f"{file} is not a Tandem journal (no schema version)",
                     "choose another file with --journal")
    if version > SCHEMA_VERSION:
        return Check("journal", False, f"{file} was written by a newer Tandem (schema {version})",
                     "upgrade Tandem, or choose another file with --journal")
    moments = [d for n, t in tables.items() if n.startswith(migrations.MOMENTS) for d in t.values()]
    running = sum(1 for d in moments if isinstance(d, dict) and d.get("status") == "running")
    detail = f"{file}: {len(moments)} moments, readable and writable"
    if running:
        detail += f"; {running} in progress (or interrupted: closed as partial at the next start)"
    if storage.damaged_log_lines:
        detail += f"; {storage.damaged_log_lines} damaged log lines (kept aside at the next start)"
    if version < SCHEMA_VERSION:
        detail += f"; schema {version} (upgraded at the next start)"
    return Check("journal", True, detail)


def _try_write(folder: Path) -> None:
    """Really write (and remove) a small private file: permissions, read-only mounts, full disks."""
    from assistant.errors import JournalError

    try:
        fd, name = tempfile.mkstemp(prefix=".tandem-doctor-", dir=folder)
        try:
            os.write(fd, b"ok\n")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(name)
    except OSError as error:
        raise JournalError(f"cannot write in the journal folder {folder} ({error.strerror or error})",
                           "make the folder writable by you, free some disk space, or choose another file with --journal") from None


def check_journal_lock(path: Path | None) -> Check:
    """No other process holds the journal for long (a hung `tandem`)."""
    from assistant.journal.lock import JournalLock

    file = _journal_path(path)
    if not file.exists():
        return Check("journal lock", True, "nothing to lock yet")
    lock = JournalLock(file, timeout=LOCK_WAIT)
    began = time.perf_counter()
    with lock.held():  # JournalError names the lock and the fix
        waited = time.perf_counter() - began
    return Check("journal lock", True, f"free (taken in {waited * 1000:.0f} ms)")


def check_journal_privacy(path: Path | None) -> Check:
    """Journal files readable by their owner only (0600): they hold the couple's words."""
    file = _journal_path(path)
    files = [p for p in (file, file.with_name(file.name + ".log"), file.with_name(file.name + ".lock")) if p.exists()]
    if not files:
        return Check("journal privacy", True, "nothing written yet; Tandem creates its files readable by you only")
    open_to_others = [p for p in files if not _private(p)]
    if open_to_others:
        names = " ".join(str(p) for p in open_to_others)
        return Check("journal privacy", False, f"other users can read {names}", f"chmod 600 {names}")
    return Check("journal privacy", True, f"{len(files)} files readable by you only (0600)")


# ---- audio devices ----------------------------------------------------------------------------

def check_device(kind: str, spec: str, sd: Any = None) -> Check:
    """The configured (or default) microphone / speaker exists; for a microphone, whether 16 kHz works."""
    from assistant.audio.devices import find_device, load_sounddevice

    name = "microphone" if kind == "input" else "speaker"
    module = sd if sd is not None else load_sounddevice()
    device = find_device(spec or None, kind, module)
    detail = f"{device.name} (index {device.index}, {device.rate:.0f} Hz)"
    rate = int(device.rate) or 16_000
    if kind == "input":
        try:
            module.check_input_settings(device=device.index, channels=1, dtype="int16", samplerate=16_000)
            rate = 16_000
        except Exception:  # noqa: BLE001 - PortAudioError or ValueError: the loop resamples
            detail += "; records at its own rate, resampled to 16 kHz"
    problem = _open_briefly(module, kind, device.index, rate)
    if problem:
        option = "--input-device" if kind == "input" else "--output-device"
        return Check(name, False, f"{device.name} is there but cannot be opened ({problem})",
                     f"close other programs using it, or choose another with {option} (see `tandem devices`)")
    return Check(name, True, detail + (f", chosen by config {spec!r}" if spec else ", the system default"))


def _open_briefly(sd: Any, kind: str, index: int, rate: int) -> str:
    """Open, start and close a stream on the device (no sound is played): '' when it works."""
    def silence(*args: Any) -> None:
        if kind == "output":
            args[0].fill(0)

    opener = sd.InputStream if kind == "input" else sd.OutputStream
    try:
        stream = opener(device=index, channels=1, samplerate=rate, dtype="int16", callback=silence)
        try:
            stream.start()
            stream.stop()
        finally:
            stream.close()
    except Exception as error:  # noqa: BLE001 - PortAudioError and friends
        return str(error) or type(error).__name__
    return ""


# ---- recognizers ------------------------------------------------------------------------------

def check_pocketsphinx(ctx: _Context) -> Check:
    """The English model inside the pocketsphinx wheel is there and loads; the wake phrase is in its dictionary."""
    from assistant.errors import ModelError

    try:
        import pocketsphinx
    except ImportError:
        raise ModelError("pocketsphinx is not installed", "pip install pocketsphinx") from None
    model = Path(pocketsphinx.get_model_path()) / "en-us"
    missing = [p.name for p in (model / "en-us", model / "cmudict-en-us.dict") if not p.exists()]
    if missing:
        raise ModelError(f"the pocketsphinx English model is incomplete in {model} (missing {', '.join(missing)})",
                         "reinstall it: pip install --force-reinstall pocketsphinx")
    began = time.perf_counter()
    used = _load_real_recognizer(ctx)
    if used is None:
        decoder = pocketsphinx.Decoder(pocketsphinx.Config(lm=None, keyphrase=ctx.settings.wake.phrase,
                                                           logfn=os.devnull))
        unknown = [w for w in ctx.settings.wake.phrase.lower().split() if decoder.lookup_word(w) is None]
        if unknown:
            return Check("recognizer", False, f"pocketsphinx loads, but does not know the wake word(s) {', '.join(unknown)}",
                         "choose a wake phrase of common English words in [wake] phrase")
        used = "pocketsphinx"
    took = time.perf_counter() - began
    engine = ctx.settings.recognizer.engine
    if engine == "auto":
        from assistant.recognize.select import choose_engine

        engine = "auto: " + choose_engine("auto", None, ctx.settings.recognizer.model,
                                          ctx.settings.recognizer.whisper_model)
    notes = "".join(f"; note: {note}" for note in ctx.notes)
    return Check("recognizer", True, f"{used} with the English model in its wheel loads ({took:.1f} s); "
                 f"engine {engine}{notes}")


def _load_real_recognizer(ctx: _Context) -> str | None:
    """Load pocketsphinx through Tandem's own recognizer (grammar included)."""
    from assistant.recognize.select import load_recognizer

    if ctx.intent_set is None:
        from assistant.understand.intents import load_intents

        ctx.intent_set = load_intents(intents_dir())
    with _collected_warnings("assistant.recognize") as notes:
        recognizer = load_recognizer("pocketsphinx", ctx.intent_set, None, wake_phrase=ctx.settings.wake.phrase)
    ctx.notes = list(dict.fromkeys(notes))
    return str(getattr(recognizer, "name", "pocketsphinx"))


@contextmanager
def _collected_warnings(logger_name: str) -> Iterator[list[str]]:
    """Warnings a library logs while it loads, kept for the check's line instead of printed raw."""
    notes: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            notes.append(record.getMessage())

    logger = logging.getLogger(logger_name)
    handler, propagate = Keep(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield notes
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _models() -> Any:
    """Tandem's model lookup (`recognize/models.py`)."""
    from assistant.recognize import models

    return models


def vosk_folder(settings: Settings, given: Path | None = None) -> Path:
    """Where Tandem looks for a vosk model: `given`, then config `recognizer.model`, then the data folder."""
    models = _models()
    if models is not None and hasattr(models, "vosk_model_dir"):
        return Path(models.vosk_model_dir(given, settings.recognizer.model))
    if given is not None:
        return Path(given)
    if settings.recognizer.model:
        return Path(settings.recognizer.model).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("tandem")) / "models" / "vosk-model-small-en-us-0.15"


def find_vosk_model(settings: Settings, given: Path | None = None) -> Path | None:
    """The vosk model folder Tandem would use, or None when none is installed there."""
    models = _models()
    finder = getattr(models, "installed_vosk_model", None)
    if finder is not None:
        found = finder(given, settings.recognizer.model)
        return Path(found) if found else None
    folder = vosk_folder(settings, given)
    has_model = (folder / "am" / "final.mdl").is_file() or (folder / "final.mdl").is_file()
    return folder if has_model and (folder / "conf").is_dir() else None


def check_vosk(ctx: _Context, given: Path | None = None) -> Check:
    """A vosk model is optional (pocketsphinx works without one) unless the config asks for vosk."""
    required = ctx.settings.recognizer.engine == "vosk"
    path = find_vosk_model(ctx.settings, given)
    if path is None:
        where = vosk_folder(ctx.settings, given)
        models = _models()
        fix = models.install_fix(where) if hasattr(models, "install_fix") else MODEL_DOWNLOAD_FIX
        instead = "" if required else "; pocketsphinx is used instead"
        return Check("vosk model", False, f"no vosk model installed in {where}{instead}", fix, required=required)
    try:
        import vosk
    except ImportError:
        return Check("vosk model", False, "the vosk package is not installed", "pip install vosk", required=required)
    vosk.SetLogLevel(-1)
    began = time.perf_counter()
    try:
        vosk.Model(str(path))
    except Exception as error:  # noqa: BLE001 - vosk raises a bare Exception for a bad folder
        return Check("vosk model", False, f"the vosk model in {path} does not load ({error})",
                     f"delete {path} and {MODEL_DOWNLOAD_FIX}", required=required)
    took = time.perf_counter() - began
    return Check("vosk model", True, f"{path} loads ({took:.1f} s)", required=required)


# ---- speech -----------------------------------------------------------------------------------

def check_speech(synth_factory: Callable[[], Any] | None = None, ctx: _Context | None = None) -> Check:
    """The voice Tandem would speak with really renders a word to audio that is not silence."""
    from assistant.errors import AudioError
    from assistant.speak.tts import ESPEAK_FIX

    began = time.perf_counter()
    if synth_factory is not None:
        synth = synth_factory()
    else:
        from assistant.speak.synth import load_synth

        selection = load_synth(settings=ctx.settings if ctx else None)
        synth = selection.synth
        if ctx is not None:
            ctx.speech_notices = selection.notices
    loaded = time.perf_counter() - began
    try:
        samples = synth.render(TEST_WORD).result(timeout=SPEECH_WAIT)
    except TimeoutError:
        raise AudioError(f"the speech engine gave no audio within {SPEECH_WAIT:.0f} s", ESPEAK_FIX) from None
    finally:
        close = getattr(synth, "close", None)
        if close:
            close()
    rate = int(getattr(synth, "rate", 16_000))
    if len(samples) == 0 or int(abs(samples.astype("int32")).max()) < 64:
        raise AudioError("the speech engine rendered only silence", ESPEAK_FIX)
    name = f"{getattr(synth, 'name', 'pyttsx3')} voice {getattr(synth, 'voice', 'default')}"
    return Check("speech voice", True, f"{name} speaks ({len(samples) / rate:.1f} s for a test word; "
                 f"loaded in {loaded:.1f} s)")


def check_natural_voice(ctx: _Context) -> Check:
    """Piper's natural voice is optional: without it Tandem speaks through pyttsx3 (espeak-ng)."""
    from assistant.speak.catalog import catalog
    from assistant.speak.synth import PIPER_FIX

    found = catalog(ctx.settings, espeak=False)
    if ctx.speech_notices:
        return Check("natural voice", False, "; ".join(ctx.speech_notices), "see `tandem voices`", required=False)
    if found.default.startswith("piper"):
        return Check("natural voice", True, f"{found.default} (Piper, GPL-3.0-or-later): {found.why}", required=False)
    fix = PIPER_FIX if "not installed" in found.why else "see `tandem voices`"
    return Check("natural voice", False, f"speaking with {found.default}, a clear but robotic voice: {found.why}",
                 fix, required=False)
