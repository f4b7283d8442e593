"""Every case of the schedule-command corpus, read by parse_request.

found_en.jsonl contains the messages that the generated tests in tests/property
found misread, with the answer the rules give.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.parsing import ScheduleTime, parse_request
from tests.unit.corpus_cases import CORPUS_DIR, KNOWN_WRONG, load_cases

FOUND_FILE = CORPUS_DIR / "found_en.jsonl"


def _found_cases() -> list[dict[str, Any]]:
    lines = FOUND_FILE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _all_cases() -> list[dict[str, Any]]:
    return load_cases() + _found_cases()


def _params() -> list[Any]:
    params = []
    for case in _all_cases():
        marks = []
        if case["id"] in KNOWN_WRONG:
            marks.append(pytest.mark.xfail(reason=KNOWN_WRONG[case["id"]], strict=True))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


def test_corpus_has_all_files() -> None:
    ids = [case["id"] for case in _all_cases()]

    assert any(case_id.startswith("schedule_en-") for case_id in ids)
    assert any(case_id.startswith("reported-") for case_id in ids)
    assert any(case_id.startswith("found_en-") for case_id in ids)
    assert len(ids) == len(set(ids))


def test_found_cases_explain_themselves() -> None:
    cases = _found_cases()

    assert all(case.get("note") for case in cases)


@pytest.mark.parametrize("case", _params())
def test_corpus_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    now = datetime.fromisoformat(case["now"])

    request = parse_request(case["text"], now=now, tz=ZoneInfo(case["tz"]))

    assert request is not None, "read as a plain message, not a request"
    assert [platform.value for platform in request.platforms] == expect["platforms"]
    if "run_at" in expect:
        assert isinstance(request.time, ScheduleTime), f"time: {request.time}"
        assert request.time.run_at == datetime.fromisoformat(expect["run_at"])
        assert request.time.run_at.tzinfo is UTC
        assert request.ask is None
    if "ask" in expect:
        assert request.ask == expect["ask"]
    if "content" in expect:
        assert request.content == expect["content"]
