"""The project's `govuk` crispy-forms template pack renders GOV.UK Frontend markup."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from crispy_forms.bootstrap import InlineRadios, PrependedText
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.conf import settings
from django.forms.renderers import Jinja2
from django.template import Context, Template

from finder.templatetags.govuk_frontend import govuk_widget

SECTORS = [("", "Choose a sector"), ("digital", "Digital"), ("health", "Health tech")]
SUPPORT = [("grant", "Grant"), ("loan", "Loan"), ("mentoring", "Mentoring")]
STAGES = [("start-up", "Start-up"), ("established", "Established")]


class DemoForm(forms.Form):
    """A search-like form with one field of every kind the finder uses."""

    name = forms.CharField(label="Business name", max_length=20)
    # GOV.UK asks for type="text" with inputmode="numeric" rather than type="number",
    # which browsers submit as "" when it holds text. The width is a widget class here...
    employees = forms.IntegerField(
        label="Number of employees",
        min_value=0,
        help_text="Include part-time staff.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
    )
    turnover = forms.IntegerField(
        label="Annual turnover",
        required=False,
        min_value=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    sector = forms.ChoiceField(label="Sector", choices=SECTORS)
    support = forms.MultipleChoiceField(
        label="Support wanted",
        choices=SUPPORT,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
    )
    stage = forms.ChoiceField(label="Business stage", choices=STAGES, widget=forms.RadioSelect)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.form_tag = True
        self.helper.layout = Layout(
            Field("name", css_class="govuk-input--width-20"),
            "employees",
            # ...and here it comes from the layout, with the GOV.UK "£" prefix.
            PrependedText("turnover", "£", css_class="govuk-input--width-10"),
            "sector",
            "support",
            "stage",
        )
        self.helper.add_input(Submit("submit", "Find support"))


def render_crispy(form: forms.Form) -> str:
    return Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))


def tag_with(html: str, attribute: str) -> str:
    """The whole opening tag that carries an exact attribute, e.g. 'id="id_name"'."""
    match = re.search(rf"<[a-z]+[^>]*\b{re.escape(attribute)}[^>]*>", html)
    assert match, f"no tag with {attribute} in the output"
    return match.group(0)


@pytest.fixture
def invalid_html() -> str:
    form = DemoForm(data={"name": "x" * 30, "employees": "lots", "turnover": "-5", "stage": "nope"})
    assert not form.is_valid()
    return render_crispy(form)


def test_template_pack_renders_inputs_with_govuk_classes_and_described_by(
    invalid_html: str,
) -> None:
    employees = tag_with(invalid_html, 'id="id_employees"')
    assert 'class="govuk-input govuk-input--error govuk-input--width-5"' in employees
    assert 'aria-describedby="id_employees-hint id_employees-error"' in employees
    assert '<div id="id_employees-hint" class="govuk-hint">Include part-time staff.</div>' in (
        invalid_html
    )
    assert 'inputmode="numeric"' in employees
    name = tag_with(invalid_html, 'id="id_name"')
    assert 'class="govuk-input govuk-input--error govuk-input--width-20"' in name
    assert 'aria-describedby="id_name-error"' in name
    assert '<label class="govuk-label" for="id_name">Business name</label>' in invalid_html


def test_template_pack_error_messages_have_a_hidden_error_prefix(invalid_html: str) -> None:
    message = re.search(
        r'<p id="id_employees-error" class="govuk-error-message">(.*?)</p>', invalid_html
    )
    assert message
    assert message.group(1) == (
        '<span class="govuk-visually-hidden">Error:</span> Enter a whole number.'
    )
    assert invalid_html.count('class="govuk-form-group govuk-form-group--error"') == 6


def test_template_pack_money_field_has_a_pound_prefix_and_width(invalid_html: str) -> None:
    wrapper = re.search(
        r'<div class="govuk-input__wrapper">(.*?)</div>\s*</div>', invalid_html, re.S
    )
    assert wrapper
    assert '<div class="govuk-input__prefix" aria-hidden="true">£</div>' in wrapper.group(1)
    turnover = tag_with(wrapper.group(1), 'id="id_turnover"')
    assert "govuk-input--width-10" in turnover
    assert "govuk-input--error" in turnover


def test_template_pack_select_uses_govuk_select(invalid_html: str) -> None:
    select = tag_with(invalid_html, 'id="id_sector"')
    assert select.startswith("<select")
    assert 'class="govuk-select govuk-select--error"' in select
    assert 'aria-describedby="id_sector-error"' in select


@pytest.mark.parametrize(
    "data",
    [
        {},  # nothing chosen: required, no error yet
        {"area": "coventry"},  # one option of a group chosen
        {"area": "atlantis"},  # an error: aria-invalid, the --error class, described by it
    ],
)
@pytest.mark.parametrize("renderer", [None, Jinja2()])
def test_template_pack_select_writes_what_djangos_select_widget_writes(data, renderer) -> None:
    """The pack writes a select's options itself (templates/jinja2/govuk/fields/
    select.html): the markup must be Django's own widget's, with the same attributes,
    groups and choice, whitespace aside, under either form renderer."""

    class AreaForm(forms.Form):
        area = forms.ChoiceField(
            label="Area",
            help_text="Where you are.",
            choices=[
                ("", "Choose a place"),
                ("Cities", [("coventry", "Coventry"), ("stoke", "Stoke & Trent")]),
                ("Counties", [("warwickshire", "Warwickshire")]),
            ],
            widget=forms.Select(attrs={"class": "govuk-!-width-full"}),
        )

    form = AreaForm(data or None, renderer=renderer)
    form.is_valid()
    field = form["area"]
    helper = FormHelper()
    helper.form_tag = False
    form.helper = helper
    ours = re.search(r"<select.*?</select>", render_crispy(form), re.S).group(0)
    djangos = govuk_widget(field, "govuk-select")

    def squeezed(html: str) -> str:
        return re.sub(r">\s+<", "><", html.strip())

    assert squeezed(ours) == squeezed(djangos)
    assert 'class="govuk-select' in ours and '<optgroup label="Cities">' in ours


def test_template_pack_checkboxes_sit_in_a_fieldset_with_a_legend(invalid_html: str) -> None:
    group = re.search(
        r'<fieldset class="govuk-fieldset" aria-describedby="id_support-hint id_support-error">'
        r"(.*?)</fieldset>",
        invalid_html,
        re.S,
    )
    assert group, "the checkboxes' fieldset should point at its hint and error"
    body = group.group(1)
    assert '<legend class="govuk-fieldset__legend">Support wanted</legend>' in body
    assert '<div class="govuk-checkboxes" data-module="govuk-checkboxes">' in body
    assert body.count('class="govuk-checkboxes__input"') == 3
    assert (
        '<input class="govuk-checkboxes__input" id="id_support_1" name="support" '
        'type="checkbox" value="loan">'
    ) in body
    assert (
        '<label class="govuk-label govuk-checkboxes__label" for="id_support_1">Loan</label>' in body
    )


def test_template_pack_radios_keep_the_chosen_value_checked() -> None:
    form = DemoForm(data={"stage": "established"})
    html = render_crispy(form)
    assert '<div class="govuk-radios" data-module="govuk-radios">' in html
    assert (
        '<input class="govuk-radios__input" id="id_stage_1" name="stage" type="radio" '
        'value="established" checked>'
    ) in html
    assert 'id="id_stage_0" name="stage" type="radio" value="start-up">' in html
    assert '<legend class="govuk-fieldset__legend">Business stage</legend>' in html


def test_template_pack_error_summary_links_each_error_to_its_control(invalid_html: str) -> None:
    summary = re.search(r'<div class="govuk-error-summary"([^>]*)>(.*?)</ul>', invalid_html, re.S)
    assert summary
    assert 'data-module="govuk-error-summary"' in summary.group(1)
    assert 'tabindex="-1"' in summary.group(1)
    assert '<div role="alert">' in summary.group(2)
    assert '<h2 class="govuk-error-summary__title">There is a problem</h2>' in summary.group(2)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(2))
    assert links == [
        ("id_name", "Ensure this value has at most 20 characters (it has 30)."),
        ("id_employees", "Enter a whole number."),
        ("id_turnover", "Ensure this value is greater than or equal to 0."),
        ("id_sector", "This field is required."),
        ("id_support_0", "This field is required."),
        ("id_stage_0", "Select a valid choice. nope is not one of the available choices."),
    ]
    # The summary comes before the form so it is the first thing read out.
    assert invalid_html.index("govuk-error-summary") < invalid_html.index("<form")


def test_template_pack_error_summary_lists_non_field_errors_first() -> None:
    class RangeForm(forms.Form):
        low = forms.IntegerField()
        high = forms.IntegerField()

        def clean(self) -> dict[str, object]:
            raise forms.ValidationError("The lowest value must not be above the highest.")

    form = RangeForm(data={"low": "9", "high": ""})
    form.is_valid()
    html = Template("{% load govuk_frontend %}{% govuk_error_summary form %}").render(
        Context({"form": form})
    )
    items = re.findall(r"<li>(.*?)</li>", html)
    assert items == [
        "The lowest value must not be above the highest.",
        '<a href="#id_high">This field is required.</a>',
    ]


def test_template_pack_valid_form_has_no_error_markup_and_a_get_form() -> None:
    html = render_crispy(DemoForm())
    assert "govuk-error" not in html
    assert "aria-describedby" in tag_with(html, 'id="id_employees"')  # the hint still
    assert re.search(r'<form method="get" novalidate>', html)
    assert "csrfmiddlewaretoken" not in html
    # A GET search button has no name, so it does not add "submit=..." to the search URL.
    assert (
        '<button type="submit" class="govuk-button" id="submit-id-submit" '
        'data-module="govuk-button">Find support</button>'
    ) in html


def test_template_pack_helper_can_leave_the_error_summary_to_the_page() -> None:
    form = DemoForm(data={})
    form.helper.error_summary = False
    html = render_crispy(form)
    assert "govuk-error-summary" not in html
    assert "govuk-error-message" in html


def test_template_pack_post_form_keeps_csrf_and_button_name() -> None:
    form = DemoForm()
    form.helper.form_method = "post"
    form.helper.disable_csrf = False
    html = Template("{% load crispy_forms_tags %}{% crispy form %}").render(
        Context({"form": form, "csrf_token": "token123"})
    )
    assert 'name="csrfmiddlewaretoken" value="token123"' in html
    assert 'name="submit" value="Find support"' in html


def test_compiled_css_has_no_gds_transport_font() -> None:
    css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text(encoding="utf-8")
    assert ".govuk-error-summary" in css  # it is the compiled GOV.UK Frontend
    assert "@font-face" not in css
    assert ".woff" not in css
    assert "GDS Transport" not in css
    assert "font-family:system-ui," in css


def test_template_pack_label_size_helper_sizes_labels_and_legends() -> None:
    form = DemoForm()
    form.helper.label_size = "s"
    html = render_crispy(form)
    assert '<label class="govuk-label govuk-label--s" for="id_name">' in html
    assert (
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Support wanted</legend>'
    ) in html


def test_template_pack_inline_radios_and_a_single_checkbox() -> None:
    class Filters(forms.Form):
        stage = forms.ChoiceField(choices=STAGES, widget=forms.RadioSelect)
        include_closed = forms.BooleanField(
            label="Include closed programmes",
            required=False,
            help_text="Closed programmes point to what replaced them.",
        )

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self.helper = FormHelper()
            self.helper.form_tag = False
            self.helper.layout = Layout(InlineRadios("stage"), "include_closed")

    html = render_crispy(Filters(data={"include_closed": "on"}))
    assert '<div class="govuk-radios govuk-radios--inline" data-module="govuk-radios">' in html
    assert "<form" not in html
    checkbox = tag_with(html, 'id="id_include_closed"')
    assert 'type="checkbox"' in checkbox
    assert 'class="govuk-checkboxes__input"' in checkbox
    assert "checked" in checkbox
    assert 'aria-describedby="id_include_closed-hint"' in checkbox
    assert (
        '<label class="govuk-label govuk-checkboxes__label" for="id_include_closed">'
        "Include closed programmes</label>"
    ) in html


def test_template_pack_choices_carry_their_hints() -> None:
    form = DemoForm()
    form.fields["stage"].choice_hints = {"start-up": "Trading for less than two years."}
    html = render_crispy(form)
    radio = tag_with(html, 'id="id_stage_0"')
    assert 'aria-describedby="id_stage_0-hint"' in radio
    assert (
        '<div id="id_stage_0-hint" class="govuk-hint govuk-radios__hint">'
        "Trading for less than two years.</div>"
    ) in html
    assert "id_stage_1-hint" not in html


def test_template_pack_disabled_choices_are_disabled_and_others_are_not() -> None:
    form = DemoForm()
    form.fields["support"].widget.attrs["disabled"] = True
    html = render_crispy(form)
    for index in range(len(SUPPORT)):
        assert " disabled" in tag_with(html, f'id="id_support_{index}"')
    for index in range(len(STAGES)):
        assert "disabled" not in tag_with(html, f'id="id_stage_{index}"')


def test_template_pack_layout_naming_a_missing_field_is_an_error() -> None:
    form = DemoForm()
    form.helper.layout = Layout("name", "turnvoer")
    with pytest.raises(Exception, match="turnvoer"):
        render_crispy(form)
