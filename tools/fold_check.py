"""How the intent classifier does on sentences it never saw, measured on the intents folder's own data only.

Every example and not-request is scored by a classifier trained without it (held-out folds of whole
entries, `training.held_out`, the same folds calibration is fitted on), then calibrated the way the
matcher is. Prints the share of held-out requests taken right (best intent at `ACCEPT` or above) and of
held-out not-requests taken for a request. Use it to compare training settings (masses, steps, the dense
vector's scale) before ever looking at a corpus; several minutes of CPU per run.

    python tools/fold_check.py [intents folder] [SETTING=value ...]   e.g.  EXAMPLE_MASS=3 STEPS=300
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from assistant.datafiles import intents_dir
    from assistant.understand import training
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import ACCEPT, Matcher

    folder = intents_dir()
    settings: dict[str, str] = {}
    for arg in argv:
        if "=" not in arg:
            folder = Path(arg)
            continue
        name, value = arg.split("=", 1)
        if not hasattr(training, name):
            print(f"no setting {name} in assistant/understand/training.py", file=sys.stderr)
            return 2
        settings[name] = value
    start = time.perf_counter()
    # the matcher first, with the settings in the code: a model trained with the settings tried here must
    # never be written to the shared on-disk cache under the code's key (only the folds below use them)
    matcher = Matcher(load_intents(folder), use_cache=True)
    for name, value in settings.items():
        setattr(training, name, type(getattr(training, name))(float(value)))
        print(f"{name} = {getattr(training, name)}")
    embed = matcher.vectors.sentence if matcher.vectors is not None else None
    names = matcher.intents.names
    scored = training.held_out(matcher.corpus(), names, matcher.reader.known, matcher.stem, embed)
    if scored is None:
        print("too few examples and not-requests for held-out folds")
        return 1
    logits, labels = scored
    none = len(names)
    fit = training.fit_calibration(logits, labels, none)
    z = logits / fit.temperature
    z[:, none] += fit.none_shift
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    best, top = p.argmax(axis=1), p.max(axis=1)
    request = labels != none
    right = float(((best == labels) & request & (top >= ACCEPT)).sum() / max(1, request.sum()))
    taken = float(((best != none) & ~request & (top >= ACCEPT)).sum() / max(1, (~request).sum()))
    print(f"held-out requests right {right:.1%} (n={int(request.sum())}), not-requests taken {taken:.1%} "
          f"(n={int((~request).sum())}); temperature {fit.temperature}, not-for-us shift {fit.none_shift:+}; "
          f"{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
