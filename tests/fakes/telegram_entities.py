"""Message text formatting as the Bot API server applies it.

`format_text` turns a sendMessage/editMessageText `text` with its `parse_mode`
or `entities` into the stored text and MessageEntity list, and raises the
errors Telegram raises. The parsers follow the behaviour of tdlib's
`td/telegram/MessageEntity.cpp` (tdlib/td, July 2026), which the Bot API server
calls, including its error messages and their UTF-8 byte offsets. Entity
offsets and lengths count UTF-16 code units; the length limit counts Unicode
code points.

Simplified here: automatic entities (URLs, mentions, hashtags, cashtags, bot
commands, e-mails) are found with simpler rules than tdlib's, and entities are
not split or merged around each other as tdlib does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.telegram_errors import bad_request
from tests.fakes.telegram_links import checked_link, link_user_id

MAX_TEXT_LENGTH = 4096
MAX_RAW_TEXT_BYTES = 1 << 15

_SPACES = frozenset(b" \t\r\n\x00\x0b")
_HTML_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_HTML_ENTITY_TYPES = {
    "i": "italic", "em": "italic", "b": "bold", "strong": "bold",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "u": "underline", "ins": "underline", "tg-spoiler": "spoiler",
}  # fmt: skip
_NAMED_HTML_ENTITIES = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}

# tdlib's sort order for entities that start and end at the same place.
_TYPE_PRIORITY = {
    "blockquote": 0, "expandable_blockquote": 1, "pre": 11, "code": 20,
    "text_link": 49, "text_mention": 49, "bold": 90, "italic": 91,
    "underline": 92, "strikethrough": 93, "spoiler": 94, "custom_emoji": 99,
}  # fmt: skip
_AUTOMATIC_TYPES = frozenset({"mention", "hashtag", "cashtag", "bot_command", "url", "email"})
_CODE_LIKE_TYPES = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji"})
_KNOWN_TYPES = frozenset(_TYPE_PRIORITY) | _AUTOMATIC_TYPES | {"phone_number", "bank_card_number"}

# tdlib's names for entity types in "Can't find end of … entity" messages.
_TDLIB_TYPE_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline",
    "strikethrough": "Strikethrough", "spoiler": "Spoiler", "code": "Code",
    "pre": "Pre", "pre_code": "PreCode", "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji", "blockquote": "BlockQuote",
}  # fmt: skip


class EntityParseError(ValueError):
    """A `parse_mode` text Telegram rejects; str() is tdlib's reason."""


