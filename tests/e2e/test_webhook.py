"""Webhook mode: the secret header, repeated updates and the health check."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.conftest import MakeApp
from tests.e2e.harness import Harness, snapshot


@pytest.fixture
async def app(make_app: MakeApp) -> AsyncIterator[Harness]:
    async with make_app(updates="webhook") as harness:
        yield harness


async def test_webhook_is_registered_with_secret_and_updates(app: Harness) -> None:
    info = app.telegram.webhook_info()

    assert info["url"] == app.url + "/telegram/webhook"
    assert set(app.telegram.allowed_updates()) == {"message", "callback_query", "my_chat_member"}
    [call] = app.telegram.calls("setWebhook")
    assert call.params["secret_token"] == "test_webhook_secret"


async def test_repeated_update_is_processed_once(app: Harness) -> None:
    user = app.telegram.add_user("Alice")
    sent = app.telegram.send_text(user.id, "/help")
    await app.reply_to(user, "Schedule a post", after=0)

    app.telegram.redeliver(sent.update_id)
    await app.telegram.wait_for_delivery(sent.update_id, lambda d: d.redelivery)
    await asyncio.sleep(0.3)

    deliveries = app.telegram.deliveries(sent.update_id)
    replies = [m for m in app.telegram.bot_messages(user.id) if "Schedule a post" in (m.text or "")]
    assert len(deliveries) == 2
    assert all(d.status == 200 for d in deliveries)
    assert len(replies) == 1


@pytest.mark.parametrize("secret", [None, "wrong_secret", "test_webhook_secreT"])
async def test_wrong_or_missing_secret_is_forbidden(app: Harness, secret: str | None) -> None:
    update = {
        "update_id": 999001,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "Eve"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    before = await snapshot(app.database_url)

    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.post(
            app.url + "/telegram/webhook", content=json.dumps(update), headers=headers
        )

    assert response.status_code == 403
    assert await snapshot(app.database_url) == before
    assert app.telegram.calls("sendMessage") == []


async def test_health_answers_in_both_modes(make_app: MakeApp) -> None:
    for updates in ("polling", "webhook"):
        async with make_app(updates=updates) as app, httpx.AsyncClient(trust_env=False) as client:
            health = (await client.get(app.url + "/healthz")).json()

        assert health == {"status": "ok", "updates": updates, "queue": "local"}
