"""The delivery baseline: a bare QStash receiver on the same uvicorn + Starlette stack.

It verifies each delivery with the official SDK's `Receiver`, publishes the
body's text to its Telegram channel and notifies the owner, with
python-telegram-bot. No database: nothing stops a duplicate delivery from
publishing twice, which is what postlater's claim adds.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_BASE_URL=... PUBLIC_URL=... PORT=...
    QSTASH_CURRENT_SIGNING_KEY=... QSTASH_NEXT_SIGNING_KEY=... python -m bench.bare_receiver
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator

import uvicorn
from qstash import Receiver
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot

PUBLISH_PATH = "/qstash/publish"


def build_app(token: str, base_url: str, public_url: str, keys: tuple[str, str]) -> Starlette:
    bot = Bot(token, base_url=base_url)
    receiver = Receiver(*keys)

    async def publish(request: Request) -> Response:
        body = await request.body()
        try:
            receiver.verify(
                signature=request.headers.get("Upstash-Signature", ""),
                body=body.decode(),
                url=public_url + PUBLISH_PATH,
            )
        except Exception:
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        job = json.loads(body)
        await bot.send_message(chat_id=job["channel_id"], text=job["content"])
        await bot.send_message(chat_id=job["owner_id"], text=f"Posted: {job['content']}")
        return JSONResponse({"result": "posted"})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await bot.initialize()
        try:
            yield
        finally:
            await bot.shutdown()

    routes = [
        Route(PUBLISH_PATH, publish, methods=["POST"]),
        Route("/healthz", health, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"))
    app = build_app(
        os.environ["TELEGRAM_BOT_TOKEN"],
        os.environ["TELEGRAM_API_BASE_URL"],
        os.environ["PUBLIC_URL"].rstrip("/"),
        (os.environ["QSTASH_CURRENT_SIGNING_KEY"], os.environ["QSTASH_NEXT_SIGNING_KEY"]),
    )
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
