"""The time grammar of parse_when, beyond the corpus."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.model import DateOrder
from domain.parsing import Ask, ScheduleTime, TimeNote, TimeQuestion, parse_when

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# Friday 27 March 2026, 16:40 in Berlin; the clocks go forward on Sunday the 29th.
NOW = datetime(2026, 3, 27, 16, 40, tzinfo=BERLIN)
# Friday 30 October 2026, 22:15 in New York; the clocks go back on Sunday 1 November.
NOW_NEW_YORK = datetime(2026, 10, 30, 22, 15, tzinfo=NEW_YORK)


def _when(phrase: str, date_order: DateOrder | None = None) -> ScheduleTime | TimeQuestion:
    return parse_when(phrase, now=NOW, tz=BERLIN, date_order=date_order)


def _local(result: ScheduleTime | TimeQuestion) -> str:
    assert isinstance(result, ScheduleTime), f"expected a time, got {result}"
    return result.run_at.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        # days
        ("today at 18:30", "2026-03-27 18:30"),
        ("tonight", "2026-03-27 20:00"),
        ("tomorrow", "2026-03-28 09:00"),
        ("tmrw 9am", "2026-03-28 09:00"),
        ("the day after tomorrow", "2026-03-29 09:00"),
        ("day after tomorrow at 10", "2026-03-29 10:00"),
        ("monday", "2026-03-30 09:00"),
        ("mon 10am", "2026-03-30 10:00"),
        ("this friday at 8pm", "2026-03-27 20:00"),
        ("on friday", "2026-04-03 09:00"),
        ("next friday", "2026-04-03 09:00"),
        ("this coming monday", "2026-03-30 09:00"),
        ("the coming tuesday", "2026-03-31 09:00"),
        ("next week", "2026-03-30 09:00"),
        ("next week tuesday", "2026-03-31 09:00"),
        ("tuesday next week at 14:00", "2026-03-31 14:00"),
        ("this weekend", "2026-03-28 09:00"),
        ("the weekend at 11am", "2026-03-28 11:00"),
        ("next month", "2026-04-01 09:00"),
        # dates
        ("March 31", "2026-03-31 09:00"),
        ("31 March", "2026-03-31 09:00"),
        ("31st of March", "2026-03-31 09:00"),
        ("the 31st of March at 10am", "2026-03-31 10:00"),
        ("Mar 31st", "2026-03-31 09:00"),
        ("Mar. 31st, 2027", "2027-03-31 09:00"),
        ("March the 31st", "2026-03-31 09:00"),
        ("April second", "2026-04-02 09:00"),
        ("the first of May", "2026-05-01 09:00"),
        ("may 5 at noon", "2026-05-05 12:00"),
        ("2026-03-31", "2026-03-31 09:00"),
        ("2026-04-15 14:30", "2026-04-15 14:30"),
        ("31.03.", "2026-03-31 09:00"),
        ("31.03.2026", "2026-03-31 09:00"),
        ("31.3.26", "2026-03-31 09:00"),
        ("on 15.04 at 9", "2026-04-15 09:00"),
        ("3/31", "2026-03-31 09:00"),
        ("31/3", "2026-03-31 09:00"),
        ("3/31/2027 8am", "2027-03-31 08:00"),
        ("4/4", "2026-04-04 09:00"),
        ("on the 1st", "2026-04-01 09:00"),
        ("on the 31st", "2026-03-31 09:00"),
        ("monday, march 30", "2026-03-30 09:00"),
        ("tomorrow, saturday", "2026-03-28 09:00"),
        ("next friday at 8pm", "2026-04-03 20:00"),
        ("coming friday at 8pm", "2026-04-03 20:00"),
        ("on the 4", "2026-04-04 09:00"),
        ("the 4 in the evening", "2026-04-04 19:00"),
        ("twenty second of may", "2026-05-22 09:00"),
        ("May 17 2230", "2026-05-17 22:30"),
        ("May 17 2027", "2027-05-17 09:00"),
        ("wednesday 3.30.", "2026-04-01 03:30"),
        ("New Year's Eve at 11pm", "2026-12-31 23:00"),
        ("christmas eve", "2026-12-24 09:00"),
        # clock times
        ("9am", "2026-03-28 09:00"),
        ("9 am", "2026-03-28 09:00"),
        ("9:30pm", "2026-03-27 21:30"),
        ("9:30 p.m.", "2026-03-27 21:30"),
        ("8 a.m. tomorrow", "2026-03-28 08:00"),
        ("09:00", "2026-03-28 09:00"),
        ("21:30", "2026-03-27 21:30"),
        ("at 0900", "2026-03-28 09:00"),
        ("at 2130", "2026-03-27 21:30"),
        ("at 930pm", "2026-03-27 21:30"),
        ("9.30pm", "2026-03-27 21:30"),
        ("tomorrow 9.30", "2026-03-28 09:30"),
        ("at 12am", "2026-03-28 00:00"),
        ("at 12pm", "2026-03-28 12:00"),
        ("tomorrow at 16", "2026-03-28 16:00"),
        ("tomorrow at 0", "2026-03-28 00:00"),
        ("5 o'clock", "2026-03-27 17:00"),
        ("at 9am sharp", "2026-03-28 09:00"),
        ("at 7.30.", "2026-03-27 19:30"),
        # parts of the day
        ("noon", "2026-03-28 12:00"),
        ("12 noon", "2026-03-28 12:00"),
        ("at 12 noon", "2026-03-28 12:00"),
        ("tomorrow at 12 midnight", "2026-03-29 00:00"),
        ("midnight", "2026-03-28 00:00"),
        ("tomorrow at midnight", "2026-03-29 00:00"),
        ("in the morning", "2026-03-28 09:00"),
        ("this evening", "2026-03-27 19:00"),
        ("tomorrow afternoon", "2026-03-28 15:00"),
        ("tomorrow night", "2026-03-28 20:00"),
        ("tonight at 9", "2026-03-27 21:00"),
        ("9 tonight", "2026-03-27 21:00"),
        ("tonight at 1am", "2026-03-28 01:00"),
        ("tonight at midnight", "2026-03-28 00:00"),
        ("midnight tonight", "2026-03-28 00:00"),
        ("at 2 at night", "2026-03-28 02:00"),
        ("8 at night", "2026-03-27 20:00"),
        ("friday night at 2", "2026-03-28 02:00"),
        ("monday night at 1am", "2026-03-31 01:00"),
        ("at 7 in the evening", "2026-03-27 19:00"),
        ("monday morning at 8", "2026-03-30 08:00"),
        ("first thing", "2026-03-28 09:00"),
        ("first thing tomorrow", "2026-03-28 09:00"),
        ("first thing in the morning", "2026-03-28 09:00"),
        ("end of day", "2026-03-27 17:00"),
        ("eod", "2026-03-27 17:00"),
        ("by end of day tomorrow", "2026-03-28 17:00"),
        # durations
        ("in 2 hours", "2026-03-27 18:40"),
        ("in 2h", "2026-03-27 18:40"),
        ("in 1h30m", "2026-03-27 18:10"),
        ("in 1h30", "2026-03-27 18:10"),
        ("in 1.5 hours", "2026-03-27 18:10"),
        ("in two hours", "2026-03-27 18:40"),
        ("in twenty-five minutes", "2026-03-27 17:05"),
        ("in 2 hours and 15 minutes", "2026-03-27 18:55"),
        ("in 1 hour, 5 minutes", "2026-03-27 17:45"),
        ("in an hour and a half", "2026-03-27 18:10"),
        ("in one and a half hours", "2026-03-27 18:10"),
        ("in two and a half hours", "2026-03-27 19:10"),
        ("in half an hour", "2026-03-27 17:10"),
        ("half an hour", "2026-03-27 17:10"),
        ("in a quarter of an hour", "2026-03-27 16:55"),
        ("in 1/2 hour", "2026-03-27 17:10"),
        ("an hour from now", "2026-03-27 17:40"),
        ("2 hours from now", "2026-03-27 18:40"),
        ("in a couple of hours", "2026-03-27 18:40"),
        ("in 90 min", "2026-03-27 18:10"),
        ("in 3 days", "2026-03-30 16:40"),
        ("in 3 days at 10am", "2026-03-30 10:00"),
        ("in 2 days in the evening", "2026-03-29 19:00"),
        ("in 2 weeks", "2026-04-10 16:40"),
        ("in a month", "2026-04-27 16:40"),
        ("in a year", "2027-03-27 16:40"),
        ("in 1.5 days", "2026-03-29 05:40"),
        ("in a fortnight", "2026-04-10 16:40"),
        ("in three quarters of an hour", "2026-03-27 17:25"),
    ],
)
def test_parse_when_reads_phrase(phrase: str, expected: str) -> None:
    result = _when(phrase)

    assert _local(result) == expected


@pytest.mark.parametrize(
    ("phrase", "reason"),
    [
        ("25:00", Ask.INVALID_TIME),
        ("at 24:00", Ask.INVALID_TIME),
        ("13pm", Ask.INVALID_TIME),
        ("0am", Ask.INVALID_TIME),
        ("at 9:75", Ask.INVALID_TIME),
        ("tomorrow at 25", Ask.INVALID_TIME),
        ("February 30", Ask.INVALID_DATE),
        ("31 April 2026", Ask.INVALID_DATE),
        ("2026-13-01", Ask.INVALID_DATE),
        ("15/15", Ask.INVALID_DATE),
        ("March 32", Ask.INVALID_DATE),
        ("tuesday, march 30", Ask.INVALID_DATE),
        ("tuesday 3.04.", Ask.INVALID_DATE),
        ("in 99999999 days", Ask.INVALID_DATE),
        ("yesterday", Ask.PAST),
        ("today at 8am", Ask.PAST),
        ("this morning", Ask.PAST),
        ("last monday", Ask.PAST),
        ("in -2 hours", Ask.PAST),
        ("in -2 days", Ask.PAST),
        ("2020-01-01", Ask.PAST),
        ("", Ask.TIME),
        ("whenever", Ask.TIME),
        ("at 9 blah", Ask.TIME),
        ("tomorrow, monday", Ask.INVALID_DATE),
        ("tomorrow next week", Ask.TIME),
        ("at 9am at 10am", Ask.TIME),
        ("in 2 hours at 5pm", Ask.TIME),
        ("tomorrow in 2 hours", Ask.TIME),
        ("now tomorrow", Ask.TIME),
        ("in 1.5 months", Ask.TIME),
        ("next weekend", Ask.TIME),
        ("9", Ask.TIME),
    ],
)
def test_parse_when_asks_question(phrase: str, reason: Ask) -> None:
    result = _when(phrase)

    assert isinstance(result, TimeQuestion), f"expected a question, got {result}"
    assert result.reason is reason


@pytest.mark.parametrize(
    ("phrase", "notes"),
    [
        ("tomorrow 9am", set()),
        ("at 9", {TimeNote.BARE_HOUR}),
        ("at 4", {TimeNote.BARE_HOUR}),
        ("at 9:30", {TimeNote.BARE_HOUR}),
        ("at 09:30", set()),
        ("tomorrow at 9", set()),
        ("tomorrow", {TimeNote.DEFAULT_TIME}),
        ("next week", {TimeNote.DEFAULT_TIME}),
        ("March 20 at 9am", {TimeNote.NEXT_YEAR}),
        ("March 20", {TimeNote.NEXT_YEAR, TimeNote.DEFAULT_TIME}),
        ("now", {TimeNote.IMMEDIATE}),
        ("right now", {TimeNote.IMMEDIATE}),
        ("asap", {TimeNote.IMMEDIATE}),
        ("as soon as possible", {TimeNote.IMMEDIATE}),
        ("immediately", {TimeNote.IMMEDIATE}),
        ("sunday at 2:30am", {TimeNote.DST_GAP}),
        ("in 2 days at 2:30am", {TimeNote.DST_GAP}),
    ],
)
def test_parse_when_sets_notes(phrase: str, notes: set[TimeNote]) -> None:
    result = _when(phrase)

    assert isinstance(result, ScheduleTime), f"expected a time, got {result}"
    assert result.notes == notes


def test_parse_when_moves_gap_time_forward() -> None:
    result = _when("sunday at 2:30am")

    assert isinstance(result, ScheduleTime)
    assert result.run_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert result.run_at.astimezone(BERLIN).isoformat() == "2026-03-29T03:30:00+02:00"


def test_parse_when_takes_first_fold_time() -> None:
    result = parse_when("sunday at 1:30am", now=NOW_NEW_YORK, tz=NEW_YORK)

    assert isinstance(result, ScheduleTime)
    assert result.run_at.astimezone(NEW_YORK).isoformat() == "2026-11-01T01:30:00-04:00"
    assert result.notes == {TimeNote.DST_FOLD}


def test_parse_when_days_keep_wall_time_across_fold() -> None:
    result = parse_when("in 2 days", now=NOW_NEW_YORK, tz=NEW_YORK)

    assert isinstance(result, ScheduleTime)
    assert result.run_at.astimezone(NEW_YORK).isoformat() == "2026-11-01T22:15:00-05:00"


def test_parse_when_hours_are_elapsed_time() -> None:
    result = parse_when("in 3 hours", now=NOW_NEW_YORK, tz=NEW_YORK)

    assert isinstance(result, ScheduleTime)
    assert result.run_at == datetime(2026, 10, 31, 5, 15, tzinfo=UTC)


def test_parse_when_returns_utc() -> None:
    result = _when("tomorrow 9am")

    assert isinstance(result, ScheduleTime)
    assert result.run_at.tzinfo is UTC
    assert result.run_at == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)


def test_parse_when_accepts_any_offset_for_now() -> None:
    now_in_utc = NOW.astimezone(UTC)

    result = parse_when("tomorrow 9am", now=now_in_utc, tz=BERLIN)

    assert _local(result) == "2026-03-28 09:00"


def test_parse_when_ambiguous_date_asks_order() -> None:
    result = _when("03/04 at 10am")

    assert isinstance(result, TimeQuestion)
    assert result.reason is Ask.DATE_ORDER
    assert result.choices == (
        datetime(2026, 4, 3, 8, 0, tzinfo=UTC),  # 3 April, day-month first
        datetime(2027, 3, 4, 9, 0, tzinfo=UTC),  # 4 March, next year's
    )


def test_parse_when_date_order_leaves_out_past_reading() -> None:
    result = _when("03/04/2026 at 10am")

    assert isinstance(result, TimeQuestion)
    assert result.reason is Ask.DATE_ORDER
    assert result.choices == (datetime(2026, 4, 3, 8, 0, tzinfo=UTC),)


@pytest.mark.parametrize(
    ("date_order", "expected"),
    [
        (DateOrder.DMY, "2026-04-03 10:00"),
        (DateOrder.MDY, "2027-03-04 10:00"),
    ],
)
def test_parse_when_known_date_order(date_order: DateOrder, expected: str) -> None:
    result = _when("03/04 at 10am", date_order=date_order)

    assert _local(result) == expected


@pytest.mark.parametrize("date_order", [None, DateOrder.DMY, DateOrder.MDY])
def test_parse_when_settled_dates_ignore_order(date_order: DateOrder | None) -> None:
    day_first = _when("15/04", date_order=date_order)
    month_first = _when("04/15", date_order=date_order)
    dotted = _when("04.05.", date_order=date_order)

    assert _local(day_first) == "2026-04-15 09:00"
    assert _local(month_first) == "2026-04-15 09:00"
    assert _local(dotted) == "2026-05-04 09:00"


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("tomorrow at 9am", "tomorrow at 9am"),
        ("please, on Monday at 10am!", "on Monday at 10am"),
        ("at 9 blah", "at 9 blah"),
    ],
)
def test_parse_when_reports_phrase(phrase: str, expected: str) -> None:
    result = _when(phrase)

    assert result.phrase == expected


def test_parse_when_rejects_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_when("tomorrow", now=datetime(2026, 3, 27, 16, 40), tz=BERLIN)


@pytest.mark.parametrize(
    "phrase",
    [
        "a" * 4096,
        "9" * 4096,
        "in " + "1h" * 2000,
        "tomorrow " * 455,
        "1:" * 2048,
        "@" * 4096,
        "“" * 4096,
        " " * 4096,
    ],
    ids=["letters", "digits", "durations", "days", "colons", "at-signs", "quotes", "spaces"],
)
def test_parse_when_long_text_is_fast(phrase: str) -> None:
    started = time.perf_counter()

    result = _when(phrase)

    # A generous bound so that a loaded machine does not fail the test; the
    # parser takes well under a millisecond for these.
    assert time.perf_counter() - started < 0.25
    assert isinstance(result, TimeQuestion)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parse_when_never_raises(phrase: str) -> None:
    result = _when(phrase)

    assert isinstance(result, ScheduleTime | TimeQuestion)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            "in at on the next this 1 9 12 30 2026 1.5 1/2 03/04 15.04. 2026-03-31 9:30 "
            "am pm h m hours days and a an half of march monday tomorrow noon - , :".split()
        ),
        max_size=12,
    )
)
def test_parse_when_never_raises_on_time_words(words: list[str]) -> None:
    result = _when(" ".join(words))

    assert isinstance(result, ScheduleTime | TimeQuestion)
    if isinstance(result, ScheduleTime):
        assert result.run_at.tzinfo is UTC
