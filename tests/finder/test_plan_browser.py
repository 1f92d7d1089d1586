"""The support plan in a real browser (headless Chromium): picked from the results
without JavaScript, opened, and printed with no form controls, each link's address and
a page between programmes. The ``browser`` fixture also fails the test on any
Content-Security-Policy violation."""

from __future__ import annotations

import datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from tests.factories import make_geography, make_programme

pytestmark = pytest.mark.browser

CONTROLS = "input, button, select, textarea, .govuk-button"


@pytest.fixture
def plan_catalogue(transactional_db) -> None:
    places = make_geography()
    make_programme(
        slug="coventry-fund",
        name="Coventry Fund",
        places=[places["coventry"]],
        closes_on=datetime.date(2099, 3, 31),
        how_to_apply="Apply on the fund's website.",
    )
    make_programme(slug="growth-course", name="Growth Course", places=[places["west-midlands"]])
    make_programme(slug="not-picked", name="Not Picked", places=[places["coventry"]])


def visible(driver, css: str) -> list[str]:
    return [
        f"<{element.tag_name} {element.get_attribute('class')!r}> {element.text[:30]!r}"
        for element in driver.find_elements(By.CSS_SELECTOR, css)
        if element.is_displayed()
    ]


def test_plan_built_from_results_prints_without_form_controls(
    browser, live_server, plan_catalogue
) -> None:
    browser.get(live_server.url + "/?location=coventry")
    picker = browser.find_element(By.ID, "plan-picker")
    # GOV.UK's checkboxes are styled over the input: click the label, as a person does.
    for slug in ("growth-course", "coventry-fund"):
        picker.find_element(By.CSS_SELECTOR, f"label[for=pick-{slug}]").click()
    picker.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda d: "/plan/" in d.current_url)

    # The picks and the search are in the address: the plan can be bookmarked.
    assert "location=coventry" in browser.current_url
    assert "pick=coventry-fund" in browser.current_url
    assert "pick=growth-course" in browser.current_url
    assert browser.find_element(By.TAG_NAME, "h1").text == "Your support plan"
    headings = [
        element.text
        for element in browser.find_elements(By.CSS_SELECTOR, ".app-plan__programme h3")
    ]
    assert sorted(headings) == ["Coventry Fund", "Growth Course"]
    # On screen the print button (shown by the script) and the CSV link are there.
    assert browser.find_element(By.CSS_SELECTOR, "[data-print]").is_displayed()
    assert visible(browser, CONTROLS)

    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        # On paper: no form controls at all, and no site header, banner or footer.
        assert visible(browser, CONTROLS) == []
        assert visible(browser, ".govuk-header, .govuk-phase-banner, .govuk-footer") == []
        # Each programme starts a page.
        breaks = browser.execute_script(
            "return [...document.querySelectorAll('.app-plan__programme')]"
            ".map(e => getComputedStyle(e).breakBefore)"
        )
        assert breaks == ["page", "page"]
        # A link prints its full address after it.
        after = browser.execute_script(
            "const a = document.querySelector('.app-plan__programme h3 a');"
            "return getComputedStyle(a, '::after').content"
        )
        assert live_server.url + "/programmes/" in after
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_plan_is_made_without_javascript(browser, live_server, plan_catalogue) -> None:
    """With scripts off the picks are a plain form: the plan opens, without its print
    button (the browser's own Print works)."""
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(live_server.url + "/?location=coventry")
        picker = browser.find_element(By.ID, "plan-picker")
        picker.find_element(By.CSS_SELECTOR, "label[for=pick-coventry-fund]").click()
        picker.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(browser, 10).until(lambda d: "/plan/" in d.current_url)
        headings = browser.find_elements(By.CSS_SELECTOR, ".app-plan__programme h3")
        assert [heading.text for heading in headings] == ["Coventry Fund"]
        assert not browser.find_element(By.CSS_SELECTOR, "[data-print]").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
