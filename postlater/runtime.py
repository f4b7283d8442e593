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
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
from alembic.util import CommandError
from qstash import AsyncQStash
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from bot.application import ALLOWED_UPDATES, build_application, register_commands
from bot.context import BOT_DATA_KEY, BotDeps
from bot.notifier import TelegramNotifier
from callbacks.health import Health
from callbacks.oauth import CALLBACK_PATH, OAuthCallbacks, callback_path
from callbacks.qstash import FAILED_PATH, PUBLISH_PATH, QStashDeliveries
from callbacks.telegram_webhook import TelegramWebhook
from domain.clock import Clock, SystemClock
from domain.execution import expire_leases, run_claimed
from domain.model import Platform
from domain.oauth import warn_expiring_tokens
from domain.scheduling import requeue_stalled
from domain.services import ExecutionPolicy, Services
from jobqueue.local import LocalJobQueue
from jobqueue.qstash import QStashJobQueue
from networks.http import timeout
from networks.linkedin import LinkedInClient
from networks.telegram import TelegramChannelPublisher
from networks.x import XClient
from postlater.settings import Settings
from storage.crypto import TokenCipher
from storage.database import Database
from storage.migrations import upgrade
from storage.store import SqlAlchemyStore

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
# Expired leases, lost QStash jobs and expiring tokens are looked for this
# often; processed update ids are kept this long (Telegram resends an update
# for at most 24 hours).
MAINTENANCE_INTERVAL = 30.0
UPDATE_ID_RETENTION = timedelta(hours=48)
# A QStash post still scheduled this long after it was due lost its message
# (QStash gave up while this server was unreachable): it is queued again.
STALLED_AFTER = timedelta(hours=1)


class StartupError(Exception):
    """Raised when start-up cannot go on; the message names the cause and the fix."""


