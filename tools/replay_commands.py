"""Replay the combined engine's arbitration on stored decodes of the dev commands (ears work, issue 11).

`python tools/replay_commands.py decode [--snr 12] [--near]`: the dev phrasings (and near misses with
`--near`) spoken as `python -m bench commands --split dev` speaks them, heard once by both engines; per
clip, pocketsphinx's transcript, Whisper's encoder output and n-best, and the texts forced-scored are
stored (`$TANDEM_REPLAY_CACHE`, default ~/.cache/tandem-replay). Clips already stored are skipped.

`python tools/replay_commands.py replay [--show INTENT ...] [--diff]`: the arbitration (combined.py
`CombinedRecognizer.arbitrate`) run again on what is stored, with today's code and settings; only texts
never scored on that clip are scored (and stored). Prints the outcomes as the bench counts them for
pocketsphinx, Whisper and the combination, and with `--show` what each engine heard and what the matcher
made of it for the phrasings of those intents; `--diff` lists the phrasings Whisper alone had right and
the combination did not. Dev split only: the test split is never replayed line by line.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CACHE = Path(os.environ.get("TANDEM_REPLAY_CACHE", Path.home() / ".cache" / "tandem-replay"))
KINDS = ("right", "asked_right", "asked_wrong", "wrong", "missed")


def _cases(near: bool) -> list[tuple[str, dict[str, Any], str, Path]]:
    """(group, case, family, clean wav) as the bench speaks them (same voice turns)."""
    from bench.commands_speech import clips
    from bench.corpus import load, near_misses

    phrasings = [c for c in load("phrasings.yaml", "phrasings") if c.get("split") == "dev"]
    out = [("phrasings", c, f, p) for c, f, p in clips(phrasings)]
    if near:
        nears = [c for c in near_misses() if c.get("split") == "dev"]
        out += [("near", c, f, p) for c, f, p in clips(nears, offset=1)]
    return out


def _key(group: str, case: dict[str, Any], family: str, snr: int) -> str:
    return hashlib.sha1(f"{group}|{family}|{snr}|{case['text']}|{case.get('context')}".encode()).hexdigest()[:16]


def decode(snr: int, near: bool, only: set[str] | None, near_only: bool = False, every: int = 1) -> None:
    from assistant.datafiles import intents_dir
    from assistant.recognize.base import ListenMode
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher
    from bench.audio import noisy_copies, read16
    from bench.engines import Engines

    folder = CACHE / f"{snr}db"
    folder.mkdir(parents=True, exist_ok=True)
    items = _cases(near)
    if near_only:
        items = [it for it in items if it[0] == "near"][::every]
    if only:  # the intents asked for first, then the rest
        items = sorted(items, key=lambda it: it[1].get("intent") not in only)
    intent_set = load_intents(intents_dir())
    engines = Engines(intent_set, Matcher(intent_set), with_vosk=False)
    done = 0
    for group, case, family, clean in items:
        target = folder / f"{_key(group, case, family, snr)}.pkl"
        if target.exists():
            continue
        path = noisy_copies([clean], snr, "commands")[0]
        began = time.perf_counter()
        heard = engines.hear(read16(path), ListenMode())
        parts = engines.combined.last_parts
        encoded = parts.get("encoded")
        whisper = engines.combined.whisper
        record = {
            "group": group, "case": case, "family": family, "seconds": time.perf_counter() - began,
            "sphinx": parts.get("pocketsphinx"), "hyps": parts.get("whisper") or [],
            "encoded": None if encoded is None else (np.array(encoded.output), encoded.frames, encoded.no_speech),
            "combined": heard.transcripts["combined"],
            "prompt": _prompt_key(whisper),
            "scores": {_prompt_key(whisper): {t: (s, whisper.token_logprobs.get(t))
                                              for t, s in (parts.get("scores") or {}).items()}},
        }
        target.write_bytes(pickle.dumps(record))
        done += 1
        if done % 25 == 0:
            print(f"  decoded {done} (last {record['seconds']:.2f} s)", file=sys.stderr, flush=True)
    engines.close()
    print(f"decoded {done} new clips into {folder}", file=sys.stderr)


def _prompt_key(whisper: Any) -> str:
    return hashlib.sha1(repr(whisper._command_prompt).encode()).hexdigest()[:12]


class StoredWhisper:
    """The loaded Whisper engine, but forced scores come from the clip's store when it has them."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.stored: dict[str, tuple[float, list[float] | None]] = {}
        self.new = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    @property
    def token_logprobs(self) -> dict[str, list[float]]:
        return {t: lp for t, (_, lp) in self.stored.items() if lp is not None}

    def score(self, encoded: Any, texts: list[str], mode: Any = None, on_step: Any = None) -> list[float]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.stored]
        if missing:
            self.real.token_logprobs = {}
            found = self.real.score(encoded, missing, mode) if mode is not None else self.real.score(encoded, missing)
            for t, s in zip(missing, found):
                self.stored[t] = (s, self.real.token_logprobs.get(t))
            self.new += len(missing)
        return [self.stored[t][0] for t in texts]


