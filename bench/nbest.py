"""N-best dumps of the barista TUNE half for matcher work: `python -m bench.nbest [--out DIR] [--snr ...]`.

One JSON file per engine and noise condition (pocketsphinx, whisper, combined; clean and kitchen
noise), each holding, per recording, the label (intent and slots), what the engine heard and its
whole n-best list with scores. Only the tune half is written: the held-out half stays unseen by
anyone tuning (bench/split.py). The format is described in the README written beside the files.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.audio import BARISTA, ROOT, SNRS, noisy_copies, read16
from bench.split import TUNE, half

INTENTS = ROOT / "bench" / "barista" / "intents"
DEFAULT_OUT = ROOT.parent / "exchange" / "ears-nbest"
README = """# N-best dumps from the ears (issue 11)

Written by `python -m bench.nbest` (branch `ears`). Only the **tune half** of the barista recordings
(bench/split.py: sha256 of the file name, last bit even; 66 of 124 files). Never tune on the
held-out half: it is the headline figure.

Files: `barista-tune-<engine>-<condition>.json`, engine one of `pocketsphinx`, `whisper`,
`combined`; condition `clean` or `<N>dB` (kitchen noise mixed as in `python -m bench barista`).

Each file is one JSON object:

```
{
  "engine": "whisper", "condition": "12dB", "split": "tune",
  "intents": "bench/barista/intents",            # the intents folder the engines were given
  "made": "2026-12-01 01:00 UTC", "commit": "<git commit of the ears branch>",
  "items": [
    {
      "file": "0075d273-....wav",
      "label": {"intent": "orderDrink", "slots": {"size": "large", "coffeeDrink": "latte"}},
      "transcript": "can i get a large latte",   # what the engine's Transcript.text was
      "alternatives": ["..."],                    # Transcript.alternatives (what the loop gives the matcher)
      "nbest": [                                  # the engine's full list, best first
        {"text": "can i get a large latte", "score": -0.21, "source": "whisper", "raw": "Can I get a large latte?"}
      ]
    }
  ]
}
```

Scores per engine:
- `pocketsphinx`: no per-hypothesis score (lattice n-best order); `score` is null, the first entry
  carries the engine's confidence in `confidence`.
- `whisper`: length-normalised log-probability of the beam hypothesis (higher is better, 0 is
  certain); `raw` is Whisper's own text before normalising (digits, punctuation, case).
- `combined`: `score` = Whisper's forced log-likelihood of the text on the same audio (nats, whole
  sentence) + `bonus` (what the matcher's verdict added); `source` says who proposed it
  (`whisper`, `pocketsphinx`, or `neighbour` = a slot value swapped for a near one from the lists).

All texts are lowercase spoken words (digits spelled out, no punctuation), like the templates.
"""


def _git_commit() -> str:
    import subprocess

    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def dump(out: Path, snrs: list[int | None]) -> list[Path]:
    from assistant.recognize.combined import CombinedRecognizer
    from assistant.recognize.pocketsphinx_engine import PocketsphinxRecognizer
    from assistant.recognize.whisper_engine import WhisperRecognizer
    from assistant.recognize.whisper_model import whisper_model_dir
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher
    from bench.barista_speech import labels

    intents = load_intents(INTENTS)
    matcher = Matcher(intents)
    combined = CombinedRecognizer(PocketsphinxRecognizer(intents, wake_phrase=""),
                                  WhisperRecognizer(whisper_model_dir(), intents, ""), intents, matcher)
    want = labels()
    clean = [p for p in sorted(BARISTA.glob("clean/*.wav")) if half(p) == TUNE]
    out.mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text(README, encoding="utf-8")
    written = []
    meta = {"split": TUNE, "intents": "bench/barista/intents", "commit": _git_commit(),
            "made": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    for snr in snrs:
        condition = "clean" if snr is None else f"{snr}dB"
        files = clean if snr is None else noisy_copies(clean, snr, "barista")
        per_engine: dict[str, list[dict[str, Any]]] = {"pocketsphinx": [], "whisper": [], "combined": []}
        for i, path in enumerate(files):
            transcript = combined.transcribe(read16(path))
            label = {"intent": want[path.name].intent, "slots": want[path.name].slots}
            sphinx = combined.last_parts.get("pocketsphinx")
            hyps = combined.last_parts.get("whisper") or []
            base = {"file": path.name, "label": label}
            sphinx_texts = [sphinx.text, *sphinx.alternatives] if sphinx is not None and sphinx.text else []
            per_engine["pocketsphinx"].append({
                **base, "transcript": sphinx.text if sphinx else "",
                "alternatives": list(sphinx.alternatives) if sphinx else [],
                "nbest": [{"text": t, "score": None, "source": "pocketsphinx",
                           **({"confidence": sphinx.confidence} if j == 0 else {})} for j, t in enumerate(sphinx_texts)]})
            per_engine["whisper"].append({
                **base, "transcript": hyps[0].text if hyps else "",
                "alternatives": [h.text for h in hyps[1:]],
                "nbest": [{"text": h.text, "score": round(h.score, 4), "source": "whisper", "raw": h.raw} for h in hyps]})
            per_engine["combined"].append({
                **base, "transcript": transcript.text, "alternatives": list(transcript.alternatives),
                "nbest": [{"text": s.text, "score": round(s.total, 3), "likelihood": round(s.likelihood, 3),
                           "bonus": round(s.bonus, 3), "source": s.source} for s in combined.last]})
            if (i + 1) % 20 == 0:
                print(f"   {condition}: {i + 1}/{len(files)}", file=sys.stderr, flush=True)
        for engine, items in per_engine.items():
            path = out / f"barista-tune-{engine}-{condition}.json"
            path.write_text(json.dumps({"engine": engine, "condition": condition, **meta, "items": items},
                                       indent=1, ensure_ascii=False), encoding="utf-8")
            written.append(path)
        print(f"== {condition}: written", file=sys.stderr, flush=True)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nbest", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder (default {DEFAULT_OUT})")
    parser.add_argument("--snr", nargs="*", default=["clean", *map(str, SNRS)],
                        help="conditions: clean and/or dB values (default: clean and every benchmark level)")
    args = parser.parse_args(argv)
    snrs = [None if s == "clean" else int(s) for s in args.snr]
    for path in dump(args.out, snrs):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
