"""What Tandem says lands on one timeline: after what is queued, cut by "stop", written to a WAV at the right times."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.audio.wavio import read_wav
from assistant.clock import VirtualClock
from assistant.errors import DeviceLost
from assistant.speak.chimes import chime, chime_duration
from assistant.speak.output import NullOutput, SoundDeviceOutput, WavTimelineOutput
from fake_sounddevice import FakeSoundDevice

RATE = 16_000


def tone(seconds: float, rate: int = RATE, freq: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return np.round(8000 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def sounding(x: np.ndarray, threshold: int = 200) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of sound separated by at least 0.2 s of silence."""
    loud = np.flatnonzero(np.abs(x.astype(int)) > threshold)
    if not len(loud):
        return []
    breaks = np.flatnonzero(np.diff(loud) > 0.2 * RATE)
    starts = np.concatenate([[loud[0]], loud[breaks + 1]])
    ends = np.concatenate([loud[breaks], [loud[-1]]])
    return [(s / RATE, (e + 1) / RATE) for s, e in zip(starts, ends)]


def test_a_90_second_hug_leaves_the_end_chime_at_90_seconds_in_said_wav(tmp_path):
    clock = VirtualClock()
    out = WavTimelineOutput(tmp_path / "said.wav", clock, origin=0.0)
    out.play(tone(1.5), RATE, "say:intro")
    hug = out.play(chime("start"), RATE, "chime:start")
    assert hug.start == 1.5
    while clock.now() < hug.start + 90.0 - 1e-9:  # the loop ticking through the hug, 20 ms at a time
        clock.advance(0.02)
    out.play(chime("end"), RATE, "chime:end")
    out.play(tone(2.0, freq=330), RATE, "say:closing")
    clock.advance(5.0)
    out.close()
    said = read_wav(tmp_path / "said.wav")
    assert len(said) == pytest.approx(max(clock.now(), out.spans()[-1].end) * RATE, abs=1)
    stretches = sounding(said)
    assert stretches[0][0] == pytest.approx(0.0, abs=0.01)
    assert stretches[-1][0] == pytest.approx(91.5, abs=0.05)  # the end chime
    assert stretches[-1][1] == pytest.approx(91.5 + chime_duration("end") + 2.0, abs=0.05)
    assert [s.label for s in out.spans()] == ["say:intro", "chime:start", "chime:end", "say:closing"]


def test_sounds_queue_one_after_another():
    clock = VirtualClock()
    out = NullOutput(clock)
    first = out.play(tone(1.0), RATE, "a")
    second = out.play(tone(0.5), RATE, "b")
    assert (first.start, first.end) == (0.0, 1.0)
    assert (second.start, second.end) == (1.0, 1.5)
    assert out.busy_until() == 1.5
    clock.advance(2.0)
    assert out.busy_until() == 2.0  # idle: busy until now
    third = out.play(tone(0.25), RATE, "c")
    assert third.start == 2.0


def test_queued_sounds_are_written_back_to_back_without_gaps(tmp_path):
    clock = VirtualClock()
    out = WavTimelineOutput(tmp_path / "q.wav", clock)
    for _ in range(3):
        out.play(tone(0.3), RATE)
    out.close()
    said = read_wav(tmp_path / "q.wav")
    assert len(said) == round(0.9 * RATE) and sounding(said) == [(pytest.approx(0.0, abs=1e-3), pytest.approx(0.9, abs=1e-3))]


def test_stop_cuts_what_is_playing_and_drops_what_is_queued(tmp_path):
    clock = VirtualClock()
    out = WavTimelineOutput(tmp_path / "stop.wav", clock)
    out.play(tone(2.0), RATE, "say:long")
    out.play(chime("end"), RATE, "chime:end")
    clock.advance(0.5)
    assert out.is_playing(0.4)
    out.stop()
    assert out.busy_until() == 0.5 and not out.is_playing(0.6)
    assert [(s.label, s.start, s.end) for s in out.spans()] == [("say:long", 0.0, 0.5)]
    clock.advance(1.0)
    after = out.play(tone(0.2, freq=660), RATE, "say:stopped")
    assert after.start == 1.5
    out.close()
    stretches = sounding(read_wav(tmp_path / "stop.wav"))
    assert stretches[0][1] == pytest.approx(0.5, abs=0.01)
    assert stretches[1][0] == pytest.approx(1.5, abs=0.01) and len(stretches) == 2


