"""The book's cover: a raster masthead drawn with Pillow, Arabic shaped by raqm (HarfBuzz + FriBiDi)."""

from __future__ import annotations

import functools
import io
import logging
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import uharfbuzz
from PIL import Image, ImageDraw, ImageFont, features

from .cache import NO_CACHE, DiskCache
from .language import direction_of

logger = logging.getLogger(__name__)

COVER_SIZE = (1600, 2560)
THUMBNAIL_SIZE = (320, 512)
COVER_MEDIA_TYPE = "image/png"
_MARGIN = 140
_MASTHEAD_BOTTOM = 760
_FOOTER_TOP = COVER_SIZE[1] - 200

Colour = tuple[int, int, int]
_PAPER: Colour = (247, 242, 231)
_INK: Colour = (28, 28, 30)
_MASTHEAD: Colour = (16, 71, 58)
_GOLD: Colour = (176, 141, 60)
_WHITE: Colour = (255, 255, 255)
_MUTED: Colour = (92, 88, 80)


def _ramp(start: Colour, end: Colour, steps: int) -> list[Colour]:
    """`steps` colours evenly spaced from `start` to `end`, both included."""
    return [
        (
            round(start[0] + (end[0] - start[0]) * step / (steps - 1)),
            round(start[1] + (end[1] - start[1]) * step / (steps - 1)),
            round(start[2] + (end[2] - start[2]) * step / (steps - 1)),
        )
        for step in range(steps)
    ]


# The cover is drawn in palette indices (an "L" image given this palette at the end), so that no
# quantizer has to find its colours again: a median cut to 64 colours took half of what a cover
# cost. Text is antialiased by blending the background's index towards the ink's, so every index
# between the two must be the colour that blend stands for: each ink ends a ramp that starts at
# its background, the muted and the black ink on either side of the paper. The steps are at least
# as many as the median cut gave each pair (about 30 for black on paper, 15 for white on green):
# no pixel is more than 5 levels (of 255) from the RGB drawing's, where the median cut's were 27.
PALETTE: tuple[Colour, ...] = (
    _GOLD,
    *_ramp(_MASTHEAD, _WHITE, 24),
    *_ramp(_MUTED, _PAPER, 16),
    *_ramp(_PAPER, _INK, 32)[1:],
)
_GOLD_INDEX, _MASTHEAD_INDEX, _WHITE_INDEX = PALETTE.index(_GOLD), PALETTE.index(_MASTHEAD), PALETTE.index(_WHITE)
_PAPER_INDEX, _INK_INDEX, _MUTED_INDEX = PALETTE.index(_PAPER), PALETTE.index(_INK), PALETTE.index(_MUTED)

# Shrunk, the rules and the green's edges blend into the paper too; each thumbnail pixel takes the
# nearest of these colours, a lookup where a median cut of the thumbnail took 11 ms.
THUMBNAIL_PALETTE: tuple[Colour, ...] = (
    *PALETTE,
    *_ramp(_MASTHEAD, _PAPER, 16)[1:-1],
    *_ramp(_GOLD, _PAPER, 16)[1:-1],
)

# Run-length matching only, since runs of one index are nearly all there is to find: 11 ms for
# the cover where zlib's default took 23-32 and `optimize` 80-160, for a file 2% larger than the
# default's (15% than `optimize`'s).
_PNG_OPTIONS = {"compress_type": zlib.Z_RLE}


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


@functools.cache
def _font(file_name: str, size: int) -> ImageFont.FreeTypeFont:
    # Loaded once a process: each load copied and parsed the 430 KB font again (0.6 ms of a cover).
    return ImageFont.truetype(io.BytesIO(_font_bytes(file_name)), size, layout_engine=ImageFont.Layout.RAQM)


def _drawable(text: str, file_name: str = "Amiri-Regular.ttf") -> bool:
    """True when the font has every visible character: Amiri has no Hebrew, for instance."""
    covered = _covered_characters(file_name)
    return all(ord(char) in covered or not char.isprintable() or char.isspace() for char in text)


