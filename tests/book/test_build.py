"""The site builds with zero warnings, offline, and has a page for every chapter."""
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from repro.book import catalog, runner, status

VERDICT = re.compile(r"REPRODUCED|NOT TESTABLE HERE")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    jb = Path(sys.executable).parent / "jupyter-book"
    proc = subprocess.run([str(jb), "build", str(runner.ROOT), "--path-output", str(out), "-W", "-n",
                           "--keep-going"], capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return out / "_build" / "html"


def test_every_chapter_part_and_status_page_exists(site):
    for ch in runner.chapters():
        page = site / "book" / ch.part / f"{ch.slug}.html"
        assert page.exists(), page
        text = page.read_text()
        assert VERDICT.search(text), f"{page} shows no verdict"
        if not status.read_status(ch.executed).legacy:
            assert "Claims tested here, declared before running" in text and "admonition" in text, (
                f"{page} does not render the claim box")
        assert "<img" in text, f"{page} shows no figure"
        assert 'class="bibtex-citation" id="id1">[]' not in text, f"{page} has an unresolved citation"
    for key in catalog.parts():
        assert (site / "book" / key / "index.html").exists()
    status_html = html.unescape((site / "book" / "status.html").read_text())
    missing = [p.slug for p in catalog.papers() if re.findall(r"[A-Za-z]{5,}", p.title)[0] not in status_html]
    assert not missing, f"papers missing from the status page: {missing}"


def test_math_is_served_offline(site):
    pages = list(site.glob("book/**/*.html"))
    assert (site / "_static" / "mathjax").is_dir()
    for page in pages:
        text = page.read_text()
        assert "mathjax@" not in text and "cdn.jsdelivr.net/npm/mathjax" not in text, page
        if 'class="math' in text:
            assert "_static/mathjax" in text, f"{page} has math but no offline MathJax"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_chapter_renders_offline_in_chromium(site, tmp_path):
    """With no network, a chapter page has its sidebar, figures, and math typeset by MathJax."""
    chapter = next((c for c in runner.chapters() if "$" in c.source.read_text()), None)
    if chapter is None:
        pytest.skip("no chapter with math yet")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path}", "--virtual-time-budget=10000", "--dump-dom"]
    page = site / "book" / chapter.part / f"{chapter.slug}.html"
    dom = subprocess.run([CHROMIUM, *flags, page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert "bd-sidebar-primary" in dom and "<img" in dom
    assert "mjx-container" in dom, "MathJax did not typeset the page offline"
