"""A WAV file and the microphone both arrive as timestamped chunks; a lost microphone is noticed and retried."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.audio.resample import StreamResampler, resample
from assistant.audio.sources import MicSource, WavSource, reopen_with_backoff
from assistant.audio.wavio import write_wav
from assistant.clock import VirtualClock
from assistant.errors import AudioError, DeviceLost
from fake_sounddevice import FakeSoundDevice

RATE = 16_000


def ramp(n: int) -> np.ndarray:
    return (np.arange(n) % 30_000).astype(np.int16)


def test_a_wav_source_yields_20_ms_chunks_with_their_start_times(tmp_path):
    samples = ramp(RATE + 100)
    write_wav(tmp_path / "s.wav", samples, RATE)
    chunks = list(WavSource(tmp_path / "s.wav"))
    assert len(chunks) == 51
    assert [c.timestamp for c in chunks[:3]] == [0.0, 0.02, 0.04]
    assert chunks[-1].timestamp == pytest.approx(1.0) and len(chunks[-1].samples) == 100
    assert all(len(c.samples) == 320 and c.rate == RATE for c in chunks[:-1])
    assert np.array_equal(np.concatenate([c.samples for c in chunks]), samples)


def test_a_wav_source_converts_the_file_it_is_given(tmp_path):
    write_wav(tmp_path / "cd.wav", np.zeros(44_100, dtype=np.int16), 44_100)
    source = WavSource(tmp_path / "cd.wav", chunk_seconds=0.1)
    assert source.duration == pytest.approx(1.0) and len(source) == 10


def test_a_wav_source_on_a_virtual_clock_moves_the_clock_with_the_audio():
    clock = VirtualClock(t0=5.0)
    seen = []
    for chunk in WavSource.from_samples(np.zeros(RATE // 2, dtype=np.int16), chunk_seconds=0.1, clock=clock):
        seen.append((chunk.timestamp, clock.now()))
    assert seen[0] == (0.0, pytest.approx(5.1)) and seen[-1] == (pytest.approx(0.4), pytest.approx(5.5))


def test_a_wav_source_that_is_not_audio_fails_before_the_session_starts(tmp_path):
    (tmp_path / "x.wav").write_text("hello")
    with pytest.raises(AudioError, match="not a WAV"):
        WavSource(tmp_path / "x.wav")


# The microphone, with sounddevice faked at the edge.

def test_the_microphone_opens_at_16_khz_and_yields_timestamped_chunks():
    sd = FakeSoundDevice()
    mic = MicSource("kitchen", sd=sd, origin=10.0)
    stream = sd.streams[0]
    assert stream.samplerate == RATE and stream.kwargs["dtype"] == "int16" and stream.kwargs["channels"] == 1
    for i in range(3):
        stream.push(ramp(320) + i)
    mic.close()
    chunks = list(mic)
    assert [c.timestamp for c in chunks] == [10.0, 10.02, 10.04]
    assert chunks[2].samples[0] == 2


def test_a_microphone_that_only_runs_at_48_khz_is_resampled_to_16_khz():
    sd = FakeSoundDevice(input_rates=(48_000,))
    mic = MicSource(0, sd=sd)
    stream = sd.streams[0]
    assert stream.samplerate == 48_000
    t = np.arange(48_000) / 48_000
    x = np.round(8000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16)
    for block in np.split(x, 50):
        stream.push(block)
    mic.close()
    y = np.concatenate([c.samples for c in mic])
    assert abs(len(y) - RATE) < 40
    freqs = np.fft.rfftfreq(len(y), 1 / RATE)
    assert freqs[np.argmax(np.abs(np.fft.rfft(y)))] == pytest.approx(300, abs=2)


def test_a_stereo_only_microphone_is_mixed_down_to_mono():
    sd = FakeSoundDevice(input_channels=(2,))
    mic = MicSource("headset", sd=sd)
    stream = sd.streams[0]
    assert stream.kwargs["channels"] == 2 and stream.samplerate == RATE
    stream.push(np.stack([np.full(320, 1000), np.full(320, 3000)], axis=1))
    mic.close()
    chunk, = list(mic)
    assert chunk.samples.shape == (320,) and set(chunk.samples) == {2000}


def test_a_microphone_pulled_out_mid_stream_raises_device_lost_after_what_it_heard():
    sd = FakeSoundDevice()
    mic = MicSource(sd=sd)
    stream = sd.streams[0]
    stream.push(ramp(320))
    stream.push(ramp(320))
    stream.vanish()
    heard = []
    with pytest.raises(DeviceLost):
        for chunk in mic:
            heard.append(chunk)
    assert len(heard) == 2  # nothing recorded is lost


def test_a_microphone_that_goes_silent_is_taken_as_lost():
    sd = FakeSoundDevice()
    mic = MicSource(sd=sd, stall_seconds=0.05)
    with pytest.raises(DeviceLost, match="stopped sending audio"):
        next(iter(mic))


def test_input_overflows_are_counted():
    sd = FakeSoundDevice()
    mic = MicSource(sd=sd)
    sd.streams[0].push(ramp(320), overflow=True)
    sd.streams[0].push(ramp(320))
    assert mic.overflows == 1


def test_no_microphone_is_a_clear_error_with_a_fix():
    sd = FakeSoundDevice(devices=[{"name": "HDMI", "max_input_channels": 0, "max_output_channels": 2,
                                   "default_samplerate": 48_000.0, "hostapi": 0}], default=(-1, 0))
    with pytest.raises(AudioError) as caught:
        MicSource(sd=sd)
    assert "no microphone" in caught.value.what and "plug in" in caught.value.fix


def test_a_microphone_that_cannot_be_opened_says_which_and_why():
    sd = FakeSoundDevice()
    sd.fail_open = True
    with pytest.raises(AudioError, match="USB Kitchen Mic"):
        MicSource(sd=sd)


def test_reopening_waits_longer_each_time_until_the_microphone_is_back():
    clock = VirtualClock()
    attempts = []

    def factory():
        attempts.append(clock.now())
        if len(attempts) < 4:
            raise DeviceLost("gone", "plug it in")
        return "mic"

    assert reopen_with_backoff(factory, clock) == "mic"
    assert attempts == [0.0, 0.5, 1.5, 3.5]


def test_reopening_gives_up_after_the_longest_wait():
    clock = VirtualClock()

    def factory():
        raise AudioError("no microphone", "plug one in")

    with pytest.raises(AudioError, match="no microphone"):
        reopen_with_backoff(factory, clock, max_wait=10.0)
    assert clock.now() <= 10.0


def test_reopening_caps_the_wait_between_tries():
    clock = VirtualClock()
    waits = []
    tries = iter(range(12))

    def factory():
        if next(tries) < 11:
            raise DeviceLost("gone")
        return True

    reopen_with_backoff(factory, clock, max_delay=4.0, on_retry=lambda n, delay, error: waits.append(delay))
    assert waits[:5] == [0.5, 1.0, 2.0, 4.0, 4.0] and max(waits) == 4.0


@pytest.mark.parametrize("rate_in", [44_100, 48_000, 22_050, 8_000])
def test_resampling_a_stream_block_by_block_equals_resampling_it_whole(rate_in):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(rate_in).astype(np.float32)
    resampler = StreamResampler(rate_in, RATE)
    out, i = [], 0
    while i < len(x):
        n = int(rng.integers(1, 1500))
        out.append(resampler.process(x[i:i + n]))
        i += n
    out.append(resampler.flush())
    expected = resample(x, rate_in, RATE)
    got = np.concatenate(out)
    assert len(got) == len(expected) and np.allclose(got, expected, atol=1e-6)
