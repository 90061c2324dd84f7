"""The speaker: the first sentence sounds while the rest renders, paces and pauses as data, cues on the clock."""

from __future__ import annotations

import random
import time
from datetime import datetime

import numpy as np
import pytest

from assistant.clock import VirtualClock
from assistant.config import Breathing, Settings
from assistant.dialog.setup import build_dialog
from assistant.errors import AudioError
from assistant.journal.journal import Journal
from assistant.loop.events import EventLog
from assistant.loop.listen import SpeechLoop
from assistant.messages import Say
from assistant.speak.chimes import chime
from assistant.speak.loudness import integrated_loudness
from assistant.speak.output import NullOutput, WavTimelineOutput
from assistant.speak.piper_engine import PiperSynth
from assistant.speak.speaker import Speaker
from assistant.audio.wavio import read_wav
from voice_fixtures import espeak_synth, piper_synth, voice_synth  # noqa: F401  (fixtures)

LONG = ("Here is a question for the two of you tonight. What is one small thing your partner did this week that "
        "made your day a little easier, and did you tell them? Take your time, there is no hurry at all.")


class Recorded(NullOutput):
    """The session's timeline, plus the moment (perf counter) each sound was handed over to play."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(clock)
        self.handed: list[tuple[float, int, np.ndarray]] = []

    def play(self, samples, rate, label=""):
        self.handed.append((time.perf_counter(), rate, np.asarray(samples)))
        return super().play(samples, rate, label)


def stretches(x: np.ndarray, rate: int, gap: float = 0.2, threshold: int = 300) -> list[tuple[float, float]]:
    """(start, end) seconds of each run of sound separated by at least `gap` seconds of quiet."""
    loud = np.flatnonzero(np.abs(x.astype(int)) > threshold)
    if not len(loud):
        return []
    breaks = np.flatnonzero(np.diff(loud) > gap * rate)
    starts = np.concatenate([[loud[0]], loud[breaks + 1]])
    ends = np.concatenate([loud[breaks], [loud[-1]]])
    return [(s / rate, (e + 1) / rate) for s, e in zip(starts, ends)]


def test_the_first_sentence_is_handed_to_the_speaker_before_the_rest_is_rendered(voice_synth):
    voice_synth.close()  # nothing cached: every sentence really renders
    clock = VirtualClock()
    out = Recorded(clock)
    rendered: list[float] = []
    original = voice_synth.render

    def render(text, pace=None):
        future = original(text, pace)
        future.add_done_callback(lambda f: rendered.append(time.perf_counter()))
        return future

    voice_synth.render = render
    try:
        spoken = Speaker(voice_synth, out, clock=clock).say(Say("check_in_question", LONG))
    finally:
        del voice_synth.render
    assert spoken.sentences == 3 and len(out.handed) == 3
    first_handed = out.handed[0][0]
    assert first_handed < rendered[-1]  # the first sentence was on its way while the last still rendered
    assert first_handed < max(rendered[1:])
    whole = sum(len(x) for _, _, x in out.handed) / out.handed[0][1]
    assert spoken.end - spoken.start == pytest.approx(whole, abs=1e-3)
    assert [h.label for h in out.spans()] == ["check_in_question"] * 3


def test_sentences_are_queued_in_order_with_the_paces_pause_between(voice_synth, tmp_path):
    clock = VirtualClock()
    out = WavTimelineOutput(tmp_path / "said.wav", clock, rate=voice_synth.rate, origin=0.0)
    speaker = Speaker(voice_synth, out, clock=clock)
    pace = speaker.profile.pace("repair")
    spoken = speaker.say(Say("repair_intro", "Let's pause for a moment. Breathe. Then we'll talk.", "repair"))
    clock.set(spoken.end)
    out.close()
    said = read_wav(tmp_path / "said.wav", voice_synth.rate)
    runs = stretches(said, voice_synth.rate, gap=0.25)
    assert len(runs) == 3
    gaps = [b[0] - a[1] for a, b in zip(runs, runs[1:])]
    assert all(pace.pause <= g <= pace.pause + 0.35 for g in gaps), gaps


def test_bedtime_hours_and_soft_rituals_slow_and_soften_the_voice(voice_synth):
    line = Say("hug_done", "That's your hug. Lovely.")
    day, night = VirtualClock(datetime(2026, 1, 5, 14, 0).astimezone()), VirtualClock(datetime(2026, 1, 5, 22, 30).astimezone())
    spoken = {}
    for name, clock, say in (("day", day, line), ("night", night, line), ("breathing", day, Say("x", line.text, "breathing"))):
        out = Recorded(clock)
        result = Speaker(voice_synth, out, clock=clock).say(say)
        audio = np.concatenate([x for _, _, x in out.handed])
        spoken[name] = (result, audio)
    rate = voice_synth.rate
    (day_said, day_audio), (night_said, night_audio) = spoken["day"], spoken["night"]
    assert (day_said.pace, night_said.pace, spoken["breathing"][0].pace) == ("normal", "bedtime", "breathing")
    assert night_said.duration > 1.08 * day_said.duration
    # bedtime is 3 dB down (volume 0.71); Piper's renders differ in loudness by up to a decibel from one to the
    # next (its noise is random), so a clearly softer night is all that can be asserted on one render each
    assert integrated_loudness(night_audio, rate) < integrated_loudness(day_audio, rate) - 1.0
    assert spoken["breathing"][0].duration > night_said.duration


def test_names_are_respelled_the_way_they_sound(voice_synth):
    out = Recorded(VirtualClock())
    Speaker(voice_synth, out).say(Say("gratitude_prompt", "Niamh, what are you thankful for?", "bedtime"))
    speaker = Speaker(voice_synth, out)
    direct = voice_synth.render("Neeve, what are you thankful for?", speaker.profile.pace("bedtime")).result()
    assert np.array_equal(out.handed[0][2], direct)


def test_a_respelled_name_is_respelled_before_its_possessive_too(voice_synth):
    """"Leah's turn" must not fall back to espeak-ng's "Lee's turn": the name keeps its vowel before 's."""
    out = Recorded(VirtualClock())
    speaker = Speaker(voice_synth, out)
    speaker.say(Say("whose_turn", "It's Leah's turn. Sam started the last one.", "normal"))
    pace = speaker.profile.pace("normal")
    assert np.array_equal(out.handed[0][2], voice_synth.render("It's Leea's turn.", pace).result())