class _Band:
    """Text on one flat stretch of the cover, rows `top` to `bottom` (excluded), in palette indices.

    Drawn on a copy of that stretch alone, put back on leaving: a glyph reaching past it would
    blend an index its ramp does not start at into some other ramp's colours; clipped, it cannot.
    """

    def __init__(self, image: Image.Image, top: int, bottom: int) -> None:
        self.image, self.top = image, top
        self.band = image.crop((0, top, COVER_SIZE[0], bottom))
        self.draw = ImageDraw.Draw(self.band)

    def __enter__(self) -> _Band:
        return self

    def __exit__(self, *_: object) -> None:
        self.image.paste(self.band, (0, self.top))

    def line(self, text: str, font: ImageFont.FreeTypeFont, y: int, ink: int, *, language: str, align: str) -> int:
        """Draw one line; `align` is `center` or `start` (the right edge for rtl). Returns the next y."""
        text = _for_drawing(text)
        direction = direction_of(language)
        if align == "center":
            x, anchor = COVER_SIZE[0] // 2, "ma"
        elif direction == "rtl":
            x, anchor = COVER_SIZE[0] - _MARGIN, "ra"
        else:
            x, anchor = _MARGIN, "la"
        position = (x, y - self.top)
        self.draw.text(position, text, font=font, fill=ink, anchor=anchor, direction=direction, language=language)
        ascent, descent = font.getmetrics()
        return y + ascent + descent

    def wrapped(self, text: str, font: ImageFont.FreeTypeFont, y: int, ink: int, *, language: str, lines: int) -> int:
        """Draw `text` in at most `lines` lines at the start edge, ending in "…" when cut."""
        width = COVER_SIZE[0] - 2 * _MARGIN
        direction = direction_of(language)
        words = _for_drawing(text).split()
        rows: list[str] = []
        cut = False
        while words and len(rows) < lines:
            row = words.pop(0)
            while len(row) > 1 and font.getlength(row, direction=direction, language=language) > width:
                row, cut = row[: len(row) * 3 // 4], True  # a word wider than the cover: "…" marks the cut
            while words and font.getlength(f"{row} {words[0]}", direction=direction, language=language) <= width:
                row = f"{row} {words.pop(0)}"
            rows.append(row)
        if (words or cut) and rows:
            rows[-1] = rows[-1].rsplit(" ", 1)[0] + " …"
        for row in rows:
            y = self.line(row, font, y, ink, language=language, align="start")
        return y


_MOST_DRAWN = 400
"""More characters than any line of the cover can show: raqm is never handed a longer text."""
# Explicit embeddings, overrides and isolates are dropped; U+FDFD (﷽, the basmala as one glyph of
# Amiri, 780 px wide at 250 px) is spelled out: FreeType overflows its rasterizer on it ("raster
# overflow", found by drawing every glyph of Amiri), and it has no Unicode decomposition.
_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_FOR_DRAWING = str.maketrans({**dict.fromkeys(map(ord, _CONTROLS)), 0xFDFD: "بسم الله الرحمن الرحيم"})


def _for_drawing(text: str) -> str:
    """`text` as the cover draws it: what FreeType cannot draw replaced, and cut short.

    Each line is drawn in one direction by raqm's own bidi algorithm, so the controls change
    nothing drawn; and a headline of a thousand of them crashed Pillow (a segmentation fault in
    FreeType's rendering, Pillow 13.0, found by the whole-build property test).
    """
    return text.translate(_FOR_DRAWING)[:_MOST_DRAWN]


def render_cover(text: CoverText, cache: DiskCache = NO_CACHE) -> bytes:
    """A 1600×2560 PNG (the size Kindle and Apple Books recommend), the same bytes for the same text."""
    return render_cover_images(text, cache)[0]


def render_cover_images(text: CoverText, cache: DiskCache = NO_CACHE) -> tuple[bytes, bytes]:
    """The cover and its thumbnail (what `render_thumbnail` makes of it), drawn once.

    The thumbnail is shrunk from the drawing at hand rather than from the PNG, which would have to
    be decoded again; both are kept in the cache, the thumbnail under the cover's bytes.
    """
    key = repr(text).encode()
    cover = cache.get("cover", key)
    thumbnail = None if cover is None else cache.get("thumbnail", cover)
    if cover is None or thumbnail is None:
        image = _draw_cover(text)
        cover, thumbnail = _png(image), _shrink_image(image)
        cache.put("cover", key, cover)
        cache.put("thumbnail", cover, thumbnail)
    return cover, thumbnail


def _draw_cover(text: CoverText) -> Image.Image:
    """The cover, a "P" image of `PALETTE`."""
    width, height = COVER_SIZE
    # "L", not "P": ImageDraw antialiases text on the one and not on the other.
    image = Image.new("L", COVER_SIZE, _PAPER_INDEX)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, _MASTHEAD_BOTTOM), fill=_MASTHEAD_INDEX)
    draw.rectangle((0, 772, width, 784), fill=_GOLD_INDEX)
    draw.rectangle((0, 796, width, 800), fill=_GOLD_INDEX)
    draw.rectangle((0, _FOOTER_TOP, width, height), fill=_MASTHEAD_INDEX)
    if not shaping_available():
        # Without raqm Pillow draws Arabic letters unjoined and left to right: worse than no text.
        logger.warning("Pillow has no raqm layout support; the cover is drawn without text")
        return _with_palette(image)

    language = text.language
    with _Band(image, 0, _MASTHEAD_BOTTOM + 1) as band:
        title_size = 250 if len(_for_drawing(text.title)) <= 12 else 170
        y = 230 if text.subtitle is None else 150
        title_font = _font("Amiri-Bold.ttf", title_size)
        y = band.line(text.title, title_font, y, _WHITE_INDEX, language=language, align="center")
        if text.subtitle:
            subtitle_font = _font("Amiri-Regular.ttf", 80)
            band.line(text.subtitle, subtitle_font, y + 10, _WHITE_INDEX, language=language, align="center")
    rules: list[int] = []
    with _Band(image, 801, _FOOTER_TOP) as band:
        y = band.line(text.date_range, _font("Amiri-Bold.ttf", 110), 900, _INK_INDEX, language=language, align="center")
        count_font = _font("Amiri-Regular.ttf", 80)
        y = band.line(text.count, count_font, y + 10, _MUTED_INDEX, language=language, align="center")
        y += 90
        headline_font = _font("Amiri-Bold.ttf", 68)
        for headline, headline_language in text.headlines:
            if y > height - 520:
                break
            if not _drawable(headline, "Amiri-Bold.ttf"):
                continue
            rules.append(y)
            y = band.wrapped(headline, headline_font, y + 40, _INK_INDEX, language=headline_language, lines=2) + 30
    # After the headlines, not before: ink blended from gold's index would land on other ramps.
    for y in rules:
        draw.rectangle((_MARGIN, y, width - _MARGIN, y + 3), fill=_GOLD_INDEX)
    with _Band(image, _FOOTER_TOP, height) as band:
        imprint_font = _font("Amiri-Regular.ttf", 64)
        band.line(text.imprint, imprint_font, height - 160, _WHITE_INDEX, language=language, align="center")
    return _with_palette(image)