@dataclass
class Entity:
    """One MessageEntity; `user_id` stands for the `user` object of a text mention."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    user_id: int | None = None
    custom_emoji_id: str | None = None

    @property
    def end(self) -> int:
        return self.offset + self.length

    def to_json(self, user_json: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
        body: dict[str, Any] = {"offset": self.offset, "length": self.length, "type": self.type}
        if self.url is not None:
            body["url"] = self.url
        if self.language:
            body["language"] = self.language
        if self.user_id is not None:
            body["user"] = user_json(self.user_id)
        if self.custom_emoji_id is not None:
            body["custom_emoji_id"] = self.custom_emoji_id
        return body


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def format_text(
    text: str,
    parse_mode: str,
    entities_json: Any,
    *,
    user_exists: Callable[[int], bool],
) -> tuple[str, list[Entity]]:
    """Parse and finish a text in one step; raise ApiError."""
    parsed_text, entities = parse_text(text, parse_mode, entities_json)
    return finish_text(parsed_text, entities, user_exists=user_exists)


def parse_text(text: str, parse_mode: str, entities_json: Any) -> tuple[str, list[Entity]]:
    """Apply parse_mode, or read explicit entities; raise ApiError as the Bot API server does.

    Telegram makes these checks before it looks at the chat.
    """
    if len(text.encode("utf-8")) > MAX_RAW_TEXT_BYTES:
        raise bad_request("Text is too long")

    mode = parse_mode.strip().lower()
    try:
        if mode in ("", "none"):
            return text, explicit_entities(text, entities_json)
        if mode == "html":
            return parse_html(text)
        if mode == "markdownv2":
            return parse_markdown_v2(text)
        if mode == "markdown":
            return parse_markdown(text)
    except EntityParseError as error:
        raise bad_request(f"Can't parse entities: {error}") from None
    raise bad_request("Unsupported parse_mode")


def finish_text(
    text: str, entities: list[Entity], *, user_exists: Callable[[int], bool]
) -> tuple[str, list[Entity]]:
    """Add automatic entities, trim, and check emptiness and length; raise ApiError.

    Telegram makes these checks after the chat checks pass.
    """
    entities = [e for e in entities if e.user_id is None or user_exists(e.user_id)]
    entities = _merge(entities, find_automatic_entities(text))
    text, entities = _trim(text, entities)
    if not text:
        raise bad_request("Text must be non-empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise bad_request("Message is too long")
    return text, entities


# HTML


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    byte_position: int


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse Telegram's HTML subset; raise EntityParseError with tdlib's message and byte offset."""
    data = source.encode("utf-8")
    size = len(data)

    def at(position: int) -> int:
        return data[position] if position < size else 0

    result = bytearray()
    entities: list[Entity] = []
    open_tags: list[_OpenTag] = []
    utf16 = 0
    i = 0
    while i < size:
        byte = data[i]
        if byte == ord("&"):
            code, end = _decode_html_entity(data, i)
            if code:
                result += chr(code).encode("utf-8", "surrogatepass")
                utf16 += 2 if code > 0xFFFF else 1
                i = end
                continue
        if byte != ord("<"):
            utf16 += _utf16_units(byte)
            result.append(byte)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != ord("/"):
            i, tag = _read_start_tag(data, begin, i, at)
            tag.utf16_offset = utf16
            tag.byte_position = len(result)
            open_tags.append(tag)
        else:
            i = _read_end_tag(data, begin, i, at, open_tags)
            tag = open_tags.pop()
            if utf16 > tag.utf16_offset:
                _close_html_entity(tag, utf16, result, entities)
        i += 1

    if open_tags:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{open_tags[-1].name}"'
        )
    for entity in entities:
        if entity.type == "code":
            entity.language = None
    return _decode_result(result), _sorted(entities)


def _read_start_tag(
    data: bytes, begin: int, i: int, at: Callable[[int], int]
) -> tuple[int, _OpenTag]:
    size = len(data)
    while at(i) not in _SPACES and at(i) != ord(">"):
        i += 1
    if i >= size:
        raise EntityParseError(f"Unclosed start tag at byte offset {begin}")

    tag = data[begin + 1 : i].lower().decode("utf-8", "replace")
    if tag not in _HTML_TAGS:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')

    argument = ""
    while at(i) != ord(">"):
        while i < size and at(i) in _SPACES:
            i += 1
        if at(i) == ord(">"):
            break
        name_begin = i
        while at(i) not in _SPACES and at(i) not in b"=>/\"'":
            i += 1
        name = data[name_begin:i]
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
            )
        while i < size and at(i) in _SPACES:
            i += 1
        if at(i) != ord("="):
            if i >= size:
                raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            if tag == "blockquote" and name == b"expandable":
                argument = "1"
            continue

        i += 1
        while i < size and at(i) in _SPACES:
            i += 1
        if i >= size:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        i, value = _read_attribute_value(data, i, at)
        if i >= size:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        argument = _tag_argument(tag, name, value, argument)

    if tag == "span" and argument != "spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    return i, _OpenTag(tag, argument, 0, 0)


