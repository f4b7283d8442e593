"""Compose schedule requests from chosen parts: the generator of the generated tests.

Every function here takes a `Chooser`, so the same composition runs under
Hypothesis (which can shrink a failing case) and under a seeded random.Random
(which gives the fixed sample the benchmark times). The parts chosen are kept
next to the text, and the oracle computes the expected answer from them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Protocol, TypeVar

from tests.property.oracle import (
    BareHour,
    CalendarDate,
    CalendarShift,
    Clock,
    Day,
    DayOffset,
    DayOfMonth,
    DayPart,
    Elapsed,
    HourInPart,
    InvalidClock,
    LastWeekday,
    NextMonth,
    NumericDate,
    ThisWeekend,
    Time,
    Weekday,
    WeekdayNextWeek,
    When,
)

T = TypeVar("T")


class Chooser(Protocol):
    def choice(self, options: Sequence[T]) -> T: ...

    def integer(self, low: int, high: int) -> int: ...


class RandomChooser:
    """A Chooser over random.Random, for a fixed sample of cases."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def choice(self, options: Sequence[T]) -> T:
        return self._random.choice(options)

    def integer(self, low: int, high: int) -> int:
        return self._random.randint(low, high)


@dataclass(frozen=True)
class GeneratedRequest:
    """A message and the parts it was built from."""

    text: str
    when: When | None  # None: the message names no time
    platforms: tuple[str, ...]  # as the corpus writes them: "linkedin", "x", ...
    content: str | None


WEEKDAY_NAMES = (
    ("monday", "mon"),
    ("tuesday", "tue", "tues"),
    ("wednesday", "wed"),
    ("thursday", "thu", "thurs"),
    ("friday", "fri"),
    ("saturday", "sat"),
    ("sunday", "sun"),
)
MONTH_NAMES = (
    ("january", "jan"),
    ("february", "feb"),
    ("march", "mar"),
    ("april", "apr"),
    ("may",),
    ("june", "jun"),
    ("july", "jul"),
    ("august", "aug"),
    ("september", "sep", "sept"),
    ("october", "oct"),
    ("november", "nov"),
    ("december", "dec"),
)
_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINAL_UNITS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
    "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
).split()


def number_words(number: int, chooser: Chooser) -> str:
    """Spell 0-99 in words: "seven", "twenty", "twenty-five" or "twenty five"."""
    if number < 20:
        return _UNITS[number]
    tens, units = divmod(number, 10)
    if units == 0:
        return _TENS[tens - 2]
    return _TENS[tens - 2] + chooser.choice(("-", " ")) + _UNITS[units]


def ordinal(number: int, chooser: Chooser) -> str:
    """Write a day of the month as 3, 3rd or "third"."""
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10 if number not in (11, 12, 13) else 0)
    form = chooser.choice(("digits", "suffix", "words"))
    if form == "digits":
        return str(number)
    if form == "suffix":
        return f"{number}{suffix or 'th'}"
    if number < 20:
        return _ORDINAL_UNITS[number]
    tens, units = divmod(number, 10)
    if units == 0:
        return "twentieth" if tens == 2 else "thirtieth"
    return _TENS[tens - 2] + chooser.choice(("-", " ")) + _ORDINAL_UNITS[units]


# Days --------------------------------------------------------------------------


