"""Memory and scale of the queue: a running server with 1,000,000 scheduled posts.

Two runs on fresh databases, each with 1,000 posts due a few seconds after
the server starts, which it publishes while it runs:

- baseline: 1,000 further posts scheduled for the coming year;
- scaled: 1,000,000 further posts scheduled for the coming year,
  bulk-inserted with generate_series after the migrations.

Reported: the server's resident memory after it has published the due
posts (and its peak), and the time of the local queue's two queries
(`claim_due` finding nothing due, and `next_due_at`), median of repeated
calls through the repository. The EXPLAIN ANALYZE plans of both queries
with a million posts are printed and recorded.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, text

from bench.common import Row, fresh_database, resident_kib
from bench.telegram import BenchTelegram
from storage.database import Database
from storage.posts import SqlAlchemyPostRepository
from tests.scale.seeding import add_owners, add_scheduled_posts, count_by_status
from tests.scale.servers import ServerProcess, webhook_settings

OWNERS = 100
DUE_POSTS = 1_000
QUERY_REPEATS = 200
TARGET_RESIDENT_MB = 200
YEAR = timedelta(days=365)


@dataclass(frozen=True)
class ScaleRun:
    scheduled: int
    insert_seconds: float
    resident_mb: float
    peak_mb: float
    claim_due_ms: float
    next_due_at_ms: float
    plans: dict[str, str]


def _peak_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


async def _median_ms(call: Any, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        await call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


async def explain_plans(
    database: Database, repository: SqlAlchemyPostRepository, explain_at: datetime
) -> dict[str, str]:
    """EXPLAIN ANALYZE the SQL that `claim_due` and `next_due_at` send, as of `explain_at`.

    The statements are captured on their way to the driver from calls that
    find nothing due. The plans are then taken with the due instant moved to
    `explain_at`, inside a transaction that is rolled back, so no post changes.
    """
    probe_at = datetime.now(UTC)
    captured: dict[str, tuple[str, Any]] = {}

    def capture(*args: Any) -> None:
        statement, parameters = args[2], args[3]
        if "posts.due_at" not in statement:
            return
        name = "claim_due" if statement.lstrip().upper().startswith("UPDATE") else "next_due_at"
        captured.setdefault(name, (statement, parameters))

    event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await repository.claim_due(probe_at, probe_at + timedelta(minutes=5), 20)
        await repository.next_due_at()
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", capture)

    plans = {}
    async with database.engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        for name, (statement, parameters) in sorted(captured.items()):
            values = [explain_at if value == probe_at else value for value in parameters]
            transaction = driver.transaction()
            await transaction.start()
            rows = await driver.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *values)
            await transaction.rollback()
            plans[name] = "\n".join(row[0] for row in rows)
    return plans


async def run_once(extra: int) -> ScaleRun:
    url = await fresh_database("bench_queue_scale")
    database = Database(url)
    repository = SqlAlchemyPostRepository(database)
    with BenchTelegram() as telegram:
        owners = await add_owners(database, telegram, OWNERS)
        started = time.monotonic()
        first_future = datetime.now(UTC) + timedelta(days=1)
        await add_scheduled_posts(database, owners, extra, first_future, YEAR, tag="future")
        insert_seconds = time.monotonic() - started
        async with database.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE posts"))

        server = ServerProcess("queue-scale", {})
        server.settings = webhook_settings(telegram, url, server.url)
        server.start()
        try:
            await server.wait_ready()
            due = datetime.now(UTC) + timedelta(seconds=2)
            await add_scheduled_posts(database, owners, DUE_POSTS, due, tag="due")
            deadline = time.monotonic() + 300
            while (await count_by_status(database)).get("posted", 0) < DUE_POSTS:
                if time.monotonic() > deadline:
                    raise TimeoutError("the due posts were not published")
                await asyncio.sleep(0.5)
            # A few idle queue ticks, so what the server keeps is measured.
            await asyncio.sleep(3)
            resident = resident_kib(server.pid) / 1024
            peak = _peak_kib(server.pid) / 1024
        finally:
            server.stop()
            server.remove_files()

    nothing_due = datetime.now(UTC)
    lease = nothing_due + timedelta(minutes=5)
    claim_ms = await _median_ms(lambda: repository.claim_due(nothing_due, lease, 20), QUERY_REPEATS)
    next_ms = await _median_ms(repository.next_due_at, QUERY_REPEATS)
    plans = await explain_plans(database, repository, first_future + timedelta(hours=6))
    await database.dispose()
    return ScaleRun(extra, insert_seconds, resident, peak, claim_ms, next_ms, plans)


async def run(quick: bool) -> tuple[list[Row], dict[str, str]]:
    scaled_posts = 100_000 if quick else 1_000_000
    small = await run_once(1_000)
    large = await run_once(scaled_posts)
    name = f"4. queue at scale, {scaled_posts:,} scheduled posts (PostgreSQL)"
    baseline = "same server, 1,000 scheduled posts"
    rows = [
        Row(
            name,
            "server resident memory after publishing 1,000 due posts",
            large.resident_mb,
            "MB",
            baseline,
            small.resident_mb,
            target=f"< {TARGET_RESIDENT_MB} MB, flat",
            met=large.resident_mb < TARGET_RESIDENT_MB,
        ),
        Row(name, "server peak resident memory", large.peak_mb, "MB", baseline, small.peak_mb),
        Row(
            name,
            "claim_due, nothing due (median)",
            large.claim_due_ms,
            "ms",
            baseline,
            small.claim_due_ms,
        ),
        Row(
            name, "next_due_at (median)", large.next_due_at_ms, "ms", baseline, small.next_due_at_ms
        ),
        Row(name, f"bulk insert of {scaled_posts:,} posts", large.insert_seconds, "s"),
    ]
    return rows, large.plans


if __name__ == "__main__":
    rows, plans = asyncio.run(run("--quick" in sys.argv))
    for row in rows:
        print(row)
    for name, plan in plans.items():
        print(f"-- {name}\n{plan}")
