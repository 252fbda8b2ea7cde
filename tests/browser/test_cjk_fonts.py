"""Chinese text in the browser is drawn with real glyphs, not as empty boxes (tofu).

A machine without a CJK font draws every hanzi as the same .notdef box. The test takes the Han
characters the home page actually shows, sets each in a cell of its own in the page's own font
stack (the body's CSS ``font-family``), screenshots the cells and compares them with Pillow: every
character must give a different, inked image, and none may look like an unassigned code point
(U+0378, which no font has, so it is always drawn as .notdef).
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import Shots

pytestmark = pytest.mark.slow

CELL = 48  # px: one character per cell, 32 px type
COLUMNS = 20
NOTDEF = "\u0378"  # unassigned in Unicode: no font has it

PROBE = """
([cell, columns, notdef]) => {
  const han = [...new Set([...document.body.innerText].filter((c) => /\\p{Script=Han}/u.test(c)))].slice(0, 39);
  const probe = document.createElement('div');
  probe.id = 'cjk-probe';
  // font-family is inherited from <body>: the app's own stack, as the page's text uses it.
  probe.style.cssText = `position: fixed; left: 0; top: 0; z-index: 2147483647; display: grid;
    grid-template-columns: repeat(${columns}, ${cell}px); grid-auto-rows: ${cell}px; background: #fff;
    color: #000; font-size: 32px; font-weight: 400; line-height: ${cell}px; margin: 0; padding: 0`;
  for (const c of [...han, notdef]) {
    const span = document.createElement('span');
    span.textContent = c;
    span.style.cssText = 'text-align: center; overflow: hidden';
    probe.appendChild(span);
  }
  document.body.appendChild(probe);
  return { han, font: getComputedStyle(probe).fontFamily };
}
"""


def cells(png: bytes, count: int) -> list[bytes]:
    """The ``count`` cells of the probe's screenshot, each as 1-bit pixels (dark = ink)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    out = []
    for i in range(count):
        x, y = (i % COLUMNS) * CELL, (i // COLUMNS) * CELL
        cell = image.crop((x, y, x + CELL, y + CELL))
        out.append(cell.point(lambda p: 255 if p < 128 else 0).tobytes())
    return out


def test_home_page_draws_chinese_glyphs_not_boxes(page: Page, shot: Shots) -> None:
    page.goto("/")
    expect(page.locator("h1").first).to_be_visible()
    page.evaluate("() => document.fonts.ready")
    shot("home")  # for a person to look at: tests/browser/artifacts/<test>/01-home.png

    probe = page.evaluate(PROBE, [CELL, COLUMNS, NOTDEF])
    han: list[str] = probe["han"]
    assert len(han) >= 12, f"the home page shows too few Chinese characters to judge: {han}"
    images = cells(page.locator("#cjk-probe").screenshot(), len(han) + 1)
    *glyphs, notdef = images

    blank = [c for c, image in zip(han, glyphs, strict=True) if b"\xff" not in image]
    assert not blank, f"drawn as nothing in {probe['font']}: {''.join(blank)}"
    boxes = [c for c, image in zip(han, glyphs, strict=True) if image == notdef]
    assert not boxes, (
        f"drawn as the .notdef box in {probe['font']}: {''.join(boxes)}\n"
        "no CJK font on this machine? apt-get install -y fonts-wqy-microhei"
    )
    distinct = len(set(glyphs))
    assert distinct == len(han), f"{len(han)} characters give only {distinct} different images: tofu"
