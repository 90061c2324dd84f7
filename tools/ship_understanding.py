"""Build what Tandem's own intents folder is turned into and ship it in `assistant/understand/trained/`.

The parsed intent files (`assistant/understand/parsed.py`), the matcher's expanded skeletons and its trained
classifier are cached by a digest of the intent files and of the understanding code
(`assistant/understand/cache.py`). For Tandem's own intents that cache ships with the package, so a fresh
install answers its first command at once instead of training for most of a minute (far longer on a small
board), and `tandem understand` starts without parsing a template. Run this after changing `intents/` or `assistant/understand/`;
`tests/test_understand_cache.py` fails until you do.

    python tools/ship_understanding.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache  # build from scratch, never from a stale user cache
        from assistant.datafiles import intents_dir
        from assistant.understand import cache as understand_cache
        from assistant.understand.intents import load_intents
        from assistant.understand.matcher import Matcher

        shipped = understand_cache.SHIPPED
        old = list(shipped.glob("*-*.*"))
        for path in old:  # stale files must not satisfy the build below
            path.unlink()
        Matcher(load_intents(intents_dir()))
        built = sorted(Path(cache).rglob("understand/*-*.*"))
        if not built:
            print("nothing was built: is the user cache folder writable?", file=sys.stderr)
            return 1
        shipped.mkdir(exist_ok=True)
        for path in built:
            shutil.copyfile(path, shipped / path.name)
            print(f"shipped {path.name} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
