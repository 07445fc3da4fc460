"""Browser tests: Playwright drives Debian's Chromium against the registry served by gunicorn.

One server for the whole session (tests/browser/live.py): a fresh SQLite database with the
demo data, so tests create what they change under new names and never rely on another
test's changes. Without Chromium (or Playwright) every browser test is skipped and the run
says so loudly at the end. A failed test leaves a screenshot and the page's HTML in
tests/browser/artifacts/ (ignored by git).
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from registry.demo import DEMO_PASSWORD
from tests.browser.live import LiveRegistry

CHROMIUM = os.environ.get("REGISTRY_CHROMIUM") or shutil.which("chromium")
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
BROWSER_MISSING = (
    "BROWSER TESTS SKIPPED: Chromium not found (apt-get install chromium, or set "
    "REGISTRY_CHROMIUM) or Playwright not installed (pip install -e '.[test]')"
)
_skipped = []


def _browser_missing():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return True
    return not (CHROMIUM and Path(CHROMIUM).exists())


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.write_sep("!", BROWSER_MISSING, red=True, bold=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, for the page fixture's failure artifacts."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    """The registry served on loopback with its worker, for the whole session; both are
    stopped at the end."""
    if _browser_missing():
        _skipped.append(True)
        pytest.skip(BROWSER_MISSING)
    registry = LiveRegistry(tmp_path_factory.mktemp("live"))
    registry.prepare()
    try:
        registry.serve()
        registry.run_worker()
        yield registry
    finally:
        registry.stop()


@pytest.fixture(scope="session")
def browser(live):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _open_page(browser, live, **options):
    """A new context (its own cookies) on the served registry, and a page in it."""
    context = browser.new_context(base_url=live.url, accept_downloads=True, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    return context, page


def _save_artifacts(request, page):
    """After a failed test: a full-page screenshot and the HTML, named after the test."""
    report = getattr(request.node, "report_call", None)
    if report is None or not report.failed:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    stem = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.nodeid)
    try:
        page.screenshot(path=f"{stem}.png", full_page=True)
        Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
    except Exception as exc:
        Path(f"{stem}.txt").write_text(f"no screenshot: {exc}", encoding="utf-8")


@pytest.fixture
def page(request, browser, live):
    """A fresh browser context (no cookies) at desktop size."""
    context, page = _open_page(browser, live, viewport={"width": 1280, "height": 900})
    yield page
    _save_artifacts(request, page)
    context.close()


@pytest.fixture
def phone(request, browser, live):
    """A fresh browser context at a phone's size (390 × 844, touch)."""
    context, page = _open_page(
        browser,
        live,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    yield page
    _save_artifacts(request, page)
    context.close()


def sign_in(page, email, password=DEMO_PASSWORD):
    """Sign in through the form, as a person would; lands on the role's home page."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit], main input[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"sign-in as {email} failed"
