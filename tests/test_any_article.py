"""No single article can stop a build: whatever the reader accepts is published into every output.

Whole builds of generated seeds: dates anywhere in the range the reader accepts (years 1 to 9999,
offsets up to ±23:59, zones whose old dates have offsets in seconds), titles and blocks in
several scripts, marks, punctuation and bidi controls, from none to thousands of blocks.
"""

from __future__ import annotations

import email.utils
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image

from publisher.build import build, check
from publisher.config import Config
from publisher.reader import parse_article, read_seeds

OPF = "{http://www.idpf.org/2007/opf}"
ATOM_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
RSS_DATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}")
OPF_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
RSS_FLOOR = datetime(1900, 1, 1, tzinfo=UTC)
UTC_FIRST, UTC_LAST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)

# Pacific/Kiritimati is UTC+14 and Etc/GMT+12 is UTC-12, the two ends of the world; Asia/Riyadh's
# and Asia/Kathmandu's old dates are in local mean time, an offset with seconds (+03:06:52).
ZONES = ("UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Asia/Riyadh", "Asia/Kathmandu", "America/St_Johns")
EDGES = (
    datetime(1, 1, 1),
    datetime(9999, 12, 31, 23, 59, 59, 999999),
    datetime(9999, 12, 31, 23, 59, 59),
    datetime(1979, 12, 31, 23, 59, 59),
    datetime(1980, 1, 1),
    datetime(2107, 12, 31, 23, 59, 59),
    datetime(2108, 1, 1),
    datetime(1899, 12, 31, 23, 59, 59),
    datetime(999, 12, 31, 23, 59, 59),
    datetime(2025, 3, 31, 15, 8),
    # Either side of a year's end: with their offsets, in time order they can cross it back and forth.
    datetime(2024, 12, 31, 23, 30),
    datetime(2025, 1, 1, 0, 30),
)
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئةىـ"
PERSIAN = "پچژگکی۰۱۲۳"
HEBREW = "אבגדהוזחטיכךלמםנןסעפףצץקרשת"
LATIN = "abcxyzABCXYZéØß0123456789"
MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u05b0\u05b4\u05bc\u0301\u0308"
PUNCTUATION = ".!?؟…:;،؛۔«»“”\"'()[]{}<>&-–—*#/\\%"
BIDI = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200c\u200d"
ELSEWHERE = "😀\U0001f1f8\U0001f1e6中\u00a0\u2028\u0085\ufeff\u3000\ufdd0 \t"
ALPHABET = ARABIC + PERSIAN + HEBREW + LATIN + MARKS + PUNCTUATION + BIDI + ELSEWHERE

# One script at a time, as real titles are (and as the cover draws only what Amiri has), or all mixed.
SCRIPTS = (
    ARABIC + MARKS + PUNCTUATION + BIDI + "﷽ﷲ ",
    ARABIC + PERSIAN + MARKS + BIDI + " ",
    HEBREW + MARKS + PUNCTUATION + BIDI + " ",
    LATIN + PUNCTUATION + " ",
    ALPHABET,
)
_characters = st.sampled_from(ALPHABET) | st.characters(exclude_categories=["Cs"], exclude_characters="\r\n")
_line = (
    st.sampled_from(SCRIPTS).flatmap(lambda letters: st.text(st.sampled_from(letters), max_size=60))
    | st.text(_characters, max_size=60)
    | st.sampled_from(["<script>alert(1)</script>", "&amp; ]]>", MARKS, BIDI, "﷽"])
)
# Now and then a very long line: a title or paragraph of thousands of characters.
_any_line = _line | _line.map(lambda text: text * 80)


def _offset(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    moment = draw(st.sampled_from(EDGES) | st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)))
    zone = draw(
        st.sampled_from(["", "", "Z", "+14:00", "-12:00", "+23:59", "-23:59"])
        | st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(_offset)
    )
    separator = draw(st.sampled_from("T ")) if zone else " "
    fraction = f".{moment.microsecond:06d}" if moment.microsecond and draw(st.booleans()) else ""
    text = f"{moment.year:04d}-{moment:%m-%d}{separator}{moment:%H:%M:%S}{fraction}{zone}"
    if draw(st.booleans()):
        text = text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    return text


@st.composite
def seed_texts(draw: st.DrawFn) -> str:
    blocks = draw(st.lists(_line, max_size=5))
    if draw(st.integers(0, 9)) == 0:  # now and then thousands of blocks
        blocks = [*blocks, "فقرة."] * 400
    return "\n".join([draw(timestamps()), draw(_any_line), *blocks, *draw(st.lists(_any_line, max_size=1))]) + "\n"


