"""`make digest-preview`: the digest of a sample day as HTML, and a screenshot of it as
headless Chromium renders it, for the README and for judging layout changes by eye.

    python -m bench.digest_preview docs/digest-preview.html docs/digest-preview.png

Rendered from bench/digest_sample.py's figures, not from Elasticsearch, so it needs no cluster
and shows every section; the tests prove the figures-from-Elasticsearch side.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from bench.chromium import OFFLINE_FLAGS
from bench.digest_sample import sample_figures
from earshot.digest.daily import write_preview

SAMPLE_KIBANA = "https://kibana.force.example"
WINDOW = (900, 4000)  # tall enough for the whole email; the empty foot is cropped


def screenshot(html: Path, png: Path) -> Path:
    """Chromium as it runs here: as root, so no sandbox; offline, so nothing phoned home."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        sys.exit("no chromium: apt-get install -y chromium (make digest-preview does)")
    with tempfile.TemporaryDirectory(prefix="earshot-chromium-") as profile:
        subprocess.run(
            [
                browser,
                "--headless",
                *OFFLINE_FLAGS,
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={png.resolve()}",
                f"--window-size={WINDOW[0]},{WINDOW[1]}",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    _crop_empty_foot(png)
    return png


def _crop_empty_foot(png: Path) -> None:
    """Cut the rows below the email that only repeat the page's bottom colour."""
    image = Image.open(png).convert("RGB")
    width, height = image.size
    background = image.getpixel((width // 2, height - 1))
    bottom = height
    while bottom > 1 and all(
        image.getpixel((x, bottom - 1)) == background for x in range(0, width, 4)
    ):
        bottom -= 1
    image.crop((0, 0, width, min(height, bottom + 16))).save(png, optimize=True)


def main(argv: list[str]) -> None:
    html, png = (Path(a) for a in argv) if len(argv) == 2 else (None, None)
    if html is None or png is None:
        sys.exit("usage: python -m bench.digest_preview OUT.html OUT.png")
    write_preview(sample_figures(), html, kibana=SAMPLE_KIBANA)
    screenshot(html, png)
    print(f"wrote {html} and {png}")


if __name__ == "__main__":
    main(sys.argv[1:])
