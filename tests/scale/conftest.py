"""Fixtures for scale-out tests: test servers, and postlater processes stopped on exit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.conftest import POSTGRES_URL
from tests.fakes.telegram_api import FakeTelegram
from tests.scale.servers import ServerProcess, stop_all

# Several processes only share work through PostgreSQL; SQLite is one machine.
requires_postgres = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        POSTGRES_URL is None,
        reason="scale-out tests need PostgreSQL: set TEST_DATABASE_URL "
        "(SQLite serves one machine only)",
    ),
]


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def processes() -> AsyncIterator[list[ServerProcess]]:
    """A list the test fills with the servers it starts; all are stopped afterwards."""
    started: list[ServerProcess] = []
    yield started
    stop_all(started)
    for server in started:
        server.remove_files()
