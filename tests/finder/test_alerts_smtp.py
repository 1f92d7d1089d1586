"""Email alerts through a real SMTP server (aiosmtpd) that the test starts on a free
local port: the messages leave by Django's SMTP backend, as in production, and arrive
with their headers intact."""

from __future__ import annotations

import datetime
import email
import email.policy
import re
import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from finder.models import AlertSubscription
from tests.factories import make_geography, make_programme

pytestmark = pytest.mark.django_db


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    port: int

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "Scaleup Support Finder <alerts@finder.example.org>"
    settings.FINDER_SITE_URL = "https://finder.example.org"
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()


def body(message) -> str:
    # SMTP carries lines ending CRLF.
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def test_alerts_by_real_smtp_from_sign_up_to_one_click_unsubscribe(client, smtp_server) -> None:
    places = make_geography()
    grant = make_programme(
        slug="coventry-grant", name="Coventry Grant", places=[places["coventry"]], amount_max=50_000
    )
    search = "location=coventry&funding=100000"

    response = client.post(
        f"{reverse('finder:alerts')}?{search}",
        {"email": "owner@example.org", "frequency": "daily"},
    )
    assert response.status_code == 200
    [confirmation] = smtp_server.messages
    assert smtp_server.envelopes[0] == ("alerts@finder.example.org", ["owner@example.org"])
    assert confirmation["To"] == "owner@example.org"
    assert confirmation["Subject"] == "Confirm your email alert from the Scaleup Support Finder"
    link = re.search(r"http://testserver(/alerts/confirm/\S+/)", body(confirmation)).group(1)
    assert AlertSubscription.objects.count() == 0
    assert client.post(link).status_code == 200
    subscription = AlertSubscription.objects.get()

    # The near miss (it offered too little) becomes a match.
    grant.amount_max = 150_000
    grant.save()
    AlertSubscription.objects.filter(pk=subscription.pk).update(
        last_checked_at=timezone.now() - datetime.timedelta(days=1)
    )
    call_command("send_alerts", stdout=None)
    assert len(smtp_server.messages) == 2
    alert = smtp_server.messages[1]
    assert alert["Subject"] == "1 change to the support programmes for your search"
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Folded onto its own line (the URL is longer than a header line should be), whole.
    unsubscribe = re.fullmatch(
        r"<https://finder\.example\.org(/alerts/unsubscribe/\S+/)>",
        alert["List-Unsubscribe"].strip(),
    ).group(1)
    text = body(alert)
    assert "Coventry Grant\nWas nearly a match, now eligible\n" in text
    assert "- Now: Offers up to £150,000 per business; you are looking for £100,000." in text
    assert "https://finder.example.org/?location=coventry&funding=100000#results" in text

    # Sent once: the next run, with nothing new, sends nothing.
    AlertSubscription.objects.update(last_checked_at=timezone.now() - datetime.timedelta(days=1))
    call_command("send_alerts", stdout=None)
    assert len(smtp_server.messages) == 2

    # The mail program's one-click unsubscribe deletes the alert.
    response = client.post(
        unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert AlertSubscription.objects.count() == 0


def test_send_alerts_with_the_mail_server_down_keeps_alerts_to_try_again(
    client, smtp_server, settings
) -> None:
    places = make_geography()
    make_programme(slug="coventry-grant", name="Coventry Grant", places=[places["coventry"]])
    client.post(
        f"{reverse('finder:alerts')}?location=coventry",
        {"email": "owner@example.org", "frequency": "daily"},
    )
    link = re.search(r"http://testserver(/alerts/confirm/\S+/)", body(smtp_server.messages[0]))
    client.post(link.group(1))
    before = AlertSubscription.objects.get()
    make_programme(slug="new-loan", name="New Loan", places=[places["coventry"]])
    AlertSubscription.objects.update(last_checked_at=timezone.now() - datetime.timedelta(days=1))

    settings.EMAIL_PORT = free_port()  # nothing listens there
    with pytest.raises(CommandError, match="1 alert could not be sent"):
        call_command("send_alerts", stdout=None, stderr=None)
    after = AlertSubscription.objects.get()
    assert after.state == before.state  # left as it was

    # The server is back: the next run sends it.
    settings.EMAIL_PORT = smtp_server.port
    call_command("send_alerts", stdout=None)
    assert "New Loan\nNewly found: eligible" in body(smtp_server.messages[-1])
