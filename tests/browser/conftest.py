"""Playwright on Debian's Chromium against the live server; axe-core checks every page visited.

Never skips: without Chromium the run fails and says what to install.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("COSELL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make here
# (fixtures, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Browser tests need Chromium at {CHROMIUM}: apt-get install chromium "
            "(make test installs it when run as root).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Pages:
    """A browser context for one persona, with screenshots and accessibility checks."""

    def __init__(self, browser, live_server, test_name: str, locale: str = "en-US", steps=None):
        # Reduced motion: Bootstrap then skips its colour transitions, so axe never measures a
        # button's contrast halfway through a hover fade.
        self.context = browser.new_context(
            locale=locale, viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
        )
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        # Every Content-Security-Policy violation is a page that no longer fully works.
        self.csp_violations: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                self.csp_violations.append(f"{self.page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        self.base = live_server.url
        self.test_name = re.sub(r"[^\w.-]+", "_", test_name)
        # Shared by every persona of one test, so the screenshots sort in the order taken.
        self.steps = steps if steps is not None else [0]

    def goto(self, path: str):
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return response

    def login(self, username: str, password: str):
        self.goto("/accounts/login/")
        self.page.get_by_label(re.compile("Username|用户名")).fill(username)
        self.page.get_by_label(re.compile("Password|密码")).fill(password)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_load_state("networkidle")

    def shot(self, name: str) -> Path:
        self.steps[0] += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.test_name}-{self.steps[0]:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_accessibility(self):
        """No critical or serious axe-core violation on the current page."""
        # Evaluated through the DevTools protocol, not a <script> tag the CSP would refuse.
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate("async () => await axe.run(document)")
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("critical", "serious")
        ]
        assert bad == [], f"accessibility violations on {self.page.url}: {bad}"

    def visit(self, path: str, name: str):
        """Open a page, check it (accessibility, no CSP violation), and keep a screenshot."""
        response = self.goto(path)
        assert self.csp_violations == [], self.csp_violations
        self.check_accessibility()
        self.shot(name)
        return response

    def close(self):
        self.context.close()


@pytest.fixture
def pages(browser, live_server, request):
    opened = []
    steps = [0]

    def open_pages(locale: str = "en-US") -> Pages:
        p = Pages(browser, live_server, request.node.name, locale=locale, steps=steps)
        opened.append(p)
        return p

    yield open_pages
    violations = [v for p in opened for v in p.csp_violations]
    for p in opened:
        p.close()
    assert violations == [], violations
