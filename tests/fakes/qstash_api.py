"""The QStash v2 REST routes of the test server, over a `QStashStore`.

Served: publish, get and cancel a message, get, list and delete DLQ entries, and
get and rotate the signing keys. Every other route returns 404 with an error
saying that the test server does not implement it.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.qstash_json import dlq_json, message_json
from tests.fakes.qstash_publish import PublishError
from tests.fakes.qstash_store import QStashStore

logger = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]
Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]

PUBLISH_PREFIX = "/v2/publish/"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def error_response(status: int, message: str) -> JSONResponse:
    # QStash reports errors as {"error": "..."}. NOTE: the texts are this server's
    # own, and real QStash words its errors differently.
    return JSONResponse({"error": message}, status_code=status)


def publish_destination(request: Request) -> str:
    """Return the destination URL of a publish exactly as the client wrote it.

    The raw path keeps the URL's own percent-escapes. A query string belongs to the
    destination, except QStash's own `qstash_token` parameter.
    """
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    destination = raw_path.decode("latin-1").removeprefix(PUBLISH_PREFIX)

    query: bytes = request.scope.get("query_string", b"")
    kept = [
        part
        for part in query.decode("latin-1").split("&")
        if part and not part.startswith("qstash_token=")
    ]
    return destination + ("?" + "&".join(kept) if kept else "")


class QStashApi:
    """Starlette routes that serve the QStash v2 API for one token and store."""

    def __init__(self, store: QStashStore, token: str) -> None:
        self._store = store
        self._token = token

    def build_app(self, lifespan: Lifespan) -> Starlette:
        guard = self._guard
        routes = [
            Route("/v2/publish/{destination:path}", guard(self.publish), methods=["POST"]),
            Route("/v2/messages/{message_id}", guard(self.get_message), methods=["GET"]),
            Route("/v2/messages/{message_id}", guard(self.cancel_message), methods=["DELETE"]),
            Route("/v2/dlq", guard(self.list_dlq), methods=["GET"]),
            Route("/v2/dlq/{dlq_id}", guard(self.get_dlq), methods=["GET"]),
            Route("/v2/dlq/{dlq_id}", guard(self.delete_dlq), methods=["DELETE"]),
            Route("/v2/keys", guard(self.get_keys), methods=["GET"]),
            Route("/v2/keys/rotate", guard(self.rotate_keys), methods=["POST"]),
            Route("/{path:path}", guard(self.not_implemented), methods=ALL_METHODS),
        ]
        return Starlette(routes=routes, lifespan=lifespan)

    def _guard(self, endpoint: Endpoint) -> Endpoint:
        async def guarded(request: Request) -> Response:
            if not self._authorized(request):
                return error_response(
                    401, "unauthorized: send the QStash token as 'Authorization: Bearer <token>'"
                )
            return await endpoint(request)

        return guarded

    def _authorized(self, request: Request) -> bool:
        # QStash also accepts the token as the `qstash_token` query parameter.
        header = request.headers.get("Authorization", "")
        supplied = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        supplied = supplied or request.query_params.get("qstash_token", "")
        return hmac.compare_digest(supplied.encode(), self._token.encode())

    async def publish(self, request: Request) -> Response:
        body = await request.body()
        destination = publish_destination(request)
        caller_ip = request.client.host if request.client else "127.0.0.1"

        try:
            message, duplicate = self._store.publish(destination, request.headers, body, caller_ip)
        except PublishError as error:
            return error_response(400, str(error))

        if duplicate:
            logger.info("publish to %s deduplicated as message %s", destination, message.id)
            reply = {"messageId": message.id, "url": destination, "deduplicated": True}
            return JSONResponse(reply, status_code=202)

        logger.info(
            "published message %s to %s, due in %.1f s",
            message.id,
            destination,
            message.not_before - message.created_at,
        )
        # NOTE: 201 is assumed for a new message. The QStash docs say only that a
        # duplicate gets 202, and the SDK accepts any 2xx.
        return JSONResponse({"messageId": message.id, "url": destination}, status_code=201)

    async def get_message(self, request: Request) -> Response:
        message_id = request.path_params["message_id"]
        message = self._store.active_message(message_id)
        if message is None:
            return error_response(404, f"message {message_id} not found")
        return JSONResponse(message_json(message))

    async def cancel_message(self, request: Request) -> Response:
        message_id = request.path_params["message_id"]
        if not self._store.cancel(message_id):
            return error_response(404, f"message {message_id} not found")

        logger.info("cancel of message %s accepted", message_id)
        return Response(status_code=202)

    async def list_dlq(self, request: Request) -> Response:
        unsupported = sorted(set(request.query_params) - {"qstash_token"})
        if unsupported:
            return error_response(
                400, f"DLQ filters and paging are not supported by this test server: {unsupported}"
            )
        return JSONResponse({"messages": [dlq_json(entry) for entry in self._store.dlq()]})

    async def get_dlq(self, request: Request) -> Response:
        dlq_id = request.path_params["dlq_id"]
        entry = self._store.dlq_entry(dlq_id)
        if entry is None:
            return error_response(404, f"DLQ message {dlq_id} not found")
        return JSONResponse(dlq_json(entry))

    async def delete_dlq(self, request: Request) -> Response:
        dlq_id = request.path_params["dlq_id"]
        if not self._store.delete_dlq_entry(dlq_id):
            return error_response(404, f"DLQ message {dlq_id} not found")
        return Response(status_code=200)

    async def get_keys(self, request: Request) -> Response:
        current, following = self._store.signing_keys()
        return JSONResponse({"current": current, "next": following})

    async def rotate_keys(self, request: Request) -> Response:
        current, following = self._store.rotate_keys()
        return JSONResponse({"current": current, "next": following})

    async def not_implemented(self, request: Request) -> Response:
        return error_response(
            404, f"{request.method} {request.url.path} is not implemented by the QStash test server"
        )
