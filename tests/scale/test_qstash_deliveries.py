"""Two processes take QStash deliveries, duplicates included, and publish each post once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from qstash import AsyncQStash

from domain.clock import SystemClock
from domain.model import PostStatus
from jobqueue.qstash import QStashJobQueue
from storage.database import Database
from tests.fakes.qstash_server import FakeQStash
from tests.fakes.telegram_api import FakeTelegram
from tests.scale.conftest import requires_postgres
from tests.scale.seeding import add_owners, add_scheduled_posts, publications
from tests.scale.servers import AlternatingProxy, ServerProcess, start_all, webhook_settings

pytestmark = requires_postgres

POSTS = 60
OWNERS = 10
COPIES = 2
LEAD = timedelta(seconds=1)
IDLE_TIMEOUT = 60.0


@pytest.fixture
def qstash() -> Iterator[FakeQStash]:
    # Hundreds of deliveries arrive at once on a small machine, so an attempt
    # may wait longer than QStash's usual timeout for a database connection.
    with FakeQStash(delivery_timeout=IDLE_TIMEOUT) as server:
        yield server


@pytest.fixture
async def proxy() -> AsyncIterator[AlternatingProxy]:
    proxy = AlternatingProxy().start()
    yield proxy
    proxy.stop()


def qstash_settings(qstash: FakeQStash) -> dict[str, str]:
    return {
        "QSTASH_TOKEN": qstash.token,
        "QSTASH_URL": qstash.url,
        "QSTASH_CURRENT_SIGNING_KEY": qstash.current_signing_key,
        "QSTASH_NEXT_SIGNING_KEY": qstash.next_signing_key,
    }


async def enqueue_all(database: Database, qstash: FakeQStash, public_url: str) -> list[str]:
    """Publish one QStash job per scheduled post, as a Schedule press does; return the job ids."""
    client = AsyncQStash(qstash.token, base_url=qstash.url)
    queue = QStashJobQueue(
        client, public_url + "/qstash/publish", public_url + "/qstash/failed", SystemClock()
    )
    posts = await publications(database)
    return [await queue.enqueue(post.post_id, 1, post.run_at) for post in posts]


async def test_duplicate_deliveries_publish_once(
    telegram: FakeTelegram,
    qstash: FakeQStash,
    database_url: str,
    database: Database,
    proxy: AlternatingProxy,
    processes: list[ServerProcess],
) -> None:
    settings = {**webhook_settings(telegram, database_url, proxy.url), **qstash_settings(qstash)}
    processes.extend([ServerProcess("a", settings), ServerProcess("b", settings)])
    proxy.targets = [server.url for server in processes]
    await start_all(processes)
    owners = await add_owners(database, telegram, OWNERS)
    due = datetime.now(UTC) + LEAD
    await add_scheduled_posts(database, owners, POSTS, due, tag="qstash")
    qstash.pause()
    job_ids = await enqueue_all(database, qstash, proxy.url)
    await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))

    # Copies race each other and, once delivery resumes, the scheduled delivery.
    copies = asyncio.gather(
        *(qstash.redeliver(job_id, copies=COPIES, concurrent=True) for job_id in job_ids)
    )
    qstash.resume()
    copy_statuses = [status for statuses in await copies for status in statuses]
    await qstash.wait_idle(timeout=IDLE_TIMEOUT)
    published = await publications(database)
    channel_texts = [
        message.text for owner in owners for message in telegram.bot_messages(owner.channel_id)
    ]
    deliveries = [f for f in proxy.forwarded() if f.path == "/qstash/publish"]

    assert Counter(copy_statuses) == {200: POSTS * COPIES}
    assert len(deliveries) == POSTS * (COPIES + 1)
    assert Counter(f.target for f in deliveries) == {
        0: len(deliveries) // 2,
        1: len(deliveries) // 2,
    }
    assert all(f.status == 200 for f in deliveries)
    assert Counter(p.status for p in published) == {PostStatus.POSTED.value: POSTS}
    assert len(channel_texts) == POSTS
    assert sorted(channel_texts) == sorted(p.content for p in published)
