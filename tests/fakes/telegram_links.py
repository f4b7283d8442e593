"""Link checks of the Telegram test server: URL buttons and text links.

Telegram accepts http(s) links whose host contains a dot (or is an IPv6
address), and `tg://` links. It stores them normalized: a missing scheme
becomes `http://`, the host is lowercased and an empty path becomes `/`. So
`https://Example.com` is returned as `https://example.com/`. The rules and
messages follow tdlib (`LinkManager::check_link_impl` and `parse_url` in
tdlib/td, July 2026). `ton:` links are not supported here.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

_TD_SPACES = " \t\r\n\x00\x0b"
_URL_PART_SYMBOLS = frozenset(".-_!$,~*'();&+=")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_USER_LINK = re.compile(r"tg://user\?id=(\d+)$", re.IGNORECASE)


class LinkError(ValueError):
    """A link Telegram rejects; str() is tdlib's reason, such as "Wrong HTTP URL"."""


@dataclass(frozen=True)
class _HttpUrl:
    protocol: str
    userinfo: str
    host: str
    is_ipv6: bool
    specified_port: int
    query: str

    def get_url(self) -> str:
        userinfo = f"{self.userinfo}@" if self.userinfo else ""
        port = f":{self.specified_port}" if self.specified_port > 0 else ""
        return f"{self.protocol}://{userinfo}{self.host}{port}{self.query}"


def check_link(link: str) -> str:
    """Return the normalized link; raise LinkError("URL '…' is invalid: …") on a bad link."""
    try:
        return _normalize(link)
    except LinkError as error:
        raise LinkError(f"URL '{link}' is invalid: {error}") from None


def checked_link(link: str) -> str | None:
    """Return the normalized link, or None where Telegram silently drops the entity."""
    try:
        return _normalize(link)
    except LinkError:
        return None


def link_user_id(link: str) -> int | None:
    """Return N for a `tg://user?id=N` link, which Telegram turns into a text mention."""
    match = _USER_LINK.match(link)
    return int(match.group(1)) if match else None


def _normalize(link: str) -> str:
    is_tg = link[:3].lower() == "tg:"
    rest = link[3:] if is_tg else link
    if is_tg and rest.startswith("//"):
        rest = rest[2:]

    url = _parse_url(rest)
    if not is_tg:
        if "." not in url.host and not url.is_ipv6:
            raise LinkError("Wrong HTTP URL")
        return url.get_url()

    if (
        rest[:7].lower() == "http://"
        or url.protocol == "https"
        or url.userinfo
        or url.specified_port
        or url.is_ipv6
    ):
        raise LinkError("Wrong tg URL")
    query = url.query[1:] if url.query[1:2] == "?" else url.query
    if any(not (c.isascii() and (c.isalnum() or c in "-_")) for c in url.host):
        raise LinkError("Unallowed characters in URL host")
    return f"tg://{url.host}{query}"


def _parse_url(url: str) -> _HttpUrl:
    scheme_end = _find_any(url, ":/?#@[]")
    if url.startswith("://", scheme_end):
        scheme = _ascii_lower(url[:scheme_end])
        if scheme not in ("http", "https"):
            raise LinkError("Unsupported URL protocol")
        protocol = scheme
        rest = url[scheme_end + 3 :]
    else:
        protocol = "http"
        rest = url

    authority_end = _find_any(rest, "/?#")
    authority, tail = rest[:authority_end], rest[authority_end:]
    port, userinfo_host = _split_port(authority)
    if port < 0 or port > 65535:
        raise LinkError("Wrong port number specified in the URL")

    at = userinfo_host.rfind("@")
    userinfo = userinfo_host[:at] if at >= 0 else ""
    host = userinfo_host[at + 1 :]
    is_ipv6 = len(host) >= 2 and host[0] == "[" and host[-1] == "]"
    if is_ipv6:
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise LinkError("Wrong IPv6 address specified in the URL") from None
    if not host:
        raise LinkError("URL host is empty")
    if host == ".":
        raise LinkError("Host is invalid")

    host = _ascii_lower(host)
    if not is_ipv6:
        _check_url_part(host, "host", allow_colon=False)
        _check_url_part(userinfo, "userinfo", allow_colon=True)
    return _HttpUrl(protocol, userinfo, host, is_ipv6, port, _normalize_path(tail))


def _split_port(authority: str) -> tuple[int, str]:
    # Scan back for the last ':' outside an IPv6 literal and after any userinfo.
    position = len(authority) - 1
    while position > 0 and authority[position] not in ":]@":
        position -= 1
    if position <= 0 or authority[position] != ":":
        return 0, authority

    digits = authority[position + 1 :]
    while len(digits) > 1 and digits[0] == "0":
        digits = digits[1:]
    port = int(digits) if digits.isascii() and digits.isdigit() else 0
    return (port if port > 0 else -1), authority[:position]


def _normalize_path(tail: str) -> str:
    tail = tail.rstrip(_TD_SPACES) or "/"
    encoded = "".join(f"%{ord(c):02X}" if ord(c) <= 0x20 else c for c in tail)
    return encoded if encoded.startswith("/") else "/" + encoded


def _check_url_part(part: str, name: str, *, allow_colon: bool) -> None:
    index = 0
    while index < len(part):
        character = part[index]
        if (character.isascii() and character.isalnum()) or character in _URL_PART_SYMBOLS:
            index += 1
            continue
        if allow_colon and character == ":":
            index += 1
            continue
        if character == "%":
            if (
                part[index + 1 : index + 2] in _HEX_DIGITS
                and part[index + 2 : index + 3] in _HEX_DIGITS
            ):
                index += 3
                continue
            raise LinkError(f"Wrong percent-encoded symbol in URL {name}")
        if ord(character) >= 128:
            index += 1
            continue
        raise LinkError(f"Disallowed character in URL {name}")


def _find_any(text: str, characters: str) -> int:
    positions = [text.find(c) for c in characters if c in text]
    return min(positions) if positions else len(text)


def _ascii_lower(text: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in text)
