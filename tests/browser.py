"""Helpers for the browser tests (the ``browser`` fixture is in tests/conftest.py)."""

from __future__ import annotations


def csp_violations(driver) -> list[str]:
    """Console messages, since the log was last read, in which Chromium refused something
    under the Content-Security-Policy (an inline script or style, eval, a foreign source).

    Reading the log empties it.
    """
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
    ]
