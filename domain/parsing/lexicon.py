"""English words of the time grammar: numbers, days, months, units and parts of the day."""

from __future__ import annotations

import enum
from dataclasses import dataclass

WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tue": 1, "tues": 1,
    "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip

MONTHS: dict[str, int] = {
    "january": 1, "jan": 1,
    "february": 2, "feb": 2,
    "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "may": 5,
    "june": 6, "jun": 6,
    "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

UNIT_NUMBERS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}  # fmt: skip

TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip

UNIT_ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}  # fmt: skip

ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})


class Unit(enum.Enum):
    SECOND = "second"
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    FORTNIGHT = "fortnight"
    MONTH = "month"
    YEAR = "year"


UNITS: dict[str, Unit] = {
    "s": Unit.SECOND, "sec": Unit.SECOND, "secs": Unit.SECOND,
    "second": Unit.SECOND, "seconds": Unit.SECOND,
    "m": Unit.MINUTE, "min": Unit.MINUTE, "mins": Unit.MINUTE,
    "minute": Unit.MINUTE, "minutes": Unit.MINUTE,
    "h": Unit.HOUR, "hr": Unit.HOUR, "hrs": Unit.HOUR, "hour": Unit.HOUR, "hours": Unit.HOUR,
    "d": Unit.DAY, "day": Unit.DAY, "days": Unit.DAY,
    "w": Unit.WEEK, "wk": Unit.WEEK, "wks": Unit.WEEK, "week": Unit.WEEK, "weeks": Unit.WEEK,
    "fortnight": Unit.FORTNIGHT, "fortnights": Unit.FORTNIGHT,
    "mo": Unit.MONTH, "mos": Unit.MONTH, "month": Unit.MONTH, "months": Unit.MONTH,
    "y": Unit.YEAR, "yr": Unit.YEAR, "yrs": Unit.YEAR, "year": Unit.YEAR, "years": Unit.YEAR,
}  # fmt: skip


@dataclass(frozen=True)
class Part:
    """A part of the day and the clock time it stands for."""

    hour: int  # 24 is midnight at the end of the day
    # How a bare hour next to it reads: True adds 12 ("7 in the evening"),
    # False keeps it ("9 in the morning"), None leaves the bare-hour rule alone.
    pm: bool | None = None
    implies_today: bool = False  # "end of day" alone means the end of today
    # The night also contains the small hours: "2 at night" is 02:00, "11 at night"
    # 23:00, and "12 at night" is midnight.
    small_hours: bool = False

    def read_bare_hour(self, hour: int) -> int | None:
        """Return the hour of the day (24: midnight) a bare hour 1-12 means next to this part.

        None means the part does not say which half of the day the hour is in.
        """
        if self.pm is None:
            return None
        if self.small_hours and hour == 12:
            return 24
        if self.small_hours and hour <= SMALL_HOURS_END:
            return hour
        return hour % 12 + (12 if self.pm else 0)


# The last of the small hours (1am to 5am), which belong to the night that
# started the evening before: "tonight at 1am" is the 1am after this evening.
SMALL_HOURS_END = 5

MORNING = Part(9, pm=False)
NOON = Part(12)
AFTERNOON = Part(15, pm=True)
EVENING = Part(19, pm=True)
NIGHT = Part(20, pm=True, small_hours=True)
MIDNIGHT = Part(24)
END_OF_DAY = Part(17, implies_today=True)

# Longest phrases first, so that "first thing in the morning" wins over "first thing".
PART_PHRASES: tuple[tuple[tuple[str, ...], Part], ...] = (
    (("first", "thing", "in", "the", "morning"), MORNING),
    (("end", "of", "the", "day"), END_OF_DAY),
    (("end", "of", "business"), END_OF_DAY),
    (("close", "of", "business"), END_OF_DAY),
    (("end", "of", "day"), END_OF_DAY),
    (("in", "the", "morning"), MORNING),
    (("in", "the", "afternoon"), AFTERNOON),
    (("in", "the", "evening"), EVENING),
    (("at", "night"), NIGHT),
    (("first", "thing"), MORNING),
    (("eod",), END_OF_DAY),
    (("cob",), END_OF_DAY),
    (("morning",), MORNING),
    (("noon",), NOON),
    (("midday",), NOON),
    (("lunchtime",), NOON),
    (("afternoon",), AFTERNOON),
    (("evening",), EVENING),
    (("night",), NIGHT),
    (("midnight",), MIDNIGHT),
)

