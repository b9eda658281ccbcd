"""Runs of the opposite writing direction inside a text, so renderers can isolate them.

A Latin phrase in an Arabic sentence ("أنظمة Border Security في المملكة") is displayed by the
bidi algorithm alone, and neutral characters at its edges (a full stop, a parenthesis) then land
on the wrong side; a screen reader also keeps speaking Arabic. Wrapping the phrase in an element
with `dir="ltr"` (and `lang`) isolates it, the way HTML's own guidance recommends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .language import detect_language

# Letters and combining marks of each direction (Latin, Greek and Cyrillic read left to right).
_LTR_LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0300-\u036f\u0370-\u03ff\u0400-\u04ff\u1e00-\u1eff"
_RTL_LETTERS = (
    "\u0590-\u05ff\u0600-\u065f\u066e-\u06ef\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
)
# What may join two words of one run: spaces, hyphens, apostrophes, dots, ampersands, slashes.
_JOINERS = " \u00a0\\-'\u2019.&/+_:\u200c\u200d"


def _run_pattern(letters: str) -> re.Pattern[str]:
    word = f"[{letters}][{letters}0-9]*"
    return re.compile(f"{word}(?:[{_JOINERS}0-9]*[{letters}0-9]+)*")


_LTR_RUN = _run_pattern(_LTR_LETTERS)
_RTL_RUN = _run_pattern(_RTL_LETTERS)


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    direction: str | None = None
    """Set on a run written in the other direction than its surroundings."""
    language: str | None = None


def foreign_runs(text: str, direction: str, latin_language: str | None = None) -> list[Segment]:
    """`text` cut into segments whose concatenation is exactly `text`; runs of the other direction marked.

    Characters are never added, removed or reordered, bidi controls included: they stay in the
    plain segments around a run.
    """
    if direction == "rtl":
        pattern, run_direction = _LTR_RUN, "ltr"
    else:
        pattern, run_direction = _RTL_RUN, "rtl"
    segments: list[Segment] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            segments.append(Segment(text[position : match.start()]))
        run = match.group()
        language = latin_language if run_direction == "ltr" else detect_language(run, "ar")
        segments.append(Segment(run, run_direction, language))
        position = match.end()
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments
