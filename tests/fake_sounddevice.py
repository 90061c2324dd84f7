"""A stand-in for the `sounddevice` module: the edge of the world for microphone and speaker tests.

Streams do not run on their own: the test pushes input blocks (`FakeStream.push`), pulls output
blocks (`FakeStream.pull`) and makes a device vanish (`FakeStream.vanish`) exactly when it wants.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np


class PortAudioError(Exception):
    pass


class FakeStream:
    def __init__(self, sd: "FakeSoundDevice", kind: str, **kwargs: Any) -> None:
        self.sd = sd
        self.kind = kind
        self.kwargs = kwargs
        self.callback = kwargs["callback"]
        self.finished_callback = kwargs.get("finished_callback")
        self.samplerate = kwargs["samplerate"]
        self.active = False
        self.closed = False
        if sd.fail_open:
            raise PortAudioError("Error opening stream: Device unavailable [PaErrorCode -9985]")
        if kwargs.get("channels") not in (sd.output_channels if kind == "output" else sd.input_channels):
            raise PortAudioError("Error opening stream: Invalid number of channels [PaErrorCode -9998]")
        sd.streams.append(self)

    def start(self) -> None:
        self.active = True

    def stop(self) -> None:
        self.active = False

    def close(self) -> None:
        self.closed = True
        if self.finished_callback:
            self.finished_callback()

    def push(self, samples: np.ndarray, overflow: bool = False) -> None:
        """The device delivers one block of int16 input (frames, or frames x channels)."""
        block = np.asarray(samples, dtype=np.int16)
        block = block.reshape(len(block), -1)
        self.callback(block, len(block), None, _Flags(overflow))

    def pull(self, frames: int) -> np.ndarray:
        """The device asks for `frames` samples of output (returned as frames x channels when stereo)."""
        channels = self.kwargs.get("channels", 1)
        out = np.full((frames, channels), 12345, dtype=np.int16)  # garbage the callback must overwrite
        self.callback(out, frames, None, _Flags(False))
        return out[:, 0].copy() if channels == 1 else out.copy()

    def vanish(self) -> None:
        """The USB cable is pulled: PortAudio ends the stream."""
        self.active = False
        if self.finished_callback:
            self.finished_callback()


class _Flags:
    def __init__(self, overflow: bool) -> None:
        self.input_overflow = overflow

    def __bool__(self) -> bool:
        return self.input_overflow


class FakeSoundDevice:
    PortAudioError = PortAudioError

    def __init__(self, devices: list[dict] | None = None, default: tuple[int, int] = (0, 1),
                 input_rates: tuple[int, ...] = (16_000, 44_100, 48_000),
                 input_channels: tuple[int, ...] = (1, 2), output_channels: tuple[int, ...] = (1, 2)) -> None:
        self.devices = devices if devices is not None else [
            {"name": "USB Kitchen Mic", "max_input_channels": 1, "max_output_channels": 0,
             "default_samplerate": 48_000.0, "hostapi": 0},
            {"name": "Speaker Bar", "max_input_channels": 0, "max_output_channels": 2,
             "default_samplerate": 48_000.0, "hostapi": 0},
            {"name": "USB Headset", "max_input_channels": 2, "max_output_channels": 2,
             "default_samplerate": 44_100.0, "hostapi": 0},
        ]
        self.default = SimpleNamespace(device=list(default))
        self.input_rates = input_rates
        self.input_channels = input_channels
        self.output_channels = output_channels
        self.streams: list[FakeStream] = []
        self.fail_open = False

    def query_devices(self) -> list[dict]:
        return [dict(d, index=i) for i, d in enumerate(self.devices)]

    def query_hostapis(self) -> list[dict]:
        return [{"name": "ALSA"}]

    def check_input_settings(self, device: int, channels: int, dtype: str, samplerate: int) -> None:
        if samplerate not in self.input_rates:
            raise PortAudioError("Invalid sample rate")
        if channels not in self.input_channels:
            raise PortAudioError("Invalid number of channels")

    def InputStream(self, **kwargs: Any) -> FakeStream:  # noqa: N802 (sounddevice's name)
        return FakeStream(self, "input", **kwargs)

    def OutputStream(self, **kwargs: Any) -> FakeStream:  # noqa: N802
        return FakeStream(self, "output", **kwargs)
