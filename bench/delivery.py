"""Delivery throughput: signed QStash deliveries executed end to end, per second.

Posts are written straight into the posts table, all due already. A load
generator then sends one delivery per post, signed as QStash signs them
with the QStash test server's signing code and keys. At most `IN_FLIGHT`
deliveries are outstanding at once, as QStash's parallelism limit keeps them.
Each delivery is verified, claimed, published to its channel on the
Telegram test server, recorded, and its owner notified. With two server
processes, the deliveries alternate between the processes' URLs (two
machines sharing PostgreSQL).

The QStash test server's own delivery loop is not used to time this: it
starts every due message at once, and its HTTP client's connection pool then
costs more CPU than the servers under test.

Baseline: a bare receiver (signature check with the QStash SDK, then the
same two Telegram messages, no database) on the same stack.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.common import Row, cpu_seconds, fresh_database
from bench.telegram import BenchTelegram
from jobqueue.qstash import JobBody
from storage.database import Database
from tests.fakes.qstash_server import FakeQStash
from tests.fakes.qstash_signing import sign_delivery
from tests.scale.seeding import add_owners, add_scheduled_posts, count_by_status, publications
from tests.scale.servers import ServerProcess, webhook_settings

REPOSITORY = str(Path(__file__).resolve().parent.parent)
OWNERS = 50
# Deliveries outstanding at once.
IN_FLIGHT = 32
DELIVERY_TIMEOUT = 300.0


@dataclass(frozen=True)
class DeliveryRun:
    deliveries: int
    seconds: float
    server_cpu: float

    @property
    def rate(self) -> float:
        return self.deliveries / self.seconds

    @property
    def cpu_ms(self) -> float:
        return self.server_cpu / self.deliveries * 1000


def _qstash_settings(qstash: FakeQStash) -> dict[str, str]:
    return {
        "QSTASH_TOKEN": qstash.token,
        "QSTASH_URL": qstash.url,
        "QSTASH_CURRENT_SIGNING_KEY": qstash.current_signing_key,
        "QSTASH_NEXT_SIGNING_KEY": qstash.next_signing_key,
    }


async def _deliver_all(key: str, servers: list[ServerProcess], bodies: list[bytes]) -> DeliveryRun:
    """Send one signed delivery per body, alternating between servers; time them all."""
    pending = list(enumerate(bodies))
    statuses: list[int] = []
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)

    async def worker(client: httpx.AsyncClient) -> None:
        while pending:
            number, body = pending.pop()
            url = servers[number % len(servers)].url + "/qstash/publish"
            headers = {
                "Content-Type": "application/json",
                "Upstash-Signature": sign_delivery(url, body, key),
                "Upstash-Message-Id": f"msg_bench_{number}",
                "Upstash-Retried": "0",
            }
            response = await client.post(url, content=body, headers=headers)
            statuses.append(response.status_code)

    cpu_before = sum(cpu_seconds(server.pid) for server in servers)
    started = time.monotonic()
    async with httpx.AsyncClient(
        trust_env=False, timeout=DELIVERY_TIMEOUT, limits=limits
    ) as client:
        await asyncio.gather(*(worker(client) for _ in range(IN_FLIGHT)))
    seconds = time.monotonic() - started
    cpu = sum(cpu_seconds(server.pid) for server in servers) - cpu_before

    if any(status != 200 for status in statuses):
        raise RuntimeError(f"deliveries failed: reply statuses {Counter(statuses)}")
    return DeliveryRun(len(bodies), seconds, cpu)


async def run_postlater(posts: int, processes: int) -> DeliveryRun:
    url = await fresh_database("bench_delivery")
    database = Database(url)
    with BenchTelegram() as telegram, FakeQStash(delivery_timeout=DELIVERY_TIMEOUT) as qstash:
        servers = []
        for number in range(processes):
            server = ServerProcess(f"delivery-{number}", {})
            server.settings = {
                **webhook_settings(telegram, url, server.url),
                **_qstash_settings(qstash),
            }
            servers.append(server)
        try:
            for server in servers:
                server.start()
                await server.wait_ready()
            owners = await add_owners(database, telegram, OWNERS)
            due = datetime.now(UTC) - timedelta(seconds=1)
            await add_scheduled_posts(database, owners, posts, due, tag="delivery")
            bodies = [
                json.dumps(JobBody(post.post_id, 1, post.run_at).to_json()).encode()
                for post in await publications(database)
            ]
            result = await _deliver_all(qstash.current_signing_key, servers, bodies)
            counts = await count_by_status(database)
        finally:
            for server in servers:
                server.stop()
                server.remove_files()
    await database.dispose()
    if counts != {"posted": posts}:
        raise RuntimeError(f"posts did not all publish: {counts}")
    return result


async def run_bare(posts: int) -> DeliveryRun:
    database = Database(await fresh_database("bench_delivery"))
    with BenchTelegram() as telegram, FakeQStash(delivery_timeout=DELIVERY_TIMEOUT) as qstash:
        owners = await add_owners(database, telegram, OWNERS)
        await database.dispose()
        server = ServerProcess(
            "bare-receiver", {}, command=[sys.executable, "-m", "bench.bare_receiver"]
        )
        server.settings = {
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "PUBLIC_URL": server.url,
            "PYTHONPATH": os.pathsep.join(filter(None, [REPOSITORY, os.environ.get("PYTHONPATH")])),
            **_qstash_settings(qstash),
        }
        server.start()
        try:
            await server.wait_ready()
            bodies = [
                json.dumps(
                    {
                        "channel_id": owners[number % len(owners)].channel_id,
                        "owner_id": owners[number % len(owners)].user_id,
                        "content": f"bare post {number}",
                    }
                ).encode()
                for number in range(posts)
            ]
            return await _deliver_all(qstash.current_signing_key, [server], bodies)
        finally:
            server.stop()
            server.remove_files()


async def run(quick: bool) -> list[Row]:
    posts = 300 if quick else 2_000
    one = await run_postlater(posts, 1)
    two = await run_postlater(posts, 2)
    bare = await run_bare(posts)
    name = f"2. QStash delivery throughput, {posts:,} deliveries due at once (PostgreSQL)"
    baseline = "bare SDK receiver, 1 process, no database"
    return [
        Row(name, "1 process: deliveries/s", one.rate, "deliveries/s", baseline, bare.rate),
        Row(name, "1 process: server CPU per delivery", one.cpu_ms, "ms", baseline, bare.cpu_ms),
        Row(
            name,
            "2 processes: deliveries/s",
            two.rate,
            "deliveries/s",
            "postlater, 1 process",
            one.rate,
        ),
        Row(
            name,
            "2 processes: server CPU per delivery",
            two.cpu_ms,
            "ms",
            "postlater, 1 process",
            one.cpu_ms,
        ),
    ]


if __name__ == "__main__":
    for row in asyncio.run(run("--quick" in sys.argv)):
        print(row)
