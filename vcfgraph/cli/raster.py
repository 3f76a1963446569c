"""PNG from finished SVG: Chromium (Debian's ``/usr/bin/chromium``) through playwright.

``render --format png`` lays the pathway out once and restyles that SVG for every case (as
``--format svg`` does); this module turns the SVG files into PNG in one browser, so a deck of N
cases costs one layout, N small route-view layouts and one browser start instead of 2N ``dot``
renders. Pictures are the SVG drawn at its own size: 1 pt = 4/3 px, 96 dpi, as ``dot`` draws PNG.
(PDF stays with ``dot``: it is vector output, cheap to make, and measured faster than Chromium's
print; see benchmarks/raster.py.)

Reproducible: the SVG is drawn as an image into a canvas (an SVG image never runs script nor
loads anything, and the browser is offline), Chromium draws it with its software rasteriser and
encodes the PNG itself. Two workers share the browser, one page each, so both cores draw.

The browser is ``/usr/bin/chromium`` (``VCFGRAPH_CHROMIUM`` names another); playwright's own
browser download is never used. Playwright is the optional extra ``vcfgraph[raster]``.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from vcfgraph.cli.reproducible import child_env
from vcfgraph.errors import UsageError

__all__ = ["FORMATS", "Picture", "rasterise", "chromium_path", "LAUNCH_ARGS"]

FORMATS = ("png",)
DEFAULT_CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-gpu-compositing", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--font-render-hinting=none"]
WORKERS = 2
_TIMEOUT_MS = 120_000
_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([0-9.]+)pt"[^>]*?\sheight="([0-9.]+)pt"')
#: the page the pictures are drawn on: nothing but this script, which draws an SVG given as text
#: into a canvas as an image (an SVG image never runs script nor loads anything) and returns
#: the PNG the canvas encodes, as base64
_DRAW = """async ([svg, width, height]) => {
  const url = URL.createObjectURL(new Blob([svg], {type: 'image/svg+xml'}));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', {alpha: false});
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(img, 0, 0, width, height);
    const png = await canvas.convertToBlob({type: 'image/png'});
    const data = await new Promise((done, fail) => {
      const reader = new FileReader();
      reader.onload = () => done(reader.result);
      reader.onerror = () => fail(reader.error);
      reader.readAsDataURL(png);
    });
    return data.slice(data.indexOf(',') + 1);
  } finally {
    URL.revokeObjectURL(url);
  }
}"""
_PLAYWRIGHT_HINT = ("install the optional extra: pip install 'vcfgraph[raster]' (it brings playwright; the browser "
                    "is the system's chromium, never a playwright download)")


class Picture(NamedTuple):
    """One SVG to draw: the file name to give the result, the SVG text, and its title."""

    name: str
    svg: str
    title: str = ""


def chromium_path() -> str:
    """The Chromium executable: ``VCFGRAPH_CHROMIUM``, or Debian's ``/usr/bin/chromium``.

    Raises:
        UsageError: it is not there, with the command that installs it.
    """
    path = os.environ.get("VCFGRAPH_CHROMIUM") or DEFAULT_CHROMIUM
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        raise UsageError(f"PNG pictures are drawn by Chromium, which is not installed at {path}: install it with "
                         "'apt-get install chromium' (or set VCFGRAPH_CHROMIUM to its path), or use --format svg")
    return path


def _playwright() -> Any:
    """Playwright's async API, imported here: it is the optional extra ``vcfgraph[raster]``."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        raise UsageError(f"PNG pictures are drawn by Chromium through playwright, which is not installed: "
                         f"{_PLAYWRIGHT_HINT}; or use --format svg") from None
    return async_playwright


def _size(picture: Picture) -> tuple[float, float]:
    found = _SIZE.search(picture.svg[:4096])
    if not found:
        raise UsageError(f"{picture.name}: the SVG does not give its width and height in pt")
    return float(found.group(1)), float(found.group(2))


async def _draw(page: Any, picture: Picture, fmt: str) -> bytes:
    width_pt, height_pt = _size(picture)
    width, height = max(1, int(width_pt * 4 / 3 + 1e-6)), max(1, int(height_pt * 4 / 3 + 1e-6))  # as dot sizes PNG
    return base64.b64decode(await page.evaluate(_DRAW, [picture.svg, width, height]))


async def _worker(browser: Any, queue: list[Picture], fmt: str, out: dict[str, bytes]) -> None:
    context = await browser.new_context(java_script_enabled=True, offline=True, device_scale_factor=1,
                                        color_scheme="light", locale="en-US", timezone_id="UTC")
    page = await context.new_page()
    page.set_default_timeout(_TIMEOUT_MS)
    try:
        while queue:
            picture = queue.pop(0)
            out[picture.name] = await _draw(page, picture, fmt)
    finally:
        await context.close()


async def _run(pictures: list[Picture], fmt: str, executable: str) -> dict[str, bytes]:
    async with _playwright()() as pw:
        browser = await pw.chromium.launch(executable_path=executable, headless=True, args=LAUNCH_ARGS,
                                           env=child_env(), timeout=_TIMEOUT_MS)
        try:
            out: dict[str, bytes] = {}
            queue = list(pictures)
            await asyncio.gather(*(_worker(browser, queue, fmt, out) for _ in range(min(WORKERS, len(queue)))))
            return out
        finally:
            await browser.close()


def rasterise(pictures: list[Picture], fmt: str) -> dict[str, bytes]:
    """Draw each SVG as PNG.

    Args:
        pictures: the SVG files (standalone SVG text with ``width`` and ``height`` in pt).
        fmt: ``png``.

    Returns:
        File name -> bytes, in the order of ``pictures``; the same input gives the same bytes.

    Raises:
        UsageError: Chromium or playwright is missing (with how to install them), the format is
            unknown, or the browser fails or times out.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown picture format '{fmt}' (allowed: {', '.join(FORMATS)})")
    if not pictures:
        return {}
    executable = chromium_path()
    _playwright()
    from playwright.async_api import Error as PlaywrightError  # there: _playwright() found playwright

    try:
        out = asyncio.run(_run(list(pictures), fmt, executable))
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"Chromium could not draw the {fmt.upper()} files: {first}") from None
    return {p.name: out[p.name] for p in pictures}
