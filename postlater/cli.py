"""The `postlater` command: serve, migrate, parse."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from typing import TYPE_CHECKING

from postlater.logs import configure_logging

if TYPE_CHECKING:
    from postlater.settings import Settings

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["parse"]:
        import postlater.cli_parse as cli_parse

        return cli_parse.run(argv[1:], sys.stdin, sys.stdout)

    parser = argparse.ArgumentParser(prog="postlater", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="apply migrations, then run the bot and the HTTP server")
    commands.add_parser("migrate", help="apply database migrations and exit")
    commands.add_parser("parse", help="parse schedule requests (see: postlater parse --help)")
    args = parser.parse_args(argv)

    if args.command == "migrate":
        return _migrate()
    return _serve()


def _serve() -> int:
    # Imported here so that `postlater parse` starts without pydantic.
    from postlater.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"postlater: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.LOG_LEVEL, _secrets(settings))

    import asyncio

    try:
        return asyncio.run(_serve_async(settings))
    except KeyboardInterrupt:
        # A second Ctrl-C during shutdown: stop without a traceback.
        return 130


async def _serve_async(settings: Settings) -> int:
    import uvicorn

    from postlater.runtime import Runtime, StartupError, create_app

    # Bound before anything starts, so a busy port stops start-up in one line.
    try:
        listener = socket.create_server((settings.HOST, settings.PORT))
    except OSError as error:
        print(
            f"postlater: cannot listen on {settings.HOST}:{settings.PORT} ({error.strerror}): "
            "stop the other server or set PORT (and HOST) to a free address",
            file=sys.stderr,
        )
        return 2

    runtime = Runtime(settings)
    try:
        await runtime.start()
    except StartupError as error:
        print(f"postlater: {error}", file=sys.stderr)
        await runtime.stop()
        return 2
    except BaseException:
        await runtime.stop()
        raise

    config = uvicorn.Config(
        create_app(runtime), log_config=None, access_log=False, proxy_headers=True
    )
    try:
        await uvicorn.Server(config).serve(sockets=[listener])
    finally:
        await runtime.stop()
    return 0


def _migrate() -> int:
    import asyncio

    from pydantic import ValidationError

    from postlater.runtime import StartupError, open_database
    from postlater.settings import DatabaseSettings

    try:
        settings = DatabaseSettings()
    except ValidationError as error:
        print(f"postlater: invalid settings: {error.errors()[0]['msg']}", file=sys.stderr)
        return 2
    configure_logging(settings.LOG_LEVEL)

    async def run() -> None:
        database = await open_database(settings.DATABASE_URL)
        await database.dispose()

    try:
        asyncio.run(run())
    except StartupError as error:
        print(f"postlater: {error}", file=sys.stderr)
        return 2
    return 0


def _secrets(settings: Settings) -> list[str]:
    values = [settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_WEBHOOK_SECRET, settings.SECRET_KEY]
    return [v.get_secret_value() for v in values if v is not None]


if __name__ == "__main__":
    sys.exit(main())
