"""The client summary: what an adviser gives a client business after an enquiry, printed
from the admin or downloaded as CSV (``EnquiryAdmin.client_summary_view``).

The rules it keeps:

* The business's answers are shown as recorded; a question the client did not answer
  reads "Not given", never zero or "No".
* The programmes are the enquiry page's own (``finder.admin.enquiry_search``, the public
  finder's search): the same results and near misses in the same order, at most as many
  as the enquiry page shows, each with its verdict, every reason, its status and its next
  step worded as the finder's cards word it (templates/jinja2/finder/_next_step.html).
* Every referral made is listed, and the summary says when, and by whom, it was prepared.
* No cell of the CSV starts a spreadsheet formula: the business name, the notes and the
  answers are typed by people, and a spreadsheet would run ``=HYPERLINK(...)`` typed as a
  business name.
"""

from __future__ import annotations

import csv
import datetime
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import capfirst, slugify

from finder.models import Enquiry, Referral
from finder.search import Result, Search
from finder.templatetags.finder_cards import next_step
from programmes.eligibility import Term

NOT_GIVEN = "Not given"

# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Recommendation:
    """One programme of the summary: the finder's result and its page on the public site."""

    result: Result
    url: str

    @property
    def status(self) -> str:
        """Its status on the day; an open programme whose status rests on old evidence
        says so, as its card does (templates/jinja2/finder/_result_cards.html)."""
        label = self.result.status.label
        if self.result.unconfirmed:
            return f"{label} (not confirmed: check with the provider that it still runs)"
        return label


@dataclass(frozen=True)
class ClientSummary:
    enquiry: Enquiry
    answers: list[tuple[str, str]]
    results: list[Recommendation]
    near_misses: list[Recommendation]
    #: Whether the search found more than the summary lists, of each kind.
    more_results: bool
    more_near_misses: bool
    #: Who the business should ask first (``Search.front_doors``).
    front_doors: tuple[Term, ...]
    referrals: list[Referral]
    prepared_on: datetime.date
    prepared_by: str
    #: "https://host": links are printed in full, for a summary read on paper.
    site: str
    limit: int

    def next_step_text(self, recommendation: Recommendation) -> str:
        """A programme's next step in plain words, the front doors named without links."""
        worded = next_step(recommendation.result, self.front_doors)
        return capfirst(html.unescape(strip_tags(worded)))


def client_summary(
    request: HttpRequest, enquiry: Enquiry, search: Search, limit: int
) -> ClientSummary:
    """The summary of ``enquiry`` for its ``search`` (``enquiry_search``), listing at most
    ``limit`` results and near misses, prepared now by the user asking."""
    site = request.build_absolute_uri("/").removesuffix("/")

    def recommended(results: list[Result]) -> list[Recommendation]:
        return [
            Recommendation(
                result=result,
                url=site + reverse("programmes:detail", args=[result.programme.slug]),
            )
            for result in results[:limit]
        ]

    user = request.user
    return ClientSummary(
        enquiry=enquiry,
        answers=answers(enquiry, search),
        results=recommended(search.results),
        near_misses=recommended(search.near_misses),
        more_results=len(search.results) > limit,
        more_near_misses=len(search.near_misses) > limit,
        front_doors=search.front_doors,
        referrals=referrals_of(enquiry),
        prepared_on=timezone.localdate(),
        prepared_by=user.get_full_name() or user.get_username(),
        site=site,
        limit=limit,
    )


