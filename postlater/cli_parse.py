"""The `postlater parse` command: show what the parser reads in a message.

`postlater parse "post this to X at 9"` prints one JSON object. With `-` in
place of the text, the command reads JSON lines from stdin and writes one
output line per input line, flushed at once, so that another program can keep
it running as a parser process.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.model import DateOrder
from domain.parsing import ScheduleTime, TimeQuestion, parse_request, parse_when

_DESCRIPTION = """\
Read a schedule request the way the bot does and print
{"run_at", "platforms", "content", "ask"} as JSON. run_at is ISO 8601 with the
offset valid in the timezone at that instant, or null. ask is what the bot
would ask instead of scheduling (time, platform, unknown_platform, past,
date_order, invalid_date, invalid_time), or null. Text that is not a request
(no leading verb such as "post", and no platform followed by a time) is read
as a time phrase alone, as for "Change time".

With TEXT "-", each stdin line is a JSON object {"text", "now", "tz",
"date_order"}. Only "text" is required; the others default to the options
below, and "now" to the current time. Each line gets one output line, or
{"error": "..."} when the line is invalid.
"""


class _UsageError(Exception):
    """An input line or option that cannot be parsed; the message names the value."""


def run(argv: list[str], stdin: TextIO, stdout: TextIO) -> int:
    """Run `postlater parse` with argv (the arguments after "parse"); return the exit code."""
    parser = _argument_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:
        # argparse exits on --help and on invalid arguments; the caller owns the exit.
        return exit_request.code if isinstance(exit_request.code, int) else 2

    if args.text != "-":
        now = args.now or datetime.now(UTC)
        _write(stdout, message_output(args.text, now=now, tz=args.tz, date_order=args.date_order))
        return 0

    for line in iter(stdin.readline, ""):
        _write(stdout, _line_output(line, args))
    return 0


def message_output(
    text: str, *, now: datetime, tz: ZoneInfo, date_order: DateOrder | None
) -> dict[str, Any]:
    """Return the JSON output for one message."""
    request = parse_request(text, now=now, tz=tz, date_order=date_order)
    if request is None:
        time = parse_when(text, now=now, tz=tz, date_order=date_order)
        return _output_fields(time, tz, platforms=[], content=None, ask=_time_ask(time))

    platforms = [platform.value for platform in request.platforms]
    ask = request.ask.value if request.ask is not None else None
    return _output_fields(request.time, tz, platforms=platforms, content=request.content, ask=ask)


def _output_fields(
    time: ScheduleTime | TimeQuestion | None,
    tz: ZoneInfo,
    *,
    platforms: list[str],
    content: str | None,
    ask: str | None,
) -> dict[str, Any]:
    run_at = time.run_at.astimezone(tz).isoformat() if isinstance(time, ScheduleTime) else None
    return {"run_at": run_at, "platforms": platforms, "content": content, "ask": ask}


def _time_ask(time: ScheduleTime | TimeQuestion) -> str | None:
    return time.reason.value if isinstance(time, TimeQuestion) else None


def _line_output(line: str, args: argparse.Namespace) -> dict[str, Any]:
    try:
        fields = _load_line(line)
        text = fields.get("text")
        if not isinstance(text, str):
            raise _UsageError('"text" is missing or not a string')
        now = _field(fields, "now", _parse_now, args.now) or datetime.now(UTC)
        tz = _field(fields, "tz", _parse_timezone, args.tz)
        date_order = _field(fields, "date_order", _parse_date_order, args.date_order)
    except _UsageError as error:
        return {"error": str(error)}
    try:
        return message_output(text, now=now, tz=tz, date_order=date_order)
    except OverflowError:
        return {"error": '"now" is so close to year 1 or 9999 that the time falls outside them'}


def _load_line(line: str) -> dict[str, Any]:
    if not line.strip():
        raise _UsageError("empty line: expected a JSON object")
    try:
        fields = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise _UsageError(f"invalid JSON line: {error}") from error
    if not isinstance(fields, dict):
        raise _UsageError(f"expected a JSON object, got {type(fields).__name__}")
    return fields


def _field(fields: dict[str, Any], name: str, convert: Callable[[str], Any], default: Any) -> Any:
    value = fields.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise _UsageError(f'"{name}" must be a string, got {json.dumps(value)[:40]}')
    try:
        return convert(value)
    except argparse.ArgumentTypeError as error:
        raise _UsageError(f'"{name}": {error}') from error


def _parse_now(value: str) -> datetime:
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        now = None
    if now is None or now.utcoffset() is None:
        raise argparse.ArgumentTypeError(
            f"invalid time {value[:40]!r}: expected ISO 8601 with a UTC offset, "
            "such as 2026-03-27T16:40:00+01:00"
        )
    return now


def _parse_timezone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise argparse.ArgumentTypeError(
            f"unknown timezone {value[:40]!r}: expected an IANA name such as Europe/Berlin"
        ) from error


def _parse_date_order(value: str) -> DateOrder:
    try:
        return DateOrder(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"invalid date order {value[:40]!r}: expected dmy or mdy"
        ) from error


def _argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postlater parse",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("text", metavar="TEXT", help='the message, or "-" to read JSON lines')
    parser.add_argument(
        "--now",
        type=_parse_now,
        default=None,
        help="the moment the message arrives, ISO 8601 with offset (default: the current time)",
    )
    parser.add_argument(
        "--tz",
        type=_parse_timezone,
        default=ZoneInfo("UTC"),
        help="the user's IANA timezone (default: UTC)",
    )
    parser.add_argument(
        "--date-order",
        type=_parse_date_order,
        default=None,
        help="how the user writes 03/04: dmy or mdy (default: unknown, so 03/04 asks date_order)",
    )
    return parser


def _write(stdout: TextIO, output: dict[str, Any]) -> None:
    # ensure_ascii keeps lone surrogates from JSON input writable on any stdout.
    stdout.write(json.dumps(output) + "\n")
    stdout.flush()
