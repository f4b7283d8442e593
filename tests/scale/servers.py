"""Real `postlater serve` processes and an alternating proxy in front of them.

Scale-out tests and benchmarks start each server as its own operating-system
process, so two servers share nothing but the database and the services they
call, as two machines would.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from postlater.settings import Settings
from tests.fakes.serving import ThreadedServer
from tests.fakes.telegram_api import FakeTelegram

WEBHOOK_SECRET = "scale_test_webhook_secret"
START_TIMEOUT = 60.0

# Hop-by-hop and length headers that the proxy must not copy between requests.
_NOT_FORWARDED = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "content-encoding"}
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_environment() -> dict[str, str]:
    """The caller's environment without postlater settings, so only explicit ones apply."""
    names = set(Settings.model_fields)
    return {key: value for key, value in os.environ.items() if key not in names}


def _command(argv: list[str]) -> list[str]:
    script = Path(sys.executable).parent / "postlater"
    if script.exists():
        return [str(script), *argv]
    return [sys.executable, "-m", "postlater.cli", *argv]


@dataclass
class ServerProcess:
    """One `postlater serve` process on 127.0.0.1, with its output in a log file.

    It runs in an empty working folder, so no `.env` file applies, and is
    stopped with SIGTERM, as a process manager would.
    """

    name: str
    settings: dict[str, str]
    port: int = field(default_factory=free_port)
    command: list[str] = field(default_factory=lambda: _command(["serve"]))
    process: subprocess.Popen[bytes] | None = None
    workdir: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        if self.workdir is None:
            raise RuntimeError(f"{self.name} was never started")
        return self.workdir / "server.log"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self.process.pid

    def start(self) -> ServerProcess:
        self.workdir = Path(tempfile.mkdtemp(prefix=f"postlater-{self.name}-"))
        environment = {
            **_clean_environment(),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            **self.settings,
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.workdir,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    async def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until GET /healthz returns 200; raise with the log's tail if it never does."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(trust_env=False, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    break
                try:
                    response = await client.get(self.url + "/healthz")
                    if response.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} did not become ready; log:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except (OSError, RuntimeError):
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace: float = 15.0) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5.0)
        self.process = None

    def remove_files(self) -> None:
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def webhook_settings(telegram: FakeTelegram, database_url: str, public_url: str) -> dict[str, str]:
    """Settings for a server in webhook mode with the local job queue."""
    return {
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "TELEGRAM_API_FILE_URL": telegram.url + "/file/bot",
        "DATABASE_URL": database_url,
        "PUBLIC_URL": public_url,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "LOG_LEVEL": "WARNING",
    }


async def start_all(servers: list[ServerProcess]) -> None:
    """Start the servers one after another, so their migrations never race."""
    for server in servers:
        server.start()
        await server.wait_ready()


def stop_all(servers: list[ServerProcess]) -> None:
    for server in servers:
        server.stop()


@dataclass(frozen=True)
class Forwarded:
    """One request the proxy passed on: to which target, and the reply status."""

    path: str
    target: int
    status: int | None


class AlternatingProxy:
    """HTTP proxy on 127.0.0.1 that sends each request to the next target in turn.

    It plays the load balancer in front of several postlater
    processes: consecutive requests, even for one chat or one QStash message,
    land on different processes.
    """

    def __init__(self, targets: list[str] | None = None, timeout: float = 60.0) -> None:
        # Set or replace `targets` before the first request; requests get 503 until then.
        self.targets = list(targets or [])
        self._requests = 0
        self._lock = threading.Lock()
        self._forwarded: list[Forwarded] = []
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None
        app = Starlette(
            routes=[Route("/{path:path}", self._forward, methods=["GET", "POST"])],
        )
        self._server = ThreadedServer(app)

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> AlternatingProxy:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def forwarded(self) -> list[Forwarded]:
        with self._lock:
            return list(self._forwarded)

    async def _forward(self, request: Request) -> Response:
        if self._client is None:
            # Created on the server's own loop, where every request runs.
            self._client = httpx.AsyncClient(trust_env=False, timeout=self._timeout)
        if not self.targets:
            return Response(status_code=503)
        with self._lock:
            target = self._requests % len(self.targets)
            self._requests += 1
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED}
        body = await request.body()
        url = self.targets[target] + request.url.path
        if request.url.query:
            url += "?" + request.url.query

        try:
            reply = await self._client.request(request.method, url, content=body, headers=headers)
        except httpx.HTTPError:
            self._record(request.url.path, target, None)
            return Response(status_code=502)

        self._record(request.url.path, target, reply.status_code)
        reply_headers = {k: v for k, v in reply.headers.items() if k.lower() not in _NOT_FORWARDED}
        return Response(reply.content, status_code=reply.status_code, headers=reply_headers)

    def _record(self, path: str, target: int, status: int | None) -> None:
        with self._lock:
            self._forwarded.append(Forwarded(path, target, status))
