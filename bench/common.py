"""Helpers shared by the benchmarks: databases, result rows and statistics."""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import Database, normalise_url
from storage.migrations import upgrade

# The server whose databases the benchmarks create and fill; never the test database.
BENCH_SERVER_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench"
)


@dataclass(frozen=True)
class Row:
    """One line of the results table: a figure beside the baseline measured in the same run."""

    benchmark: str
    measure: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline


def database_url(name: str) -> str:
    """Return the URL of database `name` on the benchmark server."""
    return make_url(BENCH_SERVER_URL).set(database=name).render_as_string(hide_password=False)


async def fresh_database(name: str) -> str:
    """Create (or empty) database `name`, migrate it, and return its URL."""
    admin = create_async_engine(
        normalise_url(database_url("postgres")), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as connection:
        exists = await connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()

    url = database_url(name)
    engine = create_async_engine(normalise_url(url))
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    database = Database(url)
    await upgrade(database)
    await database.dispose()
    return url


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the smallest value that has `fraction` of the values at or below it (nearest rank)."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def resident_kib(pid: int) -> int:
    """Return the resident set size of process `pid` in KiB, from /proc."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """Return the user plus system CPU seconds that process `pid` has used so far, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    # Fields 14 and 15 of /proc/PID/stat (utime, stime), counted after the name.
    return (int(fields[11]) + int(fields[12])) / ticks


async def set_webhook(telegram_base_url: str, token: str, url: str, secret: str) -> None:
    """Register `url` with Telegram's default of 40 connections.

    The Telegram test server delivers one update at a time unless setWebhook
    names max_connections, while Telegram itself defaults to 40; both bots
    under test get the same 40.
    """
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.post(
            f"{telegram_base_url}{token}/setWebhook",
            data={
                "url": url,
                "secret_token": secret,
                "max_connections": "40",
                "allowed_updates": '["message", "callback_query", "my_chat_member"]',
            },
        )
        response.raise_for_status()