@pytest.mark.parametrize("text, said", [
    ("It's Leah's turn, Leah.", "It's Leea's turn, Leea."),
    ("Leah’s side", "Leea’s side"),
    ("LEAH'S", "Leea'S"),
    ("Leahs and Leah-Jane and O'Leah", "Leahs and Leah-Jane and O'Leah"),
])
def test_respelling_takes_whole_names_and_their_possessives_only(text, said):
    from assistant.speak.text import respell

    assert respell(text, {"Leah": "Leea"}) == said


def test_a_config_pronunciation_reaches_the_voice():
    from assistant.speak.synth import load_synth

    settings = Settings.__new__(Settings)
    object.__setattr__(settings, "voice", __import__("assistant.config", fromlist=["Voice"]).Voice(
        engine="pyttsx3", pronounce=("Siobhan=Shivawn",)))
    synth = load_synth(settings=settings).synth
    assert synth.profile.pronounce["Siobhan"] == "Shivawn" and synth.profile.pronounce["Niamh"] == "Neeve"


class FailingPiper(PiperSynth):
    """The real joe voice, whose renders start failing (as a damaged model or runtime would)."""

    broken = False

    def _synthesize(self, text, pace):
        if self.broken:
            raise AudioError(f"Piper could not render {text[:40]!r} (onnxruntime: bad allocation)", "try another voice")
        return super()._synthesize(text, pace)


def test_a_voice_failing_mid_session_falls_back_to_pyttsx3_and_says_so_in_the_log(tmp_path, espeak_synth):
    pytest.importorskip("piper")
    from assistant.speak.piper_engine import resolve_voice

    try:
        piper = FailingPiper(resolve_voice("en_US-joe-medium"))
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"no joe voice: {error}")
    clock = VirtualClock()
    events = EventLog(tmp_path / "events.jsonl", clock.now)
    out = NullOutput(clock)
    speaker = Speaker(piper, out, clock=clock, on_event=events.emit)
    assert speaker.say(Say("a", "Hug time. Starting now.")).engine == "piper"
    piper.broken = True
    spoken = speaker.say(Say("b", "That's your hug. Lovely."))
    assert spoken.engine == "pyttsx3" and spoken.duration > 0.5
    logged = [e for e in events.events if e["event"] == "speech_fallback"]
    assert len(logged) == 1 and "onnxruntime" in logged[0]["message"] and "pyttsx3" in logged[0]["message"]
    assert speaker.say(Say("c", "Sleep well.")).engine == "pyttsx3"


