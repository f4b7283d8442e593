"""Use cases for connected accounts."""

from __future__ import annotations

import logging

from domain.errors import NotOwner, WrongState
from domain.model import Account, AccountStatus, Platform, PostStatus
from domain.scheduling import cancel_post
from domain.services import Services

logger = logging.getLogger(__name__)


async def connect_account(
    services: Services,
    user_id: int,
    platform: Platform,
    external_id: str,
    display_name: str,
    *,
    handle: str | None = None,
) -> Account:
    """Store a verified connection; connecting the same destination again renews it."""
    account = await services.store.accounts.connect(
        user_id, platform, external_id, display_name, services.clock.now(), handle=handle
    )
    logger.info("account connected: account=%s user=%s platform=%s", account.id, user_id, platform)
    return account


async def disconnect_account(services: Services, user_id: int, account_id: int) -> int:
    """Remove a connection and cancel its upcoming posts; returns how many were cancelled."""
    account = await services.store.accounts.get(account_id)
    if account is None or account.user_id != user_id:
        raise NotOwner(user_id, f"account {account_id}")

    # Drafts go too, so an open preview cannot schedule onto a removed account.
    upcoming = frozenset({PostStatus.SCHEDULED, PostStatus.DRAFT})
    cancelled = 0
    for post in await services.store.posts.list_for_account(account_id, upcoming):
        try:
            await cancel_post(services, user_id, post.id)
        except WrongState:
            continue  # it started publishing meanwhile
        if post.status is PostStatus.SCHEDULED:
            cancelled += 1

    provider = services.oauth.get(account.platform)
    if provider is not None and account.access_token:
        # Revoking is a courtesy to the user; the stored tokens go either way.
        await provider.revoke(account.access_token)
    await services.store.accounts.set_status(
        account_id, AccountStatus.DISCONNECTED, services.clock.now()
    )
    logger.info(
        "account disconnected: account=%s user=%s cancelled=%s", account_id, user_id, cancelled
    )
    return cancelled
