"""What advisers record about the businesses they help: enquiries and referrals.

These hold personal data (names, email addresses, phone numbers, notes about a
business), so they live only in the admin, are visible only to advisers and superusers,
and are deleted by ``purge_enquiries`` once nobody has touched them for
``FINDER_ENQUIRY_RETENTION_DAYS`` days. Their ``__str__`` deliberately carries no
personal data: it shows up in the admin's log of actions and in lists of protected
objects that staff without access to enquiries may see.
"""

from __future__ import annotations

import contextlib
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from clusters import postcodes
from clusters.models import Place, Sector
from programmes.eligibility import BusinessProfile
from programmes.models import Programme, Stage, SupportType, min_lte_max


class EnquiryQuerySet(models.QuerySet):
    def inactive_since(self, cutoff: datetime.datetime) -> EnquiryQuerySet:
        """Enquiries nobody has touched since ``cutoff``: the enquiry itself and every
        referral on it were last changed before then. Retention counts from the last
        activity, so a client an adviser is still working with is never purged."""
        return self.filter(updated_at__lt=cutoff).exclude(referrals__updated_at__gte=cutoff)


class Enquiry(models.Model):
    """A client business an adviser is helping, described the way the finder asks.

    The profile fields mirror the public finder's questions so the same matching can be
    run for the client; any left empty count as "not said" (unknown), never as zero.
    """

    # Who the client is.
    business_name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    notes = models.TextField(blank=True)

    # The business profile, as the finder asks it.
    location = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Where the business is: the most local place you know. Leave it blank "
        "if the client has not said, or give the postcode instead.",
    )
    postcode = models.CharField(
        max_length=8,
        blank=True,
        help_text="The business's postcode, or its first part (CV7), in place of a "
        "location: the matching finds the place from it.",
    )
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    led_by_women = models.BooleanField(
        "led by women",
        null=True,
        blank=True,
        help_text="Some programmes are for women who lead or manage a business.",
    )
    employees = models.PositiveIntegerField(null=True, blank=True)
    turnover = models.PositiveBigIntegerField("turnover (£)", null=True, blank=True)
    funding_sought = models.PositiveBigIntegerField("funding sought (£)", null=True, blank=True)
    support_wanted = models.ManyToManyField(SupportType, related_name="+", blank=True)
    employees_3y_ago = models.PositiveIntegerField(
        "employees three years ago", null=True, blank=True
    )
    turnover_3y_ago = models.PositiveBigIntegerField(
        "turnover three years ago (£)", null=True, blank=True
    )
    free_text = models.CharField(
        "what they are looking for",
        max_length=200,
        blank=True,
        help_text="In the client's words; matched against programme text like the "
        "finder's search box.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    objects = EnquiryQuerySet.as_manager()
    # Deleting an enquiry deletes its history too: the history is personal data as well.
    history = HistoricalRecords(cascade_delete_history=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "enquiries"

    def __str__(self) -> str:
        return self.business_name or "New enquiry"

    def get_absolute_url(self) -> str:
        # Enquiries have no public page: their only address is in the admin.
        return reverse("admin:finder_enquiry_change", args=[self.pk])

    def to_profile(self, version: int | None = None) -> BusinessProfile:
        """The enquiry as the finder's matching engine sees a business: blank answers
        stay unknown, and the location brings every place containing it (a Coventry
        business can use a West Midlands programme). Closed and proposed programmes
        stay hidden, as in the finder by default: they are not something to refer to.
        ``version``: the catalogue version, when the caller has read it already.
        """
        from finder import vocabulary

        words = vocabulary.current(version)
        where = words.location(self.location.slug if self.location else None)
        postcode = postcodes.parse(self.postcode)
        if postcode is not None:
            # Checked when saved: only a newer postcode directory could refuse it now.
            with contextlib.suppress(ValidationError):
                where = words.postcode(postcode)
        return BusinessProfile(
            **where,
            **words.sector(self.sector.slug if self.sector else None),
            stage=self.stage.slug if self.stage else None,
            stage_name=self.stage.name if self.stage else None,
            employees=self.employees,
            turnover=self.turnover,
            funding=self.funding_sought,
            support=frozenset(support.slug for support in self.support_wanted.all()),
            q=self.free_text,
            employees_3y_ago=self.employees_3y_ago,
            turnover_3y_ago=self.turnover_3y_ago,
            led_by_women=self.led_by_women,
        )


class ReferralQuerySet(models.QuerySet):
    def open(self) -> ReferralQuerySet:
        """Referrals still to be followed: neither declined nor completed."""
        return self.exclude(status__in=Referral.CLOSED)

    def followed_by(self, user) -> ReferralQuerySet:
        """The referrals ``user`` is responsible for following up."""
        return self.filter(adviser=user)

    def due_by(self, day: datetime.date) -> ReferralQuerySet:
        """Open referrals whose follow-up date has come by ``day`` (overdue included)."""
        return self.open().filter(follow_up_on__lte=day)

    def outcomes(self) -> ReferralOutcomes:
        """What these referrals came to, in one grouped query: how many at each status,
        the money secured and the jobs expected, in all."""
        rows = (
            self.order_by()
            .values("status")
            .annotate(count=Count("pk"), secured=Sum("amount_secured"), jobs=Sum("jobs_expected"))
        )
        counts, secured, jobs = {}, 0, 0
        for row in rows:
            counts[row["status"]] = row["count"]
            secured += row["secured"] or 0
            jobs += row["jobs"] or 0
        return ReferralOutcomes(counts=counts, secured=secured, jobs=jobs)


@dataclass(frozen=True)
class ReferralOutcomes:
    counts: dict[str, int]
    secured: int
    jobs: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class Referral(models.Model):
    """A programme an adviser suggested to, or referred, a client, and what came of it."""

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        REFERRED = "referred", "Referred"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        COMPLETED = "completed", "Completed"

    #: Statuses after which there is nothing left to follow up.
    CLOSED = (Status.DECLINED, Status.COMPLETED)
    #: Statuses at which a referral can have achieved something.
    ACHIEVING = (Status.ACCEPTED, Status.COMPLETED)

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="referrals")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="referrals")
    status = models.CharField(max_length=20, choices=Status, default=Status.SUGGESTED)
    referred_on = models.DateField(null=True, blank=True)
    outcome_on = models.DateField(
        null=True, blank=True, help_text="When the programme accepted, declined or finished."
    )
    notes = models.TextField(blank=True)
    # Following it up.
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="referrals_followed",
        null=True,
        blank=True,
        verbose_name="adviser responsible",
        help_text="Who follows this referral up. Left blank, the adviser who records it.",
    )
    follow_up_on = models.DateField(
        "follow up on", null=True, blank=True, help_text="When to next check how it is going."
    )
    # What it achieved.
    amount_secured = models.PositiveBigIntegerField(
        "amount secured (£)",
        null=True,
        blank=True,
        help_text="Money the client secured through the programme, when it offers money.",
    )
    jobs_expected = models.PositiveIntegerField(
        "jobs expected",
        null=True,
        blank=True,
        help_text="Jobs the client expects to create through it.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    objects = ReferralQuerySet.as_manager()
    history = HistoricalRecords(cascade_delete_history=True)

    class Meta:
        ordering = ["enquiry", "programme__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["enquiry", "programme"], name="referral_unique_programme_per_enquiry"
            ),
            min_lte_max(
                "referral",
                "referred_on",
                "outcome_on",
                "The outcome is dated before the referral: check the two dates.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enquiry} to {self.programme}"

    def clean(self) -> None:
        """An outcome cannot be dated in the future, and a completed referral needs the
        date it was completed. What a referral achieved (money secured, jobs expected)
        is recorded only once the programme has taken the client on: accepted or
        completed."""
        errors = {}
        if self.outcome_on and self.outcome_on > timezone.localdate():
            errors["outcome_on"] = "The outcome date cannot be in the future."
        elif self.status == self.Status.COMPLETED and not self.outcome_on:
            errors["outcome_on"] = "Give the date the referral was completed."
        if self.status not in self.ACHIEVING:
            for name in ("amount_secured", "jobs_expected"):
                if getattr(self, name) is not None:
                    label = self._meta.get_field(name).verbose_name.removesuffix(" (£)")
                    errors[name] = (
                        f"Record the {label} once the programme has accepted the client: "
                        "set the status to accepted or completed, or leave this blank."
                    )
        if errors:
            raise ValidationError(errors)


class CatalogueVersion(models.Model):
    """The catalogue's version: one row, whose number changes (to a new random number)
    with every change to the catalogue. Kept in the database so that every process —
    every app server, every worker — sees a change at its next search, at the moment its
    transaction commits. ``finder.cache`` keys cached answers on it and
    ``finder.index`` rebuilds its in-memory index when it moves."""

    number = models.BigIntegerField()
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"catalogue version {self.number}"


class AlertSubscriptionQuerySet(models.QuerySet):
    def past_retention(self, now: datetime.datetime) -> AlertSubscriptionQuerySet:
        """Alerts confirmed more than ``FINDER_ALERT_RETENTION_DAYS`` ago: the address and
        the search are kept no longer, whether or not anything was sent."""
        days = settings.FINDER_ALERT_RETENTION_DAYS
        return self.filter(confirmed_at__lt=now - datetime.timedelta(days=days))

    def due(self, now: datetime.datetime) -> AlertSubscriptionQuerySet:
        """Alerts to check at ``now``: daily ones last checked a day ago, weekly ones a
        week ago. An hour's slack lets a daily cron job that starts a little early or
        late still find yesterday's alerts due."""
        slack = datetime.timedelta(hours=1)
        daily = models.Q(
            frequency=AlertSubscription.Frequency.DAILY,
            last_checked_at__lte=now - datetime.timedelta(days=1) + slack,
        )
        weekly = models.Q(
            frequency=AlertSubscription.Frequency.WEEKLY,
            last_checked_at__lte=now - datetime.timedelta(days=7) + slack,
        )
        return self.filter(daily | weekly)


class AlertSubscription(models.Model):
    """A confirmed email alert: an address, a finder search and how often to check it
    (finder/alerts.py). Created only when the owner of the address follows the signed
    link sent to it; deleted on unsubscribe and after the retention period.

    ``state`` is what the last email (or the confirmation) described: for each programme
    found, its slug, verdict, status, dates and reasons. The next email says what differs
    from it, and is not sent when nothing does.
    """

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    email = models.EmailField()
    #: The search: the finder's own parameters, as its address carries them.
    query = models.TextField(blank=True)
    frequency = models.CharField(max_length=10, choices=Frequency, default=Frequency.WEEKLY)
    confirmed_at = models.DateTimeField()
    last_checked_at = models.DateTimeField()
    last_sent_at = models.DateTimeField(null=True, blank=True)
    state = models.JSONField(default=dict, blank=True)

    objects = AlertSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "query"], name="alert_unique_search_per_address"
            )
        ]

    def __str__(self) -> str:
        # No personal data: see the module docstring.
        return f"Alert {self.pk}"
