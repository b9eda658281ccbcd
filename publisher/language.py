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


# Letters of each script, as character classes: counting with a regular expression is ~20 times
# faster than a Python loop over characters, and detection runs over every article's whole text.
_LETTER_RUNS = re.compile(r"[^\W\d_]+")  # what str.isalpha() accepts, for the scripts counted below
_SCRIPT_LETTERS = {  # in this order: a tie goes to the first
    "arabic": re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]"),
    "hebrew": re.compile("[\u0590-\u05ff\ufb1d-\ufb4f]"),
    # Every letter whose Unicode name starts with LATIN.
    "latin": re.compile(
        "[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02af\u1d00-\u1d25\u1d62-\u1d65\u1d6b-\u1d77"
        "\u1d79-\u1d9a\u1e00-\u1eff\u2090-\u209c\u2184\u2c60-\u2c7c\u2c7e\u2c7f\ua722-\ua76f"
        "\ua771-\ua787\ua78b-\ua7ca\ua7d0\ua7d1\ua7d3\ua7d5-\ua7d9\ua7f5-\ua7f7\ua7fa-\ua7ff"
        "\uab30-\uab5a\uab60-\uab64\uab66-\uab68\ufb00-\ufb06\U0001df00-\U0001df1e]"
    ),
}


_SAMPLE_LENGTH = 4000


def _script_counts(text: str) -> dict[str, int]:
    letters = "".join(_LETTER_RUNS.findall(text))
    return {script: len(pattern.findall(letters)) for script, pattern in _SCRIPT_LETTERS.items()}


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
