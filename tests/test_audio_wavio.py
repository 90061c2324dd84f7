"""Any WAV a couple (or a test) hands Tandem is converted to 16 kHz mono int16, or refused clearly."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.wavio import read_wav, wav_info, write_wav
from assistant.errors import AudioError

RATE = 16_000


def tone(seconds: float, rate: int, freq: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return amp * np.sin(2 * np.pi * freq * t)


def riff(fmt_tag: int, channels: int, rate: int, bits: int, payload: bytes, *, extensible: bool = False,
         declared: int | None = None) -> bytes:
    """A WAV file built byte by byte, so every encoding can be tried without any library's help."""
    block = channels * bits // 8
    if extensible:
        guid = struct.pack("<H", fmt_tag) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * block, block, bits, 22, bits, 0) + guid
    else:
        fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * block, block, bits)
    size = len(payload) if declared is None else declared
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def encode(x: np.ndarray, bits: int, kind: str = "pcm") -> bytes:
    """Float samples (frames, or frames x channels) in [-1, 1] as little-endian bytes."""
    x = np.asarray(x)
    if kind == "float":
        return x.astype("<f4" if bits == 32 else "<f8").tobytes()
    if bits == 8:
        return np.clip(np.round(x * 127 + 128), 0, 255).astype(np.uint8).tobytes()
    if bits == 24:
        v = np.round(x * (2 ** 23 - 1)).astype("<i4").reshape(-1)
        return np.stack([v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF], axis=1).astype(np.uint8).tobytes()
    return np.round(x * (2 ** (bits - 1) - 1)).astype(f"<i{bits // 8}").tobytes()


def dominant_hz(x: np.ndarray, rate: int = RATE) -> float:
    spectrum = np.abs(np.fft.rfft(x.astype(float)))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


