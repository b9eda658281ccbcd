"""The embedded Arabic font: Amiri (SIL OFL 1.1), cut down with fontTools to the characters a book uses.

Devices without an Arabic font (older Kobo and Kindle firmware, some Linux readers) otherwise
show boxes or unjoined letters. The whole of Amiri is ~430 KB per style; a subset holding only
the characters of the book, with every OpenType layout feature kept so that joining, ligatures
and mark positioning still work, is a small fraction of that.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from fontTools import subset
from fontTools.ttLib import TTFont
from lxml import etree

from .cache import NO_CACHE, DiskCache

logger = logging.getLogger(__name__)

FAMILY = "Amiri"
FONT_FOLDER = "fonts"
LICENCE_NAME = f"{FONT_FOLDER}/OFL.txt"
FONT_MEDIA_TYPE = "font/ttf"
# Characters a reading system may draw without their being in the text: spaces, the
# replacement for a missing glyph, and the controls that steer joining and direction.
# Elements set in bold by the stylesheet: only their characters go into the bold font.
_BOLD_ELEMENTS = ("{*}h1", "{*}h2", "{*}title")
_ALWAYS = " \u00a0\u200c\u200d\u200e\u200f\u061c\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"


@dataclass(frozen=True, slots=True)
class FontFile:
    name: str
    """Path inside the book and the site, e.g. `fonts/Amiri-Regular.ttf`."""
    weight: int
    data: bytes
    original_size: int


def _source(file_name: str) -> bytes:
    package = resources.files("fontpkg_amiri")
    return package.joinpath("files", file_name).read_bytes()


def licence_text() -> bytes:
    """The SIL Open Font License with Amiri's copyright line: it must travel with the font."""
    return resources.files("fontpkg_amiri").joinpath("LICENSE").read_bytes()


def _subset(file_name: str, characters: frozenset[str]) -> bytes:
    # Without recalcTimestamp=False, fontTools stamps head.modified with the clock on save.
    font = TTFont(io.BytesIO(_source(file_name)), lazy=False, recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = ["*"]  # init/medi/fina/rlig/mark...: Arabic joins only with these
    options.name_IDs = ["*"]  # keep the copyright and licence entries the OFL requires
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = False
    options.drop_tables += ["DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(char) for char in characters))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer, reorderTables=True)
    return buffer.getvalue()


def characters_of(documents: Iterable[bytes]) -> tuple[frozenset[str], frozenset[str]]:
    """Every character shown by the XHTML `documents` (`alt` text included), and those shown in bold."""
    text: set[str] = set()
    bold: set[str] = set()
    for document in documents:
        root = etree.fromstring(document)
        for piece in root.itertext():
            text.update(piece)
        for piece in root.xpath("//@alt"):
            text.update(str(piece))
        for element in root.iter(*_BOLD_ELEMENTS):
            for piece in element.itertext():
                bold.update(piece)
    return frozenset(text), frozenset(bold)


def embedded_fonts(
    text: frozenset[str], bold_text: frozenset[str], cache: DiskCache = NO_CACHE
) -> tuple[FontFile, ...]:
    """Amiri Regular cut to the characters in `text`, and Amiri Bold to those in `bold_text`."""
    regular = text | frozenset(_ALWAYS)
    bold = bold_text | frozenset(_ALWAYS)
    wanted = (("Amiri-Regular.ttf", 400, regular), ("Amiri-Bold.ttf", 700, bold))
    # The two styles are cut side by side, one per core (0.4-0.5 s each); a build of several
    # books with the same characters cuts them once.
    jobs = [
        ((name + "\0" + "".join(sorted(characters))).encode(), functools.partial(_subset_once, name, characters))
        for name, _, characters in wanted
    ]
    to_cut = sum((name, characters) not in _made for name, _, characters in wanted)
    subsets = cache.get_or_make_all("font-subset", jobs, minimum=2 if to_cut == len(wanted) else len(wanted) + 1)
    files = []
    for (file_name, weight, characters), data in zip(wanted, subsets, strict=True):
        if len(_made) >= _MADE_LIMIT:
            _made.clear()
        _made[file_name, characters] = data
        original = len(_source(file_name))
        logger.debug("%s: %d of %d bytes after subsetting", file_name, len(data), original)
        files.append(FontFile(f"{FONT_FOLDER}/{file_name}", weight, data, original))
    return tuple(files)


_MADE_LIMIT = 8
_made: dict[tuple[str, frozenset[str]], bytes] = {}


def _subset_once(file_name: str, characters: frozenset[str]) -> bytes:
    made = _made.get((file_name, characters))
    return made if made is not None else _subset(file_name, characters)


def font_face_rules(fonts: Iterable[FontFile]) -> str:
    """`@font-face` rules for the stylesheet beside the `fonts/` folder."""
    rules = [
        f'@font-face {{\n  font-family: "{FAMILY}";\n  font-style: normal;\n  font-weight: {font.weight};\n'
        f'  src: url("{font.name}") format("truetype");\n}}\n'
        for font in fonts
    ]
    return "\n".join(rules)
