"""The support plan: the programmes a business picked from its results, on one page to
print, keep or share, and as CSV.

The rules it keeps:

* No account and nothing stored: the search and the picks (``pick=<slug>``, repeatable)
  live in the address, so the plan can be bookmarked and shared, and it works without
  JavaScript (the results page picks with a plain GET form).
* Each programme is explained by the finder's own search (``finder.search.explain``),
  with its verdict, every reason, its dates and its next step worded as its result card
  words it (templates/jinja2/finder/_next_step.html); the business's answers are at the
  top, "Not given" for those left out.
* On paper (static/css/plan.css): no form controls, every link's full address, a page
  between programmes.
* Bad input (an unknown programme, no programme picked, too many, a search that is not
  valid) answers 400 with every problem named.
"""

from __future__ import annotations

import csv
import datetime
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django.views.decorators.http import require_safe

from finder import follow, index
from finder.forms import BusinessProfileForm
from finder.summary import NOT_GIVEN, Recommendation, neutralised
from finder.templatetags.finder_cards import next_step
from programmes.eligibility import Term

#: The most programmes one plan holds: a results page shows at most 20 and 10 near
#: misses, and an address has to stay short enough for every browser and server.
MOST_PICKS = 30

#: The form's fields that are not questions about the business; the postcode and the
#: area chosen are one question, "Where".
NOT_QUESTIONS = ("programme", "location", "near_misses")
MONEY = ("turnover", "funding", "turnover_3y_ago")


class PlanForm(forms.Form):
    """The programmes picked for the plan (``pick``, repeatable), each a programme in the
    catalogue."""

    pick = forms.MultipleChoiceField(
        required=True,
        error_messages={
            "required": "Choose at least one programme from your results for your plan",
            "invalid_choice": "There is no programme “%(value)s”: choose programmes from "
            "your results",
        },
    )

    def __init__(self, *args, version: int, **kwargs) -> None:
        """``version``: the catalogue version the search's form was read at."""
        super().__init__(*args, **kwargs)
        catalogue = index.current(version)
        self.fields["pick"].choices = [(slug, slug) for slug in catalogue.pk_of]

    def clean_pick(self) -> list[str]:
        # Picked twice is picked once; the order picked is the order shown.
        picks = list(dict.fromkeys(self.cleaned_data["pick"]))
        if len(picks) > MOST_PICKS:
            raise ValidationError(
                f"Choose at most {MOST_PICKS} programmes for one plan (you chose {len(picks)})",
                code="too_many",
            )
        return picks


@dataclass(frozen=True)
class Entry:
    """One programme of the plan."""

    recommendation: Recommendation
    dates: follow.Dates | None
    next_step: str
    #: The next step in plain words, for the CSV.
    next_step_text: str

    @property
    def result(self):
        return self.recommendation.result


@dataclass(frozen=True)
class Plan:
    answers: list[tuple[str, str]]
    entries: list[Entry]
    front_doors: tuple[Term, ...]
    prepared_on: datetime.date
    #: "https://host": links are printed in full, for a plan read on paper.
    site: str
    #: The search's own parameters, without the picks (``follow.search_query``).
    search_query: str
    #: The plan's own parameters: the search and the picks.
    plan_query: str

    @property
    def results_url(self) -> str:
        """The finder's results for the same search."""
        return f"{self.site}{reverse('finder:home')}?{self.search_query}#results"

    @property
    def plan_url(self) -> str:
        return f"{self.site}{reverse('finder:plan')}?{self.plan_query}"


def build_plan(
    request: HttpRequest, search: BusinessProfileForm, picks: list[str], today: datetime.date
) -> Plan:
    """The plan of ``picks`` for the valid ``search`` form, prepared on ``today``."""
    profile = search.profile()
    results, front_doors = follow.explained(profile, picks, today, version=search.words.version)
    dates = follow.dates_of(picks)
    site = request.build_absolute_uri("/").removesuffix("/")
    entries = []
    for result in results:
        slug = result.programme.slug
        url = site + reverse("programmes:detail", args=[slug])
        step = next_step(result, front_doors, site)
        entries.append(
            Entry(
                recommendation=Recommendation(result=result, url=url),
                dates=dates.get(slug),
                next_step=step,
                next_step_text=capfirst(html.unescape(strip_tags(step))),
            )
        )
    search_query = follow.search_query(request.GET, search)
    picked = "&".join(f"pick={slug}" for slug in picks)
    return Plan(
        answers=answers(search),
        entries=entries,
        front_doors=front_doors,
        prepared_on=today,
        site=site,
        search_query=search_query,
        plan_query=f"{search_query}&{picked}" if search_query else picked,
    )