def _read_attribute_value(data: bytes, i: int, at: Callable[[int], int]) -> tuple[int, str]:
    quote = at(i)
    if quote not in (ord("'"), ord('"')):
        # An unquoted value is a name token: letters, digits, periods and hyphens.
        token_begin = i
        while (chr(at(i)).isascii() and chr(at(i)).isalnum() and at(i)) or at(i) in b".-":
            i += 1
        if at(i) not in _SPACES and at(i) != ord(">"):
            raise EntityParseError(f"Unexpected end of name token at byte offset {token_begin}")
        return i, data[token_begin:i].lower().decode("utf-8", "replace")

    i += 1
    value = bytearray()
    while i < len(data) and at(i) != quote:
        if at(i) == ord("&"):
            code, end = _decode_html_entity(data, i)
            if code:
                value += chr(code).encode("utf-8", "surrogatepass")
                i = end
                continue
        value.append(at(i))
        i += 1
    if at(i) == quote:
        i += 1
    return i, value.decode("utf-8", "replace")


def _tag_argument(tag: str, name: bytes, value: str, current: str) -> str:
    if tag == "a" and name == b"href":
        return value
    if tag == "code" and name == b"class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and name == b"class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "tg-emoji" and name == b"emoji-id":
        return value
    if tag == "blockquote" and name == b"expandable":
        return "1"
    return current


def _read_end_tag(
    data: bytes, begin: int, i: int, at: Callable[[int], int], open_tags: list[_OpenTag]
) -> int:
    if not open_tags:
        raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
    while at(i) not in _SPACES and at(i) != ord(">"):
        i += 1
    name = data[begin + 2 : i].lower().decode("utf-8", "replace")
    while i < len(data) and at(i) in _SPACES:
        i += 1
    if at(i) != ord(">"):
        raise EntityParseError(f"Unclosed end tag at byte offset {begin}")

    expected = open_tags[-1].name
    if name and name != expected:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {begin}, expected "</{expected}>", found "</{name}>"'
        )
    return i


