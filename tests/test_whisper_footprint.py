"""Loading the Whisper engine does not load PyAV (audio-file decoding Tandem never asks faster-whisper for)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant.recognize.whisper_model import whisper_status

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import sys
import numpy as np
from assistant.datafiles import intents_dir
from assistant.recognize.whisper_engine import WhisperRecognizer
from assistant.recognize.whisper_model import whisper_model_dir
from assistant.understand.intents import load_intents

whisper = WhisperRecognizer(whisper_model_dir(), load_intents(intents_dir()))
whisper.decode(np.zeros(16000, dtype=np.int16))
print("loaded" if "av.audio" in sys.modules else "deferred")
import faster_whisper.audio
print(bool(faster_whisper.audio.av.__version__), "av.audio" in sys.modules)
"""


@pytest.mark.skipif(not whisper_status().usable, reason="the Whisper model package is not installed")
def test_pyav_is_loaded_only_when_something_uses_it():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["deferred", "True True"]
