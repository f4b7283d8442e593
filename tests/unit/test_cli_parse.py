"""The `postlater parse` command, in process and as a long-running subprocess."""

from __future__ import annotations

import io
import json
import queue
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from postlater.cli_parse import run
from tests.unit.corpus_cases import KNOWN_WRONG, load_cases

REPO_ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-03-27T16:40:00+01:00"
# Each output line must arrive within this many seconds of its input line.
OUTPUT_TIMEOUT = 10.0


def _run(argv: list[str], stdin_text: str = "") -> tuple[int, list[dict[str, Any]]]:
    stdout = io.StringIO()

    code = run(argv, io.StringIO(stdin_text), stdout)

    return code, [json.loads(line) for line in stdout.getvalue().splitlines()]


def test_parse_prints_one_object() -> None:
    code, outputs = _run(["post this to X at 9", "--now", NOW, "--tz", "Europe/Berlin"])

    assert code == 0
    assert outputs == [
        {"run_at": "2026-03-27T21:00:00+01:00", "platforms": ["x"], "content": None, "ask": None}
    ]


def test_parse_defaults_to_utc() -> None:
    code, outputs = _run(["post this to X tomorrow 9am", "--now", NOW])

    assert code == 0
    assert outputs[0]["run_at"] == "2026-03-28T09:00:00+00:00"


def test_parse_prints_content_and_ask() -> None:
    code, outputs = _run(["post to LinkedIn: We are hiring", "--now", NOW])

    assert code == 0
    assert outputs == [
        {"run_at": None, "platforms": ["linkedin"], "content": "We are hiring", "ask": "time"}
    ]


def test_parse_reads_plain_time_phrase() -> None:
    code, outputs = _run(["tomorrow 9am", "--now", NOW, "--tz", "Europe/Berlin"])

    assert code == 0
    assert outputs == [
        {"run_at": "2026-03-28T09:00:00+01:00", "platforms": [], "content": None, "ask": None}
    ]


def test_parse_date_order_option() -> None:
    argv = ["post to X on 03/04 at 10am", "--now", NOW, "--tz", "Europe/Berlin"]

    _, asked = _run(argv)
    _, settled = _run([*argv, "--date-order", "dmy"])

    assert asked[0]["ask"] == "date_order"
    assert settled[0]["run_at"] == "2026-04-03T10:00:00+02:00"


@pytest.mark.parametrize(
    "argv",
    [
        ["x", "--tz", "Mars/Base"],
        ["x", "--now", "2026-03-27T16:40:00"],
        ["x", "--date-order", "ymd"],
        [],
    ],
    ids=["unknown-tz", "naive-now", "bad-date-order", "no-text"],
)
def test_parse_rejects_invalid_arguments(argv: list[str]) -> None:
    code, outputs = _run(argv)

    assert code == 2
    assert outputs == []


def test_parse_stdin_outputs_each_line() -> None:
    lines = [
        {"text": "post this to X at 9", "now": NOW, "tz": "Europe/Berlin"},
        {"text": "post to X on 03/04 at 10am", "now": NOW, "tz": "Europe/Berlin"},
        {"text": "post to X on 03/04 at 10am", "now": NOW, "date_order": "mdy"},
    ]
    stdin_text = "".join(json.dumps(line) + "\n" for line in lines)

    code, outputs = _run(["-"], stdin_text)

    assert code == 0
    assert [output["run_at"] for output in outputs] == [
        "2026-03-27T21:00:00+01:00",
        None,
        "2027-03-04T10:00:00+00:00",
    ]
    assert [output["ask"] for output in outputs] == [None, "date_order", None]