class Runtime:
    """Everything one postlater process runs. Nothing is opened until `start()`."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        policy: ExecutionPolicy | None = None,
        maintenance_interval: float = MAINTENANCE_INTERVAL,
    ) -> None:
        self.settings = settings
        self.maintenance_interval = maintenance_interval
        self.clock: Clock = clock or SystemClock()
        self.policy = policy or ExecutionPolicy()
        self.started = False
        self.database: Database | None = None
        self.store: SqlAlchemyStore | None = None
        self.application: Application | None = None  # type: ignore[type-arg]
        self.services: Services | None = None
        self.queue: LocalJobQueue | None = None
        self._webhook: TelegramWebhook | None = None
        self._deliveries: QStashDeliveries | None = None
        self._oauth: OAuthCallbacks | None = None
        self._http: httpx.AsyncClient | None = None
        self._health: Health | None = None
        self._maintenance: asyncio.Task[None] | None = None

    @property
    def polling(self) -> bool:
        return not self.settings.webhook_mode

    async def start(self) -> None:
        settings = self.settings
        self.database = await open_database(settings.DATABASE_URL)
        store = self.store = SqlAlchemyStore(self.database, _cipher(settings))

        self.application = build_application(
            settings.TELEGRAM_BOT_TOKEN.get_secret_value(),
            base_url=settings.TELEGRAM_API_BASE_URL,
            base_file_url=settings.TELEGRAM_API_FILE_URL,
            polling=self.polling,
            timeout=settings.NETWORK_TIMEOUT_SECONDS,
        )
        bot = self.application.bot
        queue = self._build_queue(store)
        self._http = httpx.AsyncClient(
            timeout=timeout(settings.NETWORK_TIMEOUT_SECONDS), trust_env=False
        )
        networks = self._build_networks(self._http)
        self.services = services = Services(
            store=store,
            queue=queue,
            clock=self.clock,
            notifier=TelegramNotifier(bot),
            publishers={Platform.TELEGRAM: TelegramChannelPublisher(bot), **networks},
            oauth=networks,
            policy=self.policy,
        )
        available = (Platform.TELEGRAM, *networks)
        self.application.bot_data[BOT_DATA_KEY] = BotDeps(services, available)
        self._oauth = OAuthCallbacks(services)
        if isinstance(queue, QStashJobQueue):
            self._deliveries = QStashDeliveries(
                services, queue, settings.public_base_url, self._signing_keys()
            )

        await self._start_bot()
        if isinstance(queue, LocalJobQueue):
            queue.start(lambda post: run_claimed(services, post))
        self._maintenance = asyncio.create_task(self._maintain(), name="maintenance")
        self._health = Health(self.database, self._updates_mode, self._queue_mode)
        self.started = True
        logger.info("postlater started: updates=%s queue=%s", self._updates_mode, self._queue_mode)

    @property
    def _updates_mode(self) -> str:
        return "polling" if self.polling else "webhook"

    @property
    def _queue_mode(self) -> str:
        return "qstash" if self.settings.qstash_mode else "local"

    def _build_queue(self, store: SqlAlchemyStore) -> LocalJobQueue | QStashJobQueue:
        settings = self.settings
        if settings.QSTASH_TOKEN is None:
            self.queue = LocalJobQueue(
                store.posts,
                self.clock,
                self.policy,
                poll_interval=settings.LOCAL_QUEUE_POLL_SECONDS,
                concurrency=settings.LOCAL_QUEUE_CONCURRENCY,
            )
            return self.queue

        client = AsyncQStash(
            settings.QSTASH_TOKEN.get_secret_value(),
            base_url=settings.QSTASH_URL,
            retry={"retries": 2, "backoff": lambda attempt: 200.0 * (attempt + 1)},
        )
        base = settings.public_base_url
        # The last QStash retry is the last attempt, so a post fails for good
        # exactly when QStash gives up on its message.
        self.policy = replace(self.policy, max_attempts=settings.QSTASH_RETRIES + 1)
        return QStashJobQueue(
            client,
            base + PUBLISH_PATH,
            base + FAILED_PATH,
            self.clock,
            retries=settings.QSTASH_RETRIES,
            max_delay=settings.QSTASH_MAX_DELAY,
        )

    def _build_networks(self, http: httpx.AsyncClient) -> dict[Platform, LinkedInClient | XClient]:
        """Build clients for the OAuth platforms whose app credentials are set."""
        settings = self.settings
        networks: dict[Platform, LinkedInClient | XClient] = {}
        if settings.linkedin_enabled and settings.LINKEDIN_CLIENT_SECRET is not None:
            networks[Platform.LINKEDIN] = LinkedInClient(
                http,
                self.clock,
                client_id=settings.LINKEDIN_CLIENT_ID or "",
                client_secret=settings.LINKEDIN_CLIENT_SECRET.get_secret_value(),
                redirect_uri=settings.public_base_url + callback_path(Platform.LINKEDIN),
                oauth_base_url=settings.LINKEDIN_OAUTH_BASE_URL,
                api_base_url=settings.LINKEDIN_API_BASE_URL,
                api_version=settings.LINKEDIN_API_VERSION,
            )
        if settings.x_enabled and settings.X_CLIENT_SECRET is not None:
            networks[Platform.X] = XClient(
                http,
                self.clock,
                client_id=settings.X_CLIENT_ID or "",
                client_secret=settings.X_CLIENT_SECRET.get_secret_value(),
                redirect_uri=settings.public_base_url + callback_path(Platform.X),
                authorize_url=settings.X_OAUTH_AUTHORIZE_URL,
                api_base_url=settings.X_API_BASE_URL,
            )
        return networks

    def _signing_keys(self) -> list[str]:
        keys = [self.settings.QSTASH_CURRENT_SIGNING_KEY, self.settings.QSTASH_NEXT_SIGNING_KEY]
        return [key.get_secret_value() for key in keys if key is not None]

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
        except NetworkError as error:
            raise StartupError(
                f"could not reach the Bot API at {self.settings.TELEGRAM_API_BASE_URL} "
                f"({error.message}): check the network, or TELEGRAM_API_BASE_URL"
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
        if self.database is None:
            return
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
        if self._http is not None:
            await self._http.aclose()
            self._http = None
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
                if self.settings.qstash_mode:
                    await requeue_stalled(services, STALLED_AFTER)
                await warn_expiring_tokens(services)
                await updates.forget_before(self.clock.now() - UPDATE_ID_RETENTION)
            except Exception:
                logger.exception("maintenance failed; retrying later")
            await asyncio.sleep(self.maintenance_interval)

    async def telegram_webhook(self, request: Request) -> Response:
        if self._webhook is None:
            return JSONResponse({"error": "webhook mode is off"}, status_code=404)
        return await self._webhook(request)

    async def qstash_publish(self, request: Request) -> Response:
        if self._deliveries is None:
            return JSONResponse({"error": "the QStash queue is off"}, status_code=404)
        return await self._deliveries.publish(request)

    async def qstash_failed(self, request: Request) -> Response:
        if self._deliveries is None:
            return JSONResponse({"error": "the QStash queue is off"}, status_code=404)
        return await self._deliveries.failed(request)

    async def oauth_callback(self, request: Request) -> Response:
        if self._oauth is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        return await self._oauth.callback(request)

    async def health(self, request: Request) -> Response:
        if self._health is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        return await self._health(request)


async def open_database(url: str) -> Database:
    """Open the database and bring its schema up to date, or raise StartupError."""
    try:
        database = Database(url)
    except OSError as error:
        raise StartupError(
            f"could not create the folder for the SQLite database ({error.strerror}: "
            f"{error.filename}): check DATABASE_URL and the folder's permissions"
        ) from error
    try:
        await upgrade(database)
    except CommandError as error:
        await database.dispose()
        raise StartupError(
            f"the database schema is not one this postlater knows ({error}): "
            "run the postlater version that created it, or a newer one"
        ) from error
    except (SQLAlchemyError, OSError) as error:
        await database.dispose()
        where = make_url(database.url).render_as_string(hide_password=True)
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise StartupError(
            f"could not open the database {where} ({reason}): check DATABASE_URL and "
            "that the database server is running"
        ) from error
    return database


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
        Route(PUBLISH_PATH, _bind(runtime.qstash_publish), methods=["POST"]),
        Route(FAILED_PATH, _bind(runtime.qstash_failed), methods=["POST"]),
        Route(CALLBACK_PATH, _bind(runtime.oauth_callback), methods=["GET"]),
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
