"""Finding a user's IANA timezone from what they type or their language."""

from __future__ import annotations

import functools
import re
import unicodedata
import zoneinfo

from domain.model import DateOrder

# Big cities people type that are not the city an IANA zone is named after.
_CITY_ALIASES = {
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "las vegas": "America/Los_Angeles",
    "san diego": "America/Los_Angeles",
    "portland": "America/Los_Angeles",
    "washington": "America/New_York",
    "boston": "America/New_York",
    "miami": "America/New_York",
    "atlanta": "America/New_York",
    "philadelphia": "America/New_York",
    "austin": "America/Chicago",
    "dallas": "America/Chicago",
    "houston": "America/Chicago",
    "montreal": "America/Toronto",
    "ottawa": "America/Toronto",
    "rio de janeiro": "America/Sao_Paulo",
    "munich": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "cologne": "Europe/Berlin",
    "geneva": "Europe/Zurich",
    "milan": "Europe/Rome",
    "barcelona": "Europe/Madrid",
    "manchester": "Europe/London",
    "edinburgh": "Europe/London",
    "kiev": "Europe/Kyiv",
    "st petersburg": "Europe/Moscow",
    "saint petersburg": "Europe/Moscow",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "chennai": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "shenzhen": "Asia/Shanghai",
    "osaka": "Asia/Tokyo",
    "abu dhabi": "Asia/Dubai",
    "canberra": "Australia/Sydney",
    "wellington": "Pacific/Auckland",
    "cape town": "Africa/Johannesburg",
    "saigon": "Asia/Ho_Chi_Minh",
    "ho chi minh city": "Asia/Ho_Chi_Minh",
}

# Zones to offer as buttons, by the language Telegram reports for the user.
_LIKELY_ZONES = {
    "en": (
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
        "Europe/London",
        "Asia/Kolkata",
        "Australia/Sydney",
    ),
    "en-gb": ("Europe/London", "Europe/Dublin", "America/New_York", "Australia/Sydney"),
    "en-us": ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
    "de": ("Europe/Berlin", "Europe/Vienna", "Europe/Zurich"),
    "fr": ("Europe/Paris", "Europe/Brussels", "Europe/Zurich", "America/Toronto"),
    "es": (
        "Europe/Madrid",
        "America/Mexico_City",
        "America/Bogota",
        "America/Argentina/Buenos_Aires",
    ),
    "pt": ("Europe/Lisbon", "America/Sao_Paulo"),
    "pt-br": ("America/Sao_Paulo", "America/Manaus", "Europe/Lisbon"),
    "it": ("Europe/Rome", "Europe/Zurich"),
    "nl": ("Europe/Amsterdam", "Europe/Brussels"),
    "pl": ("Europe/Warsaw",),
    "uk": ("Europe/Kyiv",),
    "ru": ("Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk", "Asia/Almaty"),
    "tr": ("Europe/Istanbul",),
    "ja": ("Asia/Tokyo",),
    "ko": ("Asia/Seoul",),
    "zh": ("Asia/Shanghai", "Asia/Taipei", "Asia/Hong_Kong", "Asia/Singapore"),
    "hi": ("Asia/Kolkata",),
    "ar": ("Asia/Riyadh", "Asia/Dubai", "Africa/Cairo"),
    "id": ("Asia/Jakarta", "Asia/Makassar"),
    "fa": ("Asia/Tehran",),
}
_FALLBACK_ZONES = ("Europe/London", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "UTC")


@functools.cache
def _zones_by_key() -> dict[str, str]:
    """Every region zone, keyed by its folded full name and by its city."""
    keys: dict[str, str] = {}
    for zone in sorted(zoneinfo.available_timezones()):
        if "/" not in zone or zone.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/")):
            continue
        keys.setdefault(_fold(zone), zone)
        keys.setdefault(_fold(zone.rsplit("/", 1)[1]), zone)
    keys["utc"] = "UTC"
    keys["gmt"] = "UTC"
    for city, zone in _CITY_ALIASES.items():
        keys.setdefault(_fold(city), zone)
    return keys


def _fold(text: str) -> str:
    """Lower case, accents and punctuation removed, so 'São Paulo' finds America/Sao_Paulo."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s_.\-']+", " ", plain.casefold()).strip()


def resolve_timezone(text: str) -> str | None:
    """The IANA zone a user means by a zone name or a city, or None."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > 64:
        return None
    return _zones_by_key().get(_fold(cleaned))


def likely_timezones(language_code: str | None) -> tuple[str, ...]:
    if not language_code:
        return _FALLBACK_ZONES
    code = language_code.casefold()
    return _LIKELY_ZONES.get(code) or _LIKELY_ZONES.get(code.split("-")[0]) or _FALLBACK_ZONES


def date_order_for_language(language_code: str | None) -> DateOrder | None:
    """Numeric date order implied by a language, or None where it is not clear.

    Plain English is used both ways (US month-day, elsewhere day-month), so the
    bot asks; other languages write day-month.
    """
    if not language_code:
        return None
    code = language_code.casefold()
    if code == "en-us":
        return DateOrder.MDY
    if code.split("-")[0] == "en":
        return None
    return DateOrder.DMY
