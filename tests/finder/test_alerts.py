"""Email alerts of a search (finder/alerts.py, send_alerts): double opt-in by a signed
link, one-click unsubscribe, what changed since the last email (a near miss that has
become a match among it), nothing sent when nothing changed or twice, retention."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail, signing
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from finder import alerts
from finder.models import AlertSubscription
from programmes.models import Programme
from tests.factories import make_geography, make_programme

pytestmark = pytest.mark.django_db

SEARCH = "location=coventry&funding=100000"


@pytest.fixture
def catalogue():
    places = make_geography()
    return {
        "grant": make_programme(
            slug="coventry-grant",
            name="Coventry Grant",
            places=[places["coventry"]],
            amount_max=50_000,
        ),
        "course": make_programme(
            slug="growth-course", name="Growth Course", places=[places["west-midlands"]]
        ),
        "later": make_programme(
            slug="later-fund",
            name="Later Fund",
            places=[places["coventry"]],
            status=Programme.Status.PROPOSED,
        ),
    }


def sign_up(client, email="owner@example.org", frequency="weekly", search=SEARCH):
    return client.post(
        f"{reverse('finder:alerts')}?{search}", {"email": email, "frequency": frequency}
    )


def link_in(message, name: str) -> str:
    path = reverse(name, args=["TOKEN"]).replace("TOKEN/", "")
    return re.search(rf"http://testserver({re.escape(path)}[^/\s]+/)", message.body).group(1)


def subscribe(client, **kwargs) -> AlertSubscription:
    assert sign_up(client, **kwargs).status_code == 200
    confirm = link_in(mail.outbox[-1], "finder:alerts-confirm")
    assert client.post(confirm).status_code == 200
    return AlertSubscription.objects.get()


def make_due(subscription: AlertSubscription) -> None:
    subscription.last_checked_at = timezone.now() - datetime.timedelta(days=8)
    subscription.save()


def test_sign_up_stores_nothing_and_sends_a_link_to_confirm(client, catalogue) -> None:
    page = client.get(f"{reverse('finder:alerts')}?{SEARCH}")
    assert page.status_code == 200
    assert "we keep your email address and this search" in page.content.decode()

    response = sign_up(client)
    assert response.status_code == 200
    assert "We have sent a link to <strong>owner@example.org</strong>" in response.content.decode()
    assert AlertSubscription.objects.count() == 0
    [message] = mail.outbox
    assert message.to == ["owner@example.org"]
    assert message.subject == "Confirm your email alert from the Scaleup Support Finder"
    assert "http://testserver/?location=coventry&funding=100000#results" in message.body

    # The link opens a page to confirm; opening it stores nothing (mail scanners open links).
    confirm = link_in(message, "finder:alerts-confirm")
    page = client.get(confirm)
    assert page.status_code == 200
    assert "Confirm your email alert" in page.content.decode()
    assert AlertSubscription.objects.count() == 0

    done = client.post(confirm)
    assert done.status_code == 200
    assert "Your email alert is set up" in done.content.decode()
    subscription = AlertSubscription.objects.get()
    assert subscription.email == "owner@example.org"
    assert subscription.query == SEARCH
    assert subscription.frequency == "weekly"
    # What the business sees now is the starting point.
    assert subscription.state["coventry-grant"]["level"] == "near-miss"
    assert subscription.state["growth-course"]["level"] == "eligible"

    # Confirming twice keeps one alert.
    client.post(confirm)
    assert AlertSubscription.objects.count() == 1


def test_results_page_offers_email_alerts(client, catalogue) -> None:
    html = client.get("/", {"location": "coventry"}).content.decode()
    assert 'href="/alerts/?location=coventry">Email me when this changes</a>' in html
    # The privacy wording says what is kept.
    assert "unless you ask for email alerts and confirm them" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"email": "not an address", "frequency": "daily"},
            "Enter an email address in the correct format, like name@example.com",
        ),
        ({"email": "", "frequency": "daily"}, "Enter your email address"),
        (
            {"email": "owner\x00@example.org", "frequency": "daily"},
            "An email address cannot contain a null character",
        ),
        (
            {"email": "a" * 250 + "@example.org", "frequency": "daily"},
            "Enter an email address of 254 characters or fewer",
        ),
        (
            {"email": "owner@example.org", "frequency": "hourly"},
            "Choose how often we should check: daily or weekly",
        ),
    ],
)
def test_sign_up_with_bad_input_answers_400_and_sends_nothing(
    client, catalogue, data, message
) -> None:
    response = client.post(f"{reverse('finder:alerts')}?{SEARCH}", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "<title>Error: " in html
    assert mail.outbox == []
    assert AlertSubscription.objects.count() == 0


def test_sign_up_for_a_bad_search_answers_400(client, catalogue) -> None:
    url = f"{reverse('finder:alerts')}?employees=-3"
    for response in (
        client.get(url),
        client.post(url, {"email": "a@example.org", "frequency": "daily"}),
    ):
        assert response.status_code == 400
        assert "employees: The number of employees must be 0 or more" in response.content.decode()
    assert mail.outbox == []


def test_forged_or_expired_confirmation_stores_nothing(client, catalogue, monkeypatch) -> None:
    sign_up(client)
    confirm = link_in(mail.outbox[-1], "finder:alerts-confirm")
    forged = confirm[:-6] + ("A" if confirm[-6] != "A" else "B") + confirm[-5:]
    for method in (client.get, client.post):
        response = method(forged)
        assert response.status_code == 400
        assert "This confirmation link is not valid" in response.content.decode()

    # A link made three days ago has expired (they work for 48 hours).
    old = signing.time.time() - 3 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: old)
    token = alerts.confirm_token("owner@example.org", SEARCH, "daily")
    monkeypatch.undo()
    response = client.post(reverse("finder:alerts-confirm", args=[token]))
    assert response.status_code == 400
    assert (
        "This confirmation link has expired: links work for 48 hours" in response.content.decode()
    )

    # A link signed for something else (an unsubscribe link) is not a confirmation.
    subscription = AlertSubscription(pk=1, email="a@example.org")
    other = alerts.unsubscribe_token(subscription)
    assert client.post(reverse("finder:alerts-confirm", args=[other])).status_code == 400
    assert AlertSubscription.objects.count() == 0


def test_unsubscribe_is_one_click_and_deletes_the_alert(catalogue) -> None:
    client = Client(enforce_csrf_checks=True)
    subscription = subscribe(Client())
    url = reverse("finder:alerts-unsubscribe", args=[alerts.unsubscribe_token(subscription)])
    # Opening the link only asks.
    page = client.get(url)
    assert page.status_code == 200 and "Stop this email alert" in page.content.decode()
    assert AlertSubscription.objects.count() == 1
    # A mail program's one-click POST (RFC 8058) carries no CSRF token.
    response = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "Your alert has stopped" in response.content.decode()
    assert AlertSubscription.objects.count() == 0
    # Again, for an alert that no longer exists: says so, changes nothing.
    for method in (client.get, client.post):
        again = method(url)
        assert again.status_code == 200
        assert "There is no alert to stop" in again.content.decode()


def test_unsubscribe_with_a_forged_link_answers_400(client, catalogue) -> None:
    subscription = subscribe(client)
    forged = signing.dumps({"id": subscription.pk, "m": "0" * 16}, salt="something else")
    response = client.post(reverse("finder:alerts-unsubscribe", args=[forged]))
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    assert AlertSubscription.objects.count() == 1


def test_send_alerts_sends_what_changed_including_a_near_miss_now_a_match(
    client, catalogue
) -> None:
    subscription = subscribe(client)
    mail.outbox.clear()
    # The catalogue changes: the grant now offers enough, the course gets a closing
    # date, and a new programme appears.
    catalogue["grant"].amount_max = 250_000
    catalogue["grant"].save()
    catalogue["course"].closes_on = datetime.date(2099, 3, 31)
    catalogue["course"].save()
    make_programme(slug="new-loan", name="New Loan", places=["coventry"])
    make_due(subscription)

    call_command("send_alerts", stdout=(out := _Out()))
    assert "Checked 1 alert due: 1 sent an email, 0 had nothing new." in out.text
    [message] = mail.outbox
    assert message.to == ["owner@example.org"]
    assert message.subject == "3 changes to the support programmes for your search"
    body = message.body
    assert "New Loan\nNewly found: eligible" in body
    assert (
        "Coventry Grant\nWas nearly a match, now eligible\n"
        "- Before: Offers up to £50,000 per business; you are looking for £100,000.\n"
        "- Now: Offers up to £250,000 per business; you are looking for £100,000.\n"
        "http://127.0.0.1:8000/programmes/coventry-grant/"
    ) in body
    assert "Growth Course\nClosing date set: 31 March 2099" in body
    # Newly found first, then near misses now matches, then other changes.
    assert body.index("New Loan") < body.index("Coventry Grant") < body.index("Growth Course")
    assert "http://127.0.0.1:8000/?location=coventry&funding=100000#results" in body
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(r"<http://127\.0\.0\.1:8000/alerts/unsubscribe/[^>]+/>", unsubscribe)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in body

    # Nothing is sent twice: due again, with nothing new, nothing goes.
    make_due(AlertSubscription.objects.get())
    call_command("send_alerts", stdout=(out := _Out()))
    assert "Checked 1 alert due: 0 sent an email, 1 had nothing new." in out.text
    assert len(mail.outbox) == 1


def test_send_alerts_sends_nothing_when_nothing_changed_or_when_not_due(client, catalogue) -> None:
    subscription = subscribe(client, frequency="weekly")
    mail.outbox.clear()
    # Not due: checked just now (a weekly alert is due a week after).
    catalogue["course"].status = Programme.Status.CLOSED
    catalogue["course"].save()
    call_command("send_alerts", stdout=(out := _Out()))
    assert "Checked 0 alerts due" in out.text
    assert mail.outbox == []
    # Due, it reports the closure (the course is no longer found: closed ones are hidden).
    make_due(subscription)
    call_command("send_alerts", stdout=_Out())
    [message] = mail.outbox
    assert "Growth Course\nNo longer found for your search\n- Closed.\n" in message.body


def test_send_alerts_no_longer_a_match_names_the_rule(client, catalogue) -> None:
    subscription = subscribe(client, search="location=coventry&employees=5")
    mail.outbox.clear()
    catalogue["course"].employees_min = 10
    catalogue["course"].save()
    make_due(subscription)
    call_command("send_alerts", stdout=_Out())
    [message] = mail.outbox
    assert message.subject == "1 change to the support programmes for your search"
    assert (
        "Growth Course\nNo longer a match: now nearly a match\n"
        "- For businesses with 10 or more employees; you have 5.\n"
    ) in message.body


def test_send_alerts_dry_run_sends_and_changes_nothing(client, catalogue) -> None:
    subscription = subscribe(client)
    mail.outbox.clear()
    make_programme(slug="new-loan", name="New Loan", places=["coventry"])
    make_due(subscription)
    before = AlertSubscription.objects.get()
    call_command("send_alerts", "--dry-run", stdout=(out := _Out()))
    assert "1 would be sent an email" in out.text
    assert "Dry run: nothing was sent or changed." in out.text
    assert mail.outbox == []
    after = AlertSubscription.objects.get()
    assert (after.state, after.last_checked_at) == (before.state, before.last_checked_at)


def test_send_alerts_deletes_alerts_past_retention(client, catalogue, settings) -> None:
    settings.FINDER_ALERT_RETENTION_DAYS = 30
    kept = subscribe(client, email="kept@example.org")
    old = subscribe_another(client, "old@example.org")
    AlertSubscription.objects.filter(pk=old.pk).update(
        confirmed_at=timezone.now() - datetime.timedelta(days=31)
    )
    call_command("send_alerts", stdout=(out := _Out()))
    assert "Deleted 1 alert past retention (30 days after confirmation)." in out.text
    assert list(AlertSubscription.objects.values_list("email", flat=True)) == [kept.email]


def subscribe_another(client, email: str) -> AlertSubscription:
    sign_up(client, email=email)
    client.post(link_in(mail.outbox[-1], "finder:alerts-confirm"))
    return AlertSubscription.objects.get(email=email)


def test_send_alerts_needs_the_site_address(settings, db) -> None:
    settings.FINDER_SITE_URL = ""
    with pytest.raises(CommandError, match="FINDER_SITE_URL="):
        call_command("send_alerts")


def test_compare_reports_nothing_for_the_same_state() -> None:
    state = {
        "a": {
            "name": "A",
            "level": "eligible",
            "status": "open",
            "opens_on": None,
            "closes_on": "2099-01-01",
            "cohort_starts_on": None,
            "reasons": {"geography": "Open to businesses in Coventry."},
            "unmet": [],
        }
    }
    assert alerts.compare(state, state) == []
    moved = {"a": {**state["a"], "closes_on": "2099-02-01"}}
    [changed] = alerts.compare(state, moved)
    assert changed.headline == "Closing date moved from 1 January 2099 to 1 February 2099"


class _Out:
    """A stdout for call_command whose text a test reads."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_about_page_says_what_alerts_keep_and_for_how_long(client, db, settings) -> None:
    settings.FINDER_ALERT_RETENTION_DAYS = 200
    html = client.get(reverse("site:about")).content.decode()
    assert "we keep your email address and your search, and nothing else" in html
    assert "we delete them 200 days after you confirm" in html