configs = st.builds(
    Config,
    timezone=st.sampled_from(ZONES),
    language=st.sampled_from(["ar", "ar", "fa", "he", "en"]),
    digits=st.sampled_from(["locale", "western", "native"]),
    latin_language=st.sampled_from([None, "en"]),
    # Each book costs a cover (about a second): mostly one book, now and then a volume per year or month.
    volumes=st.sampled_from(["none", "none", "year", "month"]),
    volume_size=st.sampled_from([0, 0, 0, 2]),
    feed_size=st.sampled_from([50, 1]),
    archive_size=st.sampled_from([50, 1]),
    page_size=st.sampled_from([50, 1]),
)


def true_instant_or_clamped(shown: datetime, true: datetime) -> bool:
    """The date an RFC 3339 output shows is the article's own instant (in UTC when its offset has
    seconds), unless that instant in UTC is before year 1 or after 9999: then the nearest one."""
    if shown == true:
        return True
    offset = true.utcoffset()
    assert offset is not None
    return offset % timedelta(minutes=1) != timedelta(0) and shown in {UTC_FIRST, UTC_LAST}


def check_outputs(output: Path, config: Config, published: dict[str, datetime]) -> None:
    for name in ("feed.atom", *(path.relative_to(output).as_posix() for path in output.glob("archive/*.atom"))):
        atom = feedparser.parse((output / name).read_bytes())
        assert atom.bozo == 0, (name, atom.get("bozo_exception"))
        for entry in atom.entries:
            assert ATOM_DATE.fullmatch(entry.published), entry.published
            assert true_instant_or_clamped(datetime.fromisoformat(entry.published), published[entry.id])
    for path in [output / "feed.rss", *output.glob("archive/*.rss")]:
        rss = feedparser.parse(path.read_bytes())
        assert rss.bozo == 0, (path.name, rss.get("bozo_exception"))
        for entry in rss.entries:
            assert RSS_DATE.fullmatch(entry.published), entry.published
            shown, true = email.utils.parsedate_to_datetime(entry.published), published[entry.id]
            # RFC 822 has no fraction of a second: the time is cut to the second, not clamped.
            expected = true.replace(microsecond=0)
            assert shown == expected or (true.year <= 1900 and shown == RSS_FLOOR), (entry.published, true)
    opds = feedparser.parse((output / "opds.xml").read_bytes())
    assert opds.bozo == 0, opds.get("bozo_exception")
    items = json.loads((output / "feed.json").read_bytes())["items"]
    assert len(items) == min(len(published), config.feed_size)
    for item in items:
        assert ATOM_DATE.fullmatch(item["date_published"]), item["date_published"]
        assert true_instant_or_clamped(datetime.fromisoformat(item["date_published"]), published[item["id"]])
    for lastmod in etree.parse(output / "sitemap.xml").iter("{*}lastmod"):
        assert ATOM_DATE.fullmatch(lastmod.text or ""), lastmod.text
    assert len(list(output.glob("articles/*.html"))) == len(published)
    books = list(output.glob("*.epub"))
    assert books
    for book in books:
        with zipfile.ZipFile(book) as archive:
            assert archive.testzip() is None
            assert archive.namelist()[0] == "mimetype"
            package = etree.fromstring(archive.read("EPUB/content.opf"))
            assert OPF_DATE.fullmatch(package.findtext(f".//{OPF}meta[@property='dcterms:modified']") or "")
        with Image.open(output / "covers" / f"{book.stem}.png") as cover:
            cover.verify()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(texts=st.lists(seed_texts(), min_size=1, max_size=3), config=configs)
def test_every_article_the_reader_accepts_is_published_everywhere(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str], config: Config
) -> None:
    root = tmp_path_factory.mktemp("example")
    seeds = root / "seeds"
    seeds.mkdir()
    for number, text in enumerate(texts):
        (seeds / f"article_{number}.txt").write_text(text, encoding="utf-8")
    accepted, rejected = check(seeds, config)
    result = build(seeds, root / "output", config)
    assert (result.published, len(result.rejected)) == (accepted, len(rejected))
    if accepted:
        published = {article.id: article.published for article in read_seeds(seeds, config).articles}
        check_outputs(root / "output", config, published)


@pytest.mark.parametrize(
    "stamp",
    ["0001-01-01 00:00:00", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59.999999-23:59", "٩٩٩٩-١٢-٣١ ٢٣:٥٩:٥٩"],
)
def test_the_reader_accepts_the_ends_of_the_range(stamp: str) -> None:
    # What the strategy above draws from: years 1 to 9999, offsets up to a minute short of a day.
    article = parse_article(f"{stamp}\nعنوان\n".encode(), Path("edge.txt"), Config(timezone="Pacific/Kiritimati"))
    assert article.published.year in {1, 9999}
