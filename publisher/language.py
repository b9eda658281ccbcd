"""Which language and writing direction an article is in, from its letters."""

from __future__ import annotations

import re

RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ku", "ps", "sd", "syr", "ug", "ur", "yi"})

# Letters Persian writes and Arabic does not (peh, tcheh, jeh, gaf, keheh, farsi yeh), and the
# Arabic forms Persian replaces (yeh, kaf, teh marbuta, alef maksura).
_PERSIAN_LETTERS = frozenset("پچژگکی")
_ARABIC_ONLY_LETTERS = frozenset("يكةى")

_SCRIPT_LANGUAGES = {"arabic": "ar", "hebrew": "he", "latin": "en"}
_LANGUAGE_SCRIPTS = {
    "ar": "arabic", "fa": "arabic", "ur": "arabic", "ps": "arabic", "ckb": "arabic", "sd": "arabic",
    "ug": "arabic", "ks": "arabic", "ku": "arabic",
    "he": "hebrew", "yi": "hebrew",
}  # fmt: skip


def direction_of(language: str) -> str:
    """`rtl` for languages written right to left, else `ltr` (by the primary subtag)."""
    return "rtl" if language.split("-", maxsplit=1)[0].lower() in RTL_LANGUAGES else "ltr"


def script_of(language: str) -> str:
    return _LANGUAGE_SCRIPTS.get(language.split("-", maxsplit=1)[0].lower(), "latin")


# Letters of each script, by code point range: counted with C-level string methods, which is
# ~20 times faster than a Python loop over characters.
_LETTER_RUNS = re.compile(r"[^\W\d_]+")  # what str.isalpha() accepts, for the scripts counted below
_SCRIPT_RANGES = {  # in this order: a tie goes to the first
    "arabic": ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
    "hebrew": ((0x0590, 0x05FF), (0xFB1D, 0xFB4F)),
    # Every letter whose Unicode name starts with LATIN.
    "latin": (
        (0x41, 0x5A), (0x61, 0x7A), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x2AF), (0x1D00, 0x1D25),
        (0x1D62, 0x1D65), (0x1D6B, 0x1D77), (0x1D79, 0x1D9A), (0x1E00, 0x1EFF), (0x2090, 0x209C),
        (0x2184, 0x2184), (0x2C60, 0x2C7C), (0x2C7E, 0x2C7F), (0xA722, 0xA76F), (0xA771, 0xA787),
        (0xA78B, 0xA7CA), (0xA7D0, 0xA7D1), (0xA7D3, 0xA7D3), (0xA7D5, 0xA7D9), (0xA7F5, 0xA7F7),
        (0xA7FA, 0xA7FF), (0xAB30, 0xAB5A), (0xAB60, 0xAB64), (0xAB66, 0xAB68), (0xFB00, 0xFB06),
        (0x1DF00, 0x1DF1E),
    ),
}  # fmt: skip
# One marker character per script; str.translate then str.count do the counting in C.
_MARKERS = {script: chr(1 + number) for number, script in enumerate(_SCRIPT_RANGES)}
_TO_MARKER = {
    code: _MARKERS[script]
    for script, ranges in _SCRIPT_RANGES.items()
    for low, high in ranges
    for code in range(low, high + 1)
}


_SAMPLE_LENGTH = 1500


def _script_counts(text: str) -> dict[str, int]:
    # Letters only (no control characters either), so the markers cannot already be there.
    marked = "".join(_LETTER_RUNS.findall(text)).translate(_TO_MARKER)
    return {script: marked.count(marker) for script, marker in _MARKERS.items()}


def detect_language(text: str, configured: str) -> str:
    """The configured language, unless the text is clearly (mostly) in another script.

    An Arabic-script text counts as Persian when Persian-only letters outnumber the Arabic
    forms Persian does not use.
    """
    # The opening of a text tells its script as well as the whole, at a constant cost per article.
    text = text[:_SAMPLE_LENGTH]
    counts = _script_counts(text)
    persian = sum(text.count(letter) for letter in _PERSIAN_LETTERS)
    arabic_only = sum(text.count(letter) for letter in _ARABIC_ONLY_LETTERS)
    letters = sum(counts.values())
    if letters == 0:
        return configured
    dominant = max(counts, key=lambda script: counts[script])
    if counts[dominant] * 2 <= letters:
        return configured
    if dominant == "arabic" and persian > arabic_only:
        return configured if configured.split("-", maxsplit=1)[0].lower() in {"fa", "ur", "ps", "ckb"} else "fa"
    if dominant == script_of(configured):
        return configured
    return _SCRIPT_LANGUAGES[dominant]
