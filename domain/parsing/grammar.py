"""Read the parts of a time phrase from tokens: a day, a clock time, a duration or "now".

The reader goes left to right and tries each kind of part at every token, so the
parts may come in any order ("at 9am tomorrow", "tomorrow at 9am"). It does not
resolve anything against a clock or a timezone; `resolve` does that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

from domain.parsing import lexicon
from domain.parsing.lexicon import Part, Unit
from domain.parsing.results import Ask
from domain.parsing.spec import (
    CalendarDate,
    Clock,
    Day,
    DayOfMonth,
    Duration,
    NextMonth,
    NextWeek,
    NumericDate,
    RelativeDay,
    Role,
    TimeReading,
    TimeSpec,
    Tonight,
    Weekend,
)
from domain.parsing.tokens import Kind, Token

# Longer digit runs are neither times nor sane durations. This also keeps
# int() away from strings over 4300 digits, which CPython 3.11 rejects by default.
_MAX_DIGITS = 9


def read_time(tokens: Sequence[Token]) -> TimeReading:
    """Read every token as part of a time phrase, a filler word or an unknown word."""
    return _TimeReader(tokens).read()


class _TimeReader:
    def __init__(self, tokens: Sequence[Token]) -> None:
        self.tokens = tokens
        self.spec = TimeSpec()
        self.roles = [Role.UNKNOWN] * len(tokens)
        # Where the last day part ended, so that "tomorrow 9" reads 9 as an hour.
        self.day_end = -1
        self.readers: tuple[Callable[[int], int | None], ...] = (
            self.read_immediate,
            self.read_duration,
            self.read_part_of_day,
            self.read_relative_day,
            self.read_period,
            self.read_weekday,
            self.read_named_day,
            self.read_date,
            self.read_clock,
        )

    def read(self) -> TimeReading:
        index = 0
        while index < len(self.tokens):
            end = self.read_component_at(index)
            if end is None:
                if self.tokens[index].text not in lexicon.FILLERS:
                    # One unknown word makes the whole phrase a question, so the
                    # rest need not be read; this bounds the work on long texts.
                    break
                self.roles[index] = Role.FILLER
                index += 1
                continue
            for used in range(index, end):
                self.roles[used] = Role.USED
            index = end
        return TimeReading(self.spec, self.roles)

    def read_component_at(self, index: int) -> int | None:
        for reader in self.readers:
            end = reader(index)
            if end is not None:
                return end
        return None

    # Token access ---------------------------------------------------------

    def text(self, index: int) -> str | None:
        if 0 <= index < len(self.tokens):
            return self.tokens[index].text
        return None

    def word(self, index: int) -> str | None:
        if 0 <= index < len(self.tokens) and self.tokens[index].kind is Kind.WORD:
            return self.tokens[index].text
        return None

    def number(self, index: int, max_digits: int = 2) -> int | None:
        if index < len(self.tokens):
            token = self.tokens[index]
            if token.kind is Kind.NUMBER and len(token.text) <= max_digits:
                return int(token.text)
        return None

    def match(self, index: int, phrase: Sequence[str]) -> int | None:
        """Return the index after phrase when the tokens from index spell it."""
        for offset, expected in enumerate(phrase):
            if self.text(index + offset) != expected:
                return None
        return index + len(phrase)

    def glued(self, index: int) -> bool:
        """Return whether the token at index touches the one before it, as "h" in "2h" does."""
        return 0 < index < len(self.tokens) and (
            self.tokens[index - 1].end == self.tokens[index].start
        )

    # Setting the spec --------------------------------------------------------

    def set_day(self, day: Day, end: int) -> None:
        if self.spec.day is not None:
            self.spec.conflict = True
        self.spec.day = day
        self.day_end = end

    def set_weekday(
        self, weekday: int, end: int, *, last: bool = False, after_today: bool = False
    ) -> None:
        if self.spec.weekday is not None:
            self.spec.conflict = True
        self.spec.weekday = weekday
        self.spec.last_weekday = last
        self.spec.weekday_after_today = after_today
        self.day_end = end

    def set_part(self, part: Part) -> None:
        current = self.spec.part
        if current is None or current == part:
            self.spec.part = part
        elif {current, part} == {lexicon.NIGHT, lexicon.MIDNIGHT}:
            # "tonight at midnight": midnight is the time within the night.
            self.spec.part = lexicon.MIDNIGHT
        else:
            self.spec.conflict = True

    def set_invalid(self, reason: Ask) -> None:
        if self.spec.invalid is None:
            self.spec.invalid = reason

    # Readers: each returns the index after what it read, or None ----------

    def read_immediate(self, index: int) -> int | None:
        for phrase in lexicon.IMMEDIATE_PHRASES:
            end = self.match(index, phrase)
            if end is not None:
                if self.spec.immediate:
                    self.spec.conflict = True
                self.spec.immediate = True
                return end
        return None

    def read_duration(self, index: int) -> int | None:
        position = index
        has_in = self.text(position) == "in"
        if has_in:
            position += 1

        negative = False
        if self.text(position) in ("-", "minus"):
            negative = True
            position += 1
        elif self.text(position) == "+":
            position += 1

        read = self.read_duration_amounts(position)
        if read is None:
            return None
        duration, position = read

        # "2 hours from now", "2 hours later"; "in" or nothing work too, because
        # a bare amount of time in a time phrase can only mean "from now".
        suffix_end = self.match(position, ("from", "now"))
        if suffix_end is None and self.text(position) == "later":
            suffix_end = position + 1
        if suffix_end is not None:
            position = suffix_end

        if self.spec.duration is not None:
            self.spec.conflict = True
        self.spec.duration = Duration(duration.months, duration.days, duration.seconds, negative)
        return position

    def read_duration_amounts(self, index: int) -> tuple[Duration, int] | None:
        """Read "1h30m", "2 hours and 15 minutes" or "a week and a half"."""
        months = days = 0
        seconds = Fraction(0)
        position = index
        amounts = 0
        last_unit: Unit | None = None
        while True:
            read = self.read_amount(position, last_unit)
            if read is None:
                break
            value, unit, position = read
            amounts += 1
            last_unit = unit

            added = _split_amount(value, unit)
            if added is None:
                # A fraction of a month has no length; make the phrase a question.
                self.spec.conflict = True
            else:
                months, days, seconds = months + added[0], days + added[1], seconds + added[2]

            # Amounts joined by "and" or a comma: "2 hours and 15 minutes".
            if self.text(position) in ("and", ",") and (
                self.read_amount(position + 1, last_unit) is not None
            ):
                position += 1
        if amounts == 0:
            return None
        return Duration(months, days, seconds, negative=False), position

    def read_amount(self, index: int, last_unit: Unit | None) -> tuple[Fraction, Unit, int] | None:
        """Read one amount and its unit without changing the spec."""
        quantity = self.read_quantity(index)
        if quantity is None:
            return None
        value, position = quantity

        unit_word = self.word(position) or ""
        unit = lexicon.UNITS.get(unit_word)
        if unit_word == "second" and value != 1:
            # "twenty second" is the ordinal of "the twenty second of May".
            return None
        if unit is not None:
            position += 1
        elif (
            last_unit is Unit.HOUR and self.glued(index) and self.tokens[index].kind is Kind.NUMBER
        ):
            # The minutes of "1h30" carry no unit of their own.
            unit = Unit.MINUTE
        else:
            return None

        # "an hour and a half"
        half_end = self.match(position, ("and", "a", "half"))
        if half_end is not None:
            value += Fraction(1, 2)
            position = half_end

        return value, unit, position

    def read_quantity(self, index: int) -> tuple[Fraction, int] | None:
        token = self.tokens[index] if index < len(self.tokens) else None
        if token is None:
            return None

        value: Fraction | None = None
        position = index + 1
        if token.kind is Kind.NUMBER and len(token.text) <= _MAX_DIGITS:
            value = Fraction(int(token.text))
        elif token.kind is Kind.DECIMAL and len(token.text) <= _MAX_DIGITS + 4:
            value = Fraction(token.text)
        elif token.kind is Kind.SLASHED_DATE and token.text.count("/") == 1:
            numerator, denominator = (int(part) for part in token.text.split("/"))
            if denominator == 0:
                return None
            value = Fraction(numerator, denominator)
        elif token.kind is Kind.WORD:
            return self.read_quantity_words(index)
        if value is None:
            return None
        return self.read_and_a_half(value, position)

    def read_quantity_words(self, index: int) -> tuple[Fraction, int] | None:
        for phrase, value in _QUANTITY_PHRASES:
            end = self.match(index, phrase)
            if end is not None:
                return value, end

        number = self.read_number_words(index)
        if number is None:
            return None
        return self.read_and_a_half(Fraction(number[0]), number[1])

    def read_and_a_half(self, value: Fraction, index: int) -> tuple[Fraction, int]:
        """Add the half of "two and a half hours"; "an hour and a half" is read after the unit."""
        half_end = self.match(index, ("and", "a", "half"))
        if half_end is not None and self.word(half_end) in lexicon.UNITS:
            return value + Fraction(1, 2), half_end
        return value, index

    def read_number_words(self, index: int) -> tuple[int, int] | None:
        """Read "two", "twenty", "twenty five" or "twenty-five"."""
        word = self.word(index)
        if word is None:
            return None
        if word in lexicon.UNIT_NUMBERS:
            return lexicon.UNIT_NUMBERS[word], index + 1
        if word not in lexicon.TENS:
            return None

        tens = lexicon.TENS[word]
        position = index + 1
        if self.text(position) == "-":
            position += 1
        units = lexicon.UNIT_NUMBERS.get(self.word(position) or "")
        if units is not None and 0 < units < 10:
            return tens + units, position + 1
        return tens, index + 1

    def read_part_of_day(self, index: int) -> int | None:
        if self.text(index) == "this":
            part = lexicon.THIS_PARTS.get(self.word(index + 1) or "")
            if part is None:
                return None
            self.set_day(RelativeDay(0), index + 2)
            self.set_part(part)
            return index + 2

        if self.text(index) == "tonight":
            self.set_day(Tonight(), index + 1)
            self.set_part(lexicon.NIGHT)
            return index + 1

        # "12 noon", "12 midnight"
        if self.number(index) == 12 and self.text(index + 1) in ("noon", "midnight"):
            index += 1

        for phrase, part in lexicon.PART_PHRASES:
            end = self.match(index, phrase)
            if end is not None:
                self.set_part(part)
                return end
        return None

    def read_relative_day(self, index: int) -> int | None:
        for phrase, offset in lexicon.RELATIVE_DAYS:
            end = self.match(index, phrase)
            if end is not None:
                self.set_day(RelativeDay(offset), end)
                return end
        return None

    def read_period(self, index: int) -> int | None:
        """Read "next week", "this weekend" and "next month"."""
        position = index
        modifier = self.text(position)
        if modifier in ("this", "next", "the", "coming"):
            position += 1
            if modifier in ("this", "the") and self.text(position) == "coming":
                position += 1

        noun = self.text(position)
        if noun == "week" and modifier == "next":
            self.set_day(NextWeek(), position + 1)
        elif noun == "weekend" and modifier != "next":
            self.set_day(Weekend(), position + 1)
        elif noun == "month" and modifier == "next":
            self.set_day(NextMonth(), position + 1)
        else:
            return None
        return position + 1

    def read_weekday(self, index: int) -> int | None:
        position = index
        modifier = self.text(position)
        if modifier in ("this", "next", "coming", "upcoming", "last", "the"):
            position += 1
            if modifier in ("this", "the") and self.text(position) == "coming":
                position += 1

        weekday = lexicon.WEEKDAYS.get(self.word(position) or "")
        coming = self.text(position - 1) == "coming"
        if weekday is None or (modifier == "the" and not coming):
            return None
        position += 1
        after_today = coming or modifier in ("next", "upcoming")
        self.set_weekday(weekday, position, last=modifier == "last", after_today=after_today)
        return position

    def read_named_day(self, index: int) -> int | None:
        for phrase, (month, day) in lexicon.NAMED_DAYS:
            end = self.match(index, phrase)
            if end is not None:
                self.set_day(CalendarDate(month, day, None), end)
                return end
        return None

    def read_date(self, index: int) -> int | None:
        token = self.tokens[index]
        if token.kind is Kind.ISO_DATE:
            year, month, day = (int(part) for part in token.text.split("-"))
            self.set_date(CalendarDate(month, day, year), index + 1)
            return index + 1
        if token.kind is Kind.DOTTED_DATE:
            if _dotted_clock(token.text, date_first=True) is not None:
                return None  # "at 7.30." at the end of a sentence: a time, read by read_clock
            self.read_dotted_date(token.text.rstrip(".").split("."), index + 1)
            return index + 1
        if token.kind is Kind.DECIMAL and self.text(index - 1) == "on":
            self.read_dotted_date(token.text.split("."), index + 1)
            return index + 1
        if token.kind is Kind.SLASHED_DATE:
            self.read_slashed_date(token.text.split("/"), index + 1)
            return index + 1
        return self.read_month_day(index) or self.read_day_month(index)

    def set_date(self, date: CalendarDate | NumericDate, end: int) -> None:
        months = (date.month,) if isinstance(date, CalendarDate) else (date.first, date.second)
        if not all(1 <= month <= 12 for month in months):
            self.set_invalid(Ask.INVALID_DATE)
        self.set_day(date, end)

    def read_dotted_date(self, parts: list[str], end: int) -> None:
        if any(len(part) > 4 for part in parts):
            self.set_invalid(Ask.INVALID_DATE)
            return
        year = _full_year(parts[2]) if len(parts) == 3 else None
        self.set_date(CalendarDate(int(parts[1]), int(parts[0]), year), end)

    def read_slashed_date(self, parts: list[str], end: int) -> None:
        first, second = int(parts[0]), int(parts[1])
        year = _full_year(parts[2]) if len(parts) == 3 else None
        if first > 12 and second <= 12:
            self.set_date(CalendarDate(second, first, year), end)
        elif second > 12 and first <= 12:
            self.set_date(CalendarDate(first, second, year), end)
        elif first == second:
            self.set_date(CalendarDate(first, first, year), end)
        elif first > 12 and second > 12:
            self.set_invalid(Ask.INVALID_DATE)
            self.set_day(CalendarDate(first, second, year), end)
        else:
            self.set_date(NumericDate(first, second, year), end)

    def read_month_day(self, index: int) -> int | None:
        """Read "March 31", "Mar 31st", "March the 31st", "March 31, 2026"."""
        month = lexicon.MONTHS.get(self.word(index) or "")
        if month is None:
            return None
        position = index + 1
        if self.text(position) == "." and len(self.text(index) or "") <= 4:
            position += 1
        if self.text(position) == "the":
            position += 1

        day = self.read_day_number(position)
        if day is None:
            return None
        return self.finish_calendar_date(month, day[0], day[1])

    def read_day_month(self, index: int) -> int | None:
        """Read "31 March", "31st of March", "the 31st of March", and "the 1st" alone."""
        position = index
        has_the = self.text(position) == "the"
        if has_the:
            position += 1
        day = self.read_day_number(position)
        if day is None:
            return None
        day_number, position = day

        after_day = position
        if self.text(position) == "of":
            position += 1
        month = lexicon.MONTHS.get(self.word(position) or "")
        if month is not None:
            position += 1
            if self.text(position) == "." and len(self.text(position - 1) or "") <= 4:
                position += 1
            return self.finish_calendar_date(month, day_number, position)

        # A day of the month alone needs "the" or an ordinal suffix ("the 1st",
        # "the first", "1st", "the 1"), so that a stray number is never read as
        # a date. "first" alone is left to "first thing".
        is_ordinal = self.tokens[after_day - 1].kind is Kind.WORD
        if not has_the and (not is_ordinal or self.tokens[index].kind is Kind.WORD):
            return None
        if not is_ordinal and self.word(after_day) in lexicon.UNITS:
            return None  # "the 2 hours"
        if not 1 <= day_number <= 31:
            self.set_invalid(Ask.INVALID_DATE)
        self.set_day(DayOfMonth(day_number), after_day)
        return after_day

    def read_day_number(self, index: int) -> tuple[int, int] | None:
        """Read 31, 31st or "thirty-first"; a number followed by am/pm is an hour."""
        number = self.number(index)
        if number is not None:
            position = index + 1
            if self.word(position) in lexicon.ORDINAL_SUFFIXES and self.glued(position):
                position += 1
            elif self.word(position) in lexicon.MERIDIEMS or self.text(position) in (
                ":",
                "o'clock",
            ):
                return None
            return number, position
        return self.read_ordinal_words(index)

    def read_ordinal_words(self, index: int) -> tuple[int, int] | None:
        word = self.word(index)
        if word is None:
            return None
        if word in lexicon.UNIT_ORDINALS:
            return lexicon.UNIT_ORDINALS[word], index + 1
        if word not in lexicon.TENS:
            return None
        position = index + 1
        if self.text(position) == "-":
            position += 1
        units = lexicon.UNIT_ORDINALS.get(self.word(position) or "")
        if units is not None and units < 10:
            return lexicon.TENS[word] + units, position + 1
        return None

    def finish_calendar_date(self, month: int, day: int, index: int) -> int:
        position = index
        year: int | None = None
        year_at = position + 1 if self.text(position) == "," else position
        if year_at < len(self.tokens):
            token = self.tokens[year_at]
            if token.kind is Kind.NUMBER and len(token.text) == 4 and _is_year(token.text):
                year = int(token.text)
                position = year_at + 1
        if not 1 <= day <= 31:
            self.set_invalid(Ask.INVALID_DATE)
        self.set_day(CalendarDate(month, day, year), position)
        return position

    def read_clock(self, index: int) -> int | None:
        position = index
        has_prefix = self.text(position) in lexicon.CLOCK_PREFIXES
        if has_prefix:
            position += 1
        if position >= len(self.tokens):
            return None

        read = self.read_clock_digits(position, has_prefix or self.day_end == index)
        if read is None:
            return None
        hour, minute, leading_zero, position = read

        meridiem = self.word(position) if self.word(position) in lexicon.MERIDIEMS else None
        if meridiem is not None:
            position += 1
        elif self.text(position) == "o'clock":
            position += 1

        clock = _make_clock(hour, minute, meridiem, leading_zero)
        if clock is None:
            self.set_invalid(Ask.INVALID_TIME)
        elif self.spec.clock is not None:
            self.spec.conflict = True
        else:
            self.spec.clock = clock
        return position

    def read_clock_digits(self, index: int, anchored: bool) -> tuple[int, int, bool, int] | None:
        """Read the hour and minute of "9", "9:30", "0900", "9.30"; anchored: after "at"."""
        token = self.tokens[index]
        next_word = self.word(index + 1)
        marked = next_word in lexicon.MERIDIEMS or next_word == "o'clock"
        leading_zero = len(token.text) > 1 and token.text.startswith("0")

        if token.kind is Kind.CLOCK:
            hour, minute = (int(part) for part in token.text.split(":")[:2])
            return hour, minute, leading_zero, index + 1
        if token.kind is Kind.DOTTED_DATE and (anchored or marked):
            clock = _dotted_clock(token.text, date_first=False)
            if clock is None:
                return None
            return clock[0], clock[1], leading_zero, index + 1
        if token.kind is Kind.DECIMAL and (anchored or marked):
            hour_text, _, minute_text = token.text.partition(".")
            if len(hour_text) > 2 or len(minute_text) != 2:
                return None
            return int(hour_text), int(minute_text), leading_zero, index + 1
        if token.kind is not Kind.NUMBER:
            return None
        if not (anchored or marked or self.starts_day_or_part(index + 1)):
            return None
        if self.text(index + 1) in ("noon", "midnight"):
            return None  # "at 12 noon" is the part of the day, read on its own

        digits = token.text
        if len(digits) <= 2:
            return int(digits), 0, leading_zero, index + 1
        if len(digits) <= 4 and (anchored or marked):
            # "0900" and "930": the last two digits are the minutes.
            return int(digits[:-2]), int(digits[-2:]), leading_zero, index + 1
        return None

    def starts_day_or_part(self, index: int) -> bool:
        """Return whether a day or a part of the day starts at index, as in "9 tomorrow"."""
        word = self.text(index)
        if word in ("tonight", "today", "tomorrow"):
            return True
        if self.match(index, ("at", "night")) is not None:
            return True
        if word == "this":
            return self.text(index + 1) in lexicon.THIS_PARTS
        return self.match(index, ("in", "the")) is not None and (
            self.text(index + 2) in lexicon.THIS_PARTS
        )


_QUANTITY_PHRASES: tuple[tuple[tuple[str, ...], Fraction], ...] = (
    (("three", "quarters", "of", "an"), Fraction(3, 4)),
    (("a", "quarter", "of", "an"), Fraction(1, 4)),
    (("quarter", "of", "an"), Fraction(1, 4)),
    (("a", "quarter"), Fraction(1, 4)),
    (("a", "couple", "of"), Fraction(2)),
    (("couple", "of"), Fraction(2)),
    (("half", "an"), Fraction(1, 2)),
    (("half", "a"), Fraction(1, 2)),
    (("a", "half"), Fraction(1, 2)),
    (("one", "and", "a", "half"), Fraction(3, 2)),
    (("a",), Fraction(1)),
    (("an",), Fraction(1)),
)

_UNIT_SECONDS = {Unit.SECOND: 1, Unit.MINUTE: 60, Unit.HOUR: 3600}
_UNIT_DAYS = {Unit.DAY: 1, Unit.WEEK: 7, Unit.FORTNIGHT: 14}


def _split_amount(value: Fraction, unit: Unit) -> tuple[int, int, Fraction] | None:
    """Split an amount into calendar months, calendar days and elapsed seconds.

    Fractions of a day or week become elapsed hours ("1.5 days" is one calendar
    day and 12 hours). A fraction of a month or year has no fixed length: None.
    """
    if unit in _UNIT_SECONDS:
        return 0, 0, value * _UNIT_SECONDS[unit]
    if unit in (Unit.MONTH, Unit.YEAR):
        months = value * (12 if unit is Unit.YEAR else 1)
        if months.denominator != 1:
            return None
        return int(months), 0, Fraction(0)

    days = value * _UNIT_DAYS[unit]
    whole_days = int(days)
    return 0, whole_days, (days - whole_days) * 86400


def _make_clock(hour: int, minute: int, meridiem: str | None, leading_zero: bool) -> Clock | None:
    """Build the clock time, or None when no clock shows it (25:00, 13pm, 9:75)."""
    if not 0 <= minute <= 59:
        return None
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        return Clock(hour % 12 + (12 if meridiem == "pm" else 0), minute, bare=False)
    if not 0 <= hour <= 23:
        return None
    return Clock(hour, minute, bare=1 <= hour <= 12 and not leading_zero)


def _is_year(digits: str) -> bool:
    """Return whether four digits after a date are its year rather than a time ("May 5 2230").

    Years of this century are read as years, so "May 5 2030" is 2030 and not 20:30.
    """
    return 2000 <= int(digits) <= 2099


def _dotted_clock(text: str, *, date_first: bool) -> tuple[int, int] | None:
    """Read "7.30." as a time followed by a full stop: the hour and minute, or None.

    With date_first, only a text that no date can be ("7.30.", month 30) counts,
    because a date reader sees it first; "3.04." stays 3 April unless "at" leads it.
    """
    parts = text.rstrip(".").split(".")
    if len(parts) != 2 or len(parts[1]) != 2:
        return None
    hour, minute = int(parts[0]), int(parts[1])
    if date_first and not (12 < minute <= 59 and hour <= 23):
        return None
    return hour, minute


def _full_year(digits: str) -> int:
    """Read a year of a numeric date; two digits mean this century (31.03.26 is 2026)."""
    year = int(digits)
    return 2000 + year if len(digits) == 2 else year
