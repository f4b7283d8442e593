"""Reading whole messages with parse_request: platforms, content, time, drafts."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.model import DateOrder, Platform
from domain.parsing import (
    Ask,
    ScheduleRequest,
    ScheduleTime,
    TimeQuestion,
    parse_request,
    split_content,
)

BERLIN = ZoneInfo("Europe/Berlin")
# Friday 27 March 2026, 16:40 in Berlin.
NOW = datetime(2026, 3, 27, 16, 40, tzinfo=BERLIN)
TOMORROW_9AM = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)

LINKEDIN, X, TELEGRAM = Platform.LINKEDIN, Platform.X, Platform.TELEGRAM
MASTODON, BLUESKY = Platform.MASTODON, Platform.BLUESKY


def _request(text: str, date_order: DateOrder | None = None) -> ScheduleRequest:
    request = parse_request(text, now=NOW, tz=BERLIN, date_order=date_order)
    assert request is not None, f"{text!r} was read as a plain message"
    return request


def _run_at(request: ScheduleRequest) -> datetime:
    assert isinstance(request.time, ScheduleTime), f"expected a time, got {request.time}"
    return request.time.run_at


@pytest.mark.parametrize(
    ("text", "platforms"),
    [
        ("post this to linkedin tomorrow 9am", (LINKEDIN,)),
        ("post this to li tomorrow 9am", (LINKEDIN,)),
        ("post this to my LinkedIn page tomorrow 9am", (LINKEDIN,)),
        ("post this on x tomorrow 9am", (X,)),
        ("post this on twitter tomorrow 9am", (X,)),
        ("post this on tw tomorrow 9am", (X,)),
        ("tweet this tomorrow 9am", (X,)),
        ("schedule this tweet for tomorrow 9am", (X,)),
        ("post this to telegram tomorrow 9am", (TELEGRAM,)),
        ("post this to tg tomorrow 9am", (TELEGRAM,)),
        ("post this to my channel tomorrow 9am", (TELEGRAM,)),
        ("post this to the channel tomorrow 9am", (TELEGRAM,)),
        ("post this in our telegram channel tomorrow 9am", (TELEGRAM,)),
        ("post this to mastodon tomorrow 9am", (MASTODON,)),
        ("toot this tomorrow 9am", (MASTODON,)),
        ("post this to bluesky tomorrow 9am", (BLUESKY,)),
        ("post this to bsky tomorrow 9am", (BLUESKY,)),
        ("post it on li and tw and bsky tomorrow 9am", (LINKEDIN, X, BLUESKY)),
        ("post this to X, LinkedIn & Mastodon tomorrow 9am", (X, LINKEDIN, MASTODON)),
        ("post to X/Twitter tomorrow 9am", (X,)),
        ("tweet this on X tomorrow 9am", (X,)),
        ("schedule for tomorrow 9am on LinkedIn and X", (LINKEDIN, X)),
    ],
)
def test_parse_request_reads_platforms(text: str, platforms: tuple[Platform, ...]) -> None:
    request = _request(text)

    assert request.platforms == platforms
    assert _run_at(request) == TOMORROW_9AM


def test_parse_request_reads_channel_username() -> None:
    request = _request("post this to @acme_news and @Other_Channel tomorrow 9am")

    assert request.platforms == (TELEGRAM,)
    assert request.channel == "@acme_news"
    assert request.unknown_platform is None


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("post this to myspace tomorrow 9am", "myspace"),
        ("post this on myspace", "myspace"),
        ("post this to my blog tomorrow 9am", "blog"),
        ("post this to LinkedIn and myspace tomorrow 9am", "myspace"),
        ("post this to @ab tomorrow 9am", "@ab"),
    ],
)
def test_parse_request_flags_unknown_platform(text: str, unknown: str) -> None:
    request = _request(text)

    assert request.unknown_platform == unknown
    assert request.ask is Ask.UNKNOWN_PLATFORM


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("Post to X tomorrow 9am: Our spring release is out!", "Our spring release is out!"),
        ('post "We are hiring" to X tomorrow 9am', "We are hiring"),
        ("post “We are hiring” to X tomorrow 9am", "We are hiring"),
        ("post „We are hiring“ to X tomorrow 9am", "We are hiring"),
        ("post «We are hiring» to X tomorrow 9am", "We are hiring"),
        ("post 'We're hiring' to X tomorrow 9am", "We're hiring"),
        ("post ‘We’re hiring’ to X tomorrow 9am", "We’re hiring"),
        ('post "Note: doors open" to X tomorrow 9am', "Note: doors open"),
        ("post to X tomorrow 9am: it's 'fine'", "it's 'fine'"),
        ('post "Part one" to X tomorrow 9am: part two', "Part one\npart two"),
        ("post to X tomorrow 9am\n\n  - one\n  - two\n\n", "  - one\n  - two"),
        (
            "X tomorrow 9am\nWe are hiring.\n\nApply by Friday.",
            "We are hiring.\n\nApply by Friday.",
        ),
        ("post to X tomorrow 9am:\nLine one\nLine two", "Line one\nLine two"),
        ("post to X tomorrow at 9:00am: Doors open at 10:00", "Doors open at 10:00"),
        ("post to X tomorrow 9am: Meet us on Monday at 10am", "Meet us on Monday at 10am"),
        (
            "post to X tomorrow 9am: see you Monday, @acme_news on LinkedIn",
            "see you Monday, @acme_news on LinkedIn",
        ),
    ],
)
def test_parse_request_reads_content(text: str, content: str) -> None:
    request = _request(text)

    assert request.content == content
    assert request.platforms == (X,)
    assert request.channel is None
    assert _run_at(request) == TOMORROW_9AM


def test_parse_request_without_content_is_none() -> None:
    request = _request("post this to X tomorrow 9am")

    assert request.content is None


def test_split_content_keeps_clock_colon() -> None:
    clause, content = split_content("post to X at 9:30: hello")

    assert clause == "post to X at 9:30"
    assert content == "hello"


@pytest.mark.parametrize(
    "text",
    [
        "We are hiring two engineers",
        "Meet us Friday at 10am",
        "Our launch is on Monday at 9am on LinkedIn Live",
        "Share your story with us today!",
        "Share this with your friends!",
        "Share this with your team on Monday",
        "Post your thoughts below on LinkedIn",
        "Tweet this if you agree!",
        "Tweet me at 6pm",
        "Schedule a demo with us on Monday",
        "Post-launch update: all good",
        "Big news: we launch Monday",
        "LinkedIn: We are hiring",
        "X marks the spot tomorrow",
        "tomorrow 9am on LinkedIn we go live",
        "",
        "   \n  ",
    ],
)
def test_parse_request_plain_message_is_draft(text: str) -> None:
    request = parse_request(text, now=NOW, tz=BERLIN)

    assert request is None


@pytest.mark.parametrize(
    ("text", "ask"),
    [
        ("post this to LinkedIn", Ask.TIME),
        ("post this to LinkedIn: We are hiring", Ask.TIME),
        ("post this tomorrow 9am", Ask.PLATFORM),
        ("post", Ask.PLATFORM),
        ("post this to myspace", Ask.UNKNOWN_PLATFORM),
        ("post this to LinkedIn tomorrow morning before the meeting", Ask.TIME),
        ("post this to LinkedIn at 25:00", Ask.INVALID_TIME),
        ("post this to LinkedIn today at 8am", Ask.PAST),
        ("post this to LinkedIn on 31.02.", Ask.INVALID_DATE),
        ("post this to LinkedIn on 03/04", Ask.DATE_ORDER),
    ],
)
def test_parse_request_asks(text: str, ask: Ask) -> None:
    request = _request(text)

    assert request.ask is ask


def test_parse_request_no_time_is_none() -> None:
    request = _request("post this to LinkedIn please")

    assert request.time is None
    assert request.ask is Ask.TIME


def test_parse_request_unknown_words_ask_time() -> None:
    request = _request("post this to LinkedIn tomorrow morning before the meeting")

    assert isinstance(request.time, TimeQuestion)
    assert request.time.reason is Ask.TIME
    assert request.time.phrase == "tomorrow morning before the meeting"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("please post this to LinkedIn tomorrow 9am please", TOMORROW_9AM),
        ("post the news to LinkedIn tomorrow at 9", TOMORROW_9AM),
        ("post my latest article to LinkedIn tomorrow at 9", TOMORROW_9AM),
        ("send this to my channel tomorrow 9am", TOMORROW_9AM),
        ("publish on LinkedIn tomorrow 9am", TOMORROW_9AM),
        ("LinkedIn and X, tomorrow at 9", TOMORROW_9AM),
        ("On LinkedIn: tomorrow 9am", None),
        ("post this to LinkedIn in 2 hours", datetime(2026, 3, 27, 17, 40, tzinfo=UTC)),
        ("post this to LinkedIn now", NOW.astimezone(UTC)),
    ],
)
def test_parse_request_reads_time(text: str, expected: datetime | None) -> None:
    request = parse_request(text, now=NOW, tz=BERLIN)

    if expected is None:
        assert request is None
    else:
        assert request is not None
        assert _run_at(request) == expected


def test_parse_request_reports_time_phrase() -> None:
    request = _request("schedule for tomorrow 9am on LinkedIn")

    assert isinstance(request.time, ScheduleTime)
    assert request.time.phrase == "tomorrow 9am"


def test_parse_request_uses_date_order() -> None:
    request = _request("post this to X on 03/04 at 10am", date_order=DateOrder.MDY)

    assert _run_at(request) == datetime(2027, 3, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("request_fields", "ask"),
    [
        ({"unknown_platform": "myspace", "platforms": (), "time": None}, Ask.UNKNOWN_PLATFORM),
        ({"unknown_platform": "myspace", "platforms": (X,), "time": None}, Ask.UNKNOWN_PLATFORM),
        ({"unknown_platform": None, "platforms": (), "time": None}, Ask.PLATFORM),
        ({"unknown_platform": None, "platforms": (X,), "time": None}, Ask.TIME),
        (
            {
                "unknown_platform": None,
                "platforms": (X,),
                "time": TimeQuestion(Ask.PAST, "yesterday"),
            },
            Ask.PAST,
        ),
        (
            {
                "unknown_platform": None,
                "platforms": (X,),
                "time": ScheduleTime(TOMORROW_9AM, frozenset(), "tomorrow 9am"),
            },
            None,
        ),
    ],
)
def test_schedule_request_ask_order(request_fields: dict[str, object], ask: Ask | None) -> None:
    request = ScheduleRequest(channel=None, content=None, **request_fields)  # type: ignore[arg-type]

    assert request.ask is ask


def test_parse_request_rejects_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_request("post to X now", now=datetime(2026, 3, 27, 16, 40), tz=BERLIN)


@pytest.mark.parametrize(
    "text",
    [
        "post " + "a " * 2046,
        "post this to LinkedIn " + "in 2 hours and " * 270,
        "post " + "@" * 4091,
        "post " + "“" * 4091,
        "post to X at 9:" + "a" * 4081,
        "LinkedIn " + "9 " * 2043,
        "\n" * 4096,
        "post to X tomorrow 9am\n" + "x" * 4073,
    ],
    ids=["words", "durations", "at-signs", "quotes", "content", "numbers", "newlines", "long-post"],
)
def test_parse_request_long_text_is_fast(text: str) -> None:
    started = time.perf_counter()

    parse_request(text[:4096], now=NOW, tz=BERLIN)

    # A generous bound so that a loaded machine does not fail the test; the
    # parser takes about a millisecond or less for these.
    assert time.perf_counter() - started < 0.25


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parse_request_never_raises(text: str) -> None:
    request = parse_request(text, now=NOW, tz=BERLIN)

    assert request is None or isinstance(request, ScheduleRequest)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            "post tweet this to on and LinkedIn x my channel @acme_news myspace tomorrow at "
            '9am in 2 hours 03/04 : " “ ” \n , please the'.split(" ")
        ),
        max_size=14,
    )
)
def test_parse_request_never_raises_on_command_words(words: list[str]) -> None:
    request = parse_request(" ".join(words), now=NOW, tz=BERLIN)

    if request is not None:
        assert len(set(request.platforms)) == len(request.platforms)


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        ("can you post this to my channel tomorrow at 9am?", Platform.TELEGRAM),
        ("could you please tweet this at 6pm", Platform.X),
        ("Would you share this on LinkedIn tomorrow", Platform.LINKEDIN),
    ],
)
def test_polite_question_is_a_request(text: str, platform: Platform) -> None:
    request = parse_request(text, now=datetime(2026, 3, 27, 15, 40, tzinfo=UTC), tz=ZoneInfo("UTC"))

    assert request is not None
    assert request.platforms == (platform,)


@pytest.mark.parametrize("text", ["Can you believe it? We shipped!", "could you help me"])
def test_polite_question_without_a_request_is_a_draft(text: str) -> None:
    now = datetime(2026, 3, 27, 15, 40, tzinfo=UTC)

    assert parse_request(text, now=now, tz=ZoneInfo("UTC")) is None
