"""Instants, durations and snippets as the bot shows them (HTML parse mode)."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.model import Account, Platform


def local_time(instant: datetime, timezone: str) -> str:
    """'Sat 28 Mar 2026, 09:00' in the user's zone."""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def short_local_time(instant: datetime, timezone: str, now: datetime) -> str:
    """'Sat 28 Mar, 09:00', with the year only when it is not this year's."""
    local = instant.astimezone(ZoneInfo(timezone))
    year = "" if local.year == now.astimezone(ZoneInfo(timezone)).year else f" {local.year}"
    return f"{local:%a} {local.day} {local:%b}{year}, {local:%H:%M}"


def duration(delta: timedelta) -> str:
    """'2 d 3 h', '16 h 20 min', '5 min', 'less than a minute'."""
    # Rounded, so a preview read a few seconds after 16:40 still says 16 h 20 min.
    minutes = round(delta.total_seconds() / 60)
    if minutes < 1:
        return "less than a minute"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def time_until(instant: datetime, now: datetime) -> str:
    delta = instant - now
    if delta <= timedelta(seconds=5):
        return "now"
    return f"in {duration(max(delta, timedelta(minutes=1)))}"


def snippet(content: str, words: int = 8, limit: int = 60) -> str:
    """The first words of a post, escaped, for lists and notifications."""
    first_line = " ".join(content.split())
    short = " ".join(first_line.split(" ")[:words])
    if len(short) > limit:
        short = short[: limit - 1].rstrip()
    if short != first_line:
        short += "…"
    return html.escape(short)


def account_label(account: Account) -> str:
    """'<b>Acme News</b> (Telegram channel @acme_news)', escaped."""
    name = html.escape(account.display_name)
    kind = (
        "Telegram channel"
        if account.platform is Platform.TELEGRAM
        else account.platform.display_name
    )
    handle = f" @{html.escape(account.handle.lstrip('@'))}" if account.handle else ""
    return f"<b>{name}</b> ({kind}{handle})"


def count(number: int) -> str:
    return f"{number:,}"


def characters(number: int) -> str:
    """'1 character', '4,096 characters'."""
    return f"{count(number)} character" + ("" if number == 1 else "s")
