"""Which language and writing direction an article is in, from its letters."""

from __future__ import annotations

import unicodedata

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


def _letter_script(char: str) -> str | None:
    if not char.isalpha():
        return None
    code = ord(char)
    if 0x0590 <= code <= 0x05FF or 0xFB1D <= code <= 0xFB4F:
        return "hebrew"
    if (
        0x0600 <= code <= 0x06FF
        or 0x0750 <= code <= 0x077F
        or 0x08A0 <= code <= 0x08FF
        or 0xFB50 <= code <= 0xFDFF
        or 0xFE70 <= code <= 0xFEFF
    ):
        return "arabic"
    if unicodedata.name(char, "").startswith("LATIN"):
        return "latin"
    return None


def detect_language(text: str, configured: str) -> str:
    """The configured language, unless the text is clearly (mostly) in another script.

    An Arabic-script text counts as Persian when Persian-only letters outnumber the Arabic
    forms Persian does not use.
    """
    counts = {"arabic": 0, "hebrew": 0, "latin": 0}
    persian = arabic_only = 0
    for char in text:
        script = _letter_script(char)
        if script is None:
            continue
        counts[script] += 1
        if char in _PERSIAN_LETTERS:
            persian += 1
        elif char in _ARABIC_ONLY_LETTERS:
            arabic_only += 1
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