def _close_html_entity(
    tag: _OpenTag, utf16: int, result: bytearray, entities: list[Entity]
) -> None:
    offset, length = tag.utf16_offset, utf16 - tag.utf16_offset
    simple_type = _HTML_ENTITY_TYPES.get(tag.name)
    if simple_type is not None or (tag.name == "span" and tag.argument == "spoiler"):
        entities.append(Entity(simple_type or "spoiler", offset, length))
    elif tag.name == "tg-emoji":
        if not tag.argument.isdigit() or int(tag.argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append(Entity("custom_emoji", offset, length, custom_emoji_id=tag.argument))
    elif tag.name == "a":
        url = tag.argument or _decode_result(result[tag.byte_position :])
        _append_link(entities, offset, length, url)
    elif tag.name == "pre":
        last = entities[-1] if entities else None
        if (
            last
            and last.type == "code"
            and (last.offset, last.length) == (offset, length)
            and last.language
        ):
            last.type = "pre"
        else:
            entities.append(Entity("pre", offset, length))
    elif tag.name == "code":
        last = entities[-1] if entities else None
        if (
            last
            and last.type == "pre"
            and (last.offset, last.length) == (offset, length)
            and tag.argument
        ):
            last.language = tag.argument
        else:
            entities.append(Entity("code", offset, length, language=tag.argument or None))
    elif tag.name == "blockquote":
        kind = "expandable_blockquote" if tag.argument else "blockquote"
        entities.append(Entity(kind, offset, length))


def _append_link(entities: list[Entity], offset: int, length: int, url: str) -> None:
    user_id = link_user_id(url)
    if user_id is not None:
        entities.append(Entity("text_mention", offset, length, user_id=user_id))
        return
    normalized = checked_link(url)
    if normalized is not None:
        entities.append(Entity("text_link", offset, length, url=normalized))


def _decode_html_entity(data: bytes, position: int) -> tuple[int, int]:
    """Return (code point, position after the entity), or (0, position) when it is no entity."""
    size = len(data)
    end = position + 1
    code = 0
    if data[end : end + 1] == b"#":
        end += 1
        if data[end : end + 1] == b"x":
            end += 1
            while end < size and chr(data[end]) in "0123456789abcdefABCDEF":
                code = code * 16 + int(chr(data[end]), 16)
                end += 1
        else:
            while end < size and ord("0") <= data[end] <= ord("9"):
                code = code * 10 + data[end] - ord("0")
                end += 1
        if code == 0 or code >= 0x10FFFF or end - position >= 10:
            return 0, position
    else:
        while end < size and chr(data[end]).isascii() and chr(data[end]).isalpha():
            end += 1
        character = _NAMED_HTML_ENTITIES.get(data[position + 1 : end])
        if character is None:
            return 0, position
        code = ord(character)

    if data[end : end + 1] == b";":
        end += 1
    return code, end


# MarkdownV2


@dataclass
class _OpenMarkdown:
    type: str
    argument: str
    utf16_offset: int
    byte_offset: int
    result_position: int


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2; raise EntityParseError for reserved characters and unclosed entities."""
    data = source.encode("utf-8")
    size = len(data)

    def at(position: int) -> int:
        return data[position] if position < size else 0

    result = bytearray()
    entities: list[Entity] = []
    open_entities: list[_OpenMarkdown] = []
    utf16 = 0
    have_blockquote = False
    can_start_blockquote = True
    i = 0
    while i < size:
        byte = data[i]
        if byte == ord("\\") and 0 < at(i + 1) <= 126:
            i += 1
            utf16 += 1
            result.append(data[i])
            if data[i] != ord("\r"):
                can_start_blockquote = data[i] == ord("\n")
            i += 1
            continue

        reserved = b"_*[]()~`>#+-=|{}.!\n"
        if open_entities and open_entities[-1].type in ("code", "pre", "pre_code"):
            reserved = b"`"
        if byte not in reserved:
            utf16 += _utf16_units(byte)
            if byte != ord("\r"):
                can_start_blockquote = False
            result.append(byte)
            i += 1
            continue

        if not _ends_markdown_entity(open_entities, have_blockquote, data, i, at):
            i, opened, can_start_blockquote, have_blockquote, utf16 = _open_markdown_entity(
                data, i, at, result, utf16, can_start_blockquote, have_blockquote
            )
            if opened is not None:
                open_entities.append(opened)
            i += 1
            continue

        i, utf16, have_blockquote, can_start_blockquote = _close_markdown_entity(
            data,
            i,
            at,
            result,
            entities,
            open_entities,
            utf16,
            have_blockquote,
            can_start_blockquote,
        )
        i += 1

    if have_blockquote and open_entities:
        kind = "blockquote"
        if open_entities[-1].type == "spoiler" and open_entities[-1].byte_offset == size - 2:
            open_entities.pop()
            kind = "expandable_blockquote"
        if open_entities and open_entities[-1].type == "blockquote":
            length = utf16 - open_entities[-1].utf16_offset
            if length:
                entities.append(Entity(kind, open_entities[-1].utf16_offset, length))
            open_entities.pop()
    if open_entities:
        raise _unclosed_markdown(open_entities[-1])
    return _decode_result(result), _sorted(entities)


def _reserved_error(character: int) -> EntityParseError:
    return EntityParseError(
        f"Character '{chr(character)}' is reserved and must be escaped with the preceding '\\'"
    )


def _unclosed_markdown(entity: _OpenMarkdown) -> EntityParseError:
    name = _TDLIB_TYPE_NAMES.get(entity.type, entity.type)
    return EntityParseError(f"Can't find end of {name} entity at byte offset {entity.byte_offset}")


def _ends_markdown_entity(
    open_entities: list[_OpenMarkdown],
    have_blockquote: bool,
    data: bytes,
    i: int,
    at: Callable[[int], int],
) -> bool:
    if not open_entities:
        return False
    character = chr(data[i])
    if have_blockquote and character == "\n" and (i + 1 == len(data) or at(i + 1) != ord(">")):
        return True
    kind = open_entities[-1].type
    following = chr(at(i + 1))
    return {
        "bold": character == "*",
        "italic": character == "_" and following != "_",
        "code": character == "`",
        "pre": character == "`" and following == "`" and at(i + 2) == ord("`"),
        "pre_code": character == "`" and following == "`" and at(i + 2) == ord("`"),
        "text_link": character == "]",
        "underline": character == "_" and following == "_",
        "strikethrough": character == "~",
        "spoiler": character == "|" and following == "|",
        "custom_emoji": character == "]",
    }.get(kind, False)


def _open_markdown_entity(
    data: bytes,
    i: int,
    at: Callable[[int], int],
    result: bytearray,
    utf16: int,
    can_start_blockquote: bool,
    have_blockquote: bool,
) -> tuple[int, _OpenMarkdown | None, bool, bool, int]:
    """Handle a reserved character that opens an entity; return the new parser state."""
    character = chr(data[i])
    byte_offset = i
    argument = ""
    if character == "_":
        kind = "italic"
        if at(i + 1) == ord("_"):
            kind = "underline"
            i += 1
    elif character == "*":
        kind = "bold"
    elif character == "~":
        kind = "strikethrough"
    elif character == "|":
        if at(i + 1) != ord("|"):
            raise _reserved_error(data[i])
        kind = "spoiler"
        i += 1
    elif character == "[":
        kind = "text_link"
    elif character == "`":
        kind = "code"
        if at(i + 1) == ord("`") and at(i + 2) == ord("`"):
            i, kind, argument = _open_pre(data, i + 3, at)
            i -= 1
    elif character == "!":
        if at(i + 1) != ord("["):
            raise _reserved_error(data[i])
        kind = "custom_emoji"
        i += 1
    elif character == "\n":
        result.append(ord("\n"))
        return i, None, True, have_blockquote, utf16 + 1
    elif character == ">":
        if not can_start_blockquote:
            raise _reserved_error(data[i])
        if have_blockquote:
            return i, None, can_start_blockquote, have_blockquote, utf16
        kind = "blockquote"
        have_blockquote = True
    else:
        raise _reserved_error(data[i])

    opened = _OpenMarkdown(kind, argument, utf16, byte_offset, len(result))
    return i, opened, can_start_blockquote, have_blockquote, utf16


def _open_pre(data: bytes, i: int, at: Callable[[int], int]) -> tuple[int, str, str]:
    """Read a ```language line; return the content start, the type and the language."""
    kind, language = "pre", ""
    language_end = i
    while at(language_end) not in _SPACES and at(language_end) != ord("`"):
        language_end += 1
    if i != language_end and language_end < len(data) and at(language_end) != ord("`"):
        kind, language = "pre_code", data[i:language_end].decode("utf-8", "replace")
        i = language_end
    # One line break right after the opening fence is not part of the text.
    if at(i) in b"\r\n" and at(i):
        if at(i + 1) in b"\r\n" and at(i + 1) and at(i) != at(i + 1):
            i += 2
        else:
            i += 1
    return i, kind, language


def _close_markdown_entity(
    data: bytes,
    i: int,
    at: Callable[[int], int],
    result: bytearray,
    entities: list[Entity],
    open_entities: list[_OpenMarkdown],
    utf16: int,
    have_blockquote: bool,
    can_start_blockquote: bool,
) -> tuple[int, int, bool, bool]:
    """Close the innermost entity; return (i, utf16, have_blockquote, can_start_blockquote)."""
    kind = open_entities[-1].type
    if data[i] == ord("\n") and kind != "blockquote":
        top = open_entities[-1]
        closes_spoiler = kind == "spoiler" and (
            top.byte_offset == i - 2 or (top.byte_offset == i - 3 and result[-1:] == b"\r")
        )
        if not closes_spoiler:
            raise _unclosed_markdown(top)
        open_entities.pop()
        if open_entities[-1].type != "blockquote":
            raise _unclosed_markdown(open_entities[-1])
        kind = "expandable_blockquote"

    top = open_entities[-1]
    skip = utf16 == top.utf16_offset
    entity = Entity(_json_type(kind), top.utf16_offset, 0)
    if kind in ("underline", "spoiler"):
        i += 1
    elif kind in ("pre", "pre_code"):
        entity.language = top.argument or None
        i += 2
    elif kind == "text_link":
        i, url = _read_markdown_url(data, i, at, bytes(result[top.result_position :]))
        user_id = link_user_id(url)
        normalized = checked_link(url) if user_id is None else url
        if user_id is not None:
            entity.type, entity.user_id = "text_mention", user_id
        elif normalized is None:
            skip = True
        else:
            entity.url = normalized
    elif kind == "custom_emoji":
        i, entity.custom_emoji_id = _read_custom_emoji(data, i, at)
    elif kind in ("blockquote", "expandable_blockquote"):
        have_blockquote = False
        result.append(data[i])
        can_start_blockquote = True
        utf16 += 1
        skip = False

    if not skip:
        entity.length = utf16 - top.utf16_offset
        entities.append(entity)
    open_entities.pop()
    return i, utf16, have_blockquote, can_start_blockquote


def _read_markdown_url(
    data: bytes, i: int, at: Callable[[int], int], link_text: bytes
) -> tuple[int, str]:
    if at(i + 1) != ord("("):
        return i, _decode_result(bytearray(link_text))
    i += 2
    url_begin = i
    url = bytearray()
    while i < len(data) and data[i] != ord(")"):
        if data[i] == ord("\\") and 0 < at(i + 1) <= 126:
            url.append(data[i + 1])
            i += 2
            continue
        url.append(data[i])
        i += 1
    if at(i) != ord(")"):
        raise EntityParseError(f"Can't find end of a URL at byte offset {url_begin}")
    return i, url.decode("utf-8", "replace")


def _read_custom_emoji(data: bytes, i: int, at: Callable[[int], int]) -> tuple[int, str]:
    if at(i + 1) != ord("("):
        raise EntityParseError("The entity must contain a tg://emoji or tg://time URL")
    i, url = _read_markdown_url(data, i, at, b"")
    match = re.fullmatch(r"tg://emoji\?id=(\d+)", url, re.IGNORECASE)
    if match is None or int(match.group(1)) == 0:
        raise EntityParseError("Invalid tg://emoji or tg://time URL specified")
    return i, match.group(1)


def _json_type(kind: str) -> str:
    return "pre" if kind == "pre_code" else kind


# Markdown (legacy)


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """Parse the legacy Markdown mode: _italic_, *bold*, `code`, ```pre``` and [text](url)."""
    data = source.encode("utf-8")
    size = len(data)

    def at(position: int) -> int:
        return data[position] if position < size else 0

    result = bytearray()
    entities: list[Entity] = []
    utf16 = 0
    i = 0
    while i < size:
        byte = data[i]
        if byte == ord("\\") and at(i + 1) in b"_*`[" and at(i + 1):
            result.append(data[i + 1])
            utf16 += 1
            i += 2
            continue
        if byte not in b"_*`[":
            utf16 += _utf16_units(byte)
            result.append(byte)
            i += 1
            continue

        begin = i
        end_character = ord("]") if byte == ord("[") else byte
        i += 1
        is_pre, language = False, ""
        if byte == ord("`") and at(i) == ord("`") and at(i + 1) == ord("`"):
            is_pre = True
            i, _, language = _open_pre(data, i + 2, at)

        entity_offset = utf16
        while i < size and (
            data[i] != end_character
            or (is_pre and not (at(i + 1) == ord("`") and at(i + 2) == ord("`")))
        ):
            utf16 += _utf16_units(data[i])
            result.append(data[i])
            i += 1
        if i == size:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")

        if entity_offset != utf16:
            length = utf16 - entity_offset
            if byte == ord("_"):
                entities.append(Entity("italic", entity_offset, length))
            elif byte == ord("*"):
                entities.append(Entity("bold", entity_offset, length))
            elif byte == ord("["):
                i, url = _legacy_url(data, begin, i, at)
                _append_link(entities, entity_offset, length, url)
            elif is_pre:
                entities.append(Entity("pre", entity_offset, length, language=language or None))
            else:
                entities.append(Entity("code", entity_offset, length))
        if is_pre:
            i += 2
        i += 1
    return _decode_result(result), _sorted(entities)


def _legacy_url(data: bytes, begin: int, i: int, at: Callable[[int], int]) -> tuple[int, str]:
    if at(i + 1) != ord("("):
        return i, data[begin + 1 : i].decode("utf-8", "replace")
    i += 2
    url = bytearray()
    while i < len(data) and data[i] != ord(")"):
        url.append(data[i])
        i += 1
    return i, url.decode("utf-8", "replace")


# Explicit entities


def explicit_entities(text: str, value: Any) -> list[Entity]:
    """Read the `entities` parameter; raise ApiError where the Bot API server does."""
    if not isinstance(value, list):
        return []

    entities: list[Entity] = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("Can't parse MessageEntity: expected an Object")
        offset, length, kind = item.get("offset"), item.get("length"), item.get("type")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise bad_request('Can\'t parse MessageEntity: Field "offset" must be a Number')
        if kind not in _KNOWN_TYPES or kind in _AUTOMATIC_TYPES:
            # Telegram finds automatic entities itself and ignores unknown types.
            continue
        entities.append(_explicit_entity(item, kind, offset, length))

    text_length = utf16_length(text)
    for entity in entities:
        if entity.offset < 0 or entity.length < 0:
            raise bad_request(f"Receive an entity with incorrect offset {entity.offset}")
        if entity.offset > text_length:
            raise bad_request(
                f"Entity begins after the end of the text at UTF-16 offset {entity.offset}"
            )
        if entity.end > text_length:
            raise bad_request(
                f"Entity beginning at UTF-16 offset {entity.offset} ends after the end of the text "
                f"at UTF-16 offset {entity.end}"
            )
    return _sorted([e for e in entities if e.length > 0])


def _explicit_entity(item: dict[str, Any], kind: str, offset: int, length: int) -> Entity:
    entity = Entity(kind, offset, length)
    if kind == "text_link":
        url = checked_link(str(item.get("url", "")))
        if url is None:
            raise bad_request(f"Entity URL '{item.get('url', '')}' is invalid: Wrong HTTP URL")
        entity.url = url
    elif kind == "text_mention":
        user = item.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("id"), int):
            raise bad_request('Can\'t parse MessageEntity: Field "user" must be of type Object')
        entity.user_id = user["id"]
    elif kind == "pre":
        entity.language = str(item.get("language") or "") or None
    elif kind == "custom_emoji":
        entity.custom_emoji_id = str(item.get("custom_emoji_id", ""))
    return entity


