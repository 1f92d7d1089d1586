"""The finder's search: a FilterSet whose form is the business profile.

Eligibility is decided for the profile as a whole — a near miss is "exactly one criterion
unmet", which no single filter can know — so the profile filters hand over to
``Programme.objects.for_finder(profile)`` and the per-field methods only narrow what that
leaves: support wanted and closed programmes.

The finder page and ``/api/match/`` use the FilterSet for its form (validation, the
profile) and search the in-memory index of the catalogue (finder/index.py, through
finder/search.py), which decides the same rules ~100 times faster at 10,000 programmes.
``qs`` stays the database's way to the same answer: tests/finder/test_index.py checks the
index against it.
"""

from __future__ import annotations

import copy
import functools
import re
from functools import cached_property

import django_filters
from crispy_forms.bootstrap import PrependedText
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.safestring import mark_safe

from finder import vocabulary
from programmes.eligibility import BusinessProfile

# Fields that take one value; a second value would mean a silently different search.
SINGLE_VALUED = (
    "location",
    "sector",
    "stage",
    "employees",
    "turnover",
    "funding",
    "employees_3y_ago",
    "turnover_3y_ago",
    "q",
    "include_closed",
)

MAX_EMPLOYEES = 10_000_000
MAX_POUNDS = 1_000_000_000_000  # £1 trillion: far above any real business, within bigint
NUMBER = re.compile(r"^[0-9]+$")

# The choices come from a per-process cache of the vocabularies (finder/vocabulary.py):
# they change only when the catalogue does, and the form needs them on every request.


def place_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    return [(label, list(options)) for label, options in vocabulary.current().places]


def sector_choices() -> list[tuple[str, str]]:
    return list(vocabulary.current().sectors)


def stage_choices() -> list[tuple[str, str]]:
    return list(vocabulary.current().stages)


def support_choices() -> list[tuple[str, str]]:
    return list(vocabulary.current().support_types)


def _shallow(thing):
    """What ``copy.copy`` makes of a plain object (a new one of its class sharing its
    attributes), made directly rather than through the copy protocol's general path."""
    copied = object.__new__(type(thing))
    copied.__dict__.update(thing.__dict__)
    return copied


class QuickCopyMixin:
    """A form field copied quickly for each form.

    Django deep-copies every field of a form, with its widget, for each request
    (``Field.__deepcopy__``, ``Widget.__deepcopy__``); through the copy module that is
    a large part of making the finder's form. This makes the same copy directly: the
    field and its widget copied shallowly, with their own attributes, error messages
    and validators. Only for fields and widgets that keep their state in their
    ``__dict__`` and copy nothing else (the finder's own)."""

    def __deepcopy__(self, memo):
        result = _shallow(self)
        memo[id(self)] = result
        widget = _shallow(self.widget)
        widget.attrs = self.widget.attrs.copy()
        memo[id(self.widget)] = widget
        result.widget = widget
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result


class SharedChoicesMixin(QuickCopyMixin):
    """A choice field whose copies share its list of choices.

    Django copies every field of a form for each request, choices included (a deep
    copy: 48 places in groups, on every search). The finder's choices are never changed
    in place — a new list is assigned when they change (``views._show_counts``) — so
    sharing them is safe, and saves most of the cost of making the form: the quick copy
    (``QuickCopyMixin``) shares the field's and the widget's choices as they are, so the
    fragment cache can recognise them (``fragments.field_state``)."""

    # The choices' values as a set, with the choices it was made from (``fix_choices``).
    _valid_values: tuple[object, frozenset[str]] | None = None

    def remember_valid_values(self) -> None:
        """Keep the set of values a choice may have, for copies of this field to check
        answers against: django-filter's choices are normalised again each time they
        are read, and Django checks an answer by reading them all."""
        values = set()
        for value, label in self.choices:
            if isinstance(label, (list, tuple)):
                values.update(str(inner) for inner, _ in label)
            else:
                values.add(str(value))
        self._valid_values = (self._choices, frozenset(values))

    def valid_value(self, value) -> bool:
        known = self._valid_values
        if known is None or known[0] is not self._choices:
            # Choices set since: check them as Django does.
            return super().valid_value(value)
        return str(value) in known[1]


