"""The book's cover: a raster masthead drawn with Pillow, Arabic shaped by raqm (HarfBuzz + FriBiDi)."""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import uharfbuzz
from PIL import Image, ImageDraw, ImageFont, features

from .cache import NO_CACHE, DiskCache
from .language import direction_of

logger = logging.getLogger(__name__)

COVER_SIZE = (1600, 2560)
COVER_MEDIA_TYPE = "image/png"
_MARGIN = 140
_PAPER = (247, 242, 231)
_INK = (28, 28, 30)
_MASTHEAD = (16, 71, 58)
_GOLD = (176, 141, 60)
_WHITE = (255, 255, 255)
_MUTED = (92, 88, 80)


@dataclass(frozen=True, slots=True)
class CoverText:
    """Everything the cover shows, already localized."""

    title: str
    subtitle: str | None
    date_range: str
    count: str
    headlines: Sequence[tuple[str, str]]
    """Recent titles with their language, newest first."""
    imprint: str
    language: str


@functools.cache
def _font_bytes(file_name: str) -> bytes:
    return resources.files("fontpkg_amiri").joinpath("files", file_name).read_bytes()


@functools.cache
def _covered_characters(file_name: str) -> frozenset[int]:
    return frozenset(uharfbuzz.Face(_font_bytes(file_name)).unicodes)


def shaping_available() -> bool:
    return bool(features.check("raqm"))


def _font(file_name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(io.BytesIO(_font_bytes(file_name)), size, layout_engine=ImageFont.Layout.RAQM)


def _drawable(text: str, file_name: str = "Amiri-Regular.ttf") -> bool:
    """True when the font has every visible character: Amiri has no Hebrew, for instance."""
    covered = _covered_characters(file_name)
    return all(ord(char) in covered or not char.isprintable() or char.isspace() for char in text)


class _Painter:
    def __init__(self, image: Image.Image) -> None:
        self.draw = ImageDraw.Draw(image)

    def line(
        self, text: str, font: ImageFont.FreeTypeFont, y: int, fill: tuple[int, int, int], *, language: str, align: str
    ) -> int:
        """Draw one line; `align` is `center` or `start` (the right edge for rtl). Returns the next y."""
        direction = direction_of(language)
        if align == "center":
            x, anchor = COVER_SIZE[0] // 2, "ma"
        elif direction == "rtl":
            x, anchor = COVER_SIZE[0] - _MARGIN, "ra"
        else:
            x, anchor = _MARGIN, "la"
        self.draw.text((x, y), text, font=font, fill=fill, anchor=anchor, direction=direction, language=language)
        ascent, descent = font.getmetrics()
        return y + ascent + descent

    def wrapped(
        self, text: str, font: ImageFont.FreeTypeFont, y: int, fill: tuple[int, int, int], *, language: str, lines: int
    ) -> int:
        """Draw `text` in at most `lines` lines at the start edge, ending in "…" when cut."""
        width = COVER_SIZE[0] - 2 * _MARGIN
        direction = direction_of(language)
        words = text.split()
        rows: list[str] = []
        while words and len(rows) < lines:
            row = words.pop(0)
            while words and font.getlength(f"{row} {words[0]}", direction=direction, language=language) <= width:
                row = f"{row} {words.pop(0)}"
            rows.append(row)
        if words and rows:
            rows[-1] = rows[-1].rsplit(" ", 1)[0] + " …"
        for row in rows:
            y = self.line(row, font, y, fill, language=language, align="start")
        return y


def render_cover(text: CoverText, cache: DiskCache = NO_CACHE) -> bytes:
    """A 1600×2560 PNG (the size Kindle and Apple Books recommend), the same bytes for the same text."""
    return cache.get_or_make("cover", repr(text).encode(), lambda: _draw_cover(text))


def _draw_cover(text: CoverText) -> bytes:
    image = Image.new("RGB", COVER_SIZE, _PAPER)
    painter = _Painter(image)
    width, height = COVER_SIZE
    painter.draw.rectangle((0, 0, width, 760), fill=_MASTHEAD)
    painter.draw.rectangle((0, 772, width, 784), fill=_GOLD)
    painter.draw.rectangle((0, 796, width, 800), fill=_GOLD)
    painter.draw.rectangle((0, height - 200, width, height), fill=_MASTHEAD)
    if not shaping_available():
        # Without raqm Pillow draws Arabic letters unjoined and left to right: worse than no text.
        logger.warning("Pillow has no raqm layout support; the cover is drawn without text")
        return _png(image)

    language = text.language
    title_size = 250 if len(text.title) <= 12 else 170
    y = 230 if text.subtitle is None else 150
    y = painter.line(text.title, _font("Amiri-Bold.ttf", title_size), y, _WHITE, language=language, align="center")
    if text.subtitle:
        painter.line(text.subtitle, _font("Amiri-Regular.ttf", 80), y + 10, _WHITE, language=language, align="center")
    y = painter.line(text.date_range, _font("Amiri-Bold.ttf", 110), 900, _INK, language=language, align="center")
    y = painter.line(text.count, _font("Amiri-Regular.ttf", 80), y + 10, _MUTED, language=language, align="center")

    y += 90
    headline_font = _font("Amiri-Bold.ttf", 68)
    for headline, headline_language in text.headlines:
        if y > height - 520:
            break
        if not _drawable(headline, "Amiri-Bold.ttf"):
            continue
        painter.draw.rectangle((_MARGIN, y, width - _MARGIN, y + 3), fill=_GOLD)
        y = painter.wrapped(headline, headline_font, y + 40, _INK, language=headline_language, lines=2) + 30
    painter.line(text.imprint, _font("Amiri-Regular.ttf", 64), height - 160, _WHITE, language=language, align="center")
    return _png(image)


THUMBNAIL_SIZE = (320, 512)


def render_thumbnail(cover: bytes, cache: DiskCache = NO_CACHE) -> bytes:
    """A small copy of the cover for catalogs (OPDS thumbnails), the same bytes for the same cover."""
    return cache.get_or_make("thumbnail", cover, lambda: _shrink(cover))


def _shrink(cover: bytes) -> bytes:
    with Image.open(io.BytesIO(cover)) as image:
        return _png(image.convert("RGB").resize(THUMBNAIL_SIZE, Image.Resampling.LANCZOS))


def _png(image: Image.Image) -> bytes:
    # A 64-colour palette keeps the antialiased text smooth at a tenth of the size of RGB.
    paletted = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    paletted.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
