"""GET /oauth/{platform}/callback: where LinkedIn and X send the browser after a login."""

from __future__ import annotations

import html
import logging

from starlette.requests import Request
from starlette.responses import HTMLResponse

from domain.errors import LoginError
from domain.model import Platform
from domain.oauth import finish_login
from domain.services import Services

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/oauth/{platform}/callback"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}}
</style>
</head><body><h1>{title}</h1><p>{message}</p></body></html>
"""


def callback_path(platform: Platform) -> str:
    return CALLBACK_PATH.format(platform=platform.value)


class OAuthCallbacks:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def callback(self, request: Request) -> HTMLResponse:
        """Connect the account and confirm it on the page and in the chat, or show what failed."""
        name = request.path_params.get("platform", "")
        platform = next((p for p in self._services.oauth if p.value == name), None)
        if platform is None:
            return _page("Unknown platform", "This address is not a login return path.", 404)

        query = dict(request.query_params)
        try:
            user, account = await finish_login(self._services, platform, query)
        except LoginError as error:
            logger.warning(
                "login failed: platform=%s user=%s detail=%s",
                platform,
                error.user_id,
                error.detail or error.reason,
            )
            await self._tell_failure(platform, error)
            return _page(
                f"{platform.display_name} was not connected",
                f"{error.reason[:1].upper()}{error.reason[1:]}. Go back to Telegram and send "
                "/connect to get a new login link.",
                400,
            )

        await self._services.notifier.account_connected(user, account)
        return _page(
            f"{platform.display_name} connected",
            f"Connected as {account.display_name}. You can close this page and go back to "
            "Telegram.",
        )

    async def _tell_failure(self, platform: Platform, error: LoginError) -> None:
        if error.user_id is None:
            return
        user = await self._services.store.users.get(error.user_id)
        if user is not None:
            await self._services.notifier.login_failed(user, platform, error.reason)


def _page(title: str, message: str, status: int = 200) -> HTMLResponse:
    body = _PAGE.format(title=html.escape(title), message=html.escape(message))
    return HTMLResponse(body, status_code=status)
