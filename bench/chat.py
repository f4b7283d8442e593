"""Chat throughput: Telegram updates per second through the real app in webhook mode.

Each simulated user runs a realistic loop: a schedule request (the bot
replies with a preview), a press on Schedule (the bot confirms in place),
and /queue (the bot lists upcoming posts). The users run at once, so the
Telegram test server delivers up to 40 updates concurrently, as Telegram
does by default, while each chat's updates stay in order.

Baseline: a bare python-telegram-bot echo bot on the same uvicorn +
Starlette webhook route + Telegram test server, driven by the same loop
(its reply carries a button to press).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import Row, cpu_seconds, fresh_database, set_webhook
from bench.telegram import BenchTelegram
from tests.fakes.telegram_records import FakeUser
from tests.scale.servers import WEBHOOK_SECRET, ServerProcess, webhook_settings

REPOSITORY = str(Path(__file__).resolve().parent.parent)
UPDATES_PER_CYCLE = 3
POLL = 0.005
SETUP_TIMEOUT = 30.0
REPLY_TIMEOUT = 60.0


@dataclass(frozen=True)
class Throughput:
    updates: int
    seconds: float
    server_cpu: float

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    @property
    def cpu_ms_per_update(self) -> float:
        return self.server_cpu / self.updates * 1000


def request_text(user: int, cycle: int) -> str:
    return f"post to my channel tomorrow 9am: Bench post {user}-{cycle}"


async def _wait_for_reply(
    telegram: BenchTelegram, chat_id: int, marker: str, prefix: str
) -> tuple[int, str]:
    """Wait for the newest bot message to show `marker` with a button starting with `prefix`."""
    deadline = time.monotonic() + REPLY_TIMEOUT
    while time.monotonic() < deadline:
        message_id, data, text = telegram.newest_bot_message(chat_id)
        if marker in text:
            for button in data:
                if button.startswith(prefix):
                    return message_id, button
        await asyncio.sleep(POLL)
    raise TimeoutError(f"no reply with {marker!r} in chat {chat_id}")


async def _user_loop(
    telegram: BenchTelegram, user: FakeUser, number: int, cycles: int, prefix: str
) -> None:
    for cycle in range(cycles):
        text = request_text(number, cycle)
        telegram.send_text(user.id, text)
        message_id, button = await _wait_for_reply(
            telegram, user.id, f"Bench post {number}-{cycle}", prefix
        )
        telegram.press_button(user.id, user.id, message_id, button)
        telegram.send_text(user.id, "/queue")


async def drive(
    telegram: BenchTelegram, server: ServerProcess, users: list[FakeUser], cycles: int, prefix: str
) -> Throughput:
    delivered_before = telegram.delivered_updates()
    expected = len(users) * cycles * UPDATES_PER_CYCLE
    cpu_before = cpu_seconds(server.pid)
    started = time.monotonic()

    await asyncio.gather(
        *(_user_loop(telegram, user, n, cycles, prefix) for n, user in enumerate(users))
    )
    deadline = time.monotonic() + REPLY_TIMEOUT
    while telegram.delivered_updates() - delivered_before < expected:
        if time.monotonic() > deadline:
            raise TimeoutError("not every update was delivered")
        await asyncio.sleep(POLL)

    seconds = time.monotonic() - started
    return Throughput(expected, seconds, cpu_seconds(server.pid) - cpu_before)


async def _say(telegram: BenchTelegram, user: FakeUser, text: str, expect: str) -> None:
    after = telegram.newest_bot_message(user.id)[0]
    telegram.send_text(user.id, text)
    await telegram.wait_for_message(
        user.id, lambda m: expect in (m.text or ""), SETUP_TIMEOUT, after_message_id=after
    )


async def onboard(telegram: BenchTelegram, number: int) -> FakeUser:
    """Set a user up as the walkthrough does: timezone, then a connected channel."""
    user = telegram.add_user(f"Bench{number}")
    await _say(telegram, user, "/start", "which timezone")
    await _say(telegram, user, "Berlin", "Timezone set")
    await _say(telegram, user, "/connect", "@username")
    username = f"bench_channel_{user.id}"
    telegram.add_channel(
        f"Bench {number}", username, creator=user.id, bot_rights={"can_post_messages": True}
    )
    await _say(telegram, user, f"@{username}", "Connected")
    return user


async def run_postlater(users: int, cycles: int) -> Throughput:
    url = await fresh_database("bench_chat")
    with BenchTelegram() as telegram:
        server = ServerProcess("chat", {})
        server.settings = webhook_settings(telegram, url, server.url)
        server.start()
        try:
            await server.wait_ready()
            await set_webhook(
                telegram.base_url, telegram.token, server.url + "/telegram/webhook", WEBHOOK_SECRET
            )
            people = await asyncio.gather(*(onboard(telegram, n) for n in range(users)))
            return await drive(telegram, server, list(people), cycles, "pv:s:")
        finally:
            server.stop()
            server.remove_files()


async def run_echo(users: int, cycles: int) -> Throughput:
    with BenchTelegram() as telegram:
        settings = {
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "PYTHONPATH": os.pathsep.join(filter(None, [REPOSITORY, os.environ.get("PYTHONPATH")])),
        }
        server = ServerProcess("echo", settings, command=[sys.executable, "-m", "bench.echo_bot"])
        server.start()
        try:
            await server.wait_ready()
            await set_webhook(
                telegram.base_url, telegram.token, server.url + "/telegram/webhook", WEBHOOK_SECRET
            )
            people = [telegram.add_user(f"Echo{n}") for n in range(users)]
            return await drive(telegram, server, people, cycles, "echo")
        finally:
            server.stop()
            server.remove_files()


async def run(quick: bool) -> list[Row]:
    users, cycles = (10, 5) if quick else (20, 25)
    ours = await run_postlater(users, cycles)
    theirs = await run_echo(users, cycles)
    name = f"1. chat throughput, {users} users x {cycles} cycles (webhook, PostgreSQL)"
    baseline = "python-telegram-bot echo bot, same stack"
    return [
        Row(
            name,
            "updates per second",
            ours.rate,
            "updates/s",
            baseline,
            theirs.rate,
            target=">= 0.5 x echo bot",
            met=ours.rate >= 0.5 * theirs.rate,
        ),
        Row(
            name,
            "server CPU per update",
            ours.cpu_ms_per_update,
            "ms",
            baseline,
            theirs.cpu_ms_per_update,
        ),
    ]


if __name__ == "__main__":
    for row in asyncio.run(run("--quick" in sys.argv)):
        print(row)
