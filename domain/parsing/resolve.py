"""Resolve the parts of a time phrase to a UTC instant in the user's zone.

The rules are those a careful person applies to a scheduling request:

- A clock time with no day is the next time that clock time comes round. An
  hour 1-12 with no am/pm and no day is the nearer future of its two readings.
  With a day, it reads as written on a 24-hour clock.
- A day with no time is 09:00. Parts of the day: morning and "first thing"
  09:00, noon 12:00, afternoon 15:00, evening 19:00, night and tonight 20:00,
  midnight 00:00 of the next day, end of day 17:00 (of today when no day is given).
- The night runs past midnight. With "at night" or "tonight", a bare hour 1-5
  is in the small hours and 6-11 in the evening. The small hours of a named
  day's night are on the next date ("Monday night at 2" is Tuesday 02:00), and
  tonight's are the next ones to come round ("tonight at 1am").
- "in N minutes/hours" adds elapsed time. "in N days/weeks/months" moves the
  calendar and keeps the wall-clock time, also across a DST change.
- "on Monday" is the first Monday from today: today only if its time is still
  ahead. "next Monday" and "coming Monday" are the first Monday after today,
  never today. "next week" is Monday of next week, "this weekend" the coming
  Saturday (Sunday once Saturday's time has passed), "next month" the 1st of
  next month, "the 5th" or "the 5" the next 5th of a month.
- A date with no year that has passed this year is next year's. An explicit
  day ("today", "March 27" on March 27, a date with a year) whose time has
  passed is a question, never silently moved.
- Numeric dates: 15.04. is day-month. 04/15 and 15/04 are settled by the number
  over 12; 03/04 needs the user's date order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.model import DateOrder
from domain.parsing import lexicon
from domain.parsing.clock import add_months, localize, localize_on
from domain.parsing.results import Ask, ScheduleTime, TimeNote, TimeQuestion
from domain.parsing.spec import (
    CalendarDate,
    Day,
    DayOfMonth,
    Duration,
    NextMonth,
    NextWeek,
    NumericDate,
    RelativeDay,
    TimeReading,
    TimeSpec,
    Tonight,
    Weekend,
)

_DEFAULT_HOUR = 9
# A date without a year is looked for this many years ahead, so that
# "February 29" finds the next leap year.
_YEARS_AHEAD = 8


@dataclass(frozen=True)
class _Context:
    now: datetime  # UTC
    today: date  # the user's today
    local_now: datetime  # naive wall time in the user's zone
    tz: ZoneInfo
    phrase: str

    def question(self, reason: Ask, choices: tuple[datetime, ...] = ()) -> TimeQuestion:
        return TimeQuestion(reason, self.phrase, choices)


@dataclass(frozen=True)
class _Days:
    """The days a phrase may mean, earliest first."""

    dates: Sequence[date]
    # True: the phrase names one day, and a time already past on it is a question.
    # False: take the first date whose time is still ahead.
    fixed: bool
    notes: frozenset[TimeNote] = frozenset()


def resolve(
    reading: TimeReading,
    phrase: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    date_order: DateOrder | None,
) -> ScheduleTime | TimeQuestion:
    """Resolve a read time phrase against now in the user's zone tz."""
    spec = reading.spec
    utc_now = now.astimezone(UTC)
    local_now = utc_now.astimezone(tz)
    context = _Context(utc_now, local_now.date(), local_now.replace(tzinfo=None), tz, phrase)

    if reading.has_unknown or spec.conflict or spec.is_empty():
        return context.question(Ask.TIME)
    if spec.invalid is not None:
        return context.question(spec.invalid)

    try:
        return _resolve_spec(spec, context, date_order)
    except (OverflowError, ValueError):
        # Out of the range datetime can hold, such as "in 99999999 days".
        return context.question(Ask.INVALID_DATE)


def _resolve_spec(
    spec: TimeSpec, context: _Context, date_order: DateOrder | None
) -> ScheduleTime | TimeQuestion:
    if spec.immediate:
        if replace(spec, immediate=False).is_empty():
            return ScheduleTime(context.now, frozenset({TimeNote.IMMEDIATE}), context.phrase)
        return context.question(Ask.TIME)
    if spec.duration is not None:
        return _resolve_duration(spec, spec.duration, context)
    if spec.last_weekday:
        return context.question(Ask.PAST)

    if isinstance(spec.day, NumericDate):
        return _resolve_numeric_date(spec, spec.day, context, date_order)
    return _resolve_day_and_time(spec, context)


