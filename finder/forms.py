"""The finder's questions: a GET form whose cleaned answers are the business profile.

The same form reads the finder page's and ``/api/match/``'s parameters, so bad input is
refused the same way by both (every problem named, never a different search).
"""

from __future__ import annotations

import re
from decimal import Decimal

from crispy_forms.bootstrap import PrependedText
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import Jinja2

from clusters import postcodes
from finder import vocabulary
from finder.search import NEAR_MISSES_SHOWN
from programmes.eligibility import BusinessProfile
from programmes.models import Programme

# Fields that take one value; a second value would mean a silently different search.
SINGLE_VALUED = (
    "programme",
    "location",
    "postcode",
    "sector",
    "stage",
    "led_by_women",
    "employees",
    "turnover",
    "funding",
    "employees_3y_ago",
    "turnover_3y_ago",
    "q",
    "include_closed",
    "near_misses",
)

MAX_EMPLOYEES = 10_000_000
MAX_POUNDS = 1_000_000_000_000  # £1 trillion: far above any real business, within bigint
NUMBER = re.compile(r"^[0-9]+$")
# An amount of money as people write it: digits, with commas only between thousands; a
# decimal part after a point; and k, m or bn (thousand, million, billion).
AMOUNT = re.compile(
    r"^(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<fraction>[0-9]+))?"
    r"(?P<unit>k|thousand|m|mn|million|bn|billion)?$"
)
UNITS = {
    "": 1,
    "k": 1_000,
    "thousand": 1_000,
    "m": 1_000_000,
    "mn": 1_000_000,
    "million": 1_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
}
MONEY_FORMATS = "like 250000, £250,000, 250k or 1.5m"
NO_SUCH_PROGRAMME = "There is no such programme: find it in the programmes A to Z"


class WholeNumberField(forms.Field):
    """A count typed as text.

    A text input rather than type="number": a browser sends an empty value for text typed
    into a number input, and the search would quietly drop it. "1,000" and "1 000" are
    read as 1000; anything else is an error naming the field.
    """

    widget = forms.TextInput

    def __init__(self, *, noun: str, maximum: int, **kwargs) -> None:
        self.noun = noun
        self.maximum = maximum
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "spellcheck": "false"})

    def to_python(self, value: str | None) -> int | None:
        text = "" if value is None else str(value).strip()
        if text == "":
            return None
        cleaned = re.sub(r"[,\s]", "", text)
        if cleaned.startswith("-") and NUMBER.match(cleaned[1:]):
            raise ValidationError(f"{self.noun.capitalize()} must be 0 or more", code="negative")
        if not NUMBER.match(cleaned):
            raise ValidationError(f"Enter {self.noun} as a whole number, like 12", code="invalid")
        # Compare lengths before converting: Python refuses int() of a string over 4,300
        # digits (a ValueError, so a server error), and a number longer than the
        # maximum is too big whatever its digits.
        digits = cleaned.lstrip("0") or "0"
        if len(digits) > len(str(self.maximum)) or int(digits) > self.maximum:
            raise self.too_big()
        return int(digits)

    def too_big(self) -> ValidationError:
        return ValidationError(
            f"{self.noun.capitalize()} must be {self.maximum:,} or less", code="max"
        )


class MoneyField(WholeNumberField):
    """An amount of pounds as people write it: "250000", "£250,000", "250k", "£1.5m",
    "1.5 million", "1500000.00". Anything that could be read two ways ("1,5": a decimal
    comma, or a thousands separator in the wrong place?) is an error that says which
    forms are accepted. With ``zero_is_blank``, 0 means the question does not apply
    (no money sought)."""

    def __init__(self, *, zero_is_blank: bool = False, **kwargs) -> None:
        self.zero_is_blank = zero_is_blank
        super().__init__(**kwargs)

    def to_python(self, value: str | None) -> int | None:
        text = "" if value is None else str(value).strip()
        if text == "":
            return None
        cleaned = re.sub(r"\s", "", text).lower().removeprefix("£")
        negative = cleaned.startswith("-")
        match = AMOUNT.match(cleaned.removeprefix("-").removeprefix("£"))
        if match is None:
            if "," in cleaned:
                raise ValidationError(
                    f"Enter {self.noun} with commas only between thousands and a point for "
                    f"decimals, {MONEY_FORMATS}",
                    code="invalid",
                )
            raise ValidationError(f"Enter {self.noun} in pounds, {MONEY_FORMATS}", code="invalid")
        if negative:
            raise ValidationError(f"{self.noun.capitalize()} must be 0 or more", code="negative")
        whole = match["whole"].replace(",", "")
        if len(whole) > len(str(self.maximum)):
            raise self.too_big()
        amount = Decimal(f"{whole}.{match['fraction'] or 0}") * UNITS[match["unit"] or ""]
        if amount != amount.to_integral_value():
            raise ValidationError(
                f"Enter {self.noun} in whole pounds, {MONEY_FORMATS}", code="pence"
            )
        if amount > self.maximum:
            raise self.too_big()
        if amount == 0 and self.zero_is_blank:
            return None
        return int(amount)