class VocabularyChoiceField(SharedChoicesMixin, django_filters.fields.ChoiceField):
    pass


class VocabularyMultipleChoiceField(SharedChoicesMixin, django_filters.fields.MultipleChoiceField):
    pass


class VocabularyChoiceFilter(django_filters.ChoiceFilter):
    field_class = VocabularyChoiceField


class VocabularyMultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = VocabularyMultipleChoiceField


class WholeNumberField(QuickCopyMixin, forms.Field):
    """A count or an amount of pounds typed as text.

    A text input rather than type="number": a browser sends an empty value for text typed
    into a number input, and the search would quietly drop it. "£25,000" and "25 000" are
    read as 25000; anything else is an error naming the field.
    """

    widget = forms.TextInput

    def __init__(self, *, noun: str, maximum: int, money: bool = False, **kwargs) -> None:
        self.noun = noun
        self.maximum = maximum
        self.money = money
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "spellcheck": "false"})

    def to_python(self, value: str | None) -> int | None:
        if value is None:
            return None
        text = str(value).strip()
        if text == "":
            return None
        cleaned = re.sub(r"[,\s]", "", text)
        if self.money:
            cleaned = cleaned.removeprefix("£")
        if cleaned.startswith("-") and NUMBER.match(cleaned[1:]):
            raise ValidationError(f"{self.noun.capitalize()} must be 0 or more", code="negative")
        if not NUMBER.match(cleaned):
            example = "like 250000" if self.money else "like 12"
            raise ValidationError(f"Enter {self.noun} as a whole number, {example}", code="invalid")
        # Compare lengths before converting: Python refuses int() of a string over 4,300
        # digits (a ValueError, so a server error), and a number longer than the
        # maximum is too big whatever its digits.
        digits = cleaned.lstrip("0") or "0"
        if len(digits) > len(str(self.maximum)) or int(digits) > self.maximum:
            raise ValidationError(
                f"{self.noun.capitalize()} must be {self.maximum:,} or less", code="max"
            )
        return int(digits)


class WholeNumberFilter(django_filters.Filter):
    field_class = WholeNumberField


class YesNoCheckbox(forms.CheckboxInput):
    """A checkbox that hands its raw value to the field, so "include_closed=0" means no
    (Django's own checkbox reads any non-empty text as ticked)."""

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, check_test=lambda value: YesNoField.parse(value) is True)

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class YesNoField(QuickCopyMixin, forms.Field):
    widget = YesNoCheckbox
    TRUE = {"1", "true", "yes", "on"}
    FALSE = {"", "0", "false", "no", "off"}

    @classmethod
    def parse(cls, value) -> bool | None:
        if value is None or value is False:
            return False
        if value is True:
            return True
        text = str(value).strip().lower()
        if text in cls.TRUE:
            return True
        if text in cls.FALSE:
            return False
        return None

    def to_python(self, value) -> bool:
        parsed = self.parse(value)
        if parsed is None:
            raise ValidationError("Include closed programmes must be 1 (yes) or 0 (no)")
        return parsed


class YesNoFilter(django_filters.Filter):
    field_class = YesNoField


class WordsField(QuickCopyMixin, forms.CharField):
    """The words searched for: Django's text field, copied quickly for each form."""


class WordsFilter(django_filters.CharFilter):
    field_class = WordsField


@functools.cache
def finder_layout() -> Layout:
    """The profile form's layout, built once: its items are read, never changed, as the
    form renders (the fragment cache freezes their settings once, by identity). One
    exception: crispy renders a button's label as a template and stores the result back
    on the button, so a label must stay plain text — with template syntax in it, the
    first request's rendering would be kept for everyone."""
    return Layout(
        Field("location"),
        Field("sector"),
        Field("stage"),
        Field("employees", css_class="govuk-input--width-5"),
        PrependedText("turnover", "£", css_class="govuk-input--width-10"),
        PrependedText("funding", "£", css_class="govuk-input--width-10"),
        Field("support", css_class="govuk-checkboxes--small"),
        Fieldset(
            "Growth over the last three years (optional)",
            Field("employees_3y_ago", css_class="govuk-input--width-5"),
            PrependedText("turnover_3y_ago", "£", css_class="govuk-input--width-10"),
        ),
        Field("q", css_class="govuk-!-width-full"),
        Field("include_closed"),
        Submit("", "Find support"),
    )


