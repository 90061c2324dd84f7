"""Which microphones and speakers PortAudio can see, and picking one by name or index.

sounddevice is imported lazily: a machine without PortAudio can still chat, run WAV sessions and
tests; only live audio needs it, and then the error says which Debian package is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

from assistant.errors import AudioError

PORTAUDIO_FIX = "install PortAudio (Debian/Ubuntu: `sudo apt install libportaudio2`) and `pip install sounddevice`"


@dataclass(frozen=True)
class DeviceInfo:
    """One PortAudio device."""

    index: int
    name: str
    inputs: int
    """Input channels (0: not a microphone)."""
    outputs: int
    """Output channels (0: not a speaker)."""
    rate: float
    """Default sample rate in hertz."""
    hostapi: str = ""
    default_input: bool = False
    default_output: bool = False


def load_sounddevice() -> ModuleType:
    """The sounddevice module, or an `AudioError` naming the missing piece."""
    try:
        import sounddevice
    except OSError as error:  # sounddevice raises OSError when libportaudio is missing
        raise AudioError(f"PortAudio is not available ({error})", PORTAUDIO_FIX) from None
    except ImportError:
        raise AudioError("the sounddevice package is not installed", PORTAUDIO_FIX) from None
    return sounddevice


def _default_indices(sd: Any) -> tuple[int, int]:
    """(input, output) default device indices; -1 when unset or unreadable."""
    try:
        dev = sd.default.device
        try:
            pair = (dev[0], dev[1])
        except TypeError:  # a single index for both directions
            pair = (dev, dev)
        return tuple(-1 if v is None else int(v) for v in pair)  # type: ignore[return-value]
    except Exception:  # a broken default is the same as none
        return -1, -1


def list_devices(sd: Any | None = None) -> list[DeviceInfo]:
    """Every device PortAudio reports (an empty list when there are none)."""
    sd = sd or load_sounddevice()
    try:
        raw = sd.query_devices()
        apis = sd.query_hostapis()
    except Exception as error:  # PortAudioError when the host API fails to initialise
        raise AudioError(f"cannot list audio devices ({error})", PORTAUDIO_FIX) from None
    default_in, default_out = _default_indices(sd)
    devices = []
    for i, d in enumerate(list(raw)):
        api = d.get("hostapi", -1)
        devices.append(DeviceInfo(
            index=int(d.get("index", i)),
            name=str(d["name"]),
            inputs=int(d.get("max_input_channels", 0)),
            outputs=int(d.get("max_output_channels", 0)),
            rate=float(d.get("default_samplerate", 0.0)),
            hostapi=str(apis[api]["name"]) if 0 <= api < len(apis) else "",
            default_input=i == default_in,
            default_output=i == default_out,
        ))
    return devices


def find_device(spec: int | str | None, kind: str, sd: Any | None = None) -> DeviceInfo:
    """The device to use for `kind` ("input" or "output"): by index, by name substring, or the default.

    A name matches case-insensitively anywhere in the device name; an ambiguous or unknown name
    is an `AudioError` listing what is there, so the fix is one copy-paste away.
    """
    devices = list_devices(sd)
    usable = [d for d in devices if (d.inputs if kind == "input" else d.outputs) > 0]
    role = "microphone" if kind == "input" else "speaker"
    option = "--input-device" if kind == "input" else "--output-device"
    listing = "; ".join(f"{d.index}: {d.name}" for d in usable) or "none"
    if not usable:
        raise AudioError(f"no {role} found (PortAudio sees no {kind} device)",
                         f"plug in a {role}, check `tandem devices`, and that your user may use audio (group `audio`)")
    if spec is None or spec == "":
        chosen = [d for d in usable if (d.default_input if kind == "input" else d.default_output)]
        return chosen[0] if chosen else usable[0]
    if isinstance(spec, int) or str(spec).strip().isdigit():
        index = int(spec)
        for d in usable:
            if d.index == index:
                return d
        raise AudioError(f"no {role} with index {index}", f"choose one of ({listing}) with {option}")
    needle = str(spec).casefold()
    matches = [d for d in usable if needle in d.name.casefold()]
    exact = [d for d in matches if d.name.casefold() == needle]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    if not matches:
        raise AudioError(f"no {role} named like {spec!r}", f"choose one of ({listing}) with {option}")
    names = "; ".join(f"{d.index}: {d.name}" for d in matches)
    raise AudioError(f"{len(matches)} {role}s match {spec!r} ({names})", f"give the index or a longer name with {option}")
