"""Reading the seed format: blocks, tolerance of sloppy files, and a clear rejection of broken ones."""

from __future__ import annotations

import logging
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.article import BlockKind
from publisher.config import Config
from publisher.errors import ArticleError, display_path
from publisher.reader import is_heading, parse_article, read_article, read_seeds

from .helpers import DATA, SAMPLE

CONFIG = Config()
TITLE = "قمة مكافحة الجريمة المنظمة"
STANDARD_BLOCKS = [
    (BlockKind.PARAGRAPH, "شملت المناقشات عدة نقاط رئيسية، منها كيفية التصدي لعمليات الجماعات الإجرامية عبر الإنترنت."),
    (BlockKind.HEADING, "التعاون الدولي"),
    (BlockKind.PARAGRAPH, "تم الاتفاق على نتائج ملموسة تشمل تحسين الشراكات الدولية لتعطيل شبكات الجريمة المنظمة."),
]


def read(name: str, config: Config = CONFIG) -> object:
    return read_article(DATA / name, config)


def test_sample_has_seven_subheadings_and_eight_paragraphs_in_order() -> None:
    article = read_article(SAMPLE, CONFIG)
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    assert article.title == lines[1]
    assert [block.text for block in article.blocks] == lines[2:]
    assert [block.kind for block in article.blocks] == [BlockKind.PARAGRAPH, BlockKind.HEADING] * 7 + [
        BlockKind.PARAGRAPH
    ]
    assert [block.line for block in article.blocks] == list(range(3, 18))
    assert article.published == datetime(2025, 3, 31, 15, 8, tzinfo=UTC)
    assert (article.language, article.direction) == ("ar", "rtl")
    assert "Border Security" in article.blocks[2].text


@pytest.mark.parametrize(
    "name",
    [
        "crlf_line_endings.txt",
        "cr_line_endings.txt",
        "utf8_bom.txt",
        "blank_lines_and_trailing_spaces.txt",
        "no_final_newline.txt",
    ],
)
def test_sloppy_but_readable_files_give_the_same_article(name: str) -> None:
    article = read_article(DATA / name, CONFIG)
    assert article.title == TITLE
    assert [(block.kind, block.text) for block in article.blocks] == STANDARD_BLOCKS
    assert article.published == datetime(2025, 3, 31, 15, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("empty_file.txt", 1, "empty file"),
        ("whitespace_only_file.txt", 1, "empty file"),
        ("timestamp_only.txt", 2, "no title after the timestamp"),
        ("bad_timestamp.txt", 1, "expected a timestamp YYYY-MM-DD HH:MM:SS, found '31/03/2025 15:08'"),
        ("missing_timestamp.txt", 1, "expected a timestamp"),
        ("impossible_date.txt", 1, "impossible date or time '2025-02-30 15:08:00'"),
        ("title_reads_as_paragraph.txt", 3, "no title: the line after the timestamp reads as a paragraph"),
        ("windows_1256.txt", 2, "not valid UTF-8"),
        ("invalid_utf8_on_line_3.txt", 3, "not valid UTF-8 (byte 0xff at offset"),
    ],
)
def test_unreadable_files_are_rejected_with_file_line_and_reason(name: str, line: int, message: str) -> None:
    with pytest.raises(ArticleError) as caught:
        read_article(DATA / name, CONFIG)
    error = caught.value
    assert (error.path, error.line) == (DATA / name, line)
    assert message in error.reason
    assert str(error).startswith(f"{display_path(DATA / name)}:{line}: {message}")
    assert "\n" not in str(error)


def test_windows_1256_file_gets_a_hint_naming_the_encoding() -> None:
    with pytest.raises(ArticleError) as caught:
        read_article(DATA / "windows_1256.txt", CONFIG)
    assert "windows-1256" in str(caught.value)


def test_control_characters_are_removed_with_a_warning_naming_file_and_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="publisher"):
        article = read_article(DATA / "control_characters.txt", CONFIG)
    assert article.blocks[0].text == "شملت المناقشات عدة نقاط رئيسية، منها كيفية التصدي."
    [record] = caplog.records
    assert record.getMessage().endswith(
        "control_characters.txt:3: warning: removed 3 control characters (U+0000, U+0007, U+007F)"
    )


def test_joiners_and_bidi_controls_are_kept_exactly() -> None:
    raw = (DATA / "zwj_zwnj_and_bidi_marks.txt").read_text(encoding="utf-8").split("\n")[2]
    article = read_article(DATA / "zwj_zwnj_and_bidi_marks.txt", CONFIG)
    assert article.blocks[0].text == raw
    for mark in "\u200c\u200d\u200f\u202b\u202c\u2067\u2069":
        assert mark in article.blocks[0].text


def test_only_lf_crlf_and_cr_end_lines() -> None:
    article = read_article(DATA / "line_separator_inside_paragraph.txt", CONFIG)
    assert len(article.blocks) == 2
    assert "\u2028" in article.blocks[0].text
    assert "\u0085" in article.blocks[0].text


def test_naive_timestamps_are_read_in_the_configured_time_zone() -> None:
    article = read_article(SAMPLE, Config(timezone="Asia/Riyadh"))
    assert article.published.utcoffset() == timedelta(hours=3)
    assert article.published.astimezone(UTC) == datetime(2025, 3, 31, 12, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "offset"),
    [("iso_timestamp_with_offset.txt", timedelta(hours=3)), ("iso_timestamp_utc_z.txt", timedelta(0))],
)
def test_iso_timestamps_keep_their_explicit_offset(name: str, offset: timedelta) -> None:
    article = read_article(DATA / name, Config(timezone="America/New_York"))
    assert article.published.utcoffset() == offset
    assert article.published.astimezone(UTC) == datetime(2025, 3, 31, 12, 8, tzinfo=UTC)


