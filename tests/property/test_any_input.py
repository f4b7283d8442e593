"""Any text up to Telegram's 4096 characters gets an answer or a question, fast, without raising."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from domain.parsing import ScheduleRequest, ScheduleTime, TimeQuestion, parse_request, parse_when
from postlater.cli_parse import message_output

MAX_MESSAGE = 4096  # Telegram's longest text message, in characters

# Far above the parser's usual time of well under a millisecond per message, so
# that a loaded CI machine does not fail the test, and far below what a
# quadratic slip on 4096 characters costs.
TIME_LIMIT = 0.25  # seconds

NOW = datetime(2026, 3, 27, 16, 40, tzinfo=ZoneInfo("Europe/Berlin"))
CHATHAM = ZoneInfo("Pacific/Chatham")

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Pieces that stress the tokenizer and the readers when repeated or mixed:
# digit runs, colons, every kind of quote, dates, durations, and words and
# digits of other scripts (Arabic-Indic, full-width, Devanagari, Cyrillic).
_PIECES = (
    "9", "0", "99999999999", "12", ":", "::", ".", "/", "-", "+", "'", '"', "“", "”", "„",
    "«", "»", "‘", "’", "@", "\n", " ", "  ", "\t", ",", "at", "in", "on", "to", "the",
    "tomorrow", "tonight", "next", "monday", "march", "9am", "9:30", "1h", "30m", "and",
    "a", "half", "hours", "days", "post", "tweet", "X", "LinkedIn", "my channel",
    "@acme_news", "31.03.", "03/04", "2026-03-31", "1.5", "½", "٣", "०९", "０９:００",
    "中文", "Привет", "🙂", "\u0301", "\u200b", "\ufeff", "\ud800", "\x00",
)  # fmt: skip

pathological_texts = st.lists(st.sampled_from(_PIECES), max_size=1200).map(
    lambda pieces: "".join(pieces)[:MAX_MESSAGE]
)


def _check_request(text: str) -> None:
    started = time.perf_counter()
    request = parse_request(text, now=NOW, tz=CHATHAM)
    seconds = time.perf_counter() - started

    assert seconds < TIME_LIMIT, f"parse_request took {seconds:.3f} s"
    assert request is None or isinstance(request, ScheduleRequest)
    if request is not None and isinstance(request.time, ScheduleTime):
        assert request.time.run_at.tzinfo is UTC


def _check_when(text: str) -> None:
    started = time.perf_counter()
    result = parse_when(text, now=NOW, tz=CHATHAM)
    seconds = time.perf_counter() - started

    assert seconds < TIME_LIMIT, f"parse_when took {seconds:.3f} s"
    assert isinstance(result, ScheduleTime | TimeQuestion)


@SETTINGS
@given(st.text(max_size=MAX_MESSAGE))
@example("9" * MAX_MESSAGE)
@example(":" * MAX_MESSAGE)
@example('"' * MAX_MESSAGE)
@example("“" * MAX_MESSAGE)
@example("'a" * (MAX_MESSAGE // 2))
@example("1:" * (MAX_MESSAGE // 2))
@example("9." * (MAX_MESSAGE // 2))
@example("1/" * (MAX_MESSAGE // 2))
@example("post to X in " + "1h" * 2040)
@example("post to X " + "tomorrow " * 450)
@example("X " + "9 " * 2046)
@example("post " + "\n" * 4091)
def test_parse_request_answers_any_text(text: str) -> None:
    _check_request(text)


@SETTINGS
@given(pathological_texts)
def test_parse_request_answers_pathological_text(text: str) -> None:
    _check_request(text)


@SETTINGS
@given(st.text(max_size=MAX_MESSAGE))
@example("9" * MAX_MESSAGE)
@example("in " + "2 hours and " * 370)
@example("0" * 4300)
def test_parse_when_answers_any_text(text: str) -> None:
    _check_when(text)


@SETTINGS
@given(pathological_texts)
def test_parse_when_answers_pathological_text(text: str) -> None:
    _check_when(text)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(pathological_texts)
def test_cli_output_is_json_for_any_text(text: str) -> None:
    output = message_output(text, now=NOW, tz=CHATHAM, date_order=None)

    assert set(output) == {"run_at", "platforms", "content", "ask"}
    assert json.loads(json.dumps(output)) == output
