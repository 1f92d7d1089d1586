"""Email alerts of a search: "email me when this changes".

The rules it keeps:

* Double opt-in. Signing up stores nothing: it emails the address a link, signed with
  the site's secret key (``django.core.signing``), that carries the address, the search
  and how often, and works for ``FINDER_ALERT_CONFIRM_HOURS``. Only pressing "Confirm"
  on the page that link opens stores the alert (``AlertSubscription``). A page, not the
  link itself, confirms: mail scanners open links, people press buttons.
* Every email has a link to the search and a one-click unsubscribe (RFC 8058:
  ``List-Unsubscribe`` and ``List-Unsubscribe-Post``), signed for that alert. Unsubscribing
  deletes the alert at once.
* ``send_alerts`` (cron, daily) checks each alert that is due (daily or weekly), compares
  the search now with what it last described (``state``) and sends what changed: programmes
  newly found, near misses that have become matches (with the reason that changed), status
  and date changes (worded by programmes/changes.py), and those no longer found. Nothing
  changed: nothing is sent. What was sent becomes the new ``state``, so nothing is sent
  twice.
* The address and the search are personal data: deleted ``FINDER_ALERT_RETENTION_DAYS``
  after confirmation by ``send_alerts``; every email says when.
* Bad input (a malformed address, a forged or expired link, an unsubscribe from an alert
  that no longer exists, a search that is not valid) gets a page saying what happened, and
  nothing is stored.
"""

from __future__ import annotations

import datetime
import smtplib
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from finder import cache, follow
from finder.forms import BusinessProfileForm
from finder.models import AlertSubscription
from finder.search import Result
from programmes import changes
from programmes.eligibility import BusinessProfile, Level

CONFIRM_SALT = "finder.alerts.confirm"
UNSUBSCRIBE_SALT = "finder.alerts.unsubscribe"
MATCHES = (Level.ELIGIBLE, Level.POSSIBLE)
VERDICTS = {
    Level.ELIGIBLE: "eligible",
    Level.POSSIBLE: "check with an adviser",
    Level.NEAR_MISS: "nearly a match",
    Level.INELIGIBLE: "not a match",
}


class SignUpForm(forms.Form):
    """An address and how often; the search comes from the page's address."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "null_characters_not_allowed": "An email address cannot contain a null character",
            "max_length": "Enter an email address of %(limit_value)d characters or fewer",
        },
    )
    frequency = forms.ChoiceField(
        label="How often should we check?",
        choices=AlertSubscription.Frequency.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how often we should check: daily or weekly",
            "invalid_choice": "Choose how often we should check: daily or weekly",
        },
    )


# --- Signed links ---------------------------------------------------------------------


def confirm_token(email: str, query: str, frequency: str) -> str:
    return signing.dumps({"e": email, "q": query, "f": frequency}, salt=CONFIRM_SALT, compress=True)


def read_confirm_token(token: str) -> dict[str, str]:
    """The address, search and frequency a confirmation link carries. Raises
    ``signing.SignatureExpired`` for an old link and ``signing.BadSignature`` for one that
    was not made here or was changed."""
    data = signing.loads(
        token,
        salt=CONFIRM_SALT,
        max_age=datetime.timedelta(hours=settings.FINDER_ALERT_CONFIRM_HOURS),
    )
    if not isinstance(data, dict) or not {"e", "q", "f"} <= data.keys():
        raise signing.BadSignature("not a confirmation")
    return {"email": data["e"], "query": data["q"], "frequency": data["f"]}


def _address_mark(email: str) -> str:
    """A keyed hash of an address: the unsubscribe link names its alert's address by it,
    so the link (which ends up in mail headers and server logs) does not carry the
    address itself."""
    return salted_hmac(UNSUBSCRIBE_SALT, email).hexdigest()[:16]


def unsubscribe_token(subscription: AlertSubscription) -> str:
    # The address is marked too: a new alert reusing a deleted one's id is not its.
    mark = _address_mark(subscription.email)
    return signing.dumps({"id": subscription.pk, "m": mark}, salt=UNSUBSCRIBE_SALT)


def subscription_for(token: str) -> AlertSubscription | None:
    """The alert an unsubscribe link is for, or None when it no longer exists. Raises
    ``signing.BadSignature`` for a link that was not made here."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or not {"id", "m"} <= data.keys():
        raise signing.BadSignature("not an unsubscribe link")
    subscription = AlertSubscription.objects.filter(pk=data["id"]).first()
    if subscription is None or not constant_time_compare(
        _address_mark(subscription.email), data["m"]
    ):
        return None
    return subscription


