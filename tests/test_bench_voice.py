"""How `python -m bench voice` scores what the judge heard: the parts that decide what its figures mean.

The voice benchmark itself (rendering, Whisper) runs with `python -m bench voice`, never under pytest.
"""

from __future__ import annotations

import pytest

pytest.importorskip("jiwer", reason="the bench extra is not installed (pip install \".[bench]\")")
pytest.importorskip("whisper_normalizer", reason="the bench extra is not installed (pip install \".[bench]\")")

from bench.voice import _by_length, _judge_floor, tandems_lines, word_errors  # noqa: E402


def test_a_ten_second_hug_heard_as_a_10_second_hug_is_no_error() -> None:
    wer, _ = word_errors(["Even a ten-second hug counts."], ["even a 10-second hug counts"])
    assert wer == 0.0


def test_second_as_an_ordinal_still_counts_when_misheard() -> None:
    wer, _ = word_errors(["You go second."], ["You go first."])
    assert wer > 0


def test_words_every_render_misses_are_the_judge_floor() -> None:
    said = ["Hug?", "Time for a hug."]
    renders = {"piper": (said, ["Hide.", "Time for a hug."]),
               "pyttsx3": (said, ["Hi.", "Time for a hub."])}
    row = _judge_floor(renders, "piper")
    assert row.value == pytest.approx(100 * 1 / 5)  # 'hug' alone, missed by both; the other 'hug' was heard once
    assert "0.00 %" in row.note  # the default voice's other words were all heard


def test_word_error_is_split_by_line_length() -> None:
    said = ["Hug?", "A hug before bedtime?", "Take each other's hands and breathe in slowly together now."]
    table = _by_length({"piper": (said, ["Hide.", "I hug before bedtime.", said[2]])})
    one, short, long = table.rows[0][1:]
    assert one.startswith("100.0 %") and short.startswith("25.0 %") and long.startswith("0.0 %")


def test_every_response_a_couple_can_hear_is_filled_and_fragments_are_not_said_alone() -> None:
    lines = tandems_lines()
    assert lines and all("{" not in line.text for line in lines)
    assert not any(line.key.startswith("clarify_length_") for line in lines)


def test_the_headline_is_the_mean_of_the_renders_with_their_spread_beside_it() -> None:
    from bench.voice import _headline

    row = _headline("piper joe", [5.0, 4.0], "287 lines, 2336 words; 4.9 % counting sound-alikes")
    assert row.value == pytest.approx(4.5) and row.target is not None
    assert "renders 5.00, 4.00 % (spread 1.00 points)" in row.note and row.note.startswith("287 lines")


def test_the_second_judge_is_set_beside_whisper_on_the_same_lines_of_the_same_render() -> None:
    from bench.voice import _second_opinion

    first = (["Hug?", "Okay.", "Sure.", "Got it.", "Time for a hug."],
             ["Hug.", "Okay.", "Sure.", "Got it.", "Time for a hub."])
    row = _second_opinion(["Hug?", "Time for a hug."], ["hug", "time for a hug"], first)
    assert row.value == 0 and row.target is None  # a second opinion, never the target
    assert "Whisper heard the same audio at 20.00 %" in row.note  # 'hub' in 5 words, on lines 1 and 5 only
