"""Timezone of a shared location, looked up offline."""

from __future__ import annotations

import functools

from timezonefinder import TimezoneFinder


@functools.cache
def _finder() -> TimezoneFinder:
    # Loads the zone polygons on first use, not at import.
    return TimezoneFinder()


def timezone_at(latitude: float, longitude: float) -> str | None:
    zone: str | None = _finder().timezone_at(lat=latitude, lng=longitude)
    return zone
