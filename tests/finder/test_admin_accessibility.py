"""Accessibility of the admin pages advisers and content editors use (issue 19, item 7):
axe-core against WCAG 2.0, 2.1 and 2.2 A and AA, as each role sees them, signed in
through the real login form; and the enquiry page fits a 1280-pixel screen without
scrolling sideways. The ``browser`` fixture fails any page that breaks the
Content-Security-Policy."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.wait import WebDriverWait

from finder.models import Enquiry, Referral
from finder.roles import ADVISERS, CONTENT_EDITORS
from programmes.models import Programme
from tests.browser import csp_violations
from tests.figures import record
from tests.finder.test_accessibility import readable, run_axe

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase 4 tests"


@pytest.fixture
def people(transactional_db, live_catalogue) -> dict[str, object]:
    """An adviser with one client and one referral; a content editor."""
    users = {}
    for username, group in (("adviser", ADVISERS), ("editor", CONTENT_EDITORS)):
        user = get_user_model().objects.create_user(
            username=username, password=PASSWORD, is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
        users[username] = user
    enquiry = Enquiry.objects.create(
        business_name="Soho Foundry Ltd", postcode="CV1 2AB", employees=40, turnover=2_000_000
    )
    programme = Programme.objects.get(slug="business-growth-west-midlands")
    referral = Referral.objects.create(
        enquiry=enquiry,
        programme=programme,
        status="referred",
        referred_on=timezone.localdate() - datetime.timedelta(days=7),
        adviser=users["adviser"],
        follow_up_on=timezone.localdate(),
    )
    return {**users, "enquiry": enquiry, "referral": referral, "programme": programme}


def sign_in(browser, live_server, username: str) -> None:
    browser.get(live_server.url + "/admin/login/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "user-tools"))


def pages(people) -> dict[str, tuple[str, str]]:
    """Name: (who, path)."""
    enquiry, referral, programme = people["enquiry"], people["referral"], people["programme"]
    return {
        "home (adviser)": ("adviser", "/admin/"),
        "enquiry list": ("adviser", "/admin/finder/enquiry/"),
        "enquiry page": ("adviser", f"/admin/finder/enquiry/{enquiry.pk}/change/"),
        "new enquiry": ("adviser", "/admin/finder/enquiry/add/"),
        "client summary": ("adviser", f"/admin/finder/enquiry/{enquiry.pk}/summary/"),
        "referral list": ("adviser", "/admin/finder/referral/"),
        "referral page": ("adviser", f"/admin/finder/referral/{referral.pk}/change/"),
        "programme list (adviser)": ("adviser", "/admin/programmes/programme/"),
        "programme page (adviser)": (
            "adviser",
            f"/admin/programmes/programme/{programme.pk}/change/",
        ),
        "home (editor)": ("editor", "/admin/"),
        "programme list (editor)": ("editor", "/admin/programmes/programme/"),
        "programme page (editor)": (
            "editor",
            f"/admin/programmes/programme/{programme.pk}/change/",
        ),
    }


PAGE_NAMES = [
    "home (adviser)",
    "enquiry list",
    "enquiry page",
    "new enquiry",
    "client summary",
    "referral list",
    "referral page",
    "programme list (adviser)",
    "programme page (adviser)",
    "home (editor)",
    "programme list (editor)",
    "programme page (editor)",
]


def test_admin_login_page_has_no_wcag_violations(browser, live_server, axe, transactional_db):
    browser.get(live_server.url + "/admin/login/")
    assert browser.find_element(By.TAG_NAME, "h1").text
    assert csp_violations(browser) == []
    violations = run_axe(browser, axe)
    browser.get_log("browser")  # axe-core's own, not the page's
    record("axe-core: admin page views checked", 1)
    assert violations == [], f"login:\n{readable(violations)}"


def test_admin_pages_have_no_wcag_violations(browser, live_server, axe, people) -> None:
    """Every page, as the role that uses it, in one test so the catalogue is loaded
    once; the failure names each page with its violations. The enquiry page also fits
    a 1280-pixel screen without scrolling sideways."""
    browser.set_window_size(1280, 1024)
    failures = {}
    signed_in = None
    for name in PAGE_NAMES:
        who, path = pages(people)[name]
        if who != signed_in:
            browser.delete_all_cookies()
            sign_in(browser, live_server, who)
            signed_in = who
        browser.get(live_server.url + path)
        assert browser.find_element(By.TAG_NAME, "h1").text, name
        assert "403" not in browser.title and "not found" not in browser.title.lower(), name
        # The page's own scripts have run: check the policy now, because axe-core,
        # injected below, adds inline styles of its own that the policy rightly blocks.
        assert csp_violations(browser) == [], name
        if name == "enquiry page":
            width, visible = browser.execute_script(
                "return [document.documentElement.scrollWidth,"
                " document.documentElement.clientWidth]"
            )
            assert width <= visible, f"the enquiry page is {width}px wide in a {visible}px window"

        violations = run_axe(browser, axe)
        browser.get_log("browser")  # axe-core's own, not the page's

        record("axe-core: admin page views checked", 1)
        record("axe-core: admin violations found", sum(len(rule["nodes"]) for rule in violations))
        if violations:
            failures[f"{name} ({path})"] = readable(violations)
    assert failures == {}, "\n".join(f"{page}:\n{found}" for page, found in failures.items())
