"""Fixtures for end-to-end tests: the test servers and a running app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from tests.e2e.harness import START, Harness
from tests.fakes.linkedin_api import FakeLinkedIn
from tests.fakes.qstash_server import FakeQStash
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.x_api import FakeX

MakeApp = Callable[..., AbstractAsyncContextManager[Harness]]


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def make_app(telegram: FakeTelegram, database_url: str) -> MakeApp:
    """Start the app with a given updates mode and job queue; stopped on exit."""

    @asynccontextmanager
    async def running(
        updates: str = "polling",
        queue: str = "local",
        networks: bool = False,
        linkedin_options: dict[str, object] | None = None,
        **settings: object,
    ) -> AsyncIterator[Harness]:
        qstash = FakeQStash(start_at=START.timestamp()).start() if queue == "qstash" else None
        harness = Harness(
            telegram, database_url, updates, queue, qstash, extra_settings=dict(settings)
        )
        if networks:
            harness.linkedin = FakeLinkedIn(
                start_at=START.timestamp(),
                redirect_uris=[harness.url + "/oauth/linkedin/callback"],
                **(linkedin_options or {}),  # type: ignore[arg-type]
            ).start()
            harness.x = FakeX(
                start_at=START.timestamp(), redirect_uris=[harness.url + "/oauth/x/callback"]
            ).start()
        try:
            await harness.start()
            yield harness
        finally:
            await harness.stop()
            for server in (qstash, harness.linkedin, harness.x):
                if server is not None:
                    server.stop()

    return running


@pytest.fixture(params=["local", "qstash"])
async def app(request: pytest.FixtureRequest, make_app: MakeApp) -> AsyncIterator[Harness]:
    """The app in polling mode, once with each job queue: every behaviour test runs on both."""
    async with make_app(queue=request.param) as harness:
        yield harness
