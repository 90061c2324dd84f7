"""WAV files in and out, so a recording can stand in for the microphone.

Everything that hears works on int16 mono 16 kHz (`messages.SAMPLE_RATE`); `read_wav` converts any
rate, width and channel count to that. Python's `wave` module cannot read 32-bit float
(WAVE_FORMAT_IEEE_FLOAT) or WAVE_FORMAT_EXTENSIBLE files, so the RIFF chunks are parsed here:
no native library needed, and every way a file can be broken gets its own clear `AudioError`.
"""

from __future__ import annotations

import contextlib
import os
import struct
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.audio.resample import resample
from assistant.errors import AudioError
from assistant.messages import SAMPLE_RATE

PCM = 0x0001
IEEE_FLOAT = 0x0003
EXTENSIBLE = 0xFFFE

_CONVERT_FIX = "convert it with `sox {path} -r 16000 -c 1 -b 16 converted.wav` and use converted.wav"


@dataclass(frozen=True)
class WavInfo:
    """What a WAV file's header says."""

    rate: int
    """Hertz."""
    channels: int
    bits: int
    """Bits per sample as stored (8, 16, 24, 32 or 64)."""
    encoding: str
    """"pcm" or "float"."""
    frames: int
    """Samples per channel actually present (a short data chunk is clamped to the file)."""

    @property
    def duration(self) -> float:
        return self.frames / self.rate


def _fail(path: Path, problem: str, fix: str | None = None) -> AudioError:
    return AudioError(f"{path}: {problem}", fix if fix is not None else _CONVERT_FIX.format(path=path))


def _chunks(path: Path, data: bytes):
    """Yield (chunk id, payload start, payload size) for each RIFF sub-chunk, clamping a short last one."""
    pos = 12
    while pos + 8 <= len(data):
        cid, size = struct.unpack_from("<4sI", data, pos)
        start = pos + 8
        yield cid, start, min(size, len(data) - start)
        pos = start + size + (size & 1)


def _parse(path: Path, data: bytes) -> tuple[WavInfo, memoryview]:
    """Find the format and the sample bytes, or say exactly what is wrong."""
    if len(data) == 0:
        raise _fail(path, "the file is empty (0 bytes)", "record or export the audio again; this file holds nothing")
    if len(data) < 12:
        if b"RIFF".startswith(data[:4]):
            raise _fail(path, f"truncated WAV header ({len(data)} bytes)")
        raise _fail(path, "not a WAV audio file (too short to be one)")
    riff, _, wave_id = struct.unpack_from("<4sI4s", data, 0)
    if riff != b"RIFF" or wave_id != b"WAVE":
        if riff in (b"RIFX", b"RF64", b"BW64"):
            raise _fail(path, f"unsupported WAV variant ({riff.decode()})")
        raise _fail(path, f"not a WAV audio file (it starts with {data[:4]!r})")
    fmt = None
    payload = None
    for cid, start, size in _chunks(path, data):
        if cid == b"fmt ":
            if size < 16:
                raise _fail(path, "truncated WAV header (the fmt chunk is cut short)")
            fmt = struct.unpack_from("<HHIIHH", data, start)
            if fmt[0] == EXTENSIBLE:
                if size < 40:
                    raise _fail(path, "truncated WAV header (the extensible fmt chunk is cut short)")
                fmt = (struct.unpack_from("<H", data, start + 24)[0], *fmt[1:])
        elif cid == b"data" and payload is None:
            payload = memoryview(data)[start:start + size]
        if fmt is not None and payload is not None:
            break
    if fmt is None:
        raise _fail(path, "truncated WAV header (no fmt chunk before the end of the file)")
    tag, channels, rate, _, block, bits = fmt
    if payload is None:
        raise _fail(path, "the file has a WAV header but no audio (no data chunk)",
                    "record or export the audio again; the file was cut off after its header")
    encoding = {PCM: "pcm", IEEE_FLOAT: "float"}.get(tag)
    supported = (encoding == "pcm" and bits in (8, 16, 24, 32)) or (encoding == "float" and bits in (32, 64))
    if not supported:
        raise _fail(path, f"unsupported WAV encoding (format tag 0x{tag:04x}, {bits}-bit)")
    if channels < 1 or rate < 1 or block != channels * bits // 8:
        raise _fail(path, f"corrupt WAV header (channels={channels}, rate={rate}, block align={block})")
    frames = len(payload) // block
    if frames == 0:
        raise _fail(path, "the file holds no samples (its data chunk is empty)",
                    "record or export the audio again; this file holds only a header")
    return WavInfo(rate, channels, bits, encoding, frames), payload[: frames * block]


def _to_float(info: WavInfo, raw: memoryview) -> np.ndarray:
    """Samples as float32 in [-1, 1], shape (frames, channels)."""
    if info.encoding == "float":
        x = np.frombuffer(raw, dtype="<f4" if info.bits == 32 else "<f8").astype(np.float32)
        x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    elif info.bits == 8:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif info.bits == 16:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif info.bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v)).astype(np.float32) / float(1 << 23)
    else:
        x = (np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)).astype(np.float32)
    return x.reshape(-1, info.channels)


def to_int16(x: np.ndarray) -> np.ndarray:
    """Float [-1, 1] to int16, clipping anything louder than full scale."""
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def wav_info(path: str | os.PathLike) -> WavInfo:
    """The header of a WAV file, checked as thoroughly as `read_wav` checks it."""
    p = Path(path)
    return _parse(p, _read_bytes(p))[0]


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise AudioError(f"{path}: no such audio file", "check the path") from None
    except IsADirectoryError:
        raise AudioError(f"{path}: is a folder, not an audio file", "give the path of a .wav file") from None
    except OSError as error:
        raise AudioError(f"{path}: cannot read it ({error.strerror})", "check the file's permissions") from None


def read_wav(path: str | os.PathLike, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Read any PCM or float WAV as int16 mono at `rate` hertz (channels averaged, resampled)."""
    p = Path(path)
    info, raw = _parse(p, _read_bytes(p))
    if info.encoding == "pcm" and info.bits == 16 and info.channels == 1 and info.rate == rate:
        return np.frombuffer(raw, dtype="<i2").astype(np.int16)  # already right: one copy, no float detour
    x = _to_float(info, raw)
    mono = x[:, 0] if info.channels == 1 else x.mean(axis=1, dtype=np.float32)
    return to_int16(resample(mono, info.rate, rate))


def write_wav(path: str | os.PathLike, samples: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """Write mono audio as 16-bit PCM; float input is taken as [-1, 1] and clipped."""
    x = np.asarray(samples)
    if x.dtype.kind == "f":
        x = to_int16(x)
    x = x.astype("<i2", copy=False).reshape(-1)
    # Written beside the target and renamed into place: a reader never sees half a file.
    tmp = f"{os.fspath(path)}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with wave.open(tmp, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(int(rate))
            out.writeframes(x.tobytes())
        os.replace(tmp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise AudioError(f"{path}: cannot write the WAV file ({error.strerror})",
                         "check that the folder exists and is writable") from None