def answers(form: BusinessProfileForm) -> list[tuple[str, str]]:
    """The business's answers to the valid ``form``, question by question in the order the
    finder asks them: "Not given" for those left out; a postcode with where it was
    found."""
    data = form.cleaned_data
    profile = form.profile()
    worded = []
    for name in form.fields:
        if name in NOT_QUESTIONS:
            continue
        if name == "postcode":
            value = profile.postcode_found or profile.location_name or ""
            worded.append(("Where is your business?", value))
            continue
        field = form.fields[name]
        value = data.get(name)
        if name in MONEY:
            text = "" if value is None else f"£{value:,}"
        elif name in ("employees", "employees_3y_ago"):
            text = "" if value is None else f"{value:,}"
        elif name == "support":
            text = ", ".join(_choice(form, name, slug) for slug in value or ())
        elif name in ("sector", "stage"):
            text = getattr(profile, f"{name}_name") or ""
        elif name == "include_closed":
            text = "Yes" if value else "No"
        elif isinstance(field, forms.ChoiceField):
            text = _choice(form, name, value)
        else:
            text = value or ""
        worded.append((str(field.label).removesuffix(" (optional)"), text))
    return [(question, answer or NOT_GIVEN) for question, answer in worded]


def _choice(form: BusinessProfileForm, name: str, value: str | None) -> str:
    """The label of a choice (without the count shown beside a kind of support)."""
    if not value:
        return ""
    return str(dict(form.fields[name].choices).get(value, value))


# --- CSV ------------------------------------------------------------------------------


def csv_response(plan: Plan) -> HttpResponse:
    """The plan as a CSV file: when, the answers, then one row per programme; sections
    apart by an empty row. No cell starts a spreadsheet formula (``summary.neutralised``):
    the words searched for are typed by people."""
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="support-plan-{plan.prepared_on.isoformat()}.csv"'
            )
        },
    )
    # The byte order mark makes Excel read the file as UTF-8 ("£", not "Â£").
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerows([neutralised(row) for row in csv_rows(plan)])
    return response


def csv_rows(plan: Plan) -> Iterable[Sequence[str]]:
    yield ["Support plan", plan.plan_url]
    yield ["Prepared on", plan.prepared_on.isoformat()]
    yield []
    yield ["Question", "Answer"]
    yield from ([question, answer] for question, answer in plan.answers)
    yield []
    yield [
        "Programme",
        "URL",
        "Verdict",
        "Status",
        "Opens",
        "Closes",
        "Cohort starts",
        "About the dates",
        "Next step",
        "Reasons",
    ]
    for entry in plan.entries:
        result, dates = entry.result, entry.dates
        yield [
            result.programme.name,
            entry.recommendation.url,
            result.match.level.label,
            entry.recommendation.status,
            _day(dates.opens_on if dates else None),
            _day(dates.closes_on if dates else None),
            _day(dates.cohort_starts_on if dates else None),
            dates.dates_note if dates else "",
            entry.next_step_text,
            "\n".join(f"{reason.outcome.label}: {reason.text}" for reason in result.match.reasons),
        ]


def _day(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


# --- Views ----------------------------------------------------------------------------


def _read(request: HttpRequest) -> tuple[BusinessProfileForm, PlanForm, HttpResponse | None]:
    """The search and the picks of the request; an error page (400) when either is not
    valid."""
    search = follow.search_form(request.GET)
    picks = PlanForm(request.GET, version=search.words.version)
    search_ok, picks_ok = search.is_valid(), picks.is_valid()
    if search_ok and picks_ok:
        return search, picks, None
    context = {
        "search_form": search,
        "picks": picks,
        "search_query": follow.search_query(request.GET, search) if search_ok else "",
        "form_has_errors": True,
    }
    return search, picks, render(request, "finder/plan_invalid.html", context, status=400)


@require_safe
def plan_page(request: HttpRequest) -> HttpResponse:
    """The plan, to read, print or save as PDF."""
    search, picks, invalid = _read(request)
    if invalid:
        return invalid
    plan = build_plan(request, search, picks.cleaned_data["pick"], timezone.localdate())
    return render(request, "finder/plan.html", {"plan": plan})


@require_safe
def plan_csv(request: HttpRequest) -> HttpResponse:
    """The same plan as a CSV file to download."""
    search, picks, invalid = _read(request)
    if invalid:
        return invalid
    return csv_response(
        build_plan(request, search, picks.cleaned_data["pick"], timezone.localdate())
    )