def test_breathing_cues_land_exactly_on_the_clock_and_fit_their_slots(tmp_path, voice_synth):
    for inhale, exhale in ((4, 6), (3, 4)):
        clock = VirtualClock()
        journal = Journal.open(tmp_path / f"journal-{inhale}.json")
        settings = Settings(breathing=Breathing(inhale=inhale, exhale=exhale))
        dialog = build_dialog(settings, journal, clock, random.Random(5))
        events = EventLog(tmp_path / f"events-{inhale}.jsonl", clock.now)
        out = WavTimelineOutput(tmp_path / f"said-{inhale}.wav", clock, rate=16_000, origin=0.0)
        loop = SpeechLoop(dialog=dialog, recognizer=None, synth=voice_synth, output=out, clock=clock, events=events)
        loop.perform(dialog.start("breathing", seconds=60))
        loop.drain()
        out.close()
        breathing = loop.speaker.profile.pace("breathing")
        spans = out.spans()  # exact Clock times, as the output scheduled them
        intro_end = max(h.end for h in spans if h.label == "breathing_intro")
        cues = [(h.start, h.label[len("chime:"):], h.end) for h in spans if h.label in ("chime:inhale", "chime:exhale")]
        period = inhale + exhale
        fit = 3  # rituals.yaml: no cue with less than cue_seconds left before the end
        expected = sorted([(intro_end + k * period, "inhale") for k in range(60 // period + 1) if 60 - k * period >= fit] +
                          [(intro_end + k * period + inhale, "exhale") for k in range(60 // period + 1)
                           if 60 - (k * period + inhale) >= fit])
        assert [n for _, n, _ in cues] == [n for _, n in expected]
        assert [t for t, _, _ in cues] == pytest.approx([t for t, _ in expected], abs=1e-9)  # exactly on the clock
        words = [(h.end, h.label) for h in spans if h.label in ("breathe_in", "breathe_out")]
        slots = [t for t, _ in expected[1:]] + [intro_end + 60]
        assert len(words) == len(cues)
        for (start, name, chime_end), slot_end, (word_end, key) in zip(cues, slots, words):
            assert key == ("breathe_in" if name == "inhale" else "breathe_out")
            assert chime_end <= word_end <= slot_end, (name, start, word_end, slot_end)  # the word follows, in time
        end_chime = next(h.start for h in spans if h.label == "chime:end")
        assert end_chime == pytest.approx(intro_end + 60, abs=1e-9)
        said = read_wav(tmp_path / f"said-{inhale}.wav")
        for t, name in expected:  # and in the recording, each cue's tone sits on its exact sample
            tone = chime(name, 16_000, loudness=loop.speaker.profile.loudness + 20 * np.log10(breathing.volume))
            first = round(t * 16_000)
            assert np.array_equal(said[first:first + len(tone)], tone)
        journal.close()


def test_a_long_first_sentence_starts_with_its_first_clause(voice_synth):
    from assistant.speak.text import split_first_clause

    assert split_first_clause("Hug time, a minute and a half.") == ("Hug time,", "a minute and a half.")
    assert split_first_clause("Sam, what are you thankful for?") is None  # short: said whole
    assert split_first_clause("Hugging for a minute and a half, nice.") is None  # nothing worth cutting off
    out = Recorded(VirtualClock(datetime(2026, 1, 5, 14, 0).astimezone()))
    speaker = Speaker(voice_synth, out)
    spoken = speaker.say(Say("hug_intro", "Hug time, a minute and a half. Starting now."))
    assert spoken.sentences == 2 and len(out.handed) == 3  # two sentences, the first in two parts
    first, second, _ = (x for _, _, x in out.handed)
    assert len(first) < len(second)  # the clause alone is quicker to render than the sentence
    rate = voice_synth.rate
    lead = np.flatnonzero(np.abs(second.astype(int)) > 300)[0] / rate
    assert speaker.profile.pace("normal").clause_pause <= lead < speaker.profile.pace("normal").pause + 0.1
