"""Support programmes, who runs them, and who they are for."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from clusters.models import OUTSIDE_DOCUMENTS_HELP, Cluster, Place, Sector, SlugManager, Source
from programmes.eligibility import status_on
from programmes.querysets import ProgrammeManager


def min_lte_max(prefix: str, low: str, high: str, message: str) -> models.CheckConstraint:
    """A range whose two ends are both given must not run backwards. ``message`` is what
    a form says when it does (Django checks constraints before saving)."""
    return models.CheckConstraint(
        condition=Q(**{f"{low}__isnull": True})
        | Q(**{f"{high}__isnull": True})
        | Q(**{f"{low}__lte": F(high)}),
        name=f"{prefix}_{low}_lte_{high}",
        violation_error_message=message,
    )


class Provider(models.Model):
    """An organisation that runs, funds or delivers programmes."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    outside_documents = models.TextField(
        "not from the source documents",
        blank=True,
        help_text=OUTSIDE_DOCUMENTS_HELP,
    )

    objects = SlugManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class SupportType(models.Model):
    """What kind of help a programme gives; the slugs are a stable public vocabulary."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = SlugManager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class Stage(models.Model):
    """How far along a business is: pre-start, start-up (trading under two years) or
    established."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = SlugManager()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class Programme(models.Model):
    """A support offer a business could use, with the rules for who can use it.

    Eligibility: a criterion left empty means "no restriction" — except geography,
    which the catalogue always states (a UK-wide programme names the United Kingdom).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        OPENING_SOON = "opening-soon", "Opening soon"
        CLOSED = "closed", "Closed"
        PROPOSED = "proposed", "Proposed"

    class Growth(models.TextChoices):
        ANY = "any", "Any business"
        POTENTIAL_SCALEUP = "potential-scaleup", "Scaleups and potential scaleups"
        SCALEUP = "scaleup", "Scaleups (OECD measure)"

    class Audience(models.TextChoices):
        ANY = "any", "Anyone"
        WOMEN_LEADERS = "women-leaders", "Women leaders and managers"

    class RulesKnown(models.TextChoices):
        ALL = "all", "All: the sources state who it is for"
        PARTLY = "partly", "Partly: the sources leave some of its rules out"

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    summary = models.TextField()
    description = models.TextField(blank=True)
    providers = models.ManyToManyField(Provider, related_name="programmes", blank=True)
    delivery_partners = models.ManyToManyField(
        Provider, related_name="partner_programmes", blank=True
    )
    support_types = models.ManyToManyField(SupportType, related_name="programmes")

    # Money: the whole pot, and what one business can get.
    fund_size = models.PositiveBigIntegerField("total fund (£)", null=True, blank=True)
    amount_min = models.PositiveBigIntegerField("least per business (£)", null=True, blank=True)
    amount_max = models.PositiveBigIntegerField("most per business (£)", null=True, blank=True)
    funding_note = models.TextField(blank=True)
    cost = models.CharField("cost to the business", max_length=200, blank=True)

    # Format.
    duration = models.CharField(max_length=200, blank=True)
    cohort_size_min = models.PositiveIntegerField(null=True, blank=True)
    cohort_size_max = models.PositiveIntegerField(null=True, blank=True)

    # Status and dates.
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    opens_on = models.DateField(null=True, blank=True)
    closes_on = models.DateField(null=True, blank=True)
    cohort_starts_on = models.DateField(null=True, blank=True)
    dates_note = models.TextField(blank=True)

    how_to_apply = models.TextField(blank=True)
    website = models.URLField(blank=True)
    front_door_for = models.ManyToManyField(
        Place,
        related_name="front_doors",
        blank=True,
        help_text="Places where this is the first service a business should ask: the finder "
        "names it as the next step and the adviser to check with, for a business there.",
    )

    # Eligibility.
    places = models.ManyToManyField(
        Place, related_name="programmes", help_text="Where a business must be."
    )
    sectors = models.ManyToManyField(
        Sector, related_name="programmes", blank=True, help_text="Empty: any sector."
    )
    stages = models.ManyToManyField(
        Stage, related_name="programmes", blank=True, help_text="Empty: any stage."
    )
    employees_min = models.PositiveIntegerField(null=True, blank=True)
    employees_max = models.PositiveIntegerField(null=True, blank=True)
    turnover_min = models.PositiveBigIntegerField("turnover from (£)", null=True, blank=True)
    turnover_max = models.PositiveBigIntegerField("turnover to (£)", null=True, blank=True)
    growth = models.CharField(max_length=20, choices=Growth, default=Growth.ANY)
    audience = models.CharField(max_length=20, choices=Audience, default=Audience.ANY)
    rules_known = models.CharField(
        "eligibility rules known",
        max_length=10,
        choices=RulesKnown,
        default=RulesKnown.ALL,
        help_text="Partly: the finder never calls it eligible, only “check with an adviser”, "
        "and says why, with the eligibility note.",
    )
    eligibility_note = models.TextField(
        blank=True, help_text="Shown on the programme's page and on every result card."
    )

    clusters = models.ManyToManyField(Cluster, related_name="programmes", blank=True)
    related = models.ManyToManyField(
        "self", through="ProgrammeRelation", symmetrical=False, related_name="+"
    )
    sources = models.ManyToManyField(Source, through="ProgrammeSource", related_name="+")
    outside_documents = models.TextField(
        "not from the source documents", blank=True, help_text=OUTSIDE_DOCUMENTS_HELP
    )
    documents_read_on = models.DateField(
        "read against its documents on",
        help_text="When someone last read this entry against the source documents it cites.",
    )
    last_verified = models.DateField(
        "checked as current on",
        null=True,
        blank=True,
        help_text="When someone last checked this entry against current information from "
        "the provider (its website, a call): not the same as reading the documents. Empty: "
        "never.",
    )
    is_generated = models.BooleanField(
        default=False, editable=False, help_text="Made by generate_catalogue for benchmarks."
    )

    objects = ProgrammeManager()
    # Who changed what and when: every field, plus the many-to-many fields that decide
    # what a programme offers and who can use it.
    history = HistoricalRecords(m2m_fields=[support_types, places, sectors, stages])

    class Meta:
        ordering = ["name"]
        constraints = [
            min_lte_max(
                "programme",
                "amount_min",
                "amount_max",
                "The least per business is more than the most: swap them, or correct one.",
            ),
            min_lte_max(
                "programme",
                "employees_min",
                "employees_max",
                "The fewest employees is more than the most: swap them, or correct one.",
            ),
            min_lte_max(
                "programme",
                "turnover_min",
                "turnover_max",
                "The turnover from is more than the turnover to: swap them, or correct one.",
            ),
            min_lte_max(
                "programme",
                "cohort_size_min",
                "cohort_size_max",
                "The smallest cohort is larger than the largest: swap them, or correct one.",
            ),
            min_lte_max(
                "programme",
                "opens_on",
                "closes_on",
                "The programme opens after it closes: check the two dates.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programmes:detail", args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    @property
    def evidence_year(self) -> int:
        """The year of its newest source (0 when it cites none), read through
        ``programme_sources.all()`` so a prefetch serves it."""
        return max((link.source.year for link in self.programme_sources.all()), default=0)

    def effective_status(self, today: datetime.date | None = None) -> Programme.Status:
        """The status a reader should see on ``today`` (default: today in London), by
        ``eligibility.status_on``: past its closing date a programme is closed.
        ``ProgrammeQuerySet.with_effective_status`` is the same rule in SQL, for
        filtering and counting the A to Z; tests check the two agree."""
        return Programme.Status(
            status_on(self.status, self.closes_on, today or timezone.localdate())
        )


class ProgrammeRelation(models.Model):
    """How one programme stands to another: replaced by it, part of it, or delivered
    through it."""

    class Kind(models.TextChoices):
        SUCCEEDED_BY = "succeeded-by", "Succeeded by"
        PART_OF = "part-of", "Part of"
        DELIVERED_THROUGH = "delivered-through", "Delivered through"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="relations")
    related = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="inverse_relations"
    )
    kind = models.CharField(max_length=20, choices=Kind)

    class Meta:
        ordering = ["programme", "kind", "related__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "related", "kind"], name="programme_relation_unique"
            ),
            models.CheckConstraint(
                condition=~Q(programme=F("related")), name="programme_relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.get_kind_display().lower()} {self.related}"


class ProgrammeSource(models.Model):
    """A source document for a programme, and which of its facts came from there."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="programme_sources"
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+")
    facts = models.TextField(blank=True, help_text="Which facts came from this source.")

    class Meta:
        ordering = ["programme", "source"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "source"], name="programme_source_unique")
        ]

    def __str__(self) -> str:
        return str(self.source)


class Outcome(models.Model):
    """A result a programme reports, such as "282 scaleups completed"."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["programme", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "position"], name="outcome_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.text


class CatalogueLoad(models.Model):
    """A record of one run of load_catalogue: when, which files, and their checksums."""

    loaded_at = models.DateTimeField(auto_now_add=True)
    files = models.JSONField(help_text="Each file read, with its SHA-256 checksum.")
    added = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-loaded_at"]
        get_latest_by = "loaded_at"

    def __str__(self) -> str:
        return f"Catalogue load at {self.loaded_at:%Y-%m-%d %H:%M}"
