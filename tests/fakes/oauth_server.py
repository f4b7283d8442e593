"""The part of the X and LinkedIn test servers that does not depend on the network.

`OAuthTestServer` runs a Starlette app in a thread of its own (see `serving.py`) and
gives tests the shared controls: the clock, the issued tokens, injected failures and
late replies, the call log and an async waiter for calls. Subclasses declare their
routes, the failure kinds each endpoint can inject, and the replies for them.

Every request goes through one wrapper: it takes the next injection for the
endpoint, runs the handler (or builds the injected failure instead), records the
call, and only then sleeps for an injected delay. So a delayed request has already
taken effect when the client gives up waiting, as with a real timeout.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Self, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fakes.oauth_records import ApiCall, Injection, IssuedToken
from tests.fakes.oauth_store import OAuthStore
from tests.fakes.serving import ThreadedServer

logger = logging.getLogger(__name__)

T = TypeVar("T")

_POLL_INTERVAL = 0.01
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@dataclasses.dataclass(frozen=True)
class IncomingRequest:
    """A request as the handlers see it: header names are lower case."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        """Return the body as an HTML form, in which the last of repeated fields wins."""
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def json(self) -> Any:
        """Return the body parsed as JSON, or raise ValueError if it is not JSON."""
        return json.loads(self.body)

    def bearer_token(self) -> str | None:
        scheme, _, credentials = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            return None
        return credentials.strip()


Handler = Callable[[IncomingRequest], Response]


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """One route of a test server. `fail_next` and `calls` take its `name`."""

    name: str
    path: str
    methods: tuple[str, ...]
    handler: Handler


def redirect_with(redirect_uri: str, params: Mapping[str, str]) -> RedirectResponse:
    """Return a 302 to `redirect_uri` with `params` added to its query string."""
    parts = urlsplit(redirect_uri)
    query = "&".join(part for part in (parts.query, urlencode(dict(params))) if part)
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=302)


def html_page(status: int, title: str, message: str) -> HTMLResponse:
    """Return the kind of error page a browser gets when an authorize request is rejected."""
    body = (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status)


class OAuthTestServer:
    """Base class of the network test servers, described in the module docstring.

    Subclasses set `FAILURE_KINDS` (endpoint name to the failure kinds `fail_next`
    accepts for it) and implement `_endpoints`, `_failure_response` and
    `_not_found`.
    """

    FAILURE_KINDS: ClassVar[Mapping[str, frozenset[str]]] = {}
    SERVICE: ClassVar[str] = "network"

    def __init__(self, *, start_at: float | None = None) -> None:
        self._store = OAuthStore(start_at=start_at)
        self._server = ThreadedServer(self._build_app())

    # Lifecycle

    def start(self) -> Self:
        self._server.start()
        logger.info("%s test server started on %s", self.SERVICE, self.url)
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self._server.url

    # Clock

    def now(self) -> float:
        """Return the server's clock: real Unix time plus the offset from `advance`."""
        return self._store.now()

    def advance(self, seconds: float) -> None:
        """Move the server's clock forward, so codes and tokens expire without sleeping."""
        self._store.advance(seconds)

    # Tokens

    def tokens(self) -> list[IssuedToken]:
        """Return copies of every access and refresh token issued, oldest first."""
        return self._store.tokens()

    def revoke(self, token: str) -> None:
        """Revoke a token, as a user removing the app's access does."""
        if not self._store.revoke(token):
            raise ValueError("this server never issued that token")

    def expire(self, token: str) -> None:
        """Make a token expire now."""
        if not self._store.expire(token):
            raise ValueError("this server never issued that token")

    # Failure injection

    def fail_next(self, endpoint: str, kind: str, times: int = 1) -> None:
        """Reply to the next `times` requests to `endpoint` with the real error for `kind`.

        The requests change nothing on the server. `FAILURE_KINDS` lists the kinds
        each endpoint accepts.
        """
        kinds = self._kinds(endpoint)
        if kind not in kinds:
            raise ValueError(
                f"unknown failure kind {kind!r} for {endpoint!r}; expected one of {sorted(kinds)}"
            )
        self._store.add_injection(Injection(endpoint, times, kind=kind))

    def delay_next(self, endpoint: str, seconds: float, times: int = 1) -> None:
        """Carry out the next `times` requests to `endpoint` at once but reply `seconds` later.

        This reproduces a client timeout after the network already acted, for
        example a post that was published although the client saw no reply.
        """
        self._kinds(endpoint)
        self._store.add_injection(Injection(endpoint, times, delay=seconds))

    def _kinds(self, endpoint: str) -> frozenset[str]:
        kinds = self.FAILURE_KINDS.get(endpoint)
        if kinds is None:
            raise ValueError(
                f"unknown endpoint {endpoint!r}; expected one of {sorted(self.FAILURE_KINDS)}"
            )
        return kinds

    # Call log and waiter

    def calls(self, endpoint: str | None = None) -> list[ApiCall]:
        """Return every handled request in order of handling, optionally to one endpoint."""
        if endpoint is not None:
            self._kinds(endpoint)
        return self._store.calls(endpoint)

    async def wait_for_call(
        self,
        endpoint: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 5.0,
    ) -> ApiCall:
        """Wait for the first handled request to `endpoint` that matches `predicate`.

        Polls from the caller's event loop, so the app under test keeps running.
        Raises TimeoutError, listing the statuses seen, after `timeout` seconds.
        """
        self._kinds(endpoint)

        def check() -> ApiCall | None:
            for call in self._store.calls(endpoint):
                if predicate is None or predicate(call):
                    return call
            return None

        def describe() -> str:
            statuses = [call.status for call in self._store.calls(endpoint)]
            return f"no matching {endpoint} call after {timeout} s; statuses seen: {statuses}"

        return await poll_until(check, timeout, describe)

    # HTTP

    def _endpoints(self) -> list[Endpoint]:
        raise NotImplementedError

    def _failure_response(self, endpoint: str, kind: str, request: IncomingRequest) -> Response:
        raise NotImplementedError

    def _not_found(self, request: IncomingRequest) -> Response:
        raise NotImplementedError

    def _build_app(self) -> Starlette:
        routes = [
            Route(endpoint.path, self._serve(endpoint), methods=list(endpoint.methods))
            for endpoint in self._endpoints()
        ]
        routes.append(Route("/{path:path}", self._serve_not_found, methods=ALL_METHODS))
        return Starlette(routes=routes)

    def _serve(self, endpoint: Endpoint) -> Callable[[Request], Any]:
        async def serve(request: Request) -> Response:
            incoming = await _read(request)
            injection = self._store.take_injection(endpoint.name)
            injected = injection.kind if injection is not None else None
            delay = injection.delay if injection is not None else 0.0

            if injected is not None:
                response = self._failure_response(endpoint.name, injected, incoming)
            else:
                response = self._run(endpoint, incoming)
            self._record(endpoint.name, incoming, response, injected, delay)

            if delay:
                await asyncio.sleep(delay)
            return response

        return serve

    def _run(self, endpoint: Endpoint, request: IncomingRequest) -> Response:
        try:
            return endpoint.handler(request)
        except Exception:
            # A bug in this test server, not a modelled error: fail loudly.
            logger.exception("%s handler failed in the %s test server", endpoint.name, self.SERVICE)
            return Response("test server bug; see the log", status_code=500)

    async def _serve_not_found(self, request: Request) -> Response:
        return self._not_found(await _read(request))

    def _record(
        self,
        endpoint: str,
        request: IncomingRequest,
        response: Response,
        injected: str | None,
        delay: float,
    ) -> None:
        call = ApiCall(
            endpoint=endpoint,
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            body=request.body,
            status=response.status_code,
            response_headers=dict(response.headers),
            response_body=bytes(response.body),
            at=self._store.now(),
            injected=injected,
            delay=delay,
        )
        self._store.record_call(call)


async def _read(request: Request) -> IncomingRequest:
    return IncomingRequest(
        method=request.method,
        path=request.url.path,
        query=dict(request.query_params),
        headers={name.lower(): value for name, value in request.headers.items()},
        body=await request.body(),
    )


async def poll_until(
    check: Callable[[], T | None],
    timeout: float,
    describe: Callable[[], str],
) -> T:
    """Call `check` until it returns a value. Raise TimeoutError(describe()) after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            raise TimeoutError(describe())
        await asyncio.sleep(_POLL_INTERVAL)
