"""Records kept by the QStash test server: messages, delivery attempts and DLQ entries.

Times named `*_at` or `not_before` on a message are on the server's scheduling clock
(real time plus the offset that `FakeQStash.advance` adds). Times on a delivery
attempt are real wall-clock times, because they describe real HTTP requests.
"""

from __future__ import annotations

import dataclasses
import secrets
import string
from typing import Literal

MessageState = Literal["pending", "delivering", "delivered", "failed", "cancelled"]
MessageKind = Literal["message", "callback", "failure_callback"]

_ID_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 27) -> str:
    """Return `prefix` followed by random letters and digits, like QStash's `msg_…` ids."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


@dataclasses.dataclass
class DeliveryAttempt:
    """One HTTP request the server sent for a message, and the reply."""

    message_id: str
    url: str
    method: str
    retried: int
    """Value of the `Upstash-Retried` header: 0 on the first attempt."""
    redelivery: bool
    """True for copies sent by `FakeQStash.redeliver`, outside the retry schedule."""
    started_at: float
    finished_at: float
    status: int | None
    """HTTP status of the reply, or None when no reply arrived (see `error`)."""
    error: str | None
    """"timeout" or the transport error when no reply arrived."""
    retry_after: str | None
    """The reply's `Retry-After` header exactly as the destination sent it."""
    response_headers: dict[str, list[str]]
    response_body: bytes

    @property
    def time(self) -> float:
        """Real epoch seconds when the request was sent."""
        return self.started_at

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclasses.dataclass(frozen=True)
class CallbackOptions:
    """How QStash publishes a callback or failure callback for a message.

    Read from the `Upstash-Callback-*` or `Upstash-Failure-Callback-*` publish headers.
    """

    method: str = "POST"
    retries: int | None = None
    """None means the source message's retry count."""
    timeout: float | None = None
    delay: float = 0.0
    forward_headers: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class FakeMessage:
    """A message as the QStash test server stores it."""

    id: str
    kind: MessageKind
    destination: str
    method: str
    body: bytes
    headers: dict[str, str]
    """Headers of the publish request, names in lower case, without `authorization`."""
    forward_headers: dict[str, str]
    """Headers sent to the destination: `Content-Type` and `Upstash-Forward-*` unprefixed."""
    not_before: float
    created_at: float
    max_retries: int
    retry_delay: str | None
    """The `Upstash-Retry-Delay` expression (milliseconds), stored but not evaluated."""
    timeout: float | None
    """Per-attempt timeout in seconds from `Upstash-Timeout`, or None for the server default."""
    callback: str | None
    callback_options: CallbackOptions
    failure_callback: str | None
    failure_callback_options: CallbackOptions
    deduplication_id: str | None
    caller_ip: str
    source_message_id: str | None = None
    """For callbacks: the message whose attempt or failure this callback reports."""
    state: MessageState = "pending"
    due_at: float = 0.0
    """Scheduling-clock time of the next attempt while the message is pending."""
    cancel_requested: bool = False
    """Set when a cancel arrives during an attempt: that attempt finishes, nothing follows."""
    attempts: list[DeliveryAttempt] = dataclasses.field(default_factory=list)
    dlq_id: str | None = None
    callback_message_ids: list[str] = dataclasses.field(default_factory=list)
    failure_callback_message_id: str | None = None

    @property
    def scheduled_attempts(self) -> list[DeliveryAttempt]:
        """Attempts made by the retry schedule, without `redeliver` copies."""
        return [attempt for attempt in self.attempts if not attempt.redelivery]

    @property
    def statuses(self) -> list[int | None]:
        """Reply statuses of the scheduled attempts, in order."""
        return [attempt.status for attempt in self.scheduled_attempts]


@dataclasses.dataclass
class DlqEntry:
    """A message that ended without a successful delivery."""

    dlq_id: str
    message: FakeMessage
    """Snapshot of the message when it failed."""
    last_attempt: DeliveryAttempt
    failed_at: float
    """Scheduling-clock time of the failure."""
