"""The cover: its character map read with HarfBuzz, so that fontTools stays out of the build."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from fontTools.ttLib import TTFont

from publisher import cover

HEADLINE = "اجتماع قمة مكافحة الجريمة المنظمة في الهجرة: توافق على تدابير جديدة"


@pytest.mark.parametrize("file_name", ["Amiri-Regular.ttf", "Amiri-Bold.ttf"])
def test_harfbuzz_reads_the_same_character_map_as_fonttools(file_name: str) -> None:
    data = cover._font_bytes(file_name)
    assert cover._covered_characters(file_name) == frozenset(TTFont(io.BytesIO(data)).getBestCmap())
    assert cover._drawable(HEADLINE, file_name)
    assert not cover._drawable("כותרת", file_name)


def test_drawing_a_cover_does_not_load_fonttools() -> None:
    script = (
        "import sys\n"
        "from publisher.cover import CoverText, render_cover, render_thumbnail\n"
        "render_thumbnail(render_cover(CoverText('أخبار', None, 'مارس 2025', '1', [('عنوان', 'ar')], 'ف', 'ar')))\n"
        "assert 'fontTools' not in sys.modules, 'fontTools was imported'\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
