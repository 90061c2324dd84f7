"""Any sequence of journal operations leaves exactly what a plain dictionary says it should,
in memory, after reopening, and as seen by a second process-like reader (hypothesis)."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.journal import Journal, Moment, storage

START = datetime(2026, 1, 1, 12, 0).astimezone()

ops = st.lists(
    st.one_of(
        st.tuples(st.just("record"), st.integers(0, 120), st.sampled_from(["hug", "walk", "gratitude"])),
        st.tuples(st.just("begin"), st.integers(0, 120), st.just("hug")),
        st.tuples(st.just("finish"), st.integers(0, 50), st.sampled_from(["completed", "partial", "cancelled"])),
        st.tuples(st.just("rate"), st.integers(0, 50), st.integers(1, 5)),
        st.tuples(st.just("forget_text"), st.integers(0, 50), st.just(None)),
        st.tuples(st.just("forget_last"), st.just(0), st.just(None)),
        st.tuples(st.just("reopen"), st.just(0), st.just(None)),
    ),
    max_size=25,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops)
def test_the_journal_agrees_with_a_simple_model(sequence) -> None:
    storage.MIN_LOG_BEFORE_COMPACT, saved = 1500, storage.MIN_LOG_BEFORE_COMPACT  # compact often
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "journal.json"
            journal = Journal.open(path)
            reader = Journal.open(path)
            model: dict[str, Moment] = {}
            for step, (op, n, arg) in enumerate(sequence):
                ids = sorted(model)
                target = ids[n % len(ids)] if ids else None
                if op == "record":
                    m = journal.record(Moment(arg, START + timedelta(days=n, minutes=step), texts=["t"]))
                    model[m.id] = m
                elif op == "begin":
                    m = Moment(arg, START + timedelta(days=n, minutes=step))
                    journal.begin(m)
                    model[m.id] = m.with_(status="running")
                elif op == "finish" and target:
                    model[target] = journal.finish(target, status=arg, actual_seconds=n)
                elif op == "rate" and target:
                    model[target] = journal.rate(target, arg)
                elif op == "forget_text" and target:
                    model[target] = journal.forget_text(target)
                elif op == "forget_last" and model:
                    latest = max(model.values(), key=lambda m: m.started)
                    assert journal.forget(last=True) == 1
                    del model[latest.id]
                elif op == "reopen":
                    journal.close()
                    journal = Journal.open(path)
                expected = sorted(model.values(), key=lambda m: m.started)
                assert journal.moments() == expected
                assert reader.moments() == expected
            journal.close()
            assert Journal.open(path).moments() == sorted(model.values(), key=lambda m: m.started)
    finally:
        storage.MIN_LOG_BEFORE_COMPACT = saved