def replay(snr: int, show: set[str], diff: bool, near: bool, verbose: bool, manifest: Path | None,
           settings: dict[str, Any], recollapse: bool = False, outcomes: Path | None = None) -> None:
    from assistant.datafiles import intents_dir
    from assistant.messages import Transcript
    from assistant.recognize.base import ListenMode
    from assistant.recognize.combined import CombinedRecognizer, CombineSettings
    from assistant.recognize.whisper_engine import Encoded, WhisperRecognizer
    from assistant.recognize.whisper_model import whisper_model_dir
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher
    from bench.commands_speech import near_miss_kind, outcome

    folder = CACHE / f"{snr}db"
    intent_set = load_intents(intents_dir())
    matcher = Matcher(intent_set)
    real = WhisperRecognizer(whisper_model_dir(), intent_set, "hey tandem")
    whisper = StoredWhisper(real)
    combined = CombinedRecognizer(None, whisper, intent_set, matcher,
                                  settings=replace(CombineSettings(), bounded=False, **settings))
    pkey = _prompt_key(real)
    mode = ListenMode()
    results: dict[str, list] = defaultdict(list)
    near_results: dict[str, Counter] = defaultdict(Counter)
    lines: list[str] = []
    changed = 0
    per_clip: list[tuple[str, str, str, str, str]] = []
    began = time.perf_counter()
    paths = sorted(folder.glob("*.pkl"))
    if manifest is not None:  # the same clips as an earlier replay (the store grows while decoding)
        if manifest.exists():
            names = set(manifest.read_text().split())
            paths = [p for p in paths if p.name in names]
        else:
            manifest.write_text("\n".join(p.name for p in paths))
    for path in paths:
        record = pickle.loads(path.read_bytes())
        if record["group"] == "near" and not near:
            continue
        case, family = record["case"], record["family"]
        whisper.stored = record["scores"].setdefault(pkey, {})
        whisper.new = 0
        sphinx = record["sphinx"] or Transcript("", 0.0, engine="pocketsphinx")
        hyps = record["hyps"]
        if record["encoded"] is None:
            got = {"combined": record["combined"], "whisper": Transcript("", 0.0), "pocketsphinx": sphinx}
        else:
            output, frames, no_speech = record["encoded"]
            from ctranslate2 import StorageView

            encoded = Encoded(StorageView.from_array(np.ascontiguousarray(output)), frames, no_speech)
            if pkey != (record.get("prompt") or next(iter(record["scores"]))):
                # another prompt: Whisper's beam again, on the stored encoding
                by_prompt = record.setdefault("hyps_by_prompt", {})
                if pkey not in by_prompt:
                    by_prompt[pkey] = (real.hypotheses(encoded, mode), encoded.no_speech)
                    whisper.new += 1
                hyps, encoded.no_speech = by_prompt[pkey]
            if recollapse:  # Whisper's raw text normalised again with today's code (spoken words, repeats cut)
                from assistant.recognize.whisper_engine import Hypothesis, collapse_repeats

                seen: dict[str, Any] = {}
                for h in hyps:
                    text = collapse_repeats(real.spoken(h.raw))
                    seen.setdefault(text, Hypothesis(h.raw, text, h.score))
                hyps = list(seen.values())
            transcript = combined.arbitrate(encoded, hyps, sphinx, mode)
            got = {"combined": transcript, "whisper": real.transcript(encoded, hyps, mode), "pocketsphinx": sphinx}
        if whisper.new:
            path.write_bytes(pickle.dumps(record))
        def kind_of(t: Any) -> str:
            return near_miss_kind(matcher, t, case) if record["group"] == "near" else outcome(matcher, t, case)[0]

        per_clip.append((path.name, kind_of(got["combined"]), got["combined"].text, kind_of(got["whisper"]),
                         case["text"]))
        if record["group"] == "near":
            for engine, t in got.items():
                near_results[engine][near_miss_kind(matcher, t, case)] += 1
            if verbose and near_miss_kind(matcher, got["combined"], case) != "quiet":
                lines.append(f"NEAR {near_miss_kind(matcher, got['combined'], case)} [{family}] {case['text']!r} "
                             f"-> {got['combined'].text!r} {list(got['combined'].alternatives)}")
            continue
        kinds = {}
        for engine, t in got.items():
            kind, u = outcome(matcher, t, case)
            kinds[engine] = (kind, u)
            results[engine].append((case, family, kind))
        if record["combined"].text != got["combined"].text:
            changed += 1
        intent = case["intent"]
        want = intent in show or "all" in show
        lost = diff and kinds["whisper"][0] == "right" and kinds["combined"][0] != "right"
        if (want and kinds["combined"][0] != "right") or lost:
            lines.append(_explain(case, family, got, kinds, combined, "LOST " if lost else ""))
    if outcomes is not None:  # one line per clip (combined, then Whisper alone): compare two replays with `join`
        outcomes.write_text("".join(f"{name}\t{kind}\t{text!r}\t{alone}\t{said!r}\n"
                                    for name, kind, text, alone, said in sorted(per_clip)))
    for line in lines:
        print(line)
    print(f"\nreplayed in {time.perf_counter() - began:.0f} s; combined transcript changed on {changed} phrasings")
    for engine in ("pocketsphinx", "whisper", "combined"):
        items = results[engine]
        c = Counter(k for *_, k in items)
        n = len(items)
        fam = {f: sum(1 for _, ff, k in items if ff == f and k == "right") for f in ("espeak-ng", "flite", "piper")}
        print(f"{engine:13s} n={n} " + " ".join(f"{k} {c[k]} ({100 * c[k] / max(n, 1):.1f}%)" for k in KINDS)
              + f"  per family right {fam}")
        if near and near_results[engine]:
            nr = near_results[engine]
            print(f"{'':13s} near misses n={sum(nr.values())}: acted {nr['acted']} answered {nr['answered']} asked {nr['asked']}")
    by_intent: dict[str, Counter] = defaultdict(Counter)
    for case, _, kind in results["combined"]:
        by_intent[case["intent"]][kind] += 1
    print("per intent (combined): " + ", ".join(f"{i} {c['right']}/{sum(c.values())}"
                                                for i, c in sorted(by_intent.items())))