def test_parse_stdin_uses_option_defaults() -> None:
    stdin_text = json.dumps({"text": "post to X tomorrow 9am"}) + "\n"

    code, outputs = _run(["-", "--now", NOW, "--tz", "America/New_York"], stdin_text)

    assert code == 0
    assert outputs[0]["run_at"] == "2026-03-28T09:00:00-04:00"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("not json", "invalid JSON line"),
        ("[1, 2]", "expected a JSON object, got list"),
        ("{}", '"text" is missing'),
        ('{"text": 5}', '"text" is missing or not a string'),
        ('{"text": "x", "tz": "Mars/Base"}', "unknown timezone 'Mars/Base'"),
        ('{"text": "x", "tz": 1}', '"tz" must be a string'),
        ('{"text": "x", "now": "2026-03-27T16:40:00"}', "expected ISO 8601 with a UTC offset"),
        ('{"text": "x", "now": "yesterday"}', "invalid time 'yesterday'"),
        ('{"text": "x", "date_order": "ymd"}', "expected dmy or mdy"),
        ("", "empty line"),
        ("[" * 100_000, "invalid JSON line"),
    ],
    ids=[
        "not-json",
        "not-object",
        "no-text",
        "text-not-string",
        "unknown-tz",
        "tz-not-string",
        "naive-now",
        "bad-now",
        "bad-date-order",
        "empty",
        "deep-nesting",
    ],
)
def test_parse_stdin_reports_invalid_line(line: str, error: str) -> None:
    good = json.dumps({"text": "post to X now", "now": NOW})

    code, outputs = _run(["-"], f"{line}\n{good}\n")

    assert code == 0
    assert len(outputs) == 2
    assert error in outputs[0]["error"]
    assert outputs[1]["run_at"] == "2026-03-27T15:40:00+00:00"


def test_parse_stdin_survives_lone_surrogate() -> None:
    stdin_text = '{"text": "post to X now: \\ud800", "now": "' + NOW + '"}\n'

    code, outputs = _run(["-"], stdin_text)

    assert code == 0
    assert outputs[0]["content"] == "\ud800"


def test_parse_subprocess_streams_corpus() -> None:
    cases = load_cases()
    script = (
        "import sys; from postlater.cli_parse import run; "
        "sys.exit(run(sys.argv[1:], sys.stdin, sys.stdout))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=REPO_ROOT,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
    reader.start()

    try:
        outputs = []
        for case in cases:
            # The next line is sent only after this one's output has arrived, so the
            # test fails unless the process writes and flushes one line per line read.
            line = {"text": case["text"], "now": case["now"], "tz": case["tz"]}
            process.stdin.write(json.dumps(line) + "\n")
            process.stdin.flush()
            outputs.append(json.loads(lines.get(timeout=OUTPUT_TIMEOUT)))
        process.stdin.close()
        assert process.wait(timeout=OUTPUT_TIMEOUT) == 0
    finally:
        process.kill()
        process.wait()

    for case, output in zip(cases, outputs, strict=True):
        _check_corpus_output(case, output)


def _read_lines(stream: Any, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _check_corpus_output(case: dict[str, Any], output: dict[str, Any]) -> None:
    expect = case["expect"]
    label = f"{case['id']}: {output}"

    assert output["platforms"] == expect["platforms"], label
    if case["id"] in KNOWN_WRONG:
        return
    if "run_at" in expect:
        assert output["run_at"] is not None, label
        got = datetime.fromisoformat(output["run_at"])
        assert got == datetime.fromisoformat(expect["run_at"]), label
        assert got.utcoffset() == datetime.fromisoformat(expect["run_at"]).utcoffset(), label
        assert output["ask"] is None, label
    if "ask" in expect:
        assert output["ask"] == expect["ask"], label
    if "content" in expect:
        assert output["content"] == expect["content"], label


def test_time_outside_the_calendar_is_an_error_line() -> None:
    stdin = io.StringIO(
        '{"text": "in 2 hours", "now": "0001-01-01T00:30:00+01:00", "tz": "Etc/GMT+12"}\n'
        '{"text": "now", "now": "2026-03-27T16:40:00+01:00", "tz": "UTC"}\n'
    )
    stdout = io.StringIO()

    status = run(["-"], stdin, stdout)

    first, second = (json.loads(line) for line in stdout.getvalue().splitlines())
    assert status == 0
    assert "outside" in first["error"]
    assert second["run_at"] == "2026-03-27T15:40:00+00:00"
