"""Updates of different chats run together; updates of one chat run in order."""

from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update

from bot.updates import PerChatUpdateProcessor


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    message = Message(update_id, None, chat)  # type: ignore[arg-type]
    return Update(update_id, message=message)


async def test_other_chats_do_not_wait_for_a_slow_one() -> None:
    processor = PerChatUpdateProcessor()
    finished: list[int] = []

    async def handle(update_id: int, seconds: float) -> None:
        await asyncio.sleep(seconds)
        finished.append(update_id)

    await asyncio.gather(
        processor.process_update(_update(1, 100), handle(1, 0.3)),
        processor.process_update(_update(2, 200), handle(2, 0.0)),
    )

    assert finished == [2, 1]


async def test_one_chat_runs_in_arrival_order() -> None:
    processor = PerChatUpdateProcessor()
    events: list[str] = []

    async def handle(name: str, seconds: float) -> None:
        events.append(f"start {name}")
        await asyncio.sleep(seconds)
        events.append(f"end {name}")

    await asyncio.gather(
        processor.process_update(_update(1, 100), handle("draft", 0.2)),
        processor.process_update(_update(2, 100), handle("request", 0.0)),
    )

    assert events == ["start draft", "end draft", "start request", "end request"]


async def test_locks_are_forgotten_when_idle() -> None:
    processor = PerChatUpdateProcessor()

    async def handle() -> None:
        await asyncio.sleep(0)

    await processor.process_update(_update(1, 100), handle())

    assert processor._locks == {}
