"""Per-user rate limits of the X test server and the headers that report them.

X counts requests per user and endpoint in 15-minute windows and reports them in
`x-rate-limit-limit`, `x-rate-limit-remaining` and `x-rate-limit-reset` (epoch
seconds) on every reply. Some plans add a 24-hour cap on posting, reported in
`x-user-limit-24hour-*` (per user) and `x-app-limit-24hour-*` (per app).
"""

from __future__ import annotations

import dataclasses
import threading

WINDOW = 15 * 60
DAY = 24 * 60 * 60


@dataclasses.dataclass
class _Window:
    started_at: float
    used: int = 0


@dataclasses.dataclass(frozen=True)
class LimitCheck:
    """Whether a request may go ahead, and the headers its reply carries."""

    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    """Counts requests per (user, endpoint) in 15-minute and optional 24-hour windows.

    `limits` maps an endpoint name to its requests per 15 minutes. `daily_limits`
    maps an endpoint name to its requests per 24 hours per user. Endpoints missing
    from both are not limited and get no headers.
    """

    def __init__(self, limits: dict[str, int], daily_limits: dict[str, int]) -> None:
        self._limits = dict(limits)
        self._daily_limits = dict(daily_limits)
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str, int], _Window] = {}

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def check(self, endpoint: str, user_id: str, now: float) -> LimitCheck:
        """Count one request if every window has room, and return the reply headers either way."""
        with self._lock:
            windows = self._open_windows(endpoint, user_id, now)
            allowed = all(window.used < limit for window, limit, _ in windows)
            if allowed:
                for window, _, _ in windows:
                    window.used += 1

            headers: dict[str, str] = {}
            for window, limit, length in windows:
                prefix = "x-rate-limit" if length == WINDOW else "x-user-limit-24hour"
                headers.update(_headers(prefix, limit, window, length))
            return LimitCheck(allowed, headers)

    def current_headers(self, endpoint: str, user_id: str, now: float) -> dict[str, str]:
        """Return the headers for the user's windows without counting a request."""
        with self._lock:
            headers: dict[str, str] = {}
            for window, limit, length in self._open_windows(endpoint, user_id, now):
                prefix = "x-rate-limit" if length == WINDOW else "x-user-limit-24hour"
                headers.update(_headers(prefix, limit, window, length))
            return headers

    def _open_windows(
        self, endpoint: str, user_id: str, now: float
    ) -> list[tuple[_Window, int, int]]:
        windows = []
        for length, limits in ((WINDOW, self._limits), (DAY, self._daily_limits)):
            limit = limits.get(endpoint)
            if limit is None:
                continue
            key = (endpoint, user_id, length)
            window = self._windows.get(key)
            if window is None or now >= window.started_at + length:
                window = self._windows[key] = _Window(started_at=now)
            windows.append((window, limit, length))
        return windows


def _headers(prefix: str, limit: int, window: _Window, length: int) -> dict[str, str]:
    return {
        f"{prefix}-limit": str(limit),
        f"{prefix}-remaining": str(max(0, limit - window.used)),
        f"{prefix}-reset": str(int(window.started_at + length)),
    }


def exhausted_headers(prefix: str, limit: int, reset_at: float) -> dict[str, str]:
    """Return the headers of a window with nothing left, for an injected 429."""
    return {
        f"{prefix}-limit": str(limit),
        f"{prefix}-remaining": "0",
        f"{prefix}-reset": str(int(reset_at)),
    }
