"""Forking a writer process from the test process, safely.

Earlier tests leave ONNX Runtime sessions (Piper, Silero) in garbage cycles. A forked child that collects
them waits forever on a lock whose owning thread exists only in the parent. So the parent collects first,
and the child never collects what it inherited (it ends with os._exit).
"""

from __future__ import annotations

import gc
import os


def fork() -> int:
    """`os.fork()`, with inherited objects frozen out of the child's garbage collection."""
    gc.collect()
    gc.freeze()
    child = os.fork()
    if child:
        gc.unfreeze()
    return child