def test_compare_says_why_a_match_is_no_longer_found() -> None:
    was = {
        "name": "A",
        "level": "eligible",
        "status": "open",
        "opens_on": None,
        "closes_on": None,
        "cohort_starts_on": None,
        "reasons": {},
        "unmet": [],
    }
    before = {name.lower(): {**was, "name": name} for name in "ABCD"}
    now = {
        "a": {"status": "closed", "unmet": []},
        "b": {"status": "open", "unmet": ["Only in Derby.", "Only for 10 or more employees."]},
        "c": {"status": "open", "unmet": []},
    }
    found = alerts.compare(before, {}, now)
    assert all(item.headline == "No longer found for your search" for item in found)
    assert [(item.name, item.lines) for item in found] == [
        ("A", ["Closed."]),
        (
            "B",
            ["It no longer fits your search:", "Only in Derby.", "Only for 10 or more employees."],
        ),
        ("C", ["It no longer offers the kind of support you asked for."]),
        ("D", ["It has been taken out of our catalogue."]),
    ]


def test_unsubscribe_link_does_not_carry_the_address(client, catalogue) -> None:
    subscription = subscribe(client, email="very.private@example.org")
    token = alerts.unsubscribe_token(subscription)
    assert "very.private" not in signing.b64_decode(token.split(":")[0].encode()).decode()
    # A link for a deleted alert whose id a new address now has is not the new one's.
    assert alerts.subscription_for(token) == subscription
    AlertSubscription.objects.filter(pk=subscription.pk).update(email="someone.else@example.org")
    assert alerts.subscription_for(token) is None


