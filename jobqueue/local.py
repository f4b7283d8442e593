"""The embedded job queue: the posts table is the queue.

One asyncio task sleeps until the earliest due post (or until woken, or for
at most `poll_interval`, so posts scheduled by another process are seen),
claims what is due, and runs each claimed post as its own task, at most
`concurrency` at a time. Posts that came due while no process was running are
due at start-up and run at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from domain.clock import Clock
from domain.model import Post
from domain.ports import PostRepository
from domain.services import ExecutionPolicy

logger = logging.getLogger(__name__)

Runner = Callable[[Post], Awaitable[Any]]

_MIN_SLEEP = 0.02


class LocalJobQueue:
    def __init__(
        self,
        posts: PostRepository,
        clock: Clock,
        policy: ExecutionPolicy,
        *,
        poll_interval: float = 1.0,
        concurrency: int = 20,
    ) -> None:
        self._posts = posts
        self._clock = clock
        self._policy = policy
        self._poll_interval = poll_interval
        self._concurrency = concurrency
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[Any]] = set()

    async def enqueue(self, post_id: int, version: int, run_at: datetime) -> str:
        self.wake()
        return f"local:{post_id}:{version}"

    async def cancel(self, job_id: str) -> None:
        # The post's status is the job: a cancelled post is never claimed.
        self.wake()

    def wake(self) -> None:
        self._wakeup.set()

    def start(self, runner: Runner) -> None:
        if self._task is not None:
            raise RuntimeError("local job queue already started")
        self._task = asyncio.create_task(self._loop(runner), name="local-job-queue")
        logger.info("local job queue started: concurrency=%s", self._concurrency)

    async def stop(self, grace: float = 10.0) -> None:
        """Stop claiming, and give posts being published `grace` seconds to finish."""
        if self._task is None:
            return
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        if self._running:
            _, pending = await asyncio.wait(self._running, timeout=grace)
            for task in pending:
                # The post stays publishing until its lease runs out; then its
                # owner is asked whether it went out.
                logger.warning("publish interrupted by shutdown: task=%s", task.get_name())
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        logger.info("local job queue stopped")

    async def _loop(self, runner: Runner) -> None:
        failures = 0
        while True:
            self._wakeup.clear()
            try:
                await self._run_due(runner)
                delay = await self._seconds_to_next_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                delay = self._failure_delay(failures)
                if failures == 1 or failures % 10 == 0:
                    # The first failure with its traceback, then one line in ten,
                    # so a database outage cannot fill the disk with logs.
                    logger.error(
                        "local job queue cannot reach the database (failure %s); "
                        "retrying in %.0f s",
                        failures,
                        delay,
                        exc_info=failures == 1,
                    )
            else:
                if failures:
                    logger.info("local job queue recovered after %s failures", failures)
                failures = 0
            await self._sleep(delay)

    def _failure_delay(self, failures: int) -> float:
        """Wait longer after each failure in a row, up to 30 s."""
        return float(min(30.0, self._poll_interval * 2 ** min(failures - 1, 10)))

    async def _run_due(self, runner: Runner) -> None:
        while True:
            free = self._concurrency - len(self._running)
            if free <= 0:
                return
            now = self._clock.now()
            claimed = await self._posts.claim_due(now, now + self._policy.lease, free)
            for post in claimed:
                task = asyncio.create_task(self._run_one(runner, post), name=f"post-{post.id}")
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            if len(claimed) < free:
                return

    async def _run_one(self, runner: Runner, post: Post) -> None:
        try:
            await runner(post)
        except Exception:
            logger.exception("running post failed: post=%s", post.id)
        finally:
            self.wake()

    async def _seconds_to_next_due(self) -> float:
        if len(self._running) >= self._concurrency:
            return self._poll_interval
        next_due = await self._posts.next_due_at()
        if next_due is None:
            return self._poll_interval
        seconds = (next_due - self._clock.now()).total_seconds()
        # A due post that was not claimed is being claimed by another process;
        # a short pause keeps this loop from spinning until that commits.
        return min(max(seconds, _MIN_SLEEP), self._poll_interval)

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        try:
            await asyncio.wait_for(self._wakeup.wait(), timeout=seconds)
        except TimeoutError:
            pass
