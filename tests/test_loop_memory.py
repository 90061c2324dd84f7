"""The listening loop does not hold on to large blocks once they are freed: a decode's or a render's buffers
go back to the system at once, so the loop's resident memory is what it uses, not the largest it ever used."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assistant.loop.listen import _libc

CHILD = """
import numpy as np
from assistant.loop.listen import hold_less_memory

def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

big = np.ones(16 << 20, dtype=np.uint8)  # a model's load frees a block this large: malloc then keeps blocks below it
del big
if {hold}:
    hold_less_memory()
block = np.ones(6 << 20, dtype=np.uint8)  # a decode's buffer
keep = np.ones(1 << 10, dtype=np.uint8)  # allocated after it, so the heap cannot simply shrink back
held = rss()
del block
print(held - rss())
"""


def _given_back(hold: bool) -> float:
    out = subprocess.run([sys.executable, "-c", CHILD.format(hold=hold)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


@pytest.mark.skipif(_libc() is None or not sys.platform.startswith("linux"), reason="glibc's malloc on Linux only")
def test_a_large_block_freed_after_loading_is_given_back_at_once():
    assert _given_back(hold=True) > 5
    assert _given_back(hold=False) < 1  # what glibc does on its own: the block stays with the process
