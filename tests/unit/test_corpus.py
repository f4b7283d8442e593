"""Every case of the schedule-command corpus, read by parse_request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.parsing import ScheduleTime, parse_request
from tests.unit.corpus_cases import KNOWN_WRONG, load_cases


def _params() -> list[Any]:
    params = []
    for case in load_cases():
        marks = []
        if case["id"] in KNOWN_WRONG:
            marks.append(pytest.mark.xfail(reason=KNOWN_WRONG[case["id"]], strict=True))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


def test_corpus_has_both_files() -> None:
    ids = [case["id"] for case in load_cases()]

    assert any(case_id.startswith("schedule_en-") for case_id in ids)
    assert any(case_id.startswith("reported-") for case_id in ids)
    assert len(ids) == len(set(ids))


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
