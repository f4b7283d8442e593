"""Generated schedule requests and time phrases, checked against the oracle.

Hypothesis composes each message from parts (a day, a clock time, a duration,
platforms, content) and draws "now" from the reference instants of one zone.
The oracle computes the expected answer from the parts alone. A second test
runs a fixed sample at every reference instant of every zone, so each instant
is covered on every run. Faults found this way are kept in REGRESSIONS below
and, with their reasons, in tests/data/corpus/found_en.jsonl.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.property.answers import mismatch, when_mismatch
from tests.property.instants import ZONES, reference_instants
from tests.property.oracle import (
    BareHour,
    CalendarDate,
    CalendarShift,
    Clock,
    DayOffset,
    DayOfMonth,
    DayPart,
    Elapsed,
    HourInPart,
    Weekday,
    When,
)
from tests.property.phrases import (
    GeneratedRequest,
    RandomChooser,
    TimedCase,
    choose_request,
    choose_when,
)

T = TypeVar("T")

# Cases per zone and reference instant in the fixed sample: with about 520
# instants, about 6000 requests.
CASES_PER_INSTANT = 12

DATE_ORDERS = (None, None, "dmy", "mdy")

# The generated suite is deterministic, so that CI runs the same examples
# every time; 15 zones of 150 examples each take about 10 s on one core.
# PARSER_EXAMPLES raises the count for a longer search on a workstation.
EXAMPLES = int(os.environ.get("PARSER_EXAMPLES", "150"))
GENERATED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class _DrawChooser:
    """A Chooser that draws from Hypothesis, so that failing cases shrink."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw

    def choice(self, options: Sequence[T]) -> T:
        return self._draw(st.sampled_from(options))

    def integer(self, low: int, high: int) -> int:
        return self._draw(st.integers(low, high))


@st.composite
def timed_cases(draw: st.DrawFn, zone: str) -> TimedCase:
    request = choose_request(_DrawChooser(draw))
    now = draw(st.sampled_from(reference_instants(zone)))
    date_order = draw(st.sampled_from(DATE_ORDERS))
    return TimedCase(request, now, zone, date_order)


@st.composite
def time_phrases(draw: st.DrawFn, zone: str) -> tuple[When, str, datetime, str | None]:
    when, phrase = choose_when(_DrawChooser(draw))
    now = draw(st.sampled_from(reference_instants(zone)))
    return when, phrase, now, draw(st.sampled_from(DATE_ORDERS))


@pytest.mark.parametrize("zone", ZONES)
@GENERATED
@given(data=st.data())
def test_generated_request_matches_oracle(zone: str, data: st.DataObject) -> None:
    case = data.draw(timed_cases(zone))

    problem = mismatch(case)

    assert problem is None, problem


@pytest.mark.parametrize("zone", ZONES)
@GENERATED
@given(data=st.data())
def test_generated_time_phrase_matches_oracle(zone: str, data: st.DataObject) -> None:
    when, phrase, now, date_order = data.draw(time_phrases(zone))

    problem = when_mismatch(phrase, when, now, zone, date_order)

    assert problem is None, problem


@pytest.mark.parametrize("zone", ZONES)
def test_fixed_sample_matches_oracle_at_every_instant(zone: str) -> None:
    chooser = RandomChooser(zlib.crc32(zone.encode()))
    cases = [
        TimedCase(choose_request(chooser), now, zone, chooser.choice(DATE_ORDERS))
        for now in reference_instants(zone)
        for _ in range(CASES_PER_INSTANT)
    ]

    problems = [problem for case in cases if (problem := mismatch(case)) is not None]

    assert not problems, f"{len(problems)} of {len(cases)} differ:\n" + "\n".join(problems[:20])


def _case(text: str, when: When, platforms: tuple[str, ...], now: str, zone: str) -> TimedCase:
    content = text.partition(": ")[2] or None
    request = GeneratedRequest(text, when, platforms, content)
    return TimedCase(request, datetime.fromisoformat(now), zone, None)


# Messages the generator found misread, shrunk to their core, with the parts
# they were built from.
REGRESSIONS = [
    _case(
        "post this to X tonight at 1am",
        When(time=Clock(1, 0)),
        ("x",),
        "2026-03-27T22:00:00+01:00",
        "Europe/Berlin",
    ),
    _case(
        "post this to X tonight at 1",
        When(time=HourInPart(1, 0, pm=False)),
        ("x",),
        "2026-03-28T00:30:00+01:00",
        "Europe/Berlin",
    ),
    _case(
        "post this to X tonight at midnight",
        When(day=DayOffset(0), time=DayPart(24)),
        ("x",),
        "2026-03-27T16:40:00+01:00",
        "Europe/Berlin",
    ),
    _case(
        "post this to X on Monday night at 2",
        When(
            day=Weekday(0, after_today=False), time=HourInPart(2, 0, pm=False, after_midnight=True)
        ),
        ("x",),
        "2026-03-27T16:40:00+01:00",
        "Europe/Berlin",
    ),
    _case(
        "post this to X 8 at night",
        When(time=HourInPart(8, 0, pm=True)),
        ("x",),
        "2026-03-27T16:40:00+01:00",
        "Europe/Berlin",
    ),
    _case(
        "post tonight to LinkedIn",
        When(day=DayOffset(0), time=DayPart(20)),
        ("linkedin",),
        "2026-03-27T16:40:00+01:00",
        "Europe/Berlin",
    ),
    _case(
        "post to LinkedIn in a fortnight",
        When(shift=CalendarShift(0, 14)),
        ("linkedin",),
        "2026-03-27T16:40:00+01:00",
        "Europe/Berlin",
    ),
    _case(
        "post this to X next Friday at 8pm",
        When(day=Weekday(4, after_today=True), time=Clock(20, 0)),
        ("x",),
        "2026-03-27T16:40:00+01:00",
        "Europe/Berlin",
    ),
    _case(
        "post this afternoon to X",
        When(day=DayOffset(0), time=DayPart(15)),
        ("x",),
        "2026-03-27T16:40:00+01:00",
        "Europe/Berlin",
    ),
    _case(
        "tweet it one and a half hours from now",
        When(shift=Elapsed(Fraction(5400))),
        ("x",),
        "2026-03-27T16:40:00+01:00",
        "Europe/Berlin",
    ),
    _case(
        "post this to X twenty second of May",
        When(day=CalendarDate(5, 22, None)),
        ("x",),
        "2026-03-27T16:40:00+01:00",
        "Europe/Berlin",
    ),
    _case(
        "post this to X on the 4 in the evening",
        When(day=DayOfMonth(4), time=DayPart(19)),
        ("x",),
        "2026-03-27T16:40:00+01:00",
        "Europe/Berlin",
    ),
    _case(
        "post this to X on the 17th of May 2230",
        When(day=CalendarDate(5, 17, None), time=Clock(22, 30)),
        ("x",),
        "2026-03-27T16:40:00+01:00",
        "Europe/Berlin",
    ),
    _case(
        "post this to X at 7.30.",
        When(time=BareHour(7, 30)),
        ("x",),
        "2026-03-27T16:40:00+01:00",
        "Europe/Berlin",
    ),
]


@pytest.mark.parametrize("case", REGRESSIONS, ids=[case.request.text for case in REGRESSIONS])
def test_found_case_matches_oracle(case: TimedCase) -> None:
    problem = mismatch(case)

    assert problem is None, problem
