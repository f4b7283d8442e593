"""The `postlater` command: serve, migrate, parse."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from pydantic_settings import BaseSettings, SettingsConfigDict

from postlater.logs import configure_logging
from postlater.settings import Settings, SettingsError, load_settings

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
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"postlater: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.LOG_LEVEL, _secrets(settings))
    return asyncio.run(_serve_async(settings))


async def _serve_async(settings: Settings) -> int:
    import uvicorn

    from postlater.runtime import Runtime, StartupError, create_app

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
        create_app(runtime),
        host=settings.HOST,
        port=settings.PORT,
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )
    try:
        await uvicorn.Server(config).serve()
    finally:
        await runtime.stop()
    return 0


class _DatabaseOnly(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)
    DATABASE_URL: str = Settings.model_fields["DATABASE_URL"].default
    LOG_LEVEL: str = "INFO"


def _migrate() -> int:
    from storage.database import Database
    from storage.migrations import upgrade

    settings = _DatabaseOnly()
    configure_logging(settings.LOG_LEVEL)

    async def run() -> None:
        database = Database(settings.DATABASE_URL)
        try:
            await upgrade(database)
        finally:
            await database.dispose()

    asyncio.run(run())
    return 0


def _secrets(settings: Settings) -> list[str]:
    values = [settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_WEBHOOK_SECRET, settings.SECRET_KEY]
    return [v.get_secret_value() for v in values if v is not None]


if __name__ == "__main__":
    sys.exit(main())
