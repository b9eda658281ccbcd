"""A real browser engine lays the sample article out right to left (headless Chromium).

The page is measured from inside the browser: where the heading's text ends, and on which side of
"Border Security" its Arabic neighbours are drawn. A screenshot is kept for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from PIL import Image

from .helpers import ROOT, build_into

ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOT = ARTIFACTS / "sample_article_in_chromium.png"
SLUG = "000_f16a7d7f239613ff"
# Set by .ci/run, which installs Chromium: there a missing browser is a failure, not a skip.
REQUIRED = os.environ.get("PUBLISHER_REQUIRE_BROWSER") == "1"


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


pytestmark = pytest.mark.skipif(
    chromium() is None and not REQUIRED, reason="no Chromium on this machine (.ci/run installs Debian's chromium)"
)

PROBE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>probe</title></head><body>
<iframe id="page" src="articles/%s.html" style="width: 900px; height: 1400px; border: 0"></iframe>
<pre id="result">pending</pre>
<script>
function box(document, node, start, end) {
  const range = document.createRange();
  if (start === undefined) { range.selectNodeContents(node); }
  else { range.setStart(node, start); range.setEnd(node, end); }
  const rects = [...range.getClientRects()].filter(r => r.width > 0);
  return {left: Math.min(...rects.map(r => r.left)), right: Math.max(...rects.map(r => r.right)),
          top: rects[0].top, lines: new Set(rects.map(r => Math.round(r.top))).size};
}
document.getElementById("page").addEventListener("load", async () => {
  const page = document.getElementById("page").contentDocument;
  await page.fonts.ready;
  const article = page.querySelector("article").getBoundingClientRect();
  const run = page.querySelector("span[dir=ltr]");
  const before = run.previousSibling, after = run.nextSibling;
  const lastWord = before.textContent.trimEnd().lastIndexOf(" ") + 1;
  const firstWordEnd = after.textContent.indexOf(" ", 1);
  document.getElementById("result").textContent = JSON.stringify({
    direction: getComputedStyle(page.documentElement).direction,
    article: {left: article.left, right: article.right},
    h1: box(page, page.querySelector("h1")),
    h2: box(page, page.querySelector("h2")),
    run: {...box(page, run), text: run.textContent, direction: getComputedStyle(run).direction,
          bidi: getComputedStyle(run).unicodeBidi},
    before: box(page, before, lastWord, before.textContent.trimEnd().length),
    after: box(page, after, 1, firstWordEnd),
    amiri: page.fonts.check("16px Amiri"),
  });
});
</script></body></html>
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    output = tmp_path_factory.mktemp("browser") / "output"
    build_into(ROOT / "seeds", output)
    (output / "probe.html").write_text(PROBE % SLUG, encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def run_chromium(profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    executable = chromium()
    assert executable is not None, "Chromium is required here (PUBLISHER_REQUIRE_BROWSER=1) but was not found"
    # As root Chromium needs --no-sandbox; the other switches keep it off this machine's closed network.
    command = [
        executable,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def layout(site: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    done = run_chromium(profile, "--virtual-time-budget=10000", "--dump-dom", site + "probe.html")
    start = done.stdout.index('<pre id="result">') + len('<pre id="result">')
    result = done.stdout[start : done.stdout.index("</pre>", start)]
    assert result != "pending", "the probe did not finish in Chromium"
    measured: dict[str, Any] = json.loads(result)
    return measured


def test_the_page_is_laid_out_right_to_left(layout: dict[str, Any]) -> None:
    assert layout["direction"] == "rtl"
    article, h2 = layout["article"], layout["h2"]
    # The heading's text starts at the right edge of the content and stops well short of the left.
    assert abs(h2["right"] - article["right"]) <= 1.5
    assert h2["left"] > article["left"] + 100
    assert h2["lines"] == 1
    assert abs(layout["h1"]["right"] - article["right"]) <= 1.5


def test_the_latin_run_is_isolated_between_its_arabic_neighbours(layout: dict[str, Any]) -> None:
    run, before, after = layout["run"], layout["before"], layout["after"]
    assert (run["text"], run["direction"], run["bidi"]) == ("Border Security", "ltr", "isolate")
    # Right to left: the word before the run is drawn to its right, the word after it to its left.
    if before["top"] == run["top"]:
        assert before["left"] >= run["right"] - 1
    if after["top"] == run["top"]:
        assert after["right"] <= run["left"] + 1
    assert before["top"] == run["top"] or after["top"] == run["top"], "the run shares a line with a neighbour"


def test_the_embedded_font_is_the_one_used(layout: dict[str, Any]) -> None:
    assert layout["amiri"] is True


def darkest(grey: Image.Image) -> float:
    low, _ = cast("tuple[float, float]", grey.getextrema())
    return low


def test_a_screenshot_is_kept_and_its_heading_ends_at_the_right_edge(
    site: str, layout: dict[str, Any], tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    run_chromium(
        tmp_path / "profile",
        "--window-size=900,1400",
        "--virtual-time-budget=10000",
        f"--screenshot={SCREENSHOT}",
        f"{site}articles/{SLUG}.html",
    )
    with Image.open(SCREENSHOT) as image:
        assert image.size == (900, 1400)
        grey = image.convert("L")
        # The first row of ink is the site's name above the article: it ends where the content box does.
        heading_row = next(y for y in range(grey.height) if darkest(grey.crop((0, y, 900, y + 1))) < 100)
        band = grey.crop((0, heading_row, 900, heading_row + 30))
        inked = [x for x in range(band.width) if darkest(band.crop((x, 0, x + 1, band.height))) < 100]
    assert inked, "no text found in the screenshot"
    assert abs(max(inked) - layout["article"]["right"]) <= 4
    assert min(inked) > layout["article"]["left"] + 50
