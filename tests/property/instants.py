"""The zones the generated tests run in, and the reference instants around their DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

# Northern and southern DST, DST changes at midnight (Havana, Santiago) and at
# 02:45 (Chatham), a 30-minute DST shift (Lord Howe), half-hour and 45-minute
# offsets, UTC, and the two ends of the offsets in use (+14 and -11).
ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/Havana",
    "America/St_Johns",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Eucla",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
    "UTC",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
)

# Wall times in each zone: year and month ends, a leap day, midnight from both
# sides, and one of each weekday's cases (Friday afternoon, Saturday, Sunday night).
_WALL_TIMES = (
    datetime(2026, 12, 31, 23, 59, 30),
    datetime(2027, 1, 1, 0, 0),
    datetime(2026, 3, 31, 23, 45),
    datetime(2026, 4, 30, 12, 0),
    datetime(2026, 2, 28, 23, 30),
    datetime(2028, 2, 28, 22, 0),
    datetime(2028, 2, 29, 9, 0),
    datetime(2026, 6, 15, 0, 0),  # Monday, midnight
    datetime(2026, 6, 14, 23, 59, 59),  # Sunday, the last second
    datetime(2026, 6, 13, 10, 0),  # Saturday
    datetime(2026, 6, 12, 16, 40),  # Friday
    datetime(2026, 11, 30, 8, 59, 59),
    datetime(2026, 9, 9, 12, 0),
)

# Around each DST change: the day before, the hours before and after, and the
# minutes on either side of the change itself.
_AROUND_CHANGE = tuple(
    timedelta(minutes=minutes) for minutes in (-1440, -150, -61, -1, 0, 1, 30, 119, 1300)
)


@cache
def reference_instants(zone: str) -> tuple[datetime, ...]:
    """Return the instants the generated tests take as "now" in zone, aware in zone."""
    tz = ZoneInfo(zone)
    instants = [wall.replace(tzinfo=tz) for wall in _WALL_TIMES]
    for change in dst_changes(
        tz, datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    ):
        instants.extend((change + delta).astimezone(tz) for delta in _AROUND_CHANGE)
    return tuple(instants)


def dst_changes(tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Return the UTC instants in [start, end) at which tz changes its offset, to the minute."""
    changes = []
    step = timedelta(hours=6)
    instant = start
    while instant < end:
        following = instant + step
        if instant.astimezone(tz).utcoffset() != following.astimezone(tz).utcoffset():
            changes.append(_first_minute_of_new_offset(tz, instant, following))
        instant = following
    return changes


def _first_minute_of_new_offset(tz: ZoneInfo, before: datetime, after: datetime) -> datetime:
    offset_before = before.astimezone(tz).utcoffset()
    while after - before > timedelta(minutes=1):
        middle = before + (after - before) / 2
        middle = middle.replace(second=0, microsecond=0)
        if middle.astimezone(tz).utcoffset() == offset_before:
            before = middle
        else:
            after = middle
    return after