# Parts that take "this" to mean today: "this morning", "this evening".
THIS_PARTS: dict[str, Part] = {
    "morning": MORNING,
    "afternoon": AFTERNOON,
    "evening": EVENING,
}

# Fixed-date holidays; movable ones (Easter, Thanksgiving) are left out.
NAMED_DAYS: tuple[tuple[tuple[str, ...], tuple[int, int]], ...] = (
    (("new", "year's", "eve"), (12, 31)),
    (("new", "years", "eve"), (12, 31)),
    (("new", "year's", "day"), (1, 1)),
    (("new", "years", "day"), (1, 1)),
    (("christmas", "eve"), (12, 24)),
    (("christmas", "day"), (12, 25)),
    (("xmas", "eve"), (12, 24)),
    (("xmas", "day"), (12, 25)),
    (("valentine's", "day"), (2, 14)),
    (("valentines", "day"), (2, 14)),
    (("christmas",), (12, 25)),
    (("xmas",), (12, 25)),
    (("halloween",), (10, 31)),
    (("nye",), (12, 31)),
)

IMMEDIATE_PHRASES: tuple[tuple[str, ...], ...] = (
    ("as", "soon", "as", "possible"),
    ("right", "now"),
    ("right", "away"),
    ("straight", "away"),
    ("now",),
    ("asap",),
    ("immediately",),
    ("straightaway",),
)

RELATIVE_DAYS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("the", "day", "after", "tomorrow"), 2),
    (("day", "after", "tomorrow"), 2),
    (("today",), 0),
    (("tomorrow",), 1),
    (("tmrw",), 1),
    (("tmr",), 1),
    (("tomorow",), 1),
    (("tommorow",), 1),
    (("tommorrow",), 1),
    (("yesterday",), -1),
)

MERIDIEMS = frozenset({"am", "pm"})

# Words before a clock time that do not change it.
CLOCK_PREFIXES = frozenset({"at", "@", "around", "about", "by", "approx", "approximately"})

# Words and marks that may stand between the parts of a time phrase without
# meaning anything: "please post on Monday, at 9am sharp".
FILLERS = frozenset(
    {
        "at", "on", "for", "by", "around", "about", "the", "and", "then", "sharp",
        "please", "pls", "plz", "thanks", "thx",
        ",", ".", "!", "?", ";", "-", "–", "—", "(", ")",
    }
)  # fmt: skip


def _phrase_words() -> frozenset[str]:
    words: set[str] = set()
    for table in (PART_PHRASES, NAMED_DAYS, RELATIVE_DAYS):
        for phrase, _ in table:
            words.update(phrase)
    for phrase in IMMEDIATE_PHRASES:
        words.update(phrase)
    return frozenset(words)


# Every word the time grammar reads. A word after "to" or "on" that is not in
# here and not a platform is taken as an unknown platform.
TIME_WORDS: frozenset[str] = (
    frozenset(WEEKDAYS)
    | frozenset(MONTHS)
    | frozenset(UNIT_NUMBERS)
    | frozenset(TENS)
    | frozenset(UNIT_ORDINALS)
    | frozenset(UNITS)
    | ORDINAL_SUFFIXES
    | MERIDIEMS
    | CLOCK_PREFIXES
    | _phrase_words()
    | frozenset(
        {
            "in", "this", "next", "coming", "upcoming", "last", "week", "weekend", "tonight",
            "month", "a", "an", "half", "quarter", "couple", "of", "from", "later",
            "o'clock", "minus", "quarters",
        }
    )
)  # fmt: skip
