"""Connecting accounts with OAuth 2.0, and keeping their tokens fresh.

A login link carries a random `state` that is single use, bound to the
Telegram user who asked for it, and expires after ten minutes. Platforms that
support it also get PKCE (S256): the code verifier stays in our database and
only its hash travels in the link.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from domain.errors import (
    AccountAccessLost,
    CodeExchangeFailed,
    LoginDenied,
    LoginLinkInvalid,
    RefreshRefused,
)
from domain.model import Account, Platform, User
from domain.ports import LoginState, OAuthProvider, Refresher, Tokens
from domain.services import Services

logger = logging.getLogger(__name__)

LOGIN_LIFETIME = timedelta(minutes=10)
# Tokens are refreshed when they expire within this margin of a publish.
REFRESH_MARGIN = timedelta(minutes=5)
# Owners of tokens that cannot be refreshed are warned this long before expiry.
EXPIRY_WARNING = timedelta(days=3)


async def start_login(services: Services, platform: Platform, user_id: int) -> str:
    """Store a fresh login state for the user and return the platform's login URL."""
    provider = services.oauth[platform]
    now = services.clock.now()
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64) if provider.uses_pkce else None
    challenge = pkce_challenge(verifier) if verifier else None

    login = LoginState(state, user_id, provider.platform, verifier, now + LOGIN_LIFETIME, None)
    await services.store.logins.create(login, now)
    logger.info("login started: user=%s platform=%s", user_id, provider.platform)
    return provider.authorize_url(state, challenge)


async def finish_login(
    services: Services, platform: Platform, query: dict[str, str]
) -> tuple[User, Account]:
    """Turn the platform's redirect into a connected account, or raise a LoginError."""
    provider = services.oauth[platform]
    login = await _take_state(services, platform, query.get("state", ""))

    if "error" in query:
        raise LoginDenied(
            f"{provider.platform.display_name} login was cancelled or permission was declined",
            user_id=login.user_id,
            detail=query.get("error", ""),
        )
    code = query.get("code")
    if not code:
        raise CodeExchangeFailed(
            f"{provider.platform.display_name} sent no login code", user_id=login.user_id
        )

    try:
        tokens = await provider.exchange_code(code, login.code_verifier)
        identity = await provider.identify(tokens)
    except CodeExchangeFailed as error:
        error.user_id = login.user_id
        raise

    user = await services.store.users.get(login.user_id)
    if user is None:
        raise LoginLinkInvalid("this login link belongs to no postlater user")
    account = await services.store.accounts.connect(
        user.id,
        provider.platform,
        identity.external_id,
        identity.display_name,
        services.clock.now(),
        handle=identity.handle,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        token_expires_at=tokens.expires_at,
    )
    logger.info(
        "account connected: account=%s user=%s platform=%s", account.id, user.id, account.platform
    )
    return user, account


async def _take_state(services: Services, platform: Platform, state: str) -> LoginState:
    logins = services.store.logins
    now = services.clock.now()
    login = await logins.consume(state, now) if state else None
    if login is None:
        used = await logins.get(state) if state else None
        why = "was already used" if used is not None else "is not one postlater handed out"
        raise LoginLinkInvalid(f"this login link {why}", user_id=used.user_id if used else None)
    if login.platform is not platform:
        raise LoginLinkInvalid("this login link is for another platform", user_id=login.user_id)
    if login.expires_at < now:
        raise LoginLinkInvalid("this login link expired", user_id=login.user_id)
    return login


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge: base64url of SHA-256 of the verifier, without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def needs_refresh(account: Account, now: datetime) -> bool:
    expires_at = account.token_expires_at
    return expires_at is not None and expires_at - now < REFRESH_MARGIN


async def fresh_account(services: Services, account: Account) -> Account:
    """The account with an access token valid for a publish, refreshed if needed.

    Raises AccountAccessLost when the token expired and cannot be refreshed,
    or the platform refused the refresh token.
    """
    now = services.clock.now()
    if not needs_refresh(account, now):
        return account
    provider = services.oauth.get(account.platform)
    if provider is None or account.refresh_token is None:
        if account.token_expires_at is not None and account.token_expires_at <= now:
            raise AccountAccessLost(
                f"the {account.platform.display_name} login expired; reconnect the account"
            )
        return account

    refreshed = await services.store.accounts.refresh_locked(
        account.id, _refresher(services, provider), now
    )
    logger.info("token fresh: account=%s platform=%s", account.id, account.platform)
    return refreshed


def _refresher(services: Services, provider: OAuthProvider) -> Refresher:
    async def refresh(current: Account) -> Tokens | None:
        if not needs_refresh(current, services.clock.now()):
            return None  # another publish refreshed it while this one waited for the lock
        if current.refresh_token is None:
            raise AccountAccessLost(f"the {current.platform.display_name} login expired")
        try:
            return await provider.refresh(current.refresh_token)
        except RefreshRefused as error:
            raise AccountAccessLost(
                f"{current.platform.display_name} no longer accepts postlater's access; "
                "reconnect the account",
                detail=str(error),
            ) from error

    return refresh


async def warn_expiring_tokens(services: Services) -> int:
    """Message owners once when a token that cannot be refreshed expires within three days."""
    now = services.clock.now()
    warned = 0
    for account in await services.store.accounts.list_expiring_unwarned(now + EXPIRY_WARNING):
        if not await services.store.accounts.mark_expiry_warned(account.id, now):
            continue
        user = await services.store.users.get(account.user_id)
        if user is None:
            continue
        await services.notifier.token_expiring(user, account)
        logger.info("token expiry warned: account=%s user=%s", account.id, user.id)
        warned += 1
    return warned