def _with_palette(indices: Image.Image) -> Image.Image:
    indices.putpalette([channel for colour in PALETTE for channel in colour])  # now "P", pixels untouched
    return indices


def render_thumbnail(cover: bytes, cache: DiskCache = NO_CACHE) -> bytes:
    """A small copy of the cover for catalogs (OPDS thumbnails), the same bytes for the same cover."""
    return cache.get_or_make("thumbnail", cover, lambda: _shrink(cover))


def _shrink(cover: bytes) -> bytes:
    with Image.open(io.BytesIO(cover)) as image:
        return _shrink_image(image)


@functools.cache
def _thumbnail_palette() -> Image.Image:
    palette = Image.new("P", (1, 1))
    palette.putpalette([channel for colour in THUMBNAIL_PALETTE for channel in colour])
    return palette


def _shrink_image(cover: Image.Image) -> bytes:
    # The thumbnail is a fifth of the cover each way: each of its pixels is the mean of 5×5 of the
    # cover's (a box filter, exact at a whole factor). 10 ms where LANCZOS took 39, and no pixel
    # more than a few levels from it on average (mean 0.8 of 255), measured.
    small = cover.convert("RGB").reduce(_THUMBNAIL_FACTOR)
    return _png(small.quantize(palette=_thumbnail_palette(), dither=Image.Dither.NONE))


_THUMBNAIL_FACTOR = COVER_SIZE[0] // THUMBNAIL_SIZE[0]  # the same factor down: the test of the sizes checks it


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **_PNG_OPTIONS)
    return buffer.getvalue()