def choose_day(chooser: Chooser, *, valid: bool = True) -> tuple[Day, str]:
    """Choose a day and write it; valid=False gives a date that does not exist."""
    if not valid:
        return _invalid_date(chooser)

    kind = chooser.choice(
        ("offset", "offset", "weekday", "weekday", "next-week", "weekend", "next-month",
         "date", "date", "date", "date", "last", "named", "day-of-month")
    )  # fmt: skip
    if kind == "offset":
        offset = chooser.choice((0, 1, 1, 2, -1))
        words = {
            0: ("today",),
            1: ("tomorrow", "tmrw", "tomorrow"),
            2: ("the day after tomorrow", "day after tomorrow"),
            -1: ("yesterday",),
        }[offset]
        return DayOffset(offset), chooser.choice(words)
    if kind == "weekday":
        weekday = chooser.integer(0, 6)
        name = chooser.choice(WEEKDAY_NAMES[weekday])
        after_today = chooser.choice((False, True))
        if after_today:
            lead = chooser.choice(("next", "coming", "this coming", "the coming", "upcoming"))
        else:
            lead = chooser.choice(("", "on", "this", "for"))
        return Weekday(weekday, after_today), f"{lead} {name}".strip()
    if kind == "next-week":
        weekday = chooser.integer(-1, 6)
        if weekday < 0:
            return WeekdayNextWeek(0), chooser.choice(("next week", "for next week"))
        name = chooser.choice(WEEKDAY_NAMES[weekday])
        text = chooser.choice((f"{name} next week", f"next week {name}", f"next week on {name}"))
        return WeekdayNextWeek(weekday), text
    if kind == "weekend":
        return ThisWeekend(), chooser.choice(
            ("this weekend", "the weekend", "on the weekend", "this coming weekend")
        )
    if kind == "next-month":
        return NextMonth(), "next month"
    if kind == "named":
        (month, day), text = chooser.choice(
            (
                ((12, 31), "new year's eve"), ((12, 31), "New Year's Eve"),
                ((1, 1), "new year's day"),
                ((12, 24), "christmas eve"), ((12, 25), "christmas"), ((12, 25), "Christmas Day"),
                ((10, 31), "halloween"), ((2, 14), "valentine's day"),
            )
        )  # fmt: skip
        return CalendarDate(month, day, None), chooser.choice((text, "on " + text))
    if kind == "day-of-month":
        day = chooser.integer(1, 31)
        return DayOfMonth(day), f"{chooser.choice(('on ', ''))}the {ordinal(day, chooser)}"
    if kind == "last":
        weekday = chooser.integer(0, 6)
        return LastWeekday(weekday), "last " + chooser.choice(WEEKDAY_NAMES[weekday])
    return _valid_date(chooser)


def _valid_date(chooser: Chooser) -> tuple[Day, str]:
    month = chooser.integer(1, 12)
    day = chooser.integer(1, 31 if month != 2 else 29)
    if day > 30 and month in (4, 6, 9, 11):
        day = 30
    year = chooser.choice((None, None, None, 2026, 2027, 2028, 2025))
    if month == 2 and day == 29 and year is not None:
        year = 2028
    if year is None and chooser.choice((False, False, True)) and month <= 12 and day <= 12:
        if day != month:
            return _numeric_date(month, day, chooser)
    text = write_date(month, day, year, chooser)
    if chooser.choice((False, False, True)):
        return _with_weekday(CalendarDate(month, day, year), text.removeprefix("on "), chooser)
    return CalendarDate(month, day, year), text


def _with_weekday(day: CalendarDate, text: str, chooser: Chooser) -> tuple[Day, str]:
    """Put a weekday before the date, usually the right one when the year is known."""
    weekday = chooser.integer(0, 6)
    if day.year is not None and chooser.choice((True, True, False)):
        weekday = date(day.year, day.month, day.day).weekday()
    name = chooser.choice(WEEKDAY_NAMES[weekday])
    text = chooser.choice((f"{name}, {text}", f"{name} {text}", f"on {name}, {text}"))
    return CalendarDate(day.month, day.day, day.year, weekday), text


def _numeric_date(month: int, day: int, chooser: Chooser) -> tuple[Day, str]:
    """03/04: both numbers could be the month, so the reading depends on the date order."""
    first, second = chooser.choice(((month, day), (day, month)))
    year = chooser.choice((None, None, 2027, 2026))
    pad = chooser.choice(("{}", "{:02d}"))
    text = f"{pad.format(first)}/{pad.format(second)}"
    if year is not None:
        text += "/" + chooser.choice((str(year), str(year)[2:]))
    return NumericDate(first, second, year), chooser.choice((text, "on " + text))


def write_date(month: int, day: int, year: int | None, chooser: Chooser) -> str:
    """Write a date in one of the forms people type, keeping the reading unambiguous."""
    month_name = chooser.choice(MONTH_NAMES[month - 1])
    forms = ["month-day", "day-month", "day-of-month", "dotted"]
    if year is not None:
        forms.append("iso")
    if day > 12 or day == month:
        forms.append("slashed")
    form = chooser.choice(forms)

    if form == "month-day":
        text = f"{month_name} {chooser.choice(('', 'the '))}{ordinal(day, chooser)}"
        if year is not None:
            text += chooser.choice((", ", " ")) + str(year)
    elif form == "day-month":
        text = f"{ordinal(day, chooser)} {month_name}"
        if year is not None:
            text += f" {year}"
    elif form == "day-of-month":
        text = f"{chooser.choice(('', 'the '))}{ordinal(day, chooser)} of {month_name}"
        if year is not None:
            text += f" {year}"
    elif form == "iso":
        text = f"{year}-{month:02d}-{day:02d}"
    elif form == "dotted":
        pad = chooser.choice(("{}", "{:02d}"))
        text = f"{pad.format(day)}.{pad.format(month)}."
        if year is not None:
            text += chooser.choice((str(year), str(year)[2:]))
    else:
        text = chooser.choice((f"{month}/{day}", f"{day}/{month}"))
        if year is not None:
            text += "/" + chooser.choice((str(year), str(year)[2:]))
    return chooser.choice((text, "on " + text, text))


