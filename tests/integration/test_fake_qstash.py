"""The QStash test server, driven by the official `qstash` SDK and checked by its `Receiver`."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import hashlib
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import jwt
import pytest
from qstash import AsyncQStash, Receiver
from qstash.errors import QStashError, SignatureError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.qstash_server import FakeQStash
from tests.fakes.qstash_signing import new_signing_key
from tests.fakes.serving import ThreadedServer

PUBLISH_PATH = "/qstash/publish"
FAILED_PATH = "/qstash/failed"
CALLBACK_PATH = "/qstash/callback"
THIRTY_DAYS = 30 * 86400


@dataclasses.dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0


@dataclasses.dataclass
class ReceivedRequest:
    path: str
    method: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    failure: str | None
    received_at: float


class RecordingReceiver:
    """Destination app that verifies deliveries with the official Receiver and replies as scripted.

    Unsigned or badly signed requests get 401. Signed ones get the next scripted
    `Reply` for their path, or `default_reply`. `hold()` keeps verified requests
    waiting until `release()`.
    """

    def __init__(self) -> None:
        self.keys = ("", "")
        self.default_reply = Reply()
        self._scripts: dict[str, list[Reply]] = {}
        self._requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._released.set()
        routes = [
            Route("/{path:path}", self._handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        ]
        self._server = ThreadedServer(Starlette(routes=routes))

    def __enter__(self) -> RecordingReceiver:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._released.set()
        self._server.stop()

    def reset(self, keys: tuple[str, str]) -> None:
        """Forget requests and scripts, stop holding, and verify with `keys` from now on."""
        with self._lock:
            self.keys = keys
            self.default_reply = Reply()
            self._scripts.clear()
            self._requests.clear()
        self._released.set()

    def url_for(self, path: str) -> str:
        return self._server.url + path

    def script(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self._scripts.setdefault(path, []).extend(replies)

    def hold(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def requests(self, path: str | None = None) -> list[ReceivedRequest]:
        with self._lock:
            return [r for r in self._requests if path is None or r.path == path]

    async def wait_for_requests(
        self, count: int, path: str | None = None, limit: float = 5.0
    ) -> list[ReceivedRequest]:
        deadline = time.monotonic() + limit
        while len(self.requests(path)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.requests(path))} of {count} requests to {path}")
            await asyncio.sleep(0.01)
        return self.requests(path)

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        verified, failure = self._verify(request, body)
        with self._lock:
            self._requests.append(
                ReceivedRequest(
                    path=path,
                    method=request.method,
                    headers=dict(request.headers),
                    body=body,
                    verified=verified,
                    failure=failure,
                    received_at=time.monotonic(),
                )
            )
        if not verified:
            return Response(status_code=401)

        await asyncio.to_thread(self._released.wait)

        reply = self._next_reply(path)
        await asyncio.sleep(reply.delay)
        return Response(reply.body, status_code=reply.status, headers=reply.headers)

    def _verify(self, request: Request, body: bytes) -> tuple[bool, str | None]:
        signature = request.headers.get("Upstash-Signature")
        if signature is None:
            return False, "missing Upstash-Signature"

        try:
            Receiver(*self.keys).verify(
                signature=signature,
                body=body.decode(),
                url=self._public_url(request),
                clock_tolerance=0,
            )
        except SignatureError as error:
            return False, str(error)
        return True, None

    def _public_url(self, request: Request) -> str:
        # The URL the test published to: this server's address, the path and the query.
        query = request.url.query
        return self.url_for(request.url.path) + (f"?{query}" if query else "")

    def _next_reply(self, path: str) -> Reply:
        with self._lock:
            script = self._scripts.get(path)
            return script.pop(0) if script else self.default_reply


# Stopping a uvicorn server takes about 0.2 s, so the module shares one fake and one
# receiver and resets both between tests. Tests that need other settings start
# their own FakeQStash.


@pytest.fixture(scope="module")
def shared_fake() -> Iterator[FakeQStash]:
    with FakeQStash() as server:
        yield server


@pytest.fixture(scope="module")
def shared_receiver() -> Iterator[RecordingReceiver]:
    with RecordingReceiver() as app:
        yield app


@pytest.fixture
async def fake(shared_fake: FakeQStash) -> AsyncIterator[FakeQStash]:
    yield shared_fake

    shared_fake.resume()
    await shared_fake.wait_idle()
    shared_fake.reset()


@pytest.fixture
def receiver(shared_receiver: RecordingReceiver, fake: FakeQStash) -> Iterator[RecordingReceiver]:
    shared_receiver.reset((fake.current_signing_key, fake.next_signing_key))
    yield shared_receiver
    shared_receiver.release()


@contextlib.asynccontextmanager
async def sdk_client(fake: FakeQStash, token: str | None = None) -> AsyncIterator[AsyncQStash]:
    client = AsyncQStash(token or fake.token, base_url=fake.url, retry=False)
    try:
        yield client
    finally:
        # AsyncQStash (qstash 3.4.0) has no close method, so close its httpx client.
        await client.http._client.aclose()


@pytest.fixture
async def client(fake: FakeQStash) -> AsyncIterator[AsyncQStash]:
    async with sdk_client(fake) as sdk:
        yield sdk


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{PUBLISH_PATH}"


# Publish and delivery


async def test_publish_json_delivers_signed_request(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    url = receiver.url_for(PUBLISH_PATH)

    published = await client.message.publish_json(
        url=url, body={"post_id": 7}, headers={"X-Post-Version": "3"}
    )
    message = await fake.wait_for_state(published.message_id, "delivered")

    [request] = receiver.requests()
    assert request.verified, request.failure
    assert request.body == b'{"post_id": 7}'
    assert request.method == "POST"
    assert request.headers["upstash-message-id"] == published.message_id
    assert request.headers["upstash-retried"] == "0"
    assert request.headers["upstash-region"] == "eu-central-1"
    assert request.headers["upstash-caller-ip"] == "127.0.0.1"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-post-version"] == "3"
    assert message.statuses == [200]
    assert message.destination == url


async def test_publish_raw_body_arrives_unchanged(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    body = "Grüße, 世界 🚀\n  {not json}\r\n".encode()

    published = await client.message.publish(
        url=receiver.url_for(PUBLISH_PATH),
        body=body,
        content_type="text/plain; charset=utf-8",
        method="PUT",
    )
    await fake.wait_for_state(published.message_id, "delivered")

    [request] = receiver.requests()
    assert request.verified, request.failure
    assert request.body == body
    assert request.method == "PUT"
    assert request.headers["content-type"] == "text/plain; charset=utf-8"


async def test_destination_query_string_is_kept(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    url = receiver.url_for(PUBLISH_PATH) + "?post=7&version=2"

    published = await client.message.publish_json(url=url, body={})
    message = await fake.wait_for_state(published.message_id, "delivered")

    [request] = receiver.requests()
    claims = jwt.decode(
        request.headers["upstash-signature"], fake.current_signing_key, algorithms=["HS256"]
    )
    assert message.destination == url
    assert claims["sub"] == url


async def test_signature_carries_qstash_claims(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    url = receiver.url_for(PUBLISH_PATH)

    published = await client.message.publish_json(url=url, body={"a": 1})
    await fake.wait_for_state(published.message_id, "delivered")

    [request] = receiver.requests()
    claims = jwt.decode(
        request.headers["upstash-signature"], fake.current_signing_key, algorithms=["HS256"]
    )
    digest = base64.urlsafe_b64encode(hashlib.sha256(request.body).digest()).decode()
    assert claims["iss"] == "Upstash"
    assert claims["sub"] == url
    assert claims["body"] == digest
    assert claims["body"].endswith("=")
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] - claims["iat"] == 300
    assert abs(claims["iat"] - time.time()) < 5
    assert claims["jti"].startswith("jwt_")


# Scheduling clock


async def test_not_before_waits_until_clock_advances(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    published = await client.message.publish_json(
        url=receiver.url_for(PUBLISH_PATH), body={}, not_before=int(time.time()) + THIRTY_DAYS
    )
    await asyncio.sleep(0.2)
    held = fake.message(published.message_id)

    fake.advance(THIRTY_DAYS)
    started = time.monotonic()
    await fake.wait_for_state(published.message_id, "delivered")
    waited = time.monotonic() - started

    assert held.state == "pending"
    assert receiver.requests()[0].verified
    assert waited < 0.3


async def test_delay_sets_not_before_unless_given(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    url = receiver.url_for(PUBLISH_PATH)
    not_before = int(time.time()) + 60

    delayed = await client.message.publish_json(url=url, body={}, delay="5m")
    both = await client.message.publish_json(url=url, body={}, delay="1d", not_before=not_before)

    assert abs(fake.message(delayed.message_id).not_before - (time.time() + 300)) < 5
    assert fake.message(both.message_id).not_before == not_before


async def test_deliver_now_makes_pending_message_due(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    published = await client.message.publish_json(
        url=receiver.url_for(PUBLISH_PATH), body={}, delay="2h"
    )

    fake.deliver_now(published.message_id)

    await fake.wait_for_state(published.message_id, "delivered")
    with pytest.raises(ValueError, match="only a pending message"):
        fake.deliver_now(published.message_id)


async def test_pause_holds_due_message_until_resume(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    fake.pause()
    published = await client.message.publish_json(url=receiver.url_for(PUBLISH_PATH), body={})
    await asyncio.sleep(0.2)

    with pytest.raises(TimeoutError, match="paused=True"):
        await fake.wait_idle(timeout=0.1)
    assert receiver.requests() == []
    assert fake.message(published.message_id).state == "pending"

    fake.resume()
    await fake.wait_for_state(published.message_id, "delivered")
    await fake.wait_idle()


# Deduplication


async def test_deduplication_id_returns_first_message_id(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    url = receiver.url_for(PUBLISH_PATH)

    first = await client.message.publish_json(url=url, body={}, deduplication_id="post-1-v1")
    second = await client.message.publish_json(url=url, body={}, deduplication_id="post-1-v1")
    await fake.wait_idle()

    assert second.message_id == first.message_id
    assert first.deduplicated is False
    assert second.deduplicated is True
    assert len(fake.messages()) == 1
    assert len(receiver.requests()) == 1


async def test_duplicate_publish_returns_202(fake: FakeQStash, receiver: RecordingReceiver) -> None:
    publish_url = f"{fake.url}/v2/publish/{receiver.url_for(PUBLISH_PATH)}"
    headers = {"Authorization": f"Bearer {fake.token}", "Upstash-Deduplication-Id": "same"}

    async with httpx.AsyncClient(trust_env=False) as http:
        first = await http.post(publish_url, headers=headers, content=b"{}")
        second = await http.post(publish_url, headers=headers, content=b"{}")

    assert first.status_code == 201
    assert second.status_code == 202
    assert second.json() == {
        "messageId": first.json()["messageId"],
        "url": receiver.url_for(PUBLISH_PATH),
        "deduplicated": True,
    }


async def test_deduplication_expires_after_ten_minutes(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    url = receiver.url_for(PUBLISH_PATH)

    first = await client.message.publish_json(url=url, body={}, deduplication_id="post-1-v1")
    fake.advance(601)
    later = await client.message.publish_json(url=url, body={}, deduplication_id="post-1-v1")

    assert later.message_id != first.message_id
    assert later.deduplicated is False


async def test_content_based_deduplication_matches_same_body(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    url = receiver.url_for(PUBLISH_PATH)

    first = await client.message.publish_json(
        url=url, body={"a": 1}, content_based_deduplication=True
    )
    same = await client.message.publish_json(
        url=url, body={"a": 1}, content_based_deduplication=True
    )
    other = await client.message.publish_json(
        url=url, body={"a": 2}, content_based_deduplication=True
    )

    assert same.message_id == first.message_id
    assert other.message_id != first.message_id


# Get and cancel


async def test_get_message_returns_pending_message(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    url = receiver.url_for(PUBLISH_PATH)
    not_before = int(time.time()) + 3600

    published = await client.message.publish_json(
        url=url, body={"post_id": 7}, not_before=not_before, retries=2, retry_delay="1000"
    )
    message = await client.message.get(published.message_id)

    assert message.url == url
    assert message.method == "POST"
    assert message.body == '{"post_id": 7}'
    assert message.not_before == not_before * 1000
    assert message.max_retries == 2
    assert message.retry_delay_expression == "1000"
    assert message.headers == {"Content-Type": ["application/json"]}


async def test_cancel_before_delivery_prevents_delivery(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    published = await client.message.publish_json(
        url=receiver.url_for(PUBLISH_PATH), body={}, delay="1m"
    )

    await client.message.cancel(published.message_id)
    fake.advance(120)
    await asyncio.sleep(0.1)
    await fake.wait_idle()

    assert fake.message(published.message_id).state == "cancelled"
    assert receiver.requests() == []
    assert fake.deliveries() == []


async def test_cancel_after_delivery_raises_qstash_error(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    published = await client.message.publish_json(url=receiver.url_for(PUBLISH_PATH), body={})
    await fake.wait_for_state(published.message_id, "delivered")

    with pytest.raises(QStashError, match="404") as cancel_error:
        await client.message.cancel(published.message_id)
    with pytest.raises(QStashError, match="404"):
        await client.message.get(published.message_id)
    with pytest.raises(QStashError, match="404"):
        await client.message.cancel("msg_unknown")

    assert type(cancel_error.value) is QStashError
    assert "not found" in str(cancel_error.value)


async def test_cancel_during_delivery_lets_attempt_finish(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    receiver.script(PUBLISH_PATH, Reply(status=500))
    receiver.hold()
    published = await client.message.publish_json(url=receiver.url_for(PUBLISH_PATH), body={})
    await receiver.wait_for_requests(1)

    await client.message.cancel(published.message_id)
    receiver.release()
    message = await fake.wait_for_state(published.message_id, "cancelled")
    await fake.wait_idle()

    assert message.statuses == [500]
    assert len(receiver.requests()) == 1
    assert fake.dlq() == []


# Retries, DLQ and callbacks


async def test_retry_after_steers_next_attempt_within_cap(receiver: RecordingReceiver) -> None:
    with FakeQStash(max_retry_after=0.4, retry_delays=(0.05,)) as fake:
        receiver.keys = (fake.current_signing_key, fake.next_signing_key)
        receiver.script(PUBLISH_PATH, Reply(status=500, headers={"Retry-After": "30"}))
        async with sdk_client(fake) as client:
            published = await client.message.publish_json(
                url=receiver.url_for(PUBLISH_PATH), body={}
            )
            message = await fake.wait_for_state(published.message_id, "delivered")

    first, second = receiver.requests()
    assert message.statuses == [500, 200]
    assert [attempt.retried for attempt in message.attempts] == [0, 1]
    assert message.attempts[0].retry_after == "30"
    assert [first.headers["upstash-retried"], second.headers["upstash-retried"]] == ["0", "1"]
    assert 0.35 < second.received_at - first.received_at < 1.0


async def test_reply_489_fails_message_at_once(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    url = receiver.url_for(PUBLISH_PATH)
    callback_url = receiver.url_for(FAILED_PATH)
    receiver.script(
        PUBLISH_PATH,
        Reply(status=489, headers={"Upstash-NonRetryable-Error": "true"}, body=b"bad post"),
    )

    published = await client.message.publish_json(
        url=url, body={"post_id": 7}, failure_callback=callback_url
    )
    message = await fake.wait_for_state(published.message_id, "failed")
    assert message.failure_callback_message_id is not None
    await fake.wait_for_state(message.failure_callback_message_id, "delivered")

    [entry] = fake.dlq()
    [callback] = receiver.requests(FAILED_PATH)
    fields = json.loads(callback.body)
    assert message.statuses == [489]
    assert entry.dlq_id == message.dlq_id
    assert callback.verified, callback.failure
    assert fields["status"] == 489
    assert fields["header"]["Upstash-Nonretryable-Error"] == ["true"]
    assert fields["body"] == _b64(b"bad post")
    assert fields["retried"] == 0
    assert fields["maxRetries"] == 3
    assert fields["dlqId"] == entry.dlq_id
    assert fields["sourceMessageId"] == published.message_id
    assert fields["url"] == url
    assert fields["method"] == "POST"
    assert fields["sourceHeader"] == {"Content-Type": ["application/json"]}
    assert fields["sourceBody"] == _b64(b'{"post_id": 7}')
    assert fields["notBefore"].isdigit()
    assert fields["createdAt"].isdigit()
    assert fields["callerIP"] == "127.0.0.1"


async def test_exhausted_retries_call_failure_callback_once(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    receiver.script(PUBLISH_PATH, Reply(status=500), Reply(status=503), Reply(status=500))

    published = await client.message.publish_json(
        url=receiver.url_for(PUBLISH_PATH),
        body={},
        retries=2,
        failure_callback=receiver.url_for(FAILED_PATH),
        # The SDK prefixes these keys with "Upstash-Failure-Callback-" only, but QStash
        # forwards "Upstash-Failure-Callback-Forward-*" headers, so only the first arrives.
        failure_callback_headers={
            "Upstash-Failure-Callback-Forward-X-Post-Id": "7",
            "X-Trace": "1",
        },
    )
    message = await fake.wait_for_state(published.message_id, "failed")
    await fake.wait_idle()

    [callback] = receiver.requests(FAILED_PATH)
    fields = json.loads(callback.body)
    assert message.statuses == [500, 503, 500]
    assert callback.verified, callback.failure
    assert callback.headers["x-post-id"] == "7"
    assert "x-trace" not in callback.headers
    assert callback.headers["content-type"] == "application/json"
    assert fields["retried"] == 2
    assert fields["maxRetries"] == 2
    assert fields["status"] == 500


async def test_sdk_dlq_lists_failed_message(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    receiver.default_reply = Reply(status=400, body=b"rejected")

    published = await client.message.publish_json(
        url=receiver.url_for(PUBLISH_PATH), body={}, retries=0
    )
    message = await fake.wait_for_state(published.message_id, "failed")
    assert message.dlq_id is not None
    listed = await client.dlq.list()
    entry = await client.dlq.get(message.dlq_id)
    await client.dlq.delete(message.dlq_id)

    assert [item.message_id for item in listed.messages] == [published.message_id]
    assert entry.response_status == 400
    assert entry.response_body == "rejected"
    assert fake.dlq() == []


async def test_timeout_counts_as_failed_attempt(receiver: RecordingReceiver) -> None:
    with FakeQStash(delivery_timeout=0.2, retry_delays=(0.05,)) as fake:
        receiver.keys = (fake.current_signing_key, fake.next_signing_key)
        receiver.script(PUBLISH_PATH, Reply(delay=1.0))
        async with sdk_client(fake) as client:
            published = await client.message.publish_json(
                url=receiver.url_for(PUBLISH_PATH), body={}
            )
            message = await fake.wait_for_state(published.message_id, "delivered")

    assert message.statuses == [None, 200]
    assert message.attempts[0].error == "timeout"


async def test_unreachable_destination_fails_after_retries(
    fake: FakeQStash, client: AsyncQStash
) -> None:
    published = await client.message.publish_json(url=_closed_port_url(), body={}, retries=1)

    message = await fake.wait_for_state(published.message_id, "failed")

    assert message.statuses == [None, None]
    assert all(attempt.error for attempt in message.attempts)
    assert len(fake.dlq()) == 1


async def test_callback_reports_delivery_reply(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    receiver.script(PUBLISH_PATH, Reply(status=201, body=b"created"))

    published = await client.message.publish_json(
        url=receiver.url_for(PUBLISH_PATH), body={}, callback=receiver.url_for(CALLBACK_PATH)
    )
    await fake.wait_for_state(published.message_id, "delivered")
    [callback] = await receiver.wait_for_requests(1, CALLBACK_PATH)

    fields = json.loads(callback.body)
    assert callback.verified, callback.failure
    assert fields["status"] == 201
    assert fields["body"] == _b64(b"created")
    assert fields["sourceMessageId"] == published.message_id
    assert "dlqId" not in fields


# Keys, tokens and forged deliveries


async def test_rotate_keys_signs_with_former_next_key(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    old_current, old_next = fake.current_signing_key, fake.next_signing_key

    new_current, new_next = fake.rotate_keys()
    published = await client.message.publish_json(url=receiver.url_for(PUBLISH_PATH), body={})
    await fake.wait_for_state(published.message_id, "delivered")

    [request] = receiver.requests()
    signature, body = request.headers["upstash-signature"], request.body.decode()
    assert new_current == old_next
    assert new_next not in (old_current, old_next)
    assert request.verified, request.failure
    Receiver(new_current, new_next).verify(signature=signature, body=body)
    with pytest.raises(SignatureError):
        Receiver(old_current, old_current).verify(signature=signature, body=body)


async def test_sdk_signing_key_get_and_rotate(fake: FakeQStash, client: AsyncQStash) -> None:
    before = await client.signing_key.get()

    rotated = await client.signing_key.rotate()

    assert rotated.current == before.next
    assert rotated.next not in (before.current, before.next)
    assert (rotated.current, rotated.next) == (fake.current_signing_key, fake.next_signing_key)


async def test_wrong_token_gets_401(fake: FakeQStash, receiver: RecordingReceiver) -> None:
    async with sdk_client(fake, token="not-the-token") as client:
        with pytest.raises(QStashError, match="401"):
            await client.message.publish_json(url=receiver.url_for(PUBLISH_PATH), body={})
    async with httpx.AsyncClient(trust_env=False) as http:
        reply = await http.get(f"{fake.url}/v2/messages/msg_x", headers={"Authorization": "x"})

    assert reply.status_code == 401
    assert "error" in reply.json()
    assert fake.messages() == []


@pytest.mark.parametrize(
    ("defect", "expected_status"),
    [
        ({}, 200),
        ({"key": new_signing_key()}, 401),
        ({"tamper_body": True}, 401),
        ({"sub": "http://127.0.0.1:9/elsewhere"}, 401),
        ({"expired": True}, 401),
        ({"not_yet_valid": True}, 401),
        ({"no_signature": True}, 401),
        ({"iss": "Mallory"}, 401),
    ],
    ids=[
        "valid",
        "wrong_key",
        "tampered_body",
        "wrong_sub",
        "expired",
        "not_yet_valid",
        "no_signature",
        "wrong_iss",
    ],
)
async def test_forged_delivery_rejected_by_receiver(
    fake: FakeQStash, receiver: RecordingReceiver, defect: dict[str, object], expected_status: int
) -> None:
    status = await fake.send_forged(receiver.url_for(PUBLISH_PATH), b'{"post_id": 7}', **defect)

    assert status == expected_status
    assert fake.deliveries() == []


# Duplicate and concurrent deliveries


async def test_redeliver_sends_concurrent_copies(
    fake: FakeQStash, receiver: RecordingReceiver, client: AsyncQStash
) -> None:
    published = await client.message.publish_json(url=receiver.url_for(PUBLISH_PATH), body={})
    await fake.wait_for_state(published.message_id, "delivered")

    receiver.hold()
    copies = asyncio.create_task(fake.redeliver(published.message_id, copies=3, concurrent=True))
    requests = await receiver.wait_for_requests(4)
    receiver.release()
    statuses = await copies

    assert statuses == [200, 200, 200]
    assert {r.headers["upstash-message-id"] for r in requests} == {published.message_id}
    assert all(r.verified for r in requests)
    assert [a.redelivery for a in fake.deliveries()] == [False, True, True, True]
    assert fake.message(published.message_id).state == "delivered"


# Rejected publishes


async def test_invalid_publish_headers_get_400(
    fake: FakeQStash, receiver: RecordingReceiver
) -> None:
    publish_url = f"{fake.url}/v2/publish/{receiver.url_for(PUBLISH_PATH)}"
    auth = {"Authorization": f"Bearer {fake.token}"}

    async with httpx.AsyncClient(trust_env=False) as http:
        bad_delay = await http.post(publish_url, headers={**auth, "Upstash-Delay": "soon"})
        bad_retries = await http.post(publish_url, headers={**auth, "Upstash-Retries": "-1"})
        bad_url = await http.post(f"{fake.url}/v2/publish/not-a-url", headers=auth)

    assert bad_delay.status_code == 400
    assert "Upstash-Delay" in bad_delay.json()["error"]
    assert bad_retries.status_code == 400
    assert bad_url.status_code == 400
    assert fake.messages() == []


async def test_max_delay_rejects_publish_too_far_ahead(receiver: RecordingReceiver) -> None:
    with FakeQStash(max_delay=7 * 86400) as fake:
        async with sdk_client(fake) as client:
            with pytest.raises(QStashError, match="400"):
                await client.message.publish_json(
                    url=receiver.url_for(PUBLISH_PATH),
                    body={},
                    not_before=int(time.time()) + THIRTY_DAYS,
                )
            accepted = await client.message.publish_json(
                url=receiver.url_for(PUBLISH_PATH), body={}, delay="6d"
            )

    assert accepted.message_id.startswith("msg_")
