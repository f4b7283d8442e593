"""Load the schedule-command corpus in tests/data/corpus for the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).resolve().parent.parent / "data" / "corpus"
CORPUS_FILES = ("schedule_en.jsonl", "reported_en.jsonl")

# Cases whose expected result breaks the rules in tests/data/corpus/README.md.
KNOWN_WRONG = {
    "schedule_en-073": (
        "expects 22:00 for 'at 10' at 22:15, which is already past; the README rule "
        "(nearest future of the two readings, as in schedule_en-011) gives 10:00 the next day"
    ),
}


def load_cases() -> list[dict[str, Any]]:
    cases = []
    for name in CORPUS_FILES:
        for line in (CORPUS_DIR / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                cases.append(json.loads(line))
    return cases