def test_arabic_indic_digits_in_the_timestamp_are_read_as_digits() -> None:
    article = read_article(DATA / "arabic_indic_digits_timestamp.txt", CONFIG)
    assert article.published == datetime(2025, 3, 31, 15, 8, tzinfo=UTC)


def test_a_short_title_ending_in_a_question_mark_is_a_title() -> None:
    article = read_article(DATA / "title_ending_in_question_mark.txt", CONFIG)
    assert article.title == "هل تنجح القمة؟"
    assert [block.kind for block in article.blocks] == [BlockKind.PARAGRAPH]


def test_a_title_only_article_is_published_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="publisher"):
        article = read_article(DATA / "title_only.txt", CONFIG)
    assert article.blocks == ()
    assert article.summary == "عنوان بلا نص"
    assert "title_only.txt:2: warning: article has a title but no text" in caplog.text


@pytest.mark.parametrize(
    ("name", "language", "direction"),
    [
        ("hebrew_article.txt", "he", "rtl"),
        ("persian_article.txt", "fa", "rtl"),
        ("english_article.txt", "en", "ltr"),
        ("zwj_zwnj_and_bidi_marks.txt", "ar", "rtl"),
        ("markup_in_text.txt", "ar", "rtl"),
    ],
)
def test_language_and_direction_follow_the_script(name: str, language: str, direction: str) -> None:
    article = read_article(DATA / name, CONFIG)
    assert (article.language, article.direction) == (language, direction)


def test_an_english_site_keeps_english_and_detects_arabic() -> None:
    english = Config(language="en")
    assert read_article(DATA / "english_article.txt", english).language == "en"
    arabic = read_article(SAMPLE, english)
    assert (arabic.language, arabic.direction) == ("ar", "rtl")


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("التعاون الدولي: خطوة إلى الأمام", True),
        ("هل تنجح القمة؟", False),
        ("قال الوزير «انتهى الأمر.»", False),
        ("نهاية الجملة (كما قيل).", False),
        ("ينتهي بفاصلة عربية،", False),
        ("Border Security", True),
        (" ".join(["كلمة"] * 12), True),
        (" ".join(["كلمة"] * 13), False),
    ],
)
def test_heading_or_paragraph(text: str, heading: bool) -> None:
    assert is_heading(text) is heading


def test_id_comes_from_the_file_name_not_the_title_or_text(tmp_path: Path) -> None:
    original = read_article(SAMPLE, CONFIG)
    edited = tmp_path / SAMPLE.name
    edited.write_text(SAMPLE.read_text(encoding="utf-8").replace(original.title, "عنوان جديد"), encoding="utf-8")
    renamed = tmp_path / "another_name.txt"
    renamed.write_bytes(SAMPLE.read_bytes())
    assert read_article(edited, CONFIG).id == original.id
    assert read_article(renamed, CONFIG).id != original.id
    assert original.id.startswith("urn:uuid:")


def test_names_in_nfc_and_nfd_give_the_same_id(tmp_path: Path) -> None:
    name = "مقالة_é.txt"
    nfc = tmp_path / "nfc" / unicodedata.normalize("NFC", name)
    nfd = tmp_path / "nfd" / unicodedata.normalize("NFD", name)
    for path in (nfc, nfd):
        path.parent.mkdir()
        path.write_bytes(SAMPLE.read_bytes())
    assert read_article(nfc, CONFIG).id == read_article(nfd, CONFIG).id
    assert read_article(nfc, CONFIG).slug == read_article(nfd, CONFIG).slug


def test_a_folder_keeps_good_articles_and_reports_bad_ones(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in ("english_article.txt", "bad_timestamp.txt", "empty_file.txt", "hebrew_article.txt"):
        (seeds / name).write_bytes((DATA / name).read_bytes())
    (seeds / ".hidden_draft.txt").write_bytes((DATA / "bad_timestamp.txt").read_bytes())
    (seeds / "notes.md").write_text("not an article", encoding="utf-8")
    (seeds / "folder.txt").mkdir()
    reading = read_seeds(seeds, CONFIG)
    assert [article.source.name for article in reading.articles] == ["english_article.txt", "hebrew_article.txt"]
    assert [(error.path.name, error.line) for error in reading.rejected] == [
        ("bad_timestamp.txt", 1),
        ("empty_file.txt", 1),
        ("folder.txt", 1),
    ]


def test_file_names_that_fold_to_one_slug_get_distinct_slugs(tmp_path: Path) -> None:
    for name in ("News Item.txt", "news-item.txt"):
        (tmp_path / name).write_bytes(SAMPLE.read_bytes())
    articles = read_seeds(tmp_path, CONFIG).articles
    slugs = [article.slug for article in articles]
    assert len(set(slugs)) == 2
    assert all(slug.startswith("news-item-") for slug in slugs)
    assert len({article.id for article in articles}) == 2


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda text: text.encode("utf-8")))
def test_any_input_gives_an_article_or_a_named_error(data: bytes) -> None:
    path = Path("fuzz.txt")
    try:
        article = parse_article(data, path, CONFIG)
    except ArticleError as error:
        assert error.path == path
        assert error.line >= 1
        return
    assert article.title
    assert all(block.text and block.text == block.text.strip() for block in article.blocks)


_LINE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), min_size=1, max_size=60
).filter(lambda text: text.strip() != "")


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE_TEXT, min_size=1, max_size=6))
def test_every_line_after_the_title_becomes_one_block_in_order(lines: list[str]) -> None:
    data = "\n".join(["2025-01-01 00:00:00", "عنوان", *lines]).encode("utf-8")
    article = parse_article(data, Path("fuzz.txt"), CONFIG)
    assert [block.text for block in article.blocks] == [line.strip() for line in lines]
