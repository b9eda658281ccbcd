"""Site configuration: built-in defaults, optionally overridden by `publisher.toml`."""

from __future__ import annotations

import codecs
import difflib
import re
import tomllib
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .language import direction_of

DEFAULT_CONFIG_FILE = Path("publisher.toml")

# Fixed so that ids stay the same across machines and runs; a site sets its own `id_namespace`
# once, before its first publication, to make its ids globally unique.
DEFAULT_ID_NAMESPACE = uuid.UUID("5f2b6c1e-8d4a-5e3b-9a71-3c0f2d8e6b14")

_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_BOOK_NAME = re.compile(r"^[\w][\w.-]*$")

DIGIT_STYLES = ("locale", "western", "native")
"""`locale`: what CLDR uses for the language (Western for Arabic, Persian digits for Persian);
`western`: 0-9 everywhere; `native`: the language's own digits (Arabic-Indic for Arabic)."""


@dataclass(frozen=True, slots=True)
class Config:
    title: str = "أخبار"
    subtitle: str | None = None
    author: str = "فريق التحرير"
    rights: str | None = None
    base_url: str = "http://localhost:8000/"
    language: str = "ar"
    direction: str = ""
    """`rtl` or `ltr`; empty means: follow `language`."""
    timezone: str = "UTC"
    feed_size: int = 50
    archive_size: int = 50
    """Articles per RFC 5005 archive document, for those older than the subscription feeds hold."""
    page_size: int = 50
    """Articles per page of the site's front page listing."""
    websub_hub: str | None = None
    """A WebSub hub to advertise in the feeds and to notify when they change."""
    book_name: str = "news"
    id_namespace: uuid.UUID = field(default=DEFAULT_ID_NAMESPACE)
    digits: str = "locale"
    """How numbers in dates and counts are written: `locale`, `western` (0-9) or `native` (٠-٩)."""
    latin_language: str | None = None
    """The language of Latin-script runs inside right-to-left text (`en`), when known."""
    volumes: str = "year"
    """Split the books by `year`, by `month`, or not at all (`none`)."""
    volume_size: int = 0
    """At most this many articles per volume; 0 means no limit."""
    collection_limit: int = 1000
    """The single collection book is written while it holds at most this many articles."""
    editions: str = "week"
    """One book per `week` or `day` of the most recent articles, or none (`none`)."""
    edition_count: int = 0
    """How many periods back from the newest article have editions; 0 means 8 weeks or 30 days."""
    embed_font: bool = True
    input_encoding: str | None = None
    """Read seeds in this encoding (e.g. `windows-1256`) instead of UTF-8; a UTF-8 BOM still wins."""
    max_article_bytes: int = 5 * 1024 * 1024
    """Larger seed files are rejected, so one runaway file cannot exhaust memory."""

    def __post_init__(self) -> None:
        # Derived here rather than in the loader so that a Config built in code is as complete.
        if not self.direction:
            object.__setattr__(self, "direction", direction_of(self.language))
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def description(self) -> str:
        return self.subtitle or self.title


def load_config(path: Path | None) -> Config:
    """The configuration from `path`, or from `./publisher.toml` if present, else the defaults.

    An explicitly named file must exist; every key is checked so a typo is an error, not a
    silently ignored setting.
    """
    if path is None:
        if not DEFAULT_CONFIG_FILE.is_file():
            return Config()
        path = DEFAULT_CONFIG_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("configuration file not found", path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read configuration: {error}", path) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}", path) from None
    return config_from_mapping(raw, path)


def config_from_mapping(raw: dict[str, Any], path: Path | None = None) -> Config:
    known = {f.name: f for f in fields(Config)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "known keys: " + ", ".join(sorted(known))
            raise ConfigError(f"unknown key '{key}'", path, hint)
        values[key] = _check(key, value, path)
    return replace(Config(), **values)


_WHOLE_NUMBER_MINIMUMS = {
    "feed_size": 1,
    "archive_size": 1,
    "page_size": 1,
    "volume_size": 0,
    "collection_limit": 0,
    "edition_count": 0,
    "max_article_bytes": 1,
}
_CHOICES = {
    "direction": ("rtl", "ltr"),
    "digits": DIGIT_STYLES,
    "volumes": ("year", "month", "none"),
    "editions": ("week", "day", "none"),
}


def _check(key: str, value: Any, path: Path | None) -> Any:
    if key in _WHOLE_NUMBER_MINIMUMS:
        least = _WHOLE_NUMBER_MINIMUMS[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ConfigError(f"'{key}' must be a whole number of at least {least}", path)
        return value
    if key == "embed_font":
        if not isinstance(value, bool):
            raise ConfigError("'embed_font' must be true or false", path)
        return value
    if not isinstance(value, str):
        raise ConfigError(f"'{key}' must be a string", path)
    if key in _CHOICES and value not in _CHOICES[key]:
        choices = ", ".join(f"'{choice}'" for choice in _CHOICES[key])
        raise ConfigError(f"'{key}' must be one of {choices}, not '{value}'", path)
    check = _STRING_CHECKS.get(key)
    return value if check is None else check(value, path)


def _text(key: str, *, required: bool) -> Callable[[str, Path | None], str]:
    """A line of text shown to readers: XML cannot carry controls, and the cover cannot draw line breaks."""

    def check(value: str, path: Path | None) -> str:
        if required and not value.strip():
            raise ConfigError(f"'{key}' must not be empty", path)
        for character in value:
            if character != "\t" and (
                unicodedata.category(character) in {"Cc", "Zl", "Zp"} or character in "\ufffe\uffff"
            ):
                raise ConfigError(
                    f"'{key}' must be one line without control characters, not one with U+{ord(character):04X}", path
                )
        return value

    return check


def _url(key: str, example: str) -> Callable[[str, Path | None], str]:
    def check(value: str, path: Path | None) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ConfigError(f"'{key}' must be an absolute http(s) URL, not '{value}'", path, f"e.g. {example}")
        return value

    return check


def _language(value: str, path: Path | None) -> str:
    if not _LANGUAGE_TAG.match(value):
        raise ConfigError(f"a language must be a BCP 47 tag such as 'ar', 'en' or 'fa-IR', not '{value}'", path)
    return value


def _timezone(value: str, path: Path | None) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone '{value}'", path, "use an IANA name such as 'Asia/Riyadh'") from None
    return value


def _encoding(value: str, path: Path | None) -> str:
    try:
        return codecs.lookup(value).name
    except LookupError:
        raise ConfigError(f"unknown encoding '{value}'", path, "e.g. 'windows-1256' or 'iso-8859-6'") from None


def _book_name(value: str, path: Path | None) -> str:
    if not _BOOK_NAME.match(value):
        raise ConfigError(f"'book_name' must be a plain file name without extension, not '{value}'", path)
    return value


def _id_namespace(value: str, path: Path | None) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ConfigError(f"'id_namespace' must be a UUID, not '{value}'", path) from None


_STRING_CHECKS: dict[str, Callable[[str, Path | None], Any]] = {
    "title": _text("title", required=True),
    "subtitle": _text("subtitle", required=False),
    "author": _text("author", required=True),
    "rights": _text("rights", required=False),
    "base_url": _url("base_url", "https://example.org/news/"),
    "websub_hub": _url("websub_hub", "https://pubsubhubbub.appspot.com/"),
    "language": _language,
    "latin_language": _language,
    "input_encoding": _encoding,
    "timezone": _timezone,
    "book_name": _book_name,
    "id_namespace": _id_namespace,
}
