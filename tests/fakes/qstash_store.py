"""State of the QStash test server, and the rules that move a message through it.

One lock guards everything here because the server's event loop and test threads
both call in. Methods never block on I/O while holding it.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from tests.fakes.qstash_delivery import is_non_retryable, retry_after_seconds
from tests.fakes.qstash_json import callback_body, milliseconds
from tests.fakes.qstash_publish import callback_message, deduplication_key, parse_publish
from tests.fakes.qstash_records import (
    CallbackOptions,
    DeliveryAttempt,
    DlqEntry,
    FakeMessage,
    MessageKind,
    MessageState,
)
from tests.fakes.qstash_signing import new_signing_key

logger = logging.getLogger(__name__)

FINISHED_STATES: frozenset[MessageState] = frozenset({"delivered", "failed", "cancelled"})

# The scheduler sleeps until the next message is due, but never longer than this,
# so that a missed wake-up costs at most this much.
MAX_SCHEDULER_SLEEP = 0.5


class QStashStore:
    """Messages, delivery attempts, DLQ, signing keys and the scheduling clock.

    The scheduling clock is real Unix time plus an offset that `advance` raises;
    `start_at` (Unix seconds) sets where it starts, so it can follow a test's
    fake clock, in the past included.
    `on_change` is called whenever a message may have become due sooner, so that the
    scheduler can wake up.
    """

    def __init__(
        self,
        *,
        current_signing_key: str,
        next_signing_key: str,
        retry_delays: Sequence[float],
        max_retry_after: float,
        deduplication_window: float,
        max_delay: float | None,
        on_change: Callable[[], None],
        start_at: float | None = None,
    ) -> None:
        self._current_key = current_signing_key
        self._next_key = next_signing_key
        self._retry_delays = tuple(retry_delays)
        self._max_retry_after = max_retry_after
        self._deduplication_window = deduplication_window
        self._max_delay = max_delay
        self._on_change = on_change
        self._start_offset = start_at - time.time() if start_at is not None else 0.0

        # Reentrant because public methods that take the lock call each other.
        self._lock = threading.RLock()
        self._clock_offset = self._start_offset
        self._paused = False
        self._in_flight = 0
        self._messages: dict[str, FakeMessage] = {}
        self._deliveries: list[DeliveryAttempt] = []
        self._dlq: dict[str, DlqEntry] = {}
        self._dlq_sequence = 0
        self._deduplication: dict[str, tuple[str, float]] = {}

    def reset(self) -> None:
        """Forget all messages, attempts, DLQ entries and deduplication ids.

        Also sets the clock back to where it started and resumes delivery. Keys stay.
        Attempts in flight still finish, but their results are dropped.
        """
        with self._lock:
            self._clock_offset = self._start_offset
            self._paused = False
            self._messages = {}
            self._deliveries = []
            self._dlq = {}
            self._deduplication = {}
        self._on_change()

    # Clock and keys

    def now(self) -> float:
        with self._lock:
            return time.time() + self._clock_offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(
                f"advance() needs seconds >= 0 because the clock cannot go back, got {seconds}"
            )

        with self._lock:
            self._clock_offset += seconds
        self._on_change()

    def signing_keys(self) -> tuple[str, str]:
        """Return the (current, next) signing keys."""
        with self._lock:
            return self._current_key, self._next_key

    def rotate_keys(self) -> tuple[str, str]:
        """Make the next key current and create a new next key. Return the new pair."""
        with self._lock:
            self._current_key, self._next_key = self._next_key, new_signing_key()
            return self._current_key, self._next_key

    # Publish API

    def publish(
        self, destination: str, headers: Mapping[str, str], body: bytes, caller_ip: str
    ) -> tuple[FakeMessage, bool]:
        """Store a published message. Return it and whether it was a duplicate.

        For a duplicate, the first message is returned and nothing is stored. Raises
        PublishError for a request QStash would reject.
        """
        with self._lock:
            now = self.now()
            message = parse_publish(
                destination, headers, body, caller_ip=caller_ip, now=now, max_delay=self._max_delay
            )

            key = deduplication_key(message, headers)
            duplicate = self._find_duplicate(key, now)
            if duplicate is not None:
                return copy.deepcopy(duplicate), True

            if key is not None:
                self._deduplication[key] = (message.id, now)
            self._messages[message.id] = message
            published = copy.deepcopy(message)

        self._on_change()
        return published, False

    def _find_duplicate(self, key: str | None, now: float) -> FakeMessage | None:
        if key is None or key not in self._deduplication:
            return None

        message_id, published_at = self._deduplication[key]
        if now - published_at >= self._deduplication_window:
            return None
        return self._messages[message_id]

    def active_message(self, message_id: str) -> FakeMessage | None:
        """Return a copy of the message, or None if it is unknown or finished.

        QStash removes a message from its database once it has finished, so its API
        finds only active ones.
        """
        with self._lock:
            message = self._messages.get(message_id)
            if message is None or message.state in FINISHED_STATES:
                return None
            return copy.deepcopy(message)

    def cancel(self, message_id: str) -> bool:
        """Cancel an active message, or return False if it is unknown or finished.

        Like QStash, an attempt already in flight still finishes, but nothing follows it.
        """
        with self._lock:
            message = self._messages.get(message_id)
            if message is None or message.state in FINISHED_STATES:
                return False

            if message.state == "pending":
                message.state = "cancelled"
            else:
                message.cancel_requested = True
            return True

    def dlq_entry(self, dlq_id: str) -> DlqEntry | None:
        with self._lock:
            entry = self._dlq.get(dlq_id)
            return copy.deepcopy(entry)

    def delete_dlq_entry(self, dlq_id: str) -> bool:
        with self._lock:
            return self._dlq.pop(dlq_id, None) is not None

    # Delivery control

    def pause(self) -> None:
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._paused = False
        self._on_change()

    def deliver_now(self, message_id: str) -> None:
        with self._lock:
            message = self._get(message_id)
            if message.state != "pending":
                raise ValueError(
                    f"message {message_id} is {message.state}, "
                    "but only a pending message can be made due"
                )
            message.due_at = self.now()
        self._on_change()

    def claim_due_messages(self) -> tuple[list[FakeMessage], float]:
        """Mark due messages as delivering. Return them and how long the scheduler may sleep.

        The returned messages are the live records. The fields that an attempt reads
        (id, destination, method, body, forward headers, caller IP, timeout) never
        change after publish, so the attempt may read them without the lock.
        """
        with self._lock:
            if self._paused:
                return [], MAX_SCHEDULER_SLEEP

            now = self.now()
            due = [message for message in self._messages.values() if self._is_due(message, now)]
            for message in due:
                message.state = "delivering"
                self._in_flight += 1

            waits = [m.due_at - now for m in self._messages.values() if m.state == "pending"]
            return due, min([MAX_SCHEDULER_SLEEP, *waits])

    def next_retried(self, message: FakeMessage) -> int:
        """Return the `Upstash-Retried` value of the message's next scheduled attempt."""
        with self._lock:
            return len(message.scheduled_attempts)

    def start_redelivery(self, message_id: str) -> tuple[FakeMessage, int]:
        """Count a redelivery as in flight. Return the live message and its last retried value."""
        with self._lock:
            message = self._get(message_id)
            scheduled = message.scheduled_attempts
            self._in_flight += 1
            return message, scheduled[-1].retried if scheduled else 0

    def abandon_attempt(self) -> None:
        """Stop counting an attempt that was cancelled before it finished."""
        with self._lock:
            self._in_flight -= 1

    def finish_attempt(self, message: FakeMessage, attempt: DeliveryAttempt) -> None:
        """Record a finished attempt, and for a scheduled one decide what follows."""
        with self._lock:
            self._in_flight -= 1
            if self._messages.get(message.id) is not message:
                return  # forgotten by reset()

            message.attempts.append(attempt)
            self._deliveries.append(attempt)
            if not attempt.redelivery:
                self._settle(message, attempt)
        self._on_change()

    def _settle(self, message: FakeMessage, attempt: DeliveryAttempt) -> None:
        # NOTE: the per-attempt callback is sent only for attempts that got a reply,
        # because what QStash sends after a timeout or connection error is not documented.
        if message.callback is not None and attempt.status is not None:
            self._publish_callback(
                message, attempt, "callback", message.callback, message.callback_options
            )

        if attempt.ok:
            message.state = "delivered"
        elif message.cancel_requested:
            message.state = "cancelled"
        elif is_non_retryable(attempt) or attempt.retried >= message.max_retries:
            self._fail(message, attempt)
        else:
            message.state = "pending"
            message.due_at = self.now() + self._retry_delay(attempt)

    def _retry_delay(self, attempt: DeliveryAttempt) -> float:
        requested = retry_after_seconds(attempt.retry_after, time.time())
        if requested is not None:
            return min(requested, self._max_retry_after)

        if not self._retry_delays:
            return 0.0
        return self._retry_delays[min(attempt.retried, len(self._retry_delays) - 1)]

    def _fail(self, message: FakeMessage, attempt: DeliveryAttempt) -> None:
        message.state = "failed"
        self._dlq_sequence += 1
        # Shaped like QStash's DLQ ids, for example "1725323658779-0".
        dlq_id = f"{milliseconds(time.time())}-{self._dlq_sequence}"
        message.dlq_id = dlq_id

        if message.failure_callback is not None:
            failure_callback = self._publish_callback(
                message,
                attempt,
                "failure_callback",
                message.failure_callback,
                message.failure_callback_options,
                dlq_id,
            )
            message.failure_callback_message_id = failure_callback.id

        self._dlq[dlq_id] = DlqEntry(dlq_id, copy.deepcopy(message), attempt, self.now())
        logger.warning(
            "message %s failed after %d attempts, last reply %s, DLQ id %s",
            message.id,
            attempt.retried + 1,
            attempt.status if attempt.status is not None else attempt.error,
            dlq_id,
        )

    def _publish_callback(
        self,
        source: FakeMessage,
        attempt: DeliveryAttempt,
        kind: MessageKind,
        url: str,
        options: CallbackOptions,
        dlq_id: str | None = None,
    ) -> FakeMessage:
        body = callback_body(source, attempt, dlq_id)
        callback = callback_message(source, kind, url, options, body, self.now())
        self._messages[callback.id] = callback
        if kind == "callback":
            source.callback_message_ids.append(callback.id)
        return callback

    # Inspection: copies taken under the lock

    def messages(self) -> list[FakeMessage]:
        with self._lock:
            return copy.deepcopy(list(self._messages.values()))

    def message(self, message_id: str) -> FakeMessage:
        with self._lock:
            return copy.deepcopy(self._get(message_id))

    def deliveries(self, url: str | None = None) -> list[DeliveryAttempt]:
        with self._lock:
            return [
                copy.deepcopy(attempt)
                for attempt in self._deliveries
                if url is None or attempt.url == url
            ]

    def dlq(self) -> list[DlqEntry]:
        with self._lock:
            return copy.deepcopy(list(self._dlq.values()))

    def busy_reason(self) -> str | None:
        """Return why the server is not idle, or None when no attempt is in flight or due."""
        with self._lock:
            now = self.now()
            due = [m.id for m in self._messages.values() if self._is_due(m, now)]
            if self._in_flight == 0 and not due:
                return None
            return (
                f"{self._in_flight} attempts in flight, due messages {due}, paused={self._paused}"
            )

    def _get(self, message_id: str) -> FakeMessage:
        try:
            return self._messages[message_id]
        except KeyError:
            raise KeyError(f"no message {message_id!r} was published to this server") from None

    @staticmethod
    def _is_due(message: FakeMessage, now: float) -> bool:
        return message.state == "pending" and message.due_at <= now
