"""Interface words, numbers and dates in the reader's language (Babel's CLDR data)."""

from __future__ import annotations

from datetime import datetime

import pytest

from publisher.config import config_from_mapping
from publisher.errors import ConfigError
from publisher.l10n import Localizer


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "لا مقالات"),  # zero
        (1, "مقالة واحدة"),  # one
        (2, "مقالتان"),  # two (dual)
        (3, "3 مقالات"),  # few: 3-10 take the plural noun
        (10, "10 مقالات"),
        (11, "11 مقالة"),  # many: 11-99 take the singular
        (99, "99 مقالة"),
        (100, "100 مقالة"),  # other
        (103, "103 مقالات"),  # few again: by n mod 100
    ],
)
def test_arabic_uses_all_six_plural_forms(count: int, expected: str) -> None:
    assert Localizer("ar").count("articles", count) == expected


@pytest.mark.parametrize(
    ("language", "counts"),
    [
        ("en", {1: "1 article", 2: "2 articles", 0: "0 articles"}),
        ("he", {1: "כתבה אחת", 2: "שתי כתבות", 5: "5 כתבות"}),
        ("fa", {1: "۱ مقاله", 7: "۷ مقاله"}),
    ],
)
def test_other_languages_have_their_own_plural_forms(language: str, counts: dict[int, str]) -> None:
    words = Localizer(language)
    assert {count: words.count("articles", count) for count in counts} == counts


def test_a_language_without_translations_falls_back_to_english_words_with_english_plurals() -> None:
    words = Localizer("ur")
    assert words.message_language == "en"
    assert words.text("contents") == "Contents"
    assert words.count("articles", 2) == "2 articles"


@pytest.mark.parametrize(
    ("digits", "expected"),
    [("locale", "31 مارس 2025، 3:08 م"), ("western", "31 مارس 2025، 3:08 م"), ("native", "٣١ مارس ٢٠٢٥، ٣:٠٨ م")],
)
def test_arabic_dates_use_the_configured_digits(digits: str, expected: str) -> None:
    assert Localizer("ar", digits).date_time(datetime(2025, 3, 31, 15, 8)) == expected


def test_persian_native_digits_are_the_extended_arabic_indic_ones() -> None:
    assert Localizer("fa", "native").number(2025) == "۲۰۲۵"
    assert Localizer("fa", "western").number(2025) == "2025"
    assert Localizer("en", "native").number(2025) == "2025"


def test_months_years_and_ranges() -> None:
    words = Localizer("ar")
    assert [words.month_name(month) for month in (1, 3, 12)] == ["يناير", "مارس", "ديسمبر"]
    assert words.month(2025, 4) == "أبريل 2025"
    assert words.date_range(datetime(2025, 3, 1), datetime(2025, 3, 30)) == "مارس 2025"
    assert words.date_range(datetime(2025, 1, 5), datetime(2025, 3, 30)) == "يناير – مارس 2025"
    assert (
        Localizer("en").date_range(datetime(2024, 12, 5), datetime(2025, 3, 30))
        == "December 2024\u2009–\u2009March 2025"
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("digits", "roman", "'digits' must be one of 'locale', 'western', 'native', not 'roman'"),
        ("volumes", "week", "'volumes' must be one of 'year', 'month', 'none', not 'week'"),
        ("volume_size", -1, "'volume_size' must be a whole number of at least 0"),
        ("collection_limit", "10", "'collection_limit' must be a whole number of at least 0"),
        ("embed_font", "yes", "'embed_font' must be true or false"),
        ("latin_language", "en_US", None),
    ],
)
def test_new_settings_are_checked(key: str, value: object, message: str | None) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from_mapping({key: value})
    if message is not None:
        assert message in str(raised.value)
    else:
        assert "BCP 47" in str(raised.value)
