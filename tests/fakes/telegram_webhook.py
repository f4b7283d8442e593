"""Webhook delivery of the Telegram test server.

Like Telegram, `WebhookSender` POSTs each update as JSON with the
X-Telegram-Bot-Api-Secret-Token header (when a secret is set), keeps the
updates of one chat in update_id order, and resends an update after a non-2xx
reply or a failed connection. Updates of different chats may overtake each
other while one waits for a retry, as they may on Telegram.

Differences keep tests fast and local:

- Up to `max_connections` deliveries run at once, but only one when setWebhook
  gave no max_connections (Telegram's default is 40).
- Retries wait `retry_delay` seconds instead of Telegram's growing backoff, and
  an update is dropped after `max_attempts` attempts instead of after 24 hours.
- A Retry-After header in the webhook's reply is ignored; Telegram honours it.
- Updates go to loopback addresses only. Any other URL fails without a
  connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.fakes.telegram_records import FakeUpdate, WebhookDelivery
from tests.fakes.telegram_state import TelegramState, WebhookSettings

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.005
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# Methods that Telegram does not run when a webhook reply names them.
_NOT_RUN_FROM_REPLY = frozenset({"deletewebhook", "setwebhook", "close", "logout"})

ReplyExecutor = Callable[[str, dict[str, str]], Awaitable[None]]


@dataclass(frozen=True)
class _Job:
    update: FakeUpdate
    webhook: WebhookSettings
    attempt: int
    redelivery: bool
    generation: int


class WebhookSender:
    def __init__(
        self,
        state: TelegramState,
        *,
        retry_delay: float,
        max_attempts: int,
        timeout: float,
        execute_reply: ReplyExecutor,
    ) -> None:
        self.state = state
        self.retry_delay = retry_delay
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.execute_reply = execute_reply
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Deliver updates until the state is closing; runs on the server's event loop."""
        # trust_env=False keeps proxy settings from routing loopback traffic elsewhere.
        async with httpx.AsyncClient(timeout=self.timeout, trust_env=False) as client:
            try:
                while True:
                    with self.state.lock:
                        if self.state.closing:
                            break
                        jobs = self._take_jobs()
                    for job in jobs:
                        task = asyncio.create_task(self._deliver(client, job))
                        self._tasks.add(task)
                        task.add_done_callback(self._tasks.discard)
                    await asyncio.sleep(POLL_INTERVAL)
            finally:
                for task in list(self._tasks):
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)

    def _take_jobs(self) -> list[_Job]:
        state = self.state
        webhook = state.webhook
        if webhook is None:
            return []

        queue = state.webhook_queue
        free = (webhook.max_connections or 1) - len(queue.in_flight)
        jobs: list[_Job] = []
        while free > 0 and queue.redeliveries:
            update = state.updates[queue.redeliveries.pop(0)]
            attempt = 1 + sum(1 for d in state.deliveries if d.update_id == update.update_id)
            queue.in_flight.add(update.update_id)
            jobs.append(_Job(update, webhook, attempt, True, state.generation))
            free -= 1

        # A chat's next update waits until the one before it is delivered.
        now = time.monotonic()
        waiting_chats = {_chat_key(state.updates[i]) for i in queue.in_flight if i in state.updates}
        for update in state.pending:
            if free <= 0:
                break
            key = _chat_key(update)
            if key in waiting_chats:
                continue
            waiting_chats.add(key)
            if queue.retry_at.get(update.update_id, 0.0) > now:
                continue
            queue.in_flight.add(update.update_id)
            attempt = queue.attempts.get(update.update_id, 0) + 1
            jobs.append(_Job(update, webhook, attempt, False, state.generation))
            free -= 1
        return jobs

    async def _deliver(self, client: httpx.AsyncClient, job: _Job) -> None:
        started_at = time.monotonic()
        secret = job.webhook.secret_token or None
        status, error, reply = await self._post(client, job, secret)
        delivery = WebhookDelivery(
            update_id=job.update.update_id,
            attempt=job.attempt,
            url=job.webhook.url,
            status=status,
            error=error,
            secret_token=secret,
            redelivery=job.redelivery,
            started_at=started_at,
            duration=time.monotonic() - started_at,
        )
        if not self._finish(job, delivery):
            return

        if delivery.ok and isinstance(reply, dict) and isinstance(reply.get("method"), str):
            method = reply["method"]
            if method.lower() not in _NOT_RUN_FROM_REPLY and not method.lower().startswith("get"):
                parameters = {
                    k: v if isinstance(v, str) else json.dumps(v) for k, v in reply.items()
                }
                parameters.pop("method")
                await self.execute_reply(method, parameters)

    async def _post(
        self, client: httpx.AsyncClient, job: _Job, secret: str | None
    ) -> tuple[int | None, str | None, Any]:
        if not _is_loopback(job.webhook.url):
            return None, "not sent: this test server delivers webhooks to loopback hosts only", None

        headers = {"Content-Type": "application/json"}
        if secret:
            headers[SECRET_HEADER] = secret
        body = json.dumps(job.update.to_json(), ensure_ascii=False).encode("utf-8")
        try:
            response = await client.post(job.webhook.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return None, "Read timeout expired", None
        except httpx.ConnectError:
            return None, "Connection refused", None
        except httpx.HTTPError as error:
            return None, f"Webhook connection failed: {type(error).__name__}", None

        if not 200 <= response.status_code <= 299:
            reason = f"{response.status_code} {response.reason_phrase}".strip()
            return response.status_code, f"Wrong response from the webhook: {reason}", None
        try:
            reply = response.json() if response.content else None
        except ValueError:
            reply = None
        return response.status_code, None, reply

    def _finish(self, job: _Job, delivery: WebhookDelivery) -> bool:
        """Record the attempt and schedule a retry; return False when a reset made it stale."""
        state = self.state
        update_id = job.update.update_id
        with state.lock:
            if job.generation != state.generation:
                return False
            state.deliveries.append(delivery)
            queue = state.webhook_queue
            queue.in_flight.discard(update_id)
            if delivery.ok:
                if not job.redelivery:
                    state.pending = [u for u in state.pending if u.update_id != update_id]
                    queue.attempts.pop(update_id, None)
                    queue.retry_at.pop(update_id, None)
                return True

            queue.last_error_date = state.now()
            queue.last_error_message = delivery.error
            if job.redelivery:
                return True
            queue.attempts[update_id] = job.attempt
            if job.attempt >= self.max_attempts:
                logger.warning(
                    "dropping update %d after %d failed webhook attempts", update_id, job.attempt
                )
                state.pending = [u for u in state.pending if u.update_id != update_id]
                return True
            logger.info(
                "webhook attempt %d for update %d failed (%s); retrying",
                job.attempt,
                update_id,
                delivery.error,
            )
            queue.retry_at[update_id] = time.monotonic() + self.retry_delay
            return True


def _chat_key(update: FakeUpdate) -> tuple[str, int]:
    if update.chat_id is None:
        return ("update", update.update_id)
    return ("chat", update.chat_id)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
