"""The embedded Arabic font: Amiri (SIL OFL 1.1), cut with HarfBuzz to what each style draws.

Devices without an Arabic font (older Kobo and Kindle firmware, some Linux readers) otherwise
show boxes or unjoined letters. The whole of Amiri is ~430 KB per style; a subset holding only
the characters a document set draws, with every OpenType layout feature kept so that joining,
ligatures and mark positioning still work, is a fraction of that.

HarfBuzz's subsetter (the one behind `hb-subset`) cuts a style in a few milliseconds, where
fontTools' closure in Python took 0.5-1.4 s (measured on the sample).
"""

from __future__ import annotations

import functools
import logging
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import uharfbuzz as hb

from .cache import NO_CACHE, DiskCache
from .drawn import Drawn

logger = logging.getLogger(__name__)

FAMILY = "Amiri"
FONT_FOLDER = "fonts"
LICENCE_NAME = f"{FONT_FOLDER}/OFL.txt"
FONT_MEDIA_TYPE = "font/ttf"
REGULAR, BOLD = "Amiri-Regular.ttf", "Amiri-Bold.ttf"
# Characters a reading system may draw without their being in the text: spaces, and the
# controls that steer joining and direction.
_ALWAYS = " \u00a0\u200c\u200d\u200e\u200f\u061c\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"


@dataclass(frozen=True, slots=True)
class FontFile:
    name: str
    """Path inside the book and the site, e.g. `fonts/Amiri-Regular.ttf`."""
    weight: int
    data: bytes
    original_size: int


@functools.cache
def _source(file_name: str) -> bytes:
    return resources.files("fontpkg_amiri").joinpath("files", file_name).read_bytes()


def licence_text() -> bytes:
    """The SIL Open Font License with Amiri's copyright line: it must travel with the font."""
    return resources.files("fontpkg_amiri").joinpath("LICENSE").read_bytes()


def _table(face: hb.Face, tag: str) -> bytes:
    return bytes(face.reference_table(tag).data)


def _layout_features(face: hb.Face) -> list[str]:
    """The tags of every feature the font's GSUB and GPOS offer, for any script and language.

    HarfBuzz keeps only its own default features unless told otherwise: that drops Amiri's
    stylistic sets and `pnum`. And `invert()` on that default set keeps every feature *but* the
    defaults (measured: a 9.8 KB font without the joining features, instead of 80 KB).
    """
    tags: set[str] = set()
    for table in ("GSUB", "GPOS"):
        for script in range(len(face.get_table_script_tags(table))):
            languages = len(face.get_script_language_tags(table, script))
            for language in (_DEFAULT_LANGUAGE, *range(languages)):
                tags.update(face.get_language_feature_tags(table, script, language))
    return sorted(tags)


_DEFAULT_LANGUAGE = 0xFFFF
"""HarfBuzz's index of a script's default language system."""


def _name_records(face: hb.Face) -> tuple[set[int], set[int]]:
    """Every name id and language id in the name table: the OFL requires the copyright and licence.

    Read from the table itself: HarfBuzz's `list_names()` gives languages as BCP 47 tags, and the
    subsetter wants the table's own platform language ids.
    """
    data = _table(face, "name")
    (count,) = struct.unpack_from(">H", data, 2)
    records = [struct.unpack_from(">HHHHHH", data, 6 + 12 * number) for number in range(count)]
    return {record[3] for record in records}, {record[2] for record in records}


def _tag(text: str) -> int:
    return int.from_bytes(text.encode("latin-1"), "big")


@functools.lru_cache(maxsize=8)  # the books a worker makes often draw the same characters
def subset(file_name: str, characters: frozenset[str]) -> bytes:
    """The font cut to `characters` and whatever glyphs shaping them can reach, every feature kept."""
    face = hb.Face(_source(file_name))
    wanted = hb.SubsetInput()
    for character in sorted(characters):
        wanted.unicode_set.add(ord(character))
    features = wanted.layout_feature_tag_set
    features.clear()
    for tag in _layout_features(face):
        features.add(_tag(tag))
    names, languages = _name_records(face)
    for name in sorted(names):
        wanted.name_id_set.add(name)
    for language in sorted(languages):
        wanted.name_lang_id_set.add(language)
    # No hinting: reading systems scale Amiri smoothly without it; a box for a missing glyph.
    wanted.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NOTDEF_OUTLINE
    return bytes(hb.subset(face, wanted).blob.data)


def embedded_fonts(drawn: Drawn, cache: DiskCache = NO_CACHE) -> tuple[FontFile, ...]:
    """Amiri Regular cut to what `drawn` shows in the regular style, and Amiri Bold to its bold text."""
    wanted = ((REGULAR, 400, drawn.regular | frozenset(_ALWAYS)), (BOLD, 700, drawn.bold | frozenset(_ALWAYS)))
    files = []
    for file_name, weight, characters in wanted:
        key = (file_name + "\0" + "".join(sorted(characters))).encode()
        data = cache.get_or_make("font-subset", key, functools.partial(subset, file_name, characters))
        original = len(_source(file_name))
        logger.debug("%s: %d of %d bytes after subsetting", file_name, len(data), original)
        files.append(FontFile(f"{FONT_FOLDER}/{file_name}", weight, data, original))
    return tuple(files)


def font_face_rules(fonts: Iterable[FontFile]) -> str:
    """`@font-face` rules for the stylesheet beside the `fonts/` folder."""
    rules = [
        f'@font-face {{\n  font-family: "{FAMILY}";\n  font-style: normal;\n  font-weight: {font.weight};\n'
        f'  src: url("{font.name}") format("truetype");\n}}\n'
        for font in fonts
    ]
    return "\n".join(rules)