class PostcodeField(forms.CharField):
    """A UK postcode as people type it ("CV1 2AB", "cv12ab"), or part of one: an outward
    code ("CV7") or a sector ("CV7 9"). Cleans to the postcode as written in the
    directory (``clusters.postcodes.Postcode``); where it is, is for the form to say
    (``Vocabulary.postcode``)."""

    INVALID = "Enter a postcode like CV1 2AB, or the first part of one like CV7"

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "postal-code", "spellcheck": "false"})

    def clean(self, value) -> postcodes.Postcode | None:
        # Text longer than any postcode, or with a null character in it, is no postcode:
        # one message, where Django's own checks would add theirs.
        if value and (len(str(value).strip()) > self.max_length or "\x00" in str(value)):
            raise ValidationError(self.INVALID, code="invalid")
        text = super().clean(value)
        if not text:
            return None
        postcode = postcodes.parse(text)
        if postcode is None:
            raise ValidationError(self.INVALID, code="invalid")
        return postcode

    def prepare_value(self, value):
        return value.text if isinstance(value, postcodes.Postcode) else value


class YesNoCheckbox(forms.CheckboxInput):
    """A checkbox that hands its raw value to the field, so "include_closed=0" means no
    (Django's own checkbox reads any non-empty text as ticked)."""

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, check_test=lambda value: YesNoField.parse(value) is True)

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class YesNoField(forms.Field):
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


