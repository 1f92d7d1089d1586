"""An adviser's day in a real browser, by keyboard alone (issue 19): sign in, record a
new client by postcode, see the finder's matches, refer the client from a match, find
the referral on the admin home, and record what it achieved. The ``browser`` fixture
fails the test on any Content-Security-Policy violation."""

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
from finder.roles import ADVISERS
from tests.finder.test_browser_journeys import focused, press, tab_to, wait_for_url

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase 4 tests"


@pytest.fixture
def adviser(transactional_db):
    user = get_user_model().objects.create_user(
        username="ada", password=PASSWORD, is_staff=True, first_name="Ada"
    )
    user.groups.add(Group.objects.get(name=ADVISERS))
    return user


def type_into(driver, css: str, text: str) -> None:
    tab_to(driver, css)
    press(driver, text)


def test_adviser_keyboard_journey_from_new_enquiry_to_recorded_outcome(
    browser, live_server, live_catalogue, adviser
) -> None:
    today = timezone.localdate()
    browser.get(live_server.url + "/admin/")
    type_into(browser, "#id_username", "ada")
    type_into(browser, "#id_password", PASSWORD)
    press(browser, Keys.ENTER)
    # Signed in: the admin home, with the adviser's desk. (Not a wait for "/admin/" in
    # the address: the login page's own, /admin/login/?next=/admin/, has it.)
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "adviser-desk"))

    # A new client, found by postcode.
    browser.get(live_server.url + "/admin/finder/enquiry/add/")
    type_into(browser, "#id_business_name", "Soho Foundry Ltd")
    type_into(browser, "#id_postcode", "cv1 2ab")
    type_into(browser, "#id_employees", "40")
    type_into(browser, "#id_funding_sought", "£500k")
    tab_to(browser, "input[name=_continue]")
    press(browser, Keys.ENTER)
    wait_for_url(browser, "/change/")
    enquiry = Enquiry.objects.get(business_name="Soho Foundry Ltd")
    assert (enquiry.postcode, enquiry.funding_sought) == ("CV1 2AB", 500_000)
    matches = browser.find_element(By.CSS_SELECTOR, ".field-matching_programmes").text
    assert "Coventry" in matches

    # Refer the client from the first match: the form opens filled in.
    refer = tab_to(browser, "a.finder-refer")
    programme = refer.find_element(By.XPATH, "ancestor::li[1]").get_attribute("data-programme")
    press(browser, Keys.ENTER)
    wait_for_url(browser, "/admin/finder/referral/add/")
    status = tab_to(browser, "#id_status")
    press(browser, "Referred")
    assert status.get_attribute("value") == "referred"
    type_into(browser, "#id_referred_on", (today - datetime.timedelta(days=10)).isoformat())
    type_into(browser, "#id_follow_up_on", today.isoformat())
    tab_to(browser, "input[name=_save]")
    press(browser, Keys.ENTER)
    wait_for_url(browser, f"/admin/finder/enquiry/{enquiry.pk}/change/")
    referral = Referral.objects.get(enquiry=enquiry)
    assert (referral.programme.slug, referral.adviser) == (programme, adviser)

    # The admin home lists it as due today; open it from there.
    browser.get(live_server.url + "/admin/")
    desk = browser.find_element(By.ID, "adviser-desk").text
    assert "My referrals due for follow-up (1)" in desk
    tab_to(browser, "#adviser-desk a")
    assert "Soho Foundry Ltd to" in focused(browser).text
    press(browser, Keys.ENTER)
    wait_for_url(browser, f"/admin/finder/referral/{referral.pk}/change/")

    # Record what it achieved.
    tab_to(browser, "#id_status")
    press(browser, "Completed")
    type_into(browser, "#id_outcome_on", today.isoformat())
    type_into(browser, "#id_amount_secured", "£250,000")
    type_into(browser, "#id_jobs_expected", "6")
    tab_to(browser, "input[name=_save]")
    press(browser, Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("/admin/finder/referral/"))
    referral.refresh_from_db()
    assert (referral.status, referral.outcome_on) == ("completed", today)
    assert (referral.amount_secured, referral.jobs_expected) == (250_000, 6)

    # Nothing is left to follow up.
    browser.get(live_server.url + "/admin/")
    assert "My open referrals (0)" in browser.find_element(By.ID, "adviser-desk").text