def _invalid_date(chooser: Chooser) -> tuple[Day, str]:
    month, day, year = chooser.choice(
        (
            (2, 30, None), (2, 31, None), (4, 31, None), (6, 31, None), (9, 31, None),
            (11, 31, None), (2, 29, 2027), (2, 29, 2026), (3, 32, None), (2, 30, 2028),
        )
    )  # fmt: skip
    if day > 31:
        text = chooser.choice((f"March {day}", f"{day} March", f"{day}.03."))
        return CalendarDate(month, day, year), text
    return CalendarDate(month, day, year), write_date(month, day, year, chooser)


# Clock times ---------------------------------------------------------------------


def choose_time(chooser: Chooser, *, valid: bool = True) -> tuple[Time, str]:
    """Choose a clock time or a part of the day and write it."""
    if not valid:
        return InvalidClock(), chooser.choice(
            ("at 25:00", "at 24:30", "13pm", "at 9:75", "0am", "at 25", "at 12:60", "at 99:00")
        )

    kind = chooser.choice(("meridiem", "meridiem", "24h", "24h", "bare", "part", "hour-in-part"))
    if kind == "meridiem":
        hour12 = chooser.integer(1, 12)
        minute = chooser.choice((0, 0, 30, 15, 45, 5, 59))
        meridiem = chooser.choice(("am", "pm"))
        hour = hour12 % 12 + (12 if meridiem == "pm" else 0)
        written = chooser.choice((meridiem, " " + meridiem, " " + meridiem[0] + ".m."))
        digits = chooser.choice((f"{hour12}:{minute:02d}", f"{hour12}.{minute:02d}"))
        if minute == 0 and chooser.choice((True, False)):
            digits = str(hour12)
        return Clock(hour, minute), chooser.choice(("", "at ")) + digits + written
    if kind == "24h":
        hour = chooser.choice((0, 6, 7, 8, 9, 13, 14, 17, 18, 21, 22, 23, 1, 2, 3))
        minute = chooser.choice((0, 30, 15, 45, 59, 1))
        # 1-12 need the leading zero to be read on a 24-hour clock; "0:30" and
        # "21:30" cannot be anything else.
        forms = [f"{hour:02d}:{minute:02d}", f"at {hour:02d}{minute:02d}"]
        if not 1 <= hour <= 12:
            forms.append(f"{hour}:{minute:02d}")
        text = chooser.choice(forms)
        if not text.startswith("at"):
            text = chooser.choice(("", "at ")) + text
        return Clock(hour, minute), text
    if kind == "bare":
        hour = chooser.integer(1, 12)
        minute = chooser.choice((0, 0, 30, 15))
        if minute == 0:
            text = chooser.choice((f"at {hour}", f"at {hour} o'clock", f"{hour} o'clock"))
        else:
            text = chooser.choice(
                (f"at {hour}:{minute:02d}", f"{hour}:{minute:02d}", f"at {hour}.{minute:02d}")
            )
        return BareHour(hour, minute), text
    if kind == "hour-in-part":
        part, hours, pm = chooser.choice(_HOURS_IN_PARTS)
        hour = chooser.choice(hours)
        after_midnight = part == "at night" and not pm
        return (
            HourInPart(hour, 0, pm, after_midnight),
            f"{chooser.choice(('at ', ''))}{hour} {part}",
        )

    hour, text = chooser.choice(
        (
            (9, "morning"), (9, "in the morning"), (9, "first thing"),
            (9, "first thing in the morning"), (12, "noon"), (12, "at noon"), (12, "12 noon"),
            (12, "midday"), (15, "afternoon"), (15, "in the afternoon"), (19, "evening"),
            (19, "in the evening"), (20, "night"), (20, "at night"), (24, "midnight"),
            (24, "at midnight"), (17, "end of day"), (17, "by end of day"), (17, "eod"),
            (17, "end of the day"),
        )
    )  # fmt: skip
    return DayPart(hour, only_today=hour == 17), text