def _resolve_numeric_date(
    spec: TimeSpec, numeric: NumericDate, context: _Context, date_order: DateOrder | None
) -> ScheduleTime | TimeQuestion:
    day_month = CalendarDate(numeric.second, numeric.first, numeric.year)
    month_day = CalendarDate(numeric.first, numeric.second, numeric.year)
    if date_order is DateOrder.DMY:
        return _resolve_day_and_time(replace(spec, day=day_month), context)
    if date_order is DateOrder.MDY:
        return _resolve_day_and_time(replace(spec, day=month_day), context)

    readings = [
        _resolve_day_and_time(replace(spec, day=day), context) for day in (day_month, month_day)
    ]
    choices = tuple(reading.run_at for reading in readings if isinstance(reading, ScheduleTime))
    return context.question(Ask.DATE_ORDER, choices)


def _resolve_day_and_time(spec: TimeSpec, context: _Context) -> ScheduleTime | TimeQuestion:
    has_day = spec.day is not None or spec.weekday is not None
    times, time_notes = _candidate_times(spec, has_day=has_day)
    days = _candidate_days(spec, context, times)
    if isinstance(days, TimeQuestion):
        return days

    for day in days.dates:
        for hour, minute in times:
            run_at, dst_notes = localize_on(day, hour, minute, context.tz)
            if run_at > context.now:
                notes = days.notes | time_notes | dst_notes
                return ScheduleTime(run_at, notes, context.phrase)
            if days.fixed:
                return context.question(Ask.PAST)
    return context.question(Ask.PAST)


def _candidate_days(
    spec: TimeSpec, context: _Context, times: Sequence[tuple[int, int]]
) -> _Days | TimeQuestion:
    day: Day | None = spec.day
    today = context.today
    if day is None and spec.weekday is None:
        if spec.part is not None and spec.part.implies_today and spec.clock is None:
            return _Days([today], fixed=True)
        return _Days([today, today + timedelta(days=1)], fixed=False)
    if day is None and spec.weekday is not None:
        dates = _weekday_dates(today, spec.weekday, after_today=spec.weekday_after_today)
        return _Days(dates, fixed=False)

    if isinstance(day, Tonight):
        days: _Days | Ask = _tonight_days(today, times)
    else:
        days = _days_of(day, today, spec.weekday)
    if isinstance(days, Ask):
        return context.question(days)
    if spec.weekday is None or isinstance(day, NextWeek):
        return days
    if days.fixed and all(candidate.weekday() == spec.weekday for candidate in days.dates):
        return days
    if isinstance(day, CalendarDate | RelativeDay | Tonight | DayOfMonth):
        return context.question(Ask.INVALID_DATE)  # "Monday, March 31" when the 31st is a Tuesday
    return context.question(Ask.TIME)  # "this weekend on Monday" cannot be one day


def _days_of(day: Day | None, today: date, weekday: int | None) -> _Days | Ask:
    if isinstance(day, RelativeDay):
        return _Days([today + timedelta(days=day.offset)], fixed=True)
    if isinstance(day, NextWeek):
        # "next week" alone is its Monday; "Tuesday next week" is its Tuesday.
        monday = today + timedelta(days=7 - today.weekday())
        return _Days([monday + timedelta(days=weekday or 0)], fixed=True)
    if isinstance(day, Weekend):
        return _Days(_weekend_dates(today), fixed=False)
    if isinstance(day, NextMonth):
        return _Days([add_months(today.replace(day=1), 1)], fixed=True)
    if isinstance(day, CalendarDate):
        return _calendar_days(day, today)
    if isinstance(day, DayOfMonth):
        return _day_of_month_days(day.day, today)
    return Ask.TIME


def _tonight_days(today: date, times: Sequence[tuple[int, int]]) -> _Days:
    """Return today for the evening; for the small hours, the next of them to come round."""
    if all(hour <= lexicon.SMALL_HOURS_END for hour, _ in times):
        # "tonight at 1am" typed at 23:00 is the 1am after midnight, and typed
        # at 00:30 it is the 1am about to come.
        return _Days([today, today + timedelta(days=1)], fixed=False)
    return _Days([today], fixed=True)