class BusinessProfileForm(forms.Form):
    """The questions the finder asks, laid out with GOV.UK components."""

    # The vocabularies the choices were made from (set by FinderFilterSet).
    vocabulary: vocabulary.Vocabulary

    @classmethod
    def fix_choices(cls) -> None:
        """Read each vocabulary once, when the FilterSet makes this class: callable
        choices would be called on every use. django-filter's fields add their empty
        option ("Choose a place") as they iterate, so it is left out here or it would
        be added a second time."""
        for form_field in cls.base_fields.values():
            if isinstance(form_field, forms.ChoiceField):
                form_field.choices = [choice for choice in form_field.choices if choice[0] != ""]
            if isinstance(form_field, SharedChoicesMixin):
                form_field.remember_valid_values()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.form_id = "finder-form"
        # Land on the results: on a phone they sit below this long form. A page with
        # errors has no #results, so it opens at the top, on the error summary.
        self.helper.form_action = "#results"
        self.helper.error_summary = False  # the page shows it at the top
        self.helper.label_size = "s"
        # Its widgets are Django's own and load nothing: no media to print (and none to
        # work out for every search).
        self.helper.include_media = False
        self.helper.layout = finder_layout()

    def clean(self) -> dict:
        cleaned = super().clean()
        getlist = getattr(self.data, "getlist", None)
        if getlist is not None:
            for name in SINGLE_VALUED:
                if len(getlist(name)) > 1:
                    label = self.fields[name].label.rstrip("?")
                    self.add_error(name, f"Give only one answer to “{label}”")
        return cleaned


