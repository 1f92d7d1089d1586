"""The Jinja2 environment's helpers (finder/jinja2.py) answer what Django's own do:
``url()`` what ``reverse`` answers, under another script prefix or URLconf too, and
``querystring()`` and ``|pluralize`` what the Django template language's tag and filter
write."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.template import Context, Template, engines
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


@pytest.mark.parametrize(
    ("tag", "call"),
    [
        ("", ""),
        ("page=3", ", page=3"),
        ("page=None", ", page=none"),
        ('near_misses="all" page=None', ', near_misses="all", page=none'),
        ("support=None", ", support=none"),
        ('location="coventry & warwickshire"', ', location="coventry & warwickshire"'),
    ],
)
def test_querystring_writes_what_the_django_tag_writes(tag: str, call: str) -> None:
    query = QueryDict("location=coventry&support=grant&support=loan&page=2&q=r%26d+%3Cgrants%3E")
    django_tag = Template(f"{{% querystring query {tag} %}}").render(Context({"query": query}))
    jinja2 = engines["jinja2"].from_string(f"{{{{ querystring(query{call}) }}}}")
    assert jinja2.render({"query": query}) == django_tag
    assert "&amp;" in django_tag  # escaped for an attribute, by both


@pytest.mark.parametrize("count", [0, 1, 2, 30])
@pytest.mark.parametrize("suffixes", ["", "s,", "y,ies"])
def test_pluralize_writes_what_the_django_filter_writes(count: int, suffixes: str) -> None:
    argument = f':"{suffixes}"' if suffixes else ""
    django_filter = Template(f"{{{{ count|pluralize{argument} }}}}").render(
        Context({"count": count})
    )
    argument = f'("{suffixes}")' if suffixes else ""
    jinja2 = engines["jinja2"].from_string(f"{{{{ count|pluralize{argument} }}}}")
    assert jinja2.render({"count": count}) == django_filter


urlpatterns: list = []