# --- What a search finds, and what changed -----------------------------------------------


def state_of(profile: BusinessProfile, today: datetime.date, *, version: int) -> dict[str, dict]:
    """What the search finds on ``today``, as an alert keeps it: for each programme
    found (its matches and its near misses), its name, verdict, status, dates and the
    reason given for each criterion."""
    found = follow.everything(profile, today, version=version)
    shown: list[Result] = [*found.results, *found.near_misses]
    dates = follow.dates_of([result.programme.slug for result in shown])
    state = {}
    for result in shown:
        slug = result.programme.slug
        given = dates.get(slug)
        state[slug] = {
            "name": result.programme.name,
            "level": result.match.level.value,
            "status": result.status.value,
            **{
                name: (getattr(given, name).isoformat() if given and getattr(given, name) else None)
                for name in changes.DATES
            },
            "reasons": {reason.criterion: reason.text for reason in result.match.reasons},
            "unmet": [reason.criterion for reason in result.match.unmet],
        }
    return state


@dataclass
class Changed:
    """What changed about one programme, in words."""

    slug: str
    name: str
    headline: str
    lines: list[str] = field(default_factory=list)


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def compare(
    before: dict[str, dict], now: dict[str, dict], statuses: dict[str, dict] | None = None
) -> list[Changed]:
    """What differs between two states of a search (``state_of``), programme by
    programme: newly a match first, then near misses that became matches, then those
    whose status or dates changed, those newly nearly a match, and last those no longer
    found. ``statuses`` gives the status now, and the rules failed, of programmes no
    longer found (``statuses_now``); one missing from it has left the catalogue."""
    sections: dict[str, list[Changed]] = {
        "new": [],
        "now-a-match": [],
        "changed": [],
        "new-near-miss": [],
        "gone": [],
    }
    for slug, was_is in now.items():
        was = before.get(slug)
        level = Level(was_is["level"])
        verdict = VERDICTS[level]
        if was is None:
            if level in MATCHES:
                found = Changed(slug, was_is["name"], f"Newly found: {verdict}")
                sections["new"].append(found)
            else:
                found = Changed(slug, was_is["name"], "Newly nearly a match")
                found.lines += [was_is["reasons"][criterion] for criterion in was_is["unmet"]]
                sections["new-near-miss"].append(found)
            continue
        before_level = Level(was["level"])
        detail = [
            changes.status_change(was["status"], was_is["status"]),
            *(
                changes.date_change(name, _date(was[name]), _date(was_is[name]))
                for name in changes.DATES
            ),
        ]
        detail = [text for text in detail if text]
        if before_level not in MATCHES and level in MATCHES:
            # The rule it used to fail, and what it says now.
            found = Changed(slug, was_is["name"], f"Was nearly a match, now {verdict}")
            for criterion in was["unmet"]:
                found.lines.append(f"Before: {was['reasons'][criterion]}")
                if criterion in was_is["reasons"]:
                    found.lines.append(f"Now: {was_is['reasons'][criterion]}")
            found.lines += detail
            sections["now-a-match"].append(found)
        elif before_level in MATCHES and level not in MATCHES:
            found = Changed(slug, was_is["name"], f"No longer a match: now {verdict}")
            found.lines += [was_is["reasons"][criterion] for criterion in was_is["unmet"]]
            found.lines += detail
            sections["gone"].append(found)
        elif detail:
            sections["changed"].append(Changed(slug, was_is["name"], detail[0], detail[1:]))
    for slug, was in before.items():
        if slug in now or Level(was["level"]) not in MATCHES:
            continue
        current = (statuses or {}).get(slug)
        if current is None:
            why = ["It has been taken out of our catalogue."]
        elif current["status"] != was["status"]:
            why = [f"{changes.status_change(was['status'], current['status'])}."]
        elif current["unmet"]:
            why = ["It no longer fits your search:", *current["unmet"]]
        else:
            # Its rules still fit: the one thing left that hides a programme.
            why = ["It no longer offers the kind of support you asked for."]
        sections["gone"].append(Changed(slug, was["name"], "No longer found for your search", why))
    return [found for section in sections.values() for found in section]


def gone(before: dict[str, dict], now: dict[str, dict]) -> list[str]:
    """The programmes a search found before, and finds no longer."""
    return [slug for slug in before if slug not in now]


