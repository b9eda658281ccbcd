"""Whatever lands in seeds/: every good article is published, every bad one reported, nothing injected."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree

from publisher.build import build, check
from publisher.cli import main
from publisher.config import Config
from publisher.reader import read_seeds

from .helpers import DATA, GOOD_MIXED, SAMPLE, build_into, make_seeds

CONFIG = Config(volumes="none")
HOSTILE_NAMES = ("with spaces in the name.txt", "مقال بأحرف عربية.txt", "dots..in..the..name.txt")
# Element names that appear as text in the fixtures and must never become elements.
INJECTED = {"script", "b"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("hostile")
    seeds = make_seeds(
        root / "seeds",
        *GOOD_MIXED,
        "duplicate_title_first.txt",
        "duplicate_title_second.txt",
        "whitespace_only_title.txt",
        "windows_1256.txt",
        "empty_file.txt",
        "timestamp_only.txt",
        "impossible_date.txt",
    )
    for name in HOSTILE_NAMES:
        shutil.copy(SAMPLE, seeds / name)
    shutil.copy(DATA / "english_article.txt", seeds / "duplicate_content.txt")
    (root / "outside.txt").write_bytes(SAMPLE.read_bytes())
    (seeds / "link_to_outside.txt").symlink_to(root / "outside.txt")
    (seeds / "a_directory.txt").mkdir()
    build_into(seeds, root / "output", CONFIG)
    return seeds, root / "output"


def test_good_articles_are_published_and_bad_ones_reported_by_file_and_line(hostile: tuple[Path, Path]) -> None:
    seeds, output = hostile
    reading = read_seeds(seeds, CONFIG)
    rejected = {error.path.name: (error.line, error.reason) for error in reading.rejected}
    assert rejected == {
        "a_directory.txt": (1, "not a regular file"),
        "empty_file.txt": (1, "empty file"),
        "impossible_date.txt": (1, rejected["impossible_date.txt"][1]),
        "link_to_outside.txt": (1, "symbolic link to a file outside the seeds folder; not followed"),
        "timestamp_only.txt": (2, rejected["timestamp_only.txt"][1]),
        "whitespace_only_title.txt": (3, rejected["whitespace_only_title.txt"][1]),
        "windows_1256.txt": (2, rejected["windows_1256.txt"][1]),
    }
    assert "day is out of range" in rejected["impossible_date.txt"][1]
    assert "title" in rejected["whitespace_only_title.txt"][1]
    published = {article.source.name for article in reading.articles}
    assert published == {*GOOD_MIXED, SAMPLE.name, *HOSTILE_NAMES, "duplicate_content.txt"} | {
        "duplicate_title_first.txt",
        "duplicate_title_second.txt",
    }
    atom = feedparser.parse((output / "feed.atom").read_bytes())
    assert atom.bozo == 0
    assert len(atom.entries) == len(published)
    ids = [entry.id for entry in atom.entries]
    assert len(ids) == len(set(ids))


def test_duplicate_titles_and_duplicate_content_stay_distinct_entries(hostile: tuple[Path, Path]) -> None:
    entries = feedparser.parse((hostile[1] / "feed.atom").read_bytes()).entries
    same_title = [entry for entry in entries if entry.title == "قمة جديدة لأمن الحدود"]
    assert len(same_title) == 2 and same_title[0].id != same_title[1].id and same_title[0].link != same_title[1].link
    english_title = "Summit agrees new measures against organised crime"
    same_content = [entry for entry in entries if entry.title == english_title]
    assert len(same_content) == 2 and same_content[0].id != same_content[1].id


def test_hostile_file_names_give_safe_page_names_inside_the_output(hostile: tuple[Path, Path]) -> None:
    output = hostile[1]
    pages = sorted(path.name for path in (output / "articles").iterdir())
    for page in pages:
        assert " " not in page and ".." not in page and "/" not in page
    assert "with-spaces-in-the-name.html" in pages
    assert "مقال-بأحرف-عربية.html" in pages
    assert "dots-in-the-name.html" in pages
    # Nothing was written anywhere but the output folder and its lock beside it (the seeds are untouched).
    root = output.parent
    assert sorted(path.name for path in root.iterdir()) == [".output.publisher.lock", "output", "outside.txt", "seeds"]


def test_text_that_looks_like_markup_never_becomes_markup_anywhere(hostile: tuple[Path, Path]) -> None:
    output = hostile[1]
    checked = 0
    for path in sorted(output.rglob("*")):
        documents: list[etree._Element]
        if path.suffix in {".html"}:
            documents = [lxml.html.document_fromstring(path.read_bytes())]
        elif path.suffix in {".atom", ".rss", ".xml"}:
            documents = [etree.fromstring(path.read_bytes())]
        elif path.suffix == ".epub":
            with zipfile.ZipFile(path) as book:
                documents = [
                    etree.fromstring(book.read(n)) for n in book.namelist() if n.endswith((".xhtml", ".opf", ".ncx"))
                ]
        elif path.suffix == ".json":
            feed = json.loads(path.read_bytes())
            documents = [lxml.html.fragment_fromstring(item["content_html"]) for item in feed["items"]]
        else:
            continue
        for document in documents:
            names = {etree.QName(element).localname for element in document.iter() if isinstance(element.tag, str)}
            assert not names & INJECTED, path
            checked += 1
        # Escaped in markup; JSON Feed's `title` and `summary` are plain text by its specification.
        if path.suffix not in {".epub", ".json"}:
            assert b"<script>" not in path.read_bytes(), path
    assert checked > 30
    # Shown literally: the markup fixture's text survives as text.
    page = lxml.html.document_fromstring((output / "articles" / "markup_in_text.html").read_bytes())
    assert "<script>alert(1)</script>" in page.text_content()
    assert "]]>" in page.text_content() and "&amp;" in page.text_content()


def test_a_one_megabyte_article_is_published_whole(tmp_path: Path) -> None:
    paragraph = "فقرة طويلة عن أمن الحدود والتعاون بين الدول في مواجهة الجريمة المنظمة. " * 10
    blocks = [f"{paragraph}{number}." for number in range(800)]
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "very_long.txt").write_text(
        "\n".join(["2025-05-01 10:00:00", "تقرير كبير", *blocks]) + "\n", encoding="utf-8"
    )
    assert (seeds / "very_long.txt").stat().st_size > 1_000_000
    build_into(seeds, tmp_path / "output", CONFIG)
    page = lxml.html.document_fromstring((tmp_path / "output" / "articles" / "very_long.html").read_bytes())
    main_element = page.find(".//main")
    assert main_element is not None
    assert [p.text_content() for p in main_element.iter("p") if p.get("class") is None] == blocks


def test_an_article_over_the_size_limit_is_rejected_before_it_is_read_whole(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds", "english_article.txt")
    reading = read_seeds(seeds, Config(max_article_bytes=1000))
    assert [article.source.name for article in reading.articles] == ["english_article.txt"]
    [error] = reading.rejected
    assert (error.path.name, error.line) == (SAMPLE.name, 1)
    assert str(error).endswith(
        "larger than max_article_bytes (1,000 bytes) (hint: split it, or raise max_article_bytes)"
    )


def test_a_configured_input_encoding_reads_windows_1256_and_still_reads_utf8(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds", "windows_1256.txt")
    reading = read_seeds(seeds, Config(input_encoding="windows-1256"))
    assert reading.rejected == ()
    titles = {article.source.name: article.title for article in reading.articles}
    assert titles["windows_1256.txt"] == "قمة مكافحة الجريمة المنظمة"
    assert titles[SAMPLE.name].startswith("اجتماع قمة")  # UTF-8 is still read as UTF-8, never as mojibake


def test_an_unreadable_file_is_reported_and_the_rest_published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, who can read a mode-000 file: refuse the open itself instead.
    seeds = make_seeds(tmp_path / "seeds", "english_article.txt")
    real_open = Path.open

    def refusing_open(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "english_article.txt":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", refusing_open)
    result = build_into(seeds, tmp_path / "output", CONFIG)
    assert result.published == 1
    [error] = result.rejected
    assert str(error).endswith("english_article.txt:1: cannot read file: Permission denied")


def test_check_reports_like_build_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds = make_seeds(tmp_path / "seeds", "english_article.txt", "bad_timestamp.txt", "windows_1256.txt")
    before = sorted(Path.cwd().rglob("*")), sorted(tmp_path.rglob("*"))
    status = main(["check", "--seeds", str(seeds)])
    out, err = capsys.readouterr()
    assert (sorted(Path.cwd().rglob("*")), sorted(tmp_path.rglob("*"))) == before  # no output, no state
    assert status == 1
    assert out == "checked 4 articles: 2 publishable, 2 rejected\n"
    build_status = main(["build", "--seeds", str(seeds), "--output", str(tmp_path / "output"), "-q"])
    assert (status, err) == (build_status, capsys.readouterr().err)
    assert check(make_seeds(tmp_path / "good"), CONFIG) == (1, ())
    assert main(["check", "--seeds", str(tmp_path / "good"), "-q"]) == 0


def test_nothing_is_written_outside_the_output_folder_whatever_the_names(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in ("..%2f..%2fescape.txt", "-rf.txt", "CON.txt", "a%00b.txt", "ـــ.txt", "%2e%2e.txt"):
        shutil.copy(SAMPLE, seeds / name)
    output = tmp_path / "deep" / "output"
    build(seeds, output, CONFIG)
    outside = [
        path for path in tmp_path.rglob("*") if not path.is_relative_to(output) and not path.is_relative_to(seeds)
    ]
    assert sorted(outside) == [tmp_path / "deep", tmp_path / "deep" / ".output.publisher.lock"]  # the lock, beside
    for page in (output / "articles").iterdir():
        assert page.resolve().parent == (output / "articles").resolve()
