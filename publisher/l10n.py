"""Words, numbers and dates shown to readers, in the language of the page that shows them (Babel)."""

from __future__ import annotations

import functools
import importlib
import logging
import os
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

from babel import Locale, UnknownLocaleError


def _import_babel_dates() -> ModuleType:
    """`babel.dates`, imported without letting it read a folder as the machine's time zone.

    On import, Babel reads `TZ`, and a value naming an existing path is read as a zone file: with
    `TZ=UTC` and a folder called `UTC` in the working directory (an output folder, say) the import
    raised IsADirectoryError. Our dates never use the machine's zone, so it is hidden from Babel.
    """
    zone = os.environ.get("TZ")
    if zone is None or not Path(zone.removeprefix(":")).is_dir():
        return importlib.import_module("babel.dates")
    del os.environ["TZ"]
    try:
        return importlib.import_module("babel.dates")
    finally:
        os.environ["TZ"] = zone


babel_dates = _import_babel_dates()

logger = logging.getLogger(__name__)

Day = date
"""A calendar day (inside `Localizer`, the name `date` is its method's)."""

FALLBACK_LANGUAGE = "en"
# The first code point (zero) of each decimal numbering system CLDR names for our languages.
_ZEROS = {"latn": "0", "arab": "\u0660", "arabext": "\u06f0", "deva": "\u0966", "beng": "\u09e6"}


@functools.cache
def _catalog() -> dict[str, dict[str, Any]]:
    text = resources.files("publisher").joinpath("data", "messages.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def primary_subtag(language: str) -> str:
    return language.split("-", maxsplit=1)[0].lower()


# Not slotted: the cached properties need an instance dict.
@dataclass(frozen=True)
class Localizer:
    """Formats for one language tag (`ar`, `fa-IR`, `en`...) and one digit style."""

    language: str
    digits: str = "locale"

    @functools.cached_property
    def locale(self) -> Locale:
        try:
            return Locale.parse(self.language.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            try:
                return Locale.parse(primary_subtag(self.language))
            except (UnknownLocaleError, ValueError):
                logger.warning("no locale data for '%s'; dates and numbers are shown in English", self.language)
                return Locale.parse(FALLBACK_LANGUAGE)

    @functools.cached_property
    def messages(self) -> dict[str, Any]:
        catalog = _catalog()
        return catalog.get(primary_subtag(self.language), catalog[FALLBACK_LANGUAGE])

    @property
    def message_language(self) -> str:
        """The language the interface words are really in (English when there is no translation)."""
        return self.language if primary_subtag(self.language) in _catalog() else FALLBACK_LANGUAGE

    # Numbers and dates -------------------------------------------------------------------------

    @functools.cached_property
    def _digit_table(self) -> dict[int, str]:
        system = "latn"
        if self.digits == "native":
            system = self.locale.other_numbering_systems.get("native", self.locale.default_numbering_system)
        elif self.digits == "locale":
            system = self.locale.default_numbering_system
        zero = _ZEROS.get(system, "0")
        return {ord("0") + value: chr(ord(zero) + value) for value in range(10)}

    def digits_of(self, text: str) -> str:
        """`text` with its ASCII digits written in the configured digits."""
        return text.translate(self._digit_table)

    def number(self, value: int) -> str:
        return self.digits_of(str(value))

    def date_time(self, moment: datetime) -> str:
        """A long date and a short time, joined the way the locale joins them: "31 مارس 2025، 3:08 م"."""
        date = babel_dates.format_date(moment, "long", locale=self.locale)
        time = babel_dates.format_time(moment, "short", locale=self.locale)
        pattern = str(babel_dates.get_datetime_format("long", locale=self.locale))
        return self.digits_of(pattern.replace("{1}", date).replace("{0}", time))

    def date(self, moment: Day) -> str:
        return self.digits_of(babel_dates.format_date(moment, "long", locale=self.locale))

    def year(self, year: int) -> str:
        return self.digits_of(babel_dates.format_skeleton("y", datetime(year, 1, 1), locale=self.locale))

    def month(self, year: int, month: int) -> str:
        """The month's name with its year ("مارس 2025"), stand-alone form."""
        return self.digits_of(babel_dates.format_skeleton("yMMMM", datetime(year, month, 1), locale=self.locale))

    def month_name(self, month: int) -> str:
        return str(babel_dates.get_month_names("wide", context="stand-alone", locale=self.locale)[month])

    def date_range(self, first: datetime, last: datetime) -> str:
        """The months an interval spans, as the locale writes intervals ("مارس – أبريل 2025")."""
        if (first.year, first.month) == (last.year, last.month):
            return self.month(first.year, first.month)
        return self.digits_of(babel_dates.format_interval(first, last, "yMMMM", locale=self.locale))

    def day_range(self, first: Day, last: Day) -> str:
        """Days as the locale writes their interval ("29 مارس – 4 أبريل 2025", "1–7 مارس 2025")."""
        return self.digits_of(babel_dates.format_interval(first, last, "yMMMd", locale=self.locale))

    # Words -------------------------------------------------------------------------------------

    def text(self, key: str, **values: str) -> str:
        message = self.messages.get(key) or _catalog()[FALLBACK_LANGUAGE][key]
        return str(message).format(**values)

    def count(self, key: str, count: int) -> str:
        """A counted phrase in the plural form the language uses for `count` ("مقالتان", "11 مقالة")."""
        forms: dict[str, str] = self.messages.get(key) or _catalog()[FALLBACK_LANGUAGE][key]
        category = self.locale.plural_form(count) if self.message_language != FALLBACK_LANGUAGE else None
        if category is None:
            category = Locale.parse(FALLBACK_LANGUAGE).plural_form(count)
        form = forms.get(category, forms["other"])
        return form.format(count=self.number(count))


@functools.cache
def localizer(language: str, digits: str = "locale") -> Localizer:
    """The shared `Localizer` for a language and digit style (Babel's locale data loads once)."""
    return Localizer(language, digits)
