"""Suite-wide test set-up.

Tests that need PostgreSQL or a real browser carry the ``postgres`` or ``browser`` marker
and skip, with the reason, where those are missing. CI sets FINDER_REQUIRE_ALL_TESTS=1,
under which any skipped test fails the run: there, everything must have run. CI also
sets FINDER_BROWSER_TESTS=1, under which a missing browser fails a browser test outright.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests import saved_catalogue
from tests.browser import csp_violations
from tests.figures import FIGURES

REQUIRE_ALL = os.environ.get("FINDER_REQUIRE_ALL_TESTS", "") == "1"

# Browser tests: Debian's chromium and chromium-driver, never a downloaded driver.
BROWSER_REQUIRED = os.environ.get("FINDER_BROWSER_TESTS", "") == "1"
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(autouse=True)
def _skip_postgres_only(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://... (CI does; see README)")


@pytest.fixture(autouse=True)
def _empty_finder_caches() -> None:
    """The finder keeps the catalogue's vocabularies per process (finder/vocabulary.py).
    Each test builds its own catalogue and rolls it back, which no signal reports, so
    every test starts with an empty cache. The same goes for the cached search answers
    (finder/cache.py) and the index of the catalogue (finder/index.py): no test sees
    another's."""
    from finder import cache, index, vocabulary

    vocabulary.clear()
    cache.clear()
    index.clear()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real Redis server for the session (tests/servers.py), or a skip saying why."""
    from tests import servers

    reason = servers.redis_unavailable()
    if reason:
        pytest.skip(reason)
    with servers.redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def _catalogue_rows(django_db_setup, django_db_blocker) -> saved_catalogue.Rows:
    with django_db_blocker.unblock():
        return saved_catalogue.read()


@pytest.fixture
def real_catalogue(db, _catalogue_rows) -> None:
    """The shipped catalogue, as ``make run`` loads it (tests/saved_catalogue.py)."""
    saved_catalogue.write(_catalogue_rows)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if REQUIRE_ALL and skipped:
        reporter.write_line(
            f"FINDER_REQUIRE_ALL_TESTS=1: {skipped} test(s) skipped; every test must run here.",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _missing(*paths: str | Path) -> str | None:
    """Why a browser test cannot run here, or None when it can."""
    for path in paths:
        if not (os.path.isfile(path) and os.access(path, os.X_OK | os.R_OK)):
            return f"{path} is missing"
    return None


def _browser_unavailable(item: pytest.Item) -> str | None:
    missing = _missing(CHROMIUM, CHROMEDRIVER)
    if missing:
        return (
            f"needs Chromium and chromedriver ({missing}): apt-get install chromium "
            "chromium-driver, or set CHROMIUM and CHROMEDRIVER (see README)"
        )
    if "axe" in getattr(item, "fixturenames", ()) and not AXE_JS.is_file():
        return f"needs axe-core ({AXE_JS} is missing): run npm ci (see README)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a browser test where there is no browser, before any fixture starts one; under
    FINDER_BROWSER_TESTS=1 (CI) fail it instead, so a missing install cannot pass."""
    if not item.get_closest_marker("browser"):
        return
    reason = _browser_unavailable(item)
    if reason is None:
        return
    if BROWSER_REQUIRED:
        pytest.fail(f"FINDER_BROWSER_TESTS=1 but this test {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _chromium() -> Iterator:
    """One headless Chromium for the whole run (starting one costs about a second), driven
    through the local chromedriver so Selenium never downloads a driver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="finder-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--window-size=1280,1024",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    # The console log is how the tests see Content-Security-Policy violations.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(_chromium) -> Iterator:
    """The shared browser, signed out and with an empty console log; the test fails if
    any page it opened broke the Content-Security-Policy."""
    _chromium.delete_all_cookies()
    _chromium.set_window_size(1280, 1024)
    _chromium.get_log("browser")  # reading the log empties it
    yield _chromium
    violations = csp_violations(_chromium)
    _chromium.delete_all_cookies()
    assert violations == [], "Content-Security-Policy violations in the browser console"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Print the figures tests recorded (tests/figures.py), for CI's log."""
    if not FIGURES:
        return
    terminalreporter.section("figures")
    for name, amount in sorted(FIGURES.items()):
        terminalreporter.write_line(f"{name}: {amount}")


@pytest.fixture(scope="session")
def axe() -> str:
    """axe-core's source (node_modules/axe-core, pinned in package.json), to inject into
    a page with ``execute_script``."""
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def live_catalogue(transactional_db, _catalogue_rows) -> None:
    """The real catalogue, committed so that the live server's thread sees it. Browser
    tests look at real pages (the accessibility checks above all), so they load it."""
    saved_catalogue.write(_catalogue_rows)
