"""Settings: defaults, and one clear line per missing or malformed variable."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from postlater.settings import SettingsError, load_settings

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Settings read the environment and ./.env: isolate both.
    monkeypatch.chdir(tmp_path)
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "DATABASE_URL",
        "PUBLIC_URL",
        "TELEGRAM_WEBHOOK_SECRET",
        "QSTASH_TOKEN",
        "QSTASH_CURRENT_SIGNING_KEY",
        "QSTASH_NEXT_SIGNING_KEY",
        "QSTASH_MAX_DELAY",
        "PORT",
        "SECRET_KEY",
        "LINKEDIN_CLIENT_ID",
        "LINKEDIN_CLIENT_SECRET",
        "X_CLIENT_ID",
        "X_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_need_only_the_bot_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)

    settings = load_settings()

    assert settings.DATABASE_URL == "sqlite:///./data/postlater.db"
    assert (settings.HOST, settings.PORT) == ("127.0.0.1", 8000)
    assert not settings.webhook_mode
    assert not settings.qstash_mode


def test_missing_token_names_the_variable_and_botfather() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings()

    message = str(raised.value)
    assert message.startswith("TELEGRAM_BOT_TOKEN is missing")
    assert "@BotFather" in message
    assert "\n" not in message


def test_token_from_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\n")

    assert load_settings().TELEGRAM_BOT_TOKEN.get_secret_value() == TOKEN


def test_malformed_port_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("PORT", "eighty")

    with pytest.raises(SettingsError, match=r"^PORT is invalid .*whole number"):
        load_settings()


def test_webhook_mode_needs_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret_value")

    with pytest.raises(SettingsError, match=r"^PUBLIC_URL is missing"):
        load_settings()


def test_webhook_secret_charset_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_URL", "https://bot.example")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "has spaces!")

    with pytest.raises(SettingsError, match=r"^TELEGRAM_WEBHOOK_SECRET is invalid"):
        load_settings()


def test_webhook_mode_with_url_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_URL", "https://bot.example/")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret_value")

    settings = load_settings()

    assert settings.webhook_mode
    assert settings.public_base_url == "https://bot.example"


def test_qstash_needs_public_url_and_both_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("QSTASH_TOKEN", "qstash-token")

    with pytest.raises(SettingsError) as raised:
        load_settings()

    lines = str(raised.value).splitlines()
    assert [line.split()[0] for line in lines] == [
        "PUBLIC_URL",
        "QSTASH_CURRENT_SIGNING_KEY",
        "QSTASH_NEXT_SIGNING_KEY",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("365d", timedelta(days=365)),
        ("12h", timedelta(hours=12)),
        ("3600", timedelta(hours=1)),
    ],
)
def test_qstash_max_delay_durations(
    monkeypatch: pytest.MonkeyPatch, text: str, expected: timedelta
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("QSTASH_MAX_DELAY", text)

    assert load_settings().QSTASH_MAX_DELAY == expected


def test_qstash_max_delay_rejects_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("QSTASH_MAX_DELAY", "a week")

    with pytest.raises(SettingsError, match=r"^QSTASH_MAX_DELAY is invalid"):
        load_settings()


def test_env_example_with_a_token_is_valid(tmp_path: Path) -> None:
    example = (Path(__file__).parents[2] / ".env.example").read_text()
    (tmp_path / ".env").write_text(
        example.replace("TELEGRAM_BOT_TOKEN=\n", f"TELEGRAM_BOT_TOKEN={TOKEN}\n")
    )

    settings = load_settings()

    assert settings.TELEGRAM_BOT_TOKEN.get_secret_value() == TOKEN
    assert not settings.qstash_mode
    assert not settings.webhook_mode
    assert settings.QSTASH_MAX_DELAY == timedelta(days=7)


def test_env_example_lists_every_setting() -> None:
    from postlater.settings import Settings

    example = (Path(__file__).parents[2] / ".env.example").read_text()
    listed = {line.split("=")[0] for line in example.splitlines() if "=" in line and line[0] != "#"}

    assert listed == set(Settings.model_fields)


@pytest.mark.parametrize("platform", ["LINKEDIN", "X"])
def test_oauth_platform_needs_secret_key_and_public_url(
    monkeypatch: pytest.MonkeyPatch, platform: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv(f"{platform}_CLIENT_ID", "client")
    monkeypatch.setenv(f"{platform}_CLIENT_SECRET", "secret")

    with pytest.raises(SettingsError) as raised:
        load_settings()

    lines = str(raised.value).splitlines()
    assert lines[0].startswith("SECRET_KEY is missing")
    assert lines[1].startswith("PUBLIC_URL is missing")


def test_platform_without_both_credentials_is_not_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("X_CLIENT_ID", "client")

    settings = load_settings()

    assert not settings.x_enabled
    assert not settings.linkedin_enabled


def test_malformed_secret_key_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SECRET_KEY", "not-a-fernet-key")

    with pytest.raises(SettingsError, match=r"^SECRET_KEY is invalid \(not a Fernet key\)"):
        load_settings()
