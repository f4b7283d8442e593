"""Time the schedule-request parser per message and at start-up, beside dateparser.

Run from the repository root (not part of the test run):

    .venv/bin/python -m bench.parser [--generated N] [--rounds R] [--startup-runs K]

The messages are every case of tests/data/corpus/*.jsonl and N requests made
by the generator of the property tests (tests/property/phrases.py), each with
its own "now" and zone. Each message is timed on its own with
time.perf_counter_ns. The parser reads every message R times after one warm-up
pass, and a message's time is the median of its R timings, which keeps a pause
of the machine from counting as the parser's. dateparser.search.search_dates
reads each message once after a warm-up call, with English only
(languages=["en"], its fastest setting), and with its language detection on
an evenly spaced subset of D messages, because that takes about 50 ms each.
Start-up is the wall time of a fresh process that imports the parser and reads
one message, as the median of K runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.parsing import parse_request, parse_when
from tests.property.instants import ZONES, reference_instants
from tests.property.phrases import RandomChooser, choose_request

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO_ROOT / "tests" / "data" / "corpus"

# The budget per message and per start-up that the parser must meet.
TARGET_P99_MS = 5.0
TARGET_STARTUP_MS = 300.0

STARTUP_MESSAGE = "post this to X tomorrow 9am"


@dataclass(frozen=True)
class Message:
    text: str
    now: datetime
    tz: ZoneInfo


@dataclass(frozen=True)
class Timing:
    """Milliseconds per message."""

    samples_ms: Sequence[float]

    def percentile(self, percent: float) -> float:
        ordered = sorted(self.samples_ms)
        index = min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))
        return ordered[index]


def main() -> int:
    args = _arguments()
    messages = corpus_messages() + generated_messages(args.generated, seed=args.seed)
    print(f"{len(messages)} messages, {args.rounds} rounds of the parser", file=sys.stderr)

    parser = time_parser(messages, rounds=args.rounds)
    english = time_dateparser(messages, languages=["en"])
    step = max(1, len(messages) // args.detection_messages)
    subset = messages[::step][: args.detection_messages]
    detecting = time_dateparser(subset, languages=None)
    parser_on_subset = Timing([parser.samples_ms[index * step] for index in range(len(subset))])
    startup_cli = time_startup(_cli_command(), runs=args.startup_runs)
    startup_import = time_startup(_import_command(), runs=args.startup_runs)
    startup_dateparser = time_startup(_dateparser_command(), runs=args.startup_runs)
    startup_python = time_startup([sys.executable, "-c", "pass"], runs=args.startup_runs)

    rows = [
        _row("p50 per message (English only)", parser, english, 50),
        _row("p99 per message (English only)", parser, english, 99, target=TARGET_P99_MS),
        _row(f"p50 per message (language detection, {len(subset)} messages)",
             parser_on_subset, detecting, 50),
        _row(f"p99 per message (language detection, {len(subset)} messages)",
             parser_on_subset, detecting, 99),
        ("max per message", f"{max(parser.samples_ms):.3f} ms",
         f"{max(english.samples_ms):.3f} ms", "", ""),
        ("start-up: `postlater parse TEXT`", f"{startup_cli:.0f} ms", "", "",
         _target(startup_cli, TARGET_STARTUP_MS)),
        ("start-up: `python -c` import and first message", f"{startup_import:.0f} ms",
         f"{startup_dateparser:.0f} ms", f"{startup_dateparser / startup_import:.1f}x",
         _target(startup_import, TARGET_STARTUP_MS)),
        ("start-up: `python -c pass` (the interpreter alone)", f"{startup_python:.0f} ms",
         "", "", ""),
    ]  # fmt: skip

    corpus_count = len(messages) - args.generated
    print(_machine())
    print()
    print("Command: `" + " ".join([".venv/bin/python -m bench.parser", *sys.argv[1:]]) + "`")
    print(f"Messages: {len(messages)} ({corpus_count} corpus, {args.generated} generated)")
    print()
    print("| measure | postlater parser | dateparser search_dates | dateparser / parser | target |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


def _row(
    label: str, parser: Timing, baseline: Timing, percent: float, *, target: float | None = None
) -> tuple[str, str, str, str, str]:
    mine, theirs = parser.percentile(percent), baseline.percentile(percent)
    met = _target(mine, target) if target is not None else ""
    return label, f"{mine:.3f} ms", f"{theirs:.3f} ms", f"{theirs / mine:.0f}x", met


def _target(value: float, limit: float) -> str:
    return f"< {limit:g} ms: {'met' if value < limit else 'NOT met'}"


def corpus_messages() -> list[Message]:
    messages = []
    for path in sorted(CORPUS_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                now = datetime.fromisoformat(case["now"])
                messages.append(Message(case["text"], now, ZoneInfo(case["tz"])))
    return messages


def generated_messages(count: int, *, seed: int) -> list[Message]:
    """Return count generated requests, going round the zones and their reference instants."""
    chooser = RandomChooser(seed)
    messages = []
    for index in range(count):
        zone = ZONES[index % len(ZONES)]
        instants = reference_instants(zone)
        now = instants[(index // len(ZONES)) % len(instants)]
        messages.append(Message(choose_request(chooser).text, now, ZoneInfo(zone)))
    return messages


def read_message(message: Message) -> object:
    """Read a message the way `postlater parse` does: as a request, else as a time phrase."""
    request = parse_request(message.text, now=message.now, tz=message.tz)
    if request is not None:
        return request
    return parse_when(message.text, now=message.now, tz=message.tz)


def time_parser(messages: Sequence[Message], *, rounds: int) -> Timing:
    """Return each message's median time over rounds, in the order of messages."""
    for message in messages:
        read_message(message)
    passes = [_time_each(messages, read_message) for _ in range(rounds)]
    return Timing([statistics.median(timings) for timings in zip(*passes, strict=True)])


