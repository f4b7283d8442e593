"""Shared fixtures: a migrated database per test, on SQLite or on TEST_DATABASE_URL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import Database, normalise_url
from storage.migrations import upgrade
from storage.models import Base

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL ' + POSTGRES_URL if POSTGRES_URL else 'SQLite'}"


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(normalise_url(url))
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    database = Database(url)
    await upgrade(database)
    await database.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """The PostgreSQL test database, migrated once per session, or None."""
    if POSTGRES_URL is None:
        yield None
        return
    asyncio.run(_reset_postgres(POSTGRES_URL))
    yield POSTGRES_URL


@pytest.fixture
async def database_url(postgres_url: str | None, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database for one test."""
    if postgres_url is None:
        url = f"sqlite:///{tmp_path / 'postlater.db'}"
        database = Database(url)
        await upgrade(database)
        await database.dispose()
        yield url
        return

    await _truncate(postgres_url)
    yield postgres_url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


async def _truncate(url: str) -> None:
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    engine = create_async_engine(normalise_url(url))
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()