# The hours that each part of the day can go with, and whether it makes them pm.
# "2 at night" is 02:00, "11 at night" 23:00; "9 in the afternoon" means nothing.
_HOURS_IN_PARTS: tuple[tuple[str, tuple[int, ...], bool], ...] = (
    ("in the morning", (1, 2, 5, 6, 7, 8, 9, 10, 11), False),
    ("in the afternoon", (1, 2, 3, 4, 5, 6), True),
    ("in the evening", (5, 6, 7, 8, 9, 10, 11), True),
    ("at night", (7, 8, 9, 10, 11), True),
    ("at night", (1, 2, 3, 4), False),
)


# Durations -----------------------------------------------------------------------


def choose_elapsed(chooser: Chooser) -> tuple[Elapsed, str]:
    """Choose an amount of elapsed time and write it in one of its forms."""
    kind = chooser.choice(("minutes", "hours", "hours-minutes", "fraction", "words", "negative"))
    if kind == "minutes":
        minutes = chooser.choice((1, 5, 10, 15, 20, 25, 30, 45, 90, 120, 59))
        amount = chooser.choice(
            (f"{minutes} minutes", f"{minutes} min", f"{minutes} mins", f"{minutes}m")
        )
        if minutes == 1:
            amount = chooser.choice(("1 minute", "a minute", "one minute"))
        return Elapsed(Fraction(minutes * 60)), _relative(amount, chooser)
    if kind == "hours":
        hours = chooser.choice((1, 2, 3, 5, 8, 12, 23, 24, 36, 48))
        if hours == 1:
            amount = chooser.choice(("an hour", "1 hour", "one hour", "1h", "1 hr"))
        else:
            amount = chooser.choice((f"{hours} hours", f"{hours}h", f"{hours} hrs"))
            if hours == 2:
                amount = chooser.choice((amount, "a couple of hours", "two hours"))
        return Elapsed(Fraction(hours * 3600)), _relative(amount, chooser)
    if kind == "hours-minutes":
        hours = chooser.integer(1, 5)
        minutes = chooser.choice((5, 10, 15, 30, 45, 59))
        amount = chooser.choice(
            (
                f"{hours}h{minutes}m", f"{hours}h{minutes:02d}", f"{hours}h {minutes}m",
                f"{hours} hours and {minutes} minutes", f"{hours} hours, {minutes} minutes",
                f"{hours} hours {minutes} minutes", f"{hours} hr {minutes} mins",
                f"{hours}h {minutes}min", f"{hours * 60 + minutes}m",
            )
        )  # fmt: skip
        if hours == 1:
            amount = amount.replace("1 hours", "1 hour")
        return Elapsed(Fraction(hours * 3600 + minutes * 60)), _relative(amount, chooser)
    if kind == "fraction":
        seconds, amount = chooser.choice(
            (
                (1800, "half an hour"), (1800, "a half hour"), (1800, "0.5 hours"),
                (900, "a quarter of an hour"), (900, "quarter of an hour"), (5400, "1.5 hours"),
                (5400, "an hour and a half"), (5400, "one and a half hours"),
                (9000, "2.5 hours"), (9000, "two and a half hours"), (2700, "0.75 hours"),
                (4500, "1.25 hours"), (2700, "three quarters of an hour"),
                (5400, "1 and a half hours"), (5400, "1.5h"), (9000, "2 and a half hours"),
                (1800, "1/2 hour"),
            )
        )  # fmt: skip
        return Elapsed(Fraction(seconds)), _relative(amount, chooser)
    if kind == "words":
        unit, seconds_per = chooser.choice((("minutes", 60), ("hours", 3600)))
        number = chooser.integer(2, 59 if unit == "minutes" else 23)
        amount = f"{number_words(number, chooser)} {unit}"
        return Elapsed(Fraction(number * seconds_per)), _relative(amount, chooser)
    hours = chooser.integer(1, 5)
    return Elapsed(Fraction(-hours * 3600)), chooser.choice(
        (f"in -{hours} hours", f"in minus {hours} hours")
    )


