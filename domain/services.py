"""What every use case is given: the ports and the execution policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from domain.clock import Clock
from domain.model import Platform
from domain.ports import JobQueue, Notifier, OAuthProvider, Publisher, Store


@dataclass(frozen=True)
class ExecutionPolicy:
    # How long a claimed post may stay in `publishing` before it is presumed
    # lost (process crash mid-publish) and becomes `unknown`. Must exceed the
    # slowest publish, network timeouts included.
    lease: timedelta = timedelta(minutes=5)
    # Attempts in all, first one included; QStash's default of 3 retries + 1.
    max_attempts: int = 4
    # Waits before the 2nd, 3rd, ... attempt on the local queue when the
    # network gave no Retry-After.
    retry_delays: tuple[timedelta, ...] = (
        timedelta(seconds=15),
        timedelta(minutes=2),
        timedelta(minutes=15),
    )
    # A post published this much after its run_at is reported as late.
    late_after: timedelta = timedelta(minutes=1)
    # A preview confirmed this long after its time is refused as past; a
    # shorter delay (reading the preview) publishes at once.
    confirm_grace: timedelta = timedelta(minutes=2)

    def retry_delay(self, attempts: int) -> timedelta:
        index = min(max(attempts - 1, 0), len(self.retry_delays) - 1)
        return self.retry_delays[index]


@dataclass
class Services:
    store: Store
    queue: JobQueue
    clock: Clock
    notifier: Notifier
    publishers: Mapping[Platform, Publisher] = field(default_factory=dict)
    oauth: Mapping[Platform, OAuthProvider] = field(default_factory=dict)
    policy: ExecutionPolicy = field(default_factory=ExecutionPolicy)
