"""DAISY Ace, the EPUB accessibility checker, finds no violation in the books.

Ace is a Node.js program (npm `@daisy/ace-cli`) driving Chromium; .ci/run installs both and sets
PUBLISHER_REQUIRE_ACE=1, so there a missing Ace fails instead of skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .helpers import GOOD_MIXED, ROOT, build_into, make_seeds

LOCAL_ACE = ROOT / ".ci" / "ace" / "node_modules" / ".bin" / "ace-cli"
REQUIRED = os.environ.get("PUBLISHER_REQUIRE_ACE") == "1"


def ace() -> str | None:
    found = os.environ.get("ACE_CLI") or shutil.which("ace-cli")
    if found is None and LOCAL_ACE.exists():
        found = str(LOCAL_ACE)
    return found


def browser() -> str | None:
    return os.environ.get("PUPPETEER_EXECUTABLE_PATH") or shutil.which("chromium")


pytestmark = pytest.mark.skipif(
    (ace() is None or browser() is None) and not REQUIRED,
    reason="DAISY Ace or Chromium is not installed (.ci/run installs both)",
)


def run_ace(book: Path, report: Path) -> dict[str, Any]:
    executable, chromium = ace(), browser()
    assert executable is not None and chromium is not None, "Ace and Chromium are required here"
    environment = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium}
    subprocess.run(
        [executable, "--force", "--silent", "--outdir", str(report), str(book)],
        check=True,
        env=environment,
        capture_output=True,
        timeout=300,
    )
    result: dict[str, Any] = json.loads((report / "report.json").read_text(encoding="utf-8"))
    return result


def violations(report: dict[str, Any]) -> list[str]:
    return [
        f"{document['earl:testSubject']['url']}: {finding['earl:test']['dct:title']} "
        f"({finding['earl:test']['earl:impact']})"
        for document in report["assertions"]
        for finding in document.get("assertions", [])
    ]


@pytest.mark.parametrize("volumes", ["none", "year"])
def test_ace_finds_no_violation_in_a_multilingual_two_year_collection(tmp_path: Path, volumes: str) -> None:
    from publisher.config import Config

    seeds = make_seeds(tmp_path / "seeds", *GOOD_MIXED, "arabic_article_from_2024.txt")
    build_into(seeds, tmp_path / "output", Config(volumes=volumes, latin_language="en"))
    # The books, and the newest edition (the articles' second week: Persian and English).
    books = sorted((tmp_path / "output").glob("*.epub")) + sorted((tmp_path / "output").glob("editions/*.epub"))[-1:]
    assert len(books) == (1 if volumes == "none" else 3) + 1
    for book in books:
        report = run_ace(book, tmp_path / f"ace-{book.stem}")
        assert violations(report) == [], book.name
        assert report["earl:result"]["earl:outcome"] == "pass"
        metadata = report["a11y-metadata"]
        for required in ("schema:accessMode", "schema:accessibilityFeature", "schema:accessibilityHazard"):
            assert required in metadata["present"]
        assert "dcterms:conformsTo" in metadata["present"]