def choose_calendar_shift(chooser: Chooser) -> tuple[CalendarShift, str]:
    """Choose a number of days, weeks or months and write it."""
    unit = chooser.choice(("days", "weeks", "months", "negative"))
    if unit == "negative":
        days = chooser.integer(1, 3)
        return CalendarShift(0, -days), chooser.choice(
            (f"in -{days} days", f"in minus {days} days")
        )
    number = chooser.choice((1, 1, 2, 3, 5, 7, 10, 14, 30) if unit == "days" else (1, 2, 3, 6))
    if number == 1:
        amount = chooser.choice((f"1 {unit[:-1]}", f"a {unit[:-1]}", f"one {unit[:-1]}"))
    else:
        amount = chooser.choice((f"{number} {unit}", f"{number_words(number, chooser)} {unit}"))
        if unit == "weeks" and number == 2:
            amount = chooser.choice((amount, "a fortnight"))
    if unit == "days":
        shift = CalendarShift(0, number)
    elif unit == "weeks":
        shift = CalendarShift(0, number * 7)
    else:
        shift = CalendarShift(number, 0)
    return shift, _relative(amount, chooser)


def _relative(amount: str, chooser: Chooser) -> str:
    return chooser.choice((f"in {amount}", f"in {amount}", f"{amount} from now", f"in {amount}"))


# Whole time phrases ------------------------------------------------------------------


def choose_when(chooser: Chooser) -> tuple[When, str]:
    """Choose the parts of a time phrase and write them in one of their orders."""
    kind = chooser.choice(
        ("day", "time", "day-time", "day-time", "day-time", "special", "elapsed", "elapsed",
         "shift", "shift-time", "immediate", "invalid-date", "invalid-time")
    )  # fmt: skip
    if kind == "day":
        day, text = choose_day(chooser)
        return When(day=day), text
    if kind == "time":
        time, text = choose_time(chooser)
        return When(time=time), text
    if kind == "day-time":
        return _day_and_time(chooser)
    if kind == "special":
        return _special_day_part(chooser)

    if kind == "elapsed":
        elapsed, text = choose_elapsed(chooser)
        return When(shift=elapsed), text
    if kind == "shift":
        shift, text = choose_calendar_shift(chooser)
        return When(shift=shift), text
    if kind == "shift-time":
        shift, shift_text = choose_calendar_shift(chooser)
        time, time_text = choose_time(chooser)
        if isinstance(time, DayPart) and time.only_today:
            time = DayPart(time.hour)
        return When(shift=shift, time=time), _join(shift_text, time_text, chooser)
    if kind == "immediate":
        return When(immediate=True), chooser.choice(
            ("now", "right now", "asap", "immediately", "as soon as possible", "right away")
        )

    return _invalid_when(chooser, invalid_date=kind == "invalid-date")


def _day_and_time(chooser: Chooser) -> tuple[When, str]:
    day, day_text = choose_day(chooser)
    time, time_text = choose_time(chooser)
    when = When(day=day, time=time)

    if (
        isinstance(time, HourInPart)
        and isinstance(day, DayOffset | Weekday)
        and chooser.choice((0, 1))
    ):
        # "tomorrow morning at 8", "at 7 on Monday evening"
        part = time_text.split(" ")[-1]
        hour = f"{time.hour}"
        if part == "night" and not time.pm:
            hour = chooser.choice((hour, f"{hour}am"))
        return when, chooser.choice(
            (f"{day_text} {part} at {hour}", f"at {hour} {day_text} {part}")
        )

    # "May 5 2030" is a year, so 20:00-20:59 keep their "at".
    is_year_like = isinstance(time, Clock) and time.hour == 20
    if (
        isinstance(time, BareHour | Clock)
        and time_text.startswith("at ")
        and not is_year_like
        and chooser.choice((0, 1))
    ):
        # Right after a day, a number is a time: "tomorrow 9", "Monday 0900".
        return when, f"{day_text} {time_text.removeprefix('at ')}"
    return when, _join(day_text, time_text, chooser)


def _invalid_when(chooser: Chooser, *, invalid_date: bool) -> tuple[When, str]:
    """Choose an impossible date or clock time, alone or with a valid other part."""
    if invalid_date:
        day, day_text = choose_day(chooser, valid=False)
        if chooser.choice((True, False)):
            return When(day=day), day_text
        time, time_text = choose_time(chooser)
        return When(day=day, time=time), _join(day_text, time_text, chooser)

    time, time_text = choose_time(chooser, valid=False)
    if chooser.choice((True, False)):
        return When(time=time), time_text
    day, day_text = choose_day(chooser)
    if isinstance(day, NumericDate):
        return When(time=time), time_text
    return When(day=day, time=time), _join(day_text, time_text, chooser)


