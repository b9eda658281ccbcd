"""The book's cover: a raster masthead drawn with Pillow, Arabic shaped by raqm (HarfBuzz + FriBiDi)."""

from __future__ import annotations

import functools
import io
import itertools
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
THUMBNAIL_FACTOR = COVER_SIZE[0] // THUMBNAIL_SIZE[0]  # the same factor down: the test of the sizes checks it
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

# Shrunk, the rules and the green's edges cover some rows of the thumbnail only in part: those
# take a blend of their colour into the paper, one of the steps between the two.
_EDGE_STEPS = 16
THUMBNAIL_PALETTE: tuple[Colour, ...] = (
    *PALETTE,
    *_ramp(_MASTHEAD, _PAPER, _EDGE_STEPS)[1:-1],
    *_ramp(_GOLD, _PAPER, _EDGE_STEPS)[1:-1],
)
_EDGE_RAMPS = {_MASTHEAD_INDEX: len(PALETTE), _GOLD_INDEX: len(PALETTE) + _EDGE_STEPS - 2}
"""Where each colour's blends into the paper start in the thumbnail's palette."""
_REGULAR, _BOLD = "Amiri-Regular.ttf", "Amiri-Bold.ttf"

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
def _font(file_name: str, size: float) -> ImageFont.FreeTypeFont:
    # Loaded once a process: each load copied and parsed the 430 KB font again (0.6 ms of a cover).
    return ImageFont.truetype(io.BytesIO(_font_bytes(file_name)), size, layout_engine=ImageFont.Layout.RAQM)


def _drawable(text: str, file_name: str = "Amiri-Regular.ttf") -> bool:
    """True when the font has every visible character: Amiri has no Hebrew, for instance."""
    covered = _covered_characters(file_name)
    return all(ord(char) in covered or not char.isprintable() or char.isspace() for char in text)


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


@functools.cache
def _shaper(file_name: str) -> uharfbuzz.Font:
    return uharfbuzz.Font(uharfbuzz.Face(_font_bytes(file_name)))


def _advances(text: str, file_name: str, size: int, language: str) -> list[float]:
    """Each character's share of the width of `text` shaped as one line, in pixels at `size`.

    A run of words is about as wide as the sum of its characters' shares (words do not join
    across a space): a guess for wrapping, which Pillow then confirms. One buffer takes one
    script, guessed from the first letter, so a headline that mixes scripts is guessed less well.
    """
    font = _shaper(file_name)
    buffer = uharfbuzz.Buffer()
    buffer.add_codepoints([ord(char) for char in text])
    buffer.direction = direction_of(language)
    buffer.guess_segment_properties()
    uharfbuzz.shape(font, buffer)
    scale = size / font.face.upem
    shares = [0.0] * len(text)
    for info, position in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True):
        shares[info.cluster] += position.x_advance * scale
    return shares


@dataclass(frozen=True, slots=True)
class _Line:
    """One line of text as the cover places it, in the cover's own pixels."""

    text: str
    font: str
    size: int
    x: int
    y: int
    anchor: str
    ink: int
    language: str


@dataclass(frozen=True, slots=True)
class _Stretch:
    """Lines drawn on one flat stretch of the cover, rows `top` to `bottom` (excluded).

    Each is drawn on a copy of its stretch alone: a glyph reaching past it would blend an index
    its ramp does not start at into some other ramp's colours; clipped, it cannot.
    """

    top: int
    bottom: int
    lines: tuple[_Line, ...]


@dataclass(frozen=True, slots=True)
class _Layout:
    stretches: tuple[_Stretch, ...]
    rules: tuple[int, ...]
    """The top row of each headline's rule."""