class BusinessProfileForm(forms.Form):
    """The questions the finder asks, laid out with GOV.UK components. Every answer is
    optional."""

    # Its widgets (a select of every place, one of every sector) are rendered with
    # Django's own Jinja2 widget templates: the finder page then takes a median 25 ms of
    # CPU rather than 43 ms (README, "Performance").
    default_renderer = Jinja2()

    # A programme's page links here to check that one programme: its verdict shows above
    # the results, however it fares.
    # Any text: what is not a programme's slug is "no programme" (clean_programme).
    programme = forms.CharField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={"null_characters_not_allowed": NO_SUCH_PROGRAMME},
    )
    postcode = PostcodeField(
        label="Postcode",
        help_text="For example, CV1 2AB. The first part, like CV7, will do.",
    )
    location = forms.ChoiceField(
        label="Or choose an area",
        help_text="The local authority area your business is in, or a larger one.",
        required=False,
        error_messages={"invalid_choice": "Choose where your business is from the list"},
    )
    sector = forms.ChoiceField(
        label="What does your business do?",
        required=False,
        error_messages={"invalid_choice": "Choose your sector from the list"},
    )
    stage = forms.ChoiceField(
        label="How long has your business been trading?",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the stages listed"},
    )
    led_by_women = forms.ChoiceField(
        label="Is your business led by women?",
        help_text="Some programmes are for women who lead or manage a business.",
        choices=[("yes", "Yes"), ("no", "No")],
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": "Answer “yes” or “no” to “Is your business led by women?”, "
            "or leave it out"
        },
    )
    employees = WholeNumberField(
        label="How many employees do you have?",
        noun="the number of employees",
        maximum=MAX_EMPLOYEES,
    )
    turnover = MoneyField(
        label="What is your annual turnover?",
        help_text=f"In pounds, for your last full year, {MONEY_FORMATS}.",
        noun="your turnover",
        maximum=MAX_POUNDS,
    )
    funding = MoneyField(
        label="How much funding are you looking for?",
        help_text=(
            f"In pounds, {MONEY_FORMATS}. Leave blank, or enter 0, if you are not looking "
            "for money."
        ),
        noun="the funding you are looking for",
        maximum=MAX_POUNDS,
        zero_is_blank=True,
    )
    support = forms.MultipleChoiceField(
        label="What kind of support do you want?",
        help_text="Select all that apply. Leave blank to see every kind.",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose support types from the list"},
    )
    employees_3y_ago = WholeNumberField(
        label="Employees three years ago",
        noun="the number of employees three years ago",
        maximum=MAX_EMPLOYEES,
    )
    turnover_3y_ago = MoneyField(
        label="Turnover three years ago",
        help_text="With today's figures, this tells us whether you are a scaleup.",
        noun="your turnover three years ago",
        maximum=MAX_POUNDS,
    )
    q = forms.CharField(
        label="Anything else? (optional)",
        help_text="Words to search for, like “battery” or “export”.",
        max_length=200,
        required=False,
        error_messages={
            "max_length": "Words to search for must be %(limit_value)d characters or less",
            "null_characters_not_allowed": "Words to search for cannot contain a null character",
        },
    )
    include_closed = YesNoField(label="Include closed and proposed programmes", required=False)
    # "all": every near miss, not only the closest (the results page links to it).
    near_misses = forms.ChoiceField(
        choices=[("", "The closest"), ("all", "All")],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Near misses must be “all”, or left out"},
    )

    def __init__(self, *args, version: int | None = None, **kwargs) -> None:
        """``version``: the catalogue version the request has already read, if it has
        (the finder's views), to ask from the vocabularies kept for it."""
        super().__init__(*args, **kwargs)
        #: Where the postcode given is (``Vocabulary.postcode``), once the form is valid.
        self.located: dict[str, object] | None = None
        # The choices come from the vocabularies each process keeps while the catalogue
        # stays as it is (finder/vocabulary.py).
        self.words = words = vocabulary.current(version)
        for name, choices in words.form_choices.items():
            self.fields[name].choices = choices
        self.fields["stage"].choice_hints = words.stage_hints
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.form_id = "finder-form"
        # Land on the results: on a phone they sit below this long form. A page with
        # errors has no #results, so it opens at the top, on the error summary.
        self.helper.form_action = "#results"
        self.helper.error_summary = False  # the page shows it at the top
        self.helper.label_size = "s"
        self.helper.include_media = False  # Django's own widgets: nothing to load
        self.helper.layout = Layout(
            Field("programme"),
            Fieldset(
                "Where is your business?",
                Field("postcode", css_class="govuk-input--width-10"),
                Field("location"),
            ),
            Field("sector"),
            Field("stage"),
            Field("led_by_women", css_class="govuk-radios--inline govuk-radios--small"),
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
            Field("near_misses"),
            Submit("", "Find support"),
        )

    def clean_programme(self) -> str:
        slug = self.cleaned_data.get("programme") or ""
        if len(slug) > Programme._meta.get_field("slug").max_length:
            raise ValidationError(NO_SUCH_PROGRAMME, code="unknown")
        if slug and not Programme.objects.filter(slug=slug).exists():
            raise ValidationError(
                f"There is no programme “{slug}”: find it in the programmes A to Z",
                code="unknown",
            )
        return slug

    def clean_postcode(self) -> postcodes.Postcode | None:
        """The postcode, found in the directory: where it is, is kept for ``profile``."""
        postcode = self.cleaned_data.get("postcode")
        self.located = self.words.postcode(postcode) if postcode else None
        return postcode

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("postcode") and cleaned.get("location"):
            self.add_error("postcode", "Give a postcode or choose an area from the list, not both")
        getlist = getattr(self.data, "getlist", None)
        if getlist is not None:
            for name in SINGLE_VALUED:
                if len(getlist(name)) > 1:
                    label = self.fields[name].label.rstrip("?")
                    self.add_error(name, f"Give only one answer to “{label}”")
        return cleaned

    def show_counts(self, counts: dict[str, int]) -> None:
        """Put beside each kind of support how many programmes the business would see
        if it chose it (the facet counts)."""
        field = self.fields["support"]
        field.choices = [(slug, f"{name} ({counts.get(slug, 0)})") for slug, name in field.choices]

    def near_misses_shown(self) -> int | None:
        """How many near misses to show: all of them, or the closest (the default)."""
        return None if self.cleaned_data.get("near_misses") == "all" else NEAR_MISSES_SHOWN

    def profile(self) -> BusinessProfile:
        """The business the valid form describes."""
        data = self.cleaned_data
        words = self.words
        stage = data.get("stage") or None
        return BusinessProfile(
            **(self.located or words.location(data.get("location"))),
            **words.sector(data.get("sector") or None),
            stage=stage,
            stage_name=words.labels["stage"].get(stage),
            employees=data.get("employees"),
            turnover=data.get("turnover"),
            funding=data.get("funding"),
            support=frozenset(data.get("support") or ()),
            q=data.get("q") or "",
            employees_3y_ago=data.get("employees_3y_ago"),
            turnover_3y_ago=data.get("turnover_3y_ago"),
            include_closed=bool(data.get("include_closed")),
            led_by_women={"yes": True, "no": False}.get(data.get("led_by_women") or ""),
        )
