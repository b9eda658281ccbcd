"""Script detection counts letters exactly as a character-by-character reading would."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.language import _script_counts


def letter_script(char: str) -> str | None:
    """The plain definition: a letter, by its code point range or its Unicode name."""
    if not char.isalpha():
        return None
    code = ord(char)
    if 0x0590 <= code <= 0x05FF or 0xFB1D <= code <= 0xFB4F:
        return "hebrew"
    if any(
        low <= code <= high
        for low, high in ((0x600, 0x6FF), (0x750, 0x77F), (0x8A0, 0x8FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
    ):
        return "arabic"
    if unicodedata.name(char, "").startswith("LATIN"):
        return "latin"
    return None


def reference_counts(text: str) -> dict[str, int]:
    counts = {"arabic": 0, "hebrew": 0, "latin": 0}
    for char in text:
        script = letter_script(char)
        if script is not None:
            counts[script] += 1
    return counts


@settings(max_examples=500)
@given(st.text(max_size=200) | st.text("abcéØ ـ٣ابتپשלוםּ_1²Ⅻﷲﻻ\u064b\u200c", max_size=60))
def test_the_fast_count_equals_the_plain_definition(text: str) -> None:
    assert _script_counts(text) == reference_counts(text)


def test_every_code_point_is_counted_as_the_plain_definition_says() -> None:
    everything = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)
    assert _script_counts(everything) == reference_counts(everything)