class FinderFilterSet(django_filters.FilterSet):
    location = VocabularyChoiceFilter(
        label="Where is your business?",
        help_text="The local authority area your business is based in.",
        choices=place_choices,
        empty_label="Choose a place",
        method="matched_by_profile",
        error_messages={"invalid_choice": "Choose where your business is from the list"},
    )
    sector = VocabularyChoiceFilter(
        label="What does your business do?",
        choices=sector_choices,
        empty_label="Choose a sector",
        method="matched_by_profile",
        error_messages={"invalid_choice": "Choose your sector from the list"},
    )
    stage = VocabularyChoiceFilter(
        label="How long has your business been trading?",
        choices=stage_choices,
        empty_label=None,
        widget=forms.RadioSelect,
        method="matched_by_profile",
        error_messages={"invalid_choice": "Choose one of the stages listed"},
    )
    employees = WholeNumberFilter(
        label="How many employees do you have?",
        noun="the number of employees",
        maximum=MAX_EMPLOYEES,
        method="matched_by_profile",
    )
    turnover = WholeNumberFilter(
        label="What is your annual turnover?",
        help_text="In pounds, for your last full year.",
        noun="your turnover",
        maximum=MAX_POUNDS,
        money=True,
        method="matched_by_profile",
    )
    funding = WholeNumberFilter(
        label="How much funding are you looking for?",
        help_text="In pounds. Leave blank if you are not looking for money.",
        noun="the funding you are looking for",
        maximum=MAX_POUNDS,
        money=True,
        method="matched_by_profile",
    )
    support = VocabularyMultipleChoiceFilter(
        label="What kind of support do you want?",
        help_text="Select all that apply. Leave blank to see every kind.",
        choices=support_choices,
        widget=forms.CheckboxSelectMultiple,
        method="offering",
        error_messages={"invalid_choice": "Choose support types from the list"},
    )
    employees_3y_ago = WholeNumberFilter(
        label="Employees three years ago",
        noun="the number of employees three years ago",
        maximum=MAX_EMPLOYEES,
        method="matched_by_profile",
    )
    turnover_3y_ago = WholeNumberFilter(
        label="Turnover three years ago",
        help_text="With today's figures, this tells us whether you are a scaleup.",
        noun="your turnover three years ago",
        maximum=MAX_POUNDS,
        money=True,
        method="matched_by_profile",
    )
    q = WordsFilter(
        label="Anything else? (optional)",
        # Markup, with the quotes as character references: every other character of a
        # results page is in Latin-1, and one outside it would make Python hold the
        # whole page at two bytes a character (and encode it more slowly).
        help_text=mark_safe(
            "Words to search for, like &ldquo;battery&rdquo; or &ldquo;export&rdquo;."
        ),
        max_length=200,
        method="matched_by_profile",
    )
    include_closed = YesNoFilter(
        label="Include closed and proposed programmes",
        method="matched_by_profile",
    )

    class Meta:
        form = BusinessProfileForm

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None) -> None:
        # As django-filter's own, but without copying every filter on each request (a
        # deep copy, half the cost of reading a profile): only ``qs`` and making the
        # form class use the copies, so ``filters`` makes them when first asked for.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix

    @cached_property
    def filters(self) -> dict[str, django_filters.Filter]:
        filters = copy.deepcopy(self.base_filters)
        for filter_ in filters.values():
            filter_.model = self.queryset.model
            filter_.parent = self
        return filters

    # The form class, made once for each reading of the vocabularies its choices come
    # from (finder/vocabulary.py) rather than on every request: (vocabulary, class).
    _form_class: tuple[vocabulary.Vocabulary, type[BusinessProfileForm]] | None = None

    def get_form_class(self) -> type[BusinessProfileForm]:
        words = vocabulary.current()
        made = FinderFilterSet._form_class
        if made is None or made[0] is not words:
            form_class = super().get_form_class()
            form_class.vocabulary = words
            form_class.fix_choices()
            made = FinderFilterSet._form_class = (words, form_class)
        return made[1]

    @cached_property
    def profile(self) -> BusinessProfile:
        """The business described by the form; only meaningful once it is valid."""
        return profile_from(self.form.cleaned_data, names=self.choice_names())

    def choice_names(self) -> dict[str, str]:
        """Display names of the chosen place, sector and stage, from the vocabularies
        the form's choices were made from."""
        labels = self.form.vocabulary.labels
        names = {}
        for name in ("location", "sector", "stage"):
            value = self.form.cleaned_data.get(name)
            label = labels.get(name, {}).get(value) if value else None
            if label is not None:
                names[name] = label
        return names

    def filter_queryset(self, queryset):
        """Match the whole profile in the database first, then let each filter narrow.
        The profile's matches before narrowing stay on ``profile_matches``: the facet
        counts are read from them without building the query again."""
        self.profile_matches = queryset.for_finder(self.profile)
        return super().filter_queryset(self.profile_matches)

    def matched_by_profile(self, queryset, name: str, value):
        """Already applied, with every other criterion, by ``for_finder``."""
        return queryset

    def offering(self, queryset, name: str, value: list[str]):
        """Only programmes giving at least one kind of support the business wants."""
        return queryset.offering(value)


def profile_from(data: dict, names: dict[str, str] | None = None) -> BusinessProfile:
    """Turn a valid profile form's cleaned data into the engine's BusinessProfile."""
    names = names or {}
    location = data.get("location") or None
    return BusinessProfile(
        location=location,
        location_name=names.get("location"),
        location_within=vocabulary.current().containing(location) if location else frozenset(),
        sector=data.get("sector") or None,
        sector_name=names.get("sector"),
        stage=data.get("stage") or None,
        stage_name=names.get("stage"),
        employees=data.get("employees"),
        turnover=data.get("turnover"),
        funding=data.get("funding"),
        support=frozenset(data.get("support") or ()),
        q=data.get("q") or "",
        employees_3y_ago=data.get("employees_3y_ago"),
        turnover_3y_ago=data.get("turnover_3y_ago"),
        include_closed=bool(data.get("include_closed")),
    )
