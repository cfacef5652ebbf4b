"""The web app with auth on, in a real headless Chromium against a real server: the sign-in
form, the session cookie (HttpOnly, SameSite=Strict) and its CSRF header, the lineage in the
details panel, and signing out."""

from __future__ import annotations

import pytest

from earnest import Earnest, Settings
from earnest.api import create_app
from earnest.samples import sample_dir

from .browser import CHROMIUM_ARGS, LiveServer, artifact, chromium_or_skip
from .components import patience

CALL = "NWIN_Q3_FY2024_earnings_call"


@pytest.fixture(scope="module")
def live(tmp_path_factory, embedder):
    chromium = chromium_or_skip()
    library = tmp_path_factory.mktemp("webtrust") / "library"
    service = Earnest(Settings.load(library, env={}), embedder=embedder)
    service.ingest([sample_dir()], collection="research")
    _, token = service.create_key("Dana (research)", "editor", ["research"])
    with LiveServer(create_app(service=service)) as server:
        server.chromium, server.token, server.service = chromium, token, service
        yield server


@pytest.fixture()
def page(live):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(live.chromium), headless=True,
                                    args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.problems = problems
        yield page
        context.close()
        browser.close()
    # the only errors the browser saw are the refusals these tests provoke
    assert all("401" in p or "403" in p for p in problems), problems


def test_sign_in_ask_and_read_the_lineage(live, page):
    page.goto(live.url)
    form = page.locator("#signin")
    form.wait_for()
    assert page.locator("#view-ask").is_hidden()

    # a wrong key: the server's message, still signed out
    page.fill("#signin-key", "ek_000000000000_" + "x" * 43)
    page.click("#signin-button")
    page.locator("#signin-error", has_text="unknown API key").wait_for()

    page.fill("#signin-key", live.token)
    page.click("#signin-button")
    page.locator("#whoami", has_text="Dana (research) (editor)").wait_for()
    assert form.is_hidden() and page.locator("#view-ask").is_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["earnest_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert live.token not in str(cookies)  # the key itself is never stored in the browser
    assert "earnest_session" not in page.evaluate("document.cookie")

    page.fill("#question", "What did the CFO say about gross margin?")
    page.click("#ask-button")
    page.locator("#answer-status.answered").wait_for(timeout=patience(60) * 1000)
    page.locator("#details summary").click()
    lineage = page.locator("#lineage .lineage-link").first
    lineage.wait_for(timeout=patience(30) * 1000)
    text = page.locator("#lineage").inner_text()
    info = live.service.document(CALL)
    assert f"sha256 {info.content_hash[:12]}" in text
    assert live.service.settings.index_identity() in text
    assert "collection research" in text and "rank 1" in text
    answer_id = page.locator("#lineage p.muted").first.inner_text().split()[-1]
    kept = live.service.lineage(answer_id)
    assert page.locator("#lineage .lineage-text").all_inner_texts() == [
        s["text"] for s in kept["sentences"]]
    assert kept["asked_by"] == live.service.list_keys()[0].id
    page.screenshot(path=str(artifact("lineage.png")), full_page=True)

    # the session's changes carry the CSRF header; a bare fetch with the cookie is refused
    bare = page.evaluate(f"""fetch('/v1/documents/{CALL}', {{method: 'PATCH',
        headers: {{'Content-Type': 'application/json'}},
        body: JSON.stringify({{fiscal_quarter: 3}})}}).then(r => r.status)""")
    assert bare == 403
    done = page.evaluate(f"""api('/v1/documents/{CALL}', {{method: 'PATCH',
        headers: {{'Content-Type': 'application/json'}},
        body: JSON.stringify({{fiscal_quarter: 3}})}}).then(d => d.corrections)""")
    assert done == {"fiscal_quarter": 3}

    # uploads go to the key's collection
    page.goto(f"{live.url}/#library")
    page.locator(f'#docs tr[data-doc="{CALL}"]').wait_for()
    assert page.locator("#upload-collection option").all_inner_texts() == ["research"]
    assert page.locator(f'#docs tr[data-doc="{CALL}"] td[data-label="Collection"]'
                        ).inner_text() == "research"

    page.click("#signout")
    form.wait_for()
    page.goto(f"{live.url}/#library")
    form.wait_for()
    assert page.locator("#docs tbody tr").count() == 0