# Automatic entities

_URL = re.compile(
    r"(?<![\w@/.-])(?:https?://[^\s<>\"]+|(?:[a-z0-9-]+\.)+"
    r"(?:com|org|net|io|dev|app|me|co|ai|info|biz|edu|gov|uk|de|fr|ru|nl|eu|tv|ly)"
    r"(?:/[^\s<>\"]*)?)(?![\w@-])",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@(?:[a-z0-9-]+\.)+[a-z]{2,}(?![\w-])", re.IGNORECASE)
_TRAILING_URL_PUNCTUATION = ".,:;!?'\""


def find_automatic_entities(text: str) -> list[Entity]:
    """Find the entities Telegram marks by itself: URLs, e-mails, mentions, hashtags, commands."""
    found: list[tuple[int, int, str]] = []
    for match in _EMAIL.finditer(text):
        found.append((match.start(), match.end(), "email"))
    for match in _URL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in _TRAILING_URL_PUNCTUATION:
            end -= 1
        if text[end - 1 : end] == ")" and text[match.start() : end].count("(") == 0:
            end -= 1
        found.append((match.start(), end, "url"))
    found += _find_bot_commands(text) + _find_mentions(text) + _find_hashtags(text)
    found += _find_cashtags(text)

    # An e-mail hides the mention and URL inside it; a URL hides hashtags inside it.
    found.sort(key=lambda item: (item[0], -(item[1] - item[0])))
    accepted: list[tuple[int, int, str]] = []
    for start, end, kind in found:
        if all(end <= other_start or start >= other_end for other_start, other_end, _ in accepted):
            accepted.append((start, end, kind))
    return [_entity_from_span(text, start, end, kind) for start, end, kind in accepted]


def _entity_from_span(text: str, start: int, end: int, kind: str) -> Entity:
    offset = utf16_length(text[:start])
    return Entity(kind, offset, utf16_length(text[start:end]))


def _is_word(character: str) -> bool:
    return character.isalnum() or character == "_"


def _find_bot_commands(text: str) -> list[tuple[int, int, str]]:
    # A command is '/' plus 1-64 of [A-Za-z0-9_], optionally '@' plus a 3-32 character
    # bot username, neither preceded nor followed by a word character, '/', '<' or '>'.
    spans: list[tuple[int, int, str]] = []
    for match in re.finditer(r"/([A-Za-z0-9_]+)(@[A-Za-z0-9_]*)?", text):
        start, end = match.span()
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        mention = match.group(2)
        if before and (_is_word(before) or before in "/<>"):
            continue
        if len(match.group(1)) > 64 or (mention is not None and not 4 <= len(mention) <= 33):
            continue
        if after and (_is_word(after) or after in "/<>"):
            continue
        spans.append((start, end, "bot_command"))
    return spans


def _find_mentions(text: str) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    for match in re.finditer(r"@([A-Za-z0-9_]+)", text):
        start, end = match.span()
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if (before and _is_word(before)) or (after and _is_word(after)):
            continue
        if 4 <= len(match.group(1)) <= 32:
            spans.append((start, end, "mention"))
    return spans


def _is_hashtag_letter(character: str) -> bool:
    return character.isalnum() or character in "_\u200c\u00b7"


def _find_hashtags(text: str) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    for match in re.finditer("#", text):
        start = match.start()
        if start and _is_hashtag_letter(text[start - 1]):
            continue
        end = start + 1
        while end < len(text) and _is_hashtag_letter(text[end]):
            end += 1
        body = text[start + 1 : end]
        if not body or text[end : end + 1] == "#" or not any(c.isalpha() for c in body):
            continue
        spans.append((start, min(end, start + 257), "hashtag"))
    return spans


def _find_cashtags(text: str) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    for match in re.finditer(r"\$([A-Z]{1,8})", text):
        start, end = match.span()
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if (before and (_is_hashtag_letter(before) or before == "$")) or (
            after and (_is_hashtag_letter(after) or after == "$")
        ):
            continue
        spans.append((start, end, "cashtag"))
    return spans


# Shared steps


def _merge(entities: list[Entity], automatic: list[Entity]) -> list[Entity]:
    """Add automatic entities that do not overlap code, pre, links or emoji."""
    blocking = [e for e in entities if e.type in _CODE_LIKE_TYPES]
    for candidate in automatic:
        if all(candidate.end <= e.offset or candidate.offset >= e.end for e in blocking):
            entities.append(candidate)
    return _sorted([e for e in entities if e.length > 0])


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    # Telegram strips spaces and line breaks at the end, and at the start up to the
    # first entity; entities are cut to the remaining text.
    stripped = text.rstrip(" \n")
    end = utf16_length(stripped)
    trimmed: list[Entity] = []
    for entity in entities:
        if entity.offset >= end:
            continue
        entity.length = min(entity.length, end - entity.offset)
        trimmed.append(entity)

    first_entity = min((e.offset for e in trimmed), default=end)
    lead = len(stripped) - len(stripped.lstrip(" \n"))
    lead = min(lead, first_entity)
    for entity in trimmed:
        entity.offset -= lead
    return stripped[lead:], _sorted(trimmed)


def _sorted(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e.offset, -e.length, _TYPE_PRIORITY.get(e.type, 50)))


def _utf16_units(byte: int) -> int:
    # Count a character at its first UTF-8 byte; four-byte characters are surrogate pairs.
    if byte & 0xC0 == 0x80:
        return 0
    return 2 if byte >= 0xF0 else 1


def _decode_result(result: bytearray) -> str:
    text = bytes(result).decode("utf-8", "surrogatepass")
    try:
        # Numeric character references may spell a surrogate pair in two halves.
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        ) from None
