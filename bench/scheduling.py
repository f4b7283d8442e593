"""Scheduling latency: from the Schedule press to the job stored and enqueued.

The clock starts when the simulated user presses Schedule on the Telegram
test server and stops when the bot's "Scheduled" edit of the preview reaches
the Bot API. postlater edits the preview only after the post is stored as
scheduled and its job is enqueued (with QStash: accepted by the QStash test
server), so the figure bounds the time to stored-and-enqueued from above.
Presses are made one at a time, in webhook mode, on PostgreSQL.

Baseline: the echo bot's button round trip (press to answerCallbackQuery)
on the same stack: what any button costs before the bot does any work.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass

from bench.chat import REPOSITORY, onboard
from bench.common import Row, fresh_database, percentile
from bench.telegram import BenchTelegram
from tests.fakes.qstash_server import FakeQStash
from tests.fakes.telegram_records import FakeUser
from tests.scale.servers import WEBHOOK_SECRET, ServerProcess, webhook_settings

POLL = 0.002
TIMEOUT = 30.0


@dataclass(frozen=True)
class Latencies:
    seconds: list[float]

    @property
    def p50(self) -> float:
        return percentile(self.seconds, 0.50)

    @property
    def p99(self) -> float:
        return percentile(self.seconds, 0.99)


async def _poll(check: object) -> float:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = check()  # type: ignore[operator]
        if found is not None:
            return float(found)
        await asyncio.sleep(POLL)
    raise TimeoutError("no reply in time")


async def _wait_for_preview(
    telegram: BenchTelegram, user: FakeUser, marker: str
) -> tuple[int, str]:
    def check() -> tuple[int, str] | None:
        message_id, data, text = telegram.newest_bot_message(user.id)
        buttons = [d for d in data if d.startswith("pv:s:")]
        return (message_id, buttons[0]) if marker in text and buttons else None

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = check()
        if found is not None:
            return found
        await asyncio.sleep(POLL)
    raise TimeoutError(f"no preview showing {marker!r}")


async def _press_schedule(telegram: BenchTelegram, user: FakeUser, number: int) -> float:
    marker = f"Latency {number}"
    telegram.send_text(user.id, f"post to my channel tomorrow 9am: {marker}")
    message_id, button = await _wait_for_preview(telegram, user, marker)

    pressed = time.time()
    telegram.press_button(user.id, user.id, message_id, button)

    def scheduled() -> float | None:
        if "Scheduled" not in telegram.message_text(user.id, message_id):
            return None
        return telegram.call_time("editMessageText", user.id, message_id)

    return await _poll(scheduled) - pressed


async def run_postlater(queue: str, presses: int) -> Latencies:
    url = await fresh_database("bench_scheduling")
    qstash = FakeQStash().start() if queue == "qstash" else None
    try:
        with BenchTelegram() as telegram:
            server = ServerProcess("scheduling", {})
            settings = webhook_settings(telegram, url, server.url)
            if qstash is not None:
                settings.update(
                    QSTASH_TOKEN=qstash.token,
                    QSTASH_URL=qstash.url,
                    QSTASH_CURRENT_SIGNING_KEY=qstash.current_signing_key,
                    QSTASH_NEXT_SIGNING_KEY=qstash.next_signing_key,
                )
            server.settings = settings
            server.start()
            try:
                await server.wait_ready()
                user = await onboard(telegram, 0)
                return Latencies([await _press_schedule(telegram, user, n) for n in range(presses)])
            finally:
                server.stop()
                server.remove_files()
    finally:
        if qstash is not None:
            qstash.stop()


async def run_echo(presses: int) -> Latencies:
    with BenchTelegram() as telegram:
        settings = {
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "PYTHONPATH": REPOSITORY,
        }
        server = ServerProcess("echo", settings, command=[sys.executable, "-m", "bench.echo_bot"])
        server.start()
        try:
            await server.wait_ready()
            await _register_echo_webhook(telegram, server)
            user = telegram.add_user("Echo")
            latencies = []
            for number in range(presses):
                marker = f"Echo {number}"
                telegram.send_text(user.id, marker)

                def echoed(marker: str = marker) -> int | None:
                    message_id, data, text = telegram.newest_bot_message(user.id)
                    return message_id if text == marker and data else None

                message_id = int(await _poll(echoed))
                pressed = time.time()
                query = telegram.press_button(user.id, user.id, message_id, "echo")
                latencies.append(await _poll(lambda q=query: telegram.answer_time(q)) - pressed)
            return Latencies(latencies)
        finally:
            server.stop()
            server.remove_files()


async def _register_echo_webhook(telegram: BenchTelegram, server: ServerProcess) -> None:
    from bench.common import set_webhook

    await set_webhook(
        telegram.base_url, telegram.token, server.url + "/telegram/webhook", WEBHOOK_SECRET
    )


async def run(quick: bool) -> list[Row]:
    presses = 20 if quick else 200
    local = await run_postlater("local", presses)
    qstash = await run_postlater("qstash", presses)
    echo = await run_echo(presses)
    name = f"5. scheduling latency, Schedule press to job stored and enqueued ({presses} presses)"
    baseline = "echo bot button round trip"
    return [
        Row(name, "local queue p50", local.p50 * 1000, "ms", baseline, echo.p50 * 1000),
        Row(name, "local queue p99", local.p99 * 1000, "ms", baseline, echo.p99 * 1000),
        Row(name, "QStash p50", qstash.p50 * 1000, "ms", baseline, echo.p50 * 1000),
        Row(name, "QStash p99", qstash.p99 * 1000, "ms", baseline, echo.p99 * 1000),
    ]


if __name__ == "__main__":
    for row in asyncio.run(run("--quick" in sys.argv)):
        print(row)
