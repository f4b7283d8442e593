"""Turn wall-clock times in the user's zone into UTC instants, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.parsing.results import TimeNote


def localize(wall: datetime, tz: ZoneInfo) -> tuple[datetime, frozenset[TimeNote]]:
    """Return the UTC instant of a naive wall time in tz, with a DST note if it needed one.

    A wall time in a DST gap does not exist, so it moves forward by the length of
    the gap: 02:30 on a spring-forward night in Berlin becomes 03:30 CEST. A wall
    time in a DST fold happens twice, and the first occurrence is taken.
    """
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    instant = first.astimezone(UTC)
    if first.utcoffset() == second.utcoffset():
        return instant, frozenset()

    # zoneinfo reads a gap time with fold=0 at the offset in force before the
    # change, which is exactly "moved forward by the gap"; converting back shows
    # whether the wall time existed.
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant, frozenset({TimeNote.DST_FOLD})
    return instant, frozenset({TimeNote.DST_GAP})


def localize_on(
    day: date, hour: int, minute: int, tz: ZoneInfo
) -> tuple[datetime, frozenset[TimeNote]]:
    """Localize hour:minute on day; hours from 24 on fall on the next day (24 is midnight)."""
    if hour >= 24:
        day, hour = day + timedelta(days=1), hour - 24
    return localize(datetime.combine(day, time(hour, minute)), tz)


def add_months(day: date, months: int) -> date:
    """Move day by whole calendar months, clamping to the month's last day (Jan 31 + 1 = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _days_in_month(year, month + 1)))


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