def statuses_now(
    profile: BusinessProfile, slugs: list[str], today: datetime.date, *, version: int
) -> dict[str, dict]:
    """The status on ``today`` of each programme of ``slugs`` still in the catalogue, and
    the rules it fails for ``profile``, in words."""
    results, _ = follow.explained(profile, slugs, today, version=version)
    return {
        result.programme.slug: {
            "status": result.status.value,
            "unmet": [reason.text for reason in result.match.unmet],
        }
        for result in results
    }


# --- Email ------------------------------------------------------------------------------


def search_url(site: str, query: str) -> str:
    return f"{site}{reverse('finder:home')}?{query}#results" if query else f"{site}/"


def ends_on(subscription: AlertSubscription) -> datetime.date:
    """The last day the alert is kept (``FINDER_ALERT_RETENTION_DAYS``)."""
    days = datetime.timedelta(days=settings.FINDER_ALERT_RETENTION_DAYS)
    return timezone.localdate(subscription.confirmed_at + days)


def changes_email(subscription: AlertSubscription, found: list[Changed], site: str) -> EmailMessage:
    """The email telling ``subscription``'s owner what ``found`` changed."""
    unsubscribe = site + reverse(
        "finder:alerts-unsubscribe", args=[unsubscribe_token(subscription)]
    )
    context = {
        "found": [(item, site + reverse("programmes:detail", args=[item.slug])) for item in found],
        "search_url": search_url(site, subscription.query),
        "unsubscribe_url": unsubscribe,
        "ends_on": ends_on(subscription),
        "frequency": subscription.get_frequency_display().lower(),
    }
    changed = f"{len(found)} change{'s' if len(found) != 1 else ''}"
    return EmailMessage(
        subject=f"{changed} to the support programmes for your search",
        body=render_to_string("finder/alerts/changes_email.txt", context),
        to=[subscription.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


@dataclass
class Run:
    """What one run of ``send_alerts`` did."""

    checked: int = 0
    sent: int = 0
    unchanged: int = 0
    deleted: int = 0
    #: Alerts whose search is no longer valid (a place removed from the catalogue, say).
    invalid: list[int] = field(default_factory=list)
    #: Alerts whose email could not be sent, with why: tried again next run.
    failed: list[tuple[int, str]] = field(default_factory=list)


def send_due(now: datetime.datetime, site: str, *, dry_run: bool = False) -> Run:
    """Delete the alerts past retention, then check every alert due at ``now`` and email
    what changed; links start with ``site``. With ``dry_run``, change and send nothing.

    An alert whose email cannot be sent (the mail server refuses or is down) is left as
    it was, so the next run tries it again, and the rest carry on."""
    run = Run()
    expired = list(AlertSubscription.objects.past_retention(now).values_list("pk", flat=True))
    run.deleted = len(expired)
    if not dry_run:
        AlertSubscription.objects.filter(pk__in=expired).delete()
    today = timezone.localdate(now)
    # The whole run reads the catalogue as it is now, once: a change made during the
    # run is for the next one (instead of an index rebuilt partway through).
    version = cache.catalogue_version()
    # Alerts on the same search share one reading of it.
    searched: dict[str, tuple[BusinessProfile, dict[str, dict]] | None] = {}
    for subscription in AlertSubscription.objects.due(now).exclude(pk__in=expired):
        run.checked += 1
        if subscription.query not in searched:
            form = follow.search_form(QueryDict(subscription.query), version)
            searched[subscription.query] = (
                (form.profile(), state_of(form.profile(), today, version=version))
                if form.is_valid()
                else None
            )
        if searched[subscription.query] is None:
            run.invalid.append(subscription.pk)
            continue
        profile, state = searched[subscription.query]
        now_gone = statuses_now(profile, gone(subscription.state, state), today, version=version)
        found = compare(subscription.state, state, now_gone)
        if dry_run:
            run.sent += bool(found)
            run.unchanged += not found
            continue
        if found:
            try:
                changes_email(subscription, found, site).send()
            except (OSError, smtplib.SMTPException) as error:
                run.failed.append((subscription.pk, str(error) or type(error).__name__))
                continue
            subscription.last_sent_at = now
            run.sent += 1
        else:
            run.unchanged += 1
        # What was sent (or found unchanged) is the next run's starting point.
        subscription.state = state
        subscription.last_checked_at = now
        subscription.save(update_fields=["state", "last_checked_at", "last_sent_at"])
    return run


# --- Views ------------------------------------------------------------------------------


def _search(request: HttpRequest) -> tuple[BusinessProfileForm, HttpResponse | None]:
    form = follow.search_form(request.GET)
    if form.is_valid():
        return form, None
    context = {"problems": follow.errors_in_words(form), "form_has_errors": True}
    return form, render(request, "finder/alerts/problem.html", context, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    """ "Email me when this changes": the search is the page's query string. Stores
    nothing: it emails a link to confirm."""
    search, invalid = _search(request)
    if invalid:
        return invalid
    query = follow.search_query(request.GET, search)
    form = SignUpForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "query": query, "retention_days": settings.FINDER_ALERT_RETENTION_DAYS}
    if request.method != "POST":
        return render(request, "finder/alerts/sign_up.html", context)
    if not form.is_valid():
        return render(
            request, "finder/alerts/sign_up.html", {**context, "form_has_errors": True}, status=400
        )
    email, frequency = form.cleaned_data["email"], form.cleaned_data["frequency"]
    token = confirm_token(email, query, frequency)
    link = request.build_absolute_uri(reverse("finder:alerts-confirm", args=[token]))
    EmailMessage(
        subject="Confirm your email alert from the Scaleup Support Finder",
        body=render_to_string(
            "finder/alerts/confirm_email.txt",
            {
                "link": link,
                "hours": settings.FINDER_ALERT_CONFIRM_HOURS,
                "frequency": dict(AlertSubscription.Frequency.choices)[frequency].lower(),
                "search_url": search_url(request.build_absolute_uri("/").removesuffix("/"), query),
            },
        ),
        to=[email],
    ).send()
    return render(request, "finder/alerts/check_email.html", {"email": email, "query": query})


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The page a confirmation link opens; its button stores the alert."""
    try:
        wanted = read_confirm_token(token)
    except signing.SignatureExpired:
        return _problem(
            request,
            [
                f"This confirmation link has expired: links work for "
                f"{settings.FINDER_ALERT_CONFIRM_HOURS} hours. Sign up again from your results."
            ],
        )
    except signing.BadSignature:
        return _problem(
            request,
            [
                "This confirmation link is not valid: it may have been copied only in part. "
                "Use the whole link from the email, or sign up again from your results."
            ],
        )
    query = QueryDict(wanted["query"])
    search = follow.search_form(query)
    if not search.is_valid():
        return _problem(request, follow.errors_in_words(search))
    context = {"query": wanted["query"], "email": wanted["email"], "frequency": wanted["frequency"]}
    if request.method != "POST":
        return render(request, "finder/alerts/confirm.html", context)
    now = timezone.now()
    subscription, _ = AlertSubscription.objects.update_or_create(
        email=wanted["email"],
        query=wanted["query"],
        defaults={
            "frequency": wanted["frequency"],
            "confirmed_at": now,
            "last_checked_at": now,
            # What the business can see now is the starting point: the first email says
            # what changes after it.
            "state": state_of(
                search.profile(), timezone.localdate(now), version=search.words.version
            ),
        },
    )
    return render(
        request,
        "finder/alerts/confirmed.html",
        {
            **context,
            "subscription": subscription,
            "ends_on": ends_on(subscription),
            "unsubscribe_url": reverse(
                "finder:alerts-unsubscribe", args=[unsubscribe_token(subscription)]
            ),
        },
    )


# Mail programs send the one-click unsubscribe (RFC 8058) as a POST without a CSRF token;
# the signed link is what authorises it.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop an alert: the link's page has a button (GET never deletes, since mail
    scanners open links); a POST, from the button or a mail program, deletes it."""
    try:
        subscription = subscription_for(token)
    except signing.BadSignature:
        return _problem(
            request,
            [
                "This unsubscribe link is not valid: it may have been copied only in part. "
                "Use the whole link from the email."
            ],
        )
    if subscription is None:
        return render(request, "finder/alerts/unsubscribed.html", {"already": True})
    if request.method != "POST":
        return render(request, "finder/alerts/unsubscribe.html", {"subscription": subscription})
    subscription.delete()
    return render(request, "finder/alerts/unsubscribed.html", {"already": False})


def _problem(request: HttpRequest, problems: list[str]) -> HttpResponse:
    return render(
        request,
        "finder/alerts/problem.html",
        {"problems": problems, "form_has_errors": True},
        status=400,
    )
