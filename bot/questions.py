"""Replies for a time the parser could not settle."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import texts
from domain.model import DateOrder, User
from domain.parsing import Ask, TimeQuestion
from domain.timezones import date_order_for_language


def time_question_text(question: TimeQuestion, zone: str) -> str:
    phrase = html.escape(question.phrase[:80])
    if question.reason is Ask.PAST:
        return texts.TIME_PHRASE_IN_PAST.format(phrase=phrase)
    if question.reason is Ask.INVALID_DATE:
        return texts.INVALID_DATE.format(phrase=phrase)
    if question.reason is Ask.INVALID_TIME:
        return texts.INVALID_TIME.format(phrase=phrase)
    if question.reason is Ask.DATE_ORDER and len(question.choices) == 2:
        first, second = (day_month(choice, zone) for choice in question.choices)
        return texts.ASK_DATE_ORDER.format(phrase=phrase, first=first, second=second)
    return texts.TIME_NOT_UNDERSTOOD.format(phrase=phrase)


def day_month(instant: datetime, zone: str) -> str:
    """'3 April': a reading of an ambiguous numeric date."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local.day} {local:%B}"


def date_order(user: User) -> DateOrder | None:
    """The user's numeric date order: chosen, else implied by their language."""
    return user.date_order or date_order_for_language(user.language_code)
