"""POST /telegram/webhook: updates pushed by Telegram in webhook mode."""

from __future__ import annotations

import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from telegram import Update
from telegram.ext import Application

from domain.clock import Clock
from storage.dialogues import SqlAlchemyUpdateLog

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramWebhook:
    """Checks the secret, drops repeats of an update id, and runs the update's handlers.

    Telegram resends an update until it gets a 2xx, so the reply comes after
    the handlers ran; a repeat of an update already taken gets 200 at once.
    """

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        secret: str,
        update_log: SqlAlchemyUpdateLog,
        clock: Clock,
    ) -> None:
        self._application = application
        self._secret = secret.encode()
        self._update_log = update_log
        self._clock = clock

    async def __call__(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            logger.warning("webhook rejected: wrong or missing secret token")
            return JSONResponse({"error": "forbidden"}, status_code=403)

        try:
            data = json.loads(await request.body())
            if not isinstance(data, dict):
                raise TypeError("an update is a JSON object")
            update = Update.de_json(data, self._application.bot)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            logger.warning("webhook rejected: body is not a Telegram update")
            return JSONResponse({"error": "body is not a Telegram update"}, status_code=400)

        if not await self._update_log.first_time(update.update_id, self._clock.now()):
            logger.info("repeated update ignored: update=%s", update.update_id)
            return Response(status_code=200)

        application = self._application
        await application.update_processor.process_update(
            update, application.process_update(update)
        )
        return Response(status_code=200)
