"""The lateness baseline: APScheduler 3 with its SQLAlchemyJobStore on the same PostgreSQL.

Run as its own process, like a postlater server: it adds one date-triggered
job per post to the job store, and each job publishes the post to its
Telegram channel and then notifies its owner, as postlater does. It writes one
JSON line per published post (due and published instants, Unix seconds) to
the output file as it goes, and exits when every job has run, or when the
plan's timeout (seconds after the jobs were added) has passed. Under a load
it cannot keep up with, its event loop may notice that timeout late, so the
caller also stops it at a hard limit.

    python -m bench.apscheduler_baseline JOBS.json OUTPUT.jsonl
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram import Bot
from telegram.request import HTTPXRequest

logger = logging.getLogger(__name__)

_bot: Bot | None = None
_output: TextIO | None = None
_published: list[dict[str, float]] = []
_done = asyncio.Event()
_expected = 0


async def publish(channel_id: int, owner_id: int, content: str, due: float) -> None:
    """Publish `content` to the channel, then notify its owner: the job every post runs."""
    if _bot is None:
        raise RuntimeError("the bot is not initialised")
    await _bot.send_message(chat_id=channel_id, text=content)
    published = time.time()
    record = {"due": due, "published": published}
    _published.append(record)
    if _output is not None:
        # Written at once, so a run stopped at its time limit keeps what it did.
        _output.write(json.dumps(record) + "\n")
        _output.flush()
    try:
        await _bot.send_message(chat_id=owner_id, text=f"Posted: {content}")
    except Exception:
        logger.exception("notification failed")
    if len(_published) >= _expected:
        _done.set()


async def run(plan: dict[str, Any]) -> list[dict[str, float]]:
    """Schedule every job of `plan`, run them, and return what each published when."""
    global _bot, _expected
    jobs = plan["jobs"]
    _expected = len(jobs)

    # The same HTTP client settings as postlater's bot (python-telegram-bot's
    # Application default of 256 connections); a bare Bot would have one.
    _bot = Bot(
        plan["token"],
        base_url=plan["base_url"],
        request=HTTPXRequest(connection_pool_size=256),
    )
    await _bot.initialize()
    # Synchronous job store: APScheduler 3 has no async one, so each store
    # call blocks the event loop, which is part of what this baseline measures.
    store = SQLAlchemyJobStore(url=plan["database_url"])
    scheduler = AsyncIOScheduler(
        jobstores={"default": store},
        job_defaults={"misfire_grace_time": None, "coalesce": False},
        timezone=UTC,
    )
    scheduler.start(paused=True)
    for job in jobs:
        scheduler.add_job(
            publish,
            "date",
            run_date=datetime.fromtimestamp(job["due"], UTC),
            args=[job["channel_id"], job["owner_id"], job["content"], job["due"]],
            id=job["id"],
        )
    print(json.dumps({"added": len(jobs), "at": time.time()}), flush=True)
    scheduler.resume()

    try:
        await asyncio.wait_for(_done.wait(), timeout=plan["timeout"])
    except TimeoutError:
        # The jobs still running or waiting are reported as unpublished.
        logger.warning("%d of %d jobs ran before the timeout", len(_published), _expected)
    print(json.dumps({"finished": time.time()}), flush=True)
    scheduler.shutdown(wait=False)
    await _bot.shutdown()
    return _published


def main(jobs_path: str, output_path: str) -> None:
    global _output
    with open(jobs_path) as jobs_file:
        plan: dict[str, Any] = json.load(jobs_file)
    with open(output_path, "w") as output:
        _output = output
        asyncio.run(run(plan))


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"))
    main(sys.argv[1], sys.argv[2])