def test_send_alerts_sends_each_alert_on_the_same_search(client, catalogue) -> None:
    first = subscribe(client, email="one@example.org")
    second = subscribe_another(client, "two@example.org")
    mail.outbox.clear()
    make_programme(slug="new-loan", name="New Loan", places=["coventry"])
    make_due(first)
    make_due(second)
    call_command("send_alerts", stdout=(out := _Out()))
    assert "Checked 2 alerts due: 2 sent an email" in out.text
    assert sorted(message.to[0] for message in mail.outbox) == [
        "one@example.org",
        "two@example.org",
    ]
    assert all("New Loan\nNewly found: eligible" in message.body for message in mail.outbox)


def test_send_alerts_reads_the_catalogue_once_a_run(client, catalogue, monkeypatch) -> None:
    """A run answers every alert from the catalogue as it was when the run started: an
    edit made meanwhile is for the next run, not an index rebuilt partway through."""
    from finder import cache, index

    first = subscribe(client, email="one@example.org")
    assert sign_up(client, email="two@example.org", search="location=coventry").status_code == 200
    client.post(link_in(mail.outbox[-1], "finder:alerts-confirm"))
    second = AlertSubscription.objects.get(email="two@example.org")
    make_due(first)
    make_due(second)
    versions = []
    built = index.current

    def current(version):
        versions.append(version)
        return built(version)

    state_of = alerts.state_of

    def state_then_an_edit(*args, **kwargs):
        state = state_of(*args, **kwargs)
        cache.bump_catalogue_version()  # an editor saves a programme meanwhile
        return state

    monkeypatch.setattr(index, "current", current)
    monkeypatch.setattr(alerts, "state_of", state_then_an_edit)
    call_command("send_alerts", stdout=_Out())
    assert len(versions) >= 2
    assert len(set(versions)) == 1
