"""The answer the oracle expects for a generated request, and the answer the parser gives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from domain.model import DateOrder
from domain.parsing import ScheduleTime, parse_request, parse_when
from tests.property import oracle
from tests.property.phrases import TimedCase


@dataclass(frozen=True)
class Answer:
    """What the bot would do with a message: schedule at run_at, or ask."""

    platforms: tuple[str, ...]
    content: str | None
    run_at: datetime | None  # UTC
    ask: str | None

    def show(self, tz: ZoneInfo) -> str:
        when = self.run_at.astimezone(tz).isoformat() if self.run_at else f"ask {self.ask}"
        return f"{when} platforms={list(self.platforms)} content={self.content!r}"


def expected_answer(case: TimedCase) -> Answer:
    """Return the answer the oracle computes from the parts the generator chose."""
    request = case.request
    tz = ZoneInfo(case.tz)
    if not request.platforms:
        return Answer(request.platforms, request.content, None, oracle.PLATFORM)
    if request.when is None:
        return Answer(request.platforms, request.content, None, oracle.TIME)

    expected = oracle.expected_time(request.when, case.now, tz, case.date_order)
    if isinstance(expected, str):
        return Answer(request.platforms, request.content, None, expected)
    return Answer(request.platforms, request.content, expected.astimezone(UTC), None)


def parser_answer(case: TimedCase) -> Answer | None:
    """Return what parse_request reads in the message, or None for a plain message."""
    date_order = DateOrder(case.date_order) if case.date_order else None
    request = parse_request(
        case.request.text, now=case.now, tz=ZoneInfo(case.tz), date_order=date_order
    )
    if request is None:
        return None

    platforms = tuple(platform.value for platform in request.platforms)
    ask = request.ask.value if request.ask is not None else None
    run_at = request.time.run_at if isinstance(request.time, ScheduleTime) else None
    return Answer(platforms, request.content, run_at if ask is None else None, ask)


def mismatch(case: TimedCase) -> str | None:
    """Describe how the parser's answer differs from the oracle's, or return None."""
    expected = expected_answer(case)
    actual = parser_answer(case)
    if actual == expected:
        return None

    tz = ZoneInfo(case.tz)
    actual_text = actual.show(tz) if actual is not None else "a plain message, not a request"
    return (
        f"{case.request.text!r} at {case.now.isoformat()} in {case.tz}"
        f" (date order {case.date_order}):\n  expected {expected.show(tz)}"
        f"\n  parser   {actual_text}\n  parts    {case.request.when}"
    )


def when_mismatch(
    phrase: str, when: oracle.When, now: datetime, zone: str, date_order: str | None
) -> str | None:
    """Describe how parse_when reads a time phrase alone differently from the oracle, or None."""
    tz = ZoneInfo(zone)
    expected = oracle.expected_time(when, now, tz, date_order)
    result = parse_when(
        phrase, now=now, tz=tz, date_order=DateOrder(date_order) if date_order else None
    )
    actual = result.run_at if isinstance(result, ScheduleTime) else result.reason.value
    if actual == expected:
        return None

    def show(value: datetime | str) -> str:
        return value.astimezone(tz).isoformat() if isinstance(value, datetime) else f"ask {value}"

    return (
        f"{phrase!r} at {now.isoformat()} in {zone} (date order {date_order}):\n"
        f"  expected {show(expected)}\n  parser   {show(actual)}\n  parts    {when}"
    )