def time_dateparser(messages: Sequence[Message], *, languages: list[str] | None) -> Timing:
    """Time search_dates on each message; the count of messages it raised on goes to stderr."""
    from dateparser.search import search_dates

    errors: list[str] = []

    def search(message: Message) -> object:
        # dateparser returns None for an aware RELATIVE_BASE, so it gets the
        # naive wall time and the zone name.
        settings = {
            "RELATIVE_BASE": message.now.astimezone(message.tz).replace(tzinfo=None),
            "PREFER_DATES_FROM": "future",
            "TIMEZONE": str(message.tz),
            "RETURN_AS_TIMEZONE_AWARE": True,
        }
        try:
            return search_dates(message.text, languages=languages, settings=settings)
        except Exception as error:
            # dateparser 1.5.0 raises pytz's AmbiguousTimeError for some wall
            # times in a DST fold; the time until it raised still counts.
            errors.append(type(error).__name__)
            return None

    search(messages[0])  # loads dateparser's language data
    timing = Timing(_time_each(messages, search))
    if errors:
        kinds = ", ".join(sorted(set(errors)))
        print(
            f"search_dates raised on {len(errors)} of {len(messages)} messages: {kinds}",
            file=sys.stderr,
        )
    return timing


def _time_each(messages: Sequence[Message], read: Callable[[Message], object]) -> list[float]:
    samples = []
    for message in messages:
        started = time.perf_counter_ns()
        read(message)
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return samples


def time_startup(command: list[str], *, runs: int) -> float:
    """Return the median wall time in milliseconds of running command in a fresh process."""
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=REPO_ROOT, check=True, capture_output=True)
        walls.append((time.perf_counter() - started) * 1000)
    return statistics.median(walls)


def _cli_command() -> list[str]:
    script = Path(sys.executable).parent / "postlater"
    return [str(script), "parse", STARTUP_MESSAGE, "--tz", "Europe/Berlin"]


def _import_command() -> list[str]:
    code = (
        "from datetime import datetime, timezone; from zoneinfo import ZoneInfo; "
        "from domain.parsing import parse_request; "
        f"parse_request({STARTUP_MESSAGE!r}, now=datetime.now(timezone.utc), "
        "tz=ZoneInfo('Europe/Berlin'))"
    )
    return [sys.executable, "-c", code]


def _dateparser_command() -> list[str]:
    code = (
        "from dateparser.search import search_dates; "
        f"search_dates({STARTUP_MESSAGE!r}, languages=['en'])"
    )
    return [sys.executable, "-c", code]


def _machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    # Other work on the machine shows in the timings, so the load goes in the record.
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"Machine: {os.cpu_count()} CPUs (nproc), {model}; Python {platform.python_version()}; "
        f"dateparser {_dateparser_version()}; load average {load}; {date.today().isoformat()}"
    )


def _dateparser_version() -> str:
    from importlib.metadata import version

    return version("dateparser")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.parser",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--generated",
        type=int,
        default=2000,
        help="generated requests to add to the corpus (default: 2000)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="timed passes of the parser over all messages (default: 5)",
    )
    parser.add_argument(
        "--detection-messages",
        type=int,
        default=300,
        help="messages dateparser reads with language detection (default: 300)",
    )
    parser.add_argument(
        "--startup-runs",
        type=int,
        default=9,
        help="fresh processes per start-up measurement (default: 9)",
    )
    parser.add_argument(
        "--seed", type=int, default=2026, help="seed of the generated requests (default: 2026)"
    )
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
