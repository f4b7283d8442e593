"""Two server processes behind an alternating proxy hold one conversation together."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from domain.model import PostStatus
from storage.database import Database
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_records import FakeMessage, FakeUser
from tests.scale.conftest import requires_postgres
from tests.scale.seeding import count_by_status
from tests.scale.servers import AlternatingProxy, ServerProcess, start_all, webhook_settings

pytestmark = requires_postgres

REPLY_TIMEOUT = 10.0


@pytest.fixture
async def proxy() -> AsyncIterator[AlternatingProxy]:
    proxy = AlternatingProxy().start()
    yield proxy
    proxy.stop()


async def say(telegram: FakeTelegram, user: FakeUser, text: str, expect: str) -> FakeMessage:
    after = max((m.message_id for m in telegram.bot_messages(user.id)), default=0)
    telegram.send_text(user.id, text)
    return await telegram.wait_for_message(
        user.id,
        lambda m: expect in (m.text or ""),
        timeout=REPLY_TIMEOUT,
        after_message_id=after,
    )


async def press(
    telegram: FakeTelegram, user: FakeUser, message: FakeMessage, prefix: str, expect: str
) -> FakeMessage:
    """Press the button whose data starts with `prefix`; return the message showing `expect`."""
    data = next(d for d in message.callback_data if d.startswith(prefix))
    after = max((m.message_id for m in telegram.bot_messages(user.id)), default=0)
    query = telegram.press_button(user.id, message.chat_id, message.message_id, data)
    await telegram.wait_for_answer(query, timeout=REPLY_TIMEOUT)
    return await telegram.wait_for_message(
        user.id,
        lambda m: (
            expect in (m.text or "")
            and (m.message_id > after or m.message_id == message.message_id)
        ),
        timeout=REPLY_TIMEOUT,
    )


async def test_conversation_across_two_processes(
    telegram: FakeTelegram,
    database_url: str,
    database: Database,
    proxy: AlternatingProxy,
    processes: list[ServerProcess],
) -> None:
    settings = webhook_settings(telegram, database_url, proxy.url)
    processes.extend([ServerProcess("a", settings), ServerProcess("b", settings)])
    proxy.targets = [server.url for server in processes]
    await start_all(processes)
    user = telegram.add_user("Alice")
    channel_owner = user.id

    await say(telegram, user, "/start", "which timezone")
    await say(telegram, user, "Berlin", "Timezone set to Europe/Berlin")
    await say(telegram, user, "/connect", "@username")
    telegram.add_channel(
        "Acme News", "acme_news", creator=channel_owner, bot_rights={"can_post_messages": True}
    )
    await say(telegram, user, "@acme_news", "Connected Acme News")
    preview = await say(telegram, user, "post this to my channel tomorrow 9am: Shared", "Preview")
    await press(telegram, user, preview, "pv:t:", "When should it go out instead?")
    await say(telegram, user, "in 3 hours", "New time")
    changed = telegram.message(user.id, preview.message_id)
    assert changed is not None
    scheduled = await press(telegram, user, changed, "pv:s:", "Scheduled")
    scheduled_counts = await count_by_status(database)
    listing = await say(telegram, user, "/queue", "Upcoming posts")
    cancelled = await press(telegram, user, listing, "q:c:", "Cancelled")
    final_counts = await count_by_status(database)
    webhook_requests = [f for f in proxy.forwarded() if f.path == "/telegram/webhook"]

    assert scheduled.message_id == preview.message_id
    assert scheduled_counts == {PostStatus.SCHEDULED.value: 1}
    assert "Cancelled" in (cancelled.text or "")
    assert final_counts == {PostStatus.CANCELLED.value: 1}
    assert all(f.status == 200 for f in webhook_requests)
    assert len(webhook_requests) >= 10
    assert [f.target for f in webhook_requests] == [i % 2 for i in range(len(webhook_requests))]
