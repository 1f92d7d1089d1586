"""Journeys in a real browser (headless Chromium): a keyboard-only search through the
finder, the error journey, and an adviser's login to the admin, whose scripts must work
under the Content-Security-Policy. Every test also fails if the browser console reports a
CSP violation (the ``browser`` fixture checks)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from tests.browser import csp_violations

pytestmark = pytest.mark.browser

# Enough presses to cross the finder page (about 30 stops) several times over.
MAX_PRESSES = 120


def press(driver, *keys: str) -> None:
    """Key presses sent to whatever has focus, as a person typing would."""
    ActionChains(driver).send_keys(*keys).perform()


def shift_tab(driver) -> None:
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()


def focused(driver) -> WebElement:
    return driver.switch_to.active_element


def describe(element: WebElement) -> str:
    return (
        f"<{element.tag_name} id={element.get_attribute('id')!r} "
        f"href={element.get_attribute('href')!r}> {element.text[:40]!r}"
    )


def tab_to(driver, css: str, *, backwards: bool = False) -> WebElement:
    """Press Tab (or Shift-Tab) until the focused element matches ``css``; fail, naming
    where focus went, if it never does: the element cannot be reached by keyboard."""
    seen = []
    for _ in range(MAX_PRESSES):
        if backwards:
            shift_tab(driver)
        else:
            press(driver, Keys.TAB)
        element = focused(driver)
        if driver.execute_script("return arguments[0].matches(arguments[1])", element, css):
            return element
        seen.append(describe(element))
    raise AssertionError(f"{css} is not reachable by keyboard; focus went to: {seen[:40]}")


def response_status(driver) -> int:
    """The HTTP status of the page the browser is showing."""
    return driver.execute_script(
        "return performance.getEntriesByType('navigation')[0].responseStatus"
    )


def wait_for_url(driver, fragment: str) -> None:
    WebDriverWait(driver, 10).until(lambda d: fragment in d.current_url)


def choose_place(driver, typed: str, name: str) -> None:
    """Choose ``name`` from the place type-ahead by keyboard, as a person would."""
    box = tab_to(driver, "#id_location")
    assert box.tag_name == "input", "the place list was not made a type-ahead"
    press(driver, typed)
    WebDriverWait(driver, 5).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#id_location__listbox li.autocomplete__option")
    )
    options = driver.find_elements(By.CSS_SELECTOR, "#id_location__listbox li")
    assert name in [option.text for option in options]
    for _ in options:
        press(driver, Keys.ARROW_DOWN)
        if focused(driver).text == name:
            break
    press(driver, Keys.ENTER)
    assert box.get_attribute("value") == name
    # The hidden list, which the form sends, holds the same choice.
    chosen = Select(driver.find_element(By.ID, "id_location-select")).first_selected_option
    assert chosen.get_attribute("textContent") == name


def test_finder_keyboard_only_journey(browser, live_server, live_catalogue) -> None:
    browser.get(live_server.url + "/")
    # The first Tab reaches the skip link, as in every GOV.UK service.
    press(browser, Keys.TAB)
    assert focused(browser).text == "Skip to main content"

    # Where: the place list is a type-ahead; typing part of a name offers it, the arrow
    # keys move to it and Enter picks it.
    choose_place(browser, "Covent", "Coventry")
    sector = tab_to(browser, "#id_sector")
    press(browser, "Technology")
    assert Select(sector).first_selected_option.text == "Technology"

    # A radio group is one Tab stop; the arrow keys choose within it (the ARIA pattern).
    tab_to(browser, "input[name=stage]")
    press(browser, Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    assert browser.find_element(By.ID, "id_stage_2").is_selected()  # Established

    tab_to(browser, "#id_employees")
    press(browser, "25")
    tab_to(browser, "#id_turnover")
    press(browser, "£2,000,000")
    # Past the funding question and back again with Shift-Tab: it is optional.
    tab_to(browser, "#id_support_0")
    tab_to(browser, "#id_funding", backwards=True)
    tab_to(browser, "#id_support_2")  # Equity investment
    press(browser, Keys.SPACE)
    assert browser.find_element(By.ID, "id_support_2").is_selected()

    submit = tab_to(browser, "button[type=submit]")
    assert submit.text == "Find support"
    press(browser, Keys.ENTER)
    wait_for_url(browser, "location=coventry")

    assert response_status(browser) == 200
    assert "employees=25" in browser.current_url
    assert "support=equity" in browser.current_url
    heading = browser.find_element(By.CSS_SELECTOR, "#results h2").text
    # "N programmes fit your business", "might fit", or some of each.
    assert " fit" in heading and "your business" in heading, heading

    # The first result: its link is reachable, and its reasons are there to read beside it.
    link = tab_to(browser, "#results .app-result-card__heading a")
    card = link.find_element(By.XPATH, "ancestor::article")
    reasons = [item.text for item in card.find_elements(By.CSS_SELECTOR, ".app-reasons__item")]
    assert reasons, "the result gives no reasons"
    assert any("Coventry" in reason for reason in reasons), reasons
    assert all(item.is_displayed() for item in card.find_elements(By.CSS_SELECTOR, "li"))
    name = link.text

    press(browser, Keys.ENTER)
    wait_for_url(browser, "/programmes/")
    assert response_status(browser) == 200
    assert browser.find_element(By.TAG_NAME, "h1").text == name


def test_finder_error_journey_leads_from_the_summary_to_the_field(
    browser, live_server, live_catalogue
) -> None:
    browser.get(live_server.url + "/")
    tab_to(browser, "#id_employees")
    press(browser, "twelve")
    tab_to(browser, "#id_funding")
    press(browser, "-5", Keys.ENTER)  # Enter in a text box submits the form
    wait_for_url(browser, "employees=twelve")

    assert response_status(browser) == 400
    assert browser.title.startswith("Error: ")
    summary = browser.find_element(By.CSS_SELECTOR, ".govuk-error-summary")
    # GOV.UK Frontend moves focus to the summary, which sits above the page's heading.
    assert focused(browser) == summary
    heading = browser.find_element(By.TAG_NAME, "h1")
    assert summary.rect["y"] < heading.rect["y"]
    links = summary.find_elements(By.CSS_SELECTOR, "a")
    assert [link.get_attribute("hash") for link in links] == ["#id_employees", "#id_funding"]

    # Its first link, followed by keyboard, puts focus in the field to correct.
    first = tab_to(browser, ".govuk-error-summary a")
    assert first.text == "Enter the number of employees as a whole number, like 12"
    press(browser, Keys.ENTER)
    WebDriverWait(browser, 5).until(lambda d: focused(d).get_attribute("id") == "id_employees")
    field = focused(browser)
    assert field.get_attribute("value") == "twelve"  # what was typed is kept
    assert field.get_attribute("aria-invalid") == "true"
    error = browser.find_element(By.ID, "id_employees-error")
    assert error.is_displayed()
    assert "id_employees-error" in field.get_attribute("aria-describedby").split()

    # The second link does the same for the funding question.
    tab_to(browser, ".govuk-error-summary a[href='#id_funding']", backwards=True)
    press(browser, Keys.ENTER)
    WebDriverWait(browser, 5).until(lambda d: focused(d).get_attribute("id") == "id_funding")


@pytest.fixture
def adviser(transactional_db):
    return get_user_model().objects.create_superuser(
        username="adviser", email="adviser@example.org", password="a long passphrase 4 tests"
    )


def test_admin_login_and_its_scripts_work_under_the_policy(
    browser, live_server, adviser, settings
) -> None:
    # django-axes watches the real login form, as in production.
    settings.AXES_ENABLED = True
    browser.get(live_server.url + "/admin/")
    assert "/admin/login/" in browser.current_url
    browser.find_element(By.ID, "id_username").send_keys("adviser")
    password = browser.find_element(By.ID, "id_password")
    password.send_keys("a long passphrase 4 tests", Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "site-name"))

    assert browser.find_element(By.TAG_NAME, "h1").text == admin.site.index_title
    assert "ADVISER" in browser.find_element(By.ID, "user-tools").text.upper()

    # The programme form uses most of the admin's scripts. Each one below leaves a trace
    # only when it ran, so a script blocked by the policy fails here.
    browser.get(live_server.url + "/admin/programmes/programme/add/")
    # Its many-to-many links are plain checkbox lists, not the two-box filter.
    assert browser.find_elements(By.CSS_SELECTOR, ".field-support_types")
    assert not browser.find_elements(By.ID, "id_support_types_from")
    # The slug fills itself in from the name (prepopulate.js).
    browser.find_element(By.ID, "id_name").send_keys("Keyboard Growth Fund")
    assert browser.find_element(By.ID, "id_slug").get_attribute("value") == ("keyboard-growth-fund")
    # "Add another" rows for inlines (inlines.js), here a related programme, whose
    # programme is chosen with the admin's autocomplete (select2).
    group = next(
        group
        for group in browser.find_elements(By.CSS_SELECTOR, ".inline-group")
        if "related programme" in group.text.lower()
    )
    total = group.find_element(By.CSS_SELECTOR, "input[name$=TOTAL_FORMS]")
    forms_before = int(total.get_attribute("value"))
    group.find_element(By.CSS_SELECTOR, ".add-row a").click()
    assert int(total.get_attribute("value")) == forms_before + 1
    # Calendar shortcuts beside the date fields (DateTimeShortcuts.js).
    assert browser.find_elements(By.CSS_SELECTOR, ".field-last_verified .datetimeshortcuts")
    # Opening the autocomplete asks the server for choices and draws a dropdown (select2
    # builds its markup from strings: a style attribute in them would break the policy).
    group.find_element(By.CSS_SELECTOR, ".select2-selection").click()
    WebDriverWait(browser, 5).until(
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, ".select2-results__message")
            or d.find_elements(By.CSS_SELECTOR, ".select2-results__option")
        )
    )
    press(browser, Keys.ESCAPE)
    # Show and hide the navigation sidebar (nav_sidebar.js).
    main = browser.find_element(By.ID, "main")
    shown = "shifted" in main.get_attribute("class")
    browser.find_element(By.ID, "toggle-nav-sidebar").click()
    assert ("shifted" in main.get_attribute("class")) is not shown


def test_browser_console_reports_what_the_policy_blocks(_chromium, live_server, db) -> None:
    # The CSP check every browser test ends with can fail: a script added inline is
    # refused, and the refusal reaches the console log the check reads.
    _chromium.get(live_server.url + "/about/")
    _chromium.get_log("browser")
    _chromium.execute_script(
        "const s = document.createElement('script');"
        "s.textContent = 'document.body.dataset.inline = \"ran\"';"
        "document.head.appendChild(s);"
    )

    assert _chromium.execute_script("return document.body.dataset.inline") is None
    violations = csp_violations(_chromium)
    assert len(violations) == 1
    assert "script-src" in violations[0] or "default-src" in violations[0]


def test_finder_place_type_ahead_sends_what_the_box_says(
    browser, live_server, live_catalogue
) -> None:
    """Emptying the box searches everywhere, not the place chosen before; words that
    name no place are refused next to the question, never searched as something else."""
    browser.get(live_server.url + "/?location=coventry")
    box = tab_to(browser, "#id_location")
    assert box.get_attribute("value") == "Coventry"
    press(browser, Keys.END, *[Keys.BACKSPACE] * len("Coventry"))
    browser.find_element(By.CSS_SELECTOR, "#finder-form button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda d: "location=coventry" not in d.current_url)
    assert "location=&" in browser.current_url

    browser.get(live_server.url + "/")
    box = browser.find_element(By.ID, "id_location")
    box.send_keys("Atlantis")
    browser.find_element(By.ID, "id_employees").click()
    browser.find_element(By.CSS_SELECTOR, "#finder-form button[type=submit]").click()
    wait_for_url(browser, "location=Atlantis")
    assert response_status(browser) == 400
    assert (
        "Choose where your business is from the list"
        in browser.find_element(By.CSS_SELECTOR, ".govuk-error-summary").text
    )


def test_finder_postcode_journey(browser, live_server, live_catalogue) -> None:
    browser.get(live_server.url + "/")
    tab_to(browser, "#id_postcode")
    press(browser, "cv1 2ab", Keys.ENTER)
    wait_for_url(browser, "postcode=cv1+2ab")
    assert response_status(browser) == 200
    assert browser.find_element(By.ID, "postcode-found").text == "CV1 2AB is in Coventry."


def test_finder_works_without_javascript(browser, live_server, live_catalogue) -> None:
    """With scripts off, the place list is the plain select and the form still searches."""
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(live_server.url + "/")
        location = browser.find_element(By.ID, "id_location")
        assert location.tag_name == "select"
        Select(location).select_by_visible_text("Coventry")
        browser.find_element(By.CSS_SELECTOR, "#finder-form button[type=submit]").click()
        wait_for_url(browser, "location=coventry")
        assert "Coventry" in browser.find_element(By.ID, "results").text
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
