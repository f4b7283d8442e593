"""The composition root: builds every part from settings and runs them in one process.

One Starlette app (served by uvicorn) whose lifespan opens the database,
applies migrations, starts the python-telegram-bot Application (long polling
or webhook), the job queue and the maintenance task, and closes them in
reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram.error import InvalidToken
from telegram.ext import Application

from bot.application import ALLOWED_UPDATES, build_application, register_commands
from bot.context import BOT_DATA_KEY, BotDeps
from bot.notifier import TelegramNotifier
from callbacks.health import Health
from callbacks.telegram_webhook import TelegramWebhook
from domain.clock import Clock, SystemClock
from domain.execution import expire_leases, run_claimed
from domain.model import Platform
from domain.services import ExecutionPolicy, Services
from jobqueue.local import LocalJobQueue
from networks.telegram import TelegramChannelPublisher
from postlater.settings import Settings
from storage.crypto import TokenCipher
from storage.database import Database
from storage.migrations import upgrade
from storage.store import SqlAlchemyStore

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
# Expired leases are looked for this often; processed update ids are kept
# this long (Telegram resends an update for at most 24 hours).
LEASE_SWEEP_INTERVAL = 30.0
UPDATE_ID_RETENTION = timedelta(hours=48)


class StartupError(Exception):
    """Start-up cannot go on; the message says why and what to do."""


class Runtime:
    """Everything one postlater process runs. Nothing is opened until `start()`."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        policy: ExecutionPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.policy = policy or ExecutionPolicy()
        self.started = False
        self.database: Database | None = None
        self.store: SqlAlchemyStore | None = None
        self.application: Application | None = None  # type: ignore[type-arg]
        self.services: Services | None = None
        self.queue: LocalJobQueue | None = None
        self._webhook: TelegramWebhook | None = None
        self._health: Health | None = None
        self._maintenance: asyncio.Task[None] | None = None

    @property
    def polling(self) -> bool:
        return not self.settings.webhook_mode

    async def start(self) -> None:
        settings = self.settings
        self.database = Database(settings.DATABASE_URL)
        await upgrade(self.database)
        store = self.store = SqlAlchemyStore(self.database, _cipher(settings))

        self.queue = LocalJobQueue(
            store.posts,
            self.clock,
            self.policy,
            poll_interval=settings.LOCAL_QUEUE_POLL_SECONDS,
            concurrency=settings.LOCAL_QUEUE_CONCURRENCY,
        )
        self.application = build_application(
            settings.TELEGRAM_BOT_TOKEN.get_secret_value(),
            base_url=settings.TELEGRAM_API_BASE_URL,
            base_file_url=settings.TELEGRAM_API_FILE_URL,
            polling=self.polling,
        )
        bot = self.application.bot
        self.services = Services(
            store=store,
            queue=self.queue,
            clock=self.clock,
            notifier=TelegramNotifier(bot),
            publishers={Platform.TELEGRAM: TelegramChannelPublisher(bot)},
            policy=self.policy,
        )
        self.application.bot_data[BOT_DATA_KEY] = BotDeps(self.services, (Platform.TELEGRAM,))

        await self._start_bot()
        services = self.services
        self.queue.start(lambda post: run_claimed(services, post))
        self._maintenance = asyncio.create_task(self._maintain(), name="maintenance")
        self._health = Health(self.database, "polling" if self.polling else "webhook", "local")
        self.started = True
        logger.info(
            "postlater started: updates=%s queue=local", "polling" if self.polling else "webhook"
        )

    async def _start_bot(self) -> None:
        application = self.application
        if application is None:
            return
        try:
            await application.initialize()
        except InvalidToken as error:
            raise StartupError(
                "TELEGRAM_BOT_TOKEN was rejected by Telegram: copy the token again from "
                "@BotFather (/mybots → your bot → API Token)"
            ) from error
        await register_commands(application)
        await application.start()

        if self.polling:
            if application.updater is None:
                raise RuntimeError("polling needs the Application's updater")
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            return

        secret = self.settings.TELEGRAM_WEBHOOK_SECRET
        if secret is None:
            raise RuntimeError("webhook mode needs TELEGRAM_WEBHOOK_SECRET")
        if self.store is None:
            raise RuntimeError("storage must be open before the webhook")
        self._webhook = TelegramWebhook(
            application, secret.get_secret_value(), self.store.updates, self.clock
        )
        await application.bot.set_webhook(
            url=self.settings.public_base_url + WEBHOOK_PATH,
            secret_token=secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )

    async def stop(self) -> None:
        """Close what `start()` opened, in reverse order; safe to call more than once."""
        self.started = False
        if self._maintenance is not None:
            self._maintenance.cancel()
            await asyncio.gather(self._maintenance, return_exceptions=True)
        application = self.application
        if application is not None and application.running:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
        if self.queue is not None:
            await self.queue.stop()
        if application is not None:
            if application.running:
                await application.stop()
            await application.shutdown()
        if self.database is not None:
            await self.database.dispose()
        self.database = self.application = self.queue = self._maintenance = None
        logger.info("postlater stopped")

    async def _maintain(self) -> None:
        services, store = self.services, self.store
        if services is None or store is None:
            return
        updates = store.updates
        while True:
            try:
                await expire_leases(services)
                await updates.forget_before(self.clock.now() - UPDATE_ID_RETENTION)
            except Exception:
                logger.exception("maintenance failed; retrying later")
            await asyncio.sleep(LEASE_SWEEP_INTERVAL)

    async def telegram_webhook(self, request: Request) -> Response:
        if self._webhook is None:
            return JSONResponse({"error": "webhook mode is off"}, status_code=404)
        return await self._webhook(request)

    async def health(self, request: Request) -> Response:
        if self._health is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        return await self._health(request)


def create_app(runtime: Runtime) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The command line starts the runtime before uvicorn, to report
        # start-up errors in one line; tests let the lifespan start it.
        if not runtime.started:
            try:
                await runtime.start()
            except BaseException:
                await runtime.stop()
                raise
        try:
            yield
        finally:
            await runtime.stop()

    routes = [
        Route("/healthz", _bind(runtime.health), methods=["GET"]),
        Route(WEBHOOK_PATH, _bind(runtime.telegram_webhook), methods=["POST"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.runtime = runtime
    return app


def _bind(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        return await handler(request)

    return endpoint


def _cipher(settings: Settings) -> TokenCipher | None:
    if settings.SECRET_KEY is None:
        return None
    previous = settings.SECRET_KEY_PREVIOUS
    return TokenCipher(
        settings.SECRET_KEY.get_secret_value(),
        previous.get_secret_value() if previous else None,
    )