def put(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("bits,kind", [(8, "pcm"), (16, "pcm"), (24, "pcm"), (32, "pcm"), (32, "float"), (64, "float")])
def test_every_sample_width_reads_as_the_same_16_bit_audio(tmp_path, bits, kind):
    x = tone(0.5, RATE)
    path = put(tmp_path, f"tone{bits}{kind}.wav", riff(3 if kind == "float" else 1, 1, RATE, bits, encode(x, bits, kind)))
    got = read_wav(path)
    assert got.dtype == np.int16 and len(got) == len(x)
    tolerance = 300 if bits == 8 else 2  # 8-bit audio is coarse by nature
    assert np.max(np.abs(got.astype(int) - np.round(x * 32767))) <= tolerance


def test_a_44_1_khz_stereo_file_becomes_16_khz_mono(tmp_path):
    left, right = tone(1.0, 44_100, 440), tone(1.0, 44_100, 440, amp=0.1)
    stereo = np.stack([left, right], axis=1)
    got = read_wav(put(tmp_path, "stereo.wav", riff(1, 2, 44_100, 16, encode(stereo, 16))))
    assert len(got) == RATE
    assert dominant_hz(got) == pytest.approx(440, abs=2)
    middle = got[2000:-2000] / 32767
    assert np.max(np.abs(middle)) == pytest.approx(0.3, abs=0.01)  # the two channels averaged


def test_an_8_khz_file_is_upsampled_without_changing_pitch(tmp_path):
    got = read_wav(put(tmp_path, "phone.wav", riff(1, 1, 8_000, 16, encode(tone(1.0, 8_000, 300), 16))))
    assert len(got) == RATE and dominant_hz(got) == pytest.approx(300, abs=2)


def test_wave_format_extensible_24_bit_is_read(tmp_path):
    x = tone(0.25, 48_000)
    got = read_wav(put(tmp_path, "ext.wav", riff(1, 1, 48_000, 24, encode(x, 24), extensible=True)))
    assert len(got) == 4000 and dominant_hz(got) == pytest.approx(440, abs=5)


def test_clipped_float_audio_is_clipped_not_wrapped_around(tmp_path):
    x = tone(0.2, RATE, amp=3.0)  # far beyond full scale, as a careless float export can be
    got = read_wav(put(tmp_path, "hot.wav", riff(3, 1, RATE, 32, encode(x, 32, "float"))))
    assert got.max() == 32767 and got.min() == -32768
    assert np.all(np.sign(got[np.abs(x) > 0.1]) == np.sign(x[np.abs(x) > 0.1]))


def test_nan_in_float_audio_reads_as_silence(tmp_path):
    x = np.array([0.5, np.nan, -0.5, np.inf], dtype=np.float32)
    got = read_wav(put(tmp_path, "nan.wav", riff(3, 1, RATE, 32, x.tobytes())))
    assert list(got) == [16384, 0, -16384, 32767]


def test_a_silent_file_reads_as_silence(tmp_path):
    got = read_wav(put(tmp_path, "quiet.wav", riff(1, 1, RATE, 16, bytes(2 * RATE))))
    assert len(got) == RATE and not got.any()


def test_a_file_of_several_minutes_reads_whole(tmp_path):
    minutes = 3
    x = np.tile(encode(tone(1.0, 44_100, 1000, 0.2), 16), 60 * minutes)
    got = read_wav(put(tmp_path, "long.wav", riff(1, 1, 44_100, 16, bytes(x))))
    assert len(got) == 60 * minutes * RATE


def test_a_data_chunk_cut_short_reads_what_is_there(tmp_path):
    payload = encode(tone(1.0, RATE), 16)
    path = put(tmp_path, "cut.wav", riff(1, 1, RATE, 16, payload, declared=len(payload) * 4))
    assert len(read_wav(path)) == RATE


def test_streamed_wav_with_unknown_length_reads(tmp_path):
    payload = encode(tone(0.5, RATE), 16)
    path = put(tmp_path, "stream.wav", riff(1, 1, RATE, 16, payload, declared=0xFFFFFFFF))
    assert len(read_wav(path)) == RATE // 2


def test_extra_chunks_before_the_audio_are_skipped(tmp_path):
    data = riff(1, 1, RATE, 16, encode(tone(0.1, RATE), 16))
    odd = b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\x00"  # odd size: padded to even
    data = data[:12] + odd + data[12:]
    assert len(read_wav(put(tmp_path, "list.wav", data))) == 1600


def test_read_at_another_rate_for_the_speaker(tmp_path):
    path = put(tmp_path, "a.wav", riff(1, 1, RATE, 16, encode(tone(1.0, RATE), 16)))
    assert len(read_wav(path, rate=48_000)) == 48_000


def test_wav_info_reports_the_header(tmp_path):
    path = put(tmp_path, "i.wav", riff(3, 2, 44_100, 32, encode(np.zeros((441, 2)), 32, "float")))
    info = wav_info(path)
    assert (info.rate, info.channels, info.bits, info.encoding, info.frames) == (44_100, 2, 32, "float", 441)


def test_written_audio_reads_back_the_same(tmp_path):
    x = np.round(tone(0.3, RATE) * 32767).astype(np.int16)
    write_wav(tmp_path / "out.wav", x, RATE)
    assert np.array_equal(read_wav(tmp_path / "out.wav"), x)


def test_write_wav_takes_float_audio_and_clips_it(tmp_path):
    write_wav(tmp_path / "f.wav", np.array([0.0, 0.5, 2.0, -2.0]), RATE)
    assert list(read_wav(tmp_path / "f.wav")) == [0, 16384, 32767, -32768]


# Broken files: each refused with a message naming the file and the problem, and a fix.

def refused(path: Path, words: str) -> AudioError:
    with pytest.raises(AudioError) as caught:
        read_wav(path)
    error = caught.value
    assert str(path) in error.what and words in error.what, error.what
    assert error.fix
    return error


def test_an_empty_file_is_refused_as_empty(tmp_path):
    refused(put(tmp_path, "empty.wav", b""), "empty")


def test_a_text_file_named_wav_is_refused_as_not_audio(tmp_path):
    error = refused(put(tmp_path, "notes.wav", b"remember to buy milk\n" * 10), "not a WAV")
    assert "sox" in error.fix


def test_a_truncated_header_is_refused(tmp_path):
    whole = riff(1, 1, RATE, 16, encode(tone(0.1, RATE), 16))
    refused(put(tmp_path, "t1.wav", whole[:8]), "truncated")
    refused(put(tmp_path, "t2.wav", whole[:24]), "truncated")


def test_a_header_without_samples_is_refused(tmp_path):
    refused(put(tmp_path, "h.wav", riff(1, 1, RATE, 16, b"")), "no samples")
    whole = riff(1, 1, RATE, 16, b"")
    refused(put(tmp_path, "h2.wav", whole[:-8]), "no audio")


def test_an_unsupported_encoding_is_refused(tmp_path):
    refused(put(tmp_path, "alaw.wav", riff(6, 1, 8000, 8, bytes(800))), "unsupported")
    refused(put(tmp_path, "odd.wav", riff(1, 1, RATE, 12, bytes(300))), "unsupported")


def test_a_missing_file_and_a_folder_are_refused(tmp_path):
    refused(tmp_path / "nope.wav", "no such")
    refused(tmp_path, "folder")


def test_an_mp3_is_refused_as_not_a_wav(tmp_path):
    refused(put(tmp_path, "song.wav", b"ID3\x04\x00" + bytes(200)), "not a WAV")


@pytest.mark.skipif(not shutil.which("sox"), reason="sox is not installed")
@pytest.mark.parametrize("args", [["-r", "44100", "-c", "2"], ["-b", "8"], ["-b", "24"], ["-e", "floating-point", "-b", "32"],
                                  ["-r", "22050", "-e", "floating-point", "-b", "64"]])
def test_files_made_by_sox_read_correctly(tmp_path, args):
    source = tmp_path / "src.wav"
    write_wav(source, np.round(tone(1.0, RATE, 523) * 32767).astype(np.int16), RATE)
    out = tmp_path / "converted.wav"
    subprocess.run(["sox", str(source), *args, str(out)], check=True)
    got = read_wav(out)
    assert abs(len(got) - RATE) <= 2 and dominant_hz(got) == pytest.approx(523, abs=2)
