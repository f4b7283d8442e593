"""Which connected accounts a request names."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from domain.model import Account, AccountStatus, Platform


@dataclass(frozen=True)
class PlatformUnavailable:
    """Platforms postlater cannot publish to on this installation (yet)."""

    platforms: tuple[Platform, ...]


@dataclass(frozen=True)
class NotConnected:
    """A named platform or channel has no connected account."""

    platform: Platform
    channel: str | None = None


@dataclass(frozen=True)
class AmbiguousAccount:
    """Several accounts fit; the user must name one."""

    platform: Platform
    accounts: tuple[Account, ...]


@dataclass(frozen=True)
class NoPlatformNamed:
    """The request names no platform and the user has not exactly one account."""

    accounts: tuple[Account, ...]


TargetProblem = PlatformUnavailable | NotConnected | AmbiguousAccount | NoPlatformNamed


def resolve_targets(
    platforms: Sequence[Platform],
    channel: str | None,
    accounts: Sequence[Account],
    available: Collection[Platform],
) -> list[Account] | TargetProblem:
    """Pick one account per named platform, in the order the user named them.

    Accounts that are disconnected are ignored; accounts that need
    reconnecting are still picked, so the preview can say so.
    """
    accounts = [a for a in accounts if a.status is not AccountStatus.DISCONNECTED]
    if not platforms:
        return accounts[:1] if len(accounts) == 1 else NoPlatformNamed(tuple(accounts))

    unavailable = tuple(p for p in platforms if p not in available)
    if unavailable:
        return PlatformUnavailable(unavailable)

    chosen: list[Account] = []
    for platform in platforms:
        picked = _pick(platform, channel, [a for a in accounts if a.platform is platform])
        if not isinstance(picked, Account):
            return picked
        chosen.append(picked)
    return chosen


def _pick(
    platform: Platform, channel: str | None, candidates: list[Account]
) -> Account | TargetProblem:
    if platform is Platform.TELEGRAM and channel is not None:
        wanted = channel.lstrip("@").casefold()
        for account in candidates:
            if account.handle and account.handle.lstrip("@").casefold() == wanted:
                return account
        return NotConnected(platform, channel)

    if not candidates:
        return NotConnected(platform)
    if len(candidates) > 1:
        return AmbiguousAccount(platform, tuple(candidates))
    return candidates[0]
