"""A QStash-compatible test server that the official `qstash` SDK can publish to.

`FakeQStash` serves on 127.0.0.1 the parts of the QStash v2 REST API that
postlater uses: publish, get and cancel a message, the DLQ and the signing keys.
It stores the messages and delivers them like QStash does, at their not-before
time, signed, with retries, a DLQ and callbacks. Tests drive it with the SDK and
inspect or steer it through the methods below, which are safe to call from any
thread.

The server keeps its own scheduling clock, real time plus an offset that `advance`
moves forward, so a message due in 30 days can be made due in a test. Signatures
always use the real clock, because receivers check them against real time.

Not supported: URL groups, queues (`/v2/enqueue`), batches, schedules, flow
control, and the `Upstash-Retry-Delay` expression, which is stored but not
evaluated: retries wait `retry_delays` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any, TypeVar

import httpx
from starlette.applications import Starlette

from tests.fakes.qstash_api import QStashApi
from tests.fakes.qstash_delivery import USER_AGENT, send_attempt
from tests.fakes.qstash_records import DeliveryAttempt, DlqEntry, FakeMessage, MessageState, new_id
from tests.fakes.qstash_signing import (
    SIGNATURE_LIFETIME,
    delivery_claims,
    encode_signature,
    new_signing_key,
)
from tests.fakes.qstash_store import QStashStore
from tests.fakes.serving import ThreadedServer

logger = logging.getLogger(__name__)

T = TypeVar("T")

_POLL_INTERVAL = 0.01


class FakeQStash:
    """QStash v2 test server on 127.0.0.1 with a steerable clock and delivery.

    Start it with `start()` or `with FakeQStash() as fake:`, point the SDK at it
    with `AsyncQStash(fake.token, base_url=fake.url)`, and verify deliveries with
    `Receiver(fake.current_signing_key, fake.next_signing_key)`.

    `retry_delays` are the waits in seconds before retry 1, 2, 3 and so on (the
    last one repeats). Real QStash waits about 12 s, 2.5 min and 30 min. A
    `Retry-After` reply header sets the next wait instead, capped at
    `max_retry_after` so that tests stay fast. `delivery_timeout` is the seconds an
    attempt may take unless the message sets `Upstash-Timeout`. A repeat of a
    deduplication id within `deduplication_window` seconds of the scheduling clock
    publishes nothing. `max_delay`, when set, rejects publishes due further ahead
    than that many seconds, as QStash's plans do (7 days on the free plan).
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        current_signing_key: str | None = None,
        next_signing_key: str | None = None,
        retry_delays: Sequence[float] = (0.1, 0.2, 0.4),
        max_retry_after: float = 1.0,
        delivery_timeout: float = 10.0,
        deduplication_window: float = 600.0,
        max_delay: float | None = None,
        region: str = "eu-central-1",
        start_at: float | None = None,
    ) -> None:
        self._token = token or new_id("qstash_", length=40)
        self._delivery_timeout = delivery_timeout
        self._region = region
        self._store = QStashStore(
            current_signing_key=current_signing_key or new_signing_key(),
            next_signing_key=next_signing_key or new_signing_key(),
            retry_delays=retry_delays,
            max_retry_after=max_retry_after,
            deduplication_window=deduplication_window,
            max_delay=max_delay,
            on_change=self._wake_scheduler,
            start_at=start_at,
        )

        # Created on the server's loop by the lifespan.
        self._wake: asyncio.Event | None = None
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

        app = QStashApi(self._store, self._token).build_app(self._lifespan)
        self._server = ThreadedServer(app)

    # Lifecycle and settings

    def start(self) -> FakeQStash:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> FakeQStash:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL for the SDK's `base_url` (or the `QSTASH_URL` setting)."""
        return self._server.url

    @property
    def token(self) -> str:
        return self._token

    @property
    def region(self) -> str:
        """Value of the `Upstash-Region` delivery header."""
        return self._region

    @property
    def current_signing_key(self) -> str:
        return self._store.signing_keys()[0]

    @property
    def next_signing_key(self) -> str:
        return self._store.signing_keys()[1]

    def rotate_keys(self) -> tuple[str, str]:
        """Make the next signing key current and create a new next key, like QStash's key roll.

        Returns the new (current, next) pair.
        """
        return self._store.rotate_keys()

    def reset(self) -> None:
        """Forget every message, attempt, DLQ entry and deduplication id.

        This lets one server serve many tests. It also sets the scheduling clock back
        to real time and resumes delivery. The token and signing keys stay. Attempts
        in flight still finish but are not recorded, so call `wait_idle()` first.
        """
        self._store.reset()

    # Scheduling clock and delivery control

    def now(self) -> float:
        """Return the scheduling clock: real Unix time plus the offset from `advance`."""
        return self._store.now()

    def advance(self, seconds: float) -> None:
        """Move the scheduling clock forward. Messages that become due are delivered at once."""
        self._store.advance(seconds)

    def deliver_now(self, message_id: str) -> None:
        """Make a pending message due now, whether it waits for its not-before time or a retry.

        Raises ValueError if the message is not pending and KeyError if it is unknown.
        """
        self._store.deliver_now(message_id)

    def pause(self) -> None:
        """Start no more delivery attempts until `resume()`. Attempts in flight still finish."""
        self._store.pause()

    def resume(self) -> None:
        self._store.resume()

    # Inspection: each call returns copies

    def messages(self) -> list[FakeMessage]:
        """Return every published message and callback, oldest first."""
        return self._store.messages()

    def message(self, message_id: str) -> FakeMessage:
        """Return the message with this id, or raise KeyError if none was published."""
        return self._store.message(message_id)

    def deliveries(self, url: str | None = None) -> list[DeliveryAttempt]:
        """Return every finished delivery attempt in order of completion, optionally to one URL.

        Callbacks and `redeliver` copies are included. Attempts still in flight are not.
        """
        return self._store.deliveries(url)

    def dlq(self) -> list[DlqEntry]:
        """Return the messages that ended without success, oldest first."""
        return self._store.dlq()

    # Async waiters: they poll from the caller's event loop and never block it.
    # Each raises TimeoutError, saying what it saw, when `timeout` seconds pass.

    async def wait_for_state(
        self,
        message_id: str,
        state: MessageState,
        timeout: float = 5.0,
    ) -> FakeMessage:
        """Wait until the message is in `state`, and return a copy of it then."""

        def check() -> FakeMessage | None:
            message = self.message(message_id)
            return message if message.state == state else None

        def describe() -> str:
            message = self.message(message_id)
            return (
                f"message {message_id} is {message.state}, not {state}, after {timeout} s; "
                f"attempt statuses: {message.statuses}"
            )

        return await _poll(check, timeout, describe)

    async def wait_for_deliveries(
        self,
        count: int,
        timeout: float = 5.0,
        *,
        url: str | None = None,
    ) -> list[DeliveryAttempt]:
        """Wait until at least `count` attempts (to `url`, if given) have finished. Return all."""

        def check() -> list[DeliveryAttempt] | None:
            attempts = self.deliveries(url)
            return attempts if len(attempts) >= count else None

        def describe() -> str:
            statuses = [attempt.status for attempt in self.deliveries(url)]
            return f"{len(statuses)} of {count} deliveries after {timeout} s; statuses: {statuses}"

        return await _poll(check, timeout, describe)

    async def wait_idle(
        self,
        timeout: float = 5.0,
    ) -> None:
        """Wait until no attempt is in flight and no pending message is due.

        While paused, a due message keeps the server busy, so this times out.
        """

        def check() -> bool | None:
            return True if self._store.busy_reason() is None else None

        def describe() -> str:
            return f"not idle after {timeout} s: {self._store.busy_reason()}"

        await _poll(check, timeout, describe)

    # Extra requests for tests of duplicate, concurrent and forged deliveries

    async def redeliver(
        self, message_id: str, copies: int = 1, concurrent: bool = False
    ) -> list[int | None]:
        """Send the message's delivery again with the same message id, as at-least-once QStash may.

        Sends `copies` requests one after another, or all at the same moment when
        `concurrent`. Each is freshly signed and carries the `Upstash-Retried` value of
        the last scheduled attempt. The copies are recorded in `deliveries()` with
        `redelivery=True`, and the message's state does not change. Returns the reply
        statuses, None where no reply came.
        """
        return await self._run_on_server_loop(
            lambda: self._redeliver(message_id, copies, concurrent)
        )

    async def send_forged(
        self,
        url: str,
        body: bytes | str,
        *,
        key: str | None = None,
        tamper_body: bool = False,
        sub: str | None = None,
        expired: bool = False,
        not_yet_valid: bool = False,
        no_signature: bool = False,
        iss: str | None = None,
    ) -> int:
        """POST a delivery-like request to `url` with the chosen defects; return the reply status.

        Without defect arguments the request is signed correctly with the current key.
        Each argument adds one defect:

        - `key`: sign with this key instead, for example `new_signing_key()`;
        - `tamper_body`: append a space to the body after signing, so JSON stays valid;
        - `sub`, `iss`: replace those claims;
        - `expired`, `not_yet_valid`: move the validity window 5 minutes into the past
          or the future;
        - `no_signature`: leave out `Upstash-Signature`.

        The request is not recorded in `deliveries()`.
        """
        raw_body = body.encode() if isinstance(body, str) else body
        claims = delivery_claims(url if sub is None else sub, raw_body, int(time.time()))
        if expired:
            _shift_validity(claims, -2 * SIGNATURE_LIFETIME)
        if not_yet_valid:
            _shift_validity(claims, SIGNATURE_LIFETIME)
        if iss is not None:
            claims["iss"] = iss

        signature = (
            None if no_signature else encode_signature(claims, key or self.current_signing_key)
        )
        sent_body = raw_body + b" " if tamper_body else raw_body
        return await self._run_on_server_loop(lambda: self._send_forged(url, sent_body, signature))

    # Server loop: lifespan, scheduler and HTTP requests

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self._wake = asyncio.Event()
        self._client = httpx.AsyncClient(trust_env=False, timeout=None)
        scheduler = asyncio.create_task(self._run_scheduler(), name="qstash-scheduler")
        logger.info("QStash test server started on %s", self.url)
        try:
            yield
        finally:
            scheduler.cancel()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(scheduler, *self._tasks, return_exceptions=True)
            await self._client.aclose()
            logger.info("QStash test server on %s stopped", self.url)

    def _wake_scheduler(self) -> None:
        loop, wake = self._server.loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    async def _run_scheduler(self) -> None:
        if self._wake is None:
            raise RuntimeError("the scheduler needs the wake event that the lifespan creates")

        while True:
            # Clear before claiming, so that a wake-up during the claim is not lost.
            self._wake.clear()
            due, sleep = self._store.claim_due_messages()
            for message in due:
                task = asyncio.create_task(self._deliver(message))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                task.add_done_callback(_log_task_failure)

            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=sleep)

    async def _deliver(self, message: FakeMessage) -> None:
        retried = self._store.next_retried(message)
        try:
            attempt = await self._send(message, retried, redelivery=False)
        except asyncio.CancelledError:
            self._store.abandon_attempt()
            raise
        self._store.finish_attempt(message, attempt)

    async def _redeliver(self, message_id: str, copies: int, concurrent: bool) -> list[int | None]:
        async def send_copy() -> int | None:
            message, retried = self._store.start_redelivery(message_id)
            try:
                attempt = await self._send(message, retried, redelivery=True)
            except asyncio.CancelledError:
                self._store.abandon_attempt()
                raise
            self._store.finish_attempt(message, attempt)
            return attempt.status

        if concurrent:
            return list(await asyncio.gather(*(send_copy() for _ in range(copies))))
        return [await send_copy() for _ in range(copies)]

    async def _send(
        self, message: FakeMessage, retried: int, *, redelivery: bool
    ) -> DeliveryAttempt:
        return await send_attempt(
            self._http_client(),
            message,
            retried=retried,
            key=self.current_signing_key,
            region=self._region,
            attempt_timeout=message.timeout or self._delivery_timeout,
            redelivery=redelivery,
        )

    async def _send_forged(self, url: str, body: bytes, signature: str | None) -> int:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Upstash-Message-Id": new_id("msg_"),
            "Upstash-Retried": "0",
            "Upstash-Caller-Ip": "127.0.0.1",
            "Upstash-Region": self._region,
        }
        if signature is not None:
            headers["Upstash-Signature"] = signature

        response = await self._http_client().post(
            url, content=body, headers=headers, timeout=self._delivery_timeout
        )
        return response.status_code

    def _http_client(self) -> httpx.AsyncClient:
        if self._client is None:
            raise RuntimeError("the QStash test server is not running, so call start() first")
        return self._client

    async def _run_on_server_loop(self, factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
        # Awaiting a wrapped future keeps the caller's loop free, which matters when the
        # app that receives the request runs on that same loop.
        loop = self._server.loop
        if loop is None:
            raise RuntimeError("the QStash test server is not running, so call start() first")
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(factory(), loop))


def _log_task_failure(task: asyncio.Task[Any]) -> None:
    # An attempt that crashed leaves its message delivering, so wait_idle() times out.
    # The log line says why.
    if not task.cancelled() and task.exception() is not None:
        logger.error("delivery task failed", exc_info=task.exception())


def _shift_validity(claims: dict[str, Any], seconds: int) -> None:
    for name in ("iat", "nbf", "exp"):
        claims[name] += seconds


async def _poll(
    check: Callable[[], T | None],
    timeout: float,
    describe: Callable[[], str],
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result is not None:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(describe())
        await asyncio.sleep(_POLL_INTERVAL)
