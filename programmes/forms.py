"""The A to Z's filter form: narrow the list of programmes by status and type of support."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from programmes.models import Programme, SupportType


class ProgrammeFilterForm(forms.Form):
    """Both filters are optional; left empty, the A to Z lists every programme.

    Status means the status a reader sees today (``Programme.effective_status``), so
    "Open" never lists a programme whose closing date has passed.
    """

    status = forms.ChoiceField(
        label="Status",
        required=False,
        error_messages={"invalid_choice": "Choose a status from the list"},
    )
    support = forms.ChoiceField(
        label="Type of support",
        required=False,
        error_messages={"invalid_choice": "Choose a type of support from the list"},
    )

    def __init__(self, *args: object, support_types: Iterable[SupportType], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.support_types = list(support_types)
        self.set_counts(status_counts=None, support_counts=None)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        # The page shows the error summary above its h1, where GOV.UK puts it.
        self.helper.error_summary = False
        self.helper.add_input(Submit("apply", "Apply filters", css_class="govuk-button--secondary"))

    def set_counts(
        self,
        *,
        status_counts: Mapping[str, int] | None,
        support_counts: Mapping[str, int] | None,
    ) -> None:
        """Label each option with how many programmes it would show, given the other
        filter. An option with no programmes is kept (a shared link may ask for it), and
        shows "(0)"."""

        def label(name: str, key: str, counts: Mapping[str, int] | None) -> str:
            return name if counts is None else f"{name} ({counts.get(key, 0)})"

        self.fields["status"].choices = [
            ("", "Any status"),
            *(
                (value, label(name, value, status_counts))
                for value, name in Programme.Status.choices
            ),
        ]
        self.fields["support"].choices = [
            ("", "Any type"),
            *((st.slug, label(st.name, st.slug, support_counts)) for st in self.support_types),
        ]