def _weekday_dates(today: date, weekday: int, *, after_today: bool) -> list[date]:
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and after_today:
        return [today + timedelta(days=7)]
    if ahead == 0:
        return [today, today + timedelta(days=7)]
    return [today + timedelta(days=ahead)]


def _weekend_dates(today: date) -> list[date]:
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    if today.weekday() == 6:
        return [today, today + timedelta(days=6)]
    if today.weekday() == 5:
        return [today, today + timedelta(days=1), today + timedelta(days=7)]
    return [saturday]


def _calendar_days(day: CalendarDate, today: date) -> _Days | Ask:
    if day.year is not None:
        return _Days([date(day.year, day.month, day.day)], fixed=True)

    for year in range(today.year, today.year + _YEARS_AHEAD + 1):
        try:
            candidate = date(year, day.month, day.day)
        except ValueError:
            continue
        if candidate >= today:
            notes = frozenset({TimeNote.NEXT_YEAR}) if year > today.year else frozenset()
            return _Days([candidate], fixed=True, notes=notes)
    return Ask.INVALID_DATE


def _day_of_month_days(day_number: int, today: date) -> _Days | Ask:
    first_of_month = today.replace(day=1)
    for months in range(12):
        month = add_months(first_of_month, months)
        try:
            candidate = month.replace(day=day_number)
        except ValueError:
            continue
        if candidate >= today:
            return _Days([candidate], fixed=True)
    return Ask.INVALID_DATE


def _candidate_times(
    spec: TimeSpec, *, has_day: bool
) -> tuple[list[tuple[int, int]], frozenset[TimeNote]]:
    """Return the (hour, minute) readings to try, earliest first.

    Hours from 24 on fall on the next day: 24 is midnight at the end of the day,
    and 26 is 2am in the night after it ("Monday night at 2").
    """
    clock, part = spec.clock, spec.part
    if clock is None:
        if part is None:
            return [(_DEFAULT_HOUR, 0)], frozenset({TimeNote.DEFAULT_TIME})
        return [(part.hour, 0)], frozenset()

    part_hour = part.read_bare_hour(clock.hour) if clock.bare and part is not None else None
    hour = clock.hour if part_hour is None else part_hour
    if (
        has_day
        and not isinstance(spec.day, Tonight)
        and part is not None
        and part.small_hours
        and hour <= lexicon.SMALL_HOURS_END
    ):
        # The night of a named day runs past its midnight, so its small hours
        # are on the next date. Tonight's are found in _tonight_days.
        return [(hour + 24, clock.minute)], frozenset()
    if part_hour is not None:
        return [(part_hour, clock.minute)], frozenset()
    if clock.bare and not has_day:
        morning = clock.hour % 12
        readings = [(morning, clock.minute), (morning + 12, clock.minute)]
        return readings, frozenset({TimeNote.BARE_HOUR})
    return [(clock.hour, clock.minute)], frozenset()


def _resolve_duration(
    spec: TimeSpec, duration: Duration, context: _Context
) -> ScheduleTime | TimeQuestion:
    if spec.day is not None or spec.weekday is not None:
        return context.question(Ask.TIME)

    sign = -1 if duration.negative else 1
    elapsed = timedelta(microseconds=round(duration.seconds * 1_000_000)) * sign
    has_clock = spec.clock is not None or spec.part is not None
    if not (duration.months or duration.days):
        if has_clock:
            return context.question(Ask.TIME)  # "in 2 hours at 5pm" names two times
        return _future_or_past(context.now + elapsed, frozenset(), context)
    if has_clock and elapsed:
        return context.question(Ask.TIME)

    day = add_months(context.today, duration.months * sign) + timedelta(days=duration.days * sign)
    if has_clock:
        times, _ = _candidate_times(spec, has_day=True)
        hour, minute = times[0]
        run_at, notes = localize_on(day, hour, minute, context.tz)
    else:
        wall = datetime.combine(day, context.local_now.time())
        run_at, notes = localize(wall, context.tz)
    return _future_or_past(run_at + elapsed, notes, context)


def _future_or_past(
    run_at: datetime, notes: frozenset[TimeNote], context: _Context
) -> ScheduleTime | TimeQuestion:
    if run_at < context.now:
        return context.question(Ask.PAST)
    if run_at == context.now:
        notes = notes | {TimeNote.IMMEDIATE}
    return ScheduleTime(run_at, notes, context.phrase)
