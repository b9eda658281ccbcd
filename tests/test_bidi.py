"""Runs written in the other direction are found exactly, and the text is never changed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.bidi import foreign_runs


def runs(text: str, direction: str = "rtl") -> list[tuple[str, str | None]]:
    return [(segment.text, segment.direction) for segment in foreign_runs(text, direction) if segment.direction]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("على أنظمة Border Security في المملكة.", ["Border Security"]),
        ("قال (U.S. officials) إن", ["U.S. officials"]),  # the closing parenthesis stays outside
        ("انتشر COVID-19 سريعا", ["COVID-19"]),
        ("عام 2025 فقط", []),  # digits alone are not a Latin run
        ("Hello.", ["Hello"]),  # trailing punctuation stays in the surrounding direction
        ("Crème brûlée و Smörgåsbord", ["Crème brûlée", "Smörgåsbord"]),
    ],
)
def test_latin_runs_in_rtl_text(text: str, expected: list[str]) -> None:
    assert [run for run, _ in runs(text)] == expected


def test_rtl_runs_in_ltr_text_get_rtl_and_a_guessed_language() -> None:
    segments = [segment for segment in foreign_runs("The words مرحبا بكم and שלום here.", "ltr") if segment.direction]
    assert [(s.text, s.direction, s.language) for s in segments] == [
        ("مرحبا بكم", "rtl", "ar"),
        ("שלום", "rtl", "he"),
    ]


def test_the_configured_language_of_latin_runs_is_attached() -> None:
    assert [s.language for s in foreign_runs("نظام Border Security", "rtl", "en") if s.direction] == ["en"]
    assert [s.language for s in foreign_runs("نظام Border Security", "rtl") if s.direction] == [None]


def test_bidi_controls_stay_where_they_were() -> None:
    text = "قال \u2066Border Security\u2069 و\u200f."
    segments = foreign_runs(text, "rtl")
    assert "".join(segment.text for segment in segments) == text
    assert [segment.text for segment in segments if segment.direction] == ["Border Security"]


@given(st.text(), st.sampled_from(["rtl", "ltr"]))
def test_segments_always_add_up_to_the_text(text: str, direction: str) -> None:
    segments = foreign_runs(text, direction)
    assert "".join(segment.text for segment in segments) == text
    assert all(segment.text for segment in segments)
