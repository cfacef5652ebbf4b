"""In the browser, a question about a company the library lacks says so and what it holds,
with no citations (real Chromium against a real server)."""

from __future__ import annotations

import pytest

from earnest import Earnest, Settings
from earnest.api import create_app

from .browser import CHROMIUM_ARGS, LiveServer, artifact, chromium_or_skip
from .components import patience
from .conftest import copy_library


@pytest.fixture(scope="module")
def live(tmp_path_factory, embedder, sample_library):
    chromium = chromium_or_skip()
    library = copy_library(sample_library, tmp_path_factory.mktemp("web-scope") / "library")
    service = Earnest(Settings.load(library, env={}), embedder=embedder)
    with LiveServer(create_app(service=service)) as server:
        server.chromium = chromium
        yield server


def test_a_company_the_library_lacks_is_not_found_in_the_browser(live) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(live.chromium), headless=True,
                                    args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live.url}/#ask")
        page.fill("#question", "Why did Costco's revenue fall in the third quarter?")
        page.keyboard.press("Enter")
        page.locator("#answer-status.not_found").wait_for(timeout=patience(60) * 1000)
        text = page.locator("#answer-text").inner_text()
        assert "no documents of Costco (COST)" in text and "Northwind" in text
        assert page.locator("#answer-text .chip").count() == 0
        assert page.locator("#sources li").count() == 0
        page.screenshot(path=str(artifact("ask-not-held.png")))
        # The company it holds is answered, with citations.
        page.fill("#question", "Why did Northwind's revenue fall in the third quarter?")
        page.keyboard.press("Enter")
        page.locator("#answer-status.answered").wait_for(timeout=patience(60) * 1000)
        assert page.locator("#answer-text .chip").count() >= 1
        browser.close()
        assert not errors, errors
