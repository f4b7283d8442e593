"""The Telegram test server with cheap read-outs for load generators.

`FakeTelegram`'s inspection methods return deep copies, which is right for
tests but costs more than the bot under test when a load generator polls
hundreds of chats. These read the shared state under the server's lock and
copy only what they return.
"""

from __future__ import annotations

from tests.fakes.telegram_api import FakeTelegram


class BenchTelegram(FakeTelegram):
    def newest_bot_message(self, chat_id: int) -> tuple[int, list[str], str]:
        """Return the id, callback data and text of the chat's newest bot message (0 if none)."""
        with self._state.lock:
            messages = self._state.chat_messages.get(chat_id, {})
            for message_id in sorted(messages, reverse=True):
                message = messages[message_id]
                if message.sent_by_bot:
                    return message_id, list(message.callback_data), message.text or ""
        return 0, [], ""

    def message_text(self, chat_id: int, message_id: int) -> str:
        with self._state.lock:
            message = self._state.chat_messages.get(chat_id, {}).get(message_id)
            return "" if message is None or message.text is None else message.text

    def delivered_updates(self) -> int:
        """Count the webhook deliveries that got a 2xx reply."""
        with self._state.lock:
            return sum(1 for delivery in self._state.deliveries if delivery.ok)

    def undelivered_updates(self) -> int:
        with self._state.lock:
            return len(self._state.pending)

    def call_time(self, method: str, chat_id: int, message_id: int | None = None) -> float | None:
        """Return when the newest successful `method` call for the chat (and message) completed."""
        wanted = method.lower()
        with self._state.lock:
            for call in reversed(self._state.calls):
                if call.method.lower() != wanted or call.status != 200:
                    continue
                if call.params.get("chat_id") != str(chat_id):
                    continue
                if message_id is not None and call.params.get("message_id") != str(message_id):
                    continue
                return call.at
        return None

    def answer_time(self, query_id: str) -> float | None:
        """Return when answerCallbackQuery for `query_id` completed."""
        with self._state.lock:
            for call in reversed(self._state.calls):
                if call.method.lower() == "answercallbackquery" and call.status == 200:
                    if call.params.get("callback_query_id") == query_id:
                        return call.at
        return None