def test_the_cut_fades_out_rather_than_clicking(tmp_path):
    clock = VirtualClock()
    out = WavTimelineOutput(tmp_path / "fade.wav", clock)
    out.play(np.full(RATE, 10000, dtype=np.int16), RATE)
    clock.advance(0.5)
    out.stop()
    out.close()
    said = read_wav(tmp_path / "fade.wav").astype(int)
    assert said[RATE // 2 - 1] < 200 and said[RATE // 2 - 200] == 10000


def test_overlaps_tells_the_loop_when_it_might_hear_itself():
    clock = VirtualClock()
    out = NullOutput(clock)
    out.play(tone(1.0), RATE)
    assert out.overlaps(0.9, 1.2)
    assert not out.overlaps(1.1, 1.5)
    assert out.overlaps(1.1, 1.5, tail=0.2)  # the room's echo


def test_audio_at_another_rate_is_resampled_onto_the_timeline(tmp_path):
    clock = VirtualClock()
    out = WavTimelineOutput(tmp_path / "r.wav", clock)
    handle = out.play(tone(1.0, 22_050), 22_050)
    assert handle.end == pytest.approx(1.0, abs=1e-4)
    out.close()
    assert len(read_wav(tmp_path / "r.wav")) == RATE


def test_sounds_in_the_past_are_written_out_as_the_session_goes(tmp_path):
    clock = VirtualClock()
    out = WavTimelineOutput(tmp_path / "long.wav", clock)
    for _ in range(20):
        out.play(tone(0.1), RATE)
        clock.advance(60.0)
    assert len(out._pending) <= 1  # not the whole session in memory
    out.close()
    assert len(sounding(read_wav(tmp_path / "long.wav"))) == 20


def test_the_timeline_can_start_later_than_the_clock(tmp_path):
    clock = VirtualClock(t0=100.0)
    out = WavTimelineOutput(tmp_path / "o.wav", clock)
    clock.advance(1.0)
    out.play(tone(0.5), RATE)
    clock.advance(1.0)
    out.close()
    assert sounding(read_wav(tmp_path / "o.wav"))[0][0] == pytest.approx(1.0, abs=0.01)


# The speaker, with sounddevice faked at the edge.

def test_the_speaker_callback_plays_queued_sounds_in_order_then_silence():
    sd = FakeSoundDevice()
    clock = VirtualClock()
    out = SoundDeviceOutput("speaker", clock, rate=RATE, sd=sd, latency=0.0)
    stream = sd.streams[0]
    a, b = np.full(500, 1000, dtype=np.int16), np.full(300, -2000, dtype=np.int16)
    ha, hb = out.play(a, RATE, "a"), out.play(b, RATE, "b")
    assert hb.start == ha.end
    got = np.concatenate([stream.pull(256) for _ in range(4)])
    assert np.array_equal(got[:500], a) and np.array_equal(got[500:800], b) and not got[800:].any()


def test_stop_on_the_speaker_silences_it_at_once():
    sd = FakeSoundDevice()
    out = SoundDeviceOutput(None, VirtualClock(), rate=RATE, sd=sd)
    stream = sd.streams[0]
    out.play(np.full(RATE, 1000, dtype=np.int16), RATE)
    out.play(np.full(RATE, 2000, dtype=np.int16), RATE)
    assert stream.pull(256).all()
    out.stop()
    assert not stream.pull(256).any()
    out.play(np.full(100, 3000, dtype=np.int16), RATE)
    assert list(stream.pull(256)[:100]) == [3000] * 100


def test_the_speaker_resamples_to_its_own_rate():
    sd = FakeSoundDevice()
    out = SoundDeviceOutput(None, VirtualClock(), sd=sd)
    assert out.rate == 48_000
    handle = out.play(tone(0.5), RATE)
    assert handle.duration == pytest.approx(0.5, abs=1e-3)
    assert sum(int(np.count_nonzero(sd.streams[0].pull(4800))) for _ in range(6)) > 20_000


def test_a_stereo_only_speaker_gets_the_same_sound_on_both_channels():
    sd = FakeSoundDevice(output_channels=(2,))
    out = SoundDeviceOutput("speaker bar", VirtualClock(), rate=RATE, sd=sd)
    out.play(np.full(100, 1500, dtype=np.int16), RATE)
    got = sd.streams[0].pull(128)
    assert got.shape == (128, 2) and np.array_equal(got[:, 0], got[:, 1]) and got[:100, 0].tolist() == [1500] * 100


def test_a_speaker_that_vanishes_is_reported_on_the_next_play():
    sd = FakeSoundDevice()
    out = SoundDeviceOutput(None, VirtualClock(), sd=sd)
    sd.streams[0].vanish()
    with pytest.raises(DeviceLost):
        out.play(tone(0.1), RATE)