def _special_day_part(chooser: Chooser) -> tuple[When, str]:
    """Words that carry a day and a part of the day at once: "tonight", "this evening"."""
    text, hour, hours, pm = chooser.choice(
        (
            ("tonight", 20, (6, 7, 8, 9, 10, 11), True),
            ("this morning", 9, (5, 6, 7, 8, 9, 10, 11), False),
            ("this afternoon", 15, (1, 2, 3, 4, 5), True),
            ("this evening", 19, (5, 6, 7, 8, 9, 10, 11), True),
        )
    )
    form = chooser.choice(("alone", "alone", "hour", "hour", "tonight-late"))
    if form == "alone":
        return When(day=DayOffset(0), time=DayPart(hour)), text
    if form == "tonight-late":
        # The small hours after tonight's midnight come round next; "tonight at
        # midnight" is the midnight that ends today.
        late_times: tuple[tuple[str, Time, str], ...] = (
            ("midnight", DayPart(24), "at midnight"),
            ("clock", Clock(0, 30), "at 12:30am"),
            ("clock", Clock(1, 0), "at 1am"),
            ("clock", Clock(2, 15), "at 2:15 am"),
            ("bare", HourInPart(1, 0, pm=False), "at 1"),
            ("bare", HourInPart(2, 30, pm=False), "at 2:30"),
        )
        late, time, late_text = chooser.choice(late_times)
        day = DayOffset(0) if late == "midnight" else None
        phrase = chooser.choice((f"tonight {late_text}", f"{late_text} tonight"))
        return When(day=day, time=time), phrase

    clock_hour = chooser.choice(hours)
    written = chooser.choice((f"at {clock_hour}", f"{clock_hour}"))
    phrase = chooser.choice((f"{text} {written}", f"at {clock_hour} {text}"))
    return When(day=DayOffset(0), time=HourInPart(clock_hour, 0, pm)), phrase


def _join(first: str, second: str, chooser: Chooser) -> str:
    """Join a day and a time in either order, with the fillers people put between them."""
    if chooser.choice((True, False)):
        first, second = second, first
    return first + chooser.choice((" ", " ", ", ")) + second


# Platforms, content and the whole request ----------------------------------------------

PLATFORM_NAMES = {
    "linkedin": ("LinkedIn", "linkedin", "Linked In", "li", "my LinkedIn page"),
    "x": ("X", "x", "twitter", "Twitter", "tw"),
    "telegram": (
        "telegram",
        "tg",
        "my channel",
        "the channel",
        "our telegram channel",
        "@acme_news",
    ),
    "mastodon": ("Mastodon", "mastodon"),
    "bluesky": ("Bluesky", "bsky", "blue sky"),
}

# Content that looks like a time or names a platform; it must come back as written.
CONTENTS = (
    "Meet us Friday at 10am",
    "Launch in 2 hours!",
    "Tomorrow at noon we go live on LinkedIn",
    "Doors open 9:30pm, 31.03.",
    "Now on X and Bluesky",
    "Call us at 0900 or 21:30",
    "03/04 is the date",
    "Post this to Mastodon tomorrow",
    "We ship on March 31st - see you then",
    "Early bird ends in 3 days",
    "Q&A: next Monday, 5 o'clock",
    "Tonight! ASAP! Right now!",
    'He said "Monday at 9" - see you',
    "Line one\nMonday 9am: line two\n\nLast line on 03/04",
)


def choose_platforms(chooser: Chooser) -> tuple[tuple[str, ...], str]:
    """Choose one to three platforms and write them as a list."""
    count = chooser.choice((1, 1, 1, 2, 2, 3))
    platforms: list[str] = []
    for _ in range(count):
        platform = chooser.choice(tuple(PLATFORM_NAMES))
        if platform not in platforms:
            platforms.append(platform)
    names = [chooser.choice(PLATFORM_NAMES[platform]) for platform in platforms]
    if len(names) == 1:
        return tuple(platforms), names[0]
    joiner = chooser.choice((" and ", ", ", " & "))
    return tuple(platforms), joiner.join(names[:-1]) + chooser.choice((" and ", ", ")) + names[-1]


