"""The QStash job queue: one delayed QStash message per post version.

QStash carries the timing and the retries; the database stays the source of
truth. A message's body names the post, the version it was published for and
the instant it is meant for. A post further ahead than QStash's maximum delay
is reached in hops: a message lands at most `max_delay` ahead, and its
delivery publishes the next hop (see callbacks.qstash).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from qstash import AsyncQStash
from qstash.errors import QStashError

from domain.clock import Clock
from domain.errors import JobQueueError

logger = logging.getLogger(__name__)

# Hops land this long before QStash's limit, so clock differences between us
# and QStash can never push a Not-Before past the plan's maximum delay.
HOP_MARGIN = timedelta(minutes=10)
# A Schedule press waits at most this long for QStash to store the job.
PUBLISH_TIMEOUT = 15.0


@dataclass(frozen=True)
class JobBody:
    """What a delivery carries: which post, which version, meant for when."""

    post_id: int
    version: int
    run_at: datetime

    def to_json(self) -> dict[str, object]:
        return {"post_id": self.post_id, "version": self.version, "run_at": self.run_at.isoformat()}

    @classmethod
    def from_bytes(cls, raw: bytes) -> JobBody:
        """Parse a delivery body; raises ValueError naming what is wrong."""
        try:
            data = json.loads(raw)
            run_at = datetime.fromisoformat(data["run_at"])
            body = cls(int(data["post_id"]), int(data["version"]), run_at)
        except (KeyError, TypeError, json.JSONDecodeError) as error:
            raise ValueError(f"job body is not {{post_id, version, run_at}}: {error}") from error
        if run_at.tzinfo is None:
            raise ValueError("job body run_at has no UTC offset")
        return body


class QStashJobQueue:
    def __init__(
        self,
        client: AsyncQStash,
        publish_url: str,
        failure_url: str,
        clock: Clock,
        *,
        retries: int = 3,
        max_delay: timedelta = timedelta(days=7),
    ) -> None:
        self._client = client
        self._publish_url = publish_url
        self._failure_url = failure_url
        self._clock = clock
        self._retries = retries
        self._max_delay = max_delay

    @property
    def retries(self) -> int:
        return self._retries

    async def enqueue(self, post_id: int, version: int, run_at: datetime) -> str:
        """Publish the job, or its first hop when `run_at` is beyond the maximum delay."""
        # One id per post version: a repeated publish (a retry after a lost
        # reply) is dropped by QStash for 10 minutes.
        return await self._publish(post_id, version, run_at, f"post-{post_id}-v{version}")

    async def forward(self, post_id: int, version: int, run_at: datetime, source: str) -> str:
        """Publish the next hop for a delivery that came early; `source` is its message id.

        The deduplication id names the source message, so a repeated delivery
        of one hop forwards once, while each hop gets a message of its own.
        """
        return await self._publish(post_id, version, run_at, f"post-{post_id}-v{version}-{source}")

    async def _publish(self, post_id: int, version: int, run_at: datetime, dedup: str) -> str:
        not_before = self.hop_target(run_at)
        body = JobBody(post_id, version, run_at.astimezone(UTC))
        # Rounded up: a delivery must never come before its instant.
        epoch = math.ceil(not_before.timestamp())
        deduplication_id = dedup

        try:
            response = await asyncio.wait_for(
                self._client.message.publish_json(
                    url=self._publish_url,
                    body=body.to_json(),
                    not_before=epoch,
                    deduplication_id=deduplication_id,
                    retries=self._retries,
                    failure_callback=self._failure_url,
                ),
                timeout=PUBLISH_TIMEOUT,
            )
        except (QStashError, httpx.HTTPError, TimeoutError) as error:
            logger.warning("QStash publish failed: post=%s version=%s", post_id, version)
            raise JobQueueError(f"QStash did not accept the job for post {post_id}") from error

        message_id = getattr(response, "message_id", None)
        if not isinstance(message_id, str):
            raise JobQueueError(f"QStash answered the publish of post {post_id} without an id")
        logger.info(
            "QStash job published: post=%s version=%s job=%s hop=%s",
            post_id,
            version,
            message_id,
            not_before < run_at,
        )
        return message_id

    async def cancel(self, job_id: str) -> None:
        # A failed cancel is harmless: the post's version or status has moved
        # on, so the delivery finds nothing to claim. QStash answers 404 for a
        # message already delivered, and the SDK raises for it.
        try:
            await asyncio.wait_for(self._client.message.cancel(job_id), timeout=PUBLISH_TIMEOUT)
        except QStashError:
            logger.info("QStash job not cancelled (already delivered or unknown): job=%s", job_id)
            return
        except (httpx.HTTPError, TimeoutError):
            logger.warning("QStash unreachable, job not cancelled (harmless): job=%s", job_id)
            return
        logger.info("QStash job cancelled: job=%s", job_id)

    def wake(self) -> None:
        """Nothing to wake: QStash does the waiting."""

    def hop_target(self, run_at: datetime) -> datetime:
        """When the next message should land: `run_at`, or as far as QStash allows."""
        margin = min(HOP_MARGIN, self._max_delay / 10)
        limit = self._clock.now() + self._max_delay - margin
        return min(run_at, limit)
