"""The Jinja2 environment's ``url()`` (finder/jinja2.py) answers what Django's ``reverse``
answers: under another script prefix or URLconf too."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from finder.jinja2 import url


def test_url_is_reverse() -> None:
    assert url("programmes:detail", "made-smarter") == reverse(
        "programmes:detail", args=["made-smarter"]
    )
    assert url("finder:home") == reverse("finder:home")


def test_url_follows_the_script_prefix() -> None:
    plain = url("programmes:detail", "made-smarter")
    try:
        set_script_prefix("/support/")
        assert url("programmes:detail", "made-smarter") == "/support" + plain
    finally:
        clear_script_prefix()
    assert url("programmes:detail", "made-smarter") == plain


def test_url_follows_the_urlconf(settings) -> None:
    url("programmes:detail", "made-smarter")
    settings.ROOT_URLCONF = "tests.finder.test_jinja2"
    with pytest.raises(NoReverseMatch):
        url("programmes:detail", "made-smarter")


urlpatterns: list = []