class _Lines:
    """The lines of one stretch, placed one under the other."""

    def __init__(self) -> None:
        self.lines: list[_Line] = []

    def line(self, text: str, font: str, size: int, y: int, ink: int, *, language: str, align: str) -> int:
        """Place one line; `align` is `center` or `start` (the right edge for rtl). Returns the next y."""
        text = _for_drawing(text)
        if align == "center":
            x, anchor = COVER_SIZE[0] // 2, "ma"
        elif direction_of(language) == "rtl":
            x, anchor = COVER_SIZE[0] - _MARGIN, "ra"
        else:
            x, anchor = _MARGIN, "la"
        self.lines.append(_Line(text, font, size, x, y, anchor, ink, language))
        ascent, descent = _font(font, size).getmetrics()
        return y + ascent + descent

    def wrapped(self, text: str, font: str, size: int, y: int, ink: int, *, language: str, lines: int) -> int:
        """Place `text` in at most `lines` lines at the start edge, ending in "…" when cut.

        Each row takes words while they fit, as Pillow measures them. Measuring each longer row
        took 7 of a cover's 42 ms; now the headline is shaped once and each row's end guessed
        from its characters' shares of the width, and Pillow only confirms the guess: the row
        fits, and with its next word it would not (two measurements a row when the guess is
        right). The guess can be far off (a headline that opens in Latin is shaped as Latin
        throughout), never the rows.
        """
        width = COVER_SIZE[0] - 2 * _MARGIN
        words = _for_drawing(text).split()
        if not words:
            return y
        pillow, direction = _font(font, size), direction_of(language)

        def fits(row: str) -> bool:
            return pillow.getlength(row, direction=direction, language=language) <= width

        shares = _advances(" ".join(words), font, size, language)
        starts = list(itertools.accumulate((len(word) + 1 for word in words), initial=0))

        def guessed_end(first: int) -> int:  # the most words from `first` whose shares fit
            end = first + 1
            while end < len(words) and sum(shares[starts[first] : starts[end + 1] - 1]) <= width:
                end += 1
            return end

        rows: list[str] = []
        cut = False
        taken = 0
        while taken < len(words) and len(rows) < lines:
            end = guessed_end(taken)
            while end > taken + 1 and not fits(" ".join(words[taken:end])):
                end -= 1
            row = " ".join(words[taken:end])
            while end == taken + 1 and len(row) > 1 and not fits(row):  # a word wider than the cover
                row, cut = row[: len(row) * 3 // 4], True  # "…" marks the cut
            while end < len(words) and fits(f"{row} {words[end]}"):
                row, end = f"{row} {words[end]}", end + 1
            rows.append(row)
            taken = end
        if (taken < len(words) or cut) and rows:
            rows[-1] = rows[-1].rsplit(" ", 1)[0] + " …"
        for row in rows:
            y = self.line(row, font, size, y, ink, language=language, align="start")
        return y


def render_cover(text: CoverText, cache: DiskCache = NO_CACHE) -> bytes:
    """A 1600×2560 PNG (the size Kindle and Apple Books recommend), the same bytes for the same text."""
    return render_cover_images(text, cache)[0]


def render_cover_images(text: CoverText, cache: DiskCache = NO_CACHE) -> tuple[bytes, bytes]:
    """The cover and its thumbnail (320×512, for catalogs), drawn together; both are kept in the cache."""
    key = repr(text).encode()
    cover, thumbnail = cache.get("cover", key), cache.get("thumbnail", key)
    if cover is None or thumbnail is None:
        cover, thumbnail = map(_png, _drawn(_laid_out(text)))
        cache.put("cover", key, cover)
        cache.put("thumbnail", key, thumbnail)
    return cover, thumbnail


def _laid_out(text: CoverText) -> _Layout:
    """Where each line of `text` goes on the cover, and the headlines' rules."""
    if not shaping_available():
        # Without raqm Pillow draws Arabic letters unjoined and left to right: worse than no text.
        logger.warning("Pillow has no raqm layout support; the cover is drawn without text")
        return _Layout((), ())
    height = COVER_SIZE[1]
    language = text.language
    masthead = _Lines()
    title_size = 250 if len(_for_drawing(text.title)) <= 12 else 170
    y = 230 if text.subtitle is None else 150
    y = masthead.line(text.title, _BOLD, title_size, y, _WHITE_INDEX, language=language, align="center")
    if text.subtitle:
        masthead.line(text.subtitle, _REGULAR, 80, y + 10, _WHITE_INDEX, language=language, align="center")
    body = _Lines()
    y = body.line(text.date_range, _BOLD, 110, 900, _INK_INDEX, language=language, align="center")
    y = body.line(text.count, _REGULAR, 80, y + 10, _MUTED_INDEX, language=language, align="center")
    y += 90
    rules: list[int] = []
    for headline, headline_language in text.headlines:
        if y > height - 520:
            break
        if not _drawable(headline, _BOLD) or not any(char.isprintable() and not char.isspace() for char in headline):
            continue  # nothing to draw (bidi marks, say): no rule either
        rules.append(y)
        y = body.wrapped(headline, _BOLD, 68, y + 40, _INK_INDEX, language=headline_language, lines=2) + 30
    footer = _Lines()
    footer.line(text.imprint, _REGULAR, 64, height - 160, _WHITE_INDEX, language=language, align="center")
    stretches = (
        _Stretch(0, _MASTHEAD_BOTTOM + 1, tuple(masthead.lines)),
        _Stretch(801, _FOOTER_TOP, tuple(body.lines)),
        _Stretch(_FOOTER_TOP, height, tuple(footer.lines)),
    )
    return _Layout(stretches, tuple(rules))


def _drawn(layout: _Layout) -> tuple[Image.Image, Image.Image]:
    """The cover laid out as `layout` and its thumbnail, "P" images of `PALETTE` and `THUMBNAIL_PALETTE`.

    The thumbnail is the cover shrunk, each pixel the mean of 5×5 of the cover's, taken on the
    palette indices before the gold is laid: each ramp's colours are evenly spaced, so on one
    ramp the mean of the indices is the index of the mean colour. Only where the green or the
    gold meets the paper, a row the thumbnail shares between them, is the mean across two ramps,
    and those rows are painted afterwards. The mean of the RGB pixels, matched back to the
    palette, took 9 ms of a cover's 43; this takes 2.
    """
    width, height = COVER_SIZE
    # "L", not "P": ImageDraw antialiases text on the one and not on the other.
    image = Image.new("L", COVER_SIZE, _PAPER_INDEX)
    green = ((0, _MASTHEAD_BOTTOM + 1), (_FOOTER_TOP, height))
    for top, bottom in green:
        _fill(image, top, bottom, _MASTHEAD_INDEX)
    for stretch in layout.stretches:
        band = image.crop((0, stretch.top, width, stretch.bottom))
        draw = ImageDraw.Draw(band)
        for line in stretch.lines:
            draw.text(
                (line.x, line.y - stretch.top),
                line.text,
                font=_font(line.font, line.size),
                fill=line.ink,
                anchor=line.anchor,
                direction=direction_of(line.language),
                language=line.language,
            )
        image.paste(band, (0, stretch.top))
    thumbnail = image.reduce(THUMBNAIL_FACTOR)
    for top, bottom in green:
        _fill(thumbnail, top, bottom, _MASTHEAD_INDEX, shrink=THUMBNAIL_FACTOR, edges_only=True)
    # After the text, not before: ink blended from gold's index would land on other ramps.
    gold = [(772, 785, (0, width)), (796, 801, (0, width))]
    gold += [(y, y + 4, (_MARGIN, width - _MARGIN + 1)) for y in layout.rules]
    for top, bottom, columns in gold:
        _fill(image, top, bottom, _GOLD_INDEX, columns=columns)
        _fill(thumbnail, top, bottom, _GOLD_INDEX, shrink=THUMBNAIL_FACTOR, columns=columns)
    image.putpalette([channel for colour in PALETTE for channel in colour])  # now "P", pixels untouched
    thumbnail.putpalette([channel for colour in THUMBNAIL_PALETTE for channel in colour])
    return image, thumbnail


def _fill(
    image: Image.Image,
    top: int,
    bottom: int,
    index: int,
    *,
    shrink: int = 1,
    columns: tuple[int, int] = (0, COVER_SIZE[0]),
    edges_only: bool = False,
) -> None:
    """Paint the cover's rows `top` to `bottom` (excluded) across `columns` (from, to), `shrink` times smaller.

    Shrunk, a pixel the rectangle covers only in part takes the blend of its colour into the
    paper that the mean of the cover's pixels gives: every such edge lies on paper.
    """
    draw = ImageDraw.Draw(image)
    for first_row, last_row, rows_covered in _shrunk(top, bottom, shrink):
        for first_column, last_column, columns_covered in _shrunk(*columns, shrink):
            coverage = rows_covered * columns_covered
            if coverage < 1 or not edges_only:
                draw.rectangle((first_column, first_row, last_column, last_row), fill=_over_paper(index, coverage))


def _shrunk(start: int, stop: int, shrink: int) -> list[tuple[int, int, float]]:
    """Rows (or columns) `start` to `stop` (excluded), shrunk: runs (first, last, share of each covered)."""
    whole = range(-(-start // shrink), stop // shrink)
    runs = [(whole.start, whole.stop - 1, 1.0)] if whole else []
    for cell in sorted({start // shrink, (stop - 1) // shrink} - set(whole)):
        covered = min(stop, (cell + 1) * shrink) - max(start, cell * shrink)
        runs.append((cell, cell, covered / shrink))
    return runs


def _over_paper(index: int, coverage: float) -> int:
    """The thumbnail palette's blend of the masthead's green or the gold, `coverage` of it, into paper."""
    # A partly covered pixel is covered at least 1/25: never so little that it is the paper itself.
    step = round((1 - coverage) * (_EDGE_STEPS - 1))
    return index if step == 0 else _EDGE_RAMPS[index] + step - 1


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **_PNG_OPTIONS)
    return buffer.getvalue()
