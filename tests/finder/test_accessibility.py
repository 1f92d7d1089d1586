"""Accessibility: axe-core (pinned in package.json) run in headless Chromium on every kind
of page, against WCAG 2.0, 2.1 and 2.2 at levels A and AA. Any violation fails, naming
the rule, its impact and the elements.

Automated checks find perhaps a third of accessibility problems; the keyboard journeys
(test_browser_journeys.py) and manual testing with screen readers cover more.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.figures import record

pytestmark = pytest.mark.browser

# WCAG 2.0, 2.1 and 2.2 at levels A and AA. axe-core 4.14 has no rule tagged "wcag22a"
# (WCAG 2.2's new level A criteria cannot be checked automatically); "wcag22aa" brings
# target-size.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Every kind of page a business owner sees, on the real catalogue.
PAGES = [
    ("finder, empty", "/"),
    (
        "finder with results",
        "/?location=coventry&stage=established&employees=25&turnover=2000000&support=equity",
    ),
    ("finder with near misses", "/?location=coventry&employees=3&funding=5000000"),
    ("finder with errors", "/?employees=twelve&funding=-5&location=atlantis"),
    ("programme", "/programmes/west-midlands-co-investment-fund/"),
    ("closed programme with a successor", "/programmes/upscaler/"),
    ("cluster", "/clusters/health-tech-and-med-tech/"),
    ("cluster index", "/clusters/"),
    ("place", "/places/coventry/"),
    ("place with scaleup statistics", "/places/west-midlands-combined-authority/"),
    ("place index", "/places/"),
    ("A to Z of programmes", "/programmes/"),
    (
        "support plan",
        "/plan/?location=coventry&employees=3&pick=west-midlands-co-investment-fund"
        "&pick=aston-small-business-growth-programme",
    ),
    ("support plan with errors", "/plan/?location=coventry&pick=no-such-programme"),
    ("email alert sign-up", "/alerts/?location=coventry&employees=3"),
    ("about", "/about/"),
    ("accessibility statement", "/accessibility/"),
    ("page not found", "/programmes/no-such-programme/"),
]

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {
  runOnly: {type: "tag", values: arguments[0]},
  resultTypes: ["violations"],
}).then(
  (results) => done({
    violations: results.violations.map((rule) => ({
      id: rule.id,
      impact: rule.impact,
      help: rule.help,
      nodes: rule.nodes.map((node) => ({
        target: node.target.join(" "),
        summary: node.failureSummary,
      })),
    })),
  }),
  (error) => done({error: String(error)}),
);
"""


def run_axe(driver, axe_source: str) -> list[dict]:
    """axe-core's violations on the page the browser shows. The script is injected
    through WebDriver, which the page's Content-Security-Policy does not govern."""
    driver.execute_script(axe_source)
    outcome = driver.execute_async_script(RUN_AXE, WCAG_TAGS)
    assert "error" not in outcome, f"axe-core failed to run: {outcome['error']}"
    return outcome["violations"]


def readable(violations: list[dict]) -> str:
    """One line per failing element: rule id, impact, selector, and what is wrong."""
    lines = []
    for rule in violations:
        lines.append(f"{rule['id']} ({rule['impact']}): {rule['help']}")
        for node in rule["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


# A desk and a phone: target sizes, reflow and overlap depend on the layout.
VIEWPORTS = {"desktop": (1280, 1024), "phone": (375, 812)}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_pages_have_no_wcag_violations(browser, live_server, live_catalogue, axe, viewport):
    """Every kind of page, in one test per viewport so the catalogue is loaded once for
    all of them; the failure names each page with its violations."""
    browser.set_window_size(*VIEWPORTS[viewport])
    failures = {}
    for kind, path in PAGES:
        browser.get(live_server.url + path)
        # Check a real page was reached, not an error page standing in for it.
        assert browser.find_element(By.TAG_NAME, "h1").text, path
        if kind != "page not found":
            assert "Page not found" not in browser.title, path

        violations = run_axe(browser, axe)

        record("axe-core: page views checked (pages x viewports)", 1)
        record("axe-core: violations found", sum(len(rule["nodes"]) for rule in violations))
        if violations:
            failures[f"{kind} ({path}, {viewport})"] = readable(violations)
    assert failures == {}, "\n".join(f"{page}:\n{found}" for page, found in failures.items())


def test_axe_finds_a_violation_on_a_broken_page(browser, live_server, live_catalogue, axe):
    # The check above can fail: take a label away from a form field and axe reports it.
    browser.get(live_server.url + "/")
    browser.execute_script("document.querySelector('label[for=id_employees]').remove()")

    violations = run_axe(browser, axe)

    assert "label" in {rule["id"] for rule in violations}
    assert "#id_employees" in readable(violations)
