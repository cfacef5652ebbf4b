"""The web app at a phone's width (390 px) and a laptop's (1366 px), in a real headless
Chromium against a real server: tapping a citation brings the evidence page into view with the
quote on screen, the page is legible (zoom, or its text with the quote marked), upload rows lay
out cleanly and a failed file looks failed. Screenshots go to test-artifacts/browser/, and to
docs/screenshots/ with EARNEST_UPDATE_SCREENSHOT=1."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from earnest import Earnest, Settings
from earnest.api import create_app

from .browser import CHROMIUM_ARGS, LiveServer, artifact, chromium_or_skip
from .components import patience
from .conftest import copy_library

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SIZES = {"phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
                   "has_touch": True, "device_scale_factor": 2},
         "laptop": {"viewport": {"width": 1366, "height": 768}}}
POINTS_WIDE = 612  # the sample release is US Letter: 8.5 in x 72 pt
BAD = "rgb(179, 38, 30)"  # --bad in style.css


@pytest.fixture(scope="module")
def live(tmp_path_factory, embedder, sample_library):
    chromium = chromium_or_skip()
    library = copy_library(sample_library, tmp_path_factory.mktemp("layout") / "library")
    service = Earnest(Settings.load(library, env={}), embedder=embedder)
    with LiveServer(create_app(service=service)) as server:
        server.chromium = chromium
        yield server
    service.close()


@pytest.fixture(scope="module")
def browser(live):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(live.chromium), headless=True,
                                    args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=list(SIZES))
def page(request, browser):
    context = browser.new_context(**SIZES[request.param])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.size = request.param
    yield page
    context.close()
    assert not errors, errors


def screenshot(page, name: str) -> None:
    page.screenshot(path=str(artifact(name)))
    if os.environ.get("EARNEST_UPDATE_SCREENSHOT"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name))


def rect(page, selector: str) -> dict:
    return page.eval_on_selector(selector, "e => e.getBoundingClientRect().toJSON()")


def on_screen(page, box: dict) -> bool:
    view = page.viewport_size
    return box["top"] >= -1 and box["bottom"] <= view["height"] + 1 and box["height"] > 0


def image_loaded(page) -> None:
    """Wait for the page image (the app's CSP forbids wait_for_function's eval)."""
    image = page.locator("#viewer-page img.page-image")
    image.wait_for(timeout=patience(30) * 1000)
    for _ in range(300):
        if image.evaluate("e => e.complete && e.naturalWidth > 0"):
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)  # the scroll to the highlight runs on the image's load event


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9$%]+", text.lower()))


def test_a_tapped_citation_brings_a_legible_page_into_view(live, page):
    page.goto(f"{live.url}/#ask")
    page.fill("#question", "Why did revenue decline in the third quarter?")
    page.select_option("#f-type", "earnings_release")  # cite the PDF
    page.keyboard.press("Enter")
    page.locator("#answer-status.answered").wait_for(timeout=patience(60) * 1000)
    chip = page.locator("#answer-text .chip").first
    chip.tap() if page.size == "phone" else chip.click()
    image_loaded(page)

    viewer = rect(page, "#viewer")
    assert -1 <= viewer["top"] < page.viewport_size["height"] / 3, viewer  # its top in view
    highlight = rect(page, "#viewer-page .hl")
    assert on_screen(page, highlight), (highlight, page.viewport_size)
    pane = rect(page, "#viewer-page")
    assert pane["top"] - 1 <= highlight["top"] and highlight["bottom"] <= pane["bottom"] + 1

    # Legible: at least one CSS pixel per PDF point (10 pt print at 10 px or more), by zooming
    # where the screen is narrow; the highlight stays in view in the pane.
    for _ in range(3):
        if rect(page, "#viewer-page .page-image")["width"] / POINTS_WIDE >= 1.0:
            break
        page.click("#zoom-in")
        image_loaded(page)
    shown = rect(page, "#viewer-page .page-image")["width"] / POINTS_WIDE
    assert shown >= 1.0, shown
    if page.size == "laptop":
        assert page.locator("#zoom-label").inner_text() == "100%"  # legible without zooming
    pane, highlight = rect(page, "#viewer-page"), rect(page, "#viewer-page .hl")
    assert pane["top"] - 1 <= highlight["top"] and highlight["bottom"] <= pane["bottom"] + 1
    assert pane["left"] - 1 <= highlight["left"] <= pane["right"]
    screenshot(page, f"{page.size}-evidence.png")

    # The page's text, the quote marked, in a readable size.
    page.click("#view-text")
    mark = page.locator("#viewer-page .page-text mark")
    mark.wait_for(timeout=patience(30) * 1000)
    quote = page.locator("#viewer-quote").inner_text()
    assert _words(quote) and _words(quote) <= _words(mark.inner_text())
    size = page.eval_on_selector("#viewer-page .page-text",
                                 "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 14, size
    marked = rect(page, "#viewer-page .page-text mark")
    assert 0 <= marked["top"] < page.viewport_size["height"] - 40, marked  # where it starts
    screenshot(page, f"{page.size}-evidence-text.png")
    overflow = page.evaluate("document.documentElement.scrollWidth - "
                             "document.documentElement.clientWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px"


def test_upload_rows_lay_out_cleanly_and_failures_look_failed(live, page):
    page.goto(f"{live.url}/#library")
    page.set_input_files("#file-input", [{"name": "broken.pdf", "mimeType": "application/pdf",
                                          "buffer": b"%PDF-1.7\n1 0 obj <<"}])
    page.set_input_files("#file-input", [{
        "name": f"guidance-{page.size}.txt", "mimeType": "text/plain",
        "buffer": f"Guidance ({page.size}): revenue of $440 million next quarter.\n".encode()}])
    failed = page.locator('li.upload[data-file="broken.pdf"]')
    done = page.locator(f'li.upload[data-file="guidance-{page.size}.txt"]')
    failed.locator(".up-status", has_text="failed").wait_for(timeout=patience(60) * 1000)
    done.locator(".up-status", has_text="ingested").wait_for(timeout=patience(60) * 1000)

    # Failed: no (full) progress bar, the message in red, a red edge.
    assert failed.locator("progress").is_hidden()
    status = failed.locator(".up-status")
    assert status.evaluate("e => getComputedStyle(e).color") == BAD
    assert failed.evaluate("e => getComputedStyle(e).borderLeftColor") == BAD
    assert "corrupt" in status.inner_text().lower()

    # Done: name, bar and status do not overlap; the status starts after the bar or under the
    # name's start, never under the bar's end; nothing runs off the screen.
    name, bar, text = (done.locator(s).bounding_box() for s in (".up-name", "progress",
                                                                 ".up-status"))
    width = page.viewport_size["width"]
    for box in (name, bar, text):
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
    assert text["x"] >= bar["x"] + bar["width"] - 1, (bar, text)  # beside the bar
    assert abs((text["y"] + text["height"] / 2) - (bar["y"] + bar["height"] / 2)) < 12
    if page.size == "phone":
        assert name["y"] + name["height"] <= bar["y"] + 1  # the name has its own line
    done.scroll_into_view_if_needed()
    screenshot(page, f"{page.size}-uploads.png")