def _explain(case: dict[str, Any], family: str, got: dict[str, Any], kinds: dict[str, Any], combined: Any,
             tag: str) -> str:
    def said(engine: str) -> str:
        t = got[engine]
        kind, u = kinds[engine]
        what = f"{getattr(u, 'intent', None)} {getattr(u, 'slots', {}) or ''}".strip() if u is not None else ""
        alts = f" alts={list(t.alternatives)[:3]}" if t.alternatives else ""
        return f"    {engine:12s} {t.text!r}{alts} -> {kind} {what}"

    top = "; ".join(f"{s.text!r} {s.likelihood:.1f}+{s.bonus:.1f} {s.source}" for s in combined.last[:5])
    return "\n".join([f"{tag}[{family}] {case['intent']} {case.get('context')} {case['text']!r} {case.get('slots') or ''}",
                      said("pocketsphinx"), said("whisper"), said("combined"), f"    scored: {top}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("decode", "replay"))
    parser.add_argument("--snr", type=int, default=12)
    parser.add_argument("--near", action="store_true", help="near misses too")
    parser.add_argument("--first", nargs="*", default=None, help="decode: these intents first")
    parser.add_argument("--show", nargs="*", default=[], help="replay: explain these intents' misses (or all)")
    parser.add_argument("--diff", action="store_true", help="replay: phrasings Whisper alone had right, lost")
    parser.add_argument("-v", "--verbose", action="store_true", help="replay: near misses acted on or asked")
    parser.add_argument("--set", nargs="*", default=[], help="replay: CombineSettings overrides, name=value")
    parser.add_argument("--outcomes", type=Path, help="replay: write each clip's combined outcome and text here")
    parser.add_argument("--recollapse", action="store_true", help="replay: Whisper's raw text normalised anew")
    parser.add_argument("--near-only", action="store_true", help="decode: near misses only")
    parser.add_argument("--every", type=int, default=1, help="decode: every n-th near miss")
    parser.add_argument("--manifest", type=Path, help="replay: only the clips listed there (written when absent)")
    args = parser.parse_args()
    if args.step == "decode":
        decode(args.snr, args.near or args.near_only, set(args.first) if args.first else None, args.near_only, args.every)
    else:
        replay(args.snr, set(args.show), args.diff, args.near, args.verbose, args.manifest,
               {k: eval(v) for k, v in (kv.split('=', 1) for kv in args.set)}, args.recollapse, args.outcomes)


if __name__ == "__main__":
    main()