def choose_request(chooser: Chooser) -> GeneratedRequest:
    """Compose a whole message: a command, platforms, a time phrase and maybe content."""
    chosen_when, time_text = choose_when(chooser)
    when: When | None = chosen_when
    if chooser.integer(0, 7) == 0:
        when, time_text = None, ""  # no time at all: the bot asks for one
    platforms, platform_text = choose_platforms(chooser)
    content = chooser.choice((None, None, *CONTENTS))
    time_words = _capitalise(time_text, chooser)
    platform_words = _capitalise(platform_text, chooser)

    frame = chooser.choice(
        ("verb", "verb", "verb", "time-first", "platform-first", "tweet", "no-platform")
    )
    placement = chooser.choice(("colon", "newline", "quoted")) if content is not None else None
    quoted = ""
    if placement == "quoted":
        assert content is not None
        quoted = _quote(content, chooser)
        if not quoted:
            placement = "colon"

    if time_text.split(" ")[0].rstrip(",") in ("morning", "afternoon", "evening"):
        # "post this afternoon" would read as today's afternoon.
        time_words = "in the " + time_words
    verb = _capitalise(
        chooser.choice(("post", "share", "publish", "send", "schedule", "post")), chooser
    )
    please = chooser.choice(("", "", "please ", "Please "))
    thanks = chooser.choice(("", "", " please", " thanks"))
    if frame == "no-platform":
        # The bot asks which platform, whatever the time says.
        platforms = ()
        obj = quoted or chooser.choice(("this", "it"))
        text = f"{please}{verb} {obj} {time_words}{thanks}"
    elif frame == "tweet":
        named_verb, platform = chooser.choice(
            (("tweet", "x"), ("tweet", "x"), ("toot", "mastodon"), ("skeet", "bluesky"))
        )
        platforms = (platform,)
        obj = quoted or chooser.choice(("this", "it"))
        text = f"{please}{_capitalise(named_verb, chooser)} {obj} {time_words}{thanks}"
    elif frame == "time-first" and time_text:
        obj = quoted or chooser.choice(("", "this", "it"))
        leads_with_filler = time_text.split()[0] in ("on", "at", "in", "for", "by")
        for_word = "" if leads_with_filler else chooser.choice(("for ", ""))
        preposition = chooser.choice(("on", "to"))
        text = f"{please}{verb} {obj} {for_word}{time_words} {preposition} {platform_words}{thanks}"
    elif frame == "platform-first" and time_text and placement != "quoted":
        lead = chooser.choice(("", "", "on ", "to "))
        text = f"{lead}{platform_words}{chooser.choice((', ', ' '))}{time_words}"
    else:
        obj = quoted or chooser.choice(("this", "it", "this post", ""))
        preposition = chooser.choice(("to", "on"))
        text = f"{please}{verb} {obj} {preposition} {platform_words} {time_words}{thanks}"
    text = " ".join(text.split()) + chooser.choice(("", "", "", ".", "!", " !"))

    if placement == "colon":
        text = f"{text}: {content}"
    elif placement == "newline":
        text = f"{text}\n{content}"
    return GeneratedRequest(text, when, platforms, content)


def _quote(content: str, chooser: Chooser) -> str:
    """Put content in quotes it does not contain, or return "" when it cannot be quoted."""
    if "\n" in content:
        return ""  # quotes hold content on the first line only
    pairs = [
        pair
        for pair in (('"', '"'), ("“", "”"), ("«", "»"), ("'", "'"))
        if not set(pair) & set(content)
    ]
    if not pairs:
        return ""
    opening, closing = chooser.choice(pairs)
    return f"{opening}{content}{closing}"


def _capitalise(text: str, chooser: Chooser) -> str:
    """Write each word in lower, upper, title or mixed case; "p.m." and "o'clock" too."""
    style = chooser.choice(("lower", "lower", "title", "upper", "mixed", "as-is"))
    styles: dict[str, Callable[[str], str]] = {
        "lower": str.lower,
        "title": str.title,
        "upper": str.upper,
        "mixed": lambda word: "".join(
            char.upper() if index % 2 else char.lower() for index, char in enumerate(word)
        ),
        "as-is": lambda word: word,
    }
    return " ".join(styles[style](word) for word in text.split(" "))


@dataclass(frozen=True)
class TimedCase:
    """A generated request with the moment it arrives and the user's settings."""

    request: GeneratedRequest
    now: datetime
    tz: str
    date_order: str | None
