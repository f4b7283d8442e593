"""The postlater command as a user runs it: clear one-line errors at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.telegram_api import FakeTelegram


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "QSTASH_"))}
    return subprocess.run(
        [sys.executable, "-m", "postlater.cli", *args],
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(Path(__file__).parents[2]), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_without_token_says_where_to_get_one(tmp_path: Path) -> None:
    result = _run(["serve"], tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "postlater: TELEGRAM_BOT_TOKEN is missing: create a bot with @BotFather in Telegram "
        "(/newbot) and set TELEGRAM_BOT_TOKEN to the token it sends you, in the environment "
        "or in .env"
    ]


def test_serve_with_rejected_token_stops_with_one_line(tmp_path: Path) -> None:
    with FakeTelegram() as telegram:
        result = _run(
            ["serve"],
            tmp_path,
            TELEGRAM_BOT_TOKEN="999:not-the-right-token",
            TELEGRAM_API_BASE_URL=telegram.base_url,
            LOG_LEVEL="WARNING",
        )

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "postlater: TELEGRAM_BOT_TOKEN was rejected by Telegram: copy the token again from "
        "@BotFather (/mybots → your bot → API Token)"
    ]


def test_migrate_creates_the_sqlite_database(tmp_path: Path) -> None:
    result = _run(["migrate"], tmp_path)

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "postlater.db").exists()