def answers(enquiry: Enquiry, search: Search) -> list[tuple[str, str]]:
    """The business's answers, question by question, in the order the enquiry asks them,
    "Not given" for those left blank; where it is, as the place recorded or the postcode
    with the place it was found in."""
    where = enquiry.location.name if enquiry.location else enquiry.postcode
    if enquiry.postcode and search.profile.postcode_found:
        where = f"{enquiry.postcode}: {search.profile.postcode_found}"
    support = ", ".join(support.name for support in enquiry.support_wanted.all())
    given = [
        ("Business name", enquiry.business_name),
        ("Contact", enquiry.contact_name),
        ("Email", enquiry.email),
        ("Phone", enquiry.phone),
        ("Where", where),
        ("Sector", enquiry.sector.name if enquiry.sector else ""),
        ("Stage", enquiry.stage.name if enquiry.stage else ""),
        ("Led by women", {True: "Yes", False: "No", None: ""}[enquiry.led_by_women]),
        ("Employees", _number(enquiry.employees)),
        ("Turnover", _pounds(enquiry.turnover)),
        ("Funding sought", _pounds(enquiry.funding_sought)),
        ("Support wanted", support),
        ("Employees three years ago", _number(enquiry.employees_3y_ago)),
        ("Turnover three years ago", _pounds(enquiry.turnover_3y_ago)),
        ("What they are looking for", enquiry.free_text),
    ]
    return [(question, answer or NOT_GIVEN) for question, answer in given]


def referrals_of(enquiry: Enquiry) -> list[Referral]:
    """The referrals made for the enquiry, in the order they were made (those not yet
    dated last), with their programmes: one query however many there are."""
    return list(
        Referral.objects.filter(enquiry=enquiry)
        .select_related("programme")
        .order_by(F("referred_on").asc(nulls_last=True), "programme__name")
    )


def _number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _pounds(value: int | None) -> str:
    return "" if value is None else f"£{value:,}"


# --- CSV ------------------------------------------------------------------------------


def csv_response(summary: ClientSummary) -> HttpResponse:
    """The summary as a CSV file to download: who and when, the answers, one row per
    programme (results, then near misses), then the referrals; sections apart by an
    empty row."""
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{csv_filename(summary)}"'},
    )
    # The byte order mark makes Excel read the file as UTF-8 ("£", not "Â£").
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerows([neutralised(row) for row in csv_rows(summary)])
    return response


def csv_filename(summary: ClientSummary) -> str:
    """The business's name made safe for a file name, and the day it was prepared."""
    name = slugify(summary.enquiry.business_name)[:60].strip("-")
    if not name:
        name = f"enquiry-{summary.enquiry.pk}"
    return f"{name}-client-summary-{summary.prepared_on.isoformat()}.csv"


def csv_rows(summary: ClientSummary) -> Iterable[Sequence[str]]:
    yield ["Client summary", summary.enquiry.business_name]
    yield ["Prepared on", summary.prepared_on.isoformat()]
    yield ["Prepared by", summary.prepared_by]
    yield []
    yield ["Question", "Answer"]
    for question, answer in summary.answers:
        yield [question, answer]
    yield []
    yield ["Programme", "URL", "Verdict", "Status", "Next step", "Reasons"]
    for recommendation in [*summary.results, *summary.near_misses]:
        result = recommendation.result
        yield [
            result.programme.name,
            recommendation.url,
            result.match.level.label,
            recommendation.status,
            summary.next_step_text(recommendation),
            "\n".join(f"{reason.outcome.label}: {reason.text}" for reason in result.match.reasons),
        ]
    yield []
    yield [
        "Referral",
        "Status",
        "Referred on",
        "Outcome on",
        "Amount secured (£)",
        "Jobs expected",
        "Notes",
    ]
    for referral in summary.referrals:
        yield [
            referral.programme.name,
            referral.get_status_display(),
            referral.referred_on.isoformat() if referral.referred_on else "",
            referral.outcome_on.isoformat() if referral.outcome_on else "",
            "" if referral.amount_secured is None else str(referral.amount_secured),
            "" if referral.jobs_expected is None else str(referral.jobs_expected),
            referral.notes,
        ]


def neutralised(row: Sequence[str]) -> list[str]:
    """The row with every cell a spreadsheet would read as a formula made plain text by
    a leading apostrophe, which spreadsheets show as text and do not run."""
    return [f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell for cell in row]
